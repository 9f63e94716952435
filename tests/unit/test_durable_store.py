"""The durable store replays every kind of write the Store has (issue 15 item 9): a second store on the
same file, after the same baseline, holds exactly what the first held: objects, links, containment (owned
and listed), deleted singletons, and what deletes with `keep` put aside (and restores took back)."""

from __future__ import annotations

from typing import Any

from fakegraph.model.durable import DurableStore

BASE = {"t.user": [{"id": "u1"}, {"id": "u2"}], "t.group": [{"id": "g1"}]}
FINGERPRINT = {"seed": "0"}


def _open(path: Any, drawn: int = 0) -> DurableStore:
    store = DurableStore(path, FINGERPRINT, lambda: drawn)
    store.load(BASE)
    return store


def _whole(store: DurableStore) -> Any:
    binned = store.binned(["t.note", "t.user"])
    return store.dump(), store.relations(), sorted(store._deleted), binned


def test_every_write_is_replayed(tmp_path):
    path = tmp_path / "s.db"
    first = _open(path, drawn=7)
    first.insert("t.note", "n1", {"id": "n1", "text": "a"}, parent=("t.user", "u1", "notes"))
    first.insert("t.note", "n2", {"id": "n2", "text": "b"}, parent=("t.user", "u1", "notes"))
    first.insert("t.note", "n3", {"id": "n3", "text": "c"}, parent=("t.user", "u2", "notes"), exclusive=True)
    first.contain(("t.group", "g1", "notes"), "t.note", "n1", listed=True)
    first.update("t.note", "n2", {"text": "B"})
    first.link("members", "g1", "u1")
    first.link("members", "g1", "u2")
    first.unlink("members", "g1", "u1")
    first.delete("t.note", "n3", keep={"deletedDateTime": "2026-01-01T00:00:00Z"})
    first.delete("t.user", "u2", remember=True)
    first.delete("t.note", "n2", keep={"deletedDateTime": "2026-01-02T00:00:00Z"})
    first.restore("n2", {"deletedDateTime": None})
    expected = _whole(first)

    again = _open(path)
    assert again.replay() == 7
    assert _whole(again) == expected
    assert again.problems() == []


def test_a_reset_and_a_whole_state_load_start_the_log_over(tmp_path):
    path = tmp_path / "s.db"
    first = _open(path)
    first.insert("t.note", "n1", {"id": "n1"})
    first.reset()
    again = _open(path)
    again.replay()
    assert "t.note" not in again.dump() or again.dump()["t.note"] == []
    first.replace_all({"t.user": [{"id": "only"}]})
    third = _open(path)
    third.replay()
    assert third.dump() == {"t.user": [{"id": "only"}]}
