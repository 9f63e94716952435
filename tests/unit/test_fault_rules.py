"""Injected faults: rules read from the control plane's JSON (a 400 naming the bad field), matched by method
and path glob, firing a limited number of times, with a probability drawn from a seeded generator."""

from __future__ import annotations

import random
from typing import Any

import pytest

from fakegraph.artifacts.errors import BadRequest
from fakegraph.model.faults import Faults, InjectedError, rule_from_json


def _faults(*rules: dict[str, Any], seed: int = 0) -> Faults:
    faults = Faults(random.Random(seed))
    for rule in rules:
        faults.add(rule)
    return faults


def _fired(faults: Faults, times: int, path: str = "/beta/reports/x") -> list[str | None]:
    """The id of the rule that fired for each of `times` GET requests (None where none did)."""
    return [getattr(faults.match("GET", path), "id", None) for _ in range(times)]


# --- parsing ----------------------------------------------------------------------------------------------


def test_an_empty_rule_answers_every_request_with_503():
    """The defaults: a 503 status fault on any method and path, every time, without Retry-After."""
    rule = rule_from_json({}, "r1")
    assert rule.as_json() == {
        "id": "r1",
        "kind": "status",
        "method": None,
        "path": "*",
        "status": 503,
        "retryAfter": None,
        "latencyMs": 0,
        "count": None,
        "probability": 1.0,
        "fired": 0,
    }


def test_a_429_rule_asks_clients_to_retry_after_a_second_by_default():
    """Throttling faults carry Retry-After: 1 unless the rule says otherwise."""
    assert rule_from_json({"status": 429}, "1").retry_after == 1
    assert rule_from_json({"status": 429, "retryAfter": 0}, "1").retry_after == 0
    assert rule_from_json({"status": 503, "retryAfter": 30}, "1").retry_after == 30


def test_a_full_rule_is_read_field_by_field():
    """Every field of the JSON reaches the rule; the method is upper-cased and integer probabilities are
    floats."""
    rule = rule_from_json(
        {
            "kind": "latency",
            "method": "patch",
            "path": "/beta/reports/*",
            "status": 500,
            "latencyMs": 250,
            "count": 3,
            "probability": 1,
        },
        "9",
    )
    assert (rule.kind, rule.method, rule.path, rule.status) == ("latency", "PATCH", "/beta/reports/*", 500)
    assert (rule.latency_ms, rule.count, rule.probability) == (250, 3, 1.0)
    assert isinstance(rule.probability, float)


@pytest.mark.parametrize("data", [None, [], "503", 503])
def test_a_rule_that_is_not_an_object_is_refused(data):
    """Only a JSON object is a fault rule."""
    with pytest.raises(BadRequest, match="A fault rule is a JSON object"):
        rule_from_json(data, "1")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "explode"),
        ("kind", None),
        ("status", 399),
        ("status", 600),
        ("status", "503"),
        ("status", 503.0),
        ("status", True),
        ("count", 0),
        ("count", -1),
        ("count", 1.5),
        ("count", True),
        ("probability", 1.5),
        ("probability", -0.1),
        ("probability", "0.5"),
        ("probability", True),
        ("probability", float("nan")),
        ("method", 5),
        ("path", ["/beta/*"]),
        ("path", None),
        ("retryAfter", -1),
        ("retryAfter", "1"),
        ("retryAfter", 1.5),
        ("latencyMs", -1),
        ("latencyMs", 600_001),
        ("latencyMs", "10"),
    ],
)
def test_a_bad_field_is_a_400_naming_it(field, value):
    """A value of the wrong type or out of range is a 400 whose target and message name the field."""
    with pytest.raises(BadRequest) as caught:
        rule_from_json({field: value}, "1")
    assert caught.value.status == 400
    assert caught.value.target == field
    assert f"'{field}'" in caught.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [("status", 400), ("status", 599), ("latencyMs", 600_000), ("probability", 0), ("count", 1)],
)
def test_the_bounds_of_each_range_are_allowed(field, value):
    """The limits of each range are themselves valid."""
    rule_from_json({field: value}, "1")


# --- matching ---------------------------------------------------------------------------------------------


def test_no_rules_match_nothing():
    """Without rules, no request is faulted."""
    assert _faults().match("GET", "/beta/me") is None


def test_a_rule_matches_only_its_method():
    """A rule with a method (given in any case) fires only for requests with that method."""
    faults = _faults({"method": "post"})
    assert faults.match("GET", "/beta/me") is None
    rule = faults.match("POST", "/beta/me")
    assert rule is not None
    assert rule.method == "POST"


@pytest.mark.parametrize(
    ("path", "fires"),
    [
        ("/beta/reports/x", True),
        ("/beta/reports/x/y", True),
        ("/beta/reports/x?$top=1", True),
        ("/beta/reports", False),
        ("/v1.0/reports/x", False),
        ("/beta/users/x", False),
    ],
)
def test_a_rule_matches_its_path_glob_without_the_query(path, fires):
    """The glob is matched against the path alone; `*` spans slashes."""
    faults = _faults({"path": "/beta/reports/*"})
    assert (faults.match("GET", path) is not None) is fires


def test_a_counted_rule_stops_firing_and_the_next_rule_takes_over():
    """A rule with `count` fires that many times; then later rules (or none) answer."""
    faults = _faults({"count": 2, "status": 500}, {"path": "/beta/reports/*", "count": 1})
    assert _fired(faults, 5) == ["1", "1", "2", None, None]
    assert [r["fired"] for r in faults.listing()] == [2, 1]


def test_a_rule_that_does_not_match_does_not_use_up_its_count():
    """Requests the rule does not match leave its count alone."""
    faults = _faults({"path": "/beta/reports/*", "count": 1})
    assert faults.match("GET", "/beta/me") is None
    assert faults.match("GET", "/beta/reports/x") is not None
    assert faults.match("GET", "/beta/reports/x") is None


def test_the_first_matching_rule_fires():
    """When several rules match, the earliest added one answers."""
    faults = _faults({"status": 500}, {"status": 502})
    rule = faults.match("GET", "/beta/me")
    assert rule is not None
    assert rule.status == 500


def test_a_probable_rule_fires_the_same_way_under_the_same_seed():
    """With a probability below 1, which requests fail is decided by the seed: the same seed repeats it."""
    first = _fired(_faults({"probability": 0.5}, seed=7), 200)
    again = _fired(_faults({"probability": 0.5}, seed=7), 200)
    other = _fired(_faults({"probability": 0.5}, seed=8), 200)
    assert first == again
    assert first != other
    assert 60 < first.count("1") < 140


def test_probability_zero_never_fires_and_one_always_does():
    """The extremes of the probability are never and always."""
    assert _fired(_faults({"probability": 0}), 50) == [None] * 50
    assert _fired(_faults({"probability": 1}), 50) == ["1"] * 50


def test_a_rule_that_does_not_fire_by_chance_lets_the_next_one_answer():
    """A rule skipped by its probability falls through to the following rules."""
    faults = _faults({"probability": 0}, {"status": 502})
    rule = faults.match("GET", "/beta/me")
    assert rule is not None
    assert rule.id == "2"


def test_a_latency_rule_carries_its_delay():
    """A latency rule fires with the delay for the server to wait, instead of an error."""
    faults = _faults({"kind": "latency", "latencyMs": 1500, "path": "/beta/reports/*"})
    rule = faults.match("GET", "/beta/reports/x")
    assert rule is not None
    assert (rule.kind, rule.latency_ms) == ("latency", 1500)


def test_a_drop_rule_fires_as_a_drop():
    """A drop rule fires for its method and path as kind `drop`, for the server to cut the connection."""
    faults = _faults({"kind": "drop", "method": "DELETE"})
    assert faults.match("GET", "/beta/me") is None
    rule = faults.match("DELETE", "/beta/me")
    assert rule is not None
    assert rule.kind == "drop"


# --- the rule set -----------------------------------------------------------------------------------------


def test_added_rules_get_ids_and_are_listed():
    """Each added rule gets the next id, and the listing shows every rule with how often it fired."""
    faults = _faults({"status": 500}, {"kind": "drop"})
    faults.match("GET", "/beta/me")
    listing = faults.listing()
    assert [(r["id"], r["kind"], r["fired"]) for r in listing] == [("1", "status", 1), ("2", "drop", 0)]


def test_a_refused_rule_is_not_added():
    """A rule with a bad field raises and leaves the rule set as it was."""
    faults = _faults({"status": 500})
    with pytest.raises(BadRequest):
        faults.add({"kind": "explode"})
    assert [r["status"] for r in faults.listing()] == [500]


def test_clear_removes_every_rule_and_ids_keep_counting():
    """After `clear` nothing fires, and rules added later do not reuse earlier ids."""
    faults = _faults({"status": 500}, {"status": 502})
    faults.clear()
    assert faults.listing() == []
    assert faults.match("GET", "/beta/me") is None
    assert faults.add({}).id == "3"


# --- the error --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "TooManyRequests"),
        (500, "generalException"),
        (502, "BadGateway"),
        (503, "serviceNotAvailable"),
        (504, "GatewayTimeout"),
    ],
)
def test_an_injected_error_answers_with_graphs_code(status, code):
    """Known statuses answer with the code Graph uses for them."""
    error = InjectedError(status, None)
    assert (error.status, error.code) == (status, code)
    assert error.headers == {}


def test_an_injected_error_of_another_status_says_so():
    """Any other status answers with a generic code and a message naming the status."""
    error = InjectedError(418, None)
    assert (error.status, error.code) == (418, "InjectedFault")
    assert error.message == "Injected failure with status 418."


def test_an_injected_error_carries_retry_after():
    """A rule's Retry-After reaches the response headers, as seconds."""
    assert InjectedError(429, 1).headers == {"Retry-After": "1"}
    assert InjectedError(503, 0).headers == {"Retry-After": "0"}
