"""In-memory entity store: one collection per entity type, thread-safe, copies in and out.

Stored objects are never mutated in place (updates replace them), so a snapshot is a shallow copy of each
collection and a reset takes microseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol, TypedDict, TypeVar, cast, overload

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
    """A store's links and containment, as a state dump carries them (an object's owner first, then the
    other parents that list it)."""

    links: list[Link]
    contained: list[Held]


Parent = tuple[str, str, str]  # (parent type, parent key, navigation)


class Kept(NamedTuple):
    """What a delete with `keep` took, for `restore`: the object (first) and those it contained, each with
    its owner and the other parents listing it, and the links of each."""

    objects: list[tuple[str, str, JSONObject, Parent | None, list[Parent]]]  # type, key, object, owner, lists
    links: list[tuple[str, str, str]]  # navigation, parent, target
    listings: list[tuple[Parent, tuple[str, str]]]  # objects a kept one listed without owning them


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
        # Parents that list an object they do not own (a sent message is in its folder and its mailbox).
        self._listed: dict[tuple[str, str], set[Parent]] = {}
        self._bin: dict[str, Kept] = {}  # key → what a delete with `keep` took (until restored or reset)
        self._deleted: set[tuple[str, str]] = set()  # singletons deleted since the last load or reset
        self._generation = 0  # bumped by every write: lets readers cache what they derive from the store
        self._indexes: dict[str, dict[Hashable, Index]] = {}
        self._deletion_watchers: list[Callable[[str, str], None]] = []  # told (type, key) of each delete

    def watch_deletions(self, watcher: Callable[[str, str], None]) -> None:
        """Call `watcher(type, key)`, under the store's lock, for every object deleted from now on (those
        contained under a deleted parent included): what is kept beside an object goes with it."""
        with self._lock:
            self._deletion_watchers.append(watcher)

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

    def delete(
        self, entity_type: str, key: str, *, remember: bool = False, keep: JSONObject | None = None
    ) -> None:
        """Delete an object, the objects contained under it (recursively) and every link to or from it.
        With `remember`, `was_deleted` says so until the next load or reset (singletons stay deleted). With
        `keep` (properties to set on the kept object, such as its deletion time), what goes is kept for
        `restore` until the next load or reset."""
        with self._lock:
            if key not in self._sets.get(entity_type, {}):
                raise NotFound(_missing(key))
            kept = Kept([], [], []) if keep is not None else None
            pending = [(entity_type, key)]
            while pending:
                kind, name = pending.pop()
                gone = self._sets.get(kind, {}).pop(name, None)
                if gone is None:
                    continue
                self._changed(kind, gone, None)
                for watcher in self._deletion_watchers:
                    watcher(kind, name)
                if remember and (kind, name) == (entity_type, key):
                    self._deleted.add((kind, name))
                owner = self._owner.pop((kind, name), None)
                listed = self._listed.pop((kind, name), set())
                if kept is not None:
                    shown = {**gone, **(keep or {})} if not kept.objects else gone
                    kept.objects.append((kind, name, shown, owner, sorted(listed)))
                if not any(name in objects for objects in self._sets.values()):
                    if kept is not None:
                        kept.links.extend(self._links_of(name))
                    self._forget_links(name)  # an object of another type may hold the same key
                for parent in [owner, *listed] if owner is not None else listed:
                    self._children.get(parent[:2], {}).get(parent[2], {}).pop((kind, name), None)
                pending.extend(self._release(kind, name, kept))
            if kept is not None:
                self._bin[key] = kept
            self._generation += 1

    def _release(self, kind: str, name: str, kept: Kept | None) -> list[tuple[str, str]]:
        """Forget what a deleted object holds: the objects it owns (returned: they go with it); those it
        only lists stay (`kept` notes them)."""
        owned = []
        for navigation, held in self._children.pop((kind, name), {}).items():
            for child in held:
                if self._owner.get(child) == (kind, name, navigation):
                    owned.append(child)
                else:
                    self._listed.get(child, set()).discard((kind, name, navigation))
                    if kept is not None:
                        kept.listings.append(((kind, name, navigation), child))
        return owned

    def _links_of(self, key: str) -> list[tuple[str, str, str]]:
        """Every link to or from `key`, as (navigation, parent, target)."""
        into = [(navigation, parent, key) for navigation, parent in self._sources.get(key, ())]
        out = [
            (nav, key, target)
            for nav, _ in self._parents.get(key, ())
            for target in self._links.get((nav, key), {})
        ]
        return into + out

    def binned(self, kinds: Iterable[str]) -> list[tuple[str, JSONObject]]:
        """The type and a copy of each object a delete kept (`keep`) of `kinds`, oldest first."""
        wanted = set(kinds)
        with self._lock:
            found = [
                (k.objects[0][0], k.objects[0][2]) for k in self._bin.values() if k.objects[0][0] in wanted
            ]
        return [(kind, dict(clone(obj))) for kind, obj in found]

    def restore(self, key: str, changes: JSONObject | None = None) -> tuple[str, JSONObject]:
        """Bring back what a delete with `keep` took under `key`: the object (with `changes`), what it
        contained, and the links and parents whose other end still exists. Its type and a copy of it; a
        NotFound when nothing is kept under `key`, a Conflict when its key is taken again."""
        with self._lock:
            kept = self._bin.get(key)
            if kept is None:
                raise NotFound(_missing(key))
            kind = kept.objects[0][0]
            if key in self._sets.get(kind, {}):
                raise Conflict(
                    f"Another object with the same value for property id already exists: '{_shown(key)}'."
                )
            del self._bin[key]
            first = kept.objects[0]
            back = [(*first[:2], {**first[2], **(changes or {})}, *first[3:])]
            back += [o for o in kept.objects[1:] if o[1] not in self._sets.get(o[0], {})]  # not taken again
            for entity_type, name, obj, _, _ in back:
                self._changed(entity_type, None, obj)
                self._sets.setdefault(entity_type, {})[name] = obj
            for entity_type, name, _, owner, listed in back:
                if owner is not None and owner[1] in self._sets.get(owner[0], {}):
                    self._hold(owner, entity_type, name)
                for lister in listed:
                    if lister[1] in self._sets.get(lister[0], {}):
                        self._list(lister, entity_type, name)
            for parent, (kind_of, key_of) in kept.listings:
                if key_of in self._sets.get(kind_of, {}) and parent[1] in self._sets.get(parent[0], {}):
                    self._list(parent, kind_of, key_of)
            stored = {k for held in self._sets.values() for k in held}
            for navigation, source, target in kept.links:
                if source in stored and target in stored:
                    self._add_link(navigation, source, target)
            self._generation += 1
            return kind, dict(clone(back[0][2]))

    def contain(self, parent: Parent, entity_type: str, key: str, *, listed: bool = False) -> None:
        """Record that the object `key` of `entity_type` lives under `parent` (its type, key and the
        navigation it was created in), moving it from the parent it lived under; with `listed`, that
        `parent` lists it too, without owning it (deleting that parent leaves it)."""
        with self._lock:
            if listed:
                self._list(parent, entity_type, key)
            else:
                self._hold(parent, entity_type, key)
            self._generation += 1

    def _hold(self, parent: Parent, entity_type: str, key: str) -> None:
        old = self._owner.get((entity_type, key))
        if old is not None and old != parent:
            self._children.get(old[:2], {}).get(old[2], {}).pop((entity_type, key), None)
        self._listed.get((entity_type, key), set()).discard(parent)
        self._children.setdefault(parent[:2], {}).setdefault(parent[2], {})[(entity_type, key)] = None
        self._owner[(entity_type, key)] = parent

    def _list(self, parent: Parent, entity_type: str, key: str) -> None:
        if self._owner.get((entity_type, key)) != parent:
            self._children.setdefault(parent[:2], {}).setdefault(parent[2], {})[(entity_type, key)] = None
            self._listed.setdefault((entity_type, key), set()).add(parent)

    def holds(self, parent: Parent, entity_type: str, key: str) -> bool:
        """Whether `parent` owns or lists the object."""
        with self._lock:
            return (entity_type, key) in self._children.get(parent[:2], {}).get(parent[2], {})

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

    def sources(self, key: str) -> list[tuple[str, str]]:
        """The (navigation, parent) of every link to `key`, sorted."""
        with self._lock:
            return sorted(self._sources.get(key, ()))

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
            self._children, self._owner, self._listed, self._bin = {}, {}, {}, {}
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
            self._children, self._owner, self._listed, self._bin = {}, {}, {}, {}
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
                    if name not in self._sets.get(kind, {}):
                        continue
                    if (kind, name) not in self._owner:  # its first parent owns it; others list it
                        self._hold(parent, kind, name)
                    else:
                        self._list(parent, kind, name)
            self._deleted.clear()
            self._rebuilt()
            self._generation += 1

    def reset(self) -> None:
        with self._lock:
            self._sets = {t: dict(objs) for t, objs in self._baseline.items()}
            self._set_links(self._baseline_links)
            self._children, self._owner, self._listed, self._bin = {}, {}, {}, {}
            self._deleted.clear()
            self._rebuilt()
            self._generation += 1

    def baseline(self) -> tuple[dict[str, list[JSONObject]], dict[tuple[str, str], list[str]]]:
        """What `reset` returns to: the objects and links last loaded (a new tenant's dataset, A23)."""
        with self._lock:
            objects = {t: list(objs.values()) for t, objs in self._baseline.items()}
            return objects, {k: list(v) for k, v in self._baseline_links.items()}

    @property
    def generation(self) -> int:
        """Changes whenever any object is written, loaded or reset."""
        return self._generation

    def relations(self) -> Relations:
        """The links of reference navigations and what lives under which parent, as plain JSON."""
        with self._lock:
            owned: list[Held] = []
            listed: list[Held] = []  # after every owner, so that a load gives each object its owner
            for parent, navigations in self._children.items():
                for navigation, children in navigations.items():
                    at = (*parent, navigation)
                    for mine, into in ((True, owned), (False, listed)):
                        held = [list(c) for c in children if (self._owner.get(c) == at) == mine]
                        if held:
                            into.append({"parent": list(at), "children": held})
            return {
                "links": [
                    {"navigation": nav, "parent": parent, "targets": list(targets)}
                    for (nav, parent), targets in self._links.items()
                    if targets
                ],
                "contained": owned + listed,
            }

    def dump(self) -> dict[str, list[JSONObject]]:
        with self._lock:
            return {t: [clone(o) for o in objs.values()] for t, objs in self._sets.items()}
