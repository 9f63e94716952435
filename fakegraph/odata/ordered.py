"""An `$orderby` order over every object of one entity type, kept up to date by the store on every write.

A query in that order walks it from the right end and stops after one page, instead of filtering and sorting
every object; a `$skiptoken` cursor is a bisection into it. Pure code: the store drives it through its index
protocol (rebuild / added / removed).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from fakegraph.artifacts.contract import JSONObject
from fakegraph.odata.evaluate import Ordering
from fakegraph.odata.pages import View

_first = itemgetter(0)


class OrderedIndex:
    """Objects ascending by `order.key` (unique: the entity key breaks ties). Sorting is deferred from
    `rebuild` (a reset or a load) to the first use, so an index nobody reads again costs one list copy."""

    def __init__(self, order: Ordering) -> None:
        self._order = order
        self._pending: list[JSONObject] | None = []
        self._keys: list[Any] = []
        self._items: list[JSONObject] = []

    def rebuild(self, objects: Iterable[JSONObject]) -> None:
        self._pending = list(objects)

    def _sorted(self) -> None:
        if self._pending is None:
            return
        key = self._order.key
        keyed = sorted(((key(obj), obj) for obj in self._pending), key=_first)
        self._keys = [k for k, _ in keyed]
        self._items = [obj for _, obj in keyed]
        self._pending = None

    def added(self, obj: JSONObject) -> None:
        self._sorted()
        key = self._order.key(obj)
        at = bisect_left(self._keys, key)
        self._keys.insert(at, key)
        self._items.insert(at, obj)

    def removed(self, obj: JSONObject) -> None:
        self._sorted()
        at = bisect_left(self._keys, self._order.key(obj))
        if at >= len(self._items) or self._items[at] is not obj:  # only if keys do not order totally
            at = next((i for i, item in enumerate(self._items) if item is obj), -1)
            if at < 0:
                return
        del self._keys[at]
        del self._items[at]

    def view(self) -> View:
        """Every object in order; it changes with the store, so read it under the store's lock."""
        self._sorted()
        return View(self._keys, self._items, self._order.reverse)
