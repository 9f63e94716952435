"""OData query options over plain dicts: parse once, then filter → count → order → skip/page → select.

Pure code (no aiohttp); the handlers call `parse_query`, then take a page from a list (`apply`), from a
filtered and ordered `view` they keep, or from an `OrderedIndex` the store keeps.
"""

from fakegraph.odata.evaluate import InvalidQuery, Property, QueryContext, ordering
from fakegraph.odata.expand import NESTED, Expansion, parse_expand
from fakegraph.odata.options import QueryOptions, parse_query
from fakegraph.odata.ordered import OrderedIndex
from fakegraph.odata.pages import MAX_PAGE_SIZE, Page, View, apply, page_of, select, view, view_key

__all__ = [
    "MAX_PAGE_SIZE",
    "NESTED",
    "Expansion",
    "InvalidQuery",
    "OrderedIndex",
    "Page",
    "Property",
    "QueryContext",
    "QueryOptions",
    "View",
    "apply",
    "ordering",
    "page_of",
    "parse_expand",
    "parse_query",
    "select",
    "view",
    "view_key",
]
