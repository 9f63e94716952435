"""Tenants (ARCHITECTURE A23): one server holds several, each with its own store, clock, ids, faults, stubs,
media and view of the journal; a request acts in the tenant its bearer token's `tid` names (the default
tenant for any other token); the control plane makes, lists and removes tenants and scopes its endpoints
with `?tenant=`.

Tokens here are unsigned JWTs made by `bearer` (the tenant seam does not verify them yet, issue 16)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from typing import Any

import aiohttp
import pytest

from fakegraph.http.state import build_state
from fakegraph.model.settings import DEFAULT_TENANT_ID, Settings
from fakegraph.server import FakeGraph
from tests.integration.conftest import AUTH, state_of
from tests.integration.media_pack import media_pack_fixture  # noqa: F401  (the `media_pack` fixture)

A = "aaaaaaaa-0000-4000-8000-00000000000a"
B = "bbbbbbbb-0000-4000-8000-00000000000b"
SUMMARIES = "/beta/reports/credentialUsageSummaries"
SUMMARY = {"feature": "registration", "authMethod": "fido", "successfulActivityCount": 5}


def _part(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def bearer(tid: str | None, **claims: Any) -> dict[str, str]:
    """Headers with a JWT whose claims name the tenant `tid` (none: a token without a tid)."""
    body = {"oid": "00000000-0000-4000-8000-000000000001", **claims, **({"tid": tid} if tid else {})}
    token = f"{_part({'alg': 'none', 'typ': 'JWT'})}.{_part(body)}.c2ln"
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def make_tenant(client: Any, **body: Any) -> dict[str, Any]:
    response = await client.post("/_fakegraph/tenants", json=body)
    assert response.status == 201, await response.text()
    return dict(await response.json())


async def create(client: Any, headers: dict[str, str], **extra: Any) -> str:
    response = await client.post(SUMMARIES, json={**SUMMARY, **extra}, headers=headers)
    assert response.status == 201, await response.text()
    return str((await response.json())["id"])


async def listed(client: Any, headers: dict[str, str]) -> list[str]:
    response = await client.get(SUMMARIES, headers=headers)
    assert response.status == 200, await response.text()
    return [item["id"] for item in (await response.json())["value"]]


async def error_of(response: Any) -> tuple[int, str, str]:
    body = await response.json()
    return response.status, body["error"]["code"], body["error"]["message"]


# --- isolation under concurrency ------------------------------------------------------------------------


def test_concurrent_clients_of_two_tenants_never_see_each_other() -> None:
    """Many creates, lists, reads and deletes at once through one running server, half with tenant A's
    token and half with B's: each tenant lists exactly what it created and kept, reads the other's ids as
    404, and deletes in one leave the other's objects."""

    async def run(url: str) -> None:
        heads = {A: bearer(A), B: bearer(B)}
        async with aiohttp.ClientSession(url) as session:

            async def make(tid: str, n: int) -> tuple[str, str]:
                body = {**SUMMARY, "successfulActivityCount": n}
                async with session.post(SUMMARIES, json=body, headers=heads[tid]) as response:
                    assert response.status == 201, await response.text()
                    return tid, (await response.json())["id"]

            made = await asyncio.gather(*(make(A if n % 2 else B, n) for n in range(60)))
            mine = {A: [i for t, i in made if t == A], B: [i for t, i in made if t == B]}
            assert len(mine[A]) == len(mine[B]) == 30
            assert not set(mine[A]) & set(mine[B])

            async def read(tid: str, key: str) -> int:
                async with session.get(f"{SUMMARIES}/{key}", headers=heads[tid]) as response:
                    return response.status

            async def remove(tid: str, key: str) -> int:
                async with session.delete(f"{SUMMARIES}/{key}", headers=heads[tid]) as response:
                    return response.status

            async def count(tid: str) -> set[str]:
                async with session.get(SUMMARIES, headers=heads[tid]) as response:
                    return {item["id"] for item in (await response.json())["value"]}

            own = [read(t, k) for t in (A, B) for k in mine[t]]
            crossed = [read(B if t == A else A, k) for t in (A, B) for k in mine[t]]
            deleted = [remove(A, k) for k in mine[A][:10]]
            listings = [count(A), count(B)] * 5
            results = await asyncio.gather(*own, *crossed, *deleted, *listings)
            assert results[: len(own)] == [200] * len(own)
            assert results[len(own) : 2 * len(own)] == [404] * len(own)
            assert results[2 * len(own) : 2 * len(own) + 10] == [204] * 10
            for listing in results[2 * len(own) + 10 :]:  # each a snapshot during deletes: never the other's
                assert listing <= set(mine[A]) or listing == set(mine[B])
            assert await count(A) == set(mine[A][10:])
            assert await count(B) == set(mine[B])
            assert [await remove(B, k) for k in mine[A][10:12]] == [404, 404]  # not B's to delete
            assert await count(A) == set(mine[A][10:])

    with FakeGraph(dataset="empty") as graph:
        graph.add_tenant(A)
        graph.add_tenant(B)
        asyncio.run(run(graph.url))
        assert graph.state.store.count("microsoft.graph.credentialUsageSummary") == 0  # the default's
        graph.check()


async def test_a_tenant_starts_with_the_server_s_dataset_or_empty(client):
    """A tenant made with the default dataset lists what the default tenant started with; an empty one
    lists nothing; writes in the default tenant do not reach either."""
    details = "/beta/reports/userCredentialUsageDetails"
    start = len((await (await client.get(details, headers=AUTH)).json())["value"])
    assert start > 0
    await create(client, AUTH)
    await make_tenant(client, id=A)
    await make_tenant(client, id=B, dataset="empty")
    assert len((await (await client.get(details, headers=bearer(A))).json())["value"]) == start
    assert (await (await client.get(details, headers=bearer(B))).json())["value"] == []
    assert await listed(client, bearer(A)) == []
    assert len(await listed(client, AUTH)) == 1


async def test_cached_answers_and_report_results_are_the_tenant_s_own(client):
    """Answers derived from a store (report functions, cached reads, filtered views) are not shared
    between tenants whose stores happen to be at the same generation: an empty tenant's report is empty."""
    usage = "/beta/reports/getCredentialUsageSummary(period='D30')"
    details = "/beta/reports/userCredentialUsageDetails?$filter=isSuccess eq true"
    await make_tenant(client, id=B, dataset="empty")
    state = state_of(client)
    assert state.tenants.get(B).store.generation == state.store.generation  # what a shared cache keys on
    full = (await (await client.get(usage, headers=AUTH)).json())["value"]
    some = (await (await client.get(details, headers=AUTH)).json())["value"]
    assert full
    assert some
    assert (await (await client.get(usage, headers=bearer(B))).json())["value"] == []
    assert (await (await client.get(details, headers=bearer(B))).json())["value"] == []
    first = await (await client.get(details + "&$top=1", headers=AUTH)).json()
    later = local(first["@odata.nextLink"])
    assert (await (await client.get(later, headers=AUTH)).json())["value"]  # the default tenant's view
    assert (await (await client.get(later, headers=bearer(B))).json())["value"] == []


# --- which tenant a request acts in ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        AUTH,  # not a JWT
        bearer(None),  # a JWT without a tid
        bearer("cccccccc-0000-4000-8000-00000000000c"),  # a tid no tenant has
        bearer(12345),  # type: ignore[arg-type]  # a tid that is not text
        {"Authorization": "Bearer a.!!!.c"},  # three parts, not base64 JSON
    ],
    ids=["opaque", "no-tid", "unknown-tid", "number-tid", "broken-jwt"],
)
async def test_tokens_naming_no_known_tenant_act_in_the_default_tenant(empty, headers):
    await make_tenant(empty, id=A)
    made = await create(empty, {**headers, "Content-Type": "application/json"})
    assert await listed(empty, AUTH) == [made]
    assert await listed(empty, bearer(A)) == []


async def test_a_tid_in_any_case_names_its_tenant(empty):
    await make_tenant(empty, id=A)
    made = await create(empty, bearer(A.upper()))
    assert await listed(empty, bearer(A)) == [made]
    assert await listed(empty, AUTH) == []


async def test_batch_steps_act_in_the_batch_s_tenant(empty):
    """Every step of a $batch acts in the tenant of the batch's token, whatever a step's own headers say."""
    await make_tenant(empty, id=A)
    await make_tenant(empty, id=B)
    steps = [
        {"id": "1", "method": "POST", "url": "/reports/credentialUsageSummaries", "body": SUMMARY,
         "headers": {"Content-Type": "application/json"}},
        {"id": "2", "method": "POST", "url": "/reports/credentialUsageSummaries", "body": SUMMARY,
         "headers": {"Content-Type": "application/json", "Authorization": bearer(B)["Authorization"]}},
    ]  # fmt: skip
    response = await empty.post("/beta/$batch", json={"requests": steps}, headers=bearer(A))
    assert response.status == 200, await response.text()
    assert [r["status"] for r in (await response.json())["responses"]] == [201, 201]
    assert len(await listed(empty, bearer(A))) == 2
    assert await listed(empty, bearer(B)) == []
    tagged = (await (await empty.get("/_fakegraph/requests?method=POST")).json())["value"]
    assert [e["tenant"] for e in tagged] == [A, A, A]  # the batch and its two steps


# --- each tenant's own clock, ids, faults, stubs, journal ---------------------------------------------


async def test_each_tenant_s_clock_moves_alone(empty):
    await make_tenant(empty, id=A)
    moved = await empty.post(f"/_fakegraph/clock?tenant={A}", json={"advanceSeconds": 86400})
    assert (await moved.json())["now"] == "2026-01-02T00:00:00Z"
    assert (await (await empty.get("/_fakegraph/clock")).json())["now"] == "2026-01-01T00:00:00Z"
    await create(empty, bearer(A))
    await create(empty, AUTH)
    times = {
        e["tenant"]: e["time"] for e in (await (await empty.get("/_fakegraph/requests")).json())["value"]
    }
    assert times == {A: "2026-01-02T00:00:00Z", DEFAULT_TENANT_ID: "2026-01-01T00:00:00Z"}
    assert state_of(empty).tenants.get(A).clock.now().day == 2


async def test_tenant_ids_are_their_own_and_repeat_across_runs(make_client):
    """Ids a tenant draws differ from the default tenant's and another tenant's, and are the same in a
    second server with the same seed; tenant ids drawn for unnamed tenants repeat too."""
    firsts = []
    for _ in range(2):
        client = await make_client(dataset="empty")
        unnamed = await make_tenant(client)
        await make_tenant(client, id=A)
        firsts.append((unnamed["id"], await create(client, bearer(A)), await create(client, AUTH)))
    assert firsts[0] == firsts[1]
    assert firsts[0][1] != firsts[0][2]


async def test_faults_and_stubs_of_one_tenant_do_not_hit_another(empty):
    await make_tenant(empty, id=A)
    await make_tenant(empty, id=B)
    fault = await empty.post(f"/_fakegraph/faults?tenant={A}", json={"kind": "status", "status": 503})
    assert fault.status == 201
    assert (await empty.get(SUMMARIES, headers=bearer(A))).status == 503
    assert (await empty.get(SUMMARIES, headers=bearer(B))).status == 200
    assert (await empty.get(SUMMARIES, headers=AUTH)).status == 200
    listing = await (await empty.get("/_fakegraph/faults")).json()
    assert listing["value"] == []  # the default tenant's faults
    stub = {"method": "GET", "path": "/beta/reports/credentialUsageSummaries", "status": 418, "body": {}}
    assert (await empty.post(f"/_fakegraph/stubs?tenant={B}", json=stub)).status == 201
    assert (await empty.get(SUMMARIES, headers=bearer(B))).status == 418
    assert (await empty.get(SUMMARIES, headers=AUTH)).status == 200
    assert (await empty.delete(f"/_fakegraph/stubs?tenant={B}")).status == 204
    assert (await empty.get(SUMMARIES, headers=bearer(B))).status == 200


async def test_the_journal_is_viewed_and_cleared_per_tenant(empty):
    await make_tenant(empty, id=A, domains=["alpha.example.com"])
    await create(empty, bearer(A))
    await listed(empty, AUTH)
    every = (await (await empty.get("/_fakegraph/requests")).json())["value"]
    assert [(e["method"], e["tenant"]) for e in every] == [("GET", DEFAULT_TENANT_ID), ("POST", A)]
    only_a = (await (await empty.get("/_fakegraph/requests?tenant=alpha.example.com")).json())["value"]
    assert [(e["method"], e["tenant"]) for e in only_a] == [("POST", A)]
    assert (await empty.delete(f"/_fakegraph/requests?tenant={A}")).status == 204
    every = (await (await empty.get("/_fakegraph/requests")).json())["value"]
    assert [e["tenant"] for e in every] == [DEFAULT_TENANT_ID]
    assert state_of(empty).journal.bytes == sum(e.size() for e in state_of(empty).journal.entries())


async def test_state_and_seed_take_a_tenant(empty):
    await make_tenant(empty, id=A)
    kind = "microsoft.graph.credentialUsageSummary"
    seeded = await empty.post(f"/_fakegraph/seed?tenant={A}", json={kind: [{"id": "s1", **SUMMARY}]})
    assert seeded.status == 201, await seeded.text()
    assert await listed(empty, bearer(A)) == ["s1"]
    dumped = await (await empty.get(f"/_fakegraph/state?tenant={A}")).json()
    assert [o["id"] for o in dumped[kind]] == ["s1"]
    assert kind not in (await (await empty.get("/_fakegraph/state")).json())


# --- resets ---------------------------------------------------------------------------------------------


async def test_a_tenant_reset_leaves_the_others(empty):
    await make_tenant(empty, id=A)
    await make_tenant(empty, id=B)
    in_a, in_b, in_default = (
        await create(empty, bearer(A)),
        await create(empty, bearer(B)),
        await create(empty, AUTH),
    )
    await empty.post(f"/_fakegraph/clock?tenant={A}", json={"advanceSeconds": 60})
    await empty.post(
        f"/_fakegraph/faults?tenant={B}", json={"kind": "status", "status": 500, "path": "/nope"}
    )
    assert (await empty.post(f"/_fakegraph/reset?tenant={A}")).status == 204
    assert await listed(empty, bearer(A)) == []
    assert await listed(empty, bearer(B)) == [in_b]
    assert await listed(empty, AUTH) == [in_default]
    assert (await (await empty.get(f"/_fakegraph/clock?tenant={A}")).json())["now"] == "2026-01-01T00:00:00Z"
    assert len((await (await empty.get(f"/_fakegraph/faults?tenant={B}")).json())["value"]) == 1
    assert await create(empty, bearer(A)) == in_a  # its ids start over
    assert (await empty.post(f"/_fakegraph/reset?tenant={DEFAULT_TENANT_ID}")).status == 204
    assert await listed(empty, AUTH) == []
    assert await listed(empty, bearer(B)) == [in_b]  # the default tenant's reset alone removes no tenant


async def test_a_full_reset_removes_the_tenants_made_since_the_start(empty):
    await make_tenant(empty, id=A)
    await create(empty, bearer(A))
    assert (await empty.post("/_fakegraph/reset")).status == 204
    tenants = (await (await empty.get("/_fakegraph/tenants")).json())["value"]
    assert [t["id"] for t in tenants] == [DEFAULT_TENANT_ID]
    made = await create(empty, bearer(A))  # A is gone: its token acts in the default tenant
    assert await listed(empty, AUTH) == [made]
    assert await make_tenant(empty, id=A)  # and its id may be used again


# --- media URLs -----------------------------------------------------------------------------------------

MESSAGE = "/v1.0/users/ada/messages/m1"
ITEMS = "/v1.0/drives/d1/items"


def local(url: str) -> str:
    return url[url.index("/", len("http://")) :]


def frag(start: int, end: int, total: int) -> dict[str, str]:
    return {
        "Content-Range": f"bytes {start}-{end}/{total}",
        "Content-Length": str(end - start + 1),
        "Content-Type": "application/octet-stream",
    }


async def test_an_upload_session_made_in_a_tenant_is_continued_there(make_client, media_pack):
    """The uploadUrl of a session a tenant opened names that tenant; its fragments (sent without a token)
    finish the upload there: the attachment is the tenant's, not the default tenant's. The same session
    under the default tenant's URL, or under a tenant removed since, is a 404."""
    graph = await make_client(data=media_pack)
    await make_tenant(graph, id=B)
    data = os.urandom(3000)
    descriptor = {"AttachmentItem": {"attachmentType": "file", "name": "b.bin", "size": len(data)}}
    opened = await graph.post(
        f"{MESSAGE}/attachments/createUploadSession", json=descriptor, headers=bearer(B)
    )
    assert opened.status == 201, await opened.text()
    url = local((await opened.json())["uploadUrl"])
    assert url.startswith(f"/_media/tenants/{B}/uploads/")
    assert (await graph.get(url.replace(f"/tenants/{B}", ""))).status == 404  # not the default tenant's
    assert (await graph.put(url, data=data[:1000], headers=frag(0, 999, 3000))).status == 202
    done = await graph.put(url, data=data[1000:], headers=frag(1000, 2999, 3000))
    assert done.status == 201, await done.text()
    made = (await done.json())["id"]
    in_b = await (await graph.get(f"{MESSAGE}/attachments", headers=bearer(B))).json()
    assert [a["id"] for a in in_b["value"]] == [made]
    in_default = await (await graph.get(f"{MESSAGE}/attachments", headers=AUTH)).json()
    assert in_default["value"] == []
    raw = await graph.get(f"{MESSAGE}/attachments/{made}/$value", headers=bearer(B))
    assert await raw.read() == data
    again = await (await graph.post(f"{MESSAGE}/attachments/createUploadSession", json=descriptor,
                                    headers=bearer(B))).json()  # fmt: skip
    assert (await graph.delete(f"/_fakegraph/tenants/{B}")).status == 204
    gone = await graph.put(local(again["uploadUrl"]), data=data[:10], headers=frag(0, 9, 3000))
    assert (gone.status, (await gone.json())["error"]["code"]) == (404, "itemNotFound")


async def test_a_download_url_names_its_tenant(make_client, media_pack):
    """A drive item's content written in a tenant redirects to a download URL in that tenant, served
    without a token; the same token under the default tenant's download URL is a 404."""
    graph = await make_client(data=media_pack)
    await make_tenant(graph, id=B)
    created = await graph.post(ITEMS, json={"name": "b.txt", "file": {}}, headers=bearer(B))
    item = (await created.json())["id"]
    headers = {**bearer(B), "Content-Type": "text/plain"}
    assert (await graph.put(f"{ITEMS}/{item}/content", data=b"tenant b", headers=headers)).status in {
        200,
        201,
    }
    redirect = await graph.get(f"{ITEMS}/{item}/content", headers=bearer(B), allow_redirects=False)
    assert redirect.status == 302
    location = local(redirect.headers["Location"])
    assert location.startswith(f"/_media/tenants/{B}/downloads/")
    assert await (await graph.get(location)).read() == b"tenant b"
    assert (await graph.get(location.replace(f"/tenants/{B}", ""))).status == 404
    assert (await graph.get(f"{ITEMS}/{item}/content", headers=AUTH)).status == 404  # no such item there


# --- the control plane's tenants endpoints --------------------------------------------------------------


async def test_tenants_are_listed_made_read_and_removed(make_client):
    client = await make_client(dataset="empty", tenant_domains=("contoso.onmicrosoft.com",))
    made = await client.post(
        "/_fakegraph/tenants", json={"id": A.upper(), "domains": ["Fabrikam.example.com"], "dataset": "empty"}
    )
    assert made.status == 201
    body = await made.json()
    assert body == {"id": A, "domains": ["fabrikam.example.com"], "dataset": "empty", "isDefault": False}
    assert made.headers["Location"].endswith(f"/_fakegraph/tenants/{A}")
    listing = (await (await client.get("/_fakegraph/tenants")).json())["value"]
    assert listing == [
        {
            "id": DEFAULT_TENANT_ID,
            "domains": ["contoso.onmicrosoft.com"],
            "dataset": "empty",
            "isDefault": True,
        },
        body,
    ]
    assert await (await client.get("/_fakegraph/tenants/FABRIKAM.example.com")).json() == body
    tenants = state_of(client).tenants
    assert tenants.resolve("Contoso.OnMicrosoft.com") == DEFAULT_TENANT_ID
    assert tenants.resolve(A.upper()) == A
    assert tenants.resolve("nobody.example.com") is None
    assert (await client.delete(f"/_fakegraph/tenants/{A}")).status == 204
    assert tenants.resolve("fabrikam.example.com") is None
    assert [t["id"] for t in (await (await client.get("/_fakegraph/tenants")).json())["value"]] == [
        DEFAULT_TENANT_ID
    ]


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"id": "not-a-guid"}, 400, "GUID"),
        ({"id": 7}, 400, "GUID"),
        ({"id": A}, 409, A),  # made before
        ({"id": DEFAULT_TENANT_ID}, 409, DEFAULT_TENANT_ID),
        ({"domains": ["alpha.example.com"]}, 409, "alpha.example.com"),  # A's
        ({"domains": ["contoso.onmicrosoft.com"]}, 409, "contoso.onmicrosoft.com"),  # the default's
        ({"domains": ["no spaces.com"]}, 400, "domain"),
        ({"domains": ["localhost"]}, 400, "domain"),
        ({"domains": "alpha.example.com"}, 400, "domains"),
        ({"domains": [f"d{n}.example.com" for n in range(101)]}, 400, "at most 100"),
        ({"dataset": "/etc/passwd"}, 400, "dataset"),
        ({"name": "x"}, 400, "name"),
        ([A], 400, "JSON object"),
    ],
)
async def test_bad_tenant_input_is_a_clear_4xx(make_client, body, status, named):
    client = await make_client(dataset="empty", tenant_domains=("contoso.onmicrosoft.com",))
    await make_tenant(client, id=A, domains=["alpha.example.com"])
    response = await client.post("/_fakegraph/tenants", json=body)
    got, _, message = await error_of(response)
    assert got == status
    assert named in message
    assert len(state_of(client).tenants) == 2  # nothing made


async def test_one_tenant_over_the_limit_is_a_400_naming_it(make_client):
    client = await make_client(dataset="empty", max_tenants=3)
    await make_tenant(client)
    await make_tenant(client)
    status, _, message = await error_of(await client.post("/_fakegraph/tenants", json={}))
    assert status == 400
    assert "at most 3 tenants" in message
    assert "max_tenants" in message
    removed = state_of(client).tenants.ids()[1]
    assert (await client.delete(f"/_fakegraph/tenants/{removed}")).status == 204
    await make_tenant(client)  # room again


async def test_control_plane_tenant_errors_are_4xx(empty):
    unknown = "dddddddd-0000-4000-8000-00000000000d"
    for path in ("clock", "requests", "state", "faults", "stubs"):
        status, _, message = await error_of(await empty.get(f"/_fakegraph/{path}?tenant={unknown}"))
        assert (status, unknown in message) == (404, True), path
    assert (await error_of(await empty.post(f"/_fakegraph/reset?tenant={unknown}")))[0] == 404
    assert (await error_of(await empty.post("/_fakegraph/reset?tenant=")))[0] == 404
    status, _, message = await error_of(await empty.delete(f"/_fakegraph/tenants/{DEFAULT_TENANT_ID}"))
    assert (status, "default tenant" in message) == (400, True)
    assert (await error_of(await empty.delete(f"/_fakegraph/tenants/{unknown}")))[0] == 404
    assert (await error_of(await empty.get(f"/_fakegraph/tenants/{'x' * 5000}")))[0] == 404
    assert (await empty.put("/_fakegraph/tenants")).status == 405
    assert (await empty.patch(f"/_fakegraph/tenants/{DEFAULT_TENANT_ID}")).status == 405
    empty_body = await empty.post("/_fakegraph/tenants")  # no body: a tenant with a drawn id
    assert empty_body.status == 201


# --- durable state and other settings ------------------------------------------------------------------


async def test_only_the_default_tenant_is_durable(make_client, tmp_path):
    """With --state, the default tenant's writes survive a restart; another tenant's live in memory only,
    and making or writing in one logs nothing."""
    path = tmp_path / "state.db"
    client = await make_client(dataset="empty", state_file=str(path))
    await make_tenant(client, id=A)
    in_a, in_default = await create(client, bearer(A)), await create(client, AUTH)
    assert in_a != in_default
    again = build_state(state_of(client).settings)
    kind = "microsoft.graph.credentialUsageSummary"
    assert [o["id"] for o in again.store.all(kind)] == [in_default]
    assert again.tenants.ids() == [DEFAULT_TENANT_ID]


async def test_a_server_with_another_default_tenant_id(make_client):
    other = "eeeeeeee-0000-4000-8000-00000000000e"
    client = await make_client(dataset="empty", tenant_id=other.upper())
    made = await create(client, bearer(other))
    assert await listed(client, AUTH) == [made]
    assert state_of(client).tenant_id == other
    with pytest.raises(ValueError, match="GUID"):
        Settings(tenant_id="contoso")
    with pytest.raises(ValueError, match="domain"):
        Settings(tenant_domains=("not a domain",))


def test_reload_with_other_settings_drops_the_tenants():
    state = build_state(Settings(dataset="empty"))
    state.tenants.create(A)
    state.reload(Settings(dataset="empty", seed=3))
    assert state.tenants.ids() == [DEFAULT_TENANT_ID]
    assert state.tenants.state_of(A) is state


def test_fakegraph_adds_and_finds_tenants():
    with FakeGraph(dataset="empty") as graph:
        made = graph.add_tenant(domains=["t.example.com"])
        assert graph.tenant("T.example.com") is made
        assert graph.tenant(DEFAULT_TENANT_ID) is graph.state
        graph.reset()
        with pytest.raises(Exception, match="no tenant"):
            graph.tenant(made.tenant_id)


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--tenant-id", "contoso"], "tenant_id: a tenant id must be a GUID"),
        (["--tenant-domain", "not a domain"], "tenant_domains: a tenant's domain must be"),
        (["--max-tenants", "0"], "max_tenants must be at least 1"),
    ],
)
def test_serve_refuses_bad_tenant_settings_in_one_line(capsys, flags, says):
    from fakegraph.cli import main

    assert main(["serve", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert says in err


def test_tenant_settings_from_the_environment():
    settings = Settings.from_env(
        {
            "FAKEGRAPH_TENANT_ID": A.upper(),
            "FAKEGRAPH_TENANT_DOMAINS": "Contoso.example.com, fabrikam.example.com",
            "FAKEGRAPH_MAX_TENANTS": "7",
        }
    )
    assert (settings.tenant_id, settings.tenant_domains, settings.max_tenants) == (
        A,
        ("contoso.example.com", "fabrikam.example.com"),
        7,
    )
