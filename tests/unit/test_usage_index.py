"""The store's usage index answers every period window as a count of the stored events would, however
writes and reads interleave (a few noted writes are bisected in, a burst is sorted in)."""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import UTC, datetime, timedelta

import pytest

from fakegraph.behaviours.credential_reports import USAGE_DETAILS, UsageIndex, watch
from fakegraph.model.clock import iso, parse_iso
from fakegraph.model.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _event(rng: random.Random) -> dict[str, object]:
    event: dict[str, object] = {
        "feature": rng.choice(("registration", "reset")),
        "authMethod": rng.choice(("email", "sms", "fido")),
        "isSuccess": rng.random() < 0.7,
        "eventDateTime": iso(NOW - timedelta(seconds=rng.randrange(40 * 86400))),
    }
    if rng.random() < 0.05:  # events the index has no place for
        event["eventDateTime"] = rng.choice(("not a time", None))
    return event


def _counted(store: Store, since: float) -> dict[tuple[str, str, bool], int]:
    counts: dict[tuple[str, str, bool], int] = {}
    for event in store.view(USAGE_DETAILS):
        when = event.get("eventDateTime")
        if not isinstance(when, str) or when == "not a time":
            continue
        if since < parse_iso(when).timestamp() <= NOW.timestamp():
            key = (str(event["feature"]), str(event["authMethod"]), event["isSuccess"] is True)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _indexed(index: UsageIndex, since: float) -> dict[tuple[str, str, bool], int]:
    counts = {}
    for key, times in index.groups().items():
        assert times == sorted(times)
        inside = bisect_right(times, NOW.timestamp()) - bisect_right(times, since)
        if inside:
            counts[key] = inside
    return counts


@pytest.mark.parametrize("seed", range(4))
def test_index_counts_match_the_stored_events(seed):
    rng = random.Random(seed)
    store = Store()
    index = watch(store)
    store.load({USAGE_DETAILS: [{"id": f"seed{i}", **_event(rng)} for i in range(300)]})
    next_id = 0
    for _ in range(60):
        # A few mixed writes, or a burst of creates with no update or delete to sort it in early: more
        # noted events than the index bisects in one by one.
        writes, creates_only = rng.choice(((1, False), (3, False), (10, False), (UsageIndex.FEW + 40, True)))
        for _ in range(writes):
            ids = [e["id"] for e in store.view(USAGE_DETAILS)]
            action = rng.random()
            if creates_only or action < 0.6 or not ids:
                next_id += 1
                store.insert(USAGE_DETAILS, f"new{next_id}", {"id": f"new{next_id}", **_event(rng)})
            elif action < 0.8:
                store.update(USAGE_DETAILS, rng.choice(ids), _event(rng))
            else:
                store.delete(USAGE_DETAILS, rng.choice(ids))
        since = (NOW - timedelta(days=rng.choice((1, 7, 30)))).timestamp()
        assert _indexed(index, since) == _counted(store, since)
    store.reset()
    since = (NOW - timedelta(days=30)).timestamp()
    assert _indexed(index, since) == _counted(store, since)
