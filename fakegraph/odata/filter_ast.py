"""Frozen nodes of an OData `$filter` expression."""

from __future__ import annotations

from typing import Any, NamedTuple


class Literal(NamedTuple):
    value: Any
    kind: str  # string | int | decimal | bool | null | datetime | guid | enum
    enum_type: str = ""  # for typed enum literals: microsoft.graph.usageAuthMethod'email'


class Member(NamedTuple):
    """A property path (`a/b`), or the lambda variable (`t`) and paths below it."""

    path: tuple[str, ...]
    variable: str = ""


class Compare(NamedTuple):
    op: str  # eq ne gt ge lt le
    left: Node
    right: Node


class In(NamedTuple):
    left: Node
    values: tuple[Literal, ...]


class BoolOp(NamedTuple):
    op: str  # and | or
    left: Node
    right: Node


class Not(NamedTuple):
    operand: Node


class Call(NamedTuple):
    name: str  # startswith endswith contains tolower toupper
    args: tuple[Node, ...]


class Lambda(NamedTuple):
    collection: Member
    op: str  # any | all
    variable: str
    body: Node | None


Node = Literal | Member | Compare | In | BoolOp | Not | Call | Lambda
