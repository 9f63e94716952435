"""A compiled yes/no check for the JSON Schema subset the compiler emits: the fast path for valid bodies.

`compile_check(schema, lookup)` returns a predicate, or None when the schema uses a keyword outside the
subset. A False answer is never final: the caller then runs jsonschema for the error message. Semantics
follow `fakegraph.schemas.GraphValidator` (enum members match in any case; `date-time` per RFC 3339).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rfc3339_validator import validate_rfc3339

from fakegraph.artifacts.contract import JSONObject

Check = Callable[[Any], bool]
Lookup = Callable[[str], JSONObject | None]
ANNOTATIONS = frozenset(
    {
        "$id",
        "$schema",
        "$comment",
        "title",
        "description",
        "readOnly",
        "examples",
        "x-graph",
        "contentEncoding",
    }
)
_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
    "null": lambda v: v is None,
}
# JSON types that one isinstance answers ("integer" would also need floats like 1.0: left to _TYPES).
_PLAIN: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "boolean": bool,
    "number": (int, float),
    "array": list,
    "object": dict,
    "null": type(None),
}
_FORMATS: dict[str, Check] = {"date-time": lambda v: not isinstance(v, str) or validate_rfc3339(v)}


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement."""


def compile_check(schema: JSONObject, lookup: Lookup) -> Check | None:
    try:
        return _Compiler(lookup).compile(schema)
    except Unsupported:
        return None


class _Compiler:
    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup
        self._refs: dict[str, Check] = {}

    def compile(self, schema: JSONObject) -> Check:
        checks = [
            self._keyword(key, value, schema) for key, value in schema.items() if key not in ANNOTATIONS
        ]
        active = [c for c in checks if c is not None]
        if not active:
            return lambda _: True
        if len(active) == 1:
            return active[0]
        if len(active) == 2:
            first, second = active
            return lambda v: first(v) and second(v)
        if len(active) == 3:
            first, second, third = active
            return lambda v: first(v) and second(v) and third(v)

        def every(v: Any) -> bool:
            for check in active:  # noqa: SIM110 - a plain loop beats all() over a generator on this hot path
                if not check(v):
                    return False
            return True

        return every

    def _keyword(self, key: str, value: Any, schema: JSONObject) -> Check | None:
        handlers: dict[str, Callable[[Any, JSONObject], Check | None]] = {
            "type": self._k_type,
            "enum": self._k_enum,
            "format": self._k_format,
            "minimum": self._k_minimum,
            "maximum": self._k_maximum,
            "pattern": self._k_pattern,
            "items": self._k_items,
            "anyOf": self._k_any_of,
            "$ref": self._k_ref,
            "properties": self._k_properties,
            "patternProperties": self._k_pattern_properties,
            "additionalProperties": self._k_additional_properties,
        }
        handler = handlers.get(key)
        if handler is None:
            raise Unsupported(key)
        return handler(value, schema)

    def _k_type(self, value: Any, _: JSONObject) -> Check:
        names = set(value if isinstance(value, list) else [value])
        if names <= _PLAIN.keys():
            # One isinstance call; bool is an int in Python but not a JSON number.
            plain = tuple(_PLAIN[n] for n in names)
            if names & {"integer", "number"} and "boolean" not in names:
                return lambda v: isinstance(v, plain) and not isinstance(v, bool)
            return lambda v: isinstance(v, plain)
        if names in ({"integer"}, {"integer", "null"}):
            nullable = "null" in names
            return lambda v: (
                (v is None and nullable) or type(v) is int or (isinstance(v, float) and v.is_integer())
            )
        kinds = [_TYPES[k] for k in names]
        return lambda v: any(k(v) for k in kinds)

    def _k_enum(self, value: list[Any], _: JSONObject) -> Check:
        exact = {m for m in value if isinstance(m, str)}
        folded = {m.lower() for m in exact}
        others = [m for m in value if not isinstance(m, str)]
        return lambda v: (v in exact or v.lower() in folded) if isinstance(v, str) else v in others

    def _k_format(self, value: str, _: JSONObject) -> Check | None:
        return _FORMATS.get(value)  # other formats are annotations for jsonschema too (no checker installed)

    def _k_minimum(self, value: float, _: JSONObject) -> Check:
        return lambda v: not _TYPES["number"](v) or v >= value

    def _k_maximum(self, value: float, _: JSONObject) -> Check:
        return lambda v: not _TYPES["number"](v) or v <= value

    def _k_pattern(self, value: str, _: JSONObject) -> Check:
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def _k_items(self, value: JSONObject, _: JSONObject) -> Check:
        item = self.compile(value)
        return lambda v: not isinstance(v, list) or all(item(i) for i in v)

    def _k_any_of(self, value: list[JSONObject], _: JSONObject) -> Check:
        branches = [self.compile(b) for b in value]
        return lambda v: any(b(v) for b in branches)

    def _k_ref(self, value: str, _: JSONObject) -> Check:
        if value not in self._refs:
            target = self._lookup(value)
            if target is None:
                raise Unsupported(value)
            self._refs[value] = lambda _: True  # provisional, for recursive types
            self._refs[value] = self.compile(target)
        refs = self._refs

        def check(v: Any) -> bool:  # looked up late: a recursive type is complete by the time it runs
            return refs[value](v)

        return check

    def _k_properties(self, value: JSONObject, schema: JSONObject) -> Check:
        props = {name: self.compile(sub) for name, sub in value.items()}
        pattern = schema.get("patternProperties", {})
        if set(pattern) - {"@"} or any(p for p in pattern.values()):
            raise Unsupported("patternProperties")
        closed = schema.get("additionalProperties", True) is False

        def check(v: Any) -> bool:
            if not isinstance(v, dict):
                return True
            for key, item in v.items():
                prop = props.get(key)
                if prop is None:
                    if closed and "@" not in key:
                        return False
                elif not prop(item):
                    return False
            return True

        return check

    def _k_pattern_properties(self, _value: JSONObject, schema: JSONObject) -> None:
        if "properties" not in schema:
            raise Unsupported("patternProperties")

    def _k_additional_properties(self, value: Any, schema: JSONObject) -> None:
        if "properties" not in schema or not isinstance(value, bool):
            raise Unsupported("additionalProperties")
