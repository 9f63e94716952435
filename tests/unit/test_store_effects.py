"""What the store keeps for actions with effects (ARCHITECTURE A19): an object listed by a parent that does
not own it (a sent message in its folder and in its mailbox), a move to another owner, and deletes kept for
a restore (deleted directory objects), which bring the object back with what it held and its links."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fakegraph.artifacts.errors import Conflict, NotFound
from fakegraph.model.store import Store

USER, FOLDER, MESSAGE, GROUP = "user", "folder", "message", "group"


def _mailbox() -> Store:
    """A user owning two folders; a message owned by the first folder and listed by the user."""
    store = Store()
    store.insert(USER, "u", {"id": "u"})
    for folder in ("sent", "drafts"):
        store.insert(FOLDER, folder, {"id": folder}, parent=(USER, "u", "mailfolders"))
    store.insert(MESSAGE, "m", {"id": "m"}, parent=(FOLDER, "sent", "messages"))
    store.contain((USER, "u", "messages"), MESSAGE, "m", listed=True)
    return store


def _ids(objects: list[dict[str, Any]]) -> list[str]:
    return [o["id"] for o in objects]


def test_a_listed_object_shows_under_its_owner_and_under_the_parent_that_lists_it():
    store = _mailbox()
    assert _ids(store.children((FOLDER, "sent", "messages"), MESSAGE, free=False)) == ["m"]
    assert _ids(store.children((USER, "u", "messages"), MESSAGE, free=False)) == ["m"]
    assert store.owner(MESSAGE, "m") == (FOLDER, "sent", "messages")
    assert store.holds((USER, "u", "messages"), MESSAGE, "m")
    assert not store.holds((FOLDER, "drafts", "messages"), MESSAGE, "m")


def test_deleting_a_listed_object_takes_it_from_every_parent():
    store = _mailbox()
    store.delete(MESSAGE, "m")
    assert store.children((USER, "u", "messages"), MESSAGE, free=False) == []
    store.insert(MESSAGE, "m", {"id": "m"})  # the key again, under no parent: listed nowhere
    assert not store.holds((USER, "u", "messages"), MESSAGE, "m")
    assert store.relations()["contained"] == [
        {"parent": [USER, "u", "mailfolders"], "children": [[FOLDER, "sent"], [FOLDER, "drafts"]]}
    ]


def test_deleting_the_parent_that_only_lists_an_object_leaves_the_object():
    store = Store()
    store.insert(USER, "u", {"id": "u"})
    store.insert(FOLDER, "f", {"id": "f"})
    store.insert(MESSAGE, "m", {"id": "m"}, parent=(FOLDER, "f", "messages"))
    store.contain((USER, "u", "messages"), MESSAGE, "m", listed=True)
    store.delete(USER, "u")
    assert store.has(MESSAGE, "m")
    assert store.owner(MESSAGE, "m") == (FOLDER, "f", "messages")
    store.delete(FOLDER, "f")  # its owner: the message goes with it
    assert not store.has(MESSAGE, "m")


def test_contain_moves_an_object_to_another_owner():
    store = _mailbox()
    before = store.generation
    store.contain((FOLDER, "drafts", "messages"), MESSAGE, "m")
    assert store.generation > before
    assert store.children((FOLDER, "sent", "messages"), MESSAGE, free=False) == []
    assert _ids(store.children((FOLDER, "drafts", "messages"), MESSAGE, free=False)) == ["m"]
    assert store.holds((USER, "u", "messages"), MESSAGE, "m")  # still listed by the mailbox
    store.delete(FOLDER, "drafts")
    assert not store.has(MESSAGE, "m")


def test_the_relations_round_trip_keeps_each_owner_and_each_lister():
    """A dump names owners before listers, so a load gives every object back its owner."""
    store = _mailbox()
    store.contain((USER, "u", "messages"), MESSAGE, "m", listed=True)
    other = Store()
    other.replace_all(store.dump(), relations=store.relations())
    assert other.owner(MESSAGE, "m") == (FOLDER, "sent", "messages")
    assert other.holds((USER, "u", "messages"), MESSAGE, "m")
    assert other.relations() == store.relations()


def _directory() -> Store:
    """Groups g1 ⊃ u, g2 ⊃ g1, u's own link to a manager, and a note u owns."""
    store = Store()
    for key, kind in (("u", USER), ("boss", USER), ("g1", GROUP), ("g2", GROUP)):
        store.insert(kind, key, {"id": key, "deletedDateTime": None})
    store.insert("note", "n", {"id": "n"}, parent=(USER, "u", "notes"))
    store.link("/groups/{}/members", "g1", "u")
    store.link("/groups/{}/members", "g2", "g1")
    store.link("/users/{}/manager", "u", "boss")
    return store


def test_a_kept_delete_is_restored_with_its_id_what_it_held_and_its_links():
    store = _directory()
    before = _state(store)
    store.delete(USER, "u", keep={"deletedDateTime": "2026-01-01T00:00:00Z"})
    assert not store.has(USER, "u")
    assert not store.has("note", "n")
    assert store.linked("/groups/{}/members", "g1") == []
    assert store.binned([USER]) == [(USER, {"id": "u", "deletedDateTime": "2026-01-01T00:00:00Z"})]
    assert store.binned([GROUP]) == []
    kind, restored = store.restore("u", {"deletedDateTime": None})
    assert (kind, restored) == (USER, {"id": "u", "deletedDateTime": None})
    assert _state(store) == before
    assert store.get(USER, "u") == {"id": "u", "deletedDateTime": None}
    assert store.binned([USER]) == []


def test_a_restore_relinks_only_what_still_exists():
    store = _directory()
    store.delete(USER, "u", keep={})
    store.delete(GROUP, "g1")  # not kept: its links are gone for good
    store.restore("u")
    assert store.linked("/users/{}/manager", "u") == ["boss"]
    assert store.sources("u") == []


def test_restore_refuses_a_key_that_is_not_kept_or_is_taken_again():
    store = _directory()
    with pytest.raises(NotFound):
        store.restore("u")
    store.delete(USER, "u", keep={})
    store.insert(USER, "u", {"id": "u"})
    with pytest.raises(Conflict):
        store.restore("u")
    assert store.binned([USER]) != []  # still kept


def test_a_plain_delete_keeps_nothing_and_reset_or_load_forget_what_was_kept():
    store = _directory()
    store.delete(USER, "boss")
    assert store.binned([USER]) == []
    store.delete(USER, "u", keep={})
    store.reset()  # the baseline of a store never loaded: empty
    assert store.binned([USER]) == []
    store.load({USER: [{"id": "x"}]})
    store.delete(USER, "x", keep={})
    store.load({USER: [{"id": "x"}]})
    assert store.binned([USER]) == []


def _state(store: Store) -> tuple[Any, ...]:
    """Objects, links and containment, as sets (a restore appends what it brings back)."""
    relations = store.relations()
    objects = {kind: sorted(o["id"] for o in objs) for kind, objs in store.dump().items() if objs}
    links = {(k["navigation"], k["parent"], t) for k in relations["links"] for t in k["targets"]}
    contained = {
        (tuple(c["parent"]), tuple(child)) for c in relations["contained"] for child in c["children"]
    }
    owners = {
        key: store.owner(kind, key) for kind, objs in store.dump().items() for key in (o["id"] for o in objs)
    }
    return objects, links, contained, owners


def test_a_kept_delete_then_restore_gives_the_store_back_under_random_graphs():
    """Random objects (some under a parent, some listed by another), random links; deleting any object with
    `keep` and restoring it at once leaves objects, links, owners and listers as they were."""
    rng = random.Random(11)
    for _ in range(60):
        store = Store()
        keys: list[tuple[str, str]] = []
        for step in range(rng.randint(2, 30)):
            kind, key = rng.choice([USER, GROUP, "note"]), f"k{step}"
            parent = None
            if keys and rng.random() < 0.5:
                host = rng.choice(keys)
                parent = (host[0], host[1], rng.choice(["notes", "pins"]))
            store.insert(kind, key, {"id": key}, parent=parent)
            keys.append((kind, key))
        for _ in range(rng.randint(0, 40)):
            (_, parent), (_, target) = rng.choice(keys), rng.choice(keys)
            store.link(rng.choice(["/a/{}/members", "/b/{}/owners"]), parent, target)
        for _ in range(rng.randint(0, 5)):
            (kind, key), lister = rng.choice(keys), rng.choice(keys)
            if store.owner(kind, key) is not None:
                store.contain((lister[0], lister[1], "listed"), kind, key, listed=True)
        kind, key = rng.choice(keys)
        before = _state(store)
        store.delete(kind, key, keep={})
        assert store.binned([kind])[0][1]["id"] == key
        store.restore(key)
        assert _state(store) == before
