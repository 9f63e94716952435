"""Creates may set what Graph computes (read-only properties, the id); updates may not. A chosen id that is
taken is a 409 and changes nothing. The seed's draft property names are aliases of the published ones."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.conftest import JSON, state_of

SEED_PATH = "/beta/credentialUserRegistrationsSummaries"
MANAGED = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
MANAGED_TYPE = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary"
TENANT = "38227791-5c8a-4b3e-9d2f-0a1b2c3d4e5f"

# Every writable collection of the pack, with a body a create accepts.
WRITABLE = {
    "/beta/reports/userCredentialUsageDetails": {
        "feature": "reset",
        "authMethod": "email",
        "isSuccess": True,
    },
    "/beta/reports/credentialUsageSummaries": {"feature": "registration", "successfulActivityCount": 2},
    "/beta/reports/credentialUserRegistrationCounts": {"totalUserCount": 3},
    SEED_PATH: {"tenantId": TENANT, "totalUserCount": 9},
    MANAGED: {"tenantId": TENANT, "totalUserCount": 9},
}


@pytest.mark.parametrize("path", [SEED_PATH, MANAGED])
@pytest.mark.parametrize(
    "names",
    [("tenantId", "tenantDisplayName"), ("organizationId", "organizationDisplayName")],
    ids=["published", "draft"],
)
async def test_either_spelling_is_stored_and_read_back_under_the_published_names(empty, path, names):
    """`organizationId`/`organizationDisplayName` (the seed's draft names) mean `tenantId` and
    `tenantDisplayName`; answers, lists and gets only ever show the published names."""
    tenant_key, name_key = names
    body = {tenant_key: TENANT, name_key: "Contoso", "totalUserCount": 9, "mfaRegisteredUserCount": 3}
    response = await empty.post(path, json=body, headers=JSON)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert (created["tenantId"], created["tenantDisplayName"]) == (TENANT, "Contoso")
    assert "organizationId" not in created
    assert "organizationDisplayName" not in created
    got = await (await empty.get(f"{MANAGED}/{created['id']}", headers=JSON)).json()
    assert (got["tenantId"], got["tenantDisplayName"]) == (TENANT, "Contoso")
    listed = (await (await empty.get(MANAGED, headers=JSON)).json())["value"]
    assert [(r["tenantId"], r["tenantDisplayName"]) for r in listed] == [(TENANT, "Contoso")]
    assert not {"organizationId", "organizationDisplayName"} & set(listed[0])
    stored = state_of(empty).store.get(MANAGED_TYPE, created["id"])
    assert "organizationId" not in stored


async def test_both_spellings_with_one_value_are_one_property(empty):
    """Sending the draft and the published name with the same value is not a conflict."""
    body = {"tenantId": TENANT, "organizationId": TENANT, "totalUserCount": 1}
    response = await empty.post(SEED_PATH, json=body, headers=JSON)
    assert response.status == 201
    assert (await response.json())["tenantId"] == TENANT


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"tenantId": TENANT, "organizationId": "other"}, ("organizationId", "tenantId")),
        (
            {"organizationDisplayName": "A", "tenantDisplayName": "B"},
            ("organizationDisplayName", "tenantDisplayName"),
        ),
    ],
)
async def test_both_spellings_with_different_values_is_a_400_naming_both(empty, body, named):
    """Two names of one property with two values: refused, naming both, nothing stored."""
    response = await empty.post(SEED_PATH, json=body, headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    assert all(f"'{name}'" in error["message"] for name in named)
    assert state_of(empty).store.dump() == {}


@pytest.mark.parametrize("key", ["tenantId", "organizationId", "tenantDisplayName", "id"])
async def test_patch_of_a_read_only_property_is_refused(empty, key):
    """A PATCH may not set read-only properties (whatever spelling names them); the object stays as it was."""
    created = await (await empty.post(MANAGED, json=WRITABLE[MANAGED], headers=JSON)).json()
    url = f"{MANAGED}/{created['id']}"
    before = state_of(empty).store.dump()
    response = await empty.patch(url, json={key: "changed"}, headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    assert "read-only" in error["message"]
    assert error["target"] == ("tenantId" if key == "organizationId" else key)
    assert state_of(empty).store.dump() == before


async def test_patch_of_a_writable_property_is_applied(empty):
    """What the create's documented body may set, a PATCH may change."""
    created = await (await empty.post(MANAGED, json=WRITABLE[MANAGED], headers=JSON)).json()
    url = f"{MANAGED}/{created['id']}"
    assert (await empty.patch(url, json={"totalUserCount": 12}, headers=JSON)).status == 204
    assert (await (await empty.get(url, headers=JSON)).json())["totalUserCount"] == 12


@pytest.mark.parametrize("path", list(WRITABLE))
async def test_a_create_may_choose_its_id_once(empty, path):
    """A chosen id is kept and addressable; a second create with it is a 409 in Graph's envelope and leaves
    the store as it was."""
    body: dict[str, Any] = {**WRITABLE[path], "id": "my-object-1"}
    first = await empty.post(path, json=body, headers=JSON)
    assert first.status == 201, await first.text()
    assert (await first.json())["id"] == "my-object-1"
    assert first.headers["Location"].endswith(f"{path.removeprefix('/beta')}/my-object-1")
    got = await empty.get(f"{path}/my-object-1", headers=JSON)
    assert got.status == 200
    before = state_of(empty).store.dump()
    second = await empty.post(path, json=body, headers=JSON)
    assert second.status == 409
    error = (await second.json())["error"]
    assert error["code"] == "Conflict"
    assert "my-object-1" in error["message"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert state_of(empty).store.dump() == before


@pytest.mark.parametrize("path", list(WRITABLE))
async def test_a_create_without_an_id_gets_a_new_one(empty, path):
    """Without an id, each create gets its own generated GUID."""
    ids = {(await (await empty.post(path, json=WRITABLE[path], headers=JSON)).json())["id"] for _ in range(3)}
    assert len(ids) == 3


async def test_an_id_with_reserved_characters_is_addressed_percent_encoded(empty):
    """Any string a key segment can carry is a usable id: `/` and spaces travel percent-encoded."""
    path = "/beta/reports/credentialUsageSummaries"
    created = await empty.post(path, json={"id": "a b/c?d", "feature": "reset"}, headers=JSON)
    assert created.status == 201
    got = await empty.get(f"{path}/a%20b%2Fc%3Fd", headers=JSON)
    assert got.status == 200
    assert (await got.json())["id"] == "a b/c?d"


async def test_concurrent_creates_of_one_id_store_exactly_one(empty):
    """Twenty creates racing for one id: one 201, nineteen 409s, one stored object."""
    path = "/beta/reports/credentialUsageSummaries"
    body = {"id": "raced", "feature": "reset"}
    responses = await asyncio.gather(*(empty.post(path, json=body, headers=JSON) for _ in range(20)))
    assert sorted(r.status for r in responses) == [201] + [409] * 19
    assert len(state_of(empty).store.dump()["microsoft.graph.credentialUsageSummary"]) == 1


async def test_a_create_may_set_read_only_properties(empty):
    """Read-only properties (all of the managed-tenant summary's are) can be given on create."""
    body = {
        "tenantId": TENANT,
        "lastRefreshedDateTime": "2026-01-01T00:00:00Z",
        "securityDefaultsEnabled": True,
    }
    created = await (await empty.post(MANAGED, json=body, headers=JSON)).json()
    assert created["lastRefreshedDateTime"] == "2026-01-01T00:00:00Z"
    assert created["securityDefaultsEnabled"] is True


async def test_seeding_accepts_the_draft_names_too(empty):
    """The control plane's seed stores draft names under the published ones, as a create does."""
    seeded = await empty.post(
        "/_fakegraph/seed",
        json={
            "credentialUserRegistrationsSummary": [{"organizationId": TENANT, "organizationDisplayName": "C"}]
        },
    )
    assert seeded.status == 201, await seeded.text()
    listed = (await (await empty.get(MANAGED, headers=JSON)).json())["value"]
    assert [(r["tenantId"], r["tenantDisplayName"]) for r in listed] == [(TENANT, "C")]


# The same rules on the project's own sample pack (tests/data), where `hits` is a draft name of `useCount`.
async def test_sample_pack_aliases_ids_and_read_only_rule(make_client):
    """On a pack compiled from tests/data: the draft name is stored under the published one, two values for
    one property are a 400, a chosen id is kept once and then a 409, and PATCH may not set the id."""
    from tests.conftest import DATA

    sample = await make_client(data=DATA / "compiled", dataset="empty")
    usages = "/beta/gadgets/usages"
    created = await sample.post(usages, json={"id": "g-1", "hits": 3, "kind": "small"}, headers=JSON)
    assert created.status == 201, await created.text()
    body = await created.json()
    assert (body["id"], body["useCount"]) == ("g-1", 3)
    assert "hits" not in body
    both = await sample.post(usages, json={"hits": 3, "useCount": 4}, headers=JSON)
    assert both.status == 400
    assert "'hits' and 'useCount'" in (await both.json())["error"]["message"]
    again = await sample.post(usages, json={"id": "g-1", "useCount": 1}, headers=JSON)
    assert again.status == 409
    assert [u["useCount"] for u in (await (await sample.get(usages, headers=JSON)).json())["value"]] == [3]
    patched = await sample.patch(f"{usages}/g-1", json={"id": "g-2"}, headers=JSON)
    assert patched.status == 400
    assert "read-only" in (await patched.json())["error"]["message"]
    renamed = await sample.patch(f"{usages}/g-1", json={"hits": 8}, headers=JSON)
    assert renamed.status in {200, 204}
    assert (await (await sample.get(f"{usages}/g-1", headers=JSON)).json())["useCount"] == 8


async def test_generated_ids_never_take_a_stored_objects_place(client):
    """The id stream and the default dataset share the seed: a generated id that meets a stored one is
    drawn again, so 400 creates add 400 objects and every dataset object stays as it was."""
    path = "/beta/reports/userCredentialUsageDetails"
    kind = "microsoft.graph.userCredentialUsageDetails"
    before = {o["id"]: o for o in state_of(client).store.dump()[kind]}
    body = {"feature": "reset", "authMethod": "email", "isSuccess": True, "userDisplayName": "New"}
    statuses = [(await client.post(path, json=body, headers=JSON)).status for _ in range(400)]
    assert statuses == [201] * 400
    after = {o["id"]: o for o in state_of(client).store.dump()[kind]}
    assert len(after) == len(before) + 400
    assert all(after[key] == obj for key, obj in before.items())
