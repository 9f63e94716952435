"""OData query options and server-side paging, as the reference pages document them (ARCHITECTURE A9)."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import quote

import pytest

from tests.integration.conftest import AUTH, JSON, collect, state_of

DETAILS = "/beta/reports/userCredentialUsageDetails"
REGISTRATIONS = "/beta/reports/credentialUserRegistrationDetails"
SUMMARIES = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
USAGE = "/beta/reports/getCredentialUsageSummary(period='D30')"
PREFER_ALL = {**AUTH, "Prefer": "odata.maxpagesize=999"}


async def _get(client: Any, path: str, query: str = "", headers: dict[str, str] | None = None) -> Any:
    url = f"{path}?{quote(query, safe='$=&')}" if query else path
    return await client.get(url, headers=headers or PREFER_ALL)


# The $filter examples of the reference pages, each with what it must select.
DOCUMENTED = [
    (USAGE, "$filter=feature eq 'registration'", lambda o: o["feature"] == "registration"),
    (DETAILS, "$filter=feature eq 'registration'", lambda o: o["feature"] == "registration"),
    (DETAILS, "$filter=isSuccess eq true", lambda o: o["isSuccess"] is True),
    (
        DETAILS,
        "$filter=authMethod eq microsoft.graph.usageAuthMethod'email'",
        lambda o: o["authMethod"] == "email",
    ),
    (
        DETAILS,
        "$filter=failureReason eq 'The verification code was incorrect'",
        lambda o: o["failureReason"] == "The verification code was incorrect",
    ),
    (
        REGISTRATIONS,
        "$filter=authMethods/any(t:t eq microsoft.graph.registrationAuthMethod'email')",
        lambda o: "email" in o["authMethods"],
    ),
    (REGISTRATIONS, "$filter=isRegistered eq true", lambda o: o["isRegistered"] is True),
    (REGISTRATIONS, "$filter=isEnabled eq true", lambda o: o["isEnabled"] is True),
    (REGISTRATIONS, "$filter=isCapable eq true", lambda o: o["isCapable"] is True),
    (REGISTRATIONS, "$filter=isMfaRegistered eq true", lambda o: o["isMfaRegistered"] is True),
]


@pytest.mark.parametrize(("path", "query", "holds"), DOCUMENTED, ids=[q for _, q, _ in DOCUMENTED])
async def test_documented_filters(client, path, query, holds):
    """Every documented $filter example answers 200 with exactly the matching objects."""
    everything = (await (await _get(client, path)).json())["value"]
    response = await _get(client, path, query)
    assert response.status == 200, await response.text()
    value = (await response.json())["value"]
    assert value
    assert value == [o for o in everything if holds(o)]


@pytest.mark.parametrize("path", [DETAILS, REGISTRATIONS])
async def test_name_filters_are_case_insensitive_with_startswith(client, path):
    """userDisplayName / userPrincipalName: eq and startswith(), case-insensitive as documented."""
    first = (await (await _get(client, path)).json())["value"][0]
    name, upn = first["userDisplayName"], first["userPrincipalName"]
    by_name = (await (await _get(client, path, f"$filter=userDisplayName eq '{name.upper()}'")).json())[
        "value"
    ]
    assert by_name
    assert {o["userDisplayName"] for o in by_name} == {name}
    prefix = upn.split("@")[0][:3].upper()
    starting = (await (await _get(client, path, f"$filter=startswith(userPrincipalName,'{prefix}')")).json())[
        "value"
    ]
    assert first["id"] in {o["id"] for o in starting}
    assert all(o["userPrincipalName"].upper().startswith(prefix) for o in starting)


@pytest.mark.parametrize(
    ("path", "query", "message"),
    [
        (USAGE, "$filter=authMethod eq 'email'", "Filtering on property 'authMethod' is not supported"),
        (USAGE, "$filter=feature ne 'reset'", "The operator 'ne' is not supported on property 'feature'"),
        (DETAILS, "$filter=id eq 'x'", "Filtering on property 'id' is not supported"),
        (DETAILS, "$filter=startswith(feature,'r')", "The operator 'startswith' is not supported"),
        (DETAILS, "$skip=5", "Query option '$skip' is not supported"),
        (DETAILS, "$search=anything", "Query option '$search' is not supported"),
        (DETAILS, "$top=0", "between 1 and 999"),
        (DETAILS, "$top=1000", "between 1 and 999"),
        (DETAILS, "$top=many", "an integer is expected"),
        (DETAILS, "$select=nothing", "Could not find a property named 'nothing'"),
        (DETAILS, "$orderby=nothing", "Could not find a property named 'nothing'"),
        (DETAILS, "$orderby=isSuccess sideways", "Invalid $orderby"),
        (DETAILS, "$filter=feature eq", "Invalid $filter"),
        (DETAILS, "$count=maybe", "true or false"),
        (DETAILS, "$filter=authMethod eq 'passKeySynced'", "Prefer: include-unknown-enum-members"),
        (DETAILS, "$unknown=1", "Query option '$unknown' is not supported"),
        (
            "/beta/reports/getCredentialUserRegistrationCount",
            "$top=1",
            "Query option '$top' is not supported",
        ),
        (
            "/beta/reports/getCredentialUserRegistrationCount()",
            "$filter=totalUserCount eq 1",
            "Query option '$filter' is not supported",
        ),
        (f"{DETAILS}/$count", "$skip=1", "Query option '$skip' is not supported"),
    ],
)
async def test_unsupported_options_are_400s_naming_them(client, path, query, message):
    """What an operation does not support is refused, naming the option, property or operator."""
    response = await _get(client, path, query)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    assert message in error["message"]


async def test_evolvable_member_filter_works_with_the_prefer_header(client):
    """With `Prefer: include-unknown-enum-members` a filter on a newer member is allowed and answered."""
    headers = {**PREFER_ALL, "Prefer": "include-unknown-enum-members, odata.maxpagesize=999"}
    everything = (await (await _get(client, DETAILS, headers=headers)).json())["value"]
    newer = next(
        o["authMethod"]
        for o in everything
        if o["authMethod"]
        in {
            "sms",
            "qrCode",
            "passKeySynced",
            "mobilePhone",
            "fido2SecurityKey",
            "temporaryAccessPass",
            "oneTimePasscode",
            "hardwareOneTimePasscode",
        }
    )
    response = await _get(client, DETAILS, f"$filter=authMethod eq '{newer}'", headers)
    assert response.status == 200
    assert {o["authMethod"] for o in (await response.json())["value"]} == {newer}


async def test_dollar_prefix_is_optional_on_beta(client):
    """On beta `filter=` works like `$filter=`."""
    with_dollar = (await (await _get(client, DETAILS, "$filter=isSuccess eq false")).json())["value"]
    without = (await (await _get(client, DETAILS, "filter=isSuccess eq false")).json())["value"]
    assert with_dollar == without
    assert all(o["isSuccess"] is False for o in without)


async def test_select_returns_the_listed_properties_and_the_key(client):
    """$select keeps only the listed properties (and id), and shows in @odata.context."""
    body = await (await _get(client, DETAILS, "$select=feature,isSuccess")).json()
    assert body["@odata.context"].endswith("#reports/userCredentialUsageDetails(feature,isSuccess)")
    assert all(set(o) == {"id", "feature", "isSuccess"} for o in body["value"])
    one = body["value"][0]["id"]
    item = await (await _get(client, f"{DETAILS}/{one}", "$select=feature")).json()
    assert {k for k in item if not k.startswith("@")} == {"id", "feature"}


async def test_orderby_several_keys_and_enum_member_order(client):
    """$orderby sorts by several keys, asc/desc, enums by member order."""
    value = (await (await _get(client, DETAILS, "$orderby=feature desc,eventDateTime asc")).json())["value"]
    keys = [(o["feature"], o["eventDateTime"]) for o in value]
    features = [k[0] for k in keys]
    members = ["registration", "reset"]
    assert features == sorted(features, key=members.index, reverse=True)
    for feature in members:
        times = [k[1] for k in keys if k[0] == feature]
        assert times == sorted(times)


async def test_top_and_count(client):
    """$top bounds the page; $count=true adds @odata.count (all matches) on the first page only."""
    body = await (await _get(client, DETAILS, "$top=5&$count=true&$filter=isSuccess eq true", AUTH)).json()
    matching = [o for o in await collect(client, DETAILS) if o["isSuccess"]]
    assert len(body["value"]) == 5
    assert body["@odata.count"] == len(matching)
    link = body["@odata.nextLink"]
    second = await (await client.get(link[link.index("/beta") :], headers=AUTH)).json()
    assert "@odata.count" not in second
    assert len(second["value"]) == 5


async def test_count_segment_is_plain_text(client):
    """`/$count` answers the number of (filtered) objects as text/plain."""
    response = await _get(client, f"{DETAILS}/$count", "$filter=isSuccess eq false", AUTH)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    failures = [o for o in await collect(client, DETAILS) if not o["isSuccess"]]
    assert int(await response.text()) == len(failures)


async def test_skip_where_supported(client):
    """managedTenants documents $skip: it is served there."""
    everything = (await (await _get(client, SUMMARIES, "$orderby=tenantDisplayName")).json())["value"]
    skipped = (await (await _get(client, SUMMARIES, "$orderby=tenantDisplayName&$skip=2")).json())["value"]
    assert skipped == everything[2:]


async def test_next_link_is_absolute_on_the_clients_base_and_keeps_options(client):
    """@odata.nextLink uses the host the client called, keeps the original options and adds a $skiptoken."""
    response = await client.get(
        f"{DETAILS}?$filter=isSuccess%20eq%20true&$select=id",
        headers={**AUTH, "Prefer": "odata.maxpagesize=7", "Host": "graph.example:8443"},
    )
    assert response.headers["Preference-Applied"] == "odata.maxpagesize=7"
    body = await response.json()
    assert len(body["value"]) == 7
    link = body["@odata.nextLink"]
    assert link.startswith("http://graph.example:8443/beta/reports/userCredentialUsageDetails?")
    assert "$filter=isSuccess%20eq%20true" in link
    assert "$select=id" in link
    assert "$skiptoken=" in link


async def test_skiptoken_reused_with_other_options_is_a_400(client):
    """A $skiptoken only continues the query that produced it."""
    body = await (await client.get(f"{DETAILS}?$top=3", headers=AUTH)).json()
    token = body["@odata.nextLink"].split("$skiptoken=")[1]
    response = await client.get(f"{DETAILS}?$top=4&$skiptoken={token}", headers=AUTH)
    assert response.status == 400
    assert "skiptoken" in (await response.json())["error"]["message"]
    garbage = await client.get(f"{DETAILS}?$top=3&$skiptoken=not-a-token", headers=AUTH)
    assert garbage.status == 400


@pytest.mark.parametrize("query", ["", "?$filter=isSuccess eq true&$orderby=feature desc"])
async def test_walking_ten_thousand_objects_sees_each_once_despite_changes(empty, query):
    """Page size 7 over 10,000 objects, with creates and deletes during the walk: no object twice, and every
    matching object that stayed is seen (in the requested order when one is given)."""
    store = state_of(empty).store
    objects = {
        f"{i:05d}": {
            "id": f"{i:05d}",
            "feature": ("reset", "registration")[i % 3 == 0],
            "isSuccess": i % 2 == 0,
        }
        for i in range(10_000)
    }
    store.load({"microsoft.graph.userCredentialUsageDetails": list(objects.values())})
    wanted = {key for key, obj in objects.items() if not query or obj["isSuccess"]}
    rng = random.Random(7)
    seen: list[dict[str, Any]] = []
    deleted: set[str] = set()
    url: str | None = DETAILS + query
    pages = 0
    while url:
        body = await (await empty.get(url, headers={**AUTH, "Prefer": "odata.maxpagesize=7"})).json()
        seen.extend(body["value"])
        pages += 1
        if pages % 20 == 0:
            recent = {o["id"] for o in seen[-50:]}
            victim = rng.choice(sorted(wanted - deleted - recent))
            await empty.delete(f"{DETAILS}/{victim}", headers=AUTH)
            deleted.add(victim)
            await empty.post(DETAILS, json={"feature": "registration", "isSuccess": True}, headers=JSON)
        link = body.get("@odata.nextLink")
        url = link[link.index("/beta") :] if link else None
    ids = [o["id"] for o in seen]
    assert len(ids) == len(set(ids))
    assert wanted - deleted <= set(ids)
    assert pages >= len(wanted) // 7
    if query:
        assert all(o["isSuccess"] for o in seen)
        features = [o["feature"] for o in seen]
        assert features == sorted(features, reverse=True)


async def test_documented_but_unimplemented_options_are_501(client):
    """managedTenants documents $apply; fakegraph says plainly that it does not implement it."""
    response = await _get(client, SUMMARIES, "$apply=groupby((tenantId))")
    assert response.status == 501
    assert (await response.json())["error"]["code"] == "notSupported"


@pytest.mark.parametrize("cursor", [[{"a": 1}, "x"], ["5", "x"], [True, "x"], [[1], "x"], [5, 7], [5]])
async def test_a_skiptoken_made_by_hand_is_a_400(client, cursor):
    """A token signed with the server's own key (as if it leaked) for the right query, but carrying values no
    object could hold, is refused, not a 500."""
    from fakegraph.odata import paging

    path = "/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries"
    query = "$orderby=totalUserCount&$top=2"
    forged = paging.encode(state_of(client).token_key, query, cursor)
    response = await client.get(f"{path}?{query}&$skiptoken={forged}", headers=AUTH)
    assert response.status == 400
    assert "skiptoken" in (await response.json())["error"]["message"]
