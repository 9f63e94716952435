"""`$expand` (ARCHITECTURE A16) on the project's own sample pack (tests/data/compiled): a team's linked
members and a user's contained notes inlined into lists and single objects, with nested options; bad
expansions are 400s naming the problem."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, ClientFactory

SAMPLE = DATA / "compiled"
USER = "microsoft.graph.gadgetUser"


async def _json(response: Any) -> Any:
    return json.loads(await response.text())


@pytest.fixture
async def tenant(make_client: ClientFactory) -> Any:
    """Ana, Bo and Cy; team Blue has Ana and Bo as members; Ana has two notes, Bo one."""
    client = await make_client(data=SAMPLE, dataset="empty")
    seeded = await client.post(
        "/_fakegraph/seed",
        json={
            USER: [
                {"id": "ana", "displayName": "Ana", "userPrincipalName": "ana@contoso.example"},
                {"id": "bo", "displayName": "Bo", "userPrincipalName": "bo@contoso.example"},
                {"id": "cy", "displayName": "Cy", "userPrincipalName": "cy@contoso.example"},
            ],
            "microsoft.graph.gadgetTeam": [{"id": "t-blue", "displayName": "Blue"}],
        },
    )
    assert seeded.status == 201, await seeded.text()
    for member in ("ana", "bo"):
        linked = await client.post(
            "/beta/gadgetTeams/t-blue/members/$ref",
            json={"@odata.id": f"https://graph.microsoft.com/beta/gadgetUsers/{member}"},
            headers=JSON,
        )
        assert linked.status == 204
    for user, text in (("ana", "first"), ("ana", "second"), ("bo", "his")):
        created = await client.post(f"/beta/gadgetUsers/{user}/notes", json={"text": text}, headers=JSON)
        assert created.status == 201
    return client


async def _get(client: Any, path: str) -> Any:
    response = await client.get(path, headers=AUTH)
    assert response.status == 200, await response.text()
    return await _json(response)


async def test_a_single_object_inlines_its_linked_members_with_a_nested_select(tenant):
    team = await _get(tenant, "/beta/gadgetTeams/t-blue?$expand=members($select=displayName)")
    assert team["displayName"] == "Blue"
    assert sorted(m["displayName"] for m in team["members"]) == ["Ana", "Bo"]
    assert all(set(m) <= {"id", "displayName", "@odata.type"} for m in team["members"])
    assert team["@odata.context"].endswith("/beta/$metadata#gadgetTeams(members(displayName))/$entity")


async def test_a_list_inlines_each_item_s_contained_objects(tenant):
    users = await _get(tenant, "/beta/gadgetUsers?$expand=notes&$select=displayName")
    notes = {u["id"]: sorted(n["text"] for n in u["notes"]) for u in users["value"]}
    assert notes == {"ana": ["first", "second"], "bo": ["his"], "cy": []}
    assert all({k for k in u if "@" not in k} == {"id", "displayName", "notes"} for u in users["value"])
    assert users["@odata.context"].endswith("#gadgetUsers(displayName,notes())")


async def test_nested_filter_top_orderby_and_count_apply_to_the_expanded_collection(tenant):
    ana = await _get(tenant, "/beta/gadgetUsers/ana?$expand=notes($filter=text eq 'second')")
    assert [n["text"] for n in ana["notes"]] == ["second"]
    ana = await _get(tenant, "/beta/gadgetUsers/ana?$expand=notes($orderby=text desc;$top=1;$count=true)")
    assert [n["text"] for n in ana["notes"]] == ["second"]
    assert ana["notes@odata.count"] == 2


async def test_the_next_link_keeps_the_expansion(tenant):
    first = await _get(tenant, "/beta/gadgetUsers?$top=1&$expand=notes")
    link = first["@odata.nextLink"]
    assert "$expand=notes" in link
    second = await _get(tenant, "/" + link.split("://", 1)[1].split("/", 1)[1])
    assert "notes" in second["value"][0]


async def test_an_expansion_follows_later_changes(tenant):
    unlinked = await tenant.delete("/beta/gadgetTeams/t-blue/members/bo/$ref", headers=AUTH)
    assert unlinked.status == 204
    team = await _get(tenant, "/beta/gadgetTeams/t-blue?$expand=members")
    assert [m["id"] for m in team["members"]] == ["ana"]
    deleted = await tenant.delete("/beta/gadgetUsers/ana", headers=AUTH)
    assert deleted.status == 204
    team = await _get(tenant, "/beta/gadgetTeams/t-blue?$expand=members")
    assert team["members"] == []


@pytest.mark.parametrize(
    ("expand", "named"),
    [
        ("nope", "'nope'"),
        ("displayName", "not a navigation property"),
        ("notes($expand=notes)", "only one level"),
        ("notes($levels=2)", "only one level"),
        ("notes,notes", "more than once"),
        ("notes(", "unbalanced"),
        ("notes)", "closes nothing"),
        ("notes($select=nope)", "'nope'"),
        ("notes($search=x)", "$search"),
        ("notes($top=x)", "$top"),
        ("notes(top=1)", "'$option=value'"),
        ("", "empty"),
        ("notes/microsoft.graph.gadgetTeam", "does not derive"),
        ("n" * 5000, "longer than"),
        (",".join(["notes"] * 40), "more than 32"),
    ],
)
async def test_a_bad_expansion_is_a_400_naming_what_is_wrong(tenant, expand, named):
    before = tenant.server.state.store.dump()
    response = await tenant.get(f"/beta/gadgetUsers/ana?$expand={quote(expand)}", headers=AUTH)
    assert response.status == 400, await response.text()
    assert named in (await _json(response))["error"]["message"]
    listed = await tenant.get(f"/beta/gadgetUsers?$expand={quote(expand)}", headers=AUTH)
    assert listed.status == 400
    assert tenant.server.state.store.dump() == before


async def test_a_star_expands_every_navigation_of_the_type(tenant):
    bo = await _get(tenant, "/beta/gadgetUsers/bo?$expand=*")
    assert [n["text"] for n in bo["notes"]] == ["his"]
