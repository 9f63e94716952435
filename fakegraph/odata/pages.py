"""Pages of query results: from a plain list (`apply`), or by walking a `View` (filtered objects kept by a
caller, or every object in an `OrderedIndex`) from a `$skip` or a `$skiptoken` cursor.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.odata import paging
from fakegraph.odata.evaluate import (
    InvalidQuery,
    Predicate,
    Property,
    QueryContext,
    compile_filter,
    ordering,
)
from fakegraph.odata.options import QueryOptions
from fakegraph.odata.search import compile_search

MAX_PAGE_SIZE = 999


@dataclass(frozen=True)
class Page:  # a dataclass: a tuple's count() would clash with @odata.count
    items: list[JSONObject]
    count: int | None  # @odata.count (first page only, with $count=true)
    next_token: str | None  # $skiptoken of the next page


class View(NamedTuple):
    """Objects in one query's order: keys ascending, `reverse` for descending order. A caller may keep the
    filtered objects of a query while the data is unchanged and take every page from them."""

    keys: list[Any]
    items: list[JSONObject]
    reverse: bool


def _predicate(options: QueryOptions, ctx: QueryContext) -> Predicate | None:
    """The test $filter makes ($select is checked first, so a bad property fails fast)."""
    if options.select is not None:
        _check_select(options.select, ctx)
    tests = [compile_filter(options.filter, ctx)] if options.filter is not None else []
    if options.search is not None:
        tests.append(compile_search(options.search, ctx))
    if len(tests) < 2:
        return tests[0] if tests else None
    first, second = tests
    return lambda item: first(item) and second(item)


def _matching(items: list[JSONObject], options: QueryOptions, ctx: QueryContext) -> list[JSONObject]:
    predicate = _predicate(options, ctx)
    return items if predicate is None else [item for item in items if predicate(item)]


def view(items: list[JSONObject], options: QueryOptions, ctx: QueryContext) -> View:
    items = _matching(items, options, ctx)
    order = ordering(list(options.orderby), ctx)
    keyed = sorted(((order.key(item), n, item) for n, item in enumerate(items)), key=lambda t: (t[0], t[1]))
    return View([k for k, _, _ in keyed], [item for _, _, item in keyed], order.reverse)


def view_key(options: QueryOptions) -> tuple[Any, ...]:
    """What a View depends on (besides the data and the query context)."""
    return (options.filter_text, options.search_text, options.orderby, options.select)


def page_of(
    found: View, options: QueryOptions, ctx: QueryContext, page_size: int, *, filtered: bool = True
) -> Page:
    """One page of a View: after the $skiptoken's cursor (or after $skip), at most min($top, page size).
    `filtered=False`: the View holds every object (an OrderedIndex), and $filter is tested while walking."""
    predicate = None if filtered else _predicate(options, ctx)
    size = min(options.top or page_size, page_size)
    if options.skiptoken is None:
        start, skip = (len(found.items) if found.reverse else 0), options.skip
        count = None
        if options.count:
            items = found.items
            count = len(items) if predicate is None else sum(1 for item in items if predicate(item))
    else:
        order = ordering(list(options.orderby), ctx)
        cursor = _cursor_key(
            paging.decode(ctx.token_key, options.skiptoken, options.signature()), options, ctx, order.key
        )
        start = bisect_left(found.keys, cursor) if found.reverse else bisect_right(found.keys, cursor)
        skip, count = 0, None
    return _page(_walk(found, start, predicate, skip, size + 1), size, count, options, ctx)


def _walk(found: View, start: int, predicate: Predicate | None, skip: int, take: int) -> list[JSONObject]:
    """Up to `take` objects from position `start` in the View's direction, after `skip` matching ones."""
    items = found.items
    if predicate is None:
        if found.reverse:
            end = max(0, start - skip)
            return items[max(0, end - take) : end][::-1]
        return items[start + skip : start + skip + take]
    chosen: list[JSONObject] = []
    for at in range(start - 1, -1, -1) if found.reverse else range(start, len(items)):
        item = items[at]
        if predicate(item):
            if skip:
                skip -= 1
                continue
            chosen.append(item)
            if len(chosen) == take:
                break
    return chosen


def apply(items: list[JSONObject], options: QueryOptions, ctx: QueryContext, page_size: int) -> Page:
    """One page of `items` under `options` (items are read, never modified). The first page needs only the
    smallest keys (a heap, not a sort); later pages go through a View."""
    if options.skiptoken is not None:
        return page_of(view(items, options, ctx), options, ctx, page_size)
    items = _matching(items, options, ctx)
    order = ordering(list(options.orderby), ctx)
    size = min(options.top or page_size, page_size)
    wanted = options.skip + size + 1
    pick = heapq.nlargest if order.reverse else heapq.nsmallest
    keyed = pick(
        wanted, ((order.key(item), n, item) for n, item in enumerate(items)), key=_by_key_then_position
    )
    chosen = [item for _, _, item in keyed][options.skip :]
    return _page(chosen, size, len(items) if options.count else None, options, ctx)


def _by_key_then_position(entry: tuple[Any, int, JSONObject]) -> tuple[Any, int]:
    return entry[0], entry[1]


def _page(
    chosen: list[JSONObject], size: int, count: int | None, options: QueryOptions, ctx: QueryContext
) -> Page:
    more = len(chosen) > size
    page = chosen[:size]
    token = (
        paging.encode(ctx.token_key, options.signature(), _cursor_of(page[-1], options, ctx))
        if more and page
        else None
    )
    if options.select is not None:
        page = [_select(item, options.select, ctx) for item in page]
    return Page(page, count, token)


def _cursor_of(item: JSONObject, options: QueryOptions, ctx: QueryContext) -> list[Any]:
    return [item.get(name) for name, _ in options.orderby] + [item.get(ctx.key)]


def _cursor_key(
    cursor: list[Any], options: QueryOptions, ctx: QueryContext, key: Callable[[JSONObject], Any]
) -> Any:
    names = [name for name, _ in options.orderby] + [ctx.key]
    if len(cursor) != len(names) or not all(
        _fits(value, ctx.properties.get(name)) for name, value in zip(names, cursor, strict=True)
    ):
        raise InvalidQuery("The $skiptoken is not valid.")
    return key(dict(zip(names, cursor, strict=True)))


def _fits(value: Any, prop: Property | None) -> bool:
    """Whether a cursor value could be one the property holds (a token made by hand may say anything)."""
    kind = prop.kind if prop is not None else "string"
    if value is None:
        return True
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return isinstance(value, str)


def _check_select(names: tuple[str, ...], ctx: QueryContext) -> None:
    for name in names:
        if name not in ctx.properties:
            raise InvalidQuery(f"Could not find a property named '{name}' on type '{ctx.type_name}'.")


def select(item: JSONObject, names: tuple[str, ...], ctx: QueryContext) -> JSONObject:
    """`item` with only the selected properties, its key, and annotations."""
    _check_select(names, ctx)
    return _select(item, names, ctx)


def _select(item: JSONObject, names: tuple[str, ...], ctx: QueryContext) -> JSONObject:
    keep = {ctx.key, *names}
    return {k: v for k, v in item.items() if k in keep or k.startswith("@")}
