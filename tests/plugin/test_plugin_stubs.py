"""`fakegraph.stub(...)` in another project's tests (run with pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import json
import urllib.error
import urllib.request

import pytest

AUTH = {"Authorization": "Bearer t"}


def call(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {**AUTH, "Content-Type": "application/json"} if data else AUTH
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def test_stub_answers_then_the_engine(fakegraph):
    stub = fakegraph.stub("GET", "/v1.0/users/{id}", status=200, body={"id": "stubbed"}, times=2,
                          headers={"x-from": "stub"})
    for _ in range(2):
        status, text, headers = call(fakegraph.v1_url + "/users/anyone")
        assert (status, json.loads(text), headers["x-from"]) == (200, {"id": "stubbed"}, "stub")
    status, _, _ = call(fakegraph.v1_url + "/users/anyone")
    assert status == 404  # spent: the engine answers, and has no such user
    assert [r.stub for r in fakegraph.requests(path="/users")] == [None, stub["id"], stub["id"]]
    assert fakegraph.stubs()[0]["fired"] == 2


def test_stubs_are_gone_in_the_next_test(fakegraph):
    assert fakegraph.stubs() == []
    assert call(fakegraph.v1_url + "/me")[0] == 200


def test_error_stub_by_regex_with_a_body_match(fakegraph):
    fakegraph.stub("POST", r"/v1\\.0/users", regex=True, status=409, body_contains={"displayName": "Dup"},
                   body={"error": {"code": "Request_MultipleObjectsWithSameKeyValue", "message": "dup"}})
    status, text, _ = call(fakegraph.v1_url + "/users", "POST", {"displayName": "Dup"})
    assert status == 409
    assert json.loads(text)["error"]["code"] == "Request_MultipleObjectsWithSameKeyValue"
    assert fakegraph.last_request.stub is not None


def test_remove_and_clear(fakegraph):
    first = fakegraph.stub(None, "/v1.0/me", status=500)
    fakegraph.stub("GET", "/v1.0/users", status=500)
    fakegraph.remove_stub(first["id"])
    assert call(fakegraph.v1_url + "/me")[0] == 200
    fakegraph.clear_stubs()
    assert call(fakegraph.v1_url + "/users")[0] == 200
    with pytest.raises(Exception, match="no stub"):
        fakegraph.remove_stub(first["id"])
    with pytest.raises(Exception, match="pathRegex"):
        fakegraph.stub("GET", "([", regex=True)
"""


def test_stubs_through_the_plugin(pytester: pytest.Pytester):
    pytester.makepyfile(test_stubs=TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)
