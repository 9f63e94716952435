"""`$filter` ASTs → predicates over plain dicts, checked against the operation's documented restrictions;
`$orderby` → sort keys. Pure code: no aiohttp.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import BadRequest
from fakegraph.odata.filter_ast import BoolOp, Call, Compare, In, Lambda, Literal, Member, Node, Not

Predicate = Callable[[Any], bool]


class InvalidQuery(BadRequest):
    """A query option Graph would refuse; the message names the option, property or operator."""


class Property(NamedTuple):
    """What the query engine needs to know about one property."""

    kind: str  # string | enum | datetime | number | boolean | object | any
    collection: bool = False
    members: tuple[str, ...] = ()
    evolvable: frozenset[str] = frozenset()


class Filterable(NamedTuple):
    operators: frozenset[str]
    case_insensitive: bool


@dataclass(frozen=True)
class QueryContext:
    """The type's properties, the operation's restrictions, and whether evolvable members may appear."""

    type_name: str
    properties: Mapping[str, Property]
    filterable: Mapping[str, Filterable] | None = None  # None: any property, any operator
    include_unknown: bool = False
    key: str = "id"
    notes: list[str] = field(default_factory=list)
    token_key: bytes = b""  # the server's key authenticating $skiptokens (State.token_key)


DATETIME_TEXT = 40  # characters of the longest DateTimeOffset text (with 9 fraction digits and an offset)


def parse_datetime(text: str) -> datetime | None:
    """A DateTimeOffset from text, or None; longer texts are no date, and are not cached (the caches hold
    short texts only, so a client's long values cannot fill them)."""
    return None if len(text) > DATETIME_TEXT else _parse_datetime(text)


@lru_cache(maxsize=1 << 18)
def _parse_datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@lru_cache(maxsize=1 << 18)
def _epoch_of_text(text: str) -> float | None:
    parsed = parse_datetime(text)
    return None if parsed is None else parsed.timestamp()


def epoch(value: Any) -> float | None:
    """A DateTimeOffset (text or datetime) as seconds since 1970: fast to compare, microsecond precision."""
    if isinstance(value, str):
        return None if len(value) > DATETIME_TEXT else _epoch_of_text(value)
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    return None


def compile_filter(node: Node, ctx: QueryContext) -> Predicate:
    return _Compiler(ctx).node(node, None)


class _Compiler:
    def __init__(self, ctx: QueryContext) -> None:
        self.ctx = ctx

    def node(self, node: Node, scope: tuple[str, Property] | None) -> Predicate:
        if isinstance(node, BoolOp):
            left, right = self.node(node.left, scope), self.node(node.right, scope)
            if node.op == "and":
                return lambda o: left(o) and right(o)
            return lambda o: left(o) or right(o)
        if isinstance(node, Not):
            inner = self.node(node.operand, scope)
            return lambda o: not inner(o)
        if isinstance(node, Compare):
            return self.compare(node, scope)
        if isinstance(node, In):
            return self.in_(node, scope)
        if isinstance(node, Call):
            return self.call(node, scope)
        if isinstance(node, Lambda):
            return self.lambda_(node)
        if isinstance(node, Member):
            getter, prop, _ = self.member(node, scope, "eq")
            if prop.kind != "boolean" or prop.collection:
                raise InvalidQuery(f"'{'/'.join(node.path)}' is not a Boolean; compare it with a value.")
            return lambda o: getter(o) is True
        raise InvalidQuery("A $filter expression must be a condition, not a bare value.")

    def member(
        self, node: Node, scope: tuple[str, Property] | None, operator: str
    ) -> tuple[Callable[[Any], Any], Property, Filterable | None]:
        if not isinstance(node, Member):
            raise InvalidQuery(
                "Only a property can be compared with a value in $filter; other functions are not supported."
            )
        if node.variable:
            if scope is None or node.variable != scope[0] or node.path:
                raise InvalidQuery(f"Unknown lambda variable or path '{node.variable}'.")
            element = Property(scope[1].kind, False, scope[1].members, scope[1].evolvable)
            return (lambda o: o), element, self._allowed(scope[0], operator, lambda_variable=True)
        if len(node.path) != 1:
            raise InvalidQuery(f"Filtering on the path '{'/'.join(node.path)}' is not supported.")
        name = node.path[0]
        prop = self.ctx.properties.get(name)
        if prop is None:
            raise InvalidQuery(f"Could not find a property named '{name}' on type '{self.ctx.type_name}'.")
        allowed = self._allowed(name, operator)
        return (lambda o: o.get(name)), prop, allowed

    def _allowed(self, name: str, operator: str, *, lambda_variable: bool = False) -> Filterable | None:
        restrictions = self.ctx.filterable
        if restrictions is None:
            return None
        if lambda_variable:
            name = self._lambda_property
        found = restrictions.get(name)
        if found is None:
            supported = ", ".join(sorted(restrictions)) or "none"
            raise InvalidQuery(
                f"Filtering on property '{name}' is not supported. Filterable properties: {supported}."
            )
        if operator not in found.operators:
            raise InvalidQuery(
                f"The operator '{operator}' is not supported on property '{name}'. "
                f"Supported: {', '.join(sorted(found.operators))}."
            )
        return found

    _lambda_property = ""

    def compare(self, node: Compare, scope: tuple[str, Property] | None) -> Predicate:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, Literal) and not isinstance(right, Literal):
            left, right = right, left
            op = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(op, op)
        if not isinstance(right, Literal):
            raise InvalidQuery("Comparisons in $filter need a property on one side and a value on the other.")
        getter, prop, allowed = self.member(left, scope, op)
        _comparable(left, prop, op)
        folded = bool(allowed and allowed.case_insensitive) or prop.kind == "enum"
        value = self.literal_for(right, prop)
        if value is None:
            return _null_compare(op, getter)
        fast = _equality(op, left, prop, value, folded)
        if fast is not None:
            return fast
        key = _sort_value(prop, folded)
        target = key(value)
        test = _COMPARE[op]

        def predicate(o: Any) -> bool:
            got = getter(o)
            if got is None:
                return op == "ne"
            mine = key(got)
            try:
                return mine is not None and test(mine, target)
            except TypeError:  # an untyped property holding a value of another kind: no match
                return op == "ne"

        return predicate

    def in_(self, node: In, scope: tuple[str, Property] | None) -> Predicate:
        getter, prop, allowed = self.member(node.left, scope, "in")
        _comparable(node.left, prop, "in")
        folded = bool(allowed and allowed.case_insensitive) or prop.kind == "enum"
        key = _sort_value(prop, folded)
        values = {_hashable(key(self.literal_for(v, prop))) for v in node.values}

        def predicate(o: Any) -> bool:
            got = getter(o)
            return got is not None and _hashable(key(got)) in values

        return predicate

    def call(self, node: Call, scope: tuple[str, Property] | None) -> Predicate:
        if node.name not in {"startswith", "endswith", "contains"} or len(node.args) != 2:
            raise InvalidQuery(f"The function '{node.name}' is not supported in $filter here.")
        getter, prop, allowed = self.member(node.args[0], scope, node.name)
        if prop.kind != "string" or not isinstance(node.args[1], Literal) or node.args[1].kind != "string":
            raise InvalidQuery(f"'{node.name}' needs a String property and a string value.")
        folded = bool(allowed and allowed.case_insensitive)
        needle = str(node.args[1].value).lower() if folded else str(node.args[1].value)
        test = {"startswith": str.startswith, "endswith": str.endswith, "contains": str.__contains__}[
            node.name
        ]

        def predicate(o: Any) -> bool:
            got = getter(o)
            return isinstance(got, str) and test(got.lower() if folded else got, needle)

        return predicate

    def lambda_(self, node: Lambda) -> Predicate:
        name = node.collection.path[0] if len(node.collection.path) == 1 else "/".join(node.collection.path)
        prop = self.ctx.properties.get(name)
        if prop is None or not prop.collection:
            raise InvalidQuery(f"'{name}' is not a collection property of '{self.ctx.type_name}'.")
        if self.ctx.filterable is not None and name not in self.ctx.filterable:
            supported = ", ".join(sorted(self.ctx.filterable)) or "none"
            raise InvalidQuery(
                f"Filtering on property '{name}' is not supported. Filterable properties: {supported}."
            )
        if node.body is None:
            return lambda o: bool(o.get(name)) if node.op == "any" else True
        previous, self._lambda_property = self._lambda_property, name
        try:
            inner = self.node(node.body, (node.variable, prop))
        finally:
            self._lambda_property = previous
        if node.op == "any":
            return lambda o: any(inner(item) for item in (o.get(name) or ()))
        return lambda o: all(inner(item) for item in (o.get(name) or ()))

    def literal_for(self, literal: Literal, prop: Property) -> Any:
        """The literal as a value of the property's kind, or an InvalidQuery saying why it cannot be."""
        if literal.kind == "null":
            return None
        if prop.kind == "enum":
            if literal.kind not in {"string", "enum"}:
                raise InvalidQuery(f"'{literal.value}' is not a member of the enumeration; quote it.")
            member = next((m for m in prop.members if m.lower() == str(literal.value).lower()), None)
            if member is None:
                raise InvalidQuery(
                    f"'{literal.value}' is not a member; expected one of: {', '.join(prop.members)}."
                )
            if member in prop.evolvable and not self.ctx.include_unknown:
                raise InvalidQuery(
                    f"The enumeration member '{member}' is only available with the request header "
                    "'Prefer: include-unknown-enum-members'."
                )
            return member
        if prop.kind == "datetime":
            if literal.kind == "datetime":
                return literal.value
            parsed = parse_datetime(str(literal.value)) if literal.kind == "string" else None
            if parsed is None:
                raise InvalidQuery(f"'{literal.value}' is not a DateTimeOffset.")
            return parsed
        expected = {"number": {"int", "decimal"}, "boolean": {"bool"}, "string": {"string", "guid"}}.get(
            prop.kind
        )
        if expected is not None and literal.kind not in expected:
            raise InvalidQuery(
                f"The value {literal.value!r} does not match the type of the property ({prop.kind})."
            )
        return literal.value


def _comparable(node: Node, prop: Property, op: str) -> None:
    """A 400 for comparing what no literal can equal: a collection (use any/all) or a complex value."""
    name = ("/".join(node.path) or node.variable) if isinstance(node, Member) else "the value"
    if prop.collection:
        raise InvalidQuery(
            f"The property '{name}' is a collection; '{op}' applies to its items with "
            f"{name}/any(x: x {op} ...) or {name}/all(...)."
        )
    if prop.kind == "object":
        raise InvalidQuery(
            f"'{name}' is a complex value; '{op}' cannot compare it with a value: "
            "compare one of its properties."
        )


def _hashable(value: Any) -> Any:
    """A value usable in a set: an untyped property may hold a list or an object."""
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _equality(op: str, left: Node, prop: Property, value: Any, folded: bool) -> Predicate | None:
    """`eq`/`ne` on a top-level property whose stored values compare as they are: one dict read per object.
    (Stored enum members are canonical: the validator and the datasets write the declared spelling.)"""
    if op not in {"eq", "ne"} or not isinstance(left, Member) or left.variable or len(left.path) != 1:
        return None
    if prop.kind == "string" and folded:
        return None
    if prop.kind not in {"enum", "string", "boolean", "number"}:
        return None
    name = left.path[0]
    if prop.kind == "number" or (prop.kind == "boolean" and not isinstance(value, bool)):
        return None
    if op == "eq":
        return lambda o: o.get(name) == value
    return lambda o: o.get(name) != value  # null is not equal to a value (as the general comparison says)


def _null_compare(op: str, getter: Callable[[Any], Any]) -> Predicate:
    if op == "eq":
        return lambda o: getter(o) is None
    if op == "ne":
        return lambda o: getter(o) is not None
    raise InvalidQuery(f"'{op} null' is not a valid comparison.")


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}


def _sort_value(prop: Property, folded: bool) -> Callable[[Any], Any]:
    """Comparable form of a stored value of this property (enums by member order)."""
    if prop.kind == "enum":
        order = {m.lower(): i for i, m in enumerate(prop.members)}
        return lambda v: order.get(v.lower()) if isinstance(v, str) else None
    if prop.kind == "datetime":
        return epoch
    if prop.kind == "string" and folded:
        return lambda v: v.lower() if isinstance(v, str) else None
    return lambda v: v


class Ordering(NamedTuple):
    """How `$orderby` orders objects: a key and a direction for the whole key (`reverse`)."""

    key: Callable[[JSONObject], Any]
    reverse: bool


def _order_parts(
    names: list[tuple[str, bool]], ctx: QueryContext
) -> list[tuple[str, bool, Callable[[Any], Any]]]:
    """(property, descending, comparable value) for each `$orderby` key, or a 400 naming a bad property.
    Numbers, DateTimeOffsets (epoch seconds) and enums (member positions) give numbers."""
    parts = []
    for name, descending in names:
        prop = ctx.properties.get(name)
        if prop is None:
            raise InvalidQuery(f"Could not find a property named '{name}' on type '{ctx.type_name}'.")
        if prop.collection or prop.kind in {"object", "any"}:
            raise InvalidQuery(f"The property '{name}' cannot be used in $orderby.")
        parts.append((name, descending, _sort_value(prop, prop.kind == "string")))
    return parts


_NUMERIC = frozenset({"number", "datetime", "enum"})
_NULL = float("-inf")  # below every number: where nulls sort


def ordering(names: list[tuple[str, bool]], ctx: QueryContext) -> Ordering:
    """Order for `$orderby` (name, descending); the entity key breaks ties. Nulls sort first ascending and
    last descending. Keys are flat tuples (a presence flag and a value per property, then the entity key)
    unless directions are mixed (then slower wrappers)."""
    parts = _order_parts(names, ctx)
    key_name = ctx.key
    directions = {descending for _, descending, _ in parts}
    if not parts:
        return Ordering(lambda obj: str(obj.get(key_name, "")), reverse=False)
    if len(parts) == 1:  # the common case, spelled out: flat tuples compare fastest
        only, descending, value_of_only = parts[0]
        if ctx.properties[only].kind in _NUMERIC:  # (number, key): the sort compares the numbers natively

            def numeric(obj: JSONObject) -> tuple[Any, ...]:
                value = value_of_only(obj.get(only))
                return (_NULL if value is None else value), str(obj.get(key_name, ""))

            return Ordering(numeric, reverse=descending)

        def single(obj: JSONObject) -> tuple[Any, ...]:
            value = value_of_only(obj.get(only))
            return (
                (0, 0, str(obj.get(key_name, "")))
                if value is None
                else (1, value, str(obj.get(key_name, "")))
            )

        return Ordering(single, reverse=descending)
    if len(directions) <= 1:
        getters = [(name, value_of) for name, _, value_of in parts]

        def plain(obj: JSONObject) -> tuple[Any, ...]:
            out: list[Any] = []
            for name, value_of in getters:
                value = value_of(obj.get(name))
                out += (0, 0) if value is None else (1, value)
            out.append(str(obj.get(key_name, "")))
            return tuple(out)

        return Ordering(plain, reverse=directions == {True})
    return Ordering(sort_key(names, ctx), reverse=False)


def sort_key(names: list[tuple[str, bool]], ctx: QueryContext) -> Callable[[JSONObject], tuple[Any, ...]]:
    """Key for `$orderby` (name, descending): nulls first ascending, last descending; the key breaks ties."""
    parts = _order_parts(names, ctx)
    key_name = ctx.key

    def key(obj: JSONObject) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, descending, value_of in parts:
            value = value_of(obj.get(name))
            out.append(_Directed(value, descending))
        out.append(_Directed(str(obj.get(key_name, "")), False))
        return tuple(out)

    return key


class _Directed:
    """One sort-key component: None sorts first, and `descending` reverses the order."""

    __slots__ = ("descending", "value")

    def __init__(self, value: Any, descending: bool) -> None:
        self.value = value
        self.descending = descending

    def _lt(self, other: _Directed) -> bool:
        a, b = self.value, other.value
        if a is None or b is None:
            return a is None and b is not None
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)

    def __lt__(self, other: _Directed) -> bool:
        return other._lt(self) if self.descending else self._lt(other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Directed) and self.value == other.value

    def __hash__(self) -> int:
        return hash(self.value)
