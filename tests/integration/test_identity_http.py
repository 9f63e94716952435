"""The offline Entra and --enforce-permissions over plain HTTP, on the project's own sample pack
(tests/data/compiled, whose pages carry permission tables: listed, "Not supported" and TODO rows).

Token endpoint flows, Entra's error body for bad token requests, and Graph's 401/403 for tokens that do not
pass: unsigned (`alg: none`), tampered, signed by another server, for another audience, expired, or of a
tenant this server does not hold."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import trustme

from fakegraph.http.registrations import mint
from fakegraph.model.settings import DEFAULT_TENANT_ID
from fakegraph.server import FakeGraph

PACK = Path(__file__).resolve().parents[1] / "data" / "compiled"
TENANT = DEFAULT_TENANT_ID
TOKEN_PATH = f"/{TENANT}/oauth2/v2.0/token"
USER = ("ana@contoso.example", "fakegraph")  # the sample user of the pack, the default password
APPS = (
    "reader:reader-secret:Gadgets.Read.All:Gadgets.Read.All",  # app and delegated Gadgets.Read.All
    "writer:writer-secret:Gadgets.ReadWrite.All",
    "public-client::",  # no secret: a public client (ROPC, auth code)
    "norights:norights-secret",
)
GRAPH = "https://graph.microsoft.com/.default"
CC = {"grant_type": "client_credentials", "client_id": "reader"}
ROPC = {"grant_type": "password", "client_id": "public-client"}
ENTRA_KEYS = {
    "error",
    "error_description",
    "error_codes",
    "timestamp",
    "trace_id",
    "correlation_id",
    "error_uri",
}


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph(data=str(PACK), apps=APPS, enforce_permissions=True) as running:
        yield running


@pytest.fixture
def http(graph: FakeGraph) -> Iterator[httpx.Client]:
    graph.reset()
    with httpx.Client(base_url=graph.url, follow_redirects=False) as client:
        yield client
    graph.check()  # no unexpected server exception


def token(http: httpx.Client, **form: str) -> httpx.Response:
    return http.post(TOKEN_PATH, data=form)


def app_token(http: httpx.Client, client: str, secret: str) -> str:
    answer = token(http, grant_type="client_credentials", client_id=client, client_secret=secret, scope=GRAPH)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def entra_error(answer: httpx.Response, status: int, error: str, code: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == ENTRA_KEYS
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]
    return dict(body)


def graph_error(answer: httpx.Response, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code
    return str(error["message"])


# the token endpoint


def test_client_credentials_token_holds_the_apps_roles(http: httpx.Client) -> None:
    answer = token(http, grant_type="client_credentials", client_id="writer", client_secret="writer-secret",
                   scope=GRAPH)  # fmt: skip
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store, no-cache"
    body = answer.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["Gadgets.ReadWrite.All"]
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["tid"] == TENANT
    assert "scp" not in claims


def test_client_secret_basic_and_the_fakes_own_address_as_resource(http: httpx.Client) -> None:
    """A secret in a Basic header, and the scope Kiota derives from the fake's host (without its port)."""
    basic = base64.b64encode(b"reader:reader-secret").decode()
    answer = http.post(TOKEN_PATH, data={"grant_type": "client_credentials", "scope": "https://127.0.0.1/.default"},
                       headers={"Authorization": f"Basic {basic}"})  # fmt: skip
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({}, 400, "invalid_request", 900144),  # no grant_type
        ({"grant_type": "magic", "client_id": "reader"}, 400, "unsupported_grant_type", 70003),
        ({"grant_type": "client_credentials", "scope": GRAPH}, 400, "invalid_request", 900144),  # no client
        ({"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x", "scope": GRAPH},
         400, "unauthorized_client", 700016),
        ({**CC, "client_secret": "wrong", "scope": GRAPH},
         401, "invalid_client", 7000215),
        ({**CC, "scope": GRAPH}, 401, "invalid_client", 7000218),
        ({**CC, "client_secret": "reader-secret",
          "scope": "Gadgets.Read.All"}, 400, "invalid_scope", 1002012),
        ({**CC, "client_secret": "reader-secret",
          "scope": "api://elsewhere/.default"}, 400, "invalid_resource", 500011),
        ({**CC, "client_secret": "reader-secret"},
         400, "invalid_request", 900144),  # no scope
        ({**CC, "client_assertion_type": "urn:x",
          "client_assertion": "a.b.c", "scope": GRAPH}, 400, "invalid_request", 70002),
        ({**CC, "scope": GRAPH,
          "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          "client_assertion": "not-a-jwt"}, 401, "invalid_client", 700027),
        ({**ROPC, "username": USER[0], "password": "wrong",
          "scope": "Gadgets.Read.All"}, 400, "invalid_grant", 50126),
        ({**ROPC, "username": "nobody@contoso.example",
          "password": "x", "scope": "Gadgets.Read.All"}, 400, "invalid_grant", 50034),
        ({**CC, "grant_type": "password", "client_secret": "reader-secret", "username": USER[0],
          "password": USER[1], "scope": "Gadgets.ReadWrite.All"}, 400, "invalid_grant", 65001),  # not granted
        ({**ROPC, "username": USER[0]},
         400, "invalid_request", 900144),  # no password
        ({"grant_type": "refresh_token", "client_id": "public-client", "refresh_token": "forged"},
         400, "invalid_grant", 9002313),
        ({"grant_type": "authorization_code", "client_id": "public-client", "code": "forged",
          "redirect_uri": "http://localhost/cb"}, 400, "invalid_grant", 70000),
        ({**CC, "client_secret": "x" * 20_000, "scope": GRAPH},
         400, "invalid_request", 900144),  # a field too long
    ],
)  # fmt: skip
def test_bad_token_requests_get_entras_error(
    http: httpx.Client, form: dict[str, str], status: int, error: str, code: int
) -> None:
    entra_error(token(http, **form), status, error, code)


def test_malformed_token_requests(http: httpx.Client) -> None:
    entra_error(http.get(TOKEN_PATH), 400, "invalid_request", 900561)  # the endpoint takes POST only
    as_json = http.post(TOKEN_PATH, json={"grant_type": "client_credentials"})
    entra_error(as_json, 400, "invalid_request", 900144)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in (b"\xff\xfe=1", b"grant_type=password&grant_type=client_credentials", b"a=1&&&=b=c"):
        entra_error(http.post(TOKEN_PATH, content=body, headers=form), 400, "invalid_request", 900144)
    entra_error(http.post(TOKEN_PATH, content=b"grant_type=client_credentials", headers={**form,
                "Authorization": "Basic !!!"}), 400, "invalid_request", 900144)  # fmt: skip
    common = http.post(
        "/common/oauth2/v2.0/token", data={**CC, "client_secret": "reader-secret", "scope": GRAPH}
    )
    entra_error(common, 400, "invalid_request", 9001023)  # a daemon names its tenant
    organizations = http.post("/organizations/oauth2/v2.0/token",
                              data={**CC, "client_secret": "reader-secret", "scope": GRAPH})  # fmt: skip
    assert organizations.status_code == 200  # the app's home tenant
    for tenant, code in (
        ("no-such.example", 90002),
        ("bad_tenant!", 900023),
        ("11111111-2222-3333-4444-555555555555", 90002),
    ):
        form = {**CC, "client_secret": "reader-secret", "scope": GRAPH}
        answer = http.post(f"/{tenant}/oauth2/v2.0/token", data=form)
        entra_error(answer, 400, "invalid_request", code)
    correlated = http.post(TOKEN_PATH, data={}, headers={"client-request-id": "my-correlation"})
    assert entra_error(correlated, 400, "invalid_request", 900144)["correlation_id"] == "my-correlation"


def test_password_then_refresh_token(http: httpx.Client) -> None:
    """ROPC for a user of the sample tenant (the default password), with the OpenID scopes MSAL adds; the
    refresh token gives a new access token for the same user, and is refused to another client."""
    answer = token(http, grant_type="password", client_id="reader", client_secret="reader-secret",
                   username=USER[0], password=USER[1], client_info="1",
                   scope="Gadgets.Read.All openid profile offline_access")  # fmt: skip
    assert answer.status_code == 200, answer.text
    body = answer.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["scp"] == "Gadgets.Read.All"
    assert claims["upn"] == USER[0]
    assert claims["oid"] == "1f3c0000-0000-4000-8000-00000000000a"
    identity = jwt.decode(body["id_token"], options={"verify_signature": False})
    assert identity["aud"] == "reader"
    assert identity["preferred_username"] == USER[0]
    assert identity["iss"] == f"{str(http.base_url).rstrip('/')}/{TENANT}/v2.0"
    info = json.loads(base64.urlsafe_b64decode(body["client_info"] + "=="))
    assert info == {"uid": claims["oid"], "utid": TENANT}
    again = token(http, grant_type="refresh_token", client_id="reader", client_secret="reader-secret",
                  refresh_token=body["refresh_token"])  # fmt: skip
    assert again.status_code == 200, again.text
    assert (
        jwt.decode(again.json()["access_token"], options={"verify_signature": False})["oid"] == claims["oid"]
    )
    stolen = token(
        http, grant_type="refresh_token", client_id="public-client", refresh_token=body["refresh_token"]
    )
    entra_error(stolen, 400, "invalid_grant", 70000)
    me = http.get("/beta/me", headers=bearer(body["access_token"]))  # /me is the signed-in user
    assert me.status_code == 200
    assert me.json()["userPrincipalName"] == USER[0]


def test_authorization_code_with_pkce(http: httpx.Client) -> None:
    """The authorize endpoint signs in the login_hint user and redirects with a code; the code is redeemed
    once, with the verifier of its S256 challenge."""
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {"client_id": "public-client", "response_type": "code", "redirect_uri": "http://localhost/cb",
             "scope": "Gadgets.Read.All openid", "state": "s-1", "code_challenge": challenge,
             "code_challenge_method": "S256", "login_hint": USER[0]}  # fmt: skip
    public = token(http, grant_type="password", client_id="public-client", username=USER[0], password=USER[1])
    entra_error(public, 400, "invalid_grant", 65001)  # the public client has no delegated grant
    http.post("/_fakegraph/apps", json={"clientId": "spa", "scopes": ["Gadgets.Read.All"], "secret": None,
              "redirectUris": ["http://localhost/cb"]}).raise_for_status()  # fmt: skip
    query["client_id"] = "spa"
    redirected = http.get(f"/{TENANT}/oauth2/v2.0/authorize", params=query)
    assert redirected.status_code == 302
    location = urlsplit(redirected.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "http://localhost/cb"
    given = parse_qs(location.query)
    assert given["state"] == ["s-1"]
    code = given["code"][0]
    redeem = {"grant_type": "authorization_code", "client_id": "spa", "code": code,
              "redirect_uri": "http://localhost/cb"}  # fmt: skip
    entra_error(token(http, **redeem, code_verifier="w" * 50), 400, "invalid_grant", 501481)
    fresh = parse_qs(
        urlsplit(http.get(f"/{TENANT}/oauth2/v2.0/authorize", params=query).headers["Location"]).query
    )
    redeem["code"] = fresh["code"][0]
    answer = token(http, **redeem, code_verifier=verifier)
    assert answer.status_code == 200, answer.text
    assert (
        jwt.decode(answer.json()["id_token"], options={"verify_signature": False})["preferred_username"]
        == USER[0]
    )
    entra_error(token(http, **redeem, code_verifier=verifier), 400, "invalid_grant", 54005)  # used once
    elsewhere = http.get(
        f"/{TENANT}/oauth2/v2.0/authorize", params={**query, "redirect_uri": "http://evil/cb"}
    )
    entra_error(elsewhere, 400, "invalid_request", 50011)


def test_discovery_documents(http: httpx.Client) -> None:
    base = str(http.base_url).rstrip("/")
    config = http.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    assert config["issuer"] == f"{base}/{TENANT}/v2.0"
    assert config["token_endpoint"] == f"{base}/{TENANT}/oauth2/v2.0/token"
    keys = http.get(config["jwks_uri"].removeprefix(base)).json()["keys"]
    signed = app_token(http, "reader", "reader-secret")
    assert jwt.decode(signed, jwt.PyJWK(keys[0]).key, algorithms=["RS256"], audience="https://graph.microsoft.com",
                      options={"verify_exp": False})["appid"] == "reader"  # fmt: skip
    common = http.get("/common/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == f"{base}/{{tenantid}}/v2.0"
    endpoint = f"{base}/{TENANT}/oauth2/v2.0/authorize"
    found = http.get(
        "/common/discovery/instance", params={"api-version": "1.1", "authorization_endpoint": endpoint}
    )
    assert (
        found.json()["tenant_discovery_endpoint"] == f"{base}/{TENANT}/v2.0/.well-known/openid-configuration"
    )
    stranger = http.get(
        "/common/discovery/instance", params={"authorization_endpoint": "https://x.example/t"}
    )
    assert stranger.status_code == 400
    assert stranger.json()["error"] == "invalid_instance"
    entra_error(
        http.get("/no-such.example/v2.0/.well-known/openid-configuration"), 400, "invalid_request", 90002
    )
    entra_error(http.post(f"/{TENANT}/discovery/v2.0/keys"), 405, "invalid_request", 900561)


# enforcement


def test_documented_permissions_decide(http: httpx.Client) -> None:
    """A listed row admits a token holding one of its permissions; "Not supported" admits none; a TODO row
    and an operation without a table admit any token this server signed that holds some permission; one
    that holds none is refused everywhere, as Graph refuses it."""
    reader = app_token(http, "reader", "reader-secret")
    writer = app_token(http, "writer", "writer-secret")  # Gadgets.ReadWrite.All: in none of the rows below
    nobody = app_token(http, "norights", "norights-secret")
    summary = "/beta/gadgets/getGadgetSummary(period='P7')"
    assert http.get(summary, headers=bearer(reader)).status_code == 200
    message = graph_error(http.get(summary, headers=bearer(writer)), 403, "Authorization_RequestDenied")
    assert message == "Insufficient privileges to complete the operation."
    graph_error(http.get("/beta/gadgets/usages", headers=bearer(reader)), 403, "Authorization_RequestDenied")
    assert http.get("/beta/gadgetTeams", headers=bearer(writer)).status_code == 200  # no table
    serial = {"serial": "0a1b2c3d-0000-4000-8000-000000000001"}
    created = http.post("/beta/gadgets/usages", headers=bearer(writer), json=serial)  # a TODO row
    assert created.status_code == 201, created.text
    empty = graph_error(
        http.get("/beta/gadgetTeams", headers=bearer(nobody)), 401, "InvalidAuthenticationToken"
    )
    assert empty == "Either scp or roles claim need to be present in the token."
    me = http.get("/beta/me", headers=bearer(reader))
    assert (
        graph_error(me, 400, "BadRequest") == "/me request is only valid with delegated authentication flow."
    )


def test_a_batch_checks_each_step(http: httpx.Client) -> None:
    reader = app_token(http, "reader", "reader-secret")
    steps = {"requests": [{"id": "1", "method": "GET", "url": "/gadgets/getGadgetSummary(period='P7')"},
                          {"id": "2", "method": "GET", "url": "/gadgets/usages"}]}  # fmt: skip
    answer = http.post("/beta/$batch", json=steps, headers=bearer(reader))
    statuses = {r["id"]: r["status"] for r in answer.json()["responses"]}
    assert statuses == {"1": 200, "2": 403}
    assert http.post("/beta/$batch", json=steps, headers=bearer("x")).status_code == 401


def _forged(claims: dict[str, Any], header: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_tokens_graph_refuses_with_401(http: httpx.Client, graph: FakeGraph) -> None:
    good = app_token(http, "reader", "reader-secret")
    claims = jwt.decode(good, options={"verify_signature": False})
    head, body, signature = good.split(".")
    swapped = "A" if signature[10] != "A" else "B"
    tampered_signature = f"{head}.{body}.{signature[:10]}{swapped}{signature[11:]}"
    more = base64.urlsafe_b64encode(json.dumps({**claims, "roles": ["Directory.ReadWrite.All"]}).encode())
    tampered_claims = f"{head}.{more.rstrip(b'=').decode()}.{signature}"
    unsigned = _forged(claims, {"alg": "none", "typ": "JWT"})
    hs256 = jwt.encode(claims, "a-shared-secret-of-thirty-two-bytes!", algorithm="HS256")
    with FakeGraph(data=str(PACK), dataset="empty") as other:
        foreign = other.state.identity.mint(TENANT, other.state.clock.now(), roles=["Gadgets.Read.All"])
    wrong_audience = mint(graph.state, roles=["Gadgets.Read.All"], audience="api://another-api")
    expired = mint(graph.state, roles=["Gadgets.Read.All"], expires_in=-301)
    not_ours = graph.state.identity.mint("0badc0de-0000-4000-8000-000000000000", graph.state.clock.now())
    cases = {
        "": "Access token is empty.",
        "not-a-jwt": "CompactToken parsing failed with error code: 80049217",
        "a.b.c": "CompactToken parsing failed with error code: 80049217",
        tampered_signature: "Access token validation failure. Invalid signature.",
        tampered_claims: "Access token validation failure. Invalid signature.",
        unsigned: "Access token validation failure. The token's signing algorithm 'none' is not RS256.",
        hs256: "Access token validation failure. The token's signing algorithm 'HS256' is not RS256.",
        foreign: "Access token validation failure. The token is not signed with a key of this issuer (kid).",
        wrong_audience: "Access token validation failure. Invalid audience.",
        expired: "Lifetime validation failed, the token is expired.",
        not_ours: "Access token validation failure. The token's tenant is not one this server holds.",
    }
    for sent, message in cases.items():
        answer = http.get("/beta/gadgetTeams", headers=bearer(sent) if sent else {})
        assert graph_error(answer, 401, "InvalidAuthenticationToken") == message, sent[:40]
        assert answer.headers["WWW-Authenticate"].startswith('Bearer realm=""')
    assert http.get("/beta/gadgetTeams", headers=bearer(good)).status_code == 200
    graph.state.clock.advance(3599 + 301)  # the mock clock moves past the token's expiry and the skew
    expired_now = http.get("/beta/gadgetTeams", headers=bearer(good))
    assert (
        graph_error(expired_now, 401, "InvalidAuthenticationToken")
        == "Lifetime validation failed, the token is expired."
    )


def test_without_enforcement_any_bearer_token_still_works() -> None:
    with FakeGraph(data=str(PACK)) as plain, httpx.Client(base_url=plain.url) as http:
        assert http.get("/beta/gadgets/usages", headers=bearer("anything")).status_code == 200
        assert http.get("/beta/gadgets/usages").status_code == 401


# the control plane


def test_apps_and_tokens_on_the_control_plane(http: httpx.Client) -> None:
    made = http.post("/_fakegraph/apps", json={"roles": ["Gadgets.Read.All"], "displayName": "Made"})
    assert made.status_code == 201
    app = made.json()
    assert app["secret"]
    assert app["clientId"]
    assert app["tenantId"] == TENANT
    assert app["clientId"] in {a["clientId"] for a in http.get("/_fakegraph/apps").json()["value"]}
    assert app_token(http, app["clientId"], app["secret"])
    again = http.post("/_fakegraph/apps", json={"clientId": app["clientId"]})
    assert graph_error(again, 409, "Conflict").startswith(f"app '{app['clientId']}' is registered already")
    assert http.delete(f"/_fakegraph/apps/{app['clientId']}").status_code == 204
    assert http.delete(f"/_fakegraph/apps/{app['clientId']}").status_code == 404
    minted = http.post("/_fakegraph/tokens", json={"scopes": ["Gadgets.Read.All"], "user": USER[0]})
    assert minted.status_code == 201
    assert http.get("/beta/gadgets/usages", headers=bearer(minted.json()["access_token"])).status_code == 200
    bad_tokens = ({"roles": "Gadgets.Read.All"}, {"expiresIn": "soon"}, {"expiresIn": 10**12}, [1])
    more = ({"tenantId": "nowhere"}, {"user": "nobody@x"}, {"colour": "red"}, {"scopes": ["two words"]})
    for bad in (*bad_tokens, *more):
        answer = http.post("/_fakegraph/tokens", json=bad)
        assert answer.status_code in {400, 404}, (bad, answer.text)
    for bad_app in (
        {"clientId": "has space"},
        {"roles": ["ok", 3]},
        {"certificate": "not a pem"},
        {"what": 1},
        "x",
    ):
        assert http.post("/_fakegraph/apps", json=bad_app).status_code == 400, bad_app


def test_apps_registered_at_run_time_go_with_a_reset(http: httpx.Client, graph: FakeGraph) -> None:
    http.post("/_fakegraph/apps", json={"clientId": "temporary", "secret": "s"}).raise_for_status()
    graph.reset()
    clients = {a["clientId"] for a in http.get("/_fakegraph/apps").json()["value"]}
    assert "temporary" not in clients
    assert {"reader", "writer"} <= clients  # --app ones stay


def test_odd_input_to_the_entra_endpoints_is_a_4xx(http: httpx.Client, graph: FakeGraph) -> None:
    """Each answered in Entra's body, none a 500 (the fixture checks the server raised nothing)."""
    broken = token(http, **CC, client_secret="reader-secret", scope="http://[/.default")  # not a URL
    entra_error(broken, 400, "invalid_resource", 500011)
    signed_in = {**CC, "grant_type": "password", "client_secret": "reader-secret", "username": USER[0]}
    broken = token(http, **signed_in, password=USER[1], scope="http://[/User.Read")
    entra_error(broken, 400, "invalid_resource", 500011)
    odd = http.get("/common/discovery/instance", params={"authorization_endpoint": "http://["})
    entra_error(odd, 400, "invalid_instance", 50049)
    options = http.options(TOKEN_PATH)
    assert options.status_code == 204
    assert options.headers["Allow"] == "POST, OPTIONS"
    config = http.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json()
    assert config["response_types_supported"] == ["code"]  # only what is served is advertised
    assert not {"device_authorization_endpoint", "end_session_endpoint", "userinfo_endpoint"} & set(config)
    public = token(http, **ROPC, client_secret="anything", username=USER[0], password=USER[1])
    entra_error(public, 401, "invalid_client", 700025)  # a public client presents no secret
    ec = trustme.CA().issue_cert("ec.example").cert_chain_pems[0].bytes().decode()  # an EC key
    refused = http.post("/_fakegraph/apps", json={"clientId": "ec-app", "certificate": ec})
    assert "RSA" in graph_error(refused, 400, "BadRequest")
    many = http.post(
        "/_fakegraph/apps", json={"clientId": "big", "roles": [f"R.{n}" for n in range(200_000)]}
    )
    assert "at most 500 permissions" in graph_error(many, 400, "BadRequest")
    long_name = http.post("/_fakegraph/apps", json={"clientId": "long", "displayName": "x" * 10_000})
    graph_error(long_name, 400, "BadRequest")


def test_authorize_redirects_its_errors_and_takes_get_only(http: httpx.Client) -> None:
    http.post("/_fakegraph/apps", json={"clientId": "web", "secret": None, "scopes": ["Gadgets.Read.All"]})
    query = {
        "client_id": "web",
        "response_type": "token",
        "redirect_uri": "http://localhost/cb",
        "state": "s",
    }
    redirected = http.get(f"/{TENANT}/oauth2/v2.0/authorize", params=query)
    assert redirected.status_code == 302
    given = parse_qs(urlsplit(redirected.headers["Location"]).query)
    assert given["error"] == ["unsupported_response_type"]
    assert given["state"] == ["s"]
    scripted = http.get(
        f"/{TENANT}/oauth2/v2.0/authorize", params={**query, "redirect_uri": "javascript:alert(1)"}
    )
    entra_error(scripted, 400, "invalid_request", 50011)  # never redirected to
    assert http.head(f"/{TENANT}/oauth2/v2.0/authorize", params=query).status_code == 405  # no code


def test_a_client_assertion_names_this_token_endpoint(http: httpx.Client) -> None:
    authority = trustme.CA(key_type=trustme.KeyType.RSA)
    leaf = authority.issue_cert("app.example", key_type=trustme.KeyType.RSA)
    pem = leaf.cert_chain_pems[0].bytes().decode()
    http.post(
        "/_fakegraph/apps", json={"clientId": "cert", "certificate": pem, "roles": ["Gadgets.Read.All"]}
    )
    key = leaf.private_key_pem.bytes()
    base = str(http.base_url).rstrip("/")

    def assertion(audience: str) -> dict[str, str]:
        claims = {"aud": audience, "iss": "cert", "sub": "cert", "exp": 4102444800, "jti": "1"}
        signed = jwt.encode(claims, key, "RS256")
        kind = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        return {
            **CC,
            "client_id": "cert",
            "scope": GRAPH,
            "client_assertion": signed,
            "client_assertion_type": kind,
        }

    assert token(http, **assertion(f"{base}{TOKEN_PATH}")).status_code == 200
    login = f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert token(http, **assertion(login)).status_code == 200
    elsewhere = token(http, **assertion("https://elsewhere.example/t/oauth2/v2.0/token"))
    entra_error(elsewhere, 401, "invalid_client", 700027)


def test_a_forged_tid_reaches_no_other_tenant(http: httpx.Client, graph: FakeGraph) -> None:
    """With enforcement, a token naming another tenant that this server did not sign acts in no tenant but
    the default (where it gets its 401): that tenant's stubs, faults and journal never see it. A token whose
    claims nest past the JSON parser's depth is no 500."""
    other = "22222222-3333-4444-8555-666666666666"
    http.post("/_fakegraph/tenants", json={"id": other}).raise_for_status()
    http.post(f"/_fakegraph/stubs?tenant={other}", json={"path": "/beta/gadgetTeams", "body": {"secret": 1}})
    claims = {"tid": other, "roles": ["Gadgets.Read.All"], "aud": "https://graph.microsoft.com"}
    forged = _forged(claims, {"alg": "none"})
    answer = http.get("/beta/gadgetTeams", headers=bearer(forged))
    assert answer.status_code == 401
    assert http.get(f"/_fakegraph/requests?tenant={other}").json()["value"] == []
    deep = "[" * 5000 + "]" * 5000
    nested = (
        f"{_forged({}, {'alg': 'none'}).split('.')[0]}.{base64.urlsafe_b64encode(deep.encode()).decode()}.x"
    )
    assert http.get("/beta/gadgetTeams", headers=bearer(nested)).status_code == 401


def test_a_tenant_reset_takes_its_apps_back_to_the_start(http: httpx.Client) -> None:
    other = "33333333-3333-4444-8555-666666666666"
    http.post("/_fakegraph/tenants", json={"id": other}).raise_for_status()
    http.post(
        "/_fakegraph/apps", json={"clientId": "temp", "secret": "s", "tenantId": other}
    ).raise_for_status()
    http.post("/_fakegraph/apps", json={"clientId": "temp", "secret": "s"}).raise_for_status()
    assert http.post(f"/_fakegraph/reset?tenant={other}").status_code == 204
    left = {(a["tenantId"], a["clientId"]) for a in http.get("/_fakegraph/apps").json()["value"]}
    assert (other, "temp") not in left
    assert (TENANT, "temp") in left  # the default tenant's stay
    assert (TENANT, "reader") in left
