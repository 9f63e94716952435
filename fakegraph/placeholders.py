"""Placeholder values in doc examples ("String", "Int64", "String (timestamp)", ...).

Doc tooling fills examples with the name of the type instead of a value. Such values are marked, never served.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]

_TYPE_WORDS = (
    "string|integer|int|int16|int32|int64|boolean|bool|double|single|decimal|float|number|byte|guid|binary"
    "|duration|date|datetime|datetimeoffset|timeofday|timestamp|enumeration|enum|edm\\.\\w+"
)
_PLACEHOLDER = re.compile(rf"^\s*(?:{_TYPE_WORDS})(?:\s*\([^)]*\))?\s*$", re.IGNORECASE)
# The doc generator's other convention: "<propertyName>-value" (e.g. "id-value", "content-value").
_NAME_VALUE = re.compile(r"^[A-Za-z][\w.]*-value$")
# An elided value ("MIIDYDCCAki...") stands for a real one that was too long to print.
_ELIDED = re.compile(r"^\S+(\.\.\.|…)$")


# A JSON text that may hold a placeholder string (checked before walking the parsed value).
_IN_TEXT = re.compile(rf'"(?:{_TYPE_WORDS})(?:\s*\([^)"]*\))?\s*"|-value"|(?:\.\.\.|…)"|\\u', re.IGNORECASE)


def may_contain(text: str) -> bool:
    """False only if no string in this JSON text can be a placeholder (escapes send it to the full scan)."""
    return _IN_TEXT.search(text) is not None


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(
        _PLACEHOLDER.match(value) or _NAME_VALUE.match(value) or _ELIDED.match(value)
    )


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
