"""Actions with effects (ARCHITECTURE A19) on the shipped pack (all of graph-docs) over plain HTTP: the
membership actions its pages document compute from the `members` links (groups, directory roles,
administrative units), a draft sent with `message: send` lands in Sent Items, and deleted items are kept in
the version whose pages document them (beta's list) and only there."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.integration.conftest import AUTH, JSON, ClientFactory, state_of

NOW = "2026-01-01T00:00:00Z"


@pytest.fixture
async def api(make_client: ClientFactory) -> TestClient[Any, Any]:
    return await make_client()  # the shipped pack and its sample tenant


async def _post(api: TestClient[Any, Any], path: str, body: Any, status: int = 201) -> Any:
    response = await api.post(path, json=body, headers=JSON)
    assert response.status == status, await response.text()
    return await response.json() if response.content_length else None


async def _user(api: TestClient[Any, Any], name: str) -> str:
    body = {
        "accountEnabled": True,
        "displayName": name,
        "mailNickname": name.lower(),
        "userPrincipalName": f"{name.lower()}@contoso.example",
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d", "forceChangePasswordNextSignIn": False},
    }
    return str((await _post(api, "/v1.0/users", body))["id"])


async def _group(api: TestClient[Any, Any], name: str, *, security: bool) -> str:
    body = {
        "displayName": name,
        "mailEnabled": False,
        "mailNickname": name.lower(),
        "securityEnabled": security,
    }
    return str((await _post(api, "/v1.0/groups", body))["id"])


async def _link(api: TestClient[Any, Any], navigation: str, member: str) -> None:
    body = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{member}"}
    await _post(api, f"/v1.0/{navigation}/$ref", body, 204)


async def _ids(api: TestClient[Any, Any], path: str, body: Any) -> list[str]:
    answer = await _post(api, path, body, 200)
    assert answer["@odata.context"].endswith("$metadata#Collection(Edm.String)")
    return sorted(answer["value"])


async def test_membership_actions_read_groups_roles_and_units_from_the_links(api):
    """A user in a security group nested in a Microsoft 365 group, in a directory role through that group,
    and in an administrative unit: each v1.0 membership action its pages document answers from the links."""
    ann = await _user(api, "Ann")
    team, everyone = await _group(api, "Team", security=True), await _group(api, "All", security=False)
    role = {"id": "r-1", "displayName": "Helpdesk", "roleTemplateId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}
    seeded = await api.post("/_fakegraph/seed", json={"directoryRole": [role]}, headers=JSON)
    assert seeded.status == 201, await seeded.text()
    unit = "7a3dc8f3-b3a0-4164-9a99-ed36f3af039f"  # an administrative unit of the sample tenant
    await _link(api, f"groups/{team}/members", ann)
    await _link(api, f"groups/{everyone}/members", team)
    await _link(api, "directoryRoles/r-1/members", team)
    await _link(api, f"directory/administrativeUnits/{unit}/members", ann)
    every = {"securityEnabledOnly": False}
    assert await _ids(api, f"/v1.0/users/{ann}/getMemberGroups", every) == sorted([team, everyone])
    assert await _ids(api, f"/v1.0/users/{ann}/getMemberGroups", {"securityEnabledOnly": True}) == [team]
    assert await _ids(api, f"/v1.0/groups/{team}/getMemberObjects", every) == sorted([everyone, "r-1"])
    assert await _ids(api, f"/v1.0/directoryObjects/{ann}/getMemberGroups", every) == sorted([team, everyone])
    asked = {"ids": [everyone, role["roleTemplateId"], unit, "not-a-group"]}
    assert await _ids(api, f"/v1.0/users/{ann}/checkMemberObjects", asked) == sorted(asked["ids"][:3])
    assert await _ids(api, f"/beta/users/{ann}/checkMemberGroups", {"groupIds": [everyone, unit]}) == [
        everyone
    ]


async def test_a_draft_sent_with_message_send_lands_in_sent_items(api):
    ann = await _user(api, "Ann")
    draft = {
        "subject": "Figures",
        "toRecipients": [{"emailAddress": {"address": "someone@fabrikam.example"}}],
        "isDraft": True,
    }
    made = await _post(api, f"/v1.0/users/{ann}/mailFolders/Drafts/messages", draft)
    response = await api.post(f"/v1.0/users/{ann}/messages/{made['id']}/send", headers=AUTH)
    assert (response.status, await response.read()) == (202, b"")
    listed = await api.get(f"/v1.0/users/{ann}/mailFolders/sentitems/messages", headers=AUTH)
    (sent,) = [m for m in (await listed.json())["value"] if m["id"] == made["id"]]  # and the sample's
    assert (sent["id"], sent["isDraft"], sent["sentDateTime"]) == (made["id"], False, NOW)
    drafts = await api.get(f"/v1.0/users/{ann}/mailFolders/drafts/messages", headers=AUTH)
    assert made["id"] not in [m["id"] for m in (await drafts.json())["value"]]


async def test_deleted_items_are_kept_only_where_the_version_documents_them(api):
    """Beta documents `/directory/deletedItems/microsoft.graph.group` (v1.0 does not): a group deleted
    through beta is listed there; one deleted through v1.0 is gone for good."""
    kept, gone = await _group(api, "Kept", security=True), await _group(api, "Gone", security=True)
    assert (await api.delete(f"/beta/groups/{kept}", headers=AUTH)).status == 204
    assert (await api.delete(f"/v1.0/groups/{gone}", headers=AUTH)).status == 204
    listed = await api.get("/beta/directory/deletedItems/microsoft.graph.group", headers=AUTH)
    assert listed.status == 200
    body = await listed.json()
    assert [(g["id"], g["deletedDateTime"], g["@odata.type"]) for g in body["value"]] == [
        (kept, NOW, "#microsoft.graph.group")
    ]
    assert state_of(api).store.binned(["microsoft.graph.group"])[0][1]["displayName"] == "Kept"
    elsewhere = await api.get("/v1.0/directory/deletedItems/microsoft.graph.group", headers=AUTH)
    assert elsewhere.status == 400  # not a v1.0 path in these pages
