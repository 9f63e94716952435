"""Walking compiled JSON Schemas: the schema at a JSON location, and a minimal valid sample value.

Pure helpers shared by the compiler (placeholder marks) and the server (example replay).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject

Lookup = Callable[[str], JSONObject | None]

_FORMAT_SAMPLES = {
    "date-time": "2021-01-01T00:00:00Z",
    "date": "2021-01-01",
}
_PATTERN_SAMPLES = {
    "^[0-9a-fA-F]{8}": "00000000-0000-4000-8000-000000000000",
    "^-?P": "PT1H",
    "^([01]": "12:00:00",
    "^[A-Za-z0-9+/": "AAAA",
}


def deref(schema: JSONObject, lookup: Lookup) -> JSONObject:
    """Follow `$ref` and drop the null branch of a nullable `anyOf`."""
    seen = 0
    while True:
        if "$ref" in schema:
            target = lookup(str(schema["$ref"]))
            if target is None or seen > 32:
                return {}
            schema, seen = target, seen + 1
            continue
        branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
        if len(branches) == 1 and "anyOf" in schema:
            schema = branches[0]
            continue
        return schema


def subschema(schema: JSONObject, path: Sequence[str | int], lookup: Lookup) -> JSONObject | None:
    """The schema that applies at `path` inside an instance of `schema`, or None if none is declared."""
    current = deref(schema, lookup)
    for part in path:
        if isinstance(part, int):
            items = current.get("items")
            if not isinstance(items, dict):
                return None
            current = deref(items, lookup)
            continue
        properties = current.get("properties", {})
        if part in properties:
            current = deref(properties[part], lookup)
        else:
            return None
    return current


def sample_value(schema: JSONObject, lookup: Lookup) -> Any:
    """A small, deterministic value that satisfies `schema` (never a doc placeholder)."""
    schema = deref(schema, lookup)
    if "enum" in schema:
        members = [m for m in schema["enum"] if m != UNKNOWN_FUTURE_VALUE] or schema["enum"]
        return members[0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "string":
        return _string_sample(schema)
    if kind == "integer":
        return max(0, int(schema.get("minimum", 0)))
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object" or "properties" in schema:
        return {}
    return "sample"


def _string_sample(schema: JSONObject) -> str:
    if schema.get("format") in _FORMAT_SAMPLES:
        return _FORMAT_SAMPLES[schema["format"]]
    pattern = str(schema.get("pattern", ""))
    for prefix, value in _PATTERN_SAMPLES.items():
        if pattern.startswith(prefix):
            return value
    return "sample"


def blank_of(schema: JSONObject) -> JSONObject:
    """What Graph shows for the declared properties an object leaves unset (navigations aside): null where
    the property is nullable, `[]` for a collection that is not, false for a Boolean that is not; any other
    non-nullable value has no stand-in and is left out. The shape a created object is stored in, and sample
    objects are completed to."""
    navigation = set(schema.get("x-graph", {}).get("navigationProperties", []))
    out: JSONObject = {}
    for name, prop in schema.get("properties", {}).items():
        if name in navigation or "@" in name or not isinstance(prop, dict):  # `@` names are annotations
            continue
        kind = prop.get("type")
        untyped = kind is None and "$ref" not in prop and "anyOf" not in prop  # `{}`: any value, null too
        nullable = (isinstance(kind, list) and "null" in kind) or {"type": "null"} in prop.get("anyOf", [])
        if nullable or untyped:
            out[name] = None
        elif kind == "array":
            out[name] = []
        elif kind == "boolean":  # a non-nullable Boolean is false until set, as Graph creates objects
            out[name] = False
    return out


def canonical(value: Any, schema: JSONObject, lookup: Lookup, depth: int = 0) -> Any:
    """`value` with every enum member in its declared case (Graph reads members in any case and answers
    with the declared one), following the schema through objects and collections."""
    schema = deref(schema, lookup)
    if isinstance(value, str) and "enum" in schema:
        return {str(m).lower(): m for m in schema["enum"]}.get(value.lower(), value)
    if depth > 32:
        return value
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        return [canonical(v, items, lookup, depth + 1) for v in value]
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        return {
            k: canonical(v, properties[k], lookup, depth + 1) if isinstance(properties.get(k), dict) else v
            for k, v in value.items()
        }
    return value


def element(prop: JSONObject) -> JSONObject:
    """The schema of a property's value, or of its items for a collection; nullability removed."""
    branches = [b for b in prop.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" in prop and len(branches) == 1:
        prop = branches[0]
    items = prop.get("items")
    return element(items) if isinstance(items, dict) else prop


def evolvable_properties(schemas: Mapping[str, JSONObject]) -> dict[str, list[str]]:
    """Schema URI → the properties whose values may hold evolvable enum members (those declared after
    `unknownFutureValue`), directly or in a complex value: what a response masks. The compiler writes it
    into each type's x-graph block, so the server reads only the schemas on the way to such members."""
    found: dict[str, list[str]] = {}

    def walk(uri: str) -> list[str]:
        if uri in found:
            return found[uri]
        found[uri] = []  # guards recursive types
        names = []
        for name, prop in schemas.get(uri, {}).get("properties", {}).items():
            target = element(prop)
            ref = target.get("$ref")
            resolved = deref(target, schemas.get)
            index = resolved.get("x-graph", {}).get("unknownFutureValueIndex")
            if (index is not None and index + 1 < len(resolved.get("enum", []))) or (
                isinstance(ref, str) and "properties" in resolved and walk(ref)
            ):
                names.append(name)
        found[uri] = names
        return names

    for uri in schemas:
        walk(uri)
    return found
