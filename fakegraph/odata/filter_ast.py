"""Frozen nodes of an OData `$filter` expression."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # string | int | decimal | bool | null | datetime | guid | enum
    enum_type: str = ""  # for typed enum literals: microsoft.graph.usageAuthMethod'email'


@dataclass(frozen=True)
class Member:
    """A property path (`a/b`), or the lambda variable (`t`) and paths below it."""

    path: tuple[str, ...]
    variable: str = ""


@dataclass(frozen=True)
class Compare:
    op: str  # eq ne gt ge lt le
    left: Node
    right: Node


@dataclass(frozen=True)
class In:
    left: Node
    values: tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Call:
    name: str  # startswith endswith contains tolower toupper
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Lambda:
    collection: Member
    op: str  # any | all
    variable: str
    body: Node | None


Node = Literal | Member | Compare | In | BoolOp | Not | Call | Lambda
