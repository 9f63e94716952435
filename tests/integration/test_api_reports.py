"""The real reads, faithful to Graph, and report functions consistent with the store (ARCHITECTURE A3)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fakegraph.model.clock import iso
from tests.integration.conftest import AUTH, JSON, state_of

USAGE = "/beta/reports/getCredentialUsageSummary(period='{}')"


@pytest.mark.parametrize("period", ["D1", "D7", "D30", "d30", "d7"])
async def test_usage_summary_periods_are_case_insensitive(client, period):
    """D1, D7 and D30 in any case give a collection of credentialUsageSummary rows."""
    response = await client.get(USAGE.format(period), headers=AUTH)
    assert response.status == 200
    body = await response.json()
    assert body["@odata.context"].endswith(
        "/beta/$metadata#Collection(microsoft.graph.credentialUsageSummary)"
    )
    assert all(
        set(row) == {"id", "feature", "authMethod", "successfulActivityCount", "failureActivityCount"}
        for row in body["value"]
    )


@pytest.mark.parametrize("period", ["D2", "30", "", "D30'"])
async def test_usage_summary_rejects_other_periods_naming_the_allowed_ones(client, period):
    """Any other period is a 400 naming D1, D7 and D30."""
    response = await client.get(USAGE.format(period), headers=AUTH)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    assert "D1, D7, D30" in error["message"] or "segment" in error["message"]


async def test_usage_summary_aggregates_events_inside_the_window(empty):
    """Without created rows, the function counts stored events of the period before the mock clock."""
    now = state_of(empty).clock.now()
    events = [
        ("registration", "email", True, timedelta(hours=2)),
        ("registration", "email", False, timedelta(hours=3)),
        ("registration", "email", True, timedelta(days=3)),
        ("reset", "mobileSMS", True, timedelta(days=20)),
        ("reset", "mobileSMS", True, timedelta(days=40)),
    ]
    for feature, method, ok, age in events:
        body = {
            "feature": feature,
            "authMethod": method,
            "isSuccess": ok,
            "eventDateTime": iso(now - age),
            "userPrincipalName": "a@contoso.com",
            "userDisplayName": "A",
        }
        assert (
            await empty.post("/beta/reports/userCredentialUsageDetails", json=body, headers=JSON)
        ).status == 201

    async def rows(period: str) -> dict[tuple[str, str], tuple[int, int]]:
        value = (await (await empty.get(USAGE.format(period), headers=AUTH)).json())["value"]
        return {
            (r["feature"], r["authMethod"]): (r["successfulActivityCount"], r["failureActivityCount"])
            for r in value
        }

    assert await rows("D1") == {("registration", "email"): (1, 1)}
    assert await rows("D7") == {("registration", "email"): (2, 1)}
    assert await rows("D30") == {("registration", "email"): (2, 1), ("reset", "mobileSMS"): (1, 0)}
    state_of(empty).clock.advance(86400 * 2)
    assert await rows("D1") == {}


async def test_created_summary_rows_win_over_aggregation(client):
    """Once credentialUsageSummary rows are created, the function returns exactly them."""
    row = {"feature": "reset", "authMethod": "email", "successfulActivityCount": 7, "failureActivityCount": 2}
    created = await (
        await client.post("/beta/reports/credentialUsageSummaries", json=row, headers=JSON)
    ).json()
    value = (await (await client.get(USAGE.format("D30"), headers=AUTH)).json())["value"]
    assert value == [{**row, "id": created["id"]}]


async def test_registration_count_with_and_without_parentheses(client):
    """getCredentialUserRegistrationCount answers with and without `()` (the SDK sends them)."""
    plain = await client.get("/beta/reports/getCredentialUserRegistrationCount", headers=AUTH)
    called = await client.get("/beta/reports/getCredentialUserRegistrationCount()", headers=AUTH)
    assert plain.status == called.status == 200
    assert (await plain.json())["value"] == (await called.json())["value"]


async def test_registration_count_aggregates_registration_details(client):
    """Counts per status equal the registration details' flags; the total is the number of users."""
    details = (
        await (await client.get("/beta/reports/credentialUserRegistrationDetails", headers=AUTH)).json()
    )["value"]
    (row,) = (
        await (await client.get("/beta/reports/getCredentialUserRegistrationCount", headers=AUTH)).json()
    )["value"]
    assert row["totalUserCount"] == len(details) > 0
    flags = {
        "registered": "isRegistered",
        "enabled": "isEnabled",
        "capable": "isCapable",
        "mfaRegistered": "isMfaRegistered",
    }
    assert {c["registrationStatus"]: c["registrationCount"] for c in row["userRegistrationCounts"]} == {
        status: sum(1 for d in details if d[flag]) for status, flag in flags.items()
    }


async def test_created_registration_counts_win(client):
    """A created credentialUserRegistrationCount is what the function returns."""
    body = {
        "totalUserCount": 3,
        "userRegistrationCounts": [{"registrationStatus": "capable", "registrationCount": 2}],
    }
    created = await (
        await client.post("/beta/reports/credentialUserRegistrationCounts", json=body, headers=JSON)
    ).json()
    (row,) = (
        await (await client.get("/beta/reports/getCredentialUserRegistrationCount()", headers=AUTH)).json()
    )["value"]
    assert row == {**body, "id": created["id"]}


@pytest.mark.parametrize(
    "collection",
    [
        "/beta/reports/userCredentialUsageDetails",
        "/beta/reports/credentialUserRegistrationDetails",
        "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
    ],
)
async def test_list_and_get_by_id(client, collection):
    """Each real collection lists its objects and returns one by id, with Graph's context URLs."""
    body = await (await client.get(collection, headers=AUTH)).json()
    assert body["@odata.context"].endswith("/beta/$metadata#" + collection.removeprefix("/beta/"))
    first = body["value"][0]
    one = await client.get(f"{collection}/{first['id']}", headers=AUTH)
    assert one.status == 200
    got = await one.json()
    assert got["@odata.context"].endswith("/$entity")
    assert {k: v for k, v in got.items() if not k.startswith("@")} == first


@pytest.mark.parametrize(
    "path",
    [
        "/v1.0/reports/getCredentialUsageSummary(period='D7')",
        "/v1.0/reports/userCredentialUsageDetails",
        "/v1.0/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
    ],
)
async def test_beta_only_paths_on_v1_answer_like_graph(client, path):
    """On v1.0 the beta-only segment is a 400 'Resource not found for the segment'."""
    response = await client.get(path, headers=AUTH)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    segment = {"reports": path.split("/")[3].split("(")[0], "tenantRelationships": "managedTenants"}[
        path.split("/")[2]
    ]
    assert error["message"] == f"Resource not found for the segment '{segment}'."


async def test_summary_follows_updates_deletes_and_reset(empty):
    """The usage index is kept through PATCH, DELETE, control-plane seeding and reset."""
    now = state_of(empty).clock.now()
    body = {
        "feature": "reset",
        "authMethod": "email",
        "isSuccess": True,
        "eventDateTime": iso(now - timedelta(hours=1)),
    }
    created = [
        await (await empty.post("/beta/reports/userCredentialUsageDetails", json=body, headers=JSON)).json()
        for _ in range(3)
    ]

    async def counts() -> tuple[int, int]:
        value = (await (await empty.get(USAGE.format("D1"), headers=AUTH)).json())["value"]
        return (value[0]["successfulActivityCount"], value[0]["failureActivityCount"]) if value else (0, 0)

    assert await counts() == (3, 0)
    url = f"/beta/reports/userCredentialUsageDetails/{created[0]['id']}"
    await empty.patch(url, json={"isSuccess": False}, headers=JSON)
    assert await counts() == (2, 1)
    await empty.patch(
        f"/beta/reports/userCredentialUsageDetails/{created[1]['id']}",
        json={"eventDateTime": iso(now - timedelta(days=3))},
        headers=JSON,
    )
    assert await counts() == (1, 1)
    await empty.delete(url, headers=AUTH)
    assert await counts() == (1, 0)
    await empty.post("/_fakegraph/seed", json={"userCredentialUsageDetails": [body, body]})
    assert await counts() == (3, 0)
    await empty.post("/_fakegraph/reset")
    assert await counts() == (0, 0)
