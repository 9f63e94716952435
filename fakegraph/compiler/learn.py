"""Properties that doc examples use but property tables omit.

Graph's property tables lag behind the service; the examples were captured from real calls. A key that a
documented body uses, that is not a property of its type, not a near-miss of one (those are misspellings,
repaired elsewhere) and not a draft name the overrides alias, is learned as an undocumented property with a
type inferred from the value, and reported. The owner is the type whose schema covers that object, or the
operation's own body.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts.contract import JSONObject

Lookup = Callable[[str], JSONObject | None]
Learned = dict[str, dict[str, JSONObject]]  # owner ($id, or "" for the operation's body) → key → schema
CLOSE_ENOUGH = 0.75


def infer(value: Any, type_uri: Callable[[str], str | None]) -> JSONObject:
    """A permissive schema for one observed value (nullable: the docs show one sample, not the rules)."""
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int):
        return {"type": ["integer", "null"]}
    if isinstance(value, float):
        return {"type": ["number", "null"]}
    if isinstance(value, str):
        return {"type": ["string", "null"]}
    if isinstance(value, list):
        items = infer(value[0], type_uri) if value else {}
        return {"items": items, "type": ["array", "null"]}
    if isinstance(value, dict):
        named = value.get("@odata.type")
        uri = type_uri(named.lstrip("#")) if isinstance(named, str) else None
        if uri:
            return {"anyOf": [{"$ref": uri}, {"type": "null"}]}
        return {"type": ["object", "null"]}
    return {}


def is_misspelling(key: str, known: JSONObject) -> bool:
    return bool(difflib.get_close_matches(key.lower(), [k.lower() for k in known], n=1, cutoff=CLOSE_ENOUGH))


def collect(
    value: Any,
    schema: JSONObject,
    owner: str,
    lookup: Lookup,
    type_uri: Callable[[str], str | None],
    sink: Learned,
) -> None:
    """Walk `value` along `schema`, recording keys to learn into `sink`."""
    owner, resolved = _follow(schema, owner, lookup)
    resolved, owner = _derived(value, resolved, owner, lookup, type_uri)
    if isinstance(value, list):
        items = resolved.get("items")
        if isinstance(items, dict):
            for item in value:
                collect(item, items, owner, lookup, type_uri, sink)
        return
    if not isinstance(value, dict) or "properties" not in resolved:
        return
    known = resolved["properties"]
    aliases = resolved.get("x-graph", {}).get("propertyAliases", {})
    for key, item in value.items():
        if "@" in key or key in aliases:
            continue
        if key in known:
            collect(item, known[key], owner, lookup, type_uri, sink)
        elif resolved.get("additionalProperties") is not True and not is_misspelling(key, known):
            learned = sink.setdefault(owner, {})
            seen = infer(item, type_uri)
            learned[key] = seen if learned.get(key, seen) == seen else {}


def _follow(schema: JSONObject, owner: str, lookup: Lookup) -> tuple[str, JSONObject]:
    """Resolve `$ref` and nullable `anyOf`, remembering which type schema we ended in."""
    for _ in range(32):
        if "$ref" in schema:
            owner = str(schema["$ref"])
            schema = lookup(owner) or {}
            continue
        branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
        if "anyOf" in schema and len(branches) == 1:
            schema = branches[0]
            continue
        break
    return owner, schema


def _derived(
    value: Any, schema: JSONObject, owner: str, lookup: Lookup, type_uri: Callable[[str], str | None]
) -> tuple[JSONObject, str]:
    if not isinstance(value, dict) or not isinstance(value.get("@odata.type"), str):
        return schema, owner
    derived = schema.get("x-graph", {}).get("derivedTypes", [])
    uri = type_uri(value["@odata.type"].lstrip("#"))
    if uri and derived and any(uri.endswith(":" + d) for d in derived):
        return schema_walk.deref({"$ref": uri}, lookup), uri
    return schema, owner
