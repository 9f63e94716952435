"""The change log delta queries read (ARCHITECTURE A18): the store feeds it through its index hooks, one
numbered change per write of a watched type; it is bounded, and a load, replacement or reset of the store
starts a new epoch. Replaying the net changes after any earlier position onto the store as it was then gives
the store as it is."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fakegraph.model.changes import ChangeLog, Expired, Net, Restarted, net, watch
from fakegraph.model.store import Store

USER, FOLDER, OTHER = "user", "folder", "gadget"


def _watched(limit: int = 1000, kinds: tuple[str, ...] = (USER, FOLDER)) -> tuple[Store, ChangeLog]:
    store = Store()
    store.load({USER: [{"id": "u1", "name": "Ann"}], OTHER: [{"id": "g1"}]})
    log = ChangeLog(limit)
    watch(store, log, kinds)
    return store, log


def _since(log: ChangeLog, position: tuple[int, int], kinds: tuple[str, ...] = (USER, FOLDER)) -> list[Net]:
    return net(log.since(*position), kinds)


def test_each_write_of_a_watched_type_is_one_numbered_change():
    """A create, an update (one change naming the properties it changed), a delete (with the parent the
    object lived under); writes of a type nobody watches are not logged."""
    store, log = _watched()
    start = log.position
    store.insert(USER, "u2", {"id": "u2", "name": "Bo"})
    store.update(USER, "u1", {"name": "Ann B", "title": "Cook"})
    store.insert(FOLDER, "f1", {"id": "f1"}, parent=(USER, "u2", "folders"))
    store.insert(OTHER, "g2", {"id": "g2"})
    store.delete(USER, "u2")  # takes its folder with it
    logged = log.since(*start)
    assert [(c.entity_type, c.key, c.before, c.after) for c in logged] == [
        (USER, "u2", False, True),
        (USER, "u1", True, True),
        (FOLDER, "f1", False, True),
        (USER, "u2", True, False),
        (FOLDER, "f1", True, False),
    ]
    assert logged[1].changed == frozenset({"name", "title"})
    assert logged[4].owner == (USER, "u2", "folders")
    assert [c.seq for c in logged] == list(range(start[1] + 1, start[1] + 6))
    assert log.position == (start[0], start[1] + 5)


def test_net_changes_fold_each_object_and_leave_out_what_came_and_went():
    store, log = _watched()
    start = log.position
    store.insert(USER, "u2", {"id": "u2", "name": "Bo"})
    store.update(USER, "u1", {"name": "A"})
    store.update(USER, "u1", {"title": "B"})
    store.insert(USER, "tmp", {"id": "tmp"})
    store.delete(USER, "tmp")
    store.update(USER, "u2", {"name": "Bob"})
    found = {(n.key): n for n in _since(log, start)}
    assert set(found) == {"u1", "u2"}
    assert (found["u1"].before, found["u1"].after, found["u1"].changed) == (
        True,
        True,
        frozenset({"name", "title"}),
    )
    assert (found["u2"].before, found["u2"].after, found["u2"].changed) == (False, True, None)
    assert [n.key for n in _since(log, start)] == ["u1", "u2"]  # in the order of each one's last change


def test_a_delete_then_a_create_of_the_same_key_are_two_changes():
    """A later write that stores the key again is not folded into the delete's change: a position taken in
    between sees the new object."""
    store, log = _watched()
    store.delete(USER, "u1")
    middle = log.position
    store.insert(USER, "u1", {"id": "u1", "name": "New"})
    assert [(n.key, n.before, n.after) for n in _since(log, middle)] == [("u1", False, True)]


def test_a_reset_load_or_replacement_starts_a_new_epoch():
    for restart in (
        lambda s: s.reset(),
        lambda s: s.load({USER: []}),
        lambda s: s.replace_all({USER: [{"id": "x"}]}),
    ):
        store, log = _watched()
        before = log.position
        store.insert(USER, "u2", {"id": "u2"})
        restart(store)
        with pytest.raises(Restarted):
            log.since(*before)
        after = log.position
        assert after[0] > before[0]
        store.insert(USER, "u3", {"id": "u3"})
        assert [n.key for n in _since(log, after)] == ["u3"]


def test_watching_another_type_later_is_no_restart():
    store, log = _watched(kinds=(USER,))
    before = log.position
    watch(store, log, [FOLDER])
    store.insert(USER, "u2", {"id": "u2"})
    assert [n.key for n in _since(log, before)] == ["u2"]


def test_the_log_is_bounded_and_older_positions_expire():
    store, log = _watched(limit=16)
    old = log.position
    for index in range(40):
        store.insert(USER, f"n{index}", {"id": f"n{index}"})
        assert len(log.since(*log.position)) == 0
    with pytest.raises(Expired):
        log.since(*old)
    recent = (log.position[0], log.position[1] - 16)
    assert len(log.since(*recent)) == 16
    assert len(log._entries) <= 16 + 16 // 8


def test_a_log_of_size_zero_keeps_only_the_present():
    store, log = _watched(limit=0)
    before = log.position
    store.insert(USER, "u2", {"id": "u2"})
    assert log.since(*log.position) == []
    with pytest.raises(Expired):
        log.since(*before)


def test_a_position_from_the_future_or_past_the_end_is_refused():
    _, log = _watched()
    epoch, seq = log.position
    with pytest.raises(Restarted):
        log.since(epoch, seq + 1)
    with pytest.raises(Restarted):
        log.since(epoch, seq, seq + 1)
    with pytest.raises(ValueError, match="0 changes or more"):
        ChangeLog(-1)


def _apply(snapshot: dict[tuple[str, str], Any], store: Store, changes: list[Net]) -> None:
    """What a delta client does with a round: take the object as it is now, or drop it."""
    for change in changes:
        name = (change.entity_type, change.key)
        if change.after:
            snapshot[name] = store.get(*name)
        else:
            snapshot.pop(name, None)


def _state(store: Store, kinds: tuple[str, ...]) -> dict[tuple[str, str], Any]:
    return {(kind, obj["id"]): obj for kind in kinds for obj in store.all(kind)}


@pytest.mark.parametrize("limit", [100_000, 64])
def test_replaying_the_net_changes_from_any_earlier_position_gives_the_current_state(limit):
    """Random creates (some under a parent), updates, replacements and cascading deletes over two watched
    types and one that is not: for every position taken along the way that the log still reaches, the
    snapshot then plus the net changes since equals the store now; older positions have expired."""
    rng = random.Random(11)
    kinds = (USER, FOLDER)
    store, log = _watched(limit=limit)
    taken: list[tuple[tuple[int, int], dict[tuple[str, str], Any]]] = []
    for step in range(2500):
        keys = sorted(_state(store, kinds))
        roll = rng.random()
        if roll < 0.35 or not keys:
            kind = rng.choice((*kinds, OTHER))
            parent = None
            if kind == FOLDER and keys and rng.random() < 0.7:
                host = rng.choice(keys)
                parent = (host[0], host[1], "folders")
            store.insert(kind, f"k{step}", {"id": f"k{step}", "v": step}, parent=parent)
        elif roll < 0.6:
            kind, key = rng.choice(keys)
            store.update(kind, key, {"v": step, rng.choice("abc"): rng.random()})
        elif roll < 0.7:
            kind, key = rng.choice(keys)
            store.insert(kind, key, {"id": key, "replaced": step})  # a PUT: one update
        elif roll < 0.75:
            kind, key = rng.choice(keys)
            store.update(kind, key, {})  # a write that changes nothing
        else:
            kind, key = rng.choice(keys)
            store.delete(kind, key)
        if rng.random() < 0.1:
            with store.locked():
                taken.append((log.position, _state(store, kinds)))
    now = _state(store, kinds)
    reached = 0
    for position, snapshot in taken:
        try:
            changes = _since(log, position)
        except Expired:
            assert limit < 2500
            continue
        reached += 1
        replayed = dict(snapshot)
        _apply(replayed, store, changes)
        assert replayed == now
    assert reached >= (len(taken) if limit > 2500 else 1)
