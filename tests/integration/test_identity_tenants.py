"""Tenants with real tokens (issue 16): each tenant's token endpoint issues tokens carrying its `tid`, the
request acts in that tenant's store, and with --enforce-permissions a token acts nowhere else: concurrent
clients of two tenants never see each other's objects; apps, refresh tokens and clocks are the tenant's own;
a removed tenant's tokens are refused. On the project's own pages (tests/data/compiled)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fakegraph.model.settings import DEFAULT_TENANT_ID
from fakegraph.server import FakeGraph

PACK = Path(__file__).resolve().parents[1] / "data" / "compiled"
A = DEFAULT_TENANT_ID
B = "0b0b0b0b-1111-4222-8333-444455556666"
GRAPH = "https://graph.microsoft.com/.default"


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(
        data=str(PACK), enforce_permissions=True, apps=("shared-app:secret-a:Gadgets.Read.All",)
    ) as g:
        yield g


@pytest.fixture
def http(graph: FakeGraph) -> Iterator[httpx.Client]:
    graph.reset()
    with httpx.Client(base_url=graph.url) as client:
        made = client.post("/_fakegraph/tenants", json={"id": B, "domains": ["fabrikam.example"]})
        assert made.status_code == 201, made.text
        registered = client.post("/_fakegraph/apps", json={"clientId": "shared-app", "secret": "secret-b",
                                 "tenantId": "fabrikam.example", "roles": ["Gadgets.Read.All"]})  # fmt: skip
        assert registered.status_code == 201, registered.text
        yield client
    graph.check()


def cc(client_id: str, secret: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "scope": GRAPH,
    }


def token(http: httpx.Client, tenant: str, secret: str) -> str:
    answer = http.post(f"/{tenant}/oauth2/v2.0/token", data=cc("shared-app", secret))
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def auth(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_concurrent_clients_of_two_tenants_with_their_own_tokens(
    http: httpx.Client, graph: FakeGraph
) -> None:
    tokens = {A: token(http, A, "secret-a"), B: token(http, "fabrikam.example", "secret-b")}
    claims = {t: json.loads(base64.urlsafe_b64decode(v.split(".")[1] + "==")) for t, v in tokens.items()}
    assert {t: c["tid"] for t, c in claims.items()} == {A: A, B: B}
    start = {t: {o["id"] for o in http.get("/beta/gadgetTeams", headers=auth(v)).json()["value"]}
             for t, v in tokens.items()}  # fmt: skip

    async def run() -> dict[str, list[str]]:
        async with httpx.AsyncClient(base_url=graph.url) as client:

            async def create(tenant: str, n: int) -> str:
                body = {"displayName": f"{tenant[:4]} team {n}"}
                answer = await client.post("/beta/gadgetTeams", json=body, headers=auth(tokens[tenant]))
                assert answer.status_code == 201, answer.text
                return str(answer.json()["id"])

            jobs = [create(t, n) for n in range(25) for t in (A, B)]
            made = await asyncio.gather(*jobs)
            return {A: made[0::2], B: made[1::2]}

    made = asyncio.run(run())
    for tenant, other in ((A, B), (B, A)):
        listed = {
            o["id"] for o in http.get("/beta/gadgetTeams", headers=auth(tokens[tenant])).json()["value"]
        }
        assert listed == start[tenant] | set(made[tenant])
        assert not listed & set(made[other])
        stranger = http.get(f"/beta/gadgetTeams/{made[other][0]}", headers=auth(tokens[tenant]))
        assert stranger.status_code == 404
    assert http.delete(f"/beta/gadgetTeams/{made[A][0]}", headers=auth(tokens[B])).status_code == 404
    assert http.get(f"/beta/gadgetTeams/{made[A][0]}", headers=auth(tokens[A])).status_code == 200


def test_apps_grants_and_clocks_are_the_tenants_own(http: httpx.Client) -> None:
    wrong = http.post(f"/{A}/oauth2/v2.0/token", data=cc("shared-app", "secret-b"))
    assert wrong.json()["error_codes"] == [7000215]  # B's secret is not the app's in A
    http.post(
        "/_fakegraph/apps", json={"clientId": "b-only", "secret": "s", "tenantId": B}
    ).raise_for_status()
    missing = http.post(f"/{A}/oauth2/v2.0/token", data=cc("b-only", "s"))
    assert missing.json()["error_codes"] == [700016]
    http.post(
        "/_fakegraph/apps", json={"clientId": "user-app", "secret": "u", "scopes": ["Gadgets.Read.All"]}
    )
    form = {"grant_type": "password", "client_id": "user-app", "client_secret": "u", "password": "fakegraph",
            "username": "ana@contoso.example", "scope": "Gadgets.Read.All offline_access"}  # fmt: skip
    refresh = http.post(f"/{A}/oauth2/v2.0/token", data=form).json()["refresh_token"]
    http.post("/_fakegraph/apps", json={"clientId": "user-app", "secret": "u", "tenantId": B})
    again = {
        "grant_type": "refresh_token",
        "client_id": "user-app",
        "client_secret": "u",
        "refresh_token": refresh,
    }
    elsewhere = http.post(f"/{B}/oauth2/v2.0/token", data=again)
    assert elsewhere.json()["error_codes"] == [70000]  # a refresh token of tenant A redeemed at tenant B
    in_a, in_b = token(http, A, "secret-a"), token(http, B, "secret-b")
    http.post(f"/_fakegraph/clock?tenant={B}", json={"advanceSeconds": 3599 + 301}).raise_for_status()
    assert http.get("/beta/gadgetTeams", headers=auth(in_a)).status_code == 200
    late = http.get("/beta/gadgetTeams", headers=auth(in_b))
    assert late.json()["error"]["message"] == "Lifetime validation failed, the token is expired."


def test_a_removed_tenants_tokens_and_apps_are_gone(http: httpx.Client) -> None:
    in_b = token(http, B, "secret-b")
    assert http.delete(f"/_fakegraph/tenants/{B}").status_code == 204
    refused = http.get("/beta/gadgetTeams", headers=auth(in_b))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].endswith("The token's tenant is not one this server holds.")
    gone = http.post(f"/{B}/oauth2/v2.0/token", data=cc("shared-app", "secret-b"))
    assert gone.json()["error_codes"] == [90002]
    assert {a["tenantId"] for a in http.get("/_fakegraph/apps").json()["value"]} == {A}
