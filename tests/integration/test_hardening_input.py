"""Client input that used to answer 500 (issue 15, item 1): each is now a 400 in Graph's envelope that names
what is wrong, and the server records no exception."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import AUTH, JSON, state_of

DETAILS = "/beta/reports/userCredentialUsageDetails"
COUNTS = "/beta/reports/credentialUserRegistrationCounts"
SUMMARIES = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"


async def _error(response: Any) -> str:
    assert response.status == 400, await response.text()
    body = await response.json()
    assert body["error"]["code"] == "BadRequest"
    assert set(body["error"]["innerError"]) >= {"date", "request-id", "client-request-id"}
    return str(body["error"]["message"])


async def _filter(client: Any, path: str, expression: str) -> str:
    return await _error(await client.get(f"{path}?$filter={quote(expression)}", headers=AUTH))


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("eventDateTime gt 2026-13-01T00:00:00Z", "'2026-13-01T00:00:00Z' at position 17 is not a valid"),
        ("userDisplayName gt 2026-02-30T00:00:00Z", "not a valid DateTimeOffset"),
        ("eventDateTime gt " + "1" * 5000, "the number at position 17 is too long (5000 characters"),
        ("eventDateTime gt 99999999999999999999", "out of range (an Int64 is expected)"),
        ("isSuccess eq 1e999", "out of range"),
        ("not " * 1200 + "isSuccess", "nests too deeply"),
        (" or ".join(["isSuccess"] * 1200), "too large"),
        (" and ".join(["isSuccess"] * 150), "nests too deeply"),
        ("userDisplayName eq '" + "a" * 5000 + "'", "too long (5000 characters; at most 4096)"),
    ],
)
async def test_filter_text_that_raised_is_a_400_naming_it(client, expression, named):
    """A bad date, a huge number, a long chain of `not`/`or`/`and`, an overlong string: a 400 saying which."""
    message = await _filter(client, DETAILS, expression)
    assert named in message
    assert message.startswith("Invalid $filter:")


@pytest.mark.parametrize(
    ("expression", "named"),
    [
        ("userRegistrationCounts gt 1", "'userRegistrationCounts' is a collection"),
        ("userRegistrationCounts le 1", "'userRegistrationCounts' is a collection"),
        ("userRegistrationCounts eq null", "'userRegistrationCounts' is a collection"),
        ("userRegistrationCounts in (1, 2)", "'userRegistrationCounts' is a collection"),
        ("userRegistrationCounts/any(x: x eq 1)", "'x' is a complex value"),
        ("userRegistrationCounts/any(x: x le 1)", "'x' is a complex value"),
        ("userRegistrationCounts/all(x: x in (1))", "'x' is a complex value"),
    ],
)
async def test_comparing_a_collection_of_complex_values_is_a_400(empty, expression, named):
    """Comparisons and `in` over a collection of complex values (TypeError before) name the property."""
    created = await empty.post(
        COUNTS,
        json={
            "totalUserCount": 3,
            "userRegistrationCounts": [{"registrationStatus": "registered", "registrationCount": 3}],
        },
        headers=JSON,
    )
    assert created.status == 201, await created.text()
    assert named in await _filter(empty, COUNTS, expression)


@pytest.mark.parametrize("value", ["\u00b2", "0", "-3", "abc", "1.5", "\u0663"])
async def test_a_maxpagesize_that_is_no_positive_integer_is_a_400(client, value):
    """`Prefer: odata.maxpagesize=²` (a digit to str.isdigit, not to int) is a 400 naming the preference."""
    headers = {**AUTH, "Prefer": f"odata.maxpagesize={value}".encode().decode("latin-1")}
    message = await _error(await client.get(DETAILS, headers=headers))
    assert "odata.maxpagesize must be a positive integer" in message


async def test_a_huge_maxpagesize_is_the_largest_page(client):
    """A positive integer of any length is honoured up to the largest page (no int conversion of it)."""
    response = await client.get(DETAILS, headers={**AUTH, "Prefer": "odata.maxpagesize=" + "9" * 5000})
    assert response.status == 200
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=999"


async def _first_token(client: Any, path: str, query: str) -> str:
    body = await (await client.get(f"{path}?{query}", headers=AUTH)).json()
    return str(body["@odata.nextLink"].split("$skiptoken=")[1])


def _unkeyed_token(query: str, cursor_json: str) -> str:
    """A token as the old scheme made it: an unkeyed digest of the query anyone can recompute."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    raw = f'{{"q":"{digest}","c":{cursor_json}}}'
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


async def test_a_forged_deep_skiptoken_is_a_400_without_parsing_it(client):
    """A token holding a 20,000-deep array under the query's recomputed digest: refused by its HMAC."""
    query = "$orderby=totalUserCount&$top=2"
    forged = _unkeyed_token(query, "[" * 20_000 + "]" * 20_000)
    response = await client.get(f"{SUMMARIES}?{query}&$skiptoken={forged}", headers=AUTH)
    assert "$skiptoken is not valid" in await _error(response)


async def test_an_altered_skiptoken_is_a_400_and_the_real_one_works(client):
    """Changing one character of the cursor or of its MAC is refused; the token as given pages on."""
    query = "$orderby=totalUserCount&$top=2"
    token = await _first_token(client, SUMMARIES, query)
    payload, mac = token.split(".")
    cursor = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    cursor[0] = 10**6
    other = base64.urlsafe_b64encode(json.dumps(cursor).encode()).decode().rstrip("=")
    # the MAC's first character (its last may only carry base64 padding bits, which decode the same)
    altered = f"{payload}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"
    for forged in (f"{other}.{mac}", altered, payload):
        response = await client.get(f"{SUMMARIES}?{query}&$skiptoken={forged}", headers=AUTH)
        assert "skiptoken" in await _error(response)
    good = await client.get(f"{SUMMARIES}?{query}&$skiptoken={token}", headers=AUTH)
    assert good.status == 200


async def test_a_skiptoken_does_not_outlive_its_server(make_client):
    """Tokens are keyed per server: another server (another key) refuses a token the first one made."""
    first, second = await make_client(), await make_client()
    assert state_of(first).token_key != state_of(second).token_key
    token = await _first_token(first, DETAILS, "$top=2")
    response = await second.get(f"{DETAILS}?$top=2&$skiptoken={token}", headers=AUTH)
    assert "skiptoken" in await _error(response)


async def test_an_overlong_skiptoken_is_refused_by_length(client):
    response = await client.get(f"{DETAILS}?$top=2&$skiptoken={'A' * 50_000}", headers=AUTH)
    assert "longer than" in await _error(response)
