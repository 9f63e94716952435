"""Schema walks the compiler and the server share: the blank an object is completed to, and enum members
in their declared case."""

from __future__ import annotations

from fakegraph.artifacts.schema_walk import blank_of, canonical

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
