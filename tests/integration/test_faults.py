"""Fault injection through the control plane: errors with Graph's bodies, delays, dropped connections."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.integration.conftest import AUTH, state_of

FAULTS = "/_fakegraph/faults"
DETAILS = "/beta/reports/userCredentialUsageDetails"


async def test_429_with_retry_after_and_graphs_documented_body(client):
    """A 429 rule answers Graph's throttling body and Retry-After, a limited number of times."""
    rule = await (
        await client.post(
            FAULTS,
            json={"status": 429, "retryAfter": 2, "count": 2, "method": "GET", "path": "/beta/reports/*"},
        )
    ).json()
    assert rule["id"]
    for _ in range(2):
        response = await client.get(DETAILS, headers=AUTH)
        assert response.status == 429
        assert response.headers["Retry-After"] == "2"
        error = (await response.json())["error"]
        assert (error["code"], error["message"]) == ("TooManyRequests", "Please retry again later.")
        assert error["innerError"]["status"] == "429"
    assert (await client.get(DETAILS, headers=AUTH)).status == 200
    listed = (await (await client.get(FAULTS)).json())["value"]
    assert listed[0]["fired"] == 2


@pytest.mark.parametrize(
    ("status", "code"), [(503, "serviceNotAvailable"), (504, "GatewayTimeout"), (500, "generalException")]
)
async def test_server_errors(client, status, code):
    """503, 504 and 500 rules answer with Graph's codes."""
    await client.post(FAULTS, json={"status": status, "path": DETAILS})
    response = await client.get(DETAILS, headers=AUTH)
    assert response.status == status
    assert (await response.json())["error"]["code"] == code
    assert state_of(client).errors == []  # injected, not a bug


async def test_latency(client):
    """A latency rule delays the answer, then answers normally."""
    await client.post(FAULTS, json={"kind": "latency", "latencyMs": 150, "path": DETAILS, "count": 1})
    started = time.monotonic()
    assert (await client.get(DETAILS, headers=AUTH)).status == 200
    assert time.monotonic() - started >= 0.15


async def test_dropped_connection(client):
    """A drop rule closes the connection without an answer."""
    await client.post(FAULTS, json={"kind": "drop", "path": DETAILS, "count": 1})
    with pytest.raises(aiohttp.ClientError):
        await client.get(DETAILS, headers=AUTH)
    assert (await client.get(DETAILS, headers=AUTH)).status == 200


async def test_probability_is_seeded(make_client):
    """With a probability, which requests fail is the same for the same seed."""

    async def pattern() -> list[int]:
        client = await make_client(seed=11)
        await client.post(FAULTS, json={"status": 503, "probability": 0.5, "path": DETAILS})
        return [(await client.get(DETAILS, headers=AUTH)).status for _ in range(20)]

    first, second = await pattern(), await pattern()
    assert first == second
    assert {200, 503} == set(first)


async def test_clear_and_reset_remove_faults(client):
    """DELETE clears the rules; a reset does too."""
    await client.post(FAULTS, json={"status": 503})
    assert (await client.delete(FAULTS)).status == 204
    assert (await client.get(DETAILS, headers=AUTH)).status == 200
    await client.post(FAULTS, json={"status": 503})
    await client.post("/_fakegraph/reset")
    assert (await client.get(DETAILS, headers=AUTH)).status == 200


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "explode"},
        {"status": 200},
        {"count": 0},
        {"count": True},
        {"probability": 2},
        {"probability": True},
        {"retryAfter": True},
        {"path": ["/beta/*"]},
        {"latencyMs": 10**9},
        [],
    ],
)
async def test_bad_rules_are_400(client, rule):
    """A rule that cannot work is refused."""
    assert (await client.post(FAULTS, json=rule)).status == 400
