"""`$expand` (ARCHITECTURE A16), `$search` and advanced queries (A17) on the project's own sample pack
(tests/data/compiled): a team's linked members and a user's contained notes inlined into lists and single
objects, with nested options; search expressions; `ConsistencyLevel` where the page documents it; bad
expansions and searches are 400s naming the problem."""

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
    assert team["members@odata.context"].endswith("/beta/$metadata#gadgetTeams('t-blue')/members")


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
        ("notes($expand=notes)", "'notes' on type 'microsoft.graph.gadgetNote'"),
        ("notes($levels=0)", "positive number or max"),
        ("notes($levels=9)", "more than 3 levels"),
        ("notes($levels=2;$expand=notes)", "not both"),
        ("notes($expand=a($expand=b($expand=c)))", "more than 3 levels"),
        ("microsoft.graph.gadgetTeam/members", "does not derive"),
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


async def test_a_nested_expansion_reads_each_level_s_navigation(tenant):
    """`members($expand=notes)`: the team's members, each with the notes created under them."""
    team = await _get(
        tenant, "/beta/gadgetTeams/t-blue?$expand=members($select=id;$expand=notes($select=text))"
    )
    notes = {m["id"]: sorted(n["text"] for n in m["notes"]) for m in team["members"]}
    assert notes == {"ana": ["first", "second"], "bo": ["his"]}
    first = team["members"][0]["id"]  # read at its own entity set: `/gadgetTeams/{id}/members/{id}` has none
    assert team["members"][0]["notes@odata.context"].endswith(f"#gadgetUsers('{first}')/notes")


async def test_a_navigation_of_a_derived_type_expands_on_its_objects_only(tenant):
    """`microsoft.graph.gadgetAdmin/notes` names the navigation through the derived type: admins get it."""
    seeded = await tenant.post(
        "/_fakegraph/seed",
        json={"microsoft.graph.gadgetAdmin": [{"id": "root", "displayName": "Root"}]},
    )
    assert seeded.status == 201
    users = await _get(tenant, "/beta/gadgetUsers?$expand=microsoft.graph.gadgetAdmin/notes")
    expanded = {u["id"] for u in users["value"] if "notes" in u}
    assert expanded == {"root"}


async def test_a_star_expands_every_navigation_of_the_type(tenant):
    bo = await _get(tenant, "/beta/gadgetUsers/bo?$expand=*")
    assert [n["text"] for n in bo["notes"]] == ["his"]


EVENTUAL = {**AUTH, "ConsistencyLevel": "eventual"}


async def _teams(client: Any) -> None:
    seeded = await client.post(
        "/_fakegraph/seed",
        json={
            "microsoft.graph.gadgetTeam": [
                {"id": "t-red", "displayName": "Red Video", "description": "Makes production videos"},
                {"id": "t-green", "displayName": "Green", "description": "Video archive"},
                {"id": "t-gold", "displayName": "Gold", "description": "Sales"},
            ]
        },
    )
    assert seeded.status == 201


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ('"displayName:video"', ["t-red"]),
        ('"description:VIDEO"', ["t-green", "t-red"]),
        ('"video"', ["t-green", "t-red"]),
        ('"displayName:video" OR "description:sales"', ["t-gold", "t-red"]),
        ('"description:video" AND "displayName:green"', ["t-green"]),
        ('"description:video" NOT "displayName:green"', ["t-red"]),
        ('("displayName:gold" OR "displayName:green") "description:archive"', ["t-green"]),
        ("gold", ["t-gold"]),
    ],
)
async def test_search_is_a_case_insensitive_contains_over_the_named_or_every_text_property(
    tenant, search, expected
):
    await _teams(tenant)
    response = await tenant.get(f"/beta/gadgetTeams?$search={quote(search)}&$count=true", headers=EVENTUAL)
    assert response.status == 200, await response.text()
    body = await _json(response)
    assert sorted(t["id"] for t in body["value"]) == expected
    assert body["@odata.count"] == len(expected)


async def test_search_and_count_need_consistency_level_where_the_page_documents_it(tenant):
    """The list page documents `ConsistencyLevel`: `$search`, `$count=true` and `/$count` without it are
    Graph's `Request_UnsupportedQuery`; the contained notes (no such header documented) count freely."""
    await _teams(tenant)
    for path in (
        '/beta/gadgetTeams?$search="gold"',
        "/beta/gadgetTeams?$count=true",
        "/beta/gadgetTeams/$count",
    ):
        refused = await tenant.get(path, headers=AUTH)
        assert refused.status == 400, path
        error = (await _json(refused))["error"]
        assert error["code"] == "Request_UnsupportedQuery"
        assert "ConsistencyLevel" in error["message"]
    counted = await tenant.get("/beta/gadgetTeams/$count", headers=EVENTUAL)
    assert (counted.status, await counted.text()) == (200, "4")
    notes = await tenant.get("/beta/gadgetUsers/ana/notes/$count", headers=AUTH)
    assert (notes.status, await notes.text()) == (200, "2")


@pytest.mark.parametrize(
    ("search", "named"),
    [
        ('"nope:x"', "'nope'"),
        ('"unclosed', "unbalanced quotes"),
        ("(gold", "not closed"),
        ("gold OR", "search term is expected"),
        ("", "no search term"),
        ("x " * 40, "more than 32"),
    ],
)
async def test_a_bad_search_is_a_400_naming_what_is_wrong(tenant, search, named):
    response = await tenant.get(f"/beta/gadgetTeams?$search={quote(search)}", headers=EVENTUAL)
    assert response.status == 400
    assert named in (await _json(response))["error"]["message"]


async def test_search_where_the_page_does_not_document_it_is_refused(tenant):
    response = await tenant.get('/beta/gadgetUsers/ana/notes?$search="first"', headers=EVENTUAL)
    assert response.status == 400
    assert "$search" in (await _json(response))["error"]["message"]


async def test_prefer_maxpagesize_pages_a_nested_collection_and_says_so(tenant):
    for n in range(5):
        created = await tenant.post("/beta/gadgetUsers/cy/notes", json={"text": f"n{n}"}, headers=JSON)
        assert created.status == 201
    seen: list[str] = []
    path = "/beta/gadgetUsers/cy/notes"
    while path:
        response = await tenant.get(path, headers={**AUTH, "Prefer": "odata.maxpagesize=2"})
        assert response.status == 200
        assert response.headers["Preference-Applied"] == "odata.maxpagesize=2"
        body = await _json(response)
        assert len(body["value"]) <= 2
        seen += [n["text"] for n in body["value"]]
        link = body.get("@odata.nextLink")
        path = "/" + link.split("://", 1)[1].split("/", 1)[1] if link else ""
    assert sorted(seen) == [f"n{n}" for n in range(5)]
