"""The resource model (ARCHITECTURE A15) on the project's own sample pack (tests/data/compiled): collections
below an item hold the objects created under that parent, singletons exist from the start, a documented
item implies its collection's reads, and type-cast segments restrict a collection to a derived type."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, ClientFactory

SAMPLE = DATA / "compiled"
ANA = "1f3c0000-0000-4000-8000-00000000000a"
USER = "microsoft.graph.gadgetUser"
ADMIN = "microsoft.graph.gadgetAdmin"


def _token(oid: str) -> dict[str, str]:
    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return {"Authorization": f"Bearer {part({'alg': 'none'})}.{part({'oid': oid})}.sig"}


async def _json(response: Any) -> Any:
    return json.loads(await response.text())


@pytest.fixture
async def tenant(make_client: ClientFactory) -> Any:
    """The sample pack, empty but for two users (Ana and Bo) and a team."""
    client = await make_client(data=SAMPLE, dataset="empty")
    seeded = await client.post(
        "/_fakegraph/seed",
        json={
            USER: [
                {"id": ANA, "displayName": "Ana", "userPrincipalName": "ana@contoso.example"},
                {"id": "bo", "displayName": "Bo", "userPrincipalName": "bo@contoso.example"},
            ],
            "microsoft.graph.gadgetTeam": [{"id": "t-blue", "displayName": "Blue"}],
        },
    )
    assert seeded.status == 201, await seeded.text()
    return client


async def _note(client: Any, user: str, text: str) -> str:
    response = await client.post(f"/beta/gadgetUsers/{user}/notes", json={"text": text}, headers=JSON)
    assert response.status == 201, await response.text()
    return str((await _json(response))["id"])


async def _listed(client: Any, path: str, headers: dict[str, str] = AUTH) -> list[str]:
    response = await client.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return [item["id"] for item in (await _json(response))["value"]]


async def test_a_contained_collection_holds_what_was_created_under_its_parent(tenant):
    """Notes created under Ana are listed and counted under Ana only; `/me/notes` is the signed-in user's."""
    ana_note = await _note(tenant, ANA, "mine")
    bo_note = await _note(tenant, "bo", "his")
    assert await _listed(tenant, f"/beta/gadgetUsers/{ANA}/notes") == [ana_note]
    assert await _listed(tenant, "/beta/gadgetUsers/bo@contoso.example/notes") == [bo_note]
    assert await _listed(tenant, "/beta/me/notes", _token("bo")) == [bo_note]
    counted = await tenant.get(f"/beta/gadgetUsers/{ANA}/notes/$count", headers=AUTH)
    assert (counted.status, await counted.text()) == (200, "1")
    created = await tenant.post("/beta/me/notes", json={"text": "via me"}, headers={**JSON, **_token("bo")})
    assert created.status == 201
    assert len(await _listed(tenant, "/beta/gadgetUsers/bo/notes")) == 2


async def test_a_missing_parent_is_a_404_and_creates_nothing(tenant):
    before = tenant.server.state.store.dump()
    for response in (
        await tenant.get("/beta/gadgetUsers/nobody/notes", headers=AUTH),
        await tenant.get("/beta/gadgetUsers/nobody/notes/$count", headers=AUTH),
        await tenant.post("/beta/gadgetUsers/nobody/notes", json={"text": "lost"}, headers=JSON),
    ):
        assert response.status == 404
        assert "'nobody'" in (await _json(response))["error"]["message"]
    assert tenant.server.state.store.dump() == before


async def test_deleting_a_parent_deletes_what_it_contains(tenant):
    """Bo goes, and his notes with him; Ana's stay."""
    ana_note = await _note(tenant, ANA, "mine")
    bo_note = await _note(tenant, "bo", "his")
    deleted = await tenant.delete("/beta/gadgetUsers/bo", headers=AUTH)
    assert deleted.status == 204
    assert (await tenant.get(f"/beta/gadgetUsers/bo/notes/{bo_note}", headers=AUTH)).status == 404
    assert tenant.server.state.store.count("microsoft.graph.gadgetNote") == 1
    assert await _listed(tenant, f"/beta/gadgetUsers/{ANA}/notes") == [ana_note]


async def test_a_documented_item_implies_its_collection(tenant):
    """Only `GET /gadgetUsers/{id}` (and a delete) is documented: the collection lists and counts, and is
    not writable."""
    assert sorted(await _listed(tenant, "/beta/gadgetUsers")) == sorted([ANA, "bo"])
    counted = await tenant.get("/beta/gadgetUsers/$count", headers=AUTH)
    assert await counted.text() == "2"
    refused = await tenant.post("/beta/gadgetUsers", json={"displayName": "X"}, headers=JSON)
    assert refused.status == 405


async def test_a_singleton_starts_as_documented_and_keeps_its_changes(make_client):
    """`/gadgetSettings` exists before anyone writes it (its documented get example), takes a PATCH, and is
    back to its documented state after a reset; a bad PATCH changes nothing."""
    client = await make_client(data=SAMPLE, dataset="empty")
    first = await _json(await client.get("/beta/gadgetSettings", headers=AUTH))
    assert (first["theme"], first["retentionDays"]) == ("dark", 30)
    patched = await client.patch("/beta/gadgetSettings", json={"retentionDays": 7}, headers=JSON)
    assert patched.status == 204
    bad = await client.patch("/beta/gadgetSettings", json={"retentionDays": "many"}, headers=JSON)
    assert bad.status == 400
    assert "retentionDays" in (await _json(bad))["error"]["message"]
    again = await _json(await client.get("/beta/gadgetSettings", headers=AUTH))
    assert (again["theme"], again["retentionDays"]) == ("dark", 7)
    assert (await client.post("/_fakegraph/reset")).status == 204
    assert (await _json(await client.get("/beta/gadgetSettings", headers=AUTH)))["retentionDays"] == 30


async def test_type_cast_segments_restrict_a_collection_to_a_derived_type(tenant):
    """A gadgetAdmin is a gadgetUser: `/gadgetUsers` lists it, every item saying its type (the collection is
    polymorphic), and a cast segment lists and counts only admins, on an entity set and on a reference
    navigation."""
    store = tenant.server.state.store
    store.insert(ADMIN, "root", {"id": "root", "displayName": "Root", "adminLevel": 3})
    users = await _json(await tenant.get("/beta/gadgetUsers", headers=AUTH))
    typed = {u["id"]: u.get("@odata.type") for u in users["value"]}
    assert typed == {ANA: "#" + USER, "bo": "#" + USER, "root": "#" + ADMIN}  # a polymorphic collection
    assert await _listed(tenant, f"/beta/gadgetUsers/{ADMIN}") == ["root"]
    for key in ("root", "bo"):
        linked = await tenant.post(
            "/beta/gadgetTeams/t-blue/members/$ref",
            json={"@odata.id": f"https://graph.microsoft.com/beta/gadgetUsers/{key}"},
            headers=JSON,
        )
        assert linked.status == 204, await linked.text()
    assert sorted(await _listed(tenant, "/beta/gadgetTeams/t-blue/members")) == ["bo", "root"]
    assert await _listed(tenant, f"/beta/gadgetTeams/t-blue/members/{ADMIN}") == ["root"]
    counted = await tenant.get(f"/beta/gadgetTeams/t-blue/members/{ADMIN}/$count", headers=AUTH)
    assert await counted.text() == "1"


async def test_a_cast_to_an_unrelated_type_or_on_an_item_is_a_400(tenant):
    wrong = await tenant.get("/beta/gadgetUsers/microsoft.graph.gadgetNote", headers=AUTH)
    assert wrong.status == 400
    assert "microsoft.graph.gadgetNote" in (await _json(wrong))["error"]["message"]
    item = await tenant.get(f"/beta/gadgetUsers/bo/{ADMIN}", headers=AUTH)
    assert item.status == 400


async def test_alternate_keys_address_an_item_by_one_of_its_properties(tenant):
    """`/gadgetUsers(userPrincipalName='...')` and `/gadgetTeams/displayName=Blue` address the object whose
    property holds that value, also as the parent of a contained collection or reference navigation."""
    bo_note = await _note(tenant, "bo", "his")
    by_call = await _json(
        await tenant.get("/beta/gadgetUsers(userPrincipalName='bo@contoso.example')", headers=AUTH)
    )
    assert (by_call["id"], by_call["displayName"]) == ("bo", "Bo")
    notes = "/beta/gadgetUsers(userPrincipalName='bo@contoso.example')/notes"
    assert await _listed(tenant, notes) == [bo_note]
    linked = await tenant.post(
        "/beta/gadgetTeams/displayName=Blue/members/$ref",
        json={"@odata.id": "https://graph.microsoft.com/beta/gadgetUsers/bo"},
        headers=JSON,
    )
    assert linked.status == 204, await linked.text()
    assert await _listed(tenant, "/beta/gadgetTeams/t-blue/members") == ["bo"]


async def test_an_alternate_key_no_object_has_is_a_404_and_an_unknown_property_unrouted(tenant):
    missing = await tenant.get("/beta/gadgetUsers(displayName='Nobody')", headers=AUTH)
    assert missing.status == 404
    assert "displayName='Nobody'" in (await _json(missing))["error"]["message"]
    unknown = await tenant.get("/beta/gadgetUsers(colour='red')", headers=AUTH)
    assert unknown.status == 400
    assert "Resource not found for the segment" in (await _json(unknown))["error"]["message"]


async def test_a_nested_collection_answers_with_its_context_keyed_as_odata_writes_it(tenant):
    """`@odata.context` names the parent by its key (`gadgetUsers('bo')/notes`), never a `{id}` template."""
    await _note(tenant, "bo", "his")
    listed = await _json(await tenant.get("/beta/gadgetUsers/bo/notes", headers=AUTH))
    assert listed["@odata.context"].endswith("/beta/$metadata#gadgetUsers('bo')/notes")
    members = await _json(await tenant.get("/beta/gadgetTeams/t-blue/members", headers=AUTH))
    assert members["@odata.context"].endswith("/beta/$metadata#gadgetTeams('t-blue')/members")


async def test_a_path_is_typed_by_the_navigation_it_walks_not_by_the_page_s_first_link(tenant):
    """The delete page of `/gadgetUsers/{id}/notes/{note-id}` names gadgetUser first (its compiled type):
    the path walks gadgetUser's `notes` to a gadgetNote, so the note goes and the user stays."""
    ops = json.loads((SAMPLE / "fixtures" / "beta" / "operations.json").read_text())["operations"]
    page = next(o for o in ops if o["name"] == "remove_note_from_gadgetUser")
    assert page["entityType"] == USER
    note = await _note(tenant, "bo", "his")
    deleted = await tenant.delete(f"/beta/gadgetUsers/bo/notes/{note}", headers=AUTH)
    assert deleted.status == 204
    assert await _listed(tenant, "/beta/gadgetUsers/bo/notes") == []
    assert (await tenant.get("/beta/gadgetUsers/bo", headers=AUTH)).status == 200


async def test_a_long_dotted_segment_is_no_cast_and_no_server_error(tenant):
    """A dotted segment too long for any type name (a file name limit once made it a 500)."""
    response = await tenant.get("/beta/gadgetUsers/" + "a." * 600, headers=AUTH)
    assert response.status == 404


async def test_a_cast_goes_last_or_before_count(tenant):
    late = await tenant.get(f"/beta/gadgetTeams/t-blue/members/$count/{ADMIN}", headers=AUTH)
    assert late.status == 400


async def test_links_read_their_parent_and_name_objects_on_this_server(tenant):
    linked = await tenant.post(
        "/beta/gadgetTeams/t-blue/members/$ref",
        json={"@odata.id": "https://graph.microsoft.com/beta/gadgetUsers/bo"},
        headers=JSON,
    )
    assert linked.status == 204
    links = await _json(await tenant.get("/beta/gadgetTeams/t-blue/members/$ref", headers=AUTH))
    assert links["@odata.context"].endswith("/beta/$metadata#Collection($ref)")
    assert [link["@odata.id"].rsplit("/", 1)[-1] for link in links["value"]] == ["bo"]
    missing = await tenant.get("/beta/gadgetTeams/nope/members/$ref", headers=AUTH)
    assert missing.status == 404


async def test_a_created_object_s_location_names_its_parent_by_key(tenant):
    response = await tenant.post("/beta/gadgetUsers/bo/notes", json={"text": "x"}, headers=JSON)
    created = await _json(response)
    assert response.headers["Location"].endswith(f"/beta/gadgetUsers('bo')/notes/{created['id']}")


async def test_a_key_two_types_share_keeps_each_link_to_its_own_type(tenant):
    """A note created with the id of a linked user neither shows up as the member nor takes the user's
    link with it when deleted."""
    await tenant.post(
        "/beta/gadgetTeams/t-blue/members/$ref",
        json={"@odata.id": "https://graph.microsoft.com/beta/gadgetUsers/bo"},
        headers=JSON,
    )
    clash = await tenant.post(
        f"/beta/gadgetUsers/{ANA}/notes", json={"id": "bo", "text": "clash"}, headers=JSON
    )
    assert clash.status == 201
    members = await _json(await tenant.get("/beta/gadgetTeams/t-blue/members", headers=AUTH))
    assert [(m["id"], m.get("displayName")) for m in members["value"]] == [("bo", "Bo")]
    assert (await tenant.delete(f"/beta/gadgetUsers/{ANA}/notes/bo", headers=AUTH)).status == 204
    assert await (await tenant.get("/beta/gadgetTeams/t-blue/members/$count", headers=AUTH)).text() == "1"


async def test_a_state_dump_loaded_back_keeps_links_and_what_lives_under_each_parent(tenant):
    """`GET /_fakegraph/state` carries the links and containment (`@fakegraph.relations`); `PUT` of that
    dump gives the same lists back. Relations of a wrong shape are a 400 and change nothing."""
    ana_note, bo_note = await _note(tenant, ANA, "mine"), await _note(tenant, "bo", "his")
    await tenant.post(
        "/beta/gadgetTeams/t-blue/members/$ref",
        json={"@odata.id": "https://graph.microsoft.com/beta/gadgetUsers/bo"},
        headers=JSON,
    )
    dump = await _json(await tenant.get("/_fakegraph/state"))
    assert (await tenant.put("/_fakegraph/state", json={})).status == 204
    assert (await tenant.put("/_fakegraph/state", json=dump)).status == 204
    assert await _listed(tenant, f"/beta/gadgetUsers/{ANA}/notes") == [ana_note]
    assert await _listed(tenant, "/beta/gadgetUsers/bo/notes") == [bo_note]
    assert await _listed(tenant, "/beta/gadgetTeams/t-blue/members") == ["bo"]
    assert await _json(await tenant.get("/_fakegraph/state")) == dump
    bad = {**dump, "@fakegraph.relations": {"links": [{"navigation": 3}], "contained": []}}
    refused = await tenant.put("/_fakegraph/state", json=bad)
    assert refused.status == 400
    assert "@fakegraph.relations" in (await _json(refused))["error"]["message"]
    assert await _json(await tenant.get("/_fakegraph/state")) == dump


async def test_a_type_documented_with_etags_answers_with_one_that_follows_its_content(tenant):
    """The notes list page shows an `@odata.etag`: notes answer with one, in lists and alone, the same for
    the same content and another after a change; other types carry none."""
    note = await _note(tenant, "bo", "his")
    alone = await _json(await tenant.get(f"/beta/gadgetUsers/bo/notes/{note}", headers=AUTH))
    listed = await _json(await tenant.get("/beta/gadgetUsers/bo/notes", headers=AUTH))
    assert alone["@odata.etag"].startswith('W/"')
    assert listed["value"][0]["@odata.etag"] == alone["@odata.etag"]
    selected = await _json(await tenant.get("/beta/gadgetUsers/bo/notes?$select=text", headers=AUTH))
    assert selected["value"][0]["@odata.etag"] == alone["@odata.etag"]  # of the object, not of the view
    one = await _json(await tenant.get(f"/beta/gadgetUsers/bo/notes/{note}?$select=id", headers=AUTH))
    assert one["@odata.etag"] == alone["@odata.etag"]
    patched = await tenant.patch(f"/beta/gadgetUsers/bo/notes/{note}", json={"pinned": True}, headers=JSON)
    assert patched.status == 204
    after = await _json(await tenant.get(f"/beta/gadgetUsers/bo/notes/{note}", headers=AUTH))
    assert after["@odata.etag"] != alone["@odata.etag"]
    assert "@odata.etag" not in await _json(await tenant.get("/beta/gadgetUsers/bo", headers=AUTH))


async def test_an_item_below_a_parent_is_that_parent_s(tenant):
    """Bo's note is not read, changed or deleted through Ana, nor through a user that does not exist."""
    bo_note = await _note(tenant, "bo", "his")
    for method in ("GET", "DELETE"):
        for parent in (ANA, "nobody"):
            response = await tenant.request(
                method, f"/beta/gadgetUsers/{parent}/notes/{bo_note}", headers=AUTH
            )
            assert response.status == 404, (method, parent)
    patched = await tenant.patch(f"/beta/gadgetUsers/{ANA}/notes/{bo_note}", json={"text": "x"}, headers=JSON)
    assert patched.status == 404
    mine = await _json(await tenant.get(f"/beta/gadgetUsers/bo/notes/{bo_note}", headers=AUTH))
    assert mine["text"] == "his"


async def test_loaded_links_name_stored_objects_once(tenant):
    """Links in a loaded dump to or from objects not stored are dropped, and a target given twice (or in
    two entries for one parent) is one link: one unlink removes it."""
    dump = await _json(await tenant.get("/_fakegraph/state"))
    navigation = "/gadgetteams/{}/members"
    dump["@fakegraph.relations"]["links"] = [
        {"navigation": navigation, "parent": "t-blue", "targets": ["bo", "bo", "ghost"]},
        {"navigation": navigation, "parent": "t-blue", "targets": ["bo"]},
        {"navigation": navigation, "parent": "no-team", "targets": ["bo"]},
    ]
    assert (await tenant.put("/_fakegraph/state", json=dump)).status == 204
    links = (await _json(await tenant.get("/_fakegraph/state")))["@fakegraph.relations"]["links"]
    assert links == [{"navigation": navigation, "parent": "t-blue", "targets": ["bo"]}]
    assert (await tenant.delete("/beta/gadgetTeams/t-blue/members/bo/$ref", headers=AUTH)).status == 204
    assert await _listed(tenant, "/beta/gadgetTeams/t-blue/members") == []
