"""The journal's `path` filter and the control plane's own calls (README: the control plane)."""

from __future__ import annotations

import pytest

from fakegraph.model.journal_filter import path_matches
from tests.integration.conftest import AUTH, JSON, state_of


@pytest.mark.parametrize(
    ("wanted", "raw", "expected"),
    [
        ("/users", "/v1.0/users", True),
        ("/users", "/v1.0/users?$top=2", True),
        ("/users", "/beta/users/42/manager", True),
        ("/v1.0/users", "/v1.0/users/42", True),
        ("/v1.0/users", "/beta/users/42", False),
        ("/users", "/v1.0/usersX", False),  # whole segments only
        ("/users", "/v1.0/me/users", False),  # from the start only, never a substring
        ("users", "/v1.0/users", True),
        ("/USERS", "/v1.0/Users", True),  # case, as Graph's routing
        ("/users/a b", "/v1.0/users/a%20b", True),  # percent-encoding
        ("/reports/getCredentialUsageSummary", "/beta/reports/getCredentialUsageSummary(period='D7')", True),
        ("/users?$top=2", "/v1.0/users?$top=2&$skip=1", True),
        ("/users?$top=2", "/v1.0/users?$select=id", False),
        ("/v1.0", "/v1.0/users", True),
        ("/beta", "/v1.0/users", False),
    ],
)
def test_path_filter_is_a_path_prefix_at_segment_boundaries(wanted, raw, expected):
    assert path_matches(wanted, raw) is expected


async def test_requests_endpoint_filters_by_path_not_substring(client):
    for path in ("/v1.0/users", "/v1.0/users/nobody", "/v1.0/me", "/beta/reports/userCredentialUsageDetails"):
        await client.get(path, headers=AUTH)
    journal = await (await client.get("/_fakegraph/requests?path=/users")).json()
    assert [e["path"] for e in journal["value"]] == ["/v1.0/users/nobody", "/v1.0/users"]
    journal = await (await client.get("/_fakegraph/requests?path=/reports/user")).json()
    assert journal["value"] == []  # a substring of a segment is no match
    journal = await (await client.get("/_fakegraph/requests?path=/beta&method=get")).json()
    assert [e["path"] for e in journal["value"]] == ["/beta/reports/userCredentialUsageDetails"]


async def test_control_plane_calls_are_never_journaled_failed_or_not(client):
    """The journal records what the code under test asked Graph: control-plane calls stay out of it, those
    that succeed and those that fail alike (a failed one used to appear, a successful one not)."""
    assert (await client.get("/_fakegraph/health")).status == 200
    assert (await client.post("/_fakegraph/clock", json={"advanceSeconds": 60})).status == 200
    assert (await client.post("/_fakegraph/clock", json={"now": "never"})).status == 400
    assert (await client.post("/_fakegraph/faults", json={"kind": "bogus"})).status == 400
    assert (await client.get("/_fakegraph/nothing")).status == 404
    assert (await client.put("/_fakegraph/health")).status == 405
    await client.get("/v1.0/me", headers=AUTH)
    await client.post("/beta/reports/userCredentialUsageDetails", headers=JSON, data="{")  # fails, journaled
    paths = [e.path for e in state_of(client).journal.entries()]
    assert paths == ["/beta/reports/userCredentialUsageDetails", "/v1.0/me"]


async def test_faults_body_and_delete_as_documented(client):
    """The README's faults example: POST a rule, list it, it fires, DELETE removes every rule."""
    rule = {"kind": "status", "path": "/v1.0/users*", "status": 503, "method": "GET", "count": 1}
    created = await client.post("/_fakegraph/faults", json=rule)
    assert created.status == 201
    body = await created.json()
    assert {k: body[k] for k in rule} == rule
    assert body["fired"] == 0
    assert (await client.get("/v1.0/users", headers=AUTH)).status == 503
    assert (await client.get("/v1.0/users", headers=AUTH)).status == 200  # count 1: spent
    listing = await (await client.get("/_fakegraph/faults")).json()
    assert [r["fired"] for r in listing["value"]] == [1]
    assert (await client.delete("/_fakegraph/faults")).status == 204
    assert (await (await client.get("/_fakegraph/faults")).json())["value"] == []
