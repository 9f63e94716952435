"""The control plane refuses what would corrupt or leak (issue 15, item 6): ids no URL reaches, silent
overwrites, duplicate ids in a state load, credentials in the journal, and a loose admin token check."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.conftest import state_of

ADMIN = "/_fakegraph"
DETAILS = "/beta/reports/userCredentialUsageDetails"
TYPE = "microsoft.graph.userCredentialUsageDetails"


@pytest.mark.parametrize("bad_id", ["", " ", " x", "x\n", "a\x00b", 7])
async def test_seeding_an_id_no_url_can_reach_is_a_400(empty, bad_id):
    """`"id": ""` (and other ids no key segment can address) is refused, naming the place and the rule."""
    response = await empty.post(f"{ADMIN}/seed", json={"userCredentialUsageDetails": [{"id": bad_id}]})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["message"].startswith("userCredentialUsageDetails[0]: Invalid value for property 'id'")
    assert state_of(empty).store.count(TYPE) == 0


async def test_seeding_an_existing_id_is_a_409_and_changes_nothing(empty):
    """It reported {"added": 1} and replaced the stored object; now a 409 naming the id, nothing added."""
    first = {"userCredentialUsageDetails": [{"id": "kept", "feature": "reset"}]}
    assert (await empty.post(f"{ADMIN}/seed", json=first)).status == 201
    again = {
        "userCredentialUsageDetails": [
            {"id": "new", "feature": "reset"},
            {"id": "kept", "feature": "registration"},
        ]
    }
    response = await empty.post(f"{ADMIN}/seed", json=again)
    assert response.status == 409
    assert "'kept' exists already" in (await response.json())["error"]["message"]
    store = state_of(empty).store
    assert store.peek(TYPE, "kept")["feature"] == "reset"
    assert store.peek(TYPE, "new") is None


@pytest.mark.parametrize("endpoint", ["seed", "state"])
async def test_an_id_given_twice_is_a_400_naming_both_places(empty, endpoint):
    """PUT state kept the last of two objects with one id (and seed overwrote the first): now a 400 naming
    both positions, even when the type is spelled two ways."""
    body = {
        "userCredentialUsageDetails": [{"id": "a"}, {"id": "twice", "feature": "reset"}],
        TYPE: [{"id": "twice", "feature": "registration"}],
    }
    method = empty.post if endpoint == "seed" else empty.put
    response = await method(f"{ADMIN}/{endpoint}", json=body)
    assert response.status == 400
    message = (await response.json())["error"]["message"]
    assert f"{TYPE}[0]: the id 'twice' is given twice" in message
    assert "also at userCredentialUsageDetails[1]" in message
    assert state_of(empty).store.count(TYPE) == 0


async def test_the_plugin_add_refuses_an_existing_id(empty):
    from fakegraph.artifacts.errors import Conflict
    from fakegraph.http.admin import add_objects, seed_objects

    state = state_of(empty)
    add_objects(state, seed_objects(state, {TYPE: [{"id": "one", "feature": "reset"}]}))
    with pytest.raises(Conflict, match="'one' exists already"):
        add_objects(state, seed_objects(state, {TYPE: [{"id": "one", "feature": "registration"}]}))
    assert state.store.peek(TYPE, "one")["feature"] == "reset"


async def test_the_journal_keeps_the_scheme_and_a_short_hash_of_credentials(empty):
    """Without --admin-token, GET /_fakegraph/requests handed out every client's Authorization header."""
    token = "eyJ0eXAiOiJKV1QifQ.secret-part.signature"
    await empty.get(DETAILS, headers={"Authorization": f"Bearer {token}", "Cookie": "session=abc"})
    entry = (await (await empty.get(f"{ADMIN}/requests")).json())["value"][0]
    headers = entry["requestHeaders"]
    digest = hashlib.sha256(token.encode()).hexdigest()[:12]
    assert headers["Authorization"] == f"Bearer sha256:{digest}"
    assert headers["Cookie"].startswith("sha256:")
    text = str(entry)
    assert "secret-part" not in text
    assert "session=abc" not in text
    assert state_of(empty).journal.entries()[0].headers["authorization"] == f"Bearer sha256:{digest}"


async def test_batch_steps_are_journaled_redacted_too(empty):
    batch = {"requests": [{"id": "1", "method": "GET", "url": "/reports/userCredentialUsageDetails"}]}
    await empty.post("/beta/$batch", json=batch, headers={"Authorization": "Bearer hunter2"})
    assert all("hunter2" not in str(e.as_json()) for e in state_of(empty).journal.entries())


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("Bearer s3cret", 200),
        ("bearer s3cret", 200),
        ("BEARER  s3cret ", 200),
        ("Bearer s3cre", 401),
        ("Bearer s3cretX", 401),
        ("Basic s3cret", 401),
        ("s3cret", 401),
        ("", 401),
        ("Bearer s3cr\u00e9t", 401),
    ],
)
async def test_the_admin_token_scheme_is_case_insensitive_and_the_token_exact(make_client, header, status):
    client = await make_client(admin_token="s3cret")
    headers = {"Authorization": header.encode().decode("latin-1")} if header else {}
    response = await client.get(f"{ADMIN}/clock", headers=headers)
    assert response.status == status
    if status == 401:
        assert (await response.json())["error"]["code"] == "InvalidAuthenticationToken"


def test_the_admin_token_is_compared_in_constant_time(monkeypatch):
    """The check goes through hmac.compare_digest (a `!=` returns at the first differing byte)."""
    from fakegraph.http import admin

    calls = []
    real = admin.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(admin.hmac, "compare_digest", spy)
    assert admin._admitted("Bearer x", "x")
    assert not admin._admitted("Bearer y", "x")
    assert calls == [(b"x", b"x"), (b"y", b"x")]
