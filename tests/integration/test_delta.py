"""Delta queries over HTTP (ARCHITECTURE A18), on small pages of our own (tests/data/delta, compiled here):
`GET /users/delta` (an entity set of directory objects), `/users/{id}/contactFolders/delta` (a contained
collection) and `/me/contactFolders/delta` (whose collection the pages do not list). The first round pages
through what the collection holds and ends with a deltaLink; the link answers only what changed since;
tokens that are forged, altered, another request's, from before a reset or past the log's horizon are
Graph-shaped 4xx answers that change nothing."""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient

from fakegraph.compiler import compile_docs
from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, ClientFactory, state_of

USER = "microsoft.graph.user"
FOLDER = "microsoft.graph.contactFolder"
ROSA, TOM, INES = (f"0d1e0000-0000-4000-8000-00000000000{n}" for n in (1, 2, 3))
PAGE = {**AUTH, "Prefer": "odata.maxpagesize=2"}


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/delta compiled: users (directory objects) with contact folders, and their delta pages."""
    out = tmp_path_factory.mktemp("delta-pack")
    compile_docs([DATA / "delta"], out, None)
    return out


@pytest.fixture
async def graph(make_client: ClientFactory, pack: Path) -> TestClient[Any, Any]:
    return await make_client(data=str(pack))


def _local(link: str) -> str:
    """A link the fake gave, relative to the test server."""
    return link[link.index("/", len("http://")) :]


async def _get(client: TestClient[Any, Any], url: str, headers: dict[str, str] | None = None) -> Any:
    response = await client.get(url, headers=headers or AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


async def _round(
    client: TestClient[Any, Any], url: str, headers: dict[str, str] | None = None
) -> tuple[list[Any], str, int]:
    """Every object of a delta round, following nextLinks: (objects, the deltaLink, pages)."""
    items: list[Any] = []
    pages = 0
    while True:
        body = await _get(client, url, headers)
        pages += 1
        items.extend(body["value"])
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return items, body["@odata.deltaLink"], pages
        url = _local(body["@odata.nextLink"])


async def _create_user(client: TestClient[Any, Any], name: str, **extra: Any) -> str:
    body = {"displayName": name, "userPrincipalName": f"{name.lower()}@contoso.example", **extra}
    response = await client.post("/v1.0/users", json=body, headers=JSON)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def _patch(client: TestClient[Any, Any], url: str, body: dict[str, Any]) -> None:
    response = await client.patch(url, json=body, headers=JSON)
    assert response.status == 204, await response.text()


async def _delete(client: TestClient[Any, Any], url: str) -> None:
    response = await client.delete(url, headers=AUTH)
    assert response.status == 204, await response.text()


async def _error(client: TestClient[Any, Any], url: str, status: int) -> dict[str, Any]:
    response = await client.get(url, headers=AUTH)
    assert response.status == status, await response.text()
    body = await response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "innerError"} <= set(body["error"])
    return dict(body["error"])


# --- rounds -------------------------------------------------------------------------------------------------


async def test_the_first_round_pages_through_every_user_and_ends_with_a_delta_link(graph):
    """Pages of two (`Prefer: odata.maxpagesize`), each with a nextLink but the last, which has the
    deltaLink; every stored user once, as the list shows it; the links are on the host the client called."""
    items, link, pages = await _round(graph, "/v1.0/users/delta()", PAGE)
    assert sorted(u["id"] for u in items) == sorted([ROSA, TOM, INES])
    assert pages == 2
    listed = (await _get(graph, "/v1.0/users"))["value"]
    assert sorted(items, key=lambda u: u["id"]) == sorted(listed, key=lambda u: u["id"])
    assert link.startswith(f"http://{graph.host}:{graph.port}/v1.0/users/delta()?$deltatoken=")
    first = await _get(graph, "/v1.0/users/delta", PAGE)
    assert first["@odata.context"].endswith("/v1.0/$metadata#users")
    assert "$skiptoken=" in first["@odata.nextLink"]


async def test_a_delta_link_answers_exactly_what_changed_since_then_a_new_link(graph):
    """A created user and an updated one as they are now, a deleted one as `@removed` with the reason
    Graph gives a deleted directory object ("changed": it can be restored); then a new deltaLink that
    answers nothing until the next change."""
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    ada = await _create_user(graph, "Ada", jobTitle="Pilot")
    await _patch(graph, f"/v1.0/users/{ROSA}", {"jobTitle": "Head buyer"})
    await _delete(graph, f"/v1.0/users/{TOM}")
    changed, again, _ = await _round(graph, _local(link))
    by_id = {item["id"]: item for item in changed}
    assert set(by_id) == {ada, ROSA, TOM}
    for key in (ada, ROSA):
        current = await _get(graph, f"/v1.0/users/{key}")
        assert by_id[key] == {k: v for k, v in current.items() if not k.startswith("@odata.")}
    assert by_id[ROSA]["jobTitle"] == "Head buyer"
    assert by_id[TOM] == {"id": TOM, "@removed": {"reason": "changed"}}
    assert (await _round(graph, _local(again)))[0] == []
    await _patch(graph, f"/v1.0/users/{ada}", {"givenName": "Ada"})
    assert [u["id"] for u in (await _round(graph, _local(again)))[0]] == [ada]


async def test_a_round_of_many_changes_pages_with_next_links(graph):
    """Seven changes answered two by two: four pages, every change once, the last page's deltaLink."""
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    created = [await _create_user(graph, f"User{n}") for n in range(6)]
    await _patch(graph, f"/v1.0/users/{INES}", {"jobTitle": "Clerk"})
    changed, _, pages = await _round(graph, _local(link), PAGE)
    assert sorted(u["id"] for u in changed) == sorted([*created, INES])
    assert pages == 4


async def test_a_round_recomputed_between_pages_serves_each_change_once(graph):
    """A round is computed once and kept (a few per server); when it has been dropped, the next page
    recomputes it from the log, where an object deleted meanwhile no longer passes the `$filter`: the
    cursor (the last change served, not a position in the round) still falls right, and every other
    change comes once."""
    query = "/v1.0/users/delta?$filter=startswith(displayName,'User')"
    assert (await _round(graph, query))[0] == []
    _, link, _ = await _round(graph, query)
    created = [await _create_user(graph, f"User{n}") for n in range(5)]
    first = await _get(graph, _local(link), PAGE)
    assert [u["id"] for u in first["value"]] == created[:2]
    state_of(graph).views.clear()
    await _delete(graph, f"/v1.0/users/{created[0]}")
    rest, link, _ = await _round(graph, _local(first["@odata.nextLink"]), PAGE)
    assert [u["id"] for u in rest] == created[2:]
    after, _, _ = await _round(graph, _local(link))
    assert after == [{"id": created[0], "@removed": {"reason": "changed"}}]


async def test_select_is_carried_by_the_links_and_other_properties_are_not_tracked(graph):
    """`$select` of the first call shapes every page and the context; the links carry it inside their
    token (not in the URL); a change to a property not selected does not bring the user back."""
    first = await _get(graph, "/v1.0/users/delta?$select=displayName,jobTitle", PAGE)
    assert first["@odata.context"].endswith("$metadata#users(displayName,jobTitle)")
    assert set(parse_qs(urlsplit(first["@odata.nextLink"]).query)) == {"$skiptoken"}
    items, link, _ = await _round(graph, _local(first["@odata.nextLink"]), PAGE)
    assert all(set(u) == {"id", "displayName", "jobTitle"} for u in [*first["value"], *items])
    await _patch(graph, f"/v1.0/users/{ROSA}", {"mail": "rosa.m@contoso.example"})  # not selected
    await _patch(graph, f"/v1.0/users/{TOM}", {"jobTitle": "Dispatcher"})
    changed, _, _ = await _round(graph, _local(link))
    assert changed == [{"id": TOM, "displayName": "Tom Okafor", "jobTitle": "Dispatcher"}]


async def test_a_delta_link_takes_a_new_select(graph):
    """Graph lets a deltaLink change the properties it tracks: `$select` sent with the link wins."""
    _, link, _ = await _round(graph, "/v1.0/users/delta?$select=displayName")
    await _patch(graph, f"/v1.0/users/{ROSA}", {"mail": "r@contoso.example"})
    changed, _, _ = await _round(graph, _local(link) + "&$select=mail")
    assert changed == [{"id": ROSA, "mail": "r@contoso.example"}]


async def test_deltatoken_latest_answers_no_objects_and_a_link_from_now(graph):
    """`$deltatoken=latest` (with a `$select` it carries on): no objects, a deltaLink; what changes after
    it is what the link answers."""
    body = await _get(graph, "/v1.0/users/delta?$deltatoken=latest&$select=displayName")
    assert body["value"] == []
    assert body["@odata.context"].endswith("#users(displayName)")
    await _patch(graph, f"/v1.0/users/{INES}", {"displayName": "Ines K."})
    changed, _, _ = await _round(graph, _local(body["@odata.deltaLink"]))
    assert changed == [{"id": INES, "displayName": "Ines K."}]


async def test_an_empty_deltatoken_starts_a_round_over(graph):
    """Graph's reset answer points at the first request "with an empty `$deltaToken`": such a request is a
    first round. `$deltaToken=Latest` is read in any case."""
    items, _, _ = await _round(graph, "/v1.0/users/delta?$deltaToken=")
    assert len(items) == 3
    assert (await _get(graph, "/v1.0/users/delta?$deltaToken=Latest"))["value"] == []


async def test_filter_scopes_the_first_round_and_the_changes(graph):
    """`$filter` (here by id, as Graph's directory delta documents it) limits both the first round and
    what a deltaLink answers."""
    items, link, _ = await _round(graph, f"/v1.0/users/delta?$filter=id eq '{ROSA}' or id eq '{TOM}'")
    assert sorted(u["id"] for u in items) == sorted([ROSA, TOM])
    for key in (ROSA, TOM, INES):
        await _patch(graph, f"/v1.0/users/{key}", {"jobTitle": "Changed"})
    changed, _, _ = await _round(graph, _local(link))
    assert sorted(u["id"] for u in changed) == sorted([ROSA, TOM])


async def test_prefer_return_minimal_answers_only_the_changed_properties(graph):
    """With `Prefer: return=minimal` a deltaLink shows an updated user's changed properties and its id
    (a created one whole), and says the preference was applied."""
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    await _patch(graph, f"/v1.0/users/{ROSA}", {"jobTitle": "Lead", "givenName": "Rosa"})  # givenName same
    ada = await _create_user(graph, "Ada")
    response = await graph.get(_local(link), headers={**AUTH, "Prefer": "return=minimal"})
    assert response.headers["Preference-Applied"] == "return=minimal"
    by_id = {u["id"]: u for u in (await response.json())["value"]}
    assert by_id[ROSA] == {"id": ROSA, "jobTitle": "Lead"}
    assert by_id[ada]["displayName"] == "Ada"
    assert "accountEnabled" in by_id[ada]


async def test_a_contained_collection_tracks_one_parents_objects(graph):
    """`/users/{id}/contactFolders/delta` and `/me/contactFolders/delta` (the signed-in user: the tenant's
    first user here) see that user's folders only; a deleted folder is removed for good ("deleted"); once
    its user is deleted, a user's folder delta is a 404, as its list is."""
    me = state_of(graph).store.first(USER)
    other = TOM if me != TOM else ROSA
    made = []
    for parent, name in ((me, "Family"), (me, "Work"), (other, "Other")):
        response = await graph.post(
            f"/v1.0/users/{parent}/contactFolders", json={"displayName": name}, headers=JSON
        )
        assert response.status == 201
        made.append((await response.json())["id"])
    family, work, elsewhere = made
    items, mine, _ = await _round(graph, "/v1.0/me/contactFolders/delta", PAGE)
    assert sorted(f["id"] for f in items) == sorted([family, work])
    _, theirs, _ = await _round(graph, f"/v1.0/users/{other}/contactFolders/delta")
    await _patch(graph, f"/v1.0/users/{me}/contactFolders/{family}", {"displayName": "Home"})
    await _delete(graph, f"/v1.0/users/{me}/contactFolders/{work}")
    await _patch(graph, f"/v1.0/users/{other}/contactFolders/{elsewhere}", {"displayName": "Theirs"})
    changed, mine, _ = await _round(graph, _local(mine))
    assert {f["id"]: f.get("displayName", f.get("@removed")) for f in changed} == {
        family: "Home",
        work: {"reason": "deleted"},
    }
    changed, _, _ = await _round(graph, _local(theirs))
    assert changed == [{"id": elsewhere, "displayName": "Theirs", "parentFolderId": None}]
    await _delete(graph, f"/v1.0/users/{other}")
    assert (await _error(graph, _local(theirs), 404))["code"] == "Request_ResourceNotFound"
    assert (await _round(graph, _local(mine)))[0] == []


async def test_a_delta_below_a_missing_parent_is_a_404(graph):
    error = await _error(graph, "/v1.0/users/nobody/contactFolders/delta", 404)
    assert error["code"] == "Request_ResourceNotFound"


# --- what a token no longer answers -------------------------------------------------------------------------


async def test_a_token_from_before_a_reset_is_a_410_with_where_to_start_over(graph):
    """After `POST /_fakegraph/reset` (or a PUT of the state), a deltaLink or nextLink of before is Graph's
    410 `resyncRequired`, its Location the first request of the round (with the options it carried)."""
    first = await _get(graph, "/v1.0/users/delta?$select=displayName", PAGE)
    _, link, _ = await _round(graph, "/v1.0/users/delta?$select=displayName")
    assert (await graph.post("/_fakegraph/reset")).status == 204
    for stale in (link, first["@odata.nextLink"]):
        response = await graph.get(_local(stale), headers=AUTH)
        assert response.status == 410
        assert (await response.json())["error"]["code"] == "resyncRequired"
        assert response.headers["Location"].endswith("/v1.0/users/delta?$select=displayName")
        restarted = await _round(graph, _local(response.headers["Location"]))
        assert len(restarted[0]) == 3
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    dump = await (await graph.get("/_fakegraph/state")).json()
    assert (await graph.put("/_fakegraph/state", json=dump)).status in {200, 204}
    assert (await _error(graph, _local(link), 410))["code"] == "resyncRequired"


async def test_a_token_older_than_the_log_keeps_is_a_410_sync_state_not_found(make_client, pack):
    """With `delta_log_size=4`, a deltaLink with more changes after it than the log keeps is Graph's 410
    `syncStateNotFound` (the expired token's error); a recent one still answers."""
    graph = await make_client(data=str(pack), delta_log_size=4)
    _, old, _ = await _round(graph, "/v1.0/users/delta")
    for n in range(6):
        await _patch(graph, f"/v1.0/users/{ROSA}", {"jobTitle": f"Job {n}"})
    error = await _error(graph, _local(old), 410)
    assert error["code"] == "syncStateNotFound"
    assert "expired" in error["message"]
    _, recent, _ = await _round(graph, "/v1.0/users/delta")
    await _patch(graph, f"/v1.0/users/{TOM}", {"jobTitle": "Now"})
    assert [u["id"] for u in (await _round(graph, _local(recent)))[0]] == [TOM]


# --- bad input ----------------------------------------------------------------------------------------------


def _token_of(link: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(link).query)
    name = "$deltatoken" if "$deltatoken" in query else "$skiptoken"
    return name, query[name][0]


def _altered(token: str) -> str:
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 0x01  # one bit of the payload: a cursor or a position moved by hand
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


async def test_forged_truncated_or_misplaced_tokens_are_400s_that_change_nothing(graph):
    """An altered token (its signature no longer fits), a truncated one, plain garbage, an oversized one, a
    nextLink's token sent as a deltatoken, another request's token and both tokens at once: each a 400
    naming the token; the store is as it was, and the genuine link still answers."""
    first = await _get(graph, "/v1.0/users/delta", PAGE)
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    await _patch(graph, f"/v1.0/users/{ROSA}", {"jobTitle": "X"})
    _, token = _token_of(link)
    _, skip = _token_of(first["@odata.nextLink"])
    me = state_of(graph).store.first(USER)
    before = state_of(graph).store.dump()
    bad = [
        f"/v1.0/users/delta?$deltatoken={_altered(token)}",
        f"/v1.0/users/delta?$deltatoken={token[:-5]}",
        f"/v1.0/users/delta?$deltatoken={token[:20]}",
        "/v1.0/users/delta?$deltatoken=not-a-token",
        "/v1.0/users/delta?$deltatoken=" + "A" * 20000,
        "/v1.0/users/delta?$deltatoken=%25%00%ff",
        f"/v1.0/users/delta?$deltatoken={skip}",
        f"/v1.0/users/delta?$skiptoken={token}",
        f"/v1.0/users/{me}/contactFolders/delta?$deltatoken={token}",
        f"/v1.0/users/delta?$deltatoken={token}&$skiptoken={skip}",
        f"/v1.0/users/delta?$deltatoken={token}&$deltatoken={token}",
    ]
    for url in bad:
        error = await _error(graph, url, 400)
        assert error["code"] == "BadRequest"
        assert "token" in error["message"], url
    assert state_of(graph).store.dump() == before
    changed, _, _ = await _round(graph, _local(link))
    assert [u["id"] for u in changed] == [ROSA]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("$deltatoken=latest&$select=nope", "nope"),
        ("$select=displayName,nope", "nope"),
        ("$filter=nope eq 1", "nope"),
        ("$orderby=displayName", "$orderby"),
        ("$expand=contactFolders", "$expand"),
        ("$count=true", "$count"),
        ("$top=0", "$top"),
    ],
)
async def test_bad_options_are_400s_naming_them(graph, query, named):
    error = await _error(graph, f"/v1.0/users/delta?{query}", 400)
    assert named in error["message"]


async def test_options_sent_again_with_a_next_link_are_a_400(graph):
    """A nextLink carries the first call's options: sending `$select` with it is refused, as Graph refuses
    `$select` with a `$skiptoken`; a deltaLink takes a new `$select` but no other option."""
    first = await _get(graph, "/v1.0/users/delta", PAGE)
    error = await _error(graph, _local(first["@odata.nextLink"]) + "&$select=displayName", 400)
    assert "nextLink" in error["message"]
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    error = await _error(graph, _local(link) + "&$filter=id eq 'x'", 400)
    assert "$filter" in error["message"]


# --- replaying rounds, at random ----------------------------------------------------------------------------


async def test_replaying_delta_rounds_onto_what_a_client_held_gives_what_the_list_shows(graph):
    """Random creates, updates and deletes of users through the API; deltaLinks taken along the way with
    what a client holding them would hold. Replaying each link's round (objects replace, `@removed` drops)
    onto that copy gives exactly what `GET /users` shows at the end."""
    rng = random.Random(5)
    _, link, _ = await _round(graph, "/v1.0/users/delta")
    held = {u["id"]: u for u in (await _round(graph, "/v1.0/users/delta"))[0]}
    taken = [(link, dict(held))]
    for step in range(60):
        keys = sorted(u["id"] for u in (await _get(graph, "/v1.0/users?$top=999"))["value"])
        roll = rng.random()
        if roll < 0.4 or not keys:
            await _create_user(graph, f"R{step}", jobTitle=rng.choice(["a", "b"]))
        elif roll < 0.75:
            await _patch(graph, f"/v1.0/users/{rng.choice(keys)}", {"jobTitle": f"t{step}"})
        else:
            await _delete(graph, f"/v1.0/users/{rng.choice(keys)}")
        if rng.random() < 0.2:
            changed, link, _ = await _round(graph, _local(taken[-1][0]), PAGE)
            held = _replayed(taken[-1][1], changed)
            taken.append((link, held))
    now = {u["id"]: u for u in (await _get(graph, "/v1.0/users?$top=999"))["value"]}
    assert len(taken) > 5
    for link, copy in taken:
        changed, _, _ = await _round(graph, _local(link), PAGE)
        assert _replayed(copy, changed) == now


def _replayed(held: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(held)
    for item in changed:
        if "@removed" in item:
            out.pop(item["id"], None)
        else:
            out[item["id"]] = item
    return out


# --- the shipped pack's documented delta functions ----------------------------------------------------------

TEAM = "fbe2bf47-16c8-47cf-b4a5-4b9b187c508b"
CHANNEL = "19:4a95f7d8db4c4e7fae857bcebe0623e6@thread.tacv2"
MESSAGES = f"/v1.0/teams/{TEAM}/channels/{CHANNEL}/messages"


async def test_shipped_application_delta_tracks_the_applications(client):
    """`GET /v1.0/applications/delta` (documented on v1.0) lists what `/applications` lists, and its
    deltaLink answers an application updated through v1.0 and one created and one deleted through beta
    (an application is a directory object: removed with the reason "changed")."""
    items, link, _ = await _round(client, "/v1.0/applications/delta", PAGE)
    listed = (await _get(client, "/v1.0/applications?$top=999"))["value"]
    assert sorted(a["id"] for a in items) == sorted(a["id"] for a in listed)
    assert items
    first = items[0]["id"]
    await _patch(client, f"/v1.0/applications/{first}", {"displayName": "Renamed app"})
    response = await client.post("/beta/applications", json={"displayName": "New app"}, headers=JSON)
    assert response.status == 201, await response.text()
    made = (await response.json())["id"]
    await _delete(client, f"/beta/applications/{made}")
    response = await client.post("/beta/applications", json={"displayName": "Kept app"}, headers=JSON)
    kept = (await response.json())["id"]
    changed, _, _ = await _round(client, _local(link))
    assert {a["id"]: a.get("displayName") for a in changed} == {first: "Renamed app", kept: "Kept app"}


async def test_shipped_channel_message_delta_tracks_one_channels_messages(client):
    """`/v1.0/teams/{id}/channels/{id}/messages/delta` reads the channel's messages as their list does;
    a message posted, edited and another deleted there come back through the deltaLink (a deleted
    message is gone for good: "deleted"); `$top` sets the page size."""
    items, link, pages = await _round(client, f"{MESSAGES}/delta?$top=5")
    listed = (await _get(client, f"{MESSAGES}?$top=999"))["value"]
    assert sorted(m["id"] for m in items) == sorted(m["id"] for m in listed)
    assert pages == len(items) // 5 + 1
    body = {"body": {"contentType": "text", "content": "Hello"}}
    response = await client.post(MESSAGES, json=body, headers=JSON)
    assert response.status == 201, await response.text()
    posted = (await response.json())["id"]
    await _delete(client, f"{MESSAGES}/{items[0]['id']}")
    changed, _, _ = await _round(client, _local(link))
    assert {m["id"]: m.get("@removed", m.get("body")) for m in changed} == {
        posted: {"contentType": "text", "content": "Hello"},
        items[0]["id"]: {"reason": "deleted"},
    }


async def test_shipped_me_contact_folders_delta_reads_the_signed_in_users_folders(client):
    """`/v1.0/me/contactFolders/delta` answers what `/me/contactFolders` lists, in its context."""
    body = await _get(client, "/v1.0/me/contactFolders/delta")
    listed = await _get(client, "/v1.0/me/contactFolders")
    assert "@odata.deltaLink" in body
    assert body["@odata.context"] == listed["@odata.context"]
    assert [f["id"] for f in body["value"]] == sorted(f["id"] for f in listed["value"])


async def test_shipped_beta_education_class_delta(client):
    """beta `/education/classes/delta`: a class deleted (removed, "deleted": not a directory object) and
    one created come back through the deltaLink; one created and deleted in between does not."""
    items, link, _ = await _round(client, "/beta/education/classes/delta")
    assert items
    made = []
    for name in ("Physics", "Chemistry"):
        response = await client.post(
            "/beta/education/classes",
            json={"displayName": name, "mailNickname": name.lower(), "description": name},
            headers=JSON,
        )
        assert response.status == 201, await response.text()
        made.append((await response.json())["id"])
    await _delete(client, f"/beta/education/classes/{made[0]}")
    await _delete(client, f"/beta/education/classes/{items[0]['id']}")
    changed, _, _ = await _round(client, _local(link))
    assert {c["id"]: c.get("displayName", c.get("@removed")) for c in changed} == {
        made[1]: "Chemistry",
        items[0]["id"]: {"reason": "deleted"},
    }
