"""Opt-in throttling: the REQUESTS/SECONDS setting, a sliding window per (app, tenant) taken from the bearer
token, Retry-After for the wait that is left, and clearing."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from fakegraph.model.throttle import Throttle, bucket_of, parse_rate, token_claims


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _bearer(claims: Any) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"Bearer eyJhbGciOiJub25lIn0.{payload}.signature"


def _throttle(limit: int = 2, window: float = 10) -> tuple[Throttle, Clock]:
    clock = Clock()
    return Throttle(limit, window, clock=clock), clock


# --- the setting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [("5/10", (5, 10.0)), ("1/0.5", (1, 0.5)), ("100/1", (100, 1.0)), (" 3 / 60 ", (3, 60.0))],
)
def test_parse_rate_reads_requests_per_seconds(text, rate):
    """`N/S` is N requests per S seconds (seconds may be fractional)."""
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["5", "", "/10", "5/", "five/10", "5/ten", "5.5/10", "5/10/2", "5:10"])
def test_parse_rate_refuses_malformed_text_showing_the_form(text):
    """Text that is not two numbers around a slash is refused with the expected form and the text given."""
    with pytest.raises(ValueError, match="REQUESTS/SECONDS") as caught:
        parse_rate(text)
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize("text", ["0/10", "-1/10", "5/0", "5/-2", "5/0.0"])
def test_parse_rate_refuses_non_positive_numbers(text):
    """At least one request per a positive number of seconds is required."""
    with pytest.raises(ValueError, match="at least 1 request per a positive number of seconds") as caught:
        parse_rate(text)
    assert repr(text) in str(caught.value)


# --- the window -------------------------------------------------------------------------------------------


def test_requests_up_to_the_limit_go_on_and_the_next_waits():
    """Within one window the first `limit` requests pass; the next one is told how long to wait."""
    throttle, clock = _throttle(limit=3, window=10)
    assert [throttle.admit("") for _ in range(3)] == [None, None, None]
    clock.now += 4
    assert throttle.admit("") == 6


def test_the_window_slides_from_the_oldest_request():
    """A request is admitted again once the oldest one in the window is a full window old."""
    throttle, clock = _throttle(limit=2, window=10)
    throttle.admit("")
    clock.now += 3
    throttle.admit("")
    clock.now += 6.5  # 9.5 s after the first request
    assert throttle.admit("") == 1
    clock.now += 0.5  # 10 s after the first: it leaves the window
    assert throttle.admit("") is None
    assert throttle.admit("") == 3  # the second request (at 3 s) is 7 s old: 3 s of its window left


@pytest.mark.parametrize("elapsed", [0.0, 0.01, 2.5, 5.0, 7.2, 9.0, 9.99])
def test_retry_after_is_the_whole_seconds_left_in_the_window(elapsed):
    """Retry-After rounds the time left up to a whole second, never below 1 nor above the window."""
    throttle, clock = _throttle(limit=1, window=10)
    throttle.admit("")
    clock.now += elapsed
    wait = throttle.admit("")
    assert wait is not None
    assert 1 <= wait <= 10
    assert wait - 1 < 10 - elapsed <= wait


def test_waiting_as_told_gets_the_request_through():
    """Coming back after Retry-After seconds is admitted."""
    throttle, clock = _throttle(limit=1, window=2.5)
    throttle.admit("")
    clock.now += 0.2
    wait = throttle.admit("")
    assert wait == 3
    clock.now += wait
    assert throttle.admit("") is None


def test_refused_requests_do_not_extend_the_wait():
    """Retries while throttled are not counted, so they do not push the window back."""
    throttle, clock = _throttle(limit=1, window=10)
    throttle.admit("")
    for _ in range(5):
        clock.now += 1
        assert throttle.admit("") is not None
    clock.now += 5  # 10 s after the one admitted request
    assert throttle.admit("") is None


# --- buckets ----------------------------------------------------------------------------------------------


def test_each_app_and_tenant_has_its_own_bucket():
    """Apps and tenants are throttled apart: one exhausted bucket does not hold back the others."""
    throttle, _ = _throttle(limit=1)
    app_a = _bearer({"appid": "a", "tid": "t1"})
    assert throttle.admit(app_a) is None
    assert throttle.admit(app_a) is not None
    assert throttle.admit(_bearer({"appid": "b", "tid": "t1"})) is None
    assert throttle.admit(_bearer({"appid": "a", "tid": "t2"})) is None


def test_azp_names_the_app_when_appid_is_absent():
    """v2 tokens name the app in `azp`; it shares the bucket of the same `appid`."""
    throttle, _ = _throttle(limit=1)
    assert throttle.admit(_bearer({"appid": "a", "tid": "t"})) is None
    assert throttle.admit(_bearer({"azp": "a", "tid": "t"})) is not None
    assert bucket_of(_bearer({"azp": "b", "tid": "t", "other": 1})) == ("b", "t")


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer opaque-token", "Bearer a.b", "Bearer a.!!!.c", "Bearer a.W10.c", "Basic dXNlcjpwYXNz"],
)
def test_requests_without_a_readable_jwt_share_one_bucket(authorization):
    """Opaque, malformed and non-JWT tokens all count against one shared bucket."""
    throttle, _ = _throttle(limit=1)
    assert throttle.admit("Bearer some-other-token") is None
    assert throttle.admit(authorization) is not None
    assert bucket_of(authorization) == ("", "")


def test_token_claims_reads_the_payload_without_verifying():
    """The middle part of a JWT is decoded whatever its padding; other tokens have no claims."""
    claims = {"appid": "app", "tid": "tenant", "roles": ["Reports.Read.All"]}
    assert token_claims(_bearer(claims)) == claims
    assert token_claims("Bearer not-a-jwt") == {}
    assert token_claims(_bearer(["a list"])) == {}


def test_clear_forgets_every_bucket():
    """After `clear`, every app may send a full window of requests again."""
    throttle, _ = _throttle(limit=1)
    tokens = ["", _bearer({"appid": "a", "tid": "t"})]
    for token in tokens:
        throttle.admit(token)
        assert throttle.admit(token) is not None
    throttle.clear()
    for token in tokens:
        assert throttle.admit(token) is None


@pytest.mark.parametrize("text", ["5/nan", "5/inf", "5/-inf"])
def test_a_window_that_is_not_a_finite_number_is_refused(text):
    """`5/nan` and `5/inf` are malformed settings, not windows that crash the sixth request."""
    with pytest.raises(ValueError, match="positive number of seconds"):
        parse_rate(text)


# --- bounded windows --------------------------------------------------------------------------------------


def test_windows_are_bounded_and_the_least_recently_used_go_first():
    """100,000 appids made 100,000 windows that were never pruned: now at most `buckets` are kept, and a
    window in use stays (its app is still throttled) while the idle ones are let go."""
    clock = Clock()
    throttle = Throttle(1, 10, clock=clock, buckets=3)
    busy = _bearer({"appid": "busy", "tid": "t"})
    assert throttle.admit(busy) is None
    for n in range(1000):
        throttle.admit(_bearer({"appid": f"app{n}", "tid": "t"}))
        assert throttle.admit(busy) is not None  # used after each newcomer: never the least recent
        assert len(throttle) <= 3
    assert throttle.admit(_bearer({"appid": "app0", "tid": "t"})) is None  # evicted, so a fresh window
