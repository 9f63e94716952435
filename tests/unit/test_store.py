"""The entity store: copies in and out, merges on update, a baseline that reset returns to, a generation that
moves on every write, and indexes the store keeps up to date."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest

from fakegraph.artifacts.errors import Conflict, NotFound
from fakegraph.model.store import Store

T = "microsoft.graph.widget"
OTHER = "microsoft.graph.gadget"


def _widget(key: str, colour: str = "red", **extra: Any) -> dict[str, Any]:
    return {"id": key, "colour": colour, "tags": ["a"], "size": {"w": 1, "h": 2}, **extra}


def _missing(key: str) -> str:
    return (
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present."
    )


class ByColour:
    """A test index: the ids of the stored objects, grouped by colour."""

    def __init__(self) -> None:
        self.groups: dict[str, set[str]] = {}
        self.rebuilds = 0

    def rebuild(self, objects: Iterable[dict[str, Any]]) -> None:
        self.rebuilds += 1
        self.groups = {}
        for obj in objects:
            self.added(obj)

    def added(self, obj: dict[str, Any]) -> None:
        self.groups.setdefault(obj["colour"], set()).add(obj["id"])

    def removed(self, obj: dict[str, Any]) -> None:
        self.groups[obj["colour"]].discard(obj["id"])
        if not self.groups[obj["colour"]]:
            del self.groups[obj["colour"]]


def _loaded() -> Store:
    store = Store()
    store.load({T: [_widget("1"), _widget("2", "blue")], OTHER: [{"id": "g1", "colour": "red"}]})
    return store


# --- insert, get, all -------------------------------------------------------------------------------------


def test_an_inserted_object_is_read_back_by_key():
    """`get` returns what `insert` stored, and `all` and `count` include it."""
    store = Store()
    returned = store.insert(T, "1", _widget("1"))
    assert returned == _widget("1")
    assert store.get(T, "1") == _widget("1")
    assert store.all(T) == [_widget("1")]
    assert store.count(T) == 1
    assert store.count(OTHER) == 0
    assert store.all(OTHER) == []


def test_a_plain_insert_of_a_stored_key_replaces_the_object():
    """Without `exclusive`, inserting under a stored key replaces the old object entirely."""
    store = _loaded()
    store.insert(T, "1", {"id": "1", "colour": "green"})
    assert store.get(T, "1") == {"id": "1", "colour": "green"}
    assert store.count(T) == 2


def test_an_exclusive_insert_of_a_new_key_stores_it():
    """`exclusive=True` stores an object whose key is not taken."""
    store = _loaded()
    store.insert(T, "3", _widget("3"), exclusive=True)
    assert store.get(T, "3") == _widget("3")


def test_an_exclusive_insert_of_a_stored_key_is_a_conflict_and_changes_nothing():
    """A taken key with `exclusive=True` raises a 409 naming the key, and objects, generation and indexes
    stay as they were."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    before, generation = store.dump(), store.generation
    with pytest.raises(Conflict) as caught:
        store.insert(T, "1", _widget("1", "green"), exclusive=True)
    assert caught.value.status == 409
    assert caught.value.message == "Another object with the same value for property id already exists: '1'."
    assert store.dump() == before
    assert store.generation == generation
    assert index.groups == {"red": {"1"}, "blue": {"2"}}


def test_insert_stores_a_copy_of_the_callers_object():
    """Mutating the object given to `insert`, or the one it returned, does not change the stored one."""
    store = Store()
    given = _widget("1")
    returned = store.insert(T, "1", given)
    given["colour"] = "green"
    given["tags"].append("b")
    returned["size"]["w"] = 99
    assert store.get(T, "1") == _widget("1")


def test_get_returns_a_copy_the_caller_may_mutate():
    """Changing a `get` result, even deep inside, leaves the stored object untouched."""
    store = _loaded()
    got = store.get(T, "1")
    got["colour"] = "green"
    got["tags"].append("b")
    got["size"]["w"] = 99
    assert store.get(T, "1") == _widget("1")


def test_all_returns_copies_the_caller_may_mutate():
    """Changing the objects or the list `all` returned leaves the store untouched."""
    store = _loaded()
    listed = store.all(T)
    listed[0]["size"]["h"] = 0
    listed[1]["tags"].clear()
    listed.pop()
    assert store.all(T) == [_widget("1"), _widget("2", "blue")]


def test_get_of_a_missing_key_or_type_is_not_found():
    """A key that is not stored (under a known or an unknown type) is a 404 in Graph's words."""
    store = _loaded()
    for entity_type, key in ((T, "nope"), ("microsoft.graph.unknown", "1")):
        with pytest.raises(NotFound) as caught:
            store.get(entity_type, key)
        assert caught.value.status == 404
        assert caught.value.message == _missing(key)


def test_not_found_messages_shorten_very_long_keys():
    """A key longer than 120 characters is cut to 117 and an ellipsis in the message."""
    store = Store()
    key = "k" * 200
    with pytest.raises(NotFound) as caught:
        store.get(T, key)
    assert caught.value.message == _missing("k" * 117 + "...")


# --- update and delete -----------------------------------------------------------------------------------


def test_update_merges_the_changes_into_the_stored_object():
    """Named properties are replaced (nested objects whole), the others kept, and the merge is returned."""
    store = _loaded()
    merged = store.update(T, "1", {"colour": "green", "size": {"w": 5}, "new": None})
    expected = {"id": "1", "colour": "green", "tags": ["a"], "size": {"w": 5}, "new": None}
    assert merged == expected
    assert store.get(T, "1") == expected
    assert store.get(T, "2") == _widget("2", "blue")


def test_update_keeps_a_copy_of_the_changes():
    """Mutating the changes dict or the returned object after an update does not reach the store."""
    store = _loaded()
    changes: dict[str, Any] = {"tags": ["x"]}
    merged = store.update(T, "1", changes)
    changes["tags"].append("y")
    merged["tags"].append("z")
    assert store.get(T, "1")["tags"] == ["x"]


def test_update_of_a_missing_key_is_not_found_and_stores_nothing():
    """Updating a key that is not stored is a 404 and does not create the object."""
    store = _loaded()
    with pytest.raises(NotFound) as caught:
        store.update(T, "nope", {"colour": "green"})
    assert caught.value.message == _missing("nope")
    assert store.count(T) == 2


def test_delete_removes_the_object():
    """A deleted key is gone from `get`, `all` and `count`; other objects stay."""
    store = _loaded()
    store.delete(T, "1")
    with pytest.raises(NotFound):
        store.get(T, "1")
    assert store.all(T) == [_widget("2", "blue")]
    assert store.count(T) == 1


def test_delete_of_a_missing_key_is_not_found():
    """Deleting a key that is not stored (or deleting twice) is a 404."""
    store = _loaded()
    store.delete(T, "1")
    with pytest.raises(NotFound) as caught:
        store.delete(T, "1")
    assert caught.value.message == _missing("1")


# --- load, replace_all, reset ---------------------------------------------------------------------------


def test_load_replaces_everything_with_the_data():
    """`load` drops objects of every type and stores the data keyed by `key` (stringified)."""
    store = _loaded()
    store.insert("microsoft.graph.extra", "x", {"id": "x"})
    store.load({T: [{"name": 7, "colour": "red"}]}, key="name")
    assert store.dump() == {T: [{"name": 7, "colour": "red"}]}
    assert store.get(T, "7") == {"name": 7, "colour": "red"}
    assert store.count(OTHER) == 0


def test_load_stores_copies_of_the_data():
    """Mutating the loaded data afterwards changes neither the store nor what `reset` returns to."""
    data = {T: [_widget("1")]}
    store = Store()
    store.load(data)
    data[T][0]["size"]["w"] = 99
    data[T].append(_widget("2"))
    assert store.all(T) == [_widget("1")]
    store.reset()
    assert store.all(T) == [_widget("1")]


def test_reset_returns_to_the_loaded_baseline():
    """After inserts, updates and deletes, `reset` restores exactly what was loaded."""
    store = _loaded()
    baseline = store.dump()
    store.insert(T, "3", _widget("3"))
    store.insert("microsoft.graph.extra", "x", {"id": "x"})
    store.update(T, "1", {"colour": "green"})
    store.delete(T, "2")
    store.delete(OTHER, "g1")
    store.reset()
    assert store.dump() == baseline


def test_reset_can_be_repeated():
    """The baseline survives a reset: writes after it are undone by the next reset too."""
    store = _loaded()
    store.reset()
    store.update(T, "1", {"colour": "green"})
    store.reset()
    assert store.get(T, "1") == _widget("1")


def test_reset_without_a_load_empties_the_store():
    """Before any `load` the baseline is empty."""
    store = Store()
    store.insert(T, "1", _widget("1"))
    store.reset()
    assert store.dump() == {}


def test_replace_all_keeps_the_baseline():
    """`replace_all` swaps the stored objects, and `reset` still returns to what `load` stored."""
    store = _loaded()
    baseline = store.dump()
    store.replace_all({T: [_widget("9", "green")]})
    assert store.dump() == {T: [_widget("9", "green")]}
    store.reset()
    assert store.dump() == baseline


# --- generation -------------------------------------------------------------------------------------------

WRITES: dict[str, Callable[[Store], object]] = {
    "insert": lambda s: s.insert(T, "3", _widget("3")),
    "insert over": lambda s: s.insert(T, "1", _widget("1")),
    "exclusive insert": lambda s: s.insert(T, "3", _widget("3"), exclusive=True),
    "update": lambda s: s.update(T, "1", {}),
    "delete": lambda s: s.delete(T, "1"),
    "load": lambda s: s.load({}),
    "replace_all": lambda s: s.replace_all({}),
    "reset": lambda s: s.reset(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_moves_the_generation(write):
    """Each kind of write changes `generation`, even one that stores equal values."""
    store = _loaded()
    before = store.generation
    write(store)
    assert store.generation != before


def test_reads_leave_the_generation():
    """Reads do not change `generation`, so what readers derived from the store stays valid."""
    store = _loaded()
    before = store.generation
    store.get(T, "1")
    store.all(T)
    store.view(T)
    store.count(T)
    store.dump()
    store.index(T, "colour", ByColour)
    assert store.generation == before


# --- indexes ----------------------------------------------------------------------------------------------


def test_a_new_index_is_built_from_the_stored_objects():
    """An index made after objects were stored starts from them, and only from its own type."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    assert index.groups == {"red": {"1"}, "blue": {"2"}}


def test_an_index_is_made_once_per_name():
    """Asking again for a name returns the same index without making another."""
    store = _loaded()
    made: list[ByColour] = []

    def make() -> ByColour:
        made.append(ByColour())
        return made[-1]

    first = store.index(T, "colour", make)
    assert store.index(T, "colour", make) is first
    assert len(made) == 1
    assert store.index(OTHER, "colour", make) is not first  # names are per entity type
    assert len(made) == 2


def test_an_index_follows_inserts_updates_and_deletes():
    """Every write reaches the index: inserts add, updates move, replacements and deletes remove."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    store.insert(T, "3", _widget("3", "green"))
    assert index.groups == {"red": {"1"}, "blue": {"2"}, "green": {"3"}}
    store.update(T, "1", {"colour": "blue"})
    assert index.groups == {"blue": {"1", "2"}, "green": {"3"}}
    store.insert(T, "3", _widget("3", "red"))
    assert index.groups == {"blue": {"1", "2"}, "red": {"3"}}
    store.delete(T, "2")
    assert index.groups == {"blue": {"1"}, "red": {"3"}}
    store.insert(OTHER, "g2", {"id": "g2", "colour": "green"})
    assert index.groups == {"blue": {"1"}, "red": {"3"}}


def test_an_index_is_left_alone_by_failed_writes():
    """An update or delete of a missing key does not reach the index."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    with pytest.raises(NotFound):
        store.update(T, "nope", {"colour": "green"})
    with pytest.raises(NotFound):
        store.delete(T, "nope")
    assert index.groups == {"red": {"1"}, "blue": {"2"}}


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda s: s.load({T: [_widget("7", "green")]}),
        lambda s: s.replace_all({T: [_widget("7", "green")]}),
    ],
    ids=["load", "replace_all"],
)
def test_an_index_is_rebuilt_when_everything_is_replaced(rewrite):
    """`load` and `replace_all` rebuild the index from the new objects."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    rewrite(store)
    assert index.groups == {"green": {"7"}}


def test_an_index_is_rebuilt_on_reset():
    """`reset` rebuilds the index from the baseline, undoing what the writes noted."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    store.insert(T, "3", _widget("3", "green"))
    store.update(T, "1", {"colour": "blue"})
    store.reset()
    assert index.groups == {"red": {"1"}, "blue": {"2"}}


def test_an_index_on_a_type_that_a_load_drops_is_emptied():
    """An index whose type is absent from newly loaded data is rebuilt empty."""
    store = _loaded()
    index = store.index(T, "colour", ByColour)
    store.load({OTHER: [{"id": "g1", "colour": "red"}]})
    assert index.groups == {}


def test_an_index_made_before_the_type_has_objects_fills_up():
    """An index asked for on an empty type starts empty and picks up later objects."""
    store = Store()
    index = store.index(T, "colour", ByColour)
    assert index.groups == {}
    store.insert(T, "1", _widget("1"))
    assert index.groups == {"red": {"1"}}


def test_limit_refuses_a_new_index_past_it():
    """With `limit`, a new name is refused (None) once that many indexes watch the type; names already
    made are still returned, and other types are counted apart."""
    store = _loaded()
    first = store.index(T, "a", ByColour, limit=2)
    second = store.index(T, "b", ByColour, limit=2)
    assert first is not None
    assert second is not None
    assert store.index(T, "c", ByColour, limit=2) is None
    assert store.index(T, "a", ByColour, limit=2) is first
    assert store.index(OTHER, "c", ByColour, limit=2) is not None
    store.insert(T, "3", _widget("3", "green"))
    assert first.groups == second.groups == {"red": {"1"}, "blue": {"2"}, "green": {"3"}}


def test_an_object_created_under_a_parent_needs_the_parent_at_that_moment():
    """The parent is checked under the store's lock: one deleted while the body was read is a NotFound,
    and nothing is stored (no orphan)."""
    store = Store()
    store.insert("user", "a", {"id": "a"})
    parent = ("user", "a", "notes")
    store.insert("note", "n1", {"id": "n1"}, parent=parent)
    assert [o["id"] for o in store.children(parent, "note")] == ["n1"]
    store.delete("user", "a")
    assert store.count("note") == 0
    with pytest.raises(NotFound):
        store.insert("note", "n2", {"id": "n2"}, parent=parent)
    assert store.count("note") == 0


def test_only_remembered_deletes_are_kept():
    """`was_deleted` answers for deletes made with `remember` (singletons), and nothing else grows."""
    store = Store()
    for key in ("a", "b"):
        store.insert("thing", key, {"id": key})
    store.delete("thing", "a")
    store.delete("thing", "b", remember=True)
    assert (store.was_deleted("thing", "a"), store.was_deleted("thing", "b")) == (False, True)
    store.reset()
    assert not store.was_deleted("thing", "b")


def test_links_and_containment_agree_with_a_plain_model_under_random_writes():
    """Random creates (some under a parent), links, unlinks and cascading deletes: after each step the
    store's children, links and objects are what a plain model of the rules says."""
    import random

    rng = random.Random(7)
    store = Store()
    objects: dict[str, str] = {}  # key → type
    owner: dict[str, tuple[str, str, str]] = {}  # key → parent triple
    links: dict[tuple[str, str], list[str]] = {}
    for step in range(3000):
        roll = rng.random()
        keys = sorted(objects)
        if roll < 0.35 or not keys:
            key, kind = f"k{step}", rng.choice(["user", "note"])
            parent = None
            if keys and rng.random() < 0.6:
                host = rng.choice(keys)
                parent = (objects[host], host, rng.choice(["notes", "pins"]))
            store.insert(kind, key, {"id": key}, parent=parent)
            objects[key] = kind
            if parent is not None:
                owner[key] = parent
        elif roll < 0.6:
            parent, target = rng.choice(keys), rng.choice(keys)
            added = store.link("/nav", parent, target)
            held = links.setdefault(("/nav", parent), [])
            assert added == (target not in held)
            if added:
                held.append(target)
        elif roll < 0.7:
            parent, target = rng.choice(keys), rng.choice(keys)
            held = links.get(("/nav", parent), [])
            assert store.unlink("/nav", parent, target) == (target in held)
            if target in held:
                held.remove(target)
        else:
            key = rng.choice(keys)
            store.delete(objects[key], key)
            _model_delete(key, objects, owner, links)
        assert {k: t for t, objs in store.dump().items() for k in (o["id"] for o in objs)} == objects
        for key in rng.sample(sorted(objects), min(5, len(objects))):
            _assert_like_the_model(store, key, objects, owner, links)


def _model_delete(key: str, objects: dict[str, str], owner: dict, links: dict) -> None:
    """The rules, plainly: everything created under a deleted object goes too, and every link of each."""
    gone = [key]
    while gone:
        key = gone.pop()
        objects.pop(key, None)
        owner.pop(key, None)
        gone += [k for k, o in owner.items() if o[1] == key and k in objects]
        links.pop(("/nav", key), None)
        for held in links.values():
            if key in held:
                held.remove(key)


def _assert_like_the_model(store: Store, key: str, objects: dict[str, str], owner: dict, links: dict) -> None:
    assert store.linked("/nav", key) == links.get(("/nav", key), [])
    for navigation in ("notes", "pins"):
        for kind in ("user", "note"):
            parent = (objects[key], key, navigation)
            expected = [k for k, o in owner.items() if o == parent and objects[k] == kind]
            assert [o["id"] for o in store.children(parent, kind, free=False)] == expected


def test_deleting_many_linked_parents_takes_what_they_hold_and_their_links():
    """8,000 parents, each holding a child and linked to the next: deleting them all leaves no object,
    link or containment behind."""
    store = Store()
    for index in range(8000):
        store.insert("folder", f"f{index}", {"id": f"f{index}"})
        store.insert("item", f"i{index}", {"id": f"i{index}"}, parent=("folder", f"f{index}", "items"))
        if index:
            store.link("/folders/{}/next", f"f{index - 1}", f"f{index}")
    for index in range(8000):
        store.delete("folder", f"f{index}")
    assert store.count("item") == 0
    assert store.relations() == {"links": [], "contained": []}
