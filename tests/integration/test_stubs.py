"""Stubs through the control plane: canned answers before the engine, listed, removed, reset, journaled."""

from __future__ import annotations

import pytest

from tests.integration.conftest import AUTH, JSON, state_of

STUBS = "/_fakegraph/stubs"


async def _add(client, rule, status=201):
    response = await client.post(STUBS, json=rule)
    assert response.status == status, await response.text()
    return await response.json()


async def test_a_template_stub_answers_before_the_engine_and_is_journaled(client):
    stub = await _add(
        client,
        {
            "method": "GET",
            "path": "/v1.0/users/{id}",
            "status": 200,
            "body": {"id": "x", "displayName": "Stub"},
            "headers": {"x-custom": "1"},
        },
    )
    response = await client.get("/v1.0/users/someone", headers=AUTH)
    assert response.status == 200
    assert await response.json() == {"id": "x", "displayName": "Stub"}
    assert response.headers["x-custom"] == "1"
    assert response.headers["x-fakegraph-stub"] == stub["id"]
    assert response.headers["request-id"]  # Graph's ids as on any answer
    # not stubbed: a deeper path, another method, the collection
    assert (await client.get("/v1.0/users/someone/manager", headers=AUTH)).status == 404
    assert (await client.get("/v1.0/users", headers=AUTH)).status == 200
    journal = (await (await client.get("/_fakegraph/requests")).json())["value"]
    assert [(e["path"], e["stub"]) for e in journal] == [
        ("/v1.0/users", None),
        ("/v1.0/users/someone/manager", None),
        ("/v1.0/users/someone", stub["id"]),
    ]
    listing = (await (await client.get(STUBS)).json())["value"]
    assert [(s["id"], s["fired"]) for s in listing] == [(stub["id"], 1)]


async def test_times_query_body_and_regex(client):
    await _add(client, {"path": "/v1.0/me", "status": 503, "body": {"error": {"code": "x"}}, "times": 1})
    assert (await client.get("/v1.0/me", headers=AUTH)).status == 503
    assert (await client.get("/v1.0/me", headers=AUTH)).status == 200  # spent: the engine answers
    await _add(client, {"path": "/v1.0/users", "query": {"$top": "1"}, "body": {"value": []}})
    assert (await (await client.get("/v1.0/users?$top=1", headers=AUTH)).json()) == {"value": []}
    assert len((await (await client.get("/v1.0/users?$top=2", headers=AUTH)).json())["value"]) == 2
    await _add(
        client,
        {
            "method": "POST",
            "path": "/beta/reports/userCredentialUsageDetails",
            "bodyContains": {"feature": "reset"},
            "status": 202,
            "body": "queued",
        },
    )
    created = {"feature": "registration", "isSuccess": True}
    details = "/beta/reports/userCredentialUsageDetails"
    assert (await client.post(details, json=created, headers=JSON)).status == 201
    response = await client.post(
        "/beta/reports/userCredentialUsageDetails", json={"feature": "reset"}, headers=JSON
    )
    assert response.status == 202
    assert await response.text() == "queued"
    assert response.headers["Content-Type"].startswith("text/plain")
    await _add(client, {"pathRegex": r"/beta/groups/[0-9]+", "status": 204})
    assert (await client.get("/beta/groups/42", headers=AUTH)).status == 204
    assert (await client.get("/beta/groups/4x", headers=AUTH)).status == 404


async def test_stubs_are_removed_one_by_one_or_all_and_by_reset(client):
    first = await _add(client, {"path": "/v1.0/me", "status": 418})
    second = await _add(client, {"path": "/v1.0/users", "status": 418})
    assert (await client.delete(f"{STUBS}/{first['id']}")).status == 204
    assert (await client.get("/v1.0/me", headers=AUTH)).status == 200
    assert (await client.delete(f"{STUBS}/{first['id']}")).status == 404
    assert (await client.get(f"{STUBS}/{second['id']}")).status == 405
    assert (await client.delete(STUBS)).status == 204
    assert (await client.get("/v1.0/users", headers=AUTH)).status == 200
    await _add(client, {"path": "/v1.0/me", "status": 418})
    assert (await client.post("/_fakegraph/reset")).status == 204
    assert (await (await client.get(STUBS)).json())["value"] == []
    assert state_of(client).stubs.rules == []


@pytest.mark.parametrize(
    ("rule", "named"),
    [
        ([], None),
        ({"status": 200}, "path"),
        ({"path": "/a", "pathRegex": "/a"}, "path"),
        ({"path": "users"}, "path"),
        ({"pathRegex": "(["}, "pathRegex"),
        ({"path": "/a", "status": 700}, "status"),
        ({"path": "/a", "times": 0}, "times"),
        ({"path": "/a", "headers": {"x": 1}}, "headers"),
        ({"path": "/a", "headers": {"x": "a\r\nb"}}, "headers"),
        ({"path": "/a", "query": {"$top": 1}}, "query"),
        ({"path": "/a", "method": "GET /"}, "method"),
        ({"path": "/a", "stauts": 200}, "stauts"),
    ],
)
async def test_bad_stubs_are_400s_naming_the_field(client, rule, named):
    error = (await _add(client, rule, status=400))["error"]
    assert error["code"] == "BadRequest"
    if named:
        assert f"'{named}'" in error["message"]
    assert (await (await client.get(STUBS)).json())["value"] == []
