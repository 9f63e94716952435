"""The store's change log, which delta queries read (ARCHITECTURE A18).

The store feeds it through its index hooks: `watch` registers a `Watcher` on each entity type a delta query
asks about, and from then on every write of an object of that type is one `Change`, numbered in order. A
change says which object, whether it existed before and after the write, which properties an update changed,
and, for a delete, the parent the object lived under. An update reaches an index as the old object's removal
followed at once by the new one's addition; the watcher folds the two into one change.

The log is bounded: it keeps the last `limit` changes (and at most an eighth more between trims), and a
position older than what it keeps has `Expired`. A load, a replacement or a reset of the store begins a new
epoch and empties the log: a position of an earlier epoch has `Restarted`. Positions are (epoch, sequence
number); `net` folds the changes after one position into one net change per object.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Collection, Iterable, Sequence
from functools import partial
from typing import NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.model.store import Store

Owner = tuple[str, str, str]  # the parent an object lives under: its type, key and navigation
WATCH = ("delta", "changes")  # the name of the watchers among a type's store indexes


class Change(NamedTuple):
    seq: int
    entity_type: str
    key: str
    before: bool  # the object existed before the write
    after: bool  # and after it
    changed: frozenset[str] | None  # the properties an update changed; None for a create or a delete
    owner: Owner | None  # a deleted object's parent (None for other writes, or an object without one)


# What the changes after a position did to one object, folded into one: `seq` is the number of its last
# change, `before` whether it existed at the position, `changed` None unless it existed throughout, and
# `owner` its parent when it was last deleted.
Net = Change


class Expired(Exception):
    """The position is older than the changes the log keeps."""


class Restarted(Exception):
    """The position belongs to an earlier epoch: the store was loaded, replaced or reset since."""


class ChangeLog:
    """A bounded, numbered log of the writes its watchers see; thread-safe. `key` is a secret of this log
    for signing the positions handed out (random per log unless given)."""

    def __init__(self, limit: int, *, key: bytes | None = None) -> None:
        if limit < 0:
            raise ValueError("a change log keeps 0 changes or more")
        self.limit = limit
        self.key = key if key is not None else os.urandom(32)
        self._lock = threading.Lock()
        self._epoch = 0
        self._seq = 0  # the number of the last change
        self._floor = 0  # the number of the last change dropped: positions below it have expired
        self._entries: list[Change] = []  # numbered _floor + 1, _floor + 2, ...
        self._pending: tuple[str, str, JSONObject, int] | None = None  # just removed (maybe being updated)

    @property
    def position(self) -> tuple[int, int]:
        """(epoch, number of the last change): what a token names to see the changes after now. Read it
        holding the store's lock where other threads may write (not halfway through an update)."""
        with self._lock:
            return self._epoch, self._seq

    def restart(self) -> None:
        """A new epoch, and no changes kept: every earlier position has Restarted."""
        with self._lock:
            self._epoch += 1
            self._entries.clear()
            self._floor = self._seq
            self._pending = None

    def since(self, epoch: int, seq: int, upto: int | None = None) -> list[Change]:
        """The changes after `seq` (up to and including `upto`, when given), oldest first."""
        with self._lock:
            if epoch != self._epoch or seq > self._seq or (upto is not None and not seq <= upto <= self._seq):
                raise Restarted(f"position {epoch}:{seq} is not one of this epoch ({self._epoch})")
            if seq < self._floor:
                raise Expired(f"position {seq} is older than the changes kept (after {self._floor})")
            end = len(self._entries) if upto is None else upto - self._floor
            return self._entries[seq - self._floor : end]

    def removed(self, entity_type: str, obj: JSONObject, owner: Owner | None, write: int) -> None:
        """An object of `entity_type` went, in the store write numbered `write`."""
        key = _key(obj)
        if key is None:
            return
        with self._lock:
            self._append(entity_type, key, True, False, None, owner)
            self._pending = (entity_type, key, obj, write)

    def added(self, entity_type: str, obj: JSONObject, write: int) -> None:
        """An object of `entity_type` was stored, in the store write numbered `write`: its update when the
        same write removed it just before."""
        key = _key(obj)
        if key is None:
            return
        with self._lock:
            pending, self._pending = self._pending, None
            if pending is None or pending[:2] != (entity_type, key) or pending[3] != write:
                self._append(entity_type, key, False, True, None, None)
            elif self._entries:  # the removal just logged was the first half of an update: one change
                last = self._entries[-1]
                self._entries[-1] = last._replace(
                    after=True, changed=_differences(pending[2], obj), owner=None
                )

    def _append(
        self,
        entity_type: str,
        key: str,
        before: bool,
        after: bool,
        changed: frozenset[str] | None,
        owner: Owner | None,
    ) -> None:
        self._seq += 1
        self._pending = None
        self._entries.append(Change(self._seq, entity_type, key, before, after, changed, owner))
        if len(self._entries) > self.limit + self.limit // 8:
            drop = len(self._entries) - self.limit
            self._floor = self._entries[drop - 1].seq
            del self._entries[:drop]


def _key(obj: JSONObject) -> str | None:
    key = obj.get("id")
    return key if isinstance(key, str) else None


def _differences(old: JSONObject, new: JSONObject) -> frozenset[str]:
    return frozenset(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))


class Watcher:
    """One entity type's feed into a change log: an index the store keeps up to date (`Store.index`). Its
    first rebuild is its making; every later one is a load, replacement or reset of the store."""

    def __init__(self, log: ChangeLog, entity_type: str, store: Store) -> None:
        self._log = log
        self._type = entity_type
        self._store = store
        self._made = False

    def rebuild(self, objects: Iterable[JSONObject]) -> None:  # noqa: ARG002 (the objects stay unread)
        if self._made:
            self._log.restart()
        self._made = True

    def added(self, obj: JSONObject) -> None:
        self._log.added(self._type, obj, self._store.generation)

    def removed(self, obj: JSONObject) -> None:
        key = _key(obj)
        # The store removes an object before forgetting its parent: ask while it still knows.
        owner = self._store.owner(self._type, key) if key is not None else None
        self._log.removed(self._type, obj, owner, self._store.generation)


def watch(store: Store, log: ChangeLog, kinds: Iterable[str]) -> None:
    """Have the store feed `log` with every later write of an object of these types."""
    for kind in kinds:
        store.index(kind, WATCH, partial(Watcher, log, kind, store))


def net(changes: Sequence[Change], kinds: Collection[str]) -> list[Net]:
    """One net change per object of these types that the changes touched, in the order of each object's
    last change; objects created and deleted again in between are left out."""
    folded: dict[tuple[str, str], Net] = {}  # read newest first: the first change met is an object's last
    for change in reversed(changes):
        if change.entity_type not in kinds:
            continue
        name = (change.entity_type, change.key)
        later = folded.get(name)
        if later is None:
            folded[name] = change
            continue
        changed = None
        if later.changed is not None and change.changed is not None:
            changed = later.changed | change.changed
        owner = later.owner if later.owner is not None else change.owner
        folded[name] = later._replace(before=change.before, changed=changed, owner=owner)
    return [found for found in reversed(folded.values()) if found.before or found.after]
