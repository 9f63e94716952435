"""Writes documented by the seed pages, and the generic item endpoints of every writable collection."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.integration.conftest import AUTH, JSON

GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
CREATES = {
    "/beta/reports/credentialUsageSummaries": {
        "feature": "registration",
        "authMethod": "fido",
        "successfulActivityCount": 5,
        "failureActivityCount": 1,
    },
    "/beta/reports/userCredentialUsageDetails": {
        "feature": "reset",
        "authMethod": "email",
        "isSuccess": False,
        "failureReason": "Timed out",
        "userPrincipalName": "kim@contoso.com",
        "userDisplayName": "Kim",
        "eventDateTime": "2025-12-30T10:00:00Z",
    },
    "/beta/credentialUserRegistrationsSummaries": {
        "tenantId": "38227791-2e4a-4b8d-9f4c-1a2b3c4d5e6f",
        "tenantDisplayName": "Contoso",
        "totalUserCount": 10,
        "mfaRegisteredUserCount": 4,
        "securityDefaultsEnabled": True,
    },
    "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries": {
        "tenantId": "org-2",
        "totalUserCount": 3,
    },
    "/beta/reports/credentialUserRegistrationCounts": {
        "totalUserCount": 4,
        "userRegistrationCounts": [{"registrationStatus": "registered", "registrationCount": 3}],
    },
}


@pytest.mark.parametrize(("collection", "body"), CREATES.items())
async def test_create_answers_201_with_a_guid_and_the_object(empty, collection, body):
    """Each documented create answers 201 with a generated GUID, the object, and its Location."""
    response = await empty.post(collection, json=body, headers=JSON)
    assert response.status == 201
    created = await response.json()
    assert GUID.match(created["id"])
    assert {k: created[k] for k in body} == body
    assert response.headers["Location"].endswith(f"{collection}/{created['id']}")
    listed = (await (await empty.get(collection, headers=AUTH)).json())["value"]
    assert [item["id"] for item in listed] == [created["id"]]


async def test_both_managed_tenant_paths_share_one_collection(empty):
    """The seed's path and the real managedTenants path are one collection."""
    a = CREATES["/beta/credentialUserRegistrationsSummaries"]
    created = await (
        await empty.post("/beta/credentialUserRegistrationsSummaries", json=a, headers=JSON)
    ).json()
    real = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
    assert (await empty.get(f"{real}/{created['id']}", headers=AUTH)).status == 200


async def test_documented_patch_answers_200_with_the_merged_object(empty):
    """PATCH on credentialUsageSummary answers 200 with the updated object; untouched properties stay."""
    body = CREATES["/beta/reports/credentialUsageSummaries"]
    created = await (
        await empty.post("/beta/reports/credentialUsageSummaries", json=body, headers=JSON)
    ).json()
    url = f"/beta/reports/credentialUsageSummaries/{created['id']}"
    response = await empty.patch(url, json={"failureActivityCount": 9}, headers=JSON)
    assert response.status == 200
    updated = await response.json()
    assert updated["failureActivityCount"] == 9
    assert updated["successfulActivityCount"] == 5
    assert (await (await empty.get(url, headers=AUTH)).json())["failureActivityCount"] == 9


async def test_undocumented_patch_answers_204_and_merges(empty):
    """Where no 200 is documented, PATCH answers 204; GET shows the merge."""
    body = CREATES["/beta/reports/userCredentialUsageDetails"]
    created = await (
        await empty.post("/beta/reports/userCredentialUsageDetails", json=body, headers=JSON)
    ).json()
    url = f"/beta/reports/userCredentialUsageDetails/{created['id']}"
    response = await empty.patch(url, json={"isSuccess": True, "failureReason": None}, headers=JSON)
    assert response.status == 204
    assert await response.read() == b""
    got = await (await empty.get(url, headers=AUTH)).json()
    assert (got["isSuccess"], got["failureReason"], got["userDisplayName"]) == (True, None, "Kim")


async def test_patch_with_unknown_future_value_leaves_the_property_unchanged(empty):
    """In a PATCH, `unknownFutureValue` means "leave as is" (Graph's evolvable-enum rule)."""
    body = CREATES["/beta/reports/credentialUsageSummaries"]
    created = await (
        await empty.post("/beta/reports/credentialUsageSummaries", json=body, headers=JSON)
    ).json()
    url = f"/beta/reports/credentialUsageSummaries/{created['id']}"
    updated = await (await empty.patch(url, json={"feature": "unknownFutureValue"}, headers=JSON)).json()
    assert updated["feature"] == "registration"


async def test_delete_then_get_is_404(empty):
    """DELETE answers 204; the object is gone afterwards (GET, PATCH and DELETE are 404)."""
    body = CREATES["/beta/reports/credentialUserRegistrationCounts"]
    created = await (
        await empty.post("/beta/reports/credentialUserRegistrationCounts", json=body, headers=JSON)
    ).json()
    url = f"/beta/reports/credentialUserRegistrationCounts/{created['id']}"
    assert (await empty.delete(url, headers=AUTH)).status == 204
    for method in ("GET", "DELETE"):
        response = await empty.request(method, url, headers=AUTH)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "Request_ResourceNotFound"
    assert (await empty.patch(url, json={"totalUserCount": 1}, headers=JSON)).status == 404


async def test_ids_are_deterministic_under_a_seed(make_client):
    """The same seed gives the same ids in the same order; another seed gives others."""

    async def ids(seed: int) -> list[str]:
        client = await make_client(dataset="empty", seed=seed)
        out = []
        for _ in range(3):
            body = CREATES["/beta/reports/credentialUsageSummaries"]
            out.append(
                (
                    await (
                        await client.post("/beta/reports/credentialUsageSummaries", json=body, headers=JSON)
                    ).json()
                )["id"]
            )
        return out

    first, again, other = await ids(5), await ids(5), await ids(6)
    assert first == again
    assert first != other
    assert all(uuid.UUID(i).version == 4 for i in first)


async def test_read_only_collections_refuse_writes(client):
    """credentialUserRegistrationDetails is read-only in Graph: POST is a 405 naming the allowed methods."""
    response = await client.post("/beta/reports/credentialUserRegistrationDetails", json={}, headers=JSON)
    assert response.status == 405
    assert response.headers["Allow"] == "GET"
