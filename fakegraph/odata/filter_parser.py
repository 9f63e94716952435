"""`$filter` text → AST: a small tokenizer and a recursive-descent parser for the OData subset Graph uses.

Hand-written rather than odata-query: that package parses to an AST too, but its evaluation backends target
SQL and Django, its grammar needs `sly`, and Graph's typed enum literals (`microsoft.graph.x'email'`) would
need patching in; the subset here is small enough to own.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import NamedTuple

from fakegraph.odata.filter_ast import BoolOp, Call, Compare, In, Lambda, Literal, Member, Node, Not

COMPARISONS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
FUNCTIONS = frozenset({"startswith", "endswith", "contains", "tolower", "toupper"})
# Limits that keep a hostile expression a 400 (never a RecursionError, a huge integer or a slow request):
MAX_DEPTH = 100  # levels: each parenthesis, call, lambda and `not`, and each operand of an and/or chain
MAX_NODES = 500  # properties, values, operators and calls in one expression
MAX_LITERAL = 4096  # characters of one string literal
MAX_NUMBER = 64  # characters of one number literal (an Int64 has at most 20)
INT64 = (-(2**63), 2**63 - 1)


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
    """The expression's tree, or a FilterSyntaxError saying what is wrong or which limit it passes."""
    tokens = tokenize(text)
    if not tokens:
        raise FilterSyntaxError("the expression is empty")
    if len(tokens) > 4 * MAX_NODES:  # fail fast: no expression within the node limit has this many tokens
        raise FilterSyntaxError(f"the expression is too large (more than {MAX_NODES} terms)")
    parser = _Parser(tokens, text)
    node = parser.expression()
    if parser.index < len(parser.tokens):
        token = parser.tokens[parser.index]
        raise FilterSyntaxError(f"unexpected {token.text!r} at position {token.position}")
    _check_size(node)
    return node


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (BoolOp, Compare)):
        return (node.left, node.right)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, In):
        return (node.left, *node.values)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Lambda):
        return (node.collection,) if node.body is None else (node.collection, node.body)
    return ()


def _check_size(root: Node) -> None:
    """Refuse a tree deeper than MAX_DEPTH or larger than MAX_NODES, walked without recursion (an and/or
    chain parses without recursing, but its tree is as deep as the chain is long)."""
    stack = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise FilterSyntaxError(
                f"the expression nests too deeply (more than {MAX_DEPTH} levels; each operand of an "
                "'and'/'or' chain counts as one)"
            )
        if count > MAX_NODES:
            raise FilterSyntaxError(f"the expression is too large (more than {MAX_NODES} terms)")
        stack.extend((child, depth + 1) for child in _children(node))


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
            raise FilterSyntaxError(f"the expression nests too deeply (more than {MAX_DEPTH} levels)")
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
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FilterSyntaxError(f"the expression nests too deeply (more than {MAX_DEPTH} levels)")
            try:
                return Not(self.negation())
            finally:
                self.depth -= 1
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
        if token.kind in {"string", "enum"} and len(token.text) > MAX_LITERAL + 2:
            raise FilterSyntaxError(
                f"the value at position {token.position} is too long "
                f"({len(token.text) - 2} characters; at most {MAX_LITERAL})"
            )
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"), "string")
        if token.kind == "enum":
            type_name, _, rest = token.text.partition("'")
            return Literal(rest[:-1].replace("''", "'"), "enum", type_name)
        if token.kind == "number":
            return _number(token)
        if token.kind == "datetime":
            try:
                return Literal(datetime.fromisoformat(token.text.replace("Z", "+00:00")), "datetime")
            except ValueError as exc:
                raise FilterSyntaxError(
                    f"'{token.text}' at position {token.position} is not a valid DateTimeOffset ({exc})"
                ) from exc
        if token.kind == "guid":
            return Literal(token.text.lower(), "guid")
        if token.kind == "name" and token.text.lower() in {"true", "false"}:
            return Literal(token.text.lower() == "true", "bool")
        if token.kind == "name" and token.text.lower() == "null":
            return Literal(None, "null")
        raise FilterSyntaxError(f"expected a value at position {token.position}, found {token.text!r}")


def _number(token: Token) -> Literal:
    """An Int64 or a finite decimal; anything longer or larger is refused before it is converted."""
    text = token.text
    if len(text) > MAX_NUMBER:
        raise FilterSyntaxError(
            f"the number at position {token.position} is too long "
            f"({len(text)} characters; at most {MAX_NUMBER})"
        )
    if any(c in text for c in ".eE"):
        value = float(text)
        if not math.isfinite(value):
            raise FilterSyntaxError(f"the number {text} at position {token.position} is out of range")
        return Literal(value, "decimal")
    number = int(text)
    if not INT64[0] <= number <= INT64[1]:
        raise FilterSyntaxError(
            f"the integer {text} at position {token.position} is out of range (an Int64 is expected)"
        )
    return Literal(number, "int")
