"""Optional durable state (`--state FILE`, issue 15 item 9): every acknowledged write is in the SQLite file
and replayed at start-up; ids continue; kill -9 loses nothing that was answered 2xx and leaves nothing
half-written (the store passes its own consistency check)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from fakegraph.artifacts.errors import ConfigError
from fakegraph.http.state import build_state
from fakegraph.model.durable import DurableStore
from fakegraph.model.settings import Settings
from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, state_of
from tests.test_cli import _free_port

SAMPLE = DATA / "compiled"
USER = "microsoft.graph.gadgetUser"
DETAILS = "/beta/reports/userCredentialUsageDetails"


def _whole(state: Any) -> tuple[Any, Any]:
    return state.store.dump(), state.store.relations()


async def test_every_kind_of_write_survives_a_restart_and_ids_continue(make_client, tmp_path):
    """Seed, create under a parent, link, patch, delete (a cascade), unlink: a server started on the file
    has the same objects, links and containment, and draws ids no object had."""
    path = tmp_path / "state.db"
    client = await make_client(data=SAMPLE, dataset="empty", state_file=str(path))
    seeded = await client.post(
        "/_fakegraph/seed",
        json={
            USER: [{"id": "ana", "displayName": "Ana"}, {"id": "bo", "displayName": "Bo"}],
            "microsoft.graph.gadgetTeam": [{"id": "t-blue", "displayName": "Blue"}],
        },
    )
    assert seeded.status == 201, await seeded.text()
    notes = []
    for text in ("one", "two", "three"):
        created = await client.post("/beta/gadgetUsers/ana/notes", json={"text": text}, headers=JSON)
        assert created.status == 201, await created.text()
        notes.append((await created.json())["id"])
    for user in ("ana", "bo"):
        ref = {"@odata.id": f"https://graph.microsoft.com/beta/gadgetUsers/{user}"}
        assert (
            await client.post("/beta/gadgetTeams/t-blue/members/$ref", json=ref, headers=JSON)
        ).status == 204
    assert (await client.delete("/beta/gadgetTeams/t-blue/members/bo/$ref", headers=AUTH)).status == 204
    patched = await client.patch(f"/beta/gadgetUsers/ana/notes/{notes[0]}", json={"text": "1"}, headers=JSON)
    assert patched.status in {200, 204}, await patched.text()
    assert (await client.delete(f"/beta/gadgetUsers/ana/notes/{notes[1]}", headers=AUTH)).status == 204
    assert (await client.delete("/beta/gadgetUsers/bo", headers=AUTH)).status == 204
    first = state_of(client)
    before = _whole(first)

    again = build_state(first.settings)
    assert isinstance(again.store, DurableStore)
    assert _whole(again) == before
    assert again.store.problems() == []
    assert again.ids_drawn == first.ids_drawn > 0
    used = {o["id"] for objects in before[0].values() for o in objects}
    assert again.new_id() == first.new_id()  # the same next id in both: the sequence continued
    assert again.new_id() not in used | set(notes)


async def test_a_reset_empties_the_log_and_put_state_is_one_entry(make_client, tmp_path):
    path = tmp_path / "state.db"
    client = await make_client(dataset="empty", state_file=str(path))
    for _ in range(3):
        assert (await client.post(DETAILS, json={"feature": "reset"}, headers=JSON)).status == 201
    assert (await client.post("/_fakegraph/reset")).status == 204
    assert (
        build_state(state_of(client).settings).store.count("microsoft.graph.userCredentialUsageDetails") == 0
    )
    dump = {"microsoft.graph.userCredentialUsageDetails": [{"id": "kept", "feature": "reset"}]}
    assert (await client.put("/_fakegraph/state", json=dump)).status == 204
    again = build_state(state_of(client).settings)
    assert [o["id"] for o in again.store.dump()["microsoft.graph.userCredentialUsageDetails"]] == ["kept"]


async def test_a_seed_commits_as_one(make_client, tmp_path, monkeypatch):
    """A seed of several objects is one transaction: while it is being added, the file (as another reader,
    or a restart after a kill -9, sees it) holds none of it; once it returns, all of it."""
    import sqlite3

    from fakegraph.http.admin import add_objects, seed_objects

    path = tmp_path / "state.db"
    client = await make_client(dataset="empty", state_file=str(path))
    original = DurableStore.insert
    seen: list[int] = []

    def watched(self, *args, **kwargs):
        with sqlite3.connect(str(path)) as reader:
            seen.append(reader.execute("SELECT count(*) FROM ops").fetchone()[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DurableStore, "insert", watched)
    state = state_of(client)
    add_objects(state, seed_objects(state, {"userCredentialUsageDetails": [{"feature": "reset"}] * 5}))
    assert seen == [0, 0, 0, 0, 0]
    with sqlite3.connect(str(path)) as reader:
        assert reader.execute("SELECT count(*) FROM ops").fetchone()[0] == 5


def test_a_file_written_under_other_settings_is_refused(tmp_path):
    path = tmp_path / "state.db"
    build_state(Settings(dataset="empty", state_file=str(path)))
    with pytest.raises(ConfigError, match="written with other settings \\(seed\\)"):
        build_state(Settings(dataset="empty", seed=5, state_file=str(path)))
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match=r"junk\.db"):
        build_state(Settings(dataset="empty", state_file=str(tmp_path / "junk.db")))


def _serve(port: int, path: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), "--dataset", "empty"]
    process = subprocess.Popen([*command, "--state", str(path)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert "fakegraph serving" in process.stdout.readline()
    return process


async def _creates(port: int, total: int, stop_after: int, process: subprocess.Popen[str]) -> set[str]:
    """`total` concurrent creates (64 connections); kill -9 the server once `stop_after` were answered 201.
    The ids answered 201."""
    answered: set[str] = set()
    body = json.dumps({"feature": "reset", "authMethod": "email", "isSuccess": True})
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one() -> None:
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}{DETAILS}", data=body, headers=JSON
                ) as response:
                    if response.status == 201:
                        answered.add((await response.json())["id"])
                        if len(answered) == stop_after:
                            os.kill(process.pid, signal.SIGKILL)
            except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError):
                pass  # in flight when the server died

        await asyncio.gather(*(one() for _ in range(total)))
    return answered


def test_kill_9_during_ten_thousand_concurrent_creates_loses_no_acknowledged_write(tmp_path):
    path = tmp_path / "state.db"
    port = _free_port()
    process = _serve(port, path)
    try:
        answered = asyncio.run(_creates(port, 10_000, 3_000, process))
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()  # else a ResourceWarning fails whichever later test the collector runs in
    assert len(answered) >= 3_000
    state = build_state(Settings(dataset="empty", port=port, state_file=str(path)))
    assert isinstance(state.store, DurableStore)
    assert state.store.problems() == []
    stored = {o["id"]: o for o in state.store.dump().get("microsoft.graph.userCredentialUsageDetails", [])}
    assert answered <= set(stored)  # every id answered 201 is there
    assert len(stored) < 10_000  # the kill came mid-way
    assert all(o["feature"] == "reset" and o["isSuccess"] is True for o in stored.values())  # none half-made
    restarted = _serve(port, path)  # and the server serves them after a restart, with fresh ids
    try:
        listed: set[str] = set()
        url: str | None = f"http://127.0.0.1:{port}{DETAILS}?$select=id"
        import urllib.request

        while url:
            request = urllib.request.Request(url, headers={**AUTH, "Prefer": "odata.maxpagesize=999"})
            with urllib.request.urlopen(request, timeout=30) as response:
                page = json.load(response)
            listed |= {o["id"] for o in page["value"]}
            url = page.get("@odata.nextLink")
        assert listed == set(stored)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{DETAILS}", data=b'{"feature": "reset"}', headers=JSON, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.load(response)["id"] not in stored
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
        assert restarted.stdout is not None
        restarted.stdout.close()
