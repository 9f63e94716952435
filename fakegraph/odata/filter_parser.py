"""`$filter` text → AST: a small tokenizer and a recursive-descent parser for the OData subset Graph uses.

Hand-written rather than odata-query: that package parses to an AST too, but its evaluation backends target
SQL and Django, its grammar needs `sly`, and Graph's typed enum literals (`microsoft.graph.x'email'`) would
need patching in; the subset here is small enough to own.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

from fakegraph.odata.filter_ast import BoolOp, Call, Compare, In, Lambda, Literal, Member, Node, Not

COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"startswith", "endswith", "contains", "tolower", "toupper"})
MAX_DEPTH = 100


class FilterSyntaxError(ValueError):
    """The expression is not valid OData; the message says where."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<enum>[A-Za-z_][\w.]*\.[A-Za-z_]\w*'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_$@][\w.@]*)
  | (?P<punct>[()/,:])
    """,
    re.VERBOSE,
)


class Token(NamedTuple):
    kind: str
    text: str
    position: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FilterSyntaxError(f"unexpected character {text[position]!r} at position {position}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


def parse_filter(text: str) -> Node:
    parser = _Parser(tokenize(text), text)
    if not parser.tokens:
        raise FilterSyntaxError("the expression is empty")
    node = parser.expression()
    if parser.index < len(parser.tokens):
        token = parser.tokens[parser.index]
        raise FilterSyntaxError(f"unexpected {token.text!r} at position {token.position}")
    return node


class _Parser:
    def __init__(self, tokens: list[Token], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.index = 0
        self.depth = 0
        self.variables: list[str] = []

    def peek(self, offset: int = 0) -> Token | None:
        at = self.index + offset
        return self.tokens[at] if at < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "name" and token.text.lower() in words

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError(f"the expression ends early; expected {text or 'more'}")
        if text is not None and token.text.lower() != text:
            raise FilterSyntaxError(f"expected {text!r} at position {token.position}, found {token.text!r}")
        self.index += 1
        return token

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FilterSyntaxError("the expression nests too deeply")
        try:
            return self.disjunction()
        finally:
            self.depth -= 1

    def disjunction(self) -> Node:
        node = self.conjunction()
        while self.word("or"):
            self.take()
            node = BoolOp("or", node, self.conjunction())
        return node

    def conjunction(self) -> Node:
        node = self.negation()
        while self.word("and"):
            self.take()
            node = BoolOp("and", node, self.negation())
        return node

    def negation(self) -> Node:
        if self.word("not"):
            self.take()
            return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.primary()
        if self.word(*COMPARISONS):
            op = self.take().text.lower()
            return Compare(op, left, self.primary())
        if self.word("in"):
            self.take()
            self.take("(")
            values = [self.literal()]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take(",")
                values.append(self.literal())
            self.take(")")
            return In(left, tuple(values))
        return left

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError("the expression ends early")
        if token.text == "(":
            self.take("(")
            node = self.expression()
            self.take(")")
            return node
        if token.kind == "name" and token.text.lower() in FUNCTIONS and self._next_is("("):
            return self.call()
        if token.kind == "name" and token.text.lower() not in {"true", "false", "null"}:
            return self.member()
        return self.literal()

    def _next_is(self, text: str) -> bool:
        following = self.peek(1)
        return following is not None and following.text == text

    def call(self) -> Node:
        name = self.take().text.lower()
        self.take("(")
        args = [self.expression()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.take(",")
            args.append(self.expression())
        self.take(")")
        return Call(name, tuple(args))

    def member(self) -> Node:
        first = self.take()
        path = [first.text]
        variable = first.text if first.text in self.variables else ""
        if variable:
            path = []
        while self.peek() is not None and self.peek().text == "/":  # type: ignore[union-attr]
            self.take("/")
            name = self.take()
            if name.kind != "name":
                raise FilterSyntaxError(f"expected a property name at position {name.position}")
            following = self.peek()
            if name.text.lower() in {"any", "all"} and following is not None and following.text == "(":
                return self.lambda_(Member(tuple(path), variable), name.text.lower())
            path.append(name.text)
        return Member(tuple(path), variable)

    def lambda_(self, collection: Member, op: str) -> Node:
        self.take("(")
        if self.peek() is not None and self.peek().text == ")":  # type: ignore[union-attr]
            self.take(")")
            return Lambda(collection, op, "", None)
        variable = self.take().text
        self.take(":")
        self.variables.append(variable)
        try:
            body = self.expression()
        finally:
            self.variables.pop()
        self.take(")")
        return Lambda(collection, op, variable, body)

    def literal(self) -> Literal:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"), "string")
        if token.kind == "enum":
            type_name, _, rest = token.text.partition("'")
            return Literal(rest[:-1].replace("''", "'"), "enum", type_name)
        if token.kind == "number":
            is_decimal = any(c in token.text for c in ".eE")
            return Literal(
                float(token.text) if is_decimal else int(token.text), "decimal" if is_decimal else "int"
            )
        if token.kind == "datetime":
            return Literal(datetime.fromisoformat(token.text.replace("Z", "+00:00")), "datetime")
        if token.kind == "guid":
            return Literal(token.text.lower(), "guid")
        if token.kind == "name" and token.text.lower() in {"true", "false"}:
            return Literal(token.text.lower() == "true", "bool")
        if token.kind == "name" and token.text.lower() == "null":
            return Literal(None, "null")
        raise FilterSyntaxError(f"expected a value at position {token.position}, found {token.text!r}")
