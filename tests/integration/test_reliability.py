"""Bad input gets a Graph-shaped 4xx and leaves the store as it was; concurrency loses nothing; a bug in the
fake is a loud 500 that tests can see."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from fakegraph.behaviours import credential_reports
from tests.integration.conftest import AUTH, JSON, collect, state_of

DETAILS = "/beta/reports/userCredentialUsageDetails"
SUMMARIES = "/beta/reports/credentialUsageSummaries"


def _deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


BAD_REQUESTS = [
    ("malformed JSON", "POST", DETAILS, b'{"feature": "reset",', JSON, 400),
    ("JSON that is not an object", "POST", DETAILS, b'["reset"]', JSON, 400),
    ("a JSON string", "POST", DETAILS, b'"reset"', JSON, 400),
    ("empty body", "POST", DETAILS, b"", JSON, 400),
    ("NaN", "POST", SUMMARIES, b'{"successfulActivityCount": NaN}', JSON, 400),
    ("invalid UTF-8", "POST", DETAILS, b'{"userDisplayName": "\xff\xfe"}', JSON, 400),
    (
        "a 10 MiB body",
        "POST",
        DETAILS,
        b'{"userDisplayName": "' + b"x" * (10 * 1024 * 1024) + b'"}',
        JSON,
        413,
    ),
    ("nesting 100,000 deep", "POST", DETAILS, _deep(100_000), JSON, 400),
    ("wrong type", "POST", DETAILS, b'{"isSuccess": "true"}', JSON, 400),
    ("lone surrogate in a value", "POST", DETAILS, b'{"userDisplayName": "a\\ud800b"}', JSON, 400),
    ("lone surrogate in a key", "POST", SUMMARIES, b'{"x\\udfff": 1}', JSON, 400),
    ("number beyond a Double", "POST", SUMMARIES, b'{"failureActivityCount": 1e400}', JSON, 400),
    ("huge Int64", "POST", SUMMARIES, b'{"failureActivityCount": 1' + b"0" * 30 + b"}", JSON, 400),
    (
        "a number with 5,000 digits",
        "POST",
        SUMMARIES,
        b'{"failureActivityCount": ' + b"9" * 5000 + b"}",
        JSON,
        400,
    ),
    (
        "huge Int32",
        "POST",
        "/beta/credentialUserRegistrationsSummaries",
        b'{"totalUserCount": 2147483648}',
        JSON,
        400,
    ),
    ("empty id", "GET", DETAILS + "/%20", None, AUTH, 404),
    ("10 KB id", "GET", DETAILS + "/" + "x" * 10_000, None, AUTH, 404),
    ("unicode id", "GET", DETAILS + "/%E2%9C%93%F0%9F%98%80", None, AUTH, 404),
    ("id that is not UTF-8", "GET", DETAILS + "/%ED%A0%80%FF", None, AUTH, 404),
    ("percent-encoded slashes", "DELETE", DETAILS + "/..%2F..%2Fetc", None, AUTH, 404),
    ("PATCH of an unknown id", "PATCH", SUMMARIES + "/nope", b"{}", JSON, 404),
    ("bad period", "GET", "/beta/reports/getCredentialUsageSummary(period='D0')", None, AUTH, 400),
    ("unquoted period", "GET", "/beta/reports/getCredentialUsageSummary(period=D7)", None, AUTH, 400),
    ("no period", "GET", "/beta/reports/getCredentialUsageSummary()", None, AUTH, 400),
    ("bad method", "PUT", DETAILS, b"{}", JSON, 405),
    ("OPTIONS", "OPTIONS", DETAILS, None, AUTH, 405),
    ("DELETE on a collection", "DELETE", DETAILS, None, AUTH, 405),
    ("unknown path", "GET", "/beta/reports/nothing", None, AUTH, 400),
]


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "headers", "status"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS]
)
async def test_bad_input_is_a_graph_4xx_and_changes_nothing(
    client, case, method, path, body, headers, status
):
    """Every case answers its 4xx with Graph's envelope; the store is unchanged afterwards."""
    before = state_of(client).store.dump()
    data = io.BytesIO(body) if body is not None and len(body) > 1024 * 1024 else body
    response = await client.request(method, path, data=data, headers=headers)
    assert response.status == status, await response.text()
    error = json.loads(await response.read())["error"]
    assert error["code"]
    assert error["message"]
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert state_of(client).store.dump() == before


async def test_concurrent_creates_all_land_with_distinct_ids(empty):
    """2,000 creates at once from one client give 2,000 distinct ids, all listed afterwards."""
    body = {"feature": "reset", "successfulActivityCount": 1}

    async def create() -> str:
        response = await empty.post(SUMMARIES, json=body, headers=JSON)
        assert response.status == 201
        return str((await response.json())["id"])

    ids = await asyncio.gather(*(create() for _ in range(2000)))
    assert len(set(ids)) == 2000
    listed = await collect(empty, SUMMARIES)
    assert len(listed) == 2000
    assert {item["id"] for item in listed} == set(ids)


async def test_unexpected_exception_is_a_recorded_500(client, monkeypatch):
    """A bug inside a handler answers Graph's 500 envelope and is recorded for the test to fail on."""

    def broken(store: object) -> list[dict[str, object]]:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(credential_reports, "registration_count", broken)
    response = await client.get("/beta/reports/getCredentialUserRegistrationCount", headers=AUTH)
    assert response.status == 500
    error = (await response.json())["error"]
    assert error["code"] == "generalException"
    assert "ZeroDivisionError" in error["message"]
    recorded = state_of(client).errors
    assert [type(e) for e in recorded] == [ZeroDivisionError]
    recorded.clear()  # expected here; the fixture fails any other test that leaves one behind
