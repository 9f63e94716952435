"""Schema walks the compiler and the server share: the blank an object is completed to, and enum members
in their declared case."""

from __future__ import annotations

from fakegraph.artifacts.schema_walk import blank_of, canonical, evolvable_properties

KIND = "urn:fakegraph:schemas:beta:microsoft.graph.kind"
SCHEMAS = {KIND: {"$id": KIND, "enum": ["chat", "string", "unknownFutureValue"]}}
THING = {
    "properties": {
        "id": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": ["array", "null"], "items": {"type": "string"}},
        "kind": {"anyOf": [{"$ref": KIND}, {"type": "null"}]},
        "kinds": {"type": "array", "items": {"$ref": KIND}},
        "size": {"type": "integer"},
        "owner": {"type": ["object", "null"], "properties": {"kind": {"$ref": KIND}}},
        "members": {"type": ["array", "null"]},
        "extra": {},
        "@microsoft.graph.mode": {"type": ["string", "null"]},
    },
    "x-graph": {"kind": "entityType", "navigationProperties": ["members"]},
}


def test_the_blank_is_null_where_nullable_and_empty_for_a_collection_that_is_not():
    """A non-nullable collection is `[]` (null would be refused if the object were loaded back); a
    non-nullable single value has no stand-in, an untyped one is null; navigations and annotation-named
    properties are left out."""
    expected = {"name": None, "tags": [], "notes": None, "kind": None, "kinds": [], "owner": None}
    expected["extra"] = None
    assert blank_of(THING) == expected


def test_enum_members_take_their_declared_case_at_any_depth():
    value = {"kind": "CHAT", "kinds": ["String", "Chat", "other"], "owner": {"kind": "cHaT"}, "name": "CHAT"}
    assert canonical(value, THING, SCHEMAS.get) == {
        "kind": "chat",
        "kinds": ["string", "chat", "other"],
        "owner": {"kind": "chat"},
        "name": "CHAT",
    }


def test_evolvable_properties_reach_members_after_the_sentinel_through_complex_values():
    """A property is listed when its enum has members after `unknownFutureValue`, or when its complex value
    (at any depth) has such a property; a type's reference to itself adds nothing (as the server's masks
    plan it)."""
    urn = "urn:fakegraph:schemas:beta:microsoft.graph."
    evolving = {"enum": ["a", "unknownFutureValue", "b"], "x-graph": {"unknownFutureValueIndex": 1}}
    settled = {"enum": ["a", "unknownFutureValue"], "x-graph": {"unknownFutureValueIndex": 1}}
    schemas = {
        urn + "evolving": evolving,
        urn + "settled": settled,
        urn + "inner": {"properties": {"kind": {"$ref": urn + "evolving"}, "self": {"$ref": urn + "inner"}}},
        urn + "outer": {
            "properties": {
                "inner": {"anyOf": [{"$ref": urn + "inner"}, {"type": "null"}]},
                "many": {"type": "array", "items": {"$ref": urn + "inner"}},
                "plain": {"$ref": urn + "settled"},
                "name": {"type": "string"},
            }
        },
    }
    found = evolvable_properties(schemas)
    assert found[urn + "outer"] == ["inner", "many"]
    assert found[urn + "inner"] == ["kind"]


def test_the_compiled_lists_mask_what_a_full_scan_masks():
    """Over the shipped pack's beta types: a response's enum masks planned from the compiled
    `evolvableProperties` are those planned by reading every property."""
    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.artifacts.paths import data_dir
    from fakegraph.http.responses import EnumMasks

    schemas = load_catalogue(data_dir()).schemas["beta"]
    listed = EnumMasks(schemas)
    unlisted = {
        uri: {**s, "x-graph": {k: v for k, v in s.get("x-graph", {}).items() if k != "evolvableProperties"}}
        for uri, s in schemas.items()
    }
    scanned = EnumMasks(unlisted)
    uris = [uri for uri in schemas if "properties" in schemas[uri]]
    assert len(uris) > 2000
    assert {u: listed.plan(u) for u in uris} == {u: scanned.plan(u) for u in uris}


def test_a_non_nullable_boolean_is_false_until_set():
    from fakegraph.artifacts.schema_walk import blank_of

    schema = {
        "properties": {
            "required": {"type": "boolean"},
            "optional": {"type": ["boolean", "null"]},
            "count": {"type": "integer"},
        }
    }
    assert blank_of(schema) == {"required": False, "optional": None}
