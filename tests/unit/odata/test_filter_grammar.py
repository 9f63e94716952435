"""Grammar-driven property tests of the `$filter` parser and evaluator (hypothesis).

Expressions are generated from a small typed grammar over the properties below, each with a reference
predicate written independently in Python; the parsed and compiled filter must select exactly what the
reference selects. Arbitrary and mutated text must only ever give a FilterSyntaxError or an InvalidQuery (a
400), never another exception; and the depth, size and literal limits are 400s that say which limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakegraph.artifacts.errors import BadRequest
from fakegraph.odata import InvalidQuery, Property, QueryContext
from fakegraph.odata.evaluate import compile_filter
from fakegraph.odata.filter_parser import (
    MAX_DEPTH,
    MAX_LITERAL,
    MAX_NODES,
    MAX_NUMBER,
    FilterSyntaxError,
    parse_filter,
)
from fakegraph.odata.options import parse_query

MEMBERS = ("email", "sms", "unknownFutureValue", "qrCode")
PROPS = {
    "id": Property("string"),
    "name": Property("string"),
    "count": Property("number"),
    "ok": Property("boolean"),
    "kind": Property("enum", members=MEMBERS),
    "tags": Property("enum", collection=True, members=MEMBERS),
    "extra": Property("any"),
    "address": Property("object"),
}
CTX = QueryContext("microsoft.graph.sample", PROPS, include_unknown=True)
CHECKS = settings(max_examples=300, deadline=None, database=None, derandomize=True)

Reference = Callable[[dict[str, Any]], bool]
Expression = tuple[str, Reference]

words = st.text(alphabet="abcXY' %", max_size=6)
integers = st.integers(min_value=-(2**63), max_value=2**63 - 1)
small = st.integers(min_value=-5, max_value=12)
items = st.fixed_dictionaries(
    {
        "id": st.text(alphabet="0123456789", min_size=1, max_size=4),
        "name": st.none() | words,
        "count": st.none() | small,
        "ok": st.none() | st.booleans(),
        "kind": st.none() | st.sampled_from(MEMBERS),
        "tags": st.lists(st.sampled_from(MEMBERS), max_size=3),
        "extra": st.none() | small | words | st.lists(small, max_size=2) | st.just({"a": 1}),
        "address": st.none() | st.just({"city": "x"}),
    }
)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _compared(name: str, op: str, value: Any, key: Callable[[Any], Any] = lambda v: v) -> Reference:
    def reference(o: dict[str, Any]) -> bool:
        got = o.get(name)
        if got is None:
            return op == "ne"
        return _OPS[op](key(got), key(value))

    return reference


@st.composite
def number_atom(draw: st.DrawFn) -> Expression:
    op, value = draw(st.sampled_from(sorted(_OPS))), draw(small)
    if draw(st.booleans()):  # the value on the left mirrors the operator
        mirror = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(op, op)
        return f"{value} {mirror} count", _compared("count", op, value)
    return f"count {op} {value}", _compared("count", op, value)


@st.composite
def string_atom(draw: st.DrawFn) -> Expression:
    value = draw(words)
    choice = draw(st.sampled_from(["eq", "ne", "gt", "le", "startswith", "endswith", "contains"]))
    if choice in _OPS:
        return f"name {choice} {_quoted(value)}", _compared("name", choice, value)
    test = {"startswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__}[choice]
    return (
        f"{choice}(name, {_quoted(value)})",
        lambda o: isinstance(o.get("name"), str) and test(o["name"], value),
    )


@st.composite
def other_atom(draw: st.DrawFn) -> Expression:
    pick = draw(st.integers(0, 6))
    member = draw(st.sampled_from(MEMBERS))
    spelled = draw(st.sampled_from([member, member.upper()]))
    order = {m.lower(): i for i, m in enumerate(MEMBERS)}
    if pick == 0:
        return "ok", lambda o: o.get("ok") is True
    if pick == 1:
        flag = draw(st.booleans())
        return f"ok eq {str(flag).lower()}", lambda o: o.get("ok") is not None and o["ok"] == flag
    if pick == 2:
        op = draw(st.sampled_from(sorted(_OPS)))
        return f"kind {op} {_quoted(spelled)}", _compared("kind", op, member, lambda v: order[v.lower()])
    if pick == 3:
        values = draw(st.lists(small, min_size=1, max_size=4))
        listed = ", ".join(map(str, values))
        return f"count in ({listed})", lambda o: o.get("count") is not None and o["count"] in values
    if pick == 4:
        quantifier = draw(st.sampled_from(["any", "all"]))
        test = any if quantifier == "any" else all
        return (
            f"tags/{quantifier}(t: t eq {_quoted(spelled)})",
            lambda o: test(t.lower() == member.lower() for t in o.get("tags") or ()),
        )
    if pick == 5:
        return "count eq null", lambda o: o.get("count") is None
    value = draw(small)  # an untyped property: values of other kinds never match, and never raise
    return f"extra eq {value}", lambda o: o.get("extra") == value and not isinstance(o.get("extra"), bool)


atoms = st.one_of(number_atom(), string_atom(), other_atom())


def _combine(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    def both(op: str) -> st.SearchStrategy[Expression]:
        def join(pair: tuple[Expression, Expression]) -> Expression:
            (left, lref), (right, rref) = pair
            if op == "and":
                return f"({left}) and ({right})", lambda o: lref(o) and rref(o)
            return f"({left}) or ({right})", lambda o: lref(o) or rref(o)

        return st.tuples(children, children).map(join)

    negated = children.map(lambda e: (f"not ({e[0]})", lambda o: not e[1](o)))
    return st.one_of(both("and"), both("or"), negated)


expressions = st.recursive(atoms, _combine, max_leaves=12)


@CHECKS
@given(expression=expressions, objects=st.lists(items, max_size=6))
def test_generated_expressions_select_what_the_reference_selects(expression, objects):
    """Every well-formed expression of the grammar parses, compiles, and selects exactly the objects its
    independently written reference predicate selects."""
    text, reference = expression
    predicate = compile_filter(parse_filter(text), CTX)
    assert [predicate(o) for o in objects] == [bool(reference(o)) for o in objects], text


@CHECKS
@given(a=expressions, b=expressions, objects=st.lists(items, min_size=1, max_size=6))
def test_logical_identities_hold(a, b, objects):
    """not not A = A; A and A = A; De Morgan: not (A or B) = not A and not B."""

    def run(text: str) -> list[bool]:
        predicate = compile_filter(parse_filter(text), CTX)
        return [predicate(o) for o in objects]

    (x, _), (y, _) = a, b
    assert run(f"not (not ({x}))") == run(x)
    assert run(f"({x}) and ({x})") == run(x)
    assert run(f"not (({x}) or ({y}))") == run(f"(not ({x})) and (not ({y}))")


def _outcome(text: str, objects: list[dict[str, Any]]) -> None:
    """Parse, compile and evaluate: the only exceptions allowed are a syntax error or an InvalidQuery."""
    try:
        predicate = compile_filter(parse_filter(text), CTX)
    except (FilterSyntaxError, InvalidQuery):
        return
    for o in objects:
        predicate(o)


TOKENS = st.sampled_from(
    [
        "count", "name", "ok", "kind", "tags", "extra", "address", "id", "t", "x", " ", "(", ")", ",", "/",
        ":", "'", "eq", "ne", "gt", "in", "and", "or", "not", "any", "all", "startswith", "null", "true",
        "1", "-7", "1.5e3", "1e999", "9" * 30, "2021-01-01T00:00:00Z", "2026-13-45T99:00:00Z",
        "5d4c3b2a-0000-4000-8000-000000000001", "microsoft.graph.x'a'", "'it''s'", "\u00b2", "\x00",
    ]
)  # fmt: skip


@CHECKS
@given(parts=st.lists(TOKENS, max_size=30), objects=st.lists(items, max_size=4))
def test_token_soup_is_a_400_or_a_filter(parts, objects):
    """Any sequence of the grammar's tokens (mostly nonsense) gives a 400 error or a working filter."""
    _outcome(" ".join(parts), objects)


@CHECKS
@given(text=st.text(max_size=80), objects=st.lists(items, max_size=3))
def test_arbitrary_text_is_a_400_or_a_filter(text, objects):
    _outcome(text, objects)


@CHECKS
@given(
    expression=expressions,
    data=st.data(),
    objects=st.lists(items, max_size=4),
)
def test_mutated_expressions_are_a_400_or_a_filter(expression, data, objects):
    """A valid expression with a slice cut out or junk put in never raises anything but a 400 error."""
    text = expression[0]
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    junk = data.draw(st.sampled_from(["", "(", ")", "'", " not", " or ", "/any(", "eq", "\u00b2", "9" * 70]))
    _outcome(text[:start] + junk + text[end:], objects)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(length=st.integers(1, 3 * MAX_DEPTH), joiner=st.sampled_from([" or ", " and "]))
def test_chains_within_the_depth_limit_work_and_longer_ones_are_refused(length, joiner):
    """An and/or chain of n operands is n levels deep: up to MAX_DEPTH it works, beyond it is a 400."""
    text = joiner.join(["ok"] * length)
    if length <= MAX_DEPTH:
        predicate = compile_filter(parse_filter(text), CTX)
        assert predicate({"ok": True}) is True
    else:
        with pytest.raises(FilterSyntaxError, match=r"nests too deeply|too large"):
            parse_filter(text)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(depth=st.integers(1, 3 * MAX_DEPTH), style=st.sampled_from(["not", "paren", "lambda"]))
def test_nesting_within_the_depth_limit_works_and_deeper_is_refused(depth, style):
    """Nested `not`s, parentheses and lambdas: the depth limit holds for each, with no RecursionError."""
    if style == "not":
        text, levels = "not " * depth + "ok", depth + 1
    elif style == "paren":
        text, levels = "(" * depth + "ok" + ")" * depth, depth + 1
    else:
        text, levels = "tags/any(t: " * depth + "t eq 'sms'" + ")" * depth, depth + 2
    if levels <= MAX_DEPTH:
        compile_filter(parse_filter(text), CTX)  # nested lambdas may be semantically wrong, not a crash
    else:
        with pytest.raises(FilterSyntaxError, match=r"nests too deeply|too large"):
            parse_filter(text)


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(values=st.integers(1, 3 * MAX_NODES))
def test_the_size_limit_counts_terms(values):
    """`count in (...)` with n values is n + 2 terms: within MAX_NODES it works, beyond it is refused."""
    text = "count in (" + ", ".join(["1"] * values) + ")"
    if values + 2 <= MAX_NODES:
        assert compile_filter(parse_filter(text), CTX)({"count": 1}) is True
    else:
        with pytest.raises(FilterSyntaxError, match=f"too large \\(more than {MAX_NODES} terms\\)"):
            parse_filter(text)


@settings(max_examples=80, deadline=None, database=None, derandomize=True)
@given(length=st.integers(0, 2 * MAX_LITERAL), digits=st.integers(1, 3 * MAX_NUMBER), value=integers)
def test_literal_limits(length, digits, value):
    """Strings up to MAX_LITERAL characters and numbers up to MAX_NUMBER characters within Int64 work;
    longer or larger ones are refused by name (before any conversion)."""
    text = f"name eq '{'a' * length}'"
    if length <= MAX_LITERAL:
        parse_filter(text)
    else:
        with pytest.raises(FilterSyntaxError, match="too long"):
            parse_filter(text)
    assert parse_filter(f"count eq {value}").right.value == value  # type: ignore[union-attr]
    number = "1" * digits
    if digits > MAX_NUMBER:
        with pytest.raises(FilterSyntaxError, match="too long"):
            parse_filter(f"count eq {number}")
    elif int(number) >= 2**63:
        with pytest.raises(FilterSyntaxError, match="out of range"):
            parse_filter(f"count eq {number}")
    else:
        parse_filter(f"count eq {number}")


@pytest.mark.parametrize(
    "text",
    [
        "not " * 5000 + "ok",
        " or ".join(["ok"] * 5000),
        "(" * 5000 + "ok" + ")" * 5000,
        "count eq " + "7" * 5000,
    ],
)
def test_limits_are_400s_through_the_query_parser(text):
    """Through `$filter`, each limit is an InvalidQuery (a BadRequest: Graph's 400) naming the filter."""
    with pytest.raises(InvalidQuery, match=r"^Invalid \$filter: the ") as caught:
        parse_query([("$filter", text)], version="v1.0", supported=None)
    assert isinstance(caught.value, BadRequest)
    assert caught.value.status == 400
