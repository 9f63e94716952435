"""The one compiled fast lane: a single pass over a request body that both checks and cleans it.

`compile_cleaner(schema, ...)` returns a function giving the body as the validator would store it
(annotations dropped, enum members in their declared case), or None whenever anything could be wrong:
an unknown or read-only property, a wrong type, a placeholder, `unknownFutureValue`, an annotation that does
not check out. None is never final: the validator then takes its full path (jsonschema, the authority),
which finds and explains the problem, or, for the rare valid body this lane does not cover, cleans it.

Values that are not plain (objects, collections of objects) are checked by `compile_check`, a compiled
yes/no predicate for the JSON Schema subset the compiler emits, with jsonschema's semantics as fakegraph
configures them (enum members match in any case; `date-time` per RFC 3339). It gives None for a schema
with a keyword outside that subset, and the lane then defers. The differential tests hold both to
jsonschema's answers over every compiled schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from rfc3339_validator import RFC3339_REGEX, validate_rfc3339

from fakegraph.artifacts import placeholders, schema_walk
from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject, request_block

Cleaner = Callable[[Any], JSONObject | None]
Field = Callable[[Any], Any]  # the cleaned value, or BAD
BAD = object()
_SENTINEL_FOLDED = UNKNOWN_FUTURE_VALUE.lower()
# Top-level keywords the lane understands; a schema with others (`required`, `minProperties`...) has no lane.
_OBJECT_KEYWORDS = frozenset(
    {"$id", "$schema", "title", "description", "type", "properties", "additionalProperties"}
    | {"patternProperties", "x-graph", "examples", "$comment"}
)
_LEAF_ANNOTATIONS = frozenset({"description", "title", "examples", "$comment", "x-graph"})


def compile_cleaner(
    schema: JSONObject,
    lookup: Lookup,
    *,
    annotation_ok: Callable[[Any], bool],
    slow_field: Callable[[JSONObject], Field],
) -> Cleaner | None:
    """The lane for an object schema, or None when it has none. An open type (`additionalProperties`
    true) keeps unknown properties as they are, placeholders refused.

    `annotation_ok` judges an `@odata.type` value; `slow_field(property schema)` gives a Field for
    properties that are not plain values (objects, collections of objects), built on the validator's checks.
    """
    additional = schema.get("additionalProperties", True)
    if set(schema) - _OBJECT_KEYWORDS or not isinstance(additional, bool):
        return None
    if schema.get("type", "object") != "object" or set(schema.get("patternProperties", {})) - {"@"}:
        return None
    properties = schema.get("properties", {})
    read_only = {name for name, prop in properties.items() if prop.get("readOnly")}  # the full path says so
    # Draft names of properties (overrides) are renamed and checked by the full path.
    aliases = frozenset(request_block(schema).get("propertyAliases", {}))
    fields = {
        name: _leaf(p, lookup) or slow_field(p) for name, p in properties.items() if name not in read_only
    }

    def clean(body: Any) -> JSONObject | None:
        if type(body) is not dict:
            return None
        out = {}
        for key, value in body.items():
            field = fields.get(key)
            if "@" in key:  # annotations are checked, never stored
                if key == "@odata.type" and not annotation_ok(value):
                    return None
                if placeholders.first(value) is not None or (field is not None and field(value) is BAD):
                    return None
                continue
            if field is None:
                if (
                    additional
                    and key not in read_only
                    and key not in aliases
                    and placeholders.first(value) is None
                ):
                    out[key] = value
                    continue
                return None
            cleaned = field(value)
            if cleaned is BAD:
                return None
            out[key] = cleaned
        return out

    return clean


def _leaf(prop: JSONObject, lookup: Lookup) -> Field | None:
    """A Field for a plain value (string, date-time, Boolean, number, enum member; nullable or not), or
    None for anything else."""
    nullable = False
    branches = prop.get("anyOf")
    if branches is not None:
        if (
            set(prop) - _LEAF_ANNOTATIONS - {"anyOf"}
            or len(branches) != 2
            or {"type": "null"} not in branches
        ):
            return None
        nullable = True
        prop = next(b for b in branches if b != {"type": "null"})
    resolved = schema_walk.deref(prop, lookup)
    if "$ref" in prop and set(prop) - {"$ref"}:
        return None
    kind = resolved.get("type")
    if isinstance(kind, list):
        if len(kind) != 2 or "null" not in kind:
            return None
        nullable = True
        kind = next(k for k in kind if k != "null")
    rest = set(resolved) - _LEAF_ANNOTATIONS - {"$id", "$schema", "type"}
    if "enum" in resolved:
        return _enum(resolved["enum"], nullable) if rest == {"enum"} and kind in {None, "string"} else None
    if kind == "string" and rest <= {"format"} and resolved.get("format") in {None, "date-time"}:
        return _string(nullable, resolved.get("format") == "date-time")
    if kind == "boolean" and not rest:
        return lambda v: v if type(v) is bool or (v is None and nullable) else BAD
    if kind == "integer" and rest <= {"format", "minimum", "maximum"}:
        low, high = resolved.get("minimum", -(2**63)), resolved.get("maximum", 2**63 - 1)
        return lambda v: v if (type(v) is int and low <= v <= high) or (v is None and nullable) else BAD
    if kind == "number" and rest <= {"format"}:
        return lambda v: v if type(v) in (int, float) or (v is None and nullable) else BAD
    return None


def _enum(members: list[Any], nullable: bool) -> Field | None:
    if not all(isinstance(m, str) for m in members):
        return None
    declared = {
        m.lower(): m for m in members if m.lower() != _SENTINEL_FOLDED and not placeholders.is_placeholder(m)
    }  # placeholders-looking members would be refused by the full path's placeholder check first

    def member(v: Any) -> Any:
        if type(v) is str:
            return declared.get(v.lower(), BAD)
        return None if v is None and nullable else BAD

    return member


def _string(nullable: bool, date_time: bool) -> Field:
    placeholder = placeholders.match

    def string(v: Any) -> Any:
        if type(v) is str:
            if placeholder(v) is not None or (date_time and not is_date_time(v)):
                return BAD
            return v
        return None if v is None and nullable else BAD

    return string


def is_date_time(text: str) -> bool:
    """What the full path's `format: date-time` check (rfc3339_validator) accepts: its RFC 3339 pattern, and
    a date that exists (datetime checks the day of the month and year 0 as it does, three times faster)."""
    if RFC3339_REGEX.match(text) is None:
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def checked_field(prop: JSONObject, lookup: Lookup, canonical: Callable[[Any], Any]) -> Field:
    """A Field for any other property: the compiled check, no placeholder inside, then `canonical`."""
    check = compile_check(prop, lookup)
    if check is None:
        return lambda _: BAD
    compiled = check

    def field(v: Any) -> Any:
        if not compiled(v) or placeholders.first(v) is not None:
            return BAD
        return canonical(v)

    return field


# --- the compiled check of nested values -----------------------------------------------------------

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
        "contentMediaType",
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
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # jsonschema's own test for `format: date`


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        return not isinstance(value, str)
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


_FORMATS: dict[str, Check] = {
    "date-time": lambda v: not isinstance(v, str) or validate_rfc3339(v),
    "date": _is_date,
}
# Formats the full path's format checker tests and this lane does not: a schema using one has no lane.
_CHECKED_ELSEWHERE = frozenset(
    {"email", "idn-email", "idn-hostname", "ipv4", "ipv6", "regex", "time", "uuid"}
)


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
        if value in _CHECKED_ELSEWHERE:
            raise Unsupported(f"format {value}")
        return _FORMATS.get(value)  # other formats (int32, double...) are annotations for jsonschema too

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
