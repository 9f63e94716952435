"""`GET /{version}/$metadata` (ARCHITECTURE A20): the served pack's CSDL document, as XML whatever the client
asks for, without a token, made on first request; and every `@odata.context` the fake answers with names
something in it: on the sample pack for each kind of answer, and for every documented example of the shipped
pack sent through the app."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

from fakegraph.artifacts.contract import VERSIONS
from fakegraph.replay import examples_of
from tests import csdl_reader
from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, ClientFactory, state_of

SAMPLE = DATA / "compiled"
ANA = "1f3c0000-0000-4000-8000-00000000000a"


async def test_metadata_is_xml_without_a_token_whatever_the_client_asks(client):
    plain = await client.get("/v1.0/$metadata")
    assert plain.status == 200
    assert plain.headers["Content-Type"].startswith("application/xml")
    assert plain.headers["OData-Version"] == "4.0"
    body = await plain.read()
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    for asked in (
        await client.get("/v1.0/$metadata?$format=json", headers=AUTH),
        await client.get("/v1.0/$metadata", headers={"Accept": "application/json"}),
        await client.get("/v1.0/$metadata?$format=application/json;odata.metadata=full"),
    ):
        assert asked.status == 200
        assert asked.headers["Content-Type"].startswith("application/xml")
        assert await asked.read() == body


async def test_each_version_has_its_own_document_and_an_unknown_version_is_a_400(client):
    v1 = csdl_reader.read(await (await client.get("/v1.0/$metadata")).read())
    beta = csdl_reader.read(await (await client.get("/beta/$metadata")).read())
    assert csdl_reader.entity_type(v1, "microsoft.graph.user") is not None
    only_beta = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary"
    assert csdl_reader.entity_type(beta, only_beta) is not None
    assert csdl_reader.entity_type(v1, only_beta) is None
    unknown = await client.get("/v9.9/$metadata")
    assert unknown.status == 400
    assert (await unknown.json())["error"]["message"] == "Invalid version: v9.9"


async def test_metadata_takes_reads_only_and_is_the_only_segment_after_the_version(client):
    posted = await client.post("/v1.0/$metadata", data=b"", headers=AUTH)
    assert posted.status == 405
    deeper = await client.get("/v1.0/$metadata/users", headers=AUTH)
    assert deeper.status == 400


async def test_the_document_is_made_on_first_request_and_kept(client):
    state = state_of(client)
    assert (await client.get("/v1.0/users?$top=1", headers=AUTH)).status == 200
    assert state.documents == {}  # start-up and other requests do not make it (ARCHITECTURE A13)
    first = await (await client.get("/beta/$metadata")).read()
    assert set(state.documents) == {"beta"}
    state.documents["beta"] = b"kept"
    assert await (await client.get("/beta/$metadata")).read() == b"kept"
    assert first


# --- contexts on the sample pack ------------------------------------------------------------------------


@pytest.fixture
async def sample(make_client: ClientFactory) -> Any:
    client = await make_client(data=SAMPLE, dataset="empty")
    seeded = await client.post(
        "/_fakegraph/seed",
        json={
            "microsoft.graph.gadgetUser": [
                {"id": ANA, "displayName": "Ana", "userPrincipalName": "ana@x.example"}
            ],
            "microsoft.graph.gadgetAdmin": [{"id": "adm", "displayName": "Root", "adminLevel": 3}],
            "microsoft.graph.gadgetTeam": [{"id": "t-blue", "displayName": "Blue"}],
        },
    )
    assert seeded.status == 201, await seeded.text()
    return client


async def _context(client: Any, method: str, path: str, body: Any = None) -> str:
    response = await client.request(method, path, json=body, headers=JSON if body is not None else AUTH)
    assert response.status in {200, 201}, f"{method} {path}: {await response.text()}"
    return str((await response.json())["@odata.context"])


async def test_every_kind_of_answer_has_a_context_the_document_resolves(sample):
    """Lists, items, navigation lists, singletons, counts, functions, `$select`, `$entity`, references,
    creates, casts and documented answers: each context names, in the served document, the type the answer
    holds."""
    edm = csdl_reader.read(await (await sample.get("/beta/$metadata")).read())
    note = await _context(sample, "POST", f"/beta/gadgetUsers/{ANA}/notes", {"text": "hi"})
    linked = await sample.post(
        "/beta/gadgetTeams/t-blue/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/beta/gadgetUsers/{ANA}"},
        headers=JSON,
    )
    assert linked.status == 204
    usage = await sample.post("/beta/gadgets/usages", json={"id": "u1", "slot": 1}, headers=JSON)
    assert usage.status == 201, await usage.text()
    expected = {
        ("GET", "/beta/gadgetUsers"): "Collection(microsoft.graph.gadgetUser)",
        ("GET", f"/beta/gadgetUsers/{ANA}"): "microsoft.graph.gadgetUser",
        ("GET", "/beta/gadgetUsers/ana@x.example"): "microsoft.graph.gadgetUser",
        ("GET", "/beta/gadgetUsers?$select=id,displayName"): "Collection(microsoft.graph.gadgetUser)",
        ("GET", f"/beta/gadgetUsers/{ANA}?$select=displayName"): "microsoft.graph.gadgetUser",
        ("GET", "/beta/gadgetUsers?$count=true&$top=1"): "Collection(microsoft.graph.gadgetUser)",
        ("GET", f"/beta/gadgetUsers/{ANA}/notes"): "Collection(microsoft.graph.gadgetNote)",
        ("GET", "/beta/me"): "microsoft.graph.gadgetUser",
        ("GET", "/beta/me/notes?$select=text"): "Collection(microsoft.graph.gadgetNote)",
        ("GET", "/beta/gadgetSettings"): "microsoft.graph.gadgetSettings",
        ("GET", "/beta/gadgetTeams/t-blue/members"): "Collection(microsoft.graph.gadgetUser)",
        ("GET", "/beta/gadgetTeams/t-blue/members/$ref"): "Collection($ref)",
        ("GET", "/beta/gadgetUsers/microsoft.graph.gadgetAdmin"): "Collection(microsoft.graph.gadgetUser)",
        ("GET", "/beta/gadgets/usages"): "Collection(microsoft.graph.gadgetUsage)",
        ("GET", "/beta/gadgets/usages/u1"): "microsoft.graph.gadgetUsage",
        ("GET", "/beta/fleet/gadgetFleetSummaries"): "Collection(microsoft.graph.fleet.gadgetFleetSummary)",
        ("GET", "/beta/gadgets/getGadgetCount"): "Collection(microsoft.graph.gadgetPart)",
        ("GET", "/beta/gadgets/getGadgetSummary(period='P7')"): "Collection(microsoft.graph.gadgetUsage)",
        ("POST", "/beta/gadgetTeams"): "microsoft.graph.gadgetTeam",
        ("PUT", "/beta/gadgets/parts/p1"): "microsoft.graph.gadgetPart",
    }
    bodies = {
        ("POST", "/beta/gadgetTeams"): {"displayName": "Red"},
        ("PUT", "/beta/gadgets/parts/p1"): {"label": "x"},
    }
    found = {}
    for (method, path), wanted in expected.items():
        context = await _context(sample, method, path, bodies.get((method, path)))
        found[(method, path)] = csdl_reader.resolve(edm, context)
        assert found[(method, path)] == wanted, f"{method} {path}: {context}"
    assert csdl_reader.resolve(edm, note) == "microsoft.graph.gadgetNote"
    selected = await _context(sample, "GET", "/beta/gadgetUsers?$select=id,displayName")
    assert selected.endswith("/beta/$metadata#gadgetUsers(id,displayName)")


async def test_an_item_read_without_a_key_is_named_by_its_own_path(client):
    """`/me/drive` answers a drive, and its context says so (`me/drive/$entity`, not `me/$entity`, which names
    a user); `/me/mailboxSettings` answers a complex value, whose context has no `/$entity`."""
    edm = csdl_reader.read(await (await client.get("/v1.0/$metadata")).read())
    for path, context, named in (
        ("/v1.0/me/drive", "me/drive/$entity", "microsoft.graph.drive"),
        ("/v1.0/me/mailboxSettings", "me/mailboxSettings", "microsoft.graph.mailboxSettings"),
        ("/v1.0/me", "users/$entity", "microsoft.graph.user"),  # Graph names /me's entity set
    ):
        response = await client.get(path, headers=AUTH)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert body["@odata.context"].endswith(f"/v1.0/$metadata#{context}")
        assert csdl_reader.resolve(edm, body["@odata.context"]) == named
        assert csdl_reader.holds(edm, named, body["@odata.type"])


def test_a_context_naming_nothing_is_refused_by_the_resolver():
    """The resolver the test above relies on can fail: an unknown entity set, a property the type lacks,
    a `$select` of an unknown property and an unknown type are each Unresolved."""
    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.odata import csdl

    edm = csdl_reader.read(csdl.document(load_catalogue(SAMPLE), "beta"))
    for context in (
        "#gadgetPeople",
        "#gadgetUsers('x')/friends",
        "#gadgetUsers(id,shoeSize)",
        "#Collection(microsoft.graph.gadgetShoe)",
        "#gadgetSettings/theme/$entity",
    ):
        with pytest.raises(csdl_reader.Unresolved):
            csdl_reader.resolve(edm, context)


# --- contexts of the shipped pack's documented examples ----------------------------------------------------

_PLACEHOLDER = re.compile(r"^\{[^}]*\}$")


def _documented_fragment(pack: Path, version: str, name: str) -> str | None:
    fixture = json.loads((pack / "fixtures" / version / "examples" / f"{name}.json").read_text("utf-8"))
    body = (fixture.get("response") or {}).get("body")
    context = body.get("@odata.context") if isinstance(body, dict) else None
    return context.partition("#")[2] if isinstance(context, str) and "#" in context else None


def _addressable(edm: Any, path: str) -> bool:
    """Whether a request path (keys as segments) names something in the model at all."""
    try:
        csdl_reader.resolve(edm, "#" + unquote(path.split("?", 1)[0]).strip("/"))
    except csdl_reader.Unresolved:
        return False
    return True


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_context_of_every_documented_example_resolves(client, version):
    """Every documented example of the shipped pack, sent through the app with its placeholders bound to
    objects the fake holds: each answer's `@odata.context` resolves in the version's document. Two kinds
    are counted apart, and nothing else may fail: a context the page documents word for word (the fake
    answers it as documented, A11; some name a type without its namespace, which Graph's model cannot
    resolve either), and a request path that names nothing in the model (a page's path with a property
    below a collection, `(team-id)`, `~`, or `$value`), whose context can name nothing either."""
    edm = csdl_reader.read(await (await client.get(f"/{version}/$metadata")).read())
    pack = state_of(client).settings.data  # the shipped pack
    first: dict[str, str | None] = {}

    async def first_id(collection: str) -> str | None:
        if collection not in first:
            listed = await client.get(collection, headers=AUTH)
            body = await listed.json() if listed.status == 200 else {}
            value = body.get("value") if isinstance(body, dict) else None
            item = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}
            first[collection] = str(item["id"]) if "id" in item else None
        return first[collection]

    resolved, documented, unaddressable, wrong = 0, [], [], []
    for example in examples_of(pack):
        if example.version != version:
            continue
        assert (await client.post("/_fakegraph/reset")).status in {200, 204}
        head, mark, query = example.path.partition("?")
        segments = head.split("/")
        for index, segment in enumerate(segments):
            key = (
                await first_id(f"/{version}" + "/".join(segments[:index]))
                if _PLACEHOLDER.match(segment)
                else None
            )
            segments[index] = quote(key, safe="") if key else segment
        path = "/".join(segments) + mark + query
        # The documented headers, but for those of the documented body (a Content-Length of a body not sent
        # would keep the server waiting for it).
        skipped = {"authorization", "content-length", "host"}
        given = {k: v for k, v in example.headers if k.lower() not in skipped}
        headers = {**given, **(JSON if example.body is not None else AUTH)}
        data = None
        if example.body is not None:
            data = (example.body if isinstance(example.body, str) else json.dumps(example.body)).encode()
        answer = await client.request(
            example.method,
            quote(f"/{version}{path}", safe="/$',()=:@!*+;&?%-._~"),
            data=data,
            headers=headers,
        )
        try:
            context = (await answer.json(content_type=None)).get("@odata.context")
        except (ValueError, AttributeError):
            continue
        if not isinstance(context, str):
            continue
        try:
            csdl_reader.resolve(edm, context)
            resolved += 1
        except csdl_reader.Unresolved as exc:
            if context.partition("#")[2] == _documented_fragment(pack, version, example.name):
                documented.append(example.name)
            elif not _addressable(edm, path):
                unaddressable.append(f"{example.method} {path}")
            else:
                wrong.append(str(exc))
    assert wrong == []
    assert resolved > 10 * (len(documented) + len(unaddressable)), (documented, unaddressable)
