"""The coverage report from the control plane: operations called (with statuses), uncalled, unserved."""

from __future__ import annotations

from fakegraph.http.coverage import table
from tests.integration.conftest import AUTH, JSON

COVERAGE = "/_fakegraph/coverage"


def _row(report, version, method, path):
    rows = [r for r in report["called"] if (r["version"], r["method"], r["path"]) == (version, method, path)]
    assert len(rows) == 1, report["called"]
    return rows[0]


async def test_called_operations_statuses_and_unserved_requests(client):
    for path in ("/v1.0/me", "/v1.0/me", "/v1.0/users/nobody", "/v1.0/nothing", "/v1.0/$metadata"):
        await client.get(path, headers=AUTH)
    await client.delete("/v1.0/me", headers=AUTH)  # a method the path lacks: 405, served by no operation
    batch = {"requests": [{"id": "1", "method": "GET", "url": "/me"}]}
    assert (await client.post("/v1.0/$batch", json=batch, headers=JSON)).status == 200
    assert (await client.post("/_fakegraph/reset")).status == 204  # counts span resets (a pytest session)
    await client.get("/_fakegraph/requests")  # the control plane is not counted
    report = await (await client.get(COVERAGE)).json()
    assert report["requests"] == 8
    me = _row(report, "v1.0", "GET", "/me")
    assert (me["operation"], me["calls"], me["statuses"]) == ("get_a_user", 3, {"200": 3})  # 2 + the step
    user = _row(report, "v1.0", "GET", "/users/{id|userPrincipalName}")
    assert user["statuses"] == {"404": 1}
    assert [(r["method"], r["path"], r["statuses"]) for r in report["unserved"]] == [
        ("DELETE", "/v1.0/me", {"405": 1}),
        ("GET", "/v1.0/nothing", {"400": 1}),
    ]
    assert report["other"] == {"$batch": 1, "$metadata": 1}
    v1 = report["versions"]["v1.0"]
    assert v1["called"] == 1  # get_a_user (both rows are that operation)
    assert "get_a_user" not in v1["uncalled"]
    assert len(v1["uncalled"]) == v1["operations"] - 1
    assert report["versions"]["beta"]["called"] == 0  # per version: beta's get_a_user was not called
    lines = table(report)
    assert lines[0].startswith("fakegraph coverage: 8 requests; operations called: beta 0 of ")
    assert any(line.endswith("GET     /v1.0/me (get_a_user)") for line in lines)
    assert "not served by any operation:" in lines
    assert (await client.delete(COVERAGE)).status == 204
    cleared = await (await client.get(COVERAGE)).json()
    assert (cleared["requests"], cleared["called"], cleared["unserved"]) == (0, [], [])
