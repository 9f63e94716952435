"""Seeded fuzzing: thousands of mangled requests, never a 500, always Graph's envelope on errors, and the
store either unchanged or changed only by requests that succeeded."""

from __future__ import annotations

import json
import random
from typing import Any

from tests.integration.conftest import AUTH, state_of

COLLECTIONS = [
    "/beta/reports/userCredentialUsageDetails",
    "/beta/reports/credentialUserRegistrationDetails",
    "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
    "/beta/reports/credentialUsageSummaries",
    "/beta/reports/credentialUserRegistrationCounts",
    "/v1.0/reports/userCredentialUsageDetails",
]
FUNCTIONS = [
    "/beta/reports/getCredentialUsageSummary(period='D7')",
    "/beta/reports/getCredentialUserRegistrationCount",
    "/beta/reports/getCredentialUserRegistrationCount()",
]
OPTIONS = ["$filter", "$select", "$orderby", "$top", "$skip", "$count", "$search", "$skiptoken", "$expand"]
ATOMS = [
    "feature eq 'reset'",
    "isSuccess eq true",
    "authMethod in ('email','sms')",
    "startswith(userPrincipalName,'a')",
    "eventDateTime ge 2025-12-01T00:00:00Z",
    "authMethods/any(t:t eq 'email')",
    "userDisplayName",
    "id desc",
    "feature,eventDateTime desc",
    "10",
    "-1",
    "1000",
    "true",
    "",
    "'",
    "((",
    "eq eq",
    "\u2603",
    "\ud800",
    "%ff",
    "microsoft.graph.usageAuthMethod'email'",
    "x" * 3000,
]
VALUES: list[Any] = [
    None,
    True,
    0,
    -(2**70),
    1.5,
    "",
    "String",
    "reset",
    "EMAIL",
    "unknownFutureValue",
    "2025-12-30T10:00:00Z",
    "not a date",
    [],
    ["email", "sms"],
    {},
    {"a": [1, {"b": None}]},
    "\u0000",
    "\ud83d\ude00",
    "a\udc00b",
]
KEYS = [
    "feature",
    "authMethod",
    "isSuccess",
    "eventDateTime",
    "userPrincipalName",
    "id",
    "@odata.type",
    "tenantDisplayName",
    "totalUserCount",
    "userRegistrationCounts",
    "nope",
    "",
]


def _path(rng: random.Random, ids: list[str]) -> str:
    base = rng.choice(COLLECTIONS + FUNCTIONS)
    shape = rng.random()
    if shape < 0.35 and ids:
        base += "/" + rng.choice([*ids, "%2F", "..", "%E2%9C%93", "x" * 500, "$count", "$value"])
    elif shape < 0.45:
        base = base.replace("/reports", rng.choice(["//reports", "/REPORTS", "/reports/", "/report"]))
    if rng.random() < 0.5:
        parts = []
        for _ in range(rng.randint(1, 3)):
            name = rng.choice(OPTIONS)
            name = name.lstrip("$") if rng.random() < 0.2 else name
            parts.append(f"{name}={' and '.join(rng.sample(ATOMS, rng.randint(1, 2)))}")
        base += "?" + "&".join(parts)
    return base


def _body(rng: random.Random) -> bytes:
    shape = rng.random()
    if shape < 0.7:
        body = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(0, 5))}
        return json.dumps(body).encode()
    if shape < 0.8:
        return json.dumps(rng.choice(VALUES)).encode()
    raw = bytearray(json.dumps({"feature": "reset", "userDisplayName": "Ann"}).encode())
    for _ in range(rng.randint(1, 4)):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw)


async def test_mangled_requests_never_fail_the_server(client):
    """3,000 seeded random requests (methods, paths, ids, query options, bodies, headers): every answer is
    below 500, error answers carry Graph's envelope, and failed writes leave the store as it was."""
    state = state_of(client)
    rng = random.Random(20261122)
    ids = [o["id"] for o in state.store.view("microsoft.graph.userCredentialUsageDetails")[:5]]
    statuses: dict[int, int] = {}
    for _ in range(3000):
        method = rng.choice(["GET", "GET", "POST", "PATCH", "DELETE", "PUT"])
        headers = dict(AUTH)
        if method in {"POST", "PATCH", "PUT"}:
            headers["Content-Type"] = rng.choice(
                ["application/json"] * 4 + ["text/plain", "application/json; x"]
            )
        if rng.random() < 0.1:
            headers["Prefer"] = rng.choice(
                ["odata.maxpagesize=3", "include-unknown-enum-members", "x=\u2603"]
            )
        if rng.random() < 0.05:
            headers["Authorization"] = rng.choice(["", "Bearer ", "Basic abc"])
        data = _body(rng) if method in {"POST", "PATCH", "PUT"} else None
        before = state.store.dump()
        response = await client.request(method, _path(rng, ids), data=data, headers=headers)
        text = await response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        assert response.status < 500, (method, response.url, data, text[:300])
        if response.status >= 400:
            error = json.loads(text)["error"]
            assert error["code"]
            assert error["message"]
            assert state.store.dump() == before
    assert statuses.get(200, 0) > 100  # the fuzzer also reaches the working paths
    assert sum(n for s, n in statuses.items() if 400 <= s < 500) > 1000


async def test_mangled_batches_never_fail_the_server(client):
    """500 seeded random `$batch` bodies (steps with mangled URLs, bodies, headers and dependencies): the
    batch and each of its steps answer below 500."""
    state = state_of(client)
    rng = random.Random(2211)
    ids = [o["id"] for o in state.store.view("microsoft.graph.userCredentialUsageDetails")[:5]]
    answered = 0
    for _ in range(500):
        steps: list[Any] = []
        for n in range(rng.randint(0, 6)):
            mangled = rng.random() < 0.05
            step: dict[str, Any] = {
                "id": rng.choice(["", None, 7, "x" * 300, "0"]) if mangled else str(n),
                "method": rng.choice([None, "TRACE", 5])
                if mangled
                else rng.choice(["GET", "get", "POST", "DELETE"]),
                "url": rng.choice(["", None, 3])
                if mangled
                else _path(rng, ids).removeprefix(rng.choice(["", "/beta"])),
            }
            if rng.random() < 0.4:
                step["body"] = rng.choice(VALUES)
                step["headers"] = (
                    rng.choice([{}, None, "x"]) if mangled else {"Content-Type": "application/json"}
                )
            if rng.random() < 0.2:
                step[rng.choice(["dependsOn", "depends_on"])] = rng.choice(
                    [["0"], ["0"], ["9"], "0", [], [None]]
                )
            steps.append(step if rng.random() < 0.98 else rng.choice(VALUES))
        body = {"requests": steps} if rng.random() < 0.95 else rng.choice(VALUES)
        response = await client.post("/beta/$batch", json=body, headers=AUTH)
        text = await response.read()
        assert response.status < 500, (body, text[:300])
        if response.status == 200:
            for answer in json.loads(text)["responses"]:
                assert answer["status"] < 500, (body, answer)
                answered += answer["status"] < 300
    assert answered > 50  # steps also get through to working paths


ADMIN_VALUES: list[Any] = [
    *VALUES,
    1e308,
    10**30,
    -5,
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "GET",
    "*",
    "/beta/*",
    0.5,
    429,
    600,
]
ADMIN_KEYS = {
    "clock": ["now", "advanceSeconds"],
    "faults": ["status", "method", "path", "count", "probability", "retryAfter", "kind", "latencyMs"],
    "requests": ["method", "path"],
}
SEED_TYPES = ["microsoft.graph.userCredentialUsageDetails", "userCredentialUsageDetails", "nope", ""]


async def test_mangled_control_plane_calls_never_fail_the_server(client):
    """400 seeded random calls to /_fakegraph/ (clock, faults, seed, state, reset, journal): none is a 500
    of fakegraph's own, and after each a report query still answers (an injected fault aside)."""
    rng = random.Random(7)
    for _ in range(400):
        endpoint = rng.choice(
            ["clock", "clock", "faults", "seed", "state", "reset", "requests", "health", "x"]
        )
        method = rng.choice(["POST", "POST", "GET", "DELETE", "PUT"])
        if endpoint == "seed" or (endpoint == "state" and method == "POST"):
            item = {rng.choice(["feature", "id", "isSuccess", "x"]): rng.choice(ADMIN_VALUES)}
            body: Any = {rng.choice(SEED_TYPES): rng.choice([[item], rng.choice(ADMIN_VALUES)])}
        else:
            keys = ADMIN_KEYS.get(endpoint, ["x"])
            body = {rng.choice(keys): rng.choice(ADMIN_VALUES) for _ in range(rng.randint(0, 3))}
        headers = {"Content-Type": "application/json", **AUTH}
        response = await client.request(
            method, f"/_fakegraph/{endpoint}", data=json.dumps(body), headers=headers
        )
        text = await response.text()
        assert "generalException" not in text, (method, endpoint, body, text[:300])
        after = await client.get("/beta/reports/getCredentialUsageSummary(period='D30')?$top=2", headers=AUTH)
        assert "generalException" not in await after.text(), (method, endpoint, body)
