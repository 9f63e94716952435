"""OData query options over plain dicts: parse once, then filter → count → order → skip/page → select.

Pure code (no aiohttp); the handlers call `parse_query` and `apply`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakegraph.odata import paging
from fakegraph.odata.evaluate import InvalidQuery, Property, QueryContext, compile_filter, ordering
from fakegraph.odata.options import QueryOptions, parse_query

JSONObject = dict[str, Any]
MAX_PAGE_SIZE = 999

__all__ = [
    "InvalidQuery",
    "Page",
    "Property",
    "QueryContext",
    "QueryOptions",
    "View",
    "apply",
    "page_of",
    "parse_query",
    "select",
    "view",
]


@dataclass(frozen=True)
class Page:
    items: list[JSONObject]
    count: int | None  # @odata.count (first page only, with $count=true)
    next_token: str | None  # $skiptoken of the next page


@dataclass(frozen=True)
class View:
    """The objects of one query, filtered and in order: keys ascending, `reverse` for descending order.
    A caller may keep it while the data is unchanged and take every page from it."""

    keys: list[Any]
    items: list[JSONObject]
    reverse: bool


def _matching(items: list[JSONObject], options: QueryOptions, ctx: QueryContext) -> list[JSONObject]:
    """The objects $filter keeps ($select is checked first, so a bad property fails fast)."""
    if options.select is not None:
        _check_select(options.select, ctx)
    if options.filter is None:
        return items
    predicate = compile_filter(options.filter, ctx)
    return [item for item in items if predicate(item)]


def view(items: list[JSONObject], options: QueryOptions, ctx: QueryContext) -> View:
    items = _matching(items, options, ctx)
    order = ordering(list(options.orderby), ctx)
    keyed = sorted(((order.key(item), n, item) for n, item in enumerate(items)), key=lambda t: (t[0], t[1]))
    return View([k for k, _, _ in keyed], [item for _, _, item in keyed], order.reverse)


def view_key(options: QueryOptions) -> tuple[Any, ...]:
    """What a View depends on (besides the data and the query context)."""
    return (options.filter_text, options.orderby, options.select)


def page_of(found: View, options: QueryOptions, ctx: QueryContext, page_size: int) -> Page:
    """One page of a View: after the $skiptoken's cursor (or after $skip), at most min($top, page size)."""
    count = len(found.items) if options.count and options.skiptoken is None else None
    size = min(options.top or page_size, page_size)
    order = ordering(list(options.orderby), ctx)
    if options.skiptoken is not None:
        cursor = _cursor_key(paging.decode(options.skiptoken, options.signature()), options, ctx, order.key)
        start = bisect_left(found.keys, cursor) if found.reverse else bisect_right(found.keys, cursor)
    else:
        start = None
    if found.reverse:
        end = start if start is not None else len(found.items)
        end -= options.skip if start is None else 0
        chosen = found.items[max(0, end - size - 1) : max(0, end)][::-1]
    else:
        begin = start if start is not None else options.skip
        chosen = found.items[begin : begin + size + 1]
    return _page(chosen, size, count, options, ctx)


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
    token = paging.encode(options.signature(), _cursor_of(page[-1], options, ctx)) if more and page else None
    if options.select is not None:
        page = [_select(item, options.select, ctx) for item in page]
    return Page(page, count, token)


def _cursor_of(item: JSONObject, options: QueryOptions, ctx: QueryContext) -> list[Any]:
    return [item.get(name) for name, _ in options.orderby] + [item.get(ctx.key)]


def _cursor_key(
    cursor: list[Any], options: QueryOptions, ctx: QueryContext, key: Callable[[JSONObject], Any]
) -> Any:
    names = [name for name, _ in options.orderby] + [ctx.key]
    if len(cursor) != len(names):
        raise InvalidQuery("The $skiptoken is not valid.")
    return key(dict(zip(names, cursor, strict=True)))


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
