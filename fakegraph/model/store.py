"""In-memory entity store: one collection per entity type, thread-safe, copies in and out.

Stored objects are never mutated in place (updates replace them), so a snapshot is a shallow copy of each
collection and a reset takes microseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypedDict, TypeVar, cast, overload

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import Conflict, NotFound


def clone(value: Any) -> Any:
    """A deep copy of a JSON value (much faster than `copy.deepcopy` for plain data)."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def _shown(key: str) -> str:
    return key if len(key) <= 120 else key[:117] + "..."


def _missing(key: str) -> str:
    return (
        f"Resource '{_shown(key)}' does not exist or one of its queried reference-property objects "
        "are not present."
    )


class Index(Protocol):
    """Something derived from one entity type's objects, kept up to date by the store on every write."""

    def rebuild(self, objects: Iterable[JSONObject]) -> None: ...

    def added(self, obj: JSONObject) -> None: ...

    def removed(self, obj: JSONObject) -> None: ...


IndexT = TypeVar("IndexT", bound=Index)


class Link(TypedDict):
    navigation: str  # the navigation's template shape
    parent: str
    targets: list[str]


class Held(TypedDict):
    parent: list[str]  # [type, key, navigation]
    children: list[list[str]]  # [type, key] of each object created under it


class Relations(TypedDict):
    """A store's links and containment, as a state dump carries them."""

    links: list[Link]
    contained: list[Held]


class Store:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._sets: dict[str, dict[str, JSONObject]] = {}
        self._baseline: dict[str, dict[str, JSONObject]] = {}
        # Reference navigations: (navigation, parent key) → the keys it links to, in the order added.
        self._links: dict[tuple[str, str], dict[str, None]] = {}  # targets as an ordered set
        self._baseline_links: dict[tuple[str, str], list[str]] = {}
        self._sources: dict[str, set[tuple[str, str]]] = {}  # target key → the links that hold it
        self._parents: dict[str, set[tuple[str, str]]] = {}  # parent key → its links
        # Containment (ARCHITECTURE A15): (parent type, parent key, navigation) → the (type, key) of the
        # objects created under it, and each such object's parent; deleting a parent deletes them.
        # (parent type, parent key) → navigation → the (type, key) created there, as an ordered set
        self._children: dict[tuple[str, str], dict[str, dict[tuple[str, str], None]]] = {}
        self._owner: dict[tuple[str, str], tuple[str, str, str]] = {}
        self._deleted: set[tuple[str, str]] = set()  # singletons deleted since the last load or reset
        self._generation = 0  # bumped by every write: lets readers cache what they derive from the store
        self._indexes: dict[str, dict[Hashable, Index]] = {}

    @overload
    def index(self, entity_type: str, name: Hashable, make: Callable[[], IndexT]) -> IndexT: ...

    @overload
    def index(
        self, entity_type: str, name: Hashable, make: Callable[[], IndexT], *, limit: int
    ) -> IndexT | None: ...

    def index(
        self, entity_type: str, name: Hashable, make: Callable[[], IndexT], *, limit: int | None = None
    ) -> IndexT | None:
        """The index called `name` on `entity_type`. A new one is made with `make`, built from the stored
        objects and kept up to date on every write from then on; unless `limit` indexes already watch
        the type (then None). Callers give each name one index class."""
        with self._lock:
            named = self._indexes.setdefault(entity_type, {})
            found = named.get(name)
            if found is None:
                if limit is not None and len(named) >= limit:
                    return None
                found = named[name] = make()
                found.rebuild(self._sets.get(entity_type, {}).values())
            return cast(IndexT, found)

    def locked(self) -> AbstractContextManager[Any]:
        """Hold this while reading an index or the objects `view` gave, if other threads may write."""
        return self._lock

    def atomic(self) -> AbstractContextManager[Any]:
        """Hold this over several writes that belong together; a durable store commits them as one."""
        return self._lock

    def _changed(self, entity_type: str, old: JSONObject | None, new: JSONObject | None) -> None:
        for index in self._indexes.get(entity_type, {}).values():
            if old is not None:
                index.removed(old)
            if new is not None:
                index.added(new)

    def _rebuilt(self) -> None:
        for entity_type, indexes in self._indexes.items():
            for index in indexes.values():
                index.rebuild(self._sets.get(entity_type, {}).values())

    def insert(
        self,
        entity_type: str,
        key: str,
        entity: JSONObject,
        *,
        copy: bool = True,
        exclusive: bool = False,
        parent: tuple[str, str, str] | None = None,
    ) -> JSONObject:
        """Store `entity` under `key`; `copy=False` hands over a fresh object the caller will not touch
        again, and returns the stored object itself (for serializing at once). With `exclusive`, a key that
        is stored already is a Conflict and nothing changes (checked under the lock, so concurrent creates
        of one key store exactly one). With `parent` (its type, key and navigation), the object lives under
        that parent (`contain`), which must exist at that moment: else NotFound and nothing changes."""
        stored: JSONObject = clone(entity) if copy else entity
        with self._lock:
            if parent is not None and parent[1] not in self._sets.get(parent[0], {}):
                raise NotFound(_missing(parent[1]))
            objects = self._sets.setdefault(entity_type, {})
            if exclusive and key in objects:
                raise Conflict(
                    f"Another object with the same value for property id already exists: '{_shown(key)}'."
                )
            self._changed(entity_type, objects.get(key), stored)
            objects[key] = stored
            if parent is not None:
                self.contain(parent, entity_type, key)
            self._generation += 1
        return dict(clone(stored)) if copy else stored

    def get(self, entity_type: str, key: str) -> JSONObject:
        with self._lock:
            found = self._sets.get(entity_type, {}).get(key)
        if found is None:
            raise NotFound(_missing(key))
        return dict(clone(found))

    def all(self, entity_type: str) -> list[JSONObject]:
        with self._lock:
            items = list(self._sets.get(entity_type, {}).values())
        return [clone(item) for item in items]

    def view(self, entity_type: str) -> list[JSONObject]:
        """The stored objects themselves, for read-only aggregation (never mutate them)."""
        with self._lock:
            return list(self._sets.get(entity_type, {}).values())

    def has(self, entity_type: str, key: str) -> bool:
        with self._lock:
            return key in self._sets.get(entity_type, {})

    def find(self, entity_type: str, name: str, value: str) -> str | None:
        """The key of the first object whose property `name` equals `value` (strings in any case, as
        Graph reads alternate keys such as userPrincipalName), or None."""
        folded = value.lower()
        with self._lock:
            for key, obj in self._sets.get(entity_type, {}).items():
                held = obj.get(name)
                if isinstance(held, str) and held.lower() == folded:
                    return key
        return None

    def was_deleted(self, entity_type: str, key: str) -> bool:
        """Whether the object under `key` was deleted with `remember` since the last load or reset (and not
        stored again)."""
        with self._lock:
            return (entity_type, key) in self._deleted and key not in self._sets.get(entity_type, {})

    def first(self, entity_type: str) -> str | None:
        """The key of the first stored object of a type (insertion order), or None."""
        with self._lock:
            return next(iter(self._sets.get(entity_type, {})), None)

    def count(self, entity_type: str) -> int:
        with self._lock:
            return len(self._sets.get(entity_type, {}))

    def update(self, entity_type: str, key: str, changes: JSONObject) -> JSONObject:
        with self._lock:
            current = self._sets.get(entity_type, {}).get(key)
            if current is None:
                raise NotFound(_missing(key))
            merged = {**current, **clone(changes)}
            self._changed(entity_type, current, merged)
            self._sets[entity_type][key] = merged
            self._generation += 1
        return dict(clone(merged))

    def delete(self, entity_type: str, key: str, *, remember: bool = False) -> None:
        """Delete an object, the objects contained under it (recursively) and every link to or from it.
        With `remember`, `was_deleted` says so until the next load or reset (singletons stay deleted)."""
        with self._lock:
            if key not in self._sets.get(entity_type, {}):
                raise NotFound(_missing(key))
            pending = [(entity_type, key)]
            while pending:
                kind, name = pending.pop()
                gone = self._sets.get(kind, {}).pop(name, None)
                if gone is None:
                    continue
                self._changed(kind, gone, None)
                if remember and (kind, name) == (entity_type, key):
                    self._deleted.add((kind, name))
                if not any(name in objects for objects in self._sets.values()):
                    self._forget_links(name)  # an object of another type may hold the same key
                owner = self._owner.pop((kind, name), None)
                if owner is not None:
                    self._children.get(owner[:2], {}).get(owner[2], {}).pop((kind, name), None)
                for held in self._children.pop((kind, name), {}).values():
                    pending.extend(held)
            self._generation += 1

    def contain(self, parent: tuple[str, str, str], entity_type: str, key: str) -> None:
        """Record that the object `key` of `entity_type` lives under `parent` (its type, key and the
        navigation it was created in)."""
        with self._lock:
            self._hold(parent, entity_type, key)

    def _hold(self, parent: tuple[str, str, str], entity_type: str, key: str) -> None:
        self._children.setdefault(parent[:2], {}).setdefault(parent[2], {})[(entity_type, key)] = None
        self._owner[(entity_type, key)] = parent

    def peek(self, entity_type: str, key: str) -> JSONObject | None:
        """The stored object itself, or None (read it, never mutate it)."""
        with self._lock:
            return self._sets.get(entity_type, {}).get(key)

    def owner(self, entity_type: str, key: str) -> tuple[str, str, str] | None:
        """The parent an object was created under (its type, key and navigation), or None."""
        with self._lock:
            return self._owner.get((entity_type, key))

    def children(
        self, parent: tuple[str, str, str], entity_type: str, *, free: bool = True
    ) -> list[JSONObject]:
        """The stored objects a contained collection holds: those created under `parent`, then (with
        `free`) the objects of its type that no parent holds (the sample tenant's, whose parent the
        documentation does not name). Never mutate them."""
        with self._lock:
            objects = self._sets.get(entity_type, {})
            held = self._children.get(parent[:2], {}).get(parent[2], {})
            owned = [objects[k] for t, k in held if t == entity_type and k in objects]
            if not free:
                return owned
            return owned + [o for k, o in objects.items() if (entity_type, k) not in self._owner]

    def _forget_links(self, key: str) -> None:
        """A deleted object's links go with it, both its own and those that point at it."""
        for source in self._sources.pop(key, set()):
            self._links.get(source, {}).pop(key, None)
        for source in self._parents.pop(key, set()):
            for target in self._links.pop(source, {}):
                self._sources.get(target, set()).discard(source)

    def _set_links(self, links: Mapping[tuple[str, str], Iterable[str]]) -> None:
        """Replace every link (and the indexes kept over them)."""
        self._links, self._sources, self._parents = {}, {}, {}
        for (navigation, parent), targets in links.items():
            for target in targets:
                self._add_link(navigation, parent, target)

    def _add_link(self, navigation: str, parent: str, target: str) -> bool:
        targets = self._links.setdefault((navigation, parent), {})
        if target in targets:
            return False
        targets[target] = None
        self._sources.setdefault(target, set()).add((navigation, parent))
        self._parents.setdefault(parent, set()).add((navigation, parent))
        return True

    def locate(self, key: str, kinds: Iterable[str] | None = None) -> tuple[str, JSONObject] | None:
        """The type and a copy of the object stored under `key` in any collection (of `kinds`, when given),
        or None."""
        with self._lock:
            for entity_type in list(kinds) if kinds is not None else list(self._sets):
                found = self._sets.get(entity_type, {}).get(key)
                if found is not None:
                    return entity_type, dict(clone(found))
        return None

    def link(self, navigation: str, parent: str, target: str) -> bool:
        """Add a reference; False (and nothing changes) when it is there already."""
        with self._lock:
            if not self._add_link(navigation, parent, target):
                return False
            self._generation += 1
            return True

    def unlink(self, navigation: str, parent: str, target: str) -> bool:
        """Remove a reference; False when there was none."""
        with self._lock:
            targets = self._links.get((navigation, parent), {})
            if target not in targets:
                return False
            del targets[target]
            self._sources.get(target, set()).discard((navigation, parent))
            self._generation += 1
            return True

    def linked(self, navigation: str, parent: str) -> list[str]:
        with self._lock:
            return list(self._links.get((navigation, parent), []))

    def load(
        self,
        data: Mapping[str, Iterable[JSONObject]],
        key: str = "id",
        links: Mapping[tuple[str, str], Iterable[str]] | None = None,
    ) -> None:
        """Replace everything with `data` (and reference `links`) and make it the baseline that `reset`
        returns to."""
        with self._lock:
            self._sets = {t: {str(o[key]): clone(o) for o in objs} for t, objs in data.items()}
            self._baseline = {t: dict(objs) for t, objs in self._sets.items()}
            self._baseline_links = {k: list(v) for k, v in (links or {}).items()}
            self._set_links(self._baseline_links)
            self._children, self._owner = {}, {}
            self._deleted.clear()
            self._rebuilt()
            self._generation += 1

    def replace_all(
        self, data: Mapping[str, Iterable[JSONObject]], key: str = "id", relations: Relations | None = None
    ) -> None:
        """Replace every stored object, and the links and containment of `relations` (as `relations()`
        gives them; a relation naming an object not stored is dropped). The baseline that `reset` returns
        to stays."""
        with self._lock:
            self._sets = {t: {str(o[key]): clone(o) for o in objs} for t, objs in data.items()}
            self._set_links({})
            self._children, self._owner = {}, {}
            links = relations["links"] if relations is not None else []
            contained = relations["contained"] if relations is not None else []
            stored = {k for objects in self._sets.values() for k in objects}
            for link in links:
                if link["parent"] in stored:
                    for target in link["targets"]:
                        if target in stored:  # duplicates fold into one link
                            self._add_link(link["navigation"], link["parent"], target)
            for held in contained:
                parent = (held["parent"][0], held["parent"][1], held["parent"][2])
                if parent[1] not in self._sets.get(parent[0], {}):
                    continue
                for kind, name in held["children"]:
                    if name in self._sets.get(kind, {}) and (kind, name) not in self._owner:
                        self._children.setdefault(parent[:2], {}).setdefault(parent[2], {})[(kind, name)] = (
                            None
                        )
                        self._owner[(kind, name)] = parent
            self._deleted.clear()
            self._rebuilt()
            self._generation += 1

    def reset(self) -> None:
        with self._lock:
            self._sets = {t: dict(objs) for t, objs in self._baseline.items()}
            self._set_links(self._baseline_links)
            self._children, self._owner = {}, {}
            self._deleted.clear()
            self._rebuilt()
            self._generation += 1

    @property
    def generation(self) -> int:
        """Changes whenever any object is written, loaded or reset."""
        return self._generation

    def relations(self) -> Relations:
        """The links of reference navigations and what lives under which parent, as plain JSON."""
        with self._lock:
            return {
                "links": [
                    {"navigation": nav, "parent": parent, "targets": list(targets)}
                    for (nav, parent), targets in self._links.items()
                    if targets
                ],
                "contained": [
                    {"parent": [*parent, navigation], "children": [list(child) for child in children]}
                    for parent, navigations in self._children.items()
                    for navigation, children in navigations.items()
                    if children
                ],
            }

    def dump(self) -> dict[str, list[JSONObject]]:
        with self._lock:
            return {t: [clone(o) for o in objs.values()] for t, objs in self._sets.items()}
