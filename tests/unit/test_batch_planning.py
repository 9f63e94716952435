"""Planning a JSON batch: the body checked (limits, ids, methods, headers, bodies, dependencies) with 400s
that say what is wrong, urls turned into versioned paths, and steps put in dependency order."""

from __future__ import annotations

from typing import Any

import pytest

from fakegraph.artifacts.errors import BadRequest
from fakegraph.http.batch import MAX_REQUESTS, Step, plan


def _request(step_id: str, url: str = "/me", method: str = "GET", **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "method": method, "url": url, **extra}


def _plan(*requests: dict[str, Any], version: str = "beta") -> list[Step]:
    return plan({"requests": list(requests)}, version)


def _refused(body: Any) -> str:
    with pytest.raises(BadRequest) as caught:
        plan(body, "beta")
    assert caught.value.status == 400
    return caught.value.message


def _order(steps: list[Step]) -> list[str]:
    return [s.id for s in steps]


# --- the document ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, [], "requests", {}, {"requests": {"id": "1"}}, {"requests": None}])
def test_a_body_without_a_requests_array_is_refused(body):
    """Only a JSON object with a `requests` array is a batch."""
    assert _refused(body) == "A batch body is a JSON object with a 'requests' array."


def test_twenty_requests_are_allowed():
    """A batch may hold exactly the limit of 20 requests."""
    assert MAX_REQUESTS == 20
    steps = _plan(*(_request(str(n)) for n in range(20)))
    assert _order(steps) == [str(n) for n in range(20)]


def test_more_than_twenty_requests_are_refused():
    """The 21st request breaks Graph's limit, whatever the requests are."""
    body = {"requests": [_request(str(n)) for n in range(21)]}
    assert _refused(body) == "Number of requests inside batch exceeds the limit."


def test_an_empty_batch_is_refused():
    """A batch needs at least one request."""
    assert _refused({"requests": []}) == "A batch needs at least one request."


@pytest.mark.parametrize("item", ["GET /me", 1, None, ["1", "GET", "/me"]])
def test_each_request_must_be_an_object(item):
    """A request that is not a JSON object is refused."""
    assert _refused({"requests": [_request("1"), item]}) == "Each batch request must be a JSON object."


@pytest.mark.parametrize("step_id", [None, "", 1, ["1"]])
def test_each_request_needs_a_string_id(step_id):
    """A missing, empty or non-string id is refused."""
    item = {"method": "GET", "url": "/me"} if step_id is None else _request("x") | {"id": step_id}
    assert _refused({"requests": [item]}) == "Each batch request needs a string 'id'."


@pytest.mark.parametrize(
    "item",
    [
        {"id": "7", "url": "/me"},
        {"id": "7", "method": "GET"},
        {"id": "7", "method": "GET", "url": ""},
        {"id": "7", "method": 1, "url": "/me"},
        {"id": "7", "method": "GET", "url": ["/me"]},
    ],
)
def test_each_request_needs_a_method_and_a_url(item):
    """A request without a string method or a non-empty url is refused, naming its id."""
    assert _refused({"requests": [item]}) == "Batch request '7' needs a 'method' and a 'url'."


@pytest.mark.parametrize("headers", [["Accept"], "Accept: x", {"Prefer": 1}, {"Accept": None}])
def test_headers_must_be_an_object_of_strings(headers):
    """Headers that are not an object of string values are refused, naming the request."""
    message = _refused({"requests": [_request("h", headers=headers)]})
    assert message == "The headers of batch request 'h' must be an object of strings."


def test_a_body_needs_a_content_type():
    """A request with a body and no Content-Type header is refused, naming the request."""
    body = {"requests": [_request("b", method="POST", body={"x": 1}, headers={"Accept": "a"})]}
    assert _refused(body) == "Batch request 'b' has a body but no Content-Type header."


def test_a_body_with_a_content_type_in_any_case_is_kept():
    """The Content-Type header name is matched case-insensitively, and the body and headers pass on."""
    (step,) = _plan(_request("b", method="POST", body={"x": 1}, headers={"content-TYPE": "application/json"}))
    assert step.has_body
    assert step.body == {"x": 1}
    assert step.headers == {"content-TYPE": "application/json"}


@pytest.mark.parametrize("extra", [{}, {"body": None}, {"headers": None}])
def test_a_request_without_a_body_needs_no_content_type(extra):
    """No body (or a null one) needs no header, and the step says it has no body."""
    (step,) = _plan(_request("1", **extra))
    assert not step.has_body
    assert step.headers == {}


def test_methods_are_upper_cased():
    """`get` and `Patch` are GET and PATCH."""
    steps = _plan(_request("1", method="get"), _request("2", method="Patch"))
    assert [s.method for s in steps] == ["GET", "PATCH"]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/me", "/beta/me"),
        ("me", "/beta/me"),
        (" /me ", "/beta/me"),
        ("/beta/me", "/beta/me"),
        ("/reports/x?$top=1&$filter=a eq 'b'", "/beta/reports/x?$top=1&$filter=a eq 'b'"),
        ("https://graph.microsoft.com/beta/me?$select=id", "/beta/me?$select=id"),
        ("HTTP://localhost:8080/me", "/beta/me"),
        ("/betamax", "/beta/betamax"),
        ("/beta?$top=1", "/beta?$top=1"),
    ],
)
def test_urls_become_paths_under_the_version(url, path):
    """Relative, versioned and absolute urls all become a path under a version, keeping the query."""
    (step,) = _plan(_request("1", url=url))
    assert step.path == path


def test_relative_urls_take_the_version_of_the_batch():
    """A url without a version is served by the version the batch was posted to."""
    (step,) = _plan(_request("1", url="/me"), version="v1.0")
    assert step.path == "/v1.0/me"


# --- ids and dependencies --------------------------------------------------------------------------------


def test_ids_must_be_unique_ignoring_case():
    """Two requests whose ids differ only in case are duplicates."""
    message = _refused({"requests": [_request("1"), _request("Abc"), _request("aBC")]})
    assert message == "Batch request ids must be unique; 'abc' is used more than once."


def test_steps_without_dependencies_keep_the_document_order():
    """Independent requests are planned in the order they were sent."""
    assert _order(_plan(_request("b"), _request("c"), _request("a"))) == ["b", "c", "a"]


@pytest.mark.parametrize("key", ["dependsOn", "depends_on"])
def test_a_dependency_runs_first(key):
    """A request runs after the ones it depends on, under Graph's key or the Python SDK's."""
    steps = _plan(_request("1") | {key: ["2"]}, _request("2"), _request("3"))
    assert _order(steps) == ["2", "1", "3"]
    assert steps[1].depends_on == ("2",)


def test_chains_and_shared_dependencies_are_ordered():
    """Every step comes after all of its dependencies, each step once, and steps free to go in either order
    keep the document's."""
    steps = _plan(
        _request("d", dependsOn=["b", "c"]),
        _request("c", dependsOn=["a"]),
        _request("b", dependsOn=["a"]),
        _request("a"),
        _request("e"),
    )
    order = _order(steps)
    assert sorted(order) == ["a", "b", "c", "d", "e"]
    for step in steps:
        assert all(order.index(d) < order.index(step.id) for d in step.depends_on), step.id
    assert order.index("b") < order.index("c")  # b was sent first, and neither depends on the other


def test_dependencies_match_ids_ignoring_case():
    """A dependency may spell the id in another case."""
    steps = _plan(_request("second", dependsOn=["FIRST"]), _request("First"))
    assert _order(steps) == ["First", "second"]


def test_an_unknown_dependency_is_refused():
    """Depending on an id that is not in the batch names both requests."""
    message = _refused({"requests": [_request("1"), _request("2", dependsOn=["1", "9"])]})
    assert message == "Request '2' depends on '9', which is not in the batch."


@pytest.mark.parametrize("depends", ["1", [1], {"id": "1"}])
def test_dependencies_must_be_an_array_of_ids(depends):
    """`dependsOn` that is not an array of strings is refused, naming the request."""
    message = _refused({"requests": [_request("1"), _request("2", dependsOn=depends)]})
    assert message == "'dependsOn' of batch request '2' must be an array of ids."


@pytest.mark.parametrize(
    "requests",
    [
        [_request("1", dependsOn=["1"])],
        [_request("1", dependsOn=["2"]), _request("2", dependsOn=["1"])],
        [
            _request("0"),
            _request("1", dependsOn=["3"]),
            _request("2", dependsOn=["1"]),
            _request("3", dependsOn=["2"]),
        ],
    ],
    ids=["self", "pair", "three"],
)
def test_a_dependency_cycle_is_refused(requests):
    """Requests that depend on each other in a ring (or on themselves) cannot be planned."""
    assert "form a cycle" in _refused({"requests": requests})
