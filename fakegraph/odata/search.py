"""`$search`: Graph's search expressions, read as case-insensitive contains (ARCHITECTURE A17).

`"displayName:Video" OR "description:prod"`, `"pizza"`, `pizza AND NOT salad`: terms, quoted or bare, a term
`property:text` searching one property and any other every string property, joined by `AND` (also implied
between adjacent terms), `OR` (binding looser) and `NOT`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fakegraph.artifacts.contract import JSONObject
from fakegraph.odata.evaluate import InvalidQuery, QueryContext

MAX_SEARCH_LENGTH = 1024
MAX_TERMS = 32
_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(\()|(\))|([^\s"()]+))')

Predicate = Callable[[JSONObject], bool]


@dataclass(frozen=True)
class Term:
    text: str
    prop: str = ""  # "" searches every string property


@dataclass(frozen=True)
class Not:
    operand: Search


@dataclass(frozen=True)
class Both:
    operands: tuple[Search, ...]
    any: bool  # OR when true, AND otherwise


Search = Term | Not | Both


def parse_search(text: str) -> Search:
    """The search expression a `$search` value holds; a 400 naming what is malformed."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise InvalidQuery(f"Invalid $search: it is longer than {MAX_SEARCH_LENGTH} characters.")
    tokens = _tokens(text)
    if not tokens:
        raise InvalidQuery("Invalid $search: it holds no search term.")
    if sum(1 for kind, _ in tokens if kind == "term") > MAX_TERMS:
        raise InvalidQuery(f"Invalid $search: it holds more than {MAX_TERMS} terms.")
    parser = _Parser(tokens)
    found = parser.any_of()
    if parser.position != len(tokens):
        raise InvalidQuery(f"Invalid $search: unexpected '{tokens[parser.position][1]}'.")
    return found


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            raise InvalidQuery(f"Invalid $search: unbalanced quotes near '{text[position : position + 20]}'.")
        quoted, opening, closing, word = found.groups()
        if quoted is not None:
            tokens.append(("term", re.sub(r"\\(.)", r"\1", quoted)))
        elif opening:
            tokens.append(("(", "("))
        elif closing:
            tokens.append((")", ")"))
        elif word in {"AND", "OR", "NOT"}:
            tokens.append((word, word))
        else:
            tokens.append(("term", word))
        position = found.end()
    return tokens


class _Parser:
    """or := and (OR and)*; and := unary (AND? unary)*; unary := NOT unary | '(' or ')' | term."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def _peek(self) -> str:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else ""

    def any_of(self) -> Search:
        operands = [self.all_of()]
        while self._peek() == "OR":
            self.position += 1
            operands.append(self.all_of())
        return operands[0] if len(operands) == 1 else Both(tuple(operands), any=True)

    def all_of(self) -> Search:
        operands = [self.unary()]
        while self._peek() in {"AND", "NOT", "term", "("}:
            if self._peek() == "AND":
                self.position += 1
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else Both(tuple(operands), any=False)

    def unary(self) -> Search:
        kind = self._peek()
        if kind == "NOT":
            self.position += 1
            return Not(self.unary())
        if kind == "(":
            self.depth += 1
            if self.depth > 8:
                raise InvalidQuery("Invalid $search: parentheses nest more than 8 deep.")
            self.position += 1
            inner = self.any_of()
            if self._peek() != ")":
                raise InvalidQuery("Invalid $search: a '(' is not closed.")
            self.position += 1
            self.depth -= 1
            return inner
        if kind != "term":
            shown = self.tokens[self.position][1] if kind else "the end"
            raise InvalidQuery(f"Invalid $search: a search term is expected before {shown}.")
        text = self.tokens[self.position][1]
        self.position += 1
        name, colon, value = text.partition(":")
        if colon and name and " " not in name:
            return Term(value.strip(), name)
        return Term(text)


def compile_search(search: Search, ctx: QueryContext) -> Predicate:
    """The test a search expression makes of an object; a property the type lacks is a 400 naming it."""
    strings = tuple(n for n, prop in ctx.properties.items() if prop.kind == "string" and n != ctx.key)
    return _compile(search, ctx, strings)


def _compile(search: Search, ctx: QueryContext, strings: tuple[str, ...]) -> Predicate:
    if isinstance(search, Not):
        inner = _compile(search.operand, ctx, strings)
        return lambda item: not inner(item)
    if isinstance(search, Both):
        parts = [_compile(s, ctx, strings) for s in search.operands]
        if search.any:
            return lambda item: any(p(item) for p in parts)
        return lambda item: all(p(item) for p in parts)
    wanted = search.text.lower()
    names = strings
    if search.prop:
        name = next((n for n in ctx.properties if n.lower() == search.prop.lower()), None)
        if name is None:
            raise InvalidQuery(
                f"Invalid $search: could not find a property named '{search.prop}' on type '{ctx.type_name}'."
            )
        names = (name,)
    return lambda item: any(_holds(item.get(name), wanted) for name in names)


def _holds(value: object, wanted: str) -> bool:
    if isinstance(value, str):
        return wanted in value.lower()
    if isinstance(value, list):
        return any(isinstance(v, str) and wanted in v.lower() for v in value)
    return False
