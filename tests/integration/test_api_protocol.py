"""Graph's wire conventions (ARCHITECTURE A6): headers, error envelope, auth, media types, paths, enums."""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.conftest import AUTH, JSON, state_of

DETAILS = "/beta/reports/userCredentialUsageDetails"
ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


async def test_success_headers(client):
    """request-id (a GUID), client-request-id (= request-id when none was sent), OData-Version, odata JSON."""
    response = await client.get(DETAILS, headers=AUTH)
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["request-id"])
    assert response.headers["client-request-id"] == response.headers["request-id"]
    assert response.headers["OData-Version"] == "4.0"
    assert response.headers["Content-Type"] == ODATA_JSON


async def test_client_request_id_is_echoed(client):
    """A client's own client-request-id comes back, also inside error bodies."""
    response = await client.get("/beta/nowhere", headers={**AUTH, "client-request-id": "abc-123"})
    assert response.headers["client-request-id"] == "abc-123"
    inner = (await response.json())["error"]["innerError"]
    assert inner["client-request-id"] == "abc-123"
    assert inner["request-id"] == response.headers["request-id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", inner["date"])


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc"])
async def test_missing_or_empty_bearer_token_is_401(client, header):
    """No usable bearer token: 401 InvalidAuthenticationToken with a WWW-Authenticate challenge."""
    headers = {} if header is None else {"Authorization": header}
    response = await client.get(DETAILS, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm=""')
    assert (await response.json())["error"]["code"] == "InvalidAuthenticationToken"


async def test_wrong_method_is_405_with_allow(client):
    """A method the path does not serve is a 405 listing the ones it does."""
    response = await client.put(DETAILS, json={}, headers=JSON)
    assert response.status == 405
    assert response.headers["Allow"] == "GET, POST"
    assert (await response.json())["error"][
        "message"
    ] == "Specified HTTP method is not allowed for the request target."


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_non_json_bodies_are_415(empty, content_type):
    """Bodies must be application/json."""
    headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
    response = await empty.post(DETAILS, data=b'{"feature": "reset"}', headers=headers)
    assert response.status == 415
    assert (await response.json())["error"]["code"] == "UnsupportedMediaType"


async def test_body_over_the_limit_is_413(make_client):
    """A body over the configured limit is refused with Graph's envelope."""
    client = await make_client(dataset="empty", max_body_bytes=1024)
    response = await client.post(DETAILS, data=b'{"userDisplayName": "' + b"x" * 2000 + b'"}', headers=JSON)
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "RequestEntityTooLarge"


async def test_double_slashes_are_collapsed(client):
    """`/beta//reports/...` (the SDK's default base URL) works like `/beta/reports/...`."""
    response = await client.get("/beta//reports//getCredentialUserRegistrationCount()", headers=AUTH)
    assert response.status == 200


async def test_ids_are_matched_on_the_raw_path(empty):
    """A percent-encoded `/` is part of an id, not a path separator."""
    state_of(empty).store.insert(
        "microsoft.graph.userCredentialUsageDetails", "a/b", {"id": "a/b", "feature": "reset"}
    )
    response = await empty.get(f"{DETAILS}/a%2Fb", headers=AUTH)
    assert response.status == 200
    assert (await response.json())["id"] == "a/b"
    assert (await empty.get(f"{DETAILS}/a/b", headers=AUTH)).status == 400


async def test_int64_values_are_json_numbers(empty):
    """Int64 properties are sent as JSON numbers (IEEE754Compatible=false), even past 2**53."""
    body = {"successfulActivityCount": 2**62, "failureActivityCount": 0}
    await empty.post("/beta/reports/credentialUsageSummaries", json=body, headers=JSON)
    raw = await (await empty.get("/beta/reports/credentialUsageSummaries", headers=AUTH)).text()
    assert f'"successfulActivityCount":{2**62}' in raw


async def test_evolvable_enum_members_are_masked_unless_asked_for(empty):
    """Members after the sentinel read as unknownFutureValue unless Prefer: include-unknown-enum-members."""
    body = {"authMethod": "passKeySynced", "feature": "reset"}
    created = await (await empty.post(DETAILS, json=body, headers=JSON)).json()
    assert created["authMethod"] == "unknownFutureValue"
    plain = await empty.get(f"{DETAILS}/{created['id']}", headers=AUTH)
    assert (await plain.json())["authMethod"] == "unknownFutureValue"
    assert "Preference-Applied" not in plain.headers
    prefer = {**AUTH, "Prefer": "include-unknown-enum-members"}
    asked = await empty.get(f"{DETAILS}/{created['id']}", headers=prefer)
    assert (await asked.json())["authMethod"] == "passKeySynced"
    assert asked.headers["Preference-Applied"] == "include-unknown-enum-members"


async def test_masking_reaches_collections_of_enums(client):
    """registrationAuthMethod members after the sentinel are masked inside authMethods arrays too."""
    details = "/beta/reports/credentialUserRegistrationDetails"
    stored = state_of(client).store.all("microsoft.graph.credentialUserRegistrationDetails")
    with_new = next(d for d in stored if "externalAuthMethod" in d["authMethods"])
    masked = await (await client.get(f"{details}/{with_new['id']}", headers=AUTH)).json()
    assert "externalAuthMethod" not in masked["authMethods"]
    assert "unknownFutureValue" in masked["authMethods"]


async def test_unknown_version_is_a_400(client):
    """Only /beta and /v1.0 exist."""
    response = await client.get("/v2.0/reports/userCredentialUsageDetails", headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"]["message"] == "Invalid version: v2.0"
    root = await client.get("/", headers=AUTH)
    assert root.status == 400
    assert "/v1.0 or /beta" in (await root.json())["error"]["message"]


async def test_the_application_serves_exactly_what_the_server_does(make_client):
    """`create_app` (an aiohttp application, for embedding) and the low-level server `fakegraph serve`
    runs answer a mixed sequence identically: statuses, Graph headers and bodies (request ids aside)."""
    server = await make_client(max_body_bytes=2048)
    application = await make_client(application=True, max_body_bytes=2048)
    created = {"feature": "reset", "authMethod": "email", "isSuccess": True}
    steps = [
        ("GET", DETAILS + "?$top=3&$orderby=eventDateTime desc", AUTH, None),
        ("POST", DETAILS, JSON, json.dumps(created)),
        ("GET", DETAILS + "?$filter=feature eq 'reset'&$count=true&$top=2", AUTH, None),
        ("GET", "/beta/reports/getCredentialUsageSummary(period='D7')", AUTH, None),
        ("GET", DETAILS, {}, None),
        ("GET", "/v1.0/reports/nothing", AUTH, None),
        ("PUT", DETAILS, JSON, "{}"),
        ("POST", DETAILS, JSON, json.dumps({"userDisplayName": "x" * 4096})),
        ("POST", DETAILS, {**AUTH, "Content-Type": "text/plain"}, "hi"),
        (
            "POST",
            "/beta/$batch",
            JSON,
            json.dumps({"requests": [{"id": "1", "method": "GET", "url": DETAILS}]}),
        ),
    ]
    for method, path, headers, body in steps:
        answers = []
        for client in (server, application):
            response = await client.request(method, path, headers=headers, data=body)
            text = await response.text()
            shown = {k: v for k, v in response.headers.items() if k.lower() not in _VARYING}
            answers.append((response.status, shown, _without_ids(text)))
        assert answers[0] == answers[1], (method, path)
    assert [o["id"] for o in state_of(server).store.dump()["microsoft.graph.userCredentialUsageDetails"]] == [
        o["id"] for o in state_of(application).store.dump()["microsoft.graph.userCredentialUsageDetails"]
    ]


_VARYING = {"request-id", "client-request-id", "date", "content-length", "location", "server"}


def _without_ids(text: str) -> str:
    text = re.sub(r'"(request-id|client-request-id)":"[^"]*"', "", text)
    text = re.sub(r"(\$skiptoken=[\w-]+)\.[\w-]+", r"\1", text)  # each server signs with its own key
    return re.sub(r"http://127\.0\.0\.1:\d+", "", text)
