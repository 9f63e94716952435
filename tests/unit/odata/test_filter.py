"""`$filter` parsing and evaluation on plain dicts: every operator, literal kind and error."""

from __future__ import annotations

import pytest

from fakegraph.odata import InvalidQuery, Property, QueryContext, QueryOptions, apply
from fakegraph.odata.evaluate import Filterable, compile_filter, sort_key
from fakegraph.odata.filter_parser import FilterSyntaxError, parse_filter

PROPS = {
    "id": Property("string"),
    "name": Property("string"),
    "count": Property("number"),
    "ratio": Property("number"),
    "ok": Property("boolean"),
    "when": Property("datetime"),
    "kind": Property(
        "enum", members=("email", "sms", "unknownFutureValue", "qrCode"), evolvable=frozenset({"qrCode"})
    ),
    "tags": Property(
        "enum", collection=True, members=("a", "b", "unknownFutureValue", "z"), evolvable=frozenset({"z"})
    ),
    "owner": Property("string"),
}
ITEMS = [
    {
        "id": "1",
        "name": "Ann O'Neil",
        "count": 3,
        "ratio": 0.5,
        "ok": True,
        "when": "2021-01-01T00:00:00Z",
        "kind": "email",
        "tags": ["a"],
        "owner": "5d4c3b2a-0000-4000-8000-000000000001",
    },
    {
        "id": "2",
        "name": "bob",
        "count": 10,
        "ratio": 1.5,
        "ok": False,
        "when": "2021-06-01T12:00:00Z",
        "kind": "sms",
        "tags": ["a", "b"],
        "owner": None,
    },
    {
        "id": "3",
        "name": "Carl",
        "count": None,
        "ratio": 2.0,
        "ok": True,
        "when": "2022-01-01T00:00:00+02:00",
        "kind": "qrCode",
        "tags": [],
        "owner": "x",
    },
]
CTX = QueryContext("microsoft.graph.sample", PROPS, include_unknown=True)


def _ids(expression: str, ctx: QueryContext = CTX) -> list[str]:
    predicate = compile_filter(parse_filter(expression), ctx)
    return [item["id"] for item in ITEMS if predicate(item)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("count eq 3", ["1"]),
        ("count ne 3", ["2", "3"]),
        ("count gt 3", ["2"]),
        ("count ge 3", ["1", "2"]),
        ("count lt 10", ["1"]),
        ("count le 10", ["1", "2"]),
        ("ratio gt 1.25", ["2", "3"]),
        ("3 lt count", ["2"]),
        ("count eq null", ["3"]),
        ("owner ne null", ["1", "3"]),
        ("ok eq true", ["1", "3"]),
        ("ok", ["1", "3"]),
        ("ok eq false and count gt 1", ["2"]),
        ("count eq 3 or name eq 'bob'", ["1", "2"]),
        ("not (count eq 3)", ["2", "3"]),
        ("not ok", ["2"]),
        ("(count eq 3 or count eq 10) and ok eq false", ["2"]),
        ("name eq 'Ann O''Neil'", ["1"]),
        ("name in ('bob', 'Carl')", ["2", "3"]),
        ("count in (3, 10)", ["1", "2"]),
        ("startswith(name, 'Ca')", ["3"]),
        ("endswith(name, 'ob')", ["2"]),
        ("contains(name, 'O''N')", ["1"]),
        ("when gt 2021-03-01T00:00:00Z", ["2", "3"]),
        ("when lt 2021-12-31T21:00:00Z", ["1", "2"]),
        ("when lt 2021-12-31T23:00:00Z", ["1", "2", "3"]),
        ("when eq '2021-01-01T00:00:00Z'", ["1"]),
        ("owner eq 5d4c3b2a-0000-4000-8000-000000000001", ["1"]),
        ("kind eq 'email'", ["1"]),
        ("kind eq 'EMAIL'", ["1"]),
        ("kind eq microsoft.graph.usageAuthMethod'sms'", ["2"]),
        ("kind gt 'email'", ["2", "3"]),
        ("tags/any(t: t eq 'b')", ["2"]),
        ("tags/any(t:t eq microsoft.graph.x'a')", ["1", "2"]),
        ("tags/all(t: t eq 'a')", ["1", "3"]),
        ("tags/any()", ["1", "2"]),
    ],
)
def test_filter_table(expression, expected):
    """Each operator and literal kind selects the right objects."""
    assert _ids(expression) == expected


def test_case_insensitive_where_the_docs_say_so():
    """String comparisons fold case only for properties documented as case-insensitive."""
    strict = QueryContext("t", PROPS, filterable={"name": Filterable(frozenset({"eq", "startswith"}), False)})
    folded = QueryContext("t", PROPS, filterable={"name": Filterable(frozenset({"eq", "startswith"}), True)})
    assert _ids("name eq 'BOB'", strict) == []
    assert _ids("name eq 'BOB'", folded) == ["2"]
    assert _ids("startswith(name, 'ca')", folded) == ["3"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("colour eq 'red'", "Could not find a property named 'colour'"),
        ("name eq 'x'", "Filtering on property 'name' is not supported"),
        ("count ne 1", "The operator 'ne' is not supported on property 'count'"),
        ("startswith(count, 'x')", "not supported on property 'count'"),
        ("count in (1, 2)", "The operator 'in' is not supported"),
        ("tags/any(t: t ne 'a')", "The operator 'ne' is not supported on property 'tags'"),
    ],
)
def test_restrictions_name_the_property_or_operator(expression, message):
    """Only documented properties and operators are accepted where the docs restrict them."""
    ctx = QueryContext(
        "t",
        PROPS,
        filterable={
            "count": Filterable(frozenset({"eq"}), False),
            "tags": Filterable(frozenset({"eq"}), False),
        },
    )
    with pytest.raises(InvalidQuery, match=message):
        compile_filter(parse_filter(expression), ctx)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("kind eq 'qrCode'", "Prefer: include-unknown-enum-members"),
        ("tags/any(t: t eq 'z')", "Prefer: include-unknown-enum-members"),
        ("kind eq 'pigeon'", "not a member"),
        ("count eq 'three'", "does not match the type"),
        ("ok eq 1", "does not match the type"),
        ("when gt 'soon'", "not a DateTimeOffset"),
        ("count gt null", "not a valid comparison"),
        ("name/first eq 'x'", "path"),
        ("count eq count", "a value on the other"),
        ("tolower(name) eq 'x'", "not supported"),
    ],
)
def test_semantic_errors(expression, message):
    """Values that cannot apply to the property are 400s that say why (evolvable members need the header)."""
    ctx = QueryContext("t", PROPS, include_unknown=False)
    with pytest.raises(InvalidQuery, match=message):
        compile_filter(parse_filter(expression), ctx)


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "count eq",
        "(count eq 1",
        "count eq 1)",
        "count ~ 1",
        "name eq 'open",
        "count eq 1 and",
        "tags/any(t: t eq 'a'",
    ],
)
def test_syntax_errors(expression):
    """Malformed expressions raise a syntax error naming what went wrong."""
    with pytest.raises(FilterSyntaxError):
        parse_filter(expression)


def test_deep_nesting_is_refused_not_a_crash():
    """A pathologically nested expression is a syntax error, not a RecursionError."""
    with pytest.raises(FilterSyntaxError, match="too deeply"):
        parse_filter("(" * 500 + "ok" + ")" * 500)


def test_orderby_nulls_enums_and_directions():
    """Ascending puts nulls first, descending last; enums sort by member order; ties fall back to the key."""
    ctx = QueryContext("t", PROPS)
    ordered = sorted(ITEMS, key=sort_key([("count", False)], ctx))
    assert [i["id"] for i in ordered] == ["3", "1", "2"]
    ordered = sorted(ITEMS, key=sort_key([("count", True)], ctx))
    assert [i["id"] for i in ordered] == ["2", "1", "3"]
    ordered = sorted(ITEMS, key=sort_key([("kind", True)], ctx))
    assert [i["id"] for i in ordered] == ["3", "2", "1"]
    ordered = sorted(ITEMS, key=sort_key([("ok", False), ("name", True)], ctx))
    assert [i["id"] for i in ordered] == ["2", "3", "1"]


def test_apply_pages_with_tokens_and_select():
    """`apply` filters, counts, orders, pages with a token and selects."""
    from fakegraph.odata.options import parse_query

    options = parse_query(
        [("$orderby", "ratio desc"), ("$count", "true"), ("$select", "name")], version="v1.0", supported=None
    )
    first = apply(ITEMS, options, CTX, page_size=2)
    assert [i["id"] for i in first.items] == ["3", "2"]
    assert first.items[0] == {"id": "3", "name": "Carl"}
    assert first.count == 3
    assert first.next_token is not None
    second = apply(
        ITEMS, QueryOptions(**{**options.__dict__, "skiptoken": first.next_token}), CTX, page_size=2
    )
    assert [i["id"] for i in second.items] == ["1"]
    assert second.count is None
    assert second.next_token is None
