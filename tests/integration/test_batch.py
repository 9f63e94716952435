"""JSON batching: up to 20 steps, in dependency order, each through the same pipeline and store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import AUTH, JSON, state_of

BATCH = "/beta/$batch"
DETAILS = "/reports/userCredentialUsageDetails"
SUMMARIES = "/reports/credentialUsageSummaries"


def _by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in body["responses"]}


async def test_twenty_step_batch_of_creates_reads_errors_and_dependencies(empty):
    """Creates, reads, a 404, and steps depending on them (one on a failure) get the right statuses."""
    create = {
        "feature": "reset",
        "authMethod": "email",
        "successfulActivityCount": 2,
        "failureActivityCount": 0,
    }
    requests: list[dict[str, Any]] = [
        {
            "id": str(i),
            "method": "POST",
            "url": SUMMARIES,
            "headers": {"Content-Type": "application/json"},
            "body": {**create, "successfulActivityCount": i},
        }
        for i in range(1, 11)
    ]
    requests += [
        {"id": "11", "method": "GET", "url": SUMMARIES, "dependsOn": [str(i) for i in range(1, 11)]},
        {"id": "12", "method": "GET", "url": f"{SUMMARIES}/missing"},
        {"id": "13", "method": "GET", "url": f"{SUMMARIES}/$count", "depends_on": ["11"]},
        {
            "id": "14",
            "method": "GET",
            "url": "/reports/getCredentialUsageSummary(period='D7')",
            "dependsOn": ["12"],
        },
        {"id": "15", "method": "GET", "url": "/beta/reports/getCredentialUserRegistrationCount()"},
        {
            "id": "16",
            "method": "GET",
            "url": "https://graph.microsoft.com/beta//reports/getCredentialUsageSummary(period='d30')",
        },
        {
            "id": "17",
            "method": "POST",
            "url": SUMMARIES,
            "headers": {"Content-Type": "application/json"},
            "body": {"feature": "String"},
        },
        {
            "id": "18",
            "method": "GET",
            "url": "reports/credentialUsageSummaries?$top=2&$orderby=successfulActivityCount desc",
            "dependsOn": ["11"],
        },
        {"id": "19", "method": "DELETE", "url": f"{SUMMARIES}/nope", "dependsOn": ["17"]},
        {"id": "20", "method": "GET", "url": "/v1.0/reports/getCredentialUsageSummary(period='D7')"},
    ]
    response = await empty.post(BATCH, json={"requests": requests}, headers=JSON)
    assert response.status == 200
    body = await response.json()
    assert [r["id"] for r in body["responses"]] == [str(i) for i in range(1, 21)]
    steps = _by_id(body)
    assert {steps[str(i)]["status"] for i in range(1, 11)} == {201}
    assert len({steps[str(i)]["body"]["id"] for i in range(1, 11)}) == 10
    assert steps["11"]["status"] == 200
    assert len(steps["11"]["body"]["value"]) == 10
    assert steps["12"]["status"] == 404
    assert steps["12"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert (steps["13"]["status"], steps["13"]["body"]) == (200, "10")
    assert steps["14"]["status"] == 424
    assert steps["14"]["body"]["error"]["code"] == "FailedDependency"
    assert steps["15"]["status"] == 200
    assert steps["16"]["status"] == 200
    assert len(steps["16"]["body"]["value"]) == 10  # the created rows win
    assert steps["17"]["status"] == 400
    assert "placeholder" in steps["17"]["body"]["error"]["message"]
    assert [v["successfulActivityCount"] for v in steps["18"]["body"]["value"]] == [10, 9]
    assert steps["19"]["status"] == 424
    assert steps["20"]["status"] == 400
    assert steps["1"]["headers"]["Location"].endswith(f"{SUMMARIES}/{steps['1']['body']['id']}")
    assert state_of(empty).store.count("microsoft.graph.credentialUsageSummary") == 10


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        (
            [{"id": str(i), "method": "GET", "url": DETAILS} for i in range(21)],
            "Number of requests inside batch exceeds the limit.",
        ),
        (
            [{"id": "a", "method": "GET", "url": DETAILS}, {"id": "A", "method": "GET", "url": DETAILS}],
            "must be unique",
        ),
        ([{"id": "1", "method": "GET", "url": DETAILS, "dependsOn": ["9"]}], "not in the batch"),
        (
            [
                {"id": "1", "method": "GET", "url": DETAILS, "dependsOn": ["2"]},
                {"id": "2", "method": "GET", "url": DETAILS, "dependsOn": ["1"]},
            ],
            "cycle",
        ),
        ([{"id": "1", "method": "POST", "url": DETAILS, "body": {}}], "no Content-Type"),
        ([{"method": "GET", "url": DETAILS}], "needs a string 'id'"),
        ([], "at least one request"),
    ],
)
async def test_malformed_batches_are_400(empty, requests, message):
    """A batch that breaks the rules fails as a whole with a 400 saying which rule."""
    response = await empty.post(BATCH, json={"requests": requests}, headers=JSON)
    assert response.status == 400
    assert message in (await response.json())["error"]["message"]


async def test_steps_use_the_batch_authorization_and_their_own_checks(empty):
    """The batch needs a token; inside it, each step is validated like a direct request."""
    assert (
        await empty.post(BATCH, json={"requests": []}, headers={"Content-Type": "application/json"})
    ).status == 401
    requests = [
        {
            "id": "1",
            "method": "PUT",
            "url": DETAILS,
            "headers": {"Content-Type": "application/json"},
            "body": {},
        },
        {"id": "2", "method": "GET", "url": "/nothing/here"},
        {"id": "3", "method": "GET", "url": "/$batch"},
    ]
    steps = _by_id(await (await empty.post(BATCH, json={"requests": requests}, headers=JSON)).json())
    assert steps["1"]["status"] == 405
    assert steps["2"]["status"] == 400
    assert steps["3"]["status"] == 400


async def test_get_on_batch_is_405(empty):
    """$batch only takes POST."""
    assert (await empty.get(BATCH, headers=AUTH)).status == 405


async def test_a_step_dropped_by_a_fault_is_a_504_and_its_dependent_a_424(empty):
    """A drop rule cannot close the batch's connection for one step: that step answers 504 in Graph's
    envelope (it answered status 0), and a step depending on it is not run (424), while others are."""
    drop = await empty.post(
        "/_fakegraph/faults", json={"kind": "drop", "path": f"/beta{DETAILS}", "count": 1}
    )
    assert drop.status == 201
    create = {"feature": "reset", "authMethod": "email", "isSuccess": True}
    requests = [
        {
            "id": "a",
            "method": "POST",
            "url": DETAILS,
            "headers": {"Content-Type": "application/json"},
            "body": create,
        },
        {
            "id": "b",
            "method": "POST",
            "url": DETAILS,
            "headers": {"Content-Type": "application/json"},
            "body": create,
            "dependsOn": ["a"],
        },
        {"id": "c", "method": "GET", "url": SUMMARIES},
    ]
    response = await empty.post(BATCH, json={"requests": requests}, headers=JSON)
    assert response.status == 200
    steps = _by_id(await response.json())
    assert steps["a"]["status"] == 504
    assert steps["a"]["body"]["error"]["code"] == "GatewayTimeout"
    assert steps["a"]["headers"]["request-id"]
    assert steps["b"]["status"] == 424
    assert steps["c"]["status"] == 200
    assert state_of(empty).store.dump().get("microsoft.graph.userCredentialUsageDetails", []) == []
