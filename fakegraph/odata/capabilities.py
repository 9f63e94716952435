"""The bridge from compiled artifacts to the OData engine: property kinds from schemas, restrictions and
supported options from catalogue entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts.contract import JSONObject, OperationEntry, graph_block
from fakegraph.odata.evaluate import Filterable, Property

_OPTION_NAMES = ("filter", "select", "orderby", "top", "skip", "count", "search", "expand", "apply")


def properties_of(schema: JSONObject, schemas: Mapping[str, JSONObject]) -> dict[str, Property]:
    out = {}
    for name, prop in schema.get("properties", {}).items():
        out[name] = _property(prop, schemas)
    return out


def _property(prop: JSONObject, schemas: Mapping[str, JSONObject]) -> Property:
    resolved = schema_walk.deref(prop, schemas.get)
    collection = "items" in resolved and isinstance(resolved["items"], dict)
    if collection:
        resolved = schema_walk.deref(resolved["items"], schemas.get)
    if "enum" in resolved:
        members = tuple(str(m) for m in resolved["enum"])
        index = graph_block(resolved).get("unknownFutureValueIndex")
        evolvable = frozenset(members[index + 1 :]) if index is not None else frozenset()
        return Property("enum", collection, members, evolvable)
    kind = resolved.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "string" and resolved.get("format") == "date-time":
        return Property("datetime", collection)
    simple = {
        "string": "string",
        "integer": "number",
        "number": "number",
        "boolean": "boolean",
        "object": "object",
    }
    return Property(simple.get(str(kind), "object" if "properties" in resolved else "any"), collection)


def filterable_of(entry: OperationEntry | None) -> dict[str, Filterable] | None:
    """Per-property filter restrictions the docs give, or None where they give none."""
    documented = entry["filterable"] if entry is not None else {}
    if not documented:
        return None
    return {
        name: Filterable(frozenset(spec["operators"]), bool(spec["caseInsensitive"]))
        for name, spec in documented.items()
    }


def capabilities_of(entry: OperationEntry | None) -> dict[str, bool] | None:
    """Which system query options an operation takes: the overrides' CSDL facts, else the documented list,
    else (fakegraph's own collections) the standard ones."""
    if entry is None:
        return None
    explicit = entry["queryCapabilities"]
    if explicit:
        given = cast(dict[str, bool], explicit)
        return {name: bool(given.get(name, False)) for name in _OPTION_NAMES}
    documented = {o.lstrip("$").lower() for o in entry["queryOptions"]}
    if documented:
        # `$select` and `$expand` are Graph-wide: pages that list their options ("including $search, $count
        # and $filter") seldom name them (ARCHITECTURE A16).
        return {name: name in documented or name in {"select", "expand"} for name in _OPTION_NAMES}
    return None
