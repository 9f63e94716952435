"""Nothing grows without bound (issue 15, item 2): recorded server errors, journal bytes, echoed values; each
bound a setting. (Throttle windows: tests/unit/test_throttle.py; RSS under load: bench/hardening.py.)"""

from __future__ import annotations

import io
import json
import logging

import pytest

from fakegraph.behaviours import credential_reports
from fakegraph.model.settings import Settings, convert
from tests.integration.conftest import AUTH, JSON, state_of

DETAILS = "/beta/reports/userCredentialUsageDetails"
ADMIN = "/_fakegraph"


async def test_recorded_errors_keep_the_last_n_and_count_the_rest(make_client, monkeypatch, caplog):
    """Every 500 was kept with its traceback, and logged in full, forever; now the last `max_errors` are
    kept, the rest counted, and tracebacks past the first N become an occasional line."""

    def broken(store: object) -> list[dict[str, object]]:
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(credential_reports, "registration_count", broken)
    client = await make_client(max_errors=5)
    errors = state_of(client).errors
    with caplog.at_level(logging.ERROR, logger="fakegraph"):
        for _ in range(200):
            response = await client.get("/beta/reports/getCredentialUserRegistrationCount", headers=AUTH)
            assert response.status == 500
    assert len(errors) == 5
    assert errors.dropped == 195
    assert errors.total == 200
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 5
    assert len(caplog.records) < 15  # 5 tracebacks, then a line at 8, 16, 32, 64 and 128
    assert "(+195 earlier not kept)" in repr(errors)
    assert errors != []
    errors.clear()  # expected here; the fixture fails any other test that leaves one behind
    assert errors == []


def test_the_runner_reports_how_many_errors_were_not_kept():
    from fakegraph.server import ServerError

    error = ServerError([ValueError("a")], dropped=7)
    assert "and 7 earlier ones not kept" in str(error)


async def test_journal_bodies_are_truncated_and_the_journal_capped_in_bytes(make_client):
    """1,000 rejected 4 MiB POSTs kept 4 GB: bodies are now cut at journal_body_bytes (the entry says their
    real size) and the oldest entries go when the journal passes journal_bytes."""
    client = await make_client(journal_body_bytes=1000, journal_bytes=20_000)
    journal = state_of(client).journal
    big = b'{"userDisplayName": "' + b"x" * 500_000 + b'", "nope": 1}'
    for _ in range(30):
        response = await client.post(DETAILS, data=io.BytesIO(big), headers=JSON)
        assert response.status == 400
    assert journal.bytes <= 20_000
    entries = journal.entries()
    assert 5 < len(entries) < 30
    assert sum(e.size() for e in entries) == journal.bytes
    newest = (await (await client.get(f"{ADMIN}/requests?top=1")).json())["value"][0]
    assert len(newest["requestBody"]) == 1000
    assert newest["requestBodyBytes"] == len(big)
    assert newest["responseBodyBytes"] == len(entries[0].response or b"")
    with pytest.raises(ValueError, match=f"kept 1000 of the body's {len(big)} bytes"):
        entries[0].json()


async def test_a_small_body_is_kept_whole(make_client):
    client = await make_client(journal_body_bytes=1000)
    await client.post(DETAILS, json={"feature": "reset"}, headers=JSON)
    entry = (await (await client.get(f"{ADMIN}/requests")).json())["value"][0]
    assert entry["requestBody"] == '{"feature": "reset"}'
    assert "requestBodyBytes" not in entry


async def test_the_journal_endpoint_is_paged_and_stable_while_requests_arrive(make_client):
    """GET /_fakegraph/requests rendered the whole journal as one body: now 100 entries a page (top= up to
    1000) with a nextLink below the page's last entry, so new requests do not shift the pages."""
    client = await make_client(journal_size=1000)
    for n in range(250):
        await client.get(f"{DETAILS}?$top=1&n={n}", headers=AUTH)
    seen: list[str] = []
    url: str | None = f"{ADMIN}/requests?path={DETAILS}"  # a path filter (from the start, whole segments)
    pages = 0
    while url:
        body = await (await client.get(url)).json()
        assert len(body["value"]) <= 100
        seen += [e["path"] for e in body["value"]]
        await client.get(f"{DETAILS}?$top=1&n=late", headers=AUTH)  # arrives between pages
        link = body.get("@odata.nextLink")
        url = link[link.index(ADMIN) :] if link else None
        pages += 1
    assert pages == 3
    assert seen == [f"{DETAILS}?$top=1&n={n}" for n in reversed(range(250))]
    sized = await (await client.get(f"{ADMIN}/requests?top=7&method=GET")).json()
    assert len(sized["value"]) == 7
    assert "top=7" in sized["@odata.nextLink"]


@pytest.mark.parametrize("query", ["top=0", "top=x", "before=-1", "top=\u00b2"])
async def test_bad_journal_paging_is_a_400(client, query):
    response = await client.get(f"{ADMIN}/requests?{query}")
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BadRequest"


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({"feature": "x" * 3_000_000}, "feature"),
        ({"x" * 3_000_000: 1}, None),
    ],
)
async def test_an_echoed_value_is_clipped(make_client, body, target):
    """A 400 echoed a 3 MiB value back whole: messages (and targets) are clipped to max_error_chars, keeping
    their start and their end (which says what was wrong)."""
    client = await make_client(max_error_chars=500, dataset="empty")
    response = await client.post(DETAILS, data=io.BytesIO(json.dumps(body).encode()), headers=JSON)
    assert response.status == 400
    assert len(await response.read()) < 2000
    error = (await response.json())["error"]
    assert len(error["message"]) <= 500
    if target:  # the value is cut where the message is made; what it says is whole
        assert error["target"] == target
        assert error["message"].endswith("for property 'feature'. Expected one of: registration, reset.")
        assert "xx...xx" in error["message"]
    else:  # a property name is cut by the envelope's clip, start and end kept
        assert "characters left out]" in error["message"]
        assert error["message"].endswith("Make sure to only use property names that are defined by the type.")
        assert len(error["target"]) <= 500


@pytest.mark.parametrize(
    "name", ["journal_body_bytes", "journal_bytes", "max_errors", "throttle_buckets", "max_error_chars"]
)
def test_each_bound_is_a_checked_setting(name, monkeypatch):
    """Each bound reads from FAKEGRAPH_<NAME> and refuses nonsense naming itself."""
    assert isinstance(getattr(Settings(), name), int)
    monkeypatch.setenv(f"FAKEGRAPH_{name.upper()}", "12345")
    import os

    assert getattr(Settings.from_env(os.environ), name) == 12345
    with pytest.raises(ValueError, match=name):
        convert(name, "-5")
    with pytest.raises(ValueError, match=name):
        Settings(**{name: -5})


async def test_large_bodies_are_handled_a_few_at_a_time(make_client, monkeypatch):
    """Each large request holds several copies of its body while it is parsed and validated: at most
    max_large_bodies of them are handled at once (the rest wait), so memory does not grow with clients."""
    import asyncio

    from fakegraph.http import pipeline

    client = await make_client(max_large_bodies=2, dataset="empty")
    original = pipeline.answer
    running = {"now": 0, "most": 0}

    async def counted(request, state):
        if request.method == "POST":
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
            await asyncio.sleep(0.05)
        try:
            return await original(request, state)
        finally:
            if request.method == "POST":
                running["now"] -= 1

    monkeypatch.setattr(pipeline, "answer", counted)
    big = json.dumps({"feature": "x" * (1024 * 1024)}).encode()
    small = json.dumps({"feature": "reset"}).encode()

    async def post(body: bytes) -> int:
        response = await client.post(DETAILS, data=io.BytesIO(body), headers=JSON)
        return response.status

    statuses = await asyncio.gather(*(post(big) for _ in range(6)))
    assert statuses == [400] * 6
    assert running["most"] == 2
    running["most"] = 0
    assert await asyncio.gather(*(post(small) for _ in range(6))) == [201] * 6
    assert running["most"] > 2  # small bodies are not held back


def test_long_texts_never_enter_the_date_caches():
    from fakegraph.odata import evaluate

    before = evaluate._parse_datetime.cache_info().currsize
    for n in range(100):
        assert evaluate.epoch(f"{n}" + "x" * 4000) is None
        assert evaluate.parse_datetime("2026-01-01T00:00:00Z" + " " * (50 + n)) is None
    assert evaluate._parse_datetime.cache_info().currsize == before
    assert evaluate.epoch("2026-01-01T00:00:00.123456+00:00") == 1767225600.123456


def test_validation_errors_leave_no_cycles_holding_the_value():
    """jsonschema's errors spell the value in their messages and link parents and children both ways: in
    such a cycle a 4 MiB message waited for the cyclic collector, which large strings do not prompt (422 MiB
    waited after 8 s of 4 MiB requests). The validator unlinks them."""
    import gc

    from fakegraph.artifacts.contract import schema_uri
    from fakegraph.artifacts.errors import BadRequest
    from fakegraph.http.state import build_state

    state = build_state(Settings(dataset="empty"))
    kind = "microsoft.graph.userCredentialUsageDetails"
    gc.collect()
    gc.disable()
    try:
        for n in range(3):
            with pytest.raises(BadRequest):
                state.validators["beta"].check(
                    {"feature": f"{n}" + "x" * 100_000}, schema_uri("beta", kind), kind, partial=False
                )
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [o for o in gc.garbage if type(o).__name__ == "ValidationError"]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
