"""Optional durable state (`--state FILE`): the in-memory store, with every write also logged to SQLite
(the standard library's; WAL mode) in the same step, before the write is acknowledged.

The store in memory stays the serving path: reads never touch the file. Each write method of the store
(insert, update, delete, contain, link, unlink, replace_all, reset) appends one row to an operation log and
commits it before returning, under the store's lock, so the log's order is the order the writes happened;
several writes that belong together (a seed) commit as one (`atomic`). At start-up the dataset is loaded as
usual and the log is replayed through the same methods: after a kill -9, every write that returned is
there, and a write that did not commit is not there at all (SQLite's transactions are atomic). A reset
empties the log; PUT /_fakegraph/state leaves one entry holding the whole state.

Each entry also records how many ids the server had drawn, so ids continue after a restart instead of
repeating. The file remembers the settings that shape the dataset and ids (seed, dataset, clock, pack): a
file written under others is refused rather than replayed onto the wrong baseline.

Durability: WAL with synchronous=NORMAL survives the process being killed (kill -9): a committed
transaction is in the WAL file, which the operating system keeps. It does not promise survival of a power
loss (that needs synchronous=FULL, an fsync per write).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import ConfigError
from fakegraph.model.store import Relations, Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ops (seq INTEGER PRIMARY KEY AUTOINCREMENT, op TEXT NOT NULL,
                                args BLOB NOT NULL, ids INTEGER NOT NULL);
"""


class DurableStore(Store):
    """A Store whose writes are logged to a SQLite file as they happen (see the module's note)."""

    def __init__(self, path: Path, fingerprint: Mapping[str, str], ids_drawn: Callable[[], int]) -> None:
        super().__init__()
        self.path = path
        self._ids_drawn = ids_drawn
        self._depth = 0  # atomic() nesting: commit when it returns to 0
        self._replaying = False
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(f"state file {path}: {exc}") from exc
        self._check_fingerprint(dict(fingerprint))
        self._db.execute("BEGIN")

    # --- the file ---------------------------------------------------------------------------------------

    def _check_fingerprint(self, fingerprint: dict[str, str]) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        if row is None:
            self._db.execute(
                "INSERT INTO meta VALUES ('settings', ?)", (json.dumps(fingerprint, sort_keys=True),)
            )
            return
        written = json.loads(row[0])
        if written != fingerprint:
            changed = sorted(
                k for k in fingerprint.keys() | written.keys() if written.get(k) != fingerprint.get(k)
            )
            raise ConfigError(
                f"state file {self.path} was written with other settings ({', '.join(changed)}); "
                "start with those, or use another file"
            )

    def _log(self, op: str, args: list[Any]) -> None:
        """Append a write to the log (inside `atomic`, which commits it). All access to the file is under
        the store's lock."""
        if not self._replaying:
            self._db.execute(
                "INSERT INTO ops (op, args, ids) VALUES (?, ?, ?)",
                (op, orjson.dumps(args), self._ids_drawn()),
            )

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """The writes made inside commit together when the outermost `atomic` ends: what the store holds
        when it ends is what the file holds (a write that raised changed neither)."""
        with self._lock:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and not self._replaying:
                    self._db.execute("COMMIT")
                    self._db.execute("BEGIN")

    def replay(self) -> int:
        """Apply the logged writes to the store as loaded from the dataset; the ids drawn by the last."""
        rows = self._db.execute("SELECT op, args, ids FROM ops ORDER BY seq").fetchall()
        drawn = 0
        with self._lock:
            self._replaying = True
            try:
                for op, args, ids in rows:
                    _REPLAY[op](self, *orjson.loads(args))
                    drawn = ids
            finally:
                self._replaying = False
        return drawn

    def close(self) -> None:
        with self._lock:
            self._db.execute("COMMIT")
            self._db.close()

    # --- the writes -------------------------------------------------------------------------------------

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
        with self.atomic():  # the containment (logged by `contain`) and the object commit together
            stored = super().insert(entity_type, key, entity, copy=copy, exclusive=exclusive, parent=parent)
            self._log("insert", [entity_type, key, self.peek(entity_type, key)])
            return stored

    def update(self, entity_type: str, key: str, changes: JSONObject) -> JSONObject:
        with self.atomic():
            merged = super().update(entity_type, key, changes)
            self._log("update", [entity_type, key, changes])
            return merged

    def delete(
        self, entity_type: str, key: str, *, remember: bool = False, keep: JSONObject | None = None
    ) -> None:
        with self.atomic():
            super().delete(entity_type, key, remember=remember, keep=keep)
            self._log("delete", [entity_type, key, remember, keep])

    def restore(self, key: str, changes: JSONObject | None = None) -> tuple[str, JSONObject]:
        with self.atomic():
            found = super().restore(key, changes)
            self._log("restore", [key, changes])
            return found

    def contain(
        self, parent: tuple[str, str, str], entity_type: str, key: str, *, listed: bool = False
    ) -> None:
        with self.atomic():
            super().contain(parent, entity_type, key, listed=listed)
            self._log("contain", [list(parent), entity_type, key, listed])

    def link(self, navigation: str, parent: str, target: str) -> bool:
        with self.atomic():
            added = super().link(navigation, parent, target)
            if added:
                self._log("link", [navigation, parent, target])
            return added

    def unlink(self, navigation: str, parent: str, target: str) -> bool:
        with self.atomic():
            removed = super().unlink(navigation, parent, target)
            if removed:
                self._log("unlink", [navigation, parent, target])
            return removed

    def replace_all(
        self, data: Mapping[str, Any], key: str = "id", relations: Relations | None = None
    ) -> None:
        with self.atomic():
            super().replace_all(data, key, relations)
            if not self._replaying:
                self._db.execute("DELETE FROM ops")
            self._log("replace_all", [{t: list(objs) for t, objs in data.items()}, key, relations])

    def reset(self) -> None:
        with self.atomic():
            super().reset()
            if not self._replaying:
                self._db.execute("DELETE FROM ops")

    # --- the store's own consistency check --------------------------------------------------------------

    def problems(self) -> list[str]:
        """What is inconsistent in the store (empty when it is whole): objects stored under another key,
        links and containment naming objects that are not stored."""
        found: list[str] = []
        with self._lock:
            stored = {k for objects in self._sets.values() for k in objects}
            for kind, objects in self._sets.items():
                for key, obj in objects.items():
                    if "id" in obj and str(obj["id"]) != key:
                        found.append(f"{kind} '{key}' holds id '{obj['id']}'")
            for (navigation, parent), targets in self._links.items():
                if targets and parent not in stored:
                    found.append(f"link {navigation} from missing '{parent}'")
                found += [f"link {navigation} to missing '{t}'" for t in targets if t not in stored]
            for (kind, key), holder in self._owner.items():
                if key not in self._sets.get(kind, {}):
                    found.append(f"contained {kind} '{key}' is not stored")
                if holder[1] not in self._sets.get(holder[0], {}):
                    found.append(f"{kind} '{key}' is held by missing {holder[0]} '{holder[1]}'")
        return found


_REPLAY: dict[str, Callable[..., Any]] = {
    "insert": Store.insert,
    "update": Store.update,
    "delete": lambda s, kind, key, remember, keep=None: Store.delete(
        s, kind, key, remember=remember, keep=keep
    ),
    "restore": Store.restore,
    "contain": lambda s, parent, kind, key, listed=False: Store.contain(
        s, (parent[0], parent[1], parent[2]), kind, key, listed=listed
    ),
    "link": Store.link,
    "unlink": Store.unlink,
    "replace_all": Store.replace_all,
}
