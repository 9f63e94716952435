"""The resource model on the shipped pack (all of graph-docs): what a newcomer's first requests meet."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.conftest import AUTH


async def _json(response: Any) -> Any:
    return json.loads(await response.text())


async def test_a_newcomer_s_first_requests_answer_with_data(client):
    """`GET /v1.0/users` lists users, `/v1.0/me` is a documented user, and a group's members read."""
    users = await client.get("/v1.0/users?$top=3&$select=id,displayName", headers=AUTH)
    assert users.status == 200
    assert len((await _json(users))["value"]) == 3
    me = await _json(await client.get("/v1.0/me", headers=AUTH))
    assert me["displayName"]
    assert me["userPrincipalName"]
    groups = await _json(await client.get("/v1.0/groups?$top=1", headers=AUTH))
    members = await client.get(f"/v1.0/groups/{groups['value'][0]['id']}/members", headers=AUTH)
    assert members.status == 200


async def test_a_singleton_below_an_item_needs_the_item(client):
    """`/users/{id}/mailboxSettings` exists for a user that exists, and is a 404 for one that does not."""
    me = await _json(await client.get("/v1.0/me", headers=AUTH))
    assert (await client.get(f"/v1.0/users/{me['id']}/mailboxSettings", headers=AUTH)).status == 200
    missing = await client.get("/v1.0/users/nobody/mailboxSettings", headers=AUTH)
    assert missing.status == 404
    assert "'nobody'" in (await _json(missing))["error"]["message"]


async def test_a_navigation_to_a_top_level_type_does_not_list_the_whole_set(client):
    """`/me/manager` reads directoryObjects, which derive into users that `/users` serves: it lists what
    is linked or created there, not every directory object of the tenant."""
    manager = await _json(await client.get("/v1.0/me/manager", headers=AUTH))
    assert manager["value"] == []


async def test_a_delete_documented_as_accepted_answers_202(client):
    """The deployment delete page documents `202 Accepted` (an asynchronous delete): that is the answer,
    and the object is gone."""
    listed = await _json(await client.get("/beta/admin/windows/updates/deployments", headers=AUTH))
    key = listed["value"][0]["id"]
    deleted = await client.delete(f"/beta/admin/windows/updates/deployments/{key}", headers=AUTH)
    assert deleted.status == 202
    assert (await client.get(f"/beta/admin/windows/updates/deployments/{key}", headers=AUTH)).status == 404


async def test_items_of_a_polymorphic_collection_say_their_type(client):
    """`/me/authentication/methods` holds authenticationMethods of several derived types: every item says
    its type, the declared one included, as Graph's answers do for such collections."""
    page = await _json(await client.get("/beta/me/authentication/methods", headers=AUTH))
    types = [item["@odata.type"] for item in page["value"]]
    assert "#microsoft.graph.authenticationMethod" in types
    assert len(set(types)) > 1
