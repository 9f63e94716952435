"""The store-kept `$orderby` index: pages walked from it equal pages from sorting, under every option, and it
stays in order through inserts, replacements, deletes and rebuilds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from fakegraph.model.store import Store
from fakegraph.odata import OrderedIndex, Property, QueryContext, apply, ordering, page_of, parse_query, view

PROPS = {
    "id": Property("string"),
    "name": Property("string"),
    "score": Property("number"),
    "ok": Property("boolean"),
    "when": Property("datetime"),
    "kind": Property("enum", members=("email", "sms", "unknownFutureValue", "qrCode")),
}
CTX = QueryContext("microsoft.graph.sample", PROPS, include_unknown=True)
TYPE = "microsoft.graph.sample"


def _objects(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)

    def maybe(value: object) -> object:
        return None if rng.random() < 0.1 else value

    return [
        {
            "id": f"{rng.getrandbits(32):08x}",
            "name": maybe(rng.choice(["Ann", "bob", "Carl", "dora"])),
            "score": maybe(rng.randrange(5)),
            "ok": maybe(rng.random() < 0.5),
            "when": maybe(f"2026-0{rng.randrange(1, 4)}-1{rng.randrange(10)}T00:00:00Z"),
            "kind": maybe(rng.choice(["email", "sms", "qrCode"])),
        }
        for _ in range(count)
    ]


def _index_of(objects: list[dict[str, object]], orderby: str) -> OrderedIndex:
    options = parse_query([("$orderby", orderby)] if orderby else [], version="beta", supported=None)
    index = OrderedIndex(ordering(list(options.orderby), CTX))
    index.rebuild(objects)
    return index


def _walk(query: list[tuple[str, str]], take_page: object) -> tuple[list[str], int | None]:
    """Every id a client sees following tokens at page size 7, and the first page's count."""
    options = parse_query(query, version="beta", supported=None)
    page = take_page(options)  # type: ignore[operator]
    seen, count = [o["id"] for o in page.items], page.count
    while page.next_token is not None:
        page = take_page(replace(options, skiptoken=page.next_token))  # type: ignore[operator]
        seen.extend(o["id"] for o in page.items)
    return seen, count


QUERIES = [
    [],
    [("$orderby", "score desc")],
    [("$orderby", "when"), ("$filter", "ok eq true")],
    [("$orderby", "kind desc,name desc"), ("$filter", "score ge 2 or name eq null"), ("$count", "true")],
    [("$orderby", "name,score desc"), ("$filter", "not (kind eq 'sms')"), ("$skip", "3")],
    [("$orderby", "score"), ("$top", "5"), ("$count", "true")],
    [("$orderby", "when desc"), ("$filter", "startswith(name, 'C')"), ("$skip", "2"), ("$top", "4")],
    [("$filter", "ok eq false and kind in ('email', 'qrCode')"), ("$count", "true")],
    [("$orderby", "ok desc"), ("$filter", "id eq 'nothing'"), ("$count", "true")],
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q) or "none")
def test_index_pages_equal_sorted_pages(query):
    """Walking the index (filter tested on the way) gives the same objects, order, counts and tokens as
    filtering and sorting the list."""
    objects = _objects(300, seed=len(query))
    orderby = dict(query).get("$orderby", "")
    index = _index_of(objects, orderby)

    def from_list(options):
        if options.skiptoken is None:
            return apply(objects, options, CTX, 7)
        return page_of(view(objects, options, CTX), options, CTX, 7)

    def from_index(options):
        return page_of(index.view(), options, CTX, 7, filtered=False)

    expected, expected_count = _walk(query, from_list)
    seen, count = _walk(query, from_index)
    assert seen == expected
    assert count == expected_count
    assert len(seen) == len(set(seen))
    if not any(k in ("$filter", "$top", "$skip") for k, _ in query):
        assert len(seen) == len(objects)


def test_index_stays_in_order_through_writes():
    """Inserts, replacements (an update removes the old object and adds the new) and deletes keep the
    index equal to a fresh sort, including after a rebuild that defers the sort."""
    rng = random.Random(5)
    objects = {o["id"]: o for o in _objects(200, seed=9)}
    index = _index_of(list(objects.values()), "kind desc,when")
    for n, fresh in enumerate(_objects(300, seed=10)):
        action = rng.random()
        if action < 0.4 and objects:
            gone = objects.pop(rng.choice(sorted(objects)))
            index.removed(gone)
        elif action < 0.7 and objects:
            key = rng.choice(sorted(objects))
            changed = {**objects[key], "kind": fresh["kind"], "when": fresh["when"]}
            index.removed(objects[key])
            index.added(changed)
            objects[key] = changed
        elif fresh["id"] not in objects:
            objects[fresh["id"]] = fresh
            index.added(fresh)
        if n == 150:
            index.rebuild(list(objects.values()))
    expected = _index_of(list(objects.values()), "kind desc,when").view()
    assert [o["id"] for o in index.view().items] == [o["id"] for o in expected.items]


def test_store_keeps_named_indexes_up_to_date_and_limits_them():
    """The store builds an index from what it holds, updates it on writes and on reset, hands the same one
    back by name, and refuses new ones past the limit."""
    store = Store()
    store.load({TYPE: [{"id": f"{n:02d}", "score": n % 7} for n in range(20)]})
    order = ordering([("score", True)], CTX)
    index = store.index(TYPE, "by-score", lambda: OrderedIndex(order), limit=2)
    assert index is not None
    assert store.index(TYPE, "by-score", lambda: OrderedIndex(order), limit=2) is index
    assert store.index(TYPE, "other", lambda: OrderedIndex(order), limit=2) is not None
    assert store.index(TYPE, "third", lambda: OrderedIndex(order), limit=2) is None
    store.insert(TYPE, "zz", {"id": "zz", "score": 99})
    assert index.view().items[-1]["id"] == "zz"  # keys ascend; a descending order is walked from the end
    store.update(TYPE, "zz", {"score": -1})
    assert index.view().items[0]["id"] == "zz"
    store.update(TYPE, "zz", {"score": None})  # nulls sort first ascending, last descending
    assert index.view().items[0]["id"] == "zz"
    store.delete(TYPE, "zz")
    assert "zz" not in {o["id"] for o in index.view().items}
    store.reset()
    assert len(index.view().items) == 20
