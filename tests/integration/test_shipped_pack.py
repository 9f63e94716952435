"""The resource model on the shipped pack (all of graph-docs): what a newcomer's first requests meet."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.integration.conftest import AUTH, JSON


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


def _creates(state: Any) -> list[tuple[str, str]]:
    """(version, path) of every keyless collection the shipped pack takes creates at."""
    found = []
    for version, routes in state.router.routes.items():
        for route in routes:
            create = route.endpoints.get("POST")
            if create is not None and create.kind == "create" and "{" not in route.template:
                found.append((version, route.template))
    return found


async def test_a_bad_body_is_a_400_naming_the_property_and_changes_nothing_on_every_collection(client):
    """Over every keyless collection of the shipped pack that takes creates (both versions): an unknown
    property is a 400 naming it (but on an open type), a body that is not JSON a 400, and neither changes
    the store."""
    state = client.server.state
    creates = _creates(state)
    assert len(creates) > 100
    before = state.store.dump()
    checked = 0
    for version, template in creates:
        url = f"/{version}{template}"
        entity = (
            state.router.resolve(version, template.strip("/").split("/")).route.endpoints["POST"].entity_type
        )
        schema = state.catalogue.schema(version, entity) or {}
        if schema.get("additionalProperties") is False:  # an open type takes properties it does not declare
            checked += 1
            unknown = await client.post(url, json={"notAPropertyOfAnyType": 1}, headers=JSON)
            assert unknown.status == 400, url
            assert "notAPropertyOfAnyType" in (await _json(unknown))["error"]["message"], url
        broken = await client.post(url, data=b'{"displayName": ', headers=JSON)
        assert broken.status == 400, url
    assert checked > 80
    assert state.store.dump() == before


async def test_users_and_groups_over_plain_http(client):
    """The v1.0 users-and-groups scenario without an SDK: create, read by id and by userPrincipalName,
    filter and page with nextLinks, patch, link into a group, list, unlink, delete (the link goes)."""
    user = {
        "accountEnabled": True,
        "displayName": "Megan Bowen",
        "mailNickname": "meganb",
        "userPrincipalName": "MeganB@contoso.example",
        "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"},
    }
    created = await client.post("/v1.0/users", json=user, headers=JSON)
    assert created.status == 201
    megan = (await _json(created))["id"]
    assert created.headers["Location"].endswith(f"/v1.0/users/{megan}")
    for key in (megan, "meganb@contoso.example"):
        assert (await _json(await client.get(f"/v1.0/users/{key}", headers=AUTH)))["id"] == megan
    found = await _json(await client.get("/v1.0/users?$filter=startswith(displayName,'Megan')", headers=AUTH))
    assert [u["id"] for u in found["value"]] == [megan]
    seen: list[str] = []
    url: str | None = "/v1.0/users?$top=2&$select=id"
    while url:
        page = await _json(await client.get(url, headers=AUTH))
        seen += [u["id"] for u in page["value"]]
        url = page.get("@odata.nextLink", "").split(str(client.make_url("")), 1)[-1] or None
    assert sorted(seen) == sorted(u["id"] for u in client.server.state.store.all("microsoft.graph.user"))
    patched = await client.patch(f"/v1.0/users/{megan}", json={"jobTitle": "Marketing"}, headers=JSON)
    assert patched.status == 200  # as documented: the pack's only v1.0 user update page answers 200
    assert (await _json(await client.get(f"/v1.0/users/{megan}", headers=AUTH)))["jobTitle"] == "Marketing"
    group = {"displayName": "Sales", "mailEnabled": False, "mailNickname": "sales", "securityEnabled": True}
    sales = (await _json(await client.post("/v1.0/groups", json=group, headers=JSON)))["id"]
    link = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{megan}"}
    assert (await client.post(f"/v1.0/groups/{sales}/members/$ref", json=link, headers=JSON)).status == 204
    members = await _json(await client.get(f"/v1.0/groups/{sales}/members", headers=AUTH))
    assert [(m["id"], m["@odata.type"]) for m in members["value"]] == [(megan, "#microsoft.graph.user")]
    assert (await client.delete(f"/v1.0/groups/{sales}/members/{megan}/$ref", headers=AUTH)).status == 204
    assert (await _json(await client.get(f"/v1.0/groups/{sales}/members", headers=AUTH)))["value"] == []
    assert (await client.post(f"/v1.0/groups/{sales}/members/$ref", json=link, headers=JSON)).status == 204
    assert (await client.delete(f"/v1.0/users/{megan}", headers=AUTH)).status == 204
    assert (await client.get(f"/v1.0/groups/{sales}/members/$count", headers=AUTH)).status == 200
    assert await (await client.get(f"/v1.0/groups/{sales}/members/$count", headers=AUTH)).text() == "0"


async def test_items_only_a_delete_page_documents_are_read_as_their_path_walks(client):
    """`/subscriptions/{id}` has only a delete page, and a walk types it: the collection lists and the item
    reads. `/chats/{id}/tabs/{id}` no walk types: its delete takes the type its read documents (a tab), so
    a tab's delete never removes a chat, and a chat that does not exist is a 404."""
    assert (await client.get("/v1.0/subscriptions", headers=AUTH)).status == 200
    routes = {r.template: r for r in client.server.state.router.routes["v1.0"]}
    tab = routes["/chats/{chat-id}/tabs/{tab-id}"].endpoints
    assert tab["DELETE"].entity_type == tab["GET"].entity_type == "microsoft.graph.teamsTab"
    chats = client.server.state.store.count("microsoft.graph.chat")
    some_chat = client.server.state.store.first("microsoft.graph.chat")
    missing = await client.delete(f"/v1.0/chats/no-such-chat/tabs/{some_chat}", headers=AUTH)
    assert missing.status == 404
    assert client.server.state.store.count("microsoft.graph.chat") == chats


async def test_a_created_collection_item_reads_back_at_its_item_route(client):
    """`POST /sites/{id}/lists` (its page names a site first) creates a list that `GET .../lists/{id}`
    reads and `/$count` counts as a list."""
    site = client.server.state.store.first("microsoft.graph.site")
    created = await client.post(f"/v1.0/sites/{site}/lists", json={"displayName": "Books"}, headers=JSON)
    assert created.status == 201
    key = (await _json(created))["id"]
    read = await _json(await client.get(f"/v1.0/sites/{site}/lists/{key}", headers=AUTH))
    assert (read["@odata.type"], read["displayName"]) == ("#microsoft.graph.list", "Books")
    listed = await _json(await client.get(f"/v1.0/sites/{site}/lists", headers=AUTH))
    counted = await (await client.get(f"/v1.0/sites/{site}/lists/$count", headers=AUTH)).text()
    assert int(counted) == len(listed["value"])


async def test_an_object_written_through_one_version_reads_with_every_property_the_other_declares(client):
    """One store serves both versions: a user created through v1.0 reads through beta with each property
    beta declares and v1.0 does not (null), as a list item and as an item."""
    from fakegraph.artifacts.paths import data_dir

    def declared(version: str) -> set[str]:
        schema = json.loads((data_dir() / "schemas" / version / "microsoft.graph.user.json").read_text())
        navigations = set(schema["x-graph"].get("navigationProperties", []))
        properties = schema["properties"].items()
        return {n for n, p in properties if n not in navigations and p.get("type") != "array"}

    beta_only = declared("beta") - declared("v1.0")
    assert beta_only
    body = {
        "accountEnabled": True,
        "displayName": "Ida",
        "mailNickname": "ida",
        "userPrincipalName": "ida@contoso.example",
        "passwordProfile": {"password": "xWwvJ]6NMw+bWH-d"},
    }
    created = await client.post("/v1.0/users", json=body, headers=JSON)
    assert created.status == 201, await created.text()
    user = (await _json(created))["id"]
    item = await _json(await client.get(f"/beta/users/{user}", headers=AUTH))
    assert beta_only <= item.keys()
    listed = await _json(await client.get("/beta/users?$filter=displayName eq 'Ida'", headers=AUTH))
    assert beta_only <= listed["value"][0].keys()


async def test_a_create_naming_a_derived_type_makes_an_object_of_that_type(client):
    """`POST /teams/{id}/members` with `@odata.type` `#microsoft.graph.aadUserConversationMember`: the
    answer and the list show the derived type, with the properties only it declares."""
    from fakegraph.artifacts.paths import data_dir

    sample = json.loads((data_dir() / "fixtures" / "beta" / "sample.json").read_text())
    team = next(t["id"] for t in sample["microsoft.graph.team"] if "-" in t["id"])
    body = {
        "@odata.type": "#microsoft.graph.aadUserConversationMember",
        "roles": ["owner"],
        "user@odata.bind": "https://graph.microsoft.com/beta/users('8b081ef6-4792-4def-b2c9-c363a1bf41d5')",
    }
    created = await client.post(f"/beta/teams/{team}/members", json=body, headers=JSON)
    assert created.status == 201, await created.text()
    member = await _json(created)
    assert member["@odata.type"] == "#microsoft.graph.aadUserConversationMember"
    assert {"userId", "email"} <= member.keys()
    listed = await _json(await client.get(f"/beta/teams/{team}/members", headers=AUTH))
    found = [m for m in listed["value"] if m["id"] == member["id"]]
    assert [m["@odata.type"] for m in found] == ["#microsoft.graph.aadUserConversationMember"]


async def test_every_expanded_collection_says_its_context(client):
    """`$expand=*` on a user: each navigation collection comes with its `nav@odata.context`, read through a
    documented path or not (then empty: nothing can have been put there)."""
    me = await client.get("/v1.0/me?$expand=*", headers=AUTH)
    assert me.status == 200, await me.text()
    body = await _json(me)
    from fakegraph.artifacts.paths import data_dir

    schema = json.loads((data_dir() / "schemas" / "v1.0" / "microsoft.graph.user.json").read_text())
    declared = set(schema["x-graph"]["navigationProperties"])
    navigations = [name for name, value in body.items() if isinstance(value, list) and name in declared]
    assert "memberOf" in navigations
    for name in navigations:
        context = body.get(f"{name}@odata.context", "")
        assert context.lower().endswith(f"/{name.lower()}"), (name, context)  # spelled as its page spells it


async def test_an_id_is_one_object_across_a_collection_s_derived_types(client):
    """A create of an id the collection holds as another (derived) type is a 409; a list shows each id once,
    as the type an item read finds, with the same ETag."""
    folder = "/beta/me/mailFolders/inbox/messages"
    first = await client.post(folder, json={"id": "dupX", "subject": "a"}, headers=JSON)
    assert first.status == 201, await first.text()
    body = {"id": "dupX", "subject": "b", "@odata.type": "#microsoft.graph.eventMessage"}
    second = await client.post(folder, json=body, headers=JSON)
    assert second.status == 409
    listed = await _json(await client.get(folder, headers=AUTH))
    ids = [m["id"] for m in listed["value"]]
    assert len(ids) == len(set(ids))
    assert ids.count("dupX") == 1
    item = await _json(await client.get(f"{folder}/dupX", headers=AUTH))
    shown = next(m for m in listed["value"] if m["id"] == "dupX")
    assert shown.get("@odata.etag") == item.get("@odata.etag")
    derived = [m for m in listed["value"] if m.get("@odata.type") != "#microsoft.graph.message"]
    assert derived  # the sample tenant's eventMessages
    read = await _json(await client.get(f"{folder}/{quote(derived[0]['id'], safe='')}", headers=AUTH))
    assert (read["@odata.type"], read["@odata.etag"]) == (
        derived[0]["@odata.type"],
        derived[0]["@odata.etag"],
    )
    methods = await _json(await client.get("/beta/me/authentication/methods", headers=AUTH))
    keys = [m["id"] for m in methods["value"]]
    assert len(keys) == len(set(keys))


async def test_a_navigation_a_derived_type_declares_expands_below_a_polymorphic_one(client):
    """`manager` holds directoryObjects; `manager($levels=max)` asks each manager (a user) for its own:
    the navigation is found on the derived type, and the chain is answered, not refused."""
    me = await client.get("/v1.0/me?$expand=manager($levels=max;$select=id,displayName)", headers=AUTH)
    assert me.status == 200, await me.text()
    unknown = await client.get("/v1.0/me?$expand=manager($expand=nothingLikeThis)", headers=AUTH)
    assert unknown.status == 400
    assert "'nothingLikeThis'" in (await _json(unknown))["error"]["message"]


async def test_objects_whose_documented_answers_show_their_url_carry_it(client):
    """Calendars are documented with `@odata.id`: listed and read ones say their URL on this server."""
    calendars = await _json(await client.get("/v1.0/me/calendars", headers=AUTH))
    assert calendars["value"]
    first = calendars["value"][0]
    assert first["@odata.id"].endswith(f"/v1.0/me/calendars('{first['id']}')")
    assert first["@odata.id"].startswith("http://")


async def test_a_derived_type_s_object_reads_with_the_properties_its_own_type_declares(client):
    """An eventMessageRequest read at `/me/messages/{id}` shows eventMessageRequest's own properties."""
    from fakegraph.artifacts.paths import data_dir

    schema = json.loads(
        (data_dir() / "schemas" / "beta" / "microsoft.graph.eventMessageRequest.json").read_text()
    )
    sample = json.loads((data_dir() / "fixtures" / "beta" / "sample.json").read_text())
    key = sample["microsoft.graph.eventMessageRequest"][0]["id"]
    read = await _json(await client.get(f"/beta/me/messages/{quote(key, safe='')}", headers=AUTH))
    assert read["@odata.type"] == "#microsoft.graph.eventMessageRequest"
    navigations = set(schema["x-graph"].get("navigationProperties", []))
    declared = {n for n, p in schema["properties"].items() if n not in navigations and "null" in str(p)}
    assert declared <= read.keys()


async def test_select_is_taken_where_a_page_lists_its_options_without_it(client):
    """The transitiveMembers page says it supports options "including $search, $count and $filter" (and
    $orderby, in its headers table): `$select` is Graph-wide and taken; `$skip`, named nowhere, is not."""
    groups = await _json(await client.get("/v1.0/groups?$top=1&$select=id", headers=AUTH))
    path = f"/v1.0/groups/{groups['value'][0]['id']}/transitiveMembers"
    eventual = {**AUTH, "ConsistencyLevel": "eventual"}
    picked = await client.get(f"{path}?$select=id&$orderby=displayName", headers=eventual)
    assert picked.status == 200, await picked.text()
    skipped = await client.get(f"{path}?$skip=1", headers=eventual)
    assert skipped.status == 400


def test_links_documented_at_me_belong_to_the_user_me_names_without_a_token():
    """The sample tenant's `/me/...` links go to the first user of `/me`'s type; others stay as they are;
    with no such user they are dropped."""
    from fakegraph.http.state import build_state, signed_in_links
    from fakegraph.model.settings import Settings
    from tests.conftest import DATA

    state = build_state(Settings(data=DATA / "compiled", dataset="empty"))
    links = {("/me/friends", "me"): ["b", "c"], ("/gadgetteams/{}/members", "t"): ["a"]}
    users = {"microsoft.graph.gadgetUser": [{"id": "u1"}, {"id": "u2"}]}
    assert signed_in_links(links, users, state.router) == {
        ("/me/friends", "u1"): ["b", "c"],
        ("/gadgetteams/{}/members", "t"): ["a"],
    }
    assert signed_in_links(links, {}, state.router) == {("/gadgetteams/{}/members", "t"): ["a"]}


async def test_navigation_properties_given_inline_are_no_part_of_the_written_object(client):
    """`POST /groups` with `"owners": [...]` (which the request schema takes): the group is made, and
    neither its answer nor a read shows `owners`, which Graph reads only through its path or `$expand`."""
    body = {"displayName": "G", "mailEnabled": False, "mailNickname": "g", "securityEnabled": True}
    created = await client.post("/v1.0/groups", json={**body, "owners": ["x"]}, headers=JSON)
    assert created.status == 201, await created.text()
    group = await _json(created)
    assert "owners" not in group
    read = await _json(await client.get(f"/v1.0/groups/{group['id']}", headers=AUTH))
    assert "owners" not in read


async def test_related_objects_given_inline_show_in_the_create_answer_only(client):
    """A todoTask posted with `linkedResources` (deep insert): the answer shows them as given; a later
    read of the task does not carry them inline (a navigation, read through its path or `$expand`)."""
    from fakegraph.artifacts.paths import data_dir

    sample = json.loads((data_dir() / "fixtures" / "v1.0" / "sample.json").read_text())
    task_list = sample["microsoft.graph.todoTaskList"][0]["id"]
    path = f"/v1.0/me/todo/lists/{quote(task_list, safe='')}/tasks"
    linked = [{"webUrl": "http://example.com/1", "applicationName": "App", "displayName": "One"}]
    created = await client.post(path, json={"title": "T", "linkedResources": linked}, headers=JSON)
    assert created.status == 201, await created.text()
    task = await _json(created)
    assert task["linkedResources"] == linked
    read = await _json(await client.get(f"{path}/{quote(task['id'], safe='')}", headers=AUTH))
    assert "linkedResources" not in read
