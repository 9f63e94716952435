"""The pure side of identity: the lifetime and audience checks of a token, the permission tables' rule
(listed, "Not supported", TODO), and the `--app` spec."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakegraph.identity.apps import from_json, parse_spec
from fakegraph.identity.keys import make_key
from fakegraph.identity.permissions import admits
from fakegraph.identity.tokens import (
    EXPIRED,
    NOT_YET,
    Rejected,
    access_claims,
    check_claims,
    sign,
    signed_claims,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TENANT = "5f6a2b1c-9d3e-4f70-8a1b-2c3d4e5f6a7b"
KEY = make_key()


def _claims(**changes: Any) -> dict[str, Any]:
    made = access_claims(
        tenant_id=TENANT, client_id="app", app_name="App", now=NOW, token_id="t", roles=["R"]
    )
    return {**made, **changes}


def _check(claims: dict[str, Any], at: datetime = NOW) -> None:
    check_claims(claims, at, lambda tenant: tenant == TENANT)


def test_a_signed_token_round_trips_and_its_lifetime_is_on_the_given_clock() -> None:
    token = sign(_claims(), KEY)
    assert signed_claims(token, KEY)["roles"] == ["R"]
    _check(signed_claims(token, KEY))
    _check(_claims(), NOW + timedelta(seconds=3599 + 300))  # the skew forgives five minutes
    with pytest.raises(Rejected) as late:
        _check(_claims(), NOW + timedelta(seconds=3599 + 301))
    assert late.value.message == EXPIRED
    with pytest.raises(Rejected) as early:
        _check(_claims(), NOW - timedelta(seconds=301))
    assert early.value.message == NOT_YET


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"exp": "tomorrow"},
        {"exp": True},
        {"exp": None},
        {"nbf": float("nan")},
        {"aud": "api://other"},
        {"aud": ["https://graph.microsoft.com"]},
        {"tid": "another-tenant"},
        {"tid": None},
        {"iss": "https://sts.windows.net/another/"},
    ],
)
def test_claims_a_resource_refuses(changes: dict[str, Any]) -> None:
    with pytest.raises(Rejected):
        _check(_claims(**changes))


def test_another_key_does_not_verify() -> None:
    with pytest.raises(Rejected, match="not signed with a key of this issuer"):
        signed_claims(sign(_claims(), make_key()), KEY)


TABLE = {"delegatedWork": ["A.Read", "A.ReadWrite"], "delegatedPersonal": [], "application": []}


@pytest.mark.parametrize(
    ("table", "claims", "admitted"),
    [
        (TABLE, {"scp": "a.read Other"}, True),  # any listed permission, in any case
        (TABLE, {"scp": "Other"}, False),
        (TABLE, {"scp": "", "idtyp": "user"}, False),  # a user's token holding nothing
        (TABLE, {"roles": ["A.Read"]}, False),  # "Not supported" for applications
        ({**TABLE, "application": None}, {"roles": []}, True),  # a TODO row: unknown never denies
        ({}, {"roles": []}, True),  # no table
        (None, {}, True),
        ({"delegatedWork": ["A.Read"]}, {"roles": ["A.Read"]}, True),  # a table without an application row
        ({"application": ["A.Read and B.Read"]}, {"roles": ["A.Read"]}, False),  # both needed
        ({"application": ["A.Read and B.Read"]}, {"roles": ["b.read", "A.Read"]}, True),
    ],
)
def test_permission_tables(table: Any, claims: dict[str, Any], admitted: bool) -> None:
    assert admits(table, claims) is admitted


def test_app_specs() -> None:
    app = parse_spec("client-1:s3cret:Reports.Read.All,User.Read.All:User.Read", TENANT)
    assert (app.client_id, app.secret, app.roles, app.scopes) == (
        "client-1",
        "s3cret",
        ("Reports.Read.All", "User.Read.All"),
        ("User.Read",),
    )
    assert parse_spec("public::", TENANT).secret is None
    for bad in ("only-an-id", "a:b:c:d:e", "bad id:s", "x:s:Not a role"):
        with pytest.raises(ValueError, match=r"--app|clientId|roles"):
            parse_spec(bad, TENANT)
    for value in ({"clientId": 3}, {"clientId": "a", "roles": "R"}, {"clientId": "a", "colour": 1}, [1]):
        with pytest.raises(ValueError, match=r"clientId|roles|unknown|object"):
            from_json(value, TENANT)
