"""Placeholder values in doc examples ("String", "Int64", "String (timestamp)", ...).

Doc tooling fills examples with the name of the type instead of a value. Such values are marked, never served.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from fakegraph.artifacts.contract import JSONObject

Path = tuple[str | int, ...]

_TYPE_WORDS = (
    "string|integer|int|int16|int32|int64|boolean|bool|double|single|decimal|float|number|byte|guid|binary"
    "|duration|date|datetime|datetimeoffset|timeofday|timestamp|enumeration|enum|edm\\.\\w+"
)
# The generator's stand-ins: a type name ("Int64", "String (timestamp)"), "<name>-value" ("id-value"), or an
# elided value ("MIIDYDCCAki...") that stands for one too long to print. One pattern, one match per string.
_PLACEHOLDER = re.compile(
    rf"^(?:\s*(?i:{_TYPE_WORDS})(?:\s*\([^)]*\))?\s*|[A-Za-z][\w.]*-value|\S+(?:\.\.\.|…))$"
)
match = _PLACEHOLDER.match  # for a value known to be a string


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and _PLACEHOLDER.match(value) is not None


def first(value: Any) -> tuple[Path, Any] | None:
    """The first placeholder in a JSON value (a fast, non-generator form of `find`)."""
    if isinstance(value, dict):
        pairs: Iterable[tuple[str | int, Any]] = ((k, v) for k, v in value.items() if "@" not in k)
    elif isinstance(value, list):
        pairs = enumerate(value)
    else:
        return ((), value) if is_placeholder(value) else None
    for key, item in pairs:
        if isinstance(item, str):
            if _PLACEHOLDER.match(item) is not None:
                return (key,), item
        elif isinstance(item, (dict, list)):
            found = first(item)
            if found is not None:
                return (key, *found[0]), found[1]
    return None


def find(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every (location, value) in a JSON value whose value is a placeholder; annotation keys are skipped."""
    if isinstance(value, dict):
        for key, item in value.items():
            if "@" not in key:
                yield from find(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find(item, (*path, index))
    elif is_placeholder(value):
        yield path, value


def pointer(path: Path) -> str:
    """RFC 6901 JSON pointer for a location."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def parse_pointer(text: str) -> Path:
    if not text:
        return ()
    parts: list[str | int] = []
    for raw in text.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return tuple(parts)


def substitute(value: Any, marks: list[JSONObject]) -> Any:
    """A copy of `value` with every marked location replaced by the mark's sample value."""
    copy = json.loads(json.dumps(value))
    for mark in marks:
        path = parse_pointer(mark["pointer"])
        if not path:
            return mark["sample"]
        parent = copy
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = mark["sample"]
    return copy
