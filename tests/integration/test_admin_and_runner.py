"""The control plane under /_fakegraph/ and the threaded `FakeGraph` runner."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from fakegraph.artifacts.errors import ConfigError
from fakegraph.server import FakeGraph, ServerError
from tests.integration.conftest import AUTH, JSON, state_of

ADMIN = "/_fakegraph"


async def test_health(client):
    """Health answers without a token."""
    response = await client.get(f"{ADMIN}/health")
    assert response.status == 200
    assert (await response.json())["status"] == "ok"


async def test_reset_returns_to_the_dataset(client):
    """Reset drops what tests wrote and brings back what they deleted."""
    before = state_of(client).store.dump()
    await client.post("/beta/reports/credentialUsageSummaries", json={"feature": "reset"}, headers=JSON)
    victim = before["microsoft.graph.userCredentialUsageDetails"][0]["id"]
    await client.delete(f"/beta/reports/userCredentialUsageDetails/{victim}", headers=AUTH)
    assert (await client.post(f"{ADMIN}/reset")).status == 204
    assert state_of(client).store.dump() == before


async def test_clock_read_set_advance(client):
    """The mock clock can be read, set and advanced; report windows follow it."""
    assert (await (await client.get(f"{ADMIN}/clock")).json())["now"] == "2026-01-01T00:00:00Z"
    set_to = await client.post(f"{ADMIN}/clock", json={"now": "2026-03-01T12:00:00Z"})
    assert (await set_to.json())["now"] == "2026-03-01T12:00:00Z"
    advanced = await client.post(f"{ADMIN}/clock", json={"advanceSeconds": 90})
    assert (await advanced.json())["now"] == "2026-03-01T12:01:30Z"
    summary = await client.get("/beta/reports/getCredentialUsageSummary(period='D30')", headers=AUTH)
    assert (await summary.json())["value"] == []  # the dataset's events are two months old now
    bad = await client.post(f"{ADMIN}/clock", json={"now": "soon"})
    assert bad.status == 400


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({"advanceSeconds": 1e308}, "advanceSeconds"),  # past anything a timedelta holds
        ({"advanceSeconds": 400_000 * 365 * 86400}, "advanceSeconds"),  # past year 9999
        ({"advanceSeconds": -2100 * 365 * 86400}, "advanceSeconds"),  # before year 1
        ({"now": "0001-01-01T00:00:00Z"}, "now"),  # no room for a 30-day report window before it
        ({"now": "9999-12-31T23:59:59Z"}, "now"),
        ({"now": "0001-01-01T00:00:00+05:00"}, "now"),  # before year 1 in UTC
        ({"now": "9999-12-31T23:59:59-05:00"}, "now"),
        ({"advanceSeconds": True}, None),
    ],
)
async def test_clock_refuses_times_it_could_not_be_read_at(client, body, target):
    """Setting or advancing the clock out of its range is a 400 naming the field, and the clock is unchanged
    (it used to raise OverflowError: a 500, or a clock no report could be computed at)."""
    response = await client.post(f"{ADMIN}/clock", json=body)
    assert response.status == 400
    assert (await response.json())["error"].get("target") == target
    assert (await (await client.get(f"{ADMIN}/clock")).json())["now"] == "2026-01-01T00:00:00Z"


async def test_clock_at_the_edge_of_its_range_still_serves_reports(client):
    """The earliest settable time leaves room for the longest report window."""
    assert (await client.post(f"{ADMIN}/clock", json={"now": "0001-02-01T00:00:00Z"})).status == 200
    summary = await client.get("/beta/reports/getCredentialUsageSummary(period='D30')", headers=AUTH)
    assert summary.status == 200


def test_a_clock_out_of_range_is_a_configuration_error():
    """A server cannot start with a clock outside the range (the default dataset's events precede it)."""
    from datetime import UTC, datetime

    with pytest.raises(ConfigError, match="clock"):
        FakeGraph(clock=datetime(1, 1, 1, tzinfo=UTC)).start()


async def test_request_journal(make_client):
    """The journal lists requests newest first with their bodies, filters by method and path, and clears."""
    client = await make_client(dataset="empty", journal_size=3)
    await client.get("/beta/reports/userCredentialUsageDetails", headers=AUTH)
    await client.post("/beta/reports/credentialUsageSummaries", json={"feature": "reset"}, headers=JSON)
    entries = (await (await client.get(f"{ADMIN}/requests")).json())["value"]
    assert [(e["method"], e["status"]) for e in entries] == [("POST", 201), ("GET", 200)]
    assert json.loads(entries[0]["requestBody"]) == {"feature": "reset"}
    filtered = f"{ADMIN}/requests?method=post&path=/reports/credentialUsageSummaries"
    posts = (await (await client.get(filtered)).json())["value"]
    assert len(posts) == 1
    for _ in range(4):
        await client.get("/beta/reports/userCredentialUsageDetails", headers=AUTH)
    assert len((await (await client.get(f"{ADMIN}/requests")).json())["value"]) == 3  # bounded
    assert (await client.delete(f"{ADMIN}/requests")).status == 204
    assert (await (await client.get(f"{ADMIN}/requests")).json())["value"] == []


async def test_state_dump_and_load_round_trip(client):
    """A dump loaded back gives the same objects: the default dataset's sample tenant included, whose v1.0
    objects a beta schema may refuse (one store serves both versions)."""
    dump = await (await client.get(f"{ADMIN}/state")).json()
    assert (
        await client.put(f"{ADMIN}/state", json={"credentialUsageSummary": [{"feature": "reset"}]})
    ).status == 204
    assert state_of(client).store.count("microsoft.graph.userCredentialUsageDetails") == 0
    assert (await client.put(f"{ADMIN}/state", json=dump)).status == 204
    assert await (await client.get(f"{ADMIN}/state")).json() == dump


async def test_seed_is_validated_and_atomic(empty):
    """Seeding validates every object; one bad object refuses the whole seed."""
    good = {
        "userCredentialUsageDetails": [
            {"feature": "reset", "isSuccess": True},
            {"id": "mine", "feature": "registration"},
        ]
    }
    response = await empty.post(f"{ADMIN}/seed", json=good)
    assert response.status == 201
    assert (await response.json())["added"] == 2
    assert (await empty.get("/beta/reports/userCredentialUsageDetails/mine", headers=AUTH)).status == 200
    bad = {"/reports/userCredentialUsageDetails": [{"feature": "reset"}, {"isSuccess": "no"}]}
    refused = await empty.post(f"{ADMIN}/seed", json=bad)
    assert refused.status == 400
    assert "[1]" in (await refused.json())["error"]["message"]
    assert state_of(empty).store.count("microsoft.graph.userCredentialUsageDetails") == 2
    unknown = await empty.post(f"{ADMIN}/seed", json={"widgets": []})
    assert unknown.status == 400


async def test_unknown_control_endpoint_is_404(client):
    """A control path that does not exist is a Graph-shaped 404; a wrong method a 405."""
    assert (await client.get(f"{ADMIN}/nothing")).status == 404
    assert (await client.get(f"{ADMIN}/reset")).status == 405


def _get(url: str) -> dict[str, object]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=10) as response:
        return json.load(response)


def test_threaded_runner_serves_on_a_free_port():
    """`FakeGraph()` picks a free port, serves sync clients, and stops cleanly."""
    with FakeGraph(seed=1) as graph:
        assert graph.port != 0
        assert _get(graph.beta_url + "/reports/getCredentialUserRegistrationCount")["value"]
        graph.check()
    with pytest.raises(urllib.error.URLError):
        _get(graph.beta_url + "/reports/getCredentialUserRegistrationCount")


def test_a_taken_port_is_a_clear_error():
    """Starting on a port that is in use fails at once, naming the port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            FakeGraph(port=port).start()


def test_check_reports_server_exceptions(monkeypatch):
    """`check()` raises what the server recorded, once."""
    from fakegraph.behaviours import credential_reports

    with FakeGraph(dataset="empty") as graph:
        monkeypatch.setattr(credential_reports, "registration_count", lambda _: 1 / 0)
        with pytest.raises(urllib.error.HTTPError):
            _get(graph.beta_url + "/reports/getCredentialUserRegistrationCount")
        with pytest.raises(ServerError, match="ZeroDivisionError"):
            graph.check()
        graph.check()


async def test_admin_token_protects_the_control_plane(make_client):
    """With an admin token, control endpoints (but health) need it; Graph endpoints are unaffected."""
    client = await make_client(dataset="empty", admin_token="s3cret")
    assert (await client.get(f"{ADMIN}/health")).status == 200
    refused = await client.post(f"{ADMIN}/reset")
    assert refused.status == 401
    assert (await refused.json())["error"]["code"] == "InvalidAuthenticationToken"
    assert (await client.post(f"{ADMIN}/reset", headers={"Authorization": "Bearer s3cret"})).status == 204
    assert (await client.get("/beta/reports/userCredentialUsageDetails", headers=AUTH)).status == 200
