"""Graph type text → JSON Schema fragments."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from fakegraph.compiler.typemap import INT32, INT64, TypeRef, parse_type, type_schema


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("String", TypeRef("primitive", "string")),
        ("Edm.Int32", TypeRef("primitive", "int32")),
        ("int", TypeRef("primitive", "int32")),
        ("Int64", TypeRef("primitive", "int64")),
        ("boolean", TypeRef("primitive", "boolean")),
        ("DateTimeOffset", TypeRef("primitive", "datetimeoffset")),
        ("Guid", TypeRef("primitive", "guid")),
        ("Binary", TypeRef("primitive", "binary")),
        ("Duration", TypeRef("primitive", "duration")),
        ("Double", TypeRef("primitive", "double")),
        ("Enumeration", TypeRef("enum", "")),
        ("String collection", TypeRef("primitive", "string", collection=True)),
        ("Collection(microsoft.graph.x)", TypeRef("named", "microsoft.graph.x", collection=True)),
        ("[identitySet](identityset.md)", TypeRef("named", "identitySet", link="identityset")),
        (
            "[userRegistrationCount](../resources/userregistrationcount.md) collection",
            TypeRef("named", "userRegistrationCount", collection=True, link="userregistrationcount"),
        ),
        ("[textColumn][]", TypeRef("named", "textColumn")),
        ("usageAuthMethod", TypeRef("named", "usageAuthMethod")),
        ("a strange thing!", TypeRef("unknown", "a strange thing!")),
    ],
)
def test_type_text_is_parsed(text, expected):
    """Every spelling of a type in doc tables parses to the same reference."""
    assert parse_type(text) == expected


def _valid(schema, value):
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)


@pytest.mark.parametrize(
    ("text", "good", "bad"),
    [
        ("Int32", [0, INT32[1], INT32[0]], [INT32[1] + 1, "1", 1.5]),
        ("Int64", [INT64[1], 12345678901], [INT64[1] + 1, "12"]),
        ("Boolean", [True], ["true", 1]),
        (
            "DateTimeOffset",
            ["2019-04-01T00:00:00Z", "2017-01-01T00:00:02.9716266+03:00"],
            ["yesterday", "2019-04-01"],
        ),
        ("Guid", ["4c03f248-f248-4c03-48f2-034c48f2034c"], ["not-a-guid"]),
        ("Duration", ["PT1H", "P1DT2H"], ["1 hour", "P"]),
        ("Double", [1.5, 2], ["1.5"]),
        ("String collection", [["a"], []], ["a", [1]]),
    ],
)
def test_primitive_schemas_accept_and_reject(text, good, bad):
    """Primitive schemas carry Graph's bounds and formats (format checking on)."""
    schema = type_schema(parse_type(text), lambda _: {}, nullable=False)
    assert all(_valid(schema, v) for v in good)
    assert not any(_valid(schema, v) for v in bad)


def test_nullability_and_refs():
    """Nullable properties accept null; named types become a `$ref` (nullable through anyOf)."""
    ref = parse_type("[gadgetOwner](gadgetowner.md)")
    schema = type_schema(ref, lambda _: {"$ref": "urn:x"}, nullable=True)
    assert schema == {"anyOf": [{"$ref": "urn:x"}, {"type": "null"}]}
    assert type_schema(parse_type("String"), lambda _: {}, nullable=True) == {"type": ["string", "null"]}
