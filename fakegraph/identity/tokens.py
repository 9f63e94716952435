"""Access and ID tokens: RS256 JWTs signed with the server's key, their claims on the mock clock; and the
checks a resource makes of a bearer token, each failure with the message Graph gives for it.

Graph's access tokens are v1.0 tokens whatever endpoint issued them: `aud` is Graph, `iss` is
`https://sts.windows.net/{tid}/`, `appid` names the client, `roles` (an application's) or `scp` (a user's
delegated scopes) say what it may do.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from fakegraph.identity.keys import SigningKey, b64url

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_AUDIENCES = frozenset({GRAPH_RESOURCE, GRAPH_RESOURCE + "/", GRAPH_APP_ID})
ACCESS_LIFETIME = 3599  # seconds, what Entra's token responses give as expires_in
CLOCK_SKEW = 300  # seconds a resource forgives either side of nbf and exp, as Entra's validators do
# The ids of an app's service principal and of token ids: stable per (tenant, client) under this namespace.
NAMESPACE = uuid.UUID("0b1c6f2e-7a4d-4e59-9c3b-6d8e2f1a5b70")

# Graph's 401 messages (graph-truth 2.2); the part after the first sentence says which check failed.
EMPTY = "Access token is empty."
NOT_A_JWT = "CompactToken parsing failed with error code: 80049217"
INVALID = "Access token validation failure."
EXPIRED = "Lifetime validation failed, the token is expired."
NOT_YET = "Lifetime validation failed, the token is not yet valid."

Claims = dict[str, Any]


class Rejected(Exception):
    """A bearer token a resource does not accept; the message is what Graph's 401 says."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def v1_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def epoch(when: datetime) -> int:
    return int(when.timestamp())


def service_principal_id(tenant_id: str, client_id: str) -> str:
    """The object id an app's tokens carry in a tenant (its service principal there)."""
    return str(uuid.uuid5(NAMESPACE, f"{tenant_id.lower()}/{client_id.lower()}"))


def sign(claims: Mapping[str, Any], key: SigningKey) -> str:
    import jwt

    headers = {"typ": "JWT", "kid": key.kid, "x5t": key.kid}
    return jwt.encode(dict(claims), key.private, algorithm="RS256", headers=headers)


def access_claims(
    *,
    tenant_id: str,
    client_id: str,
    app_name: str,
    now: datetime,
    token_id: str,
    roles: Iterable[str] = (),
    scopes: Iterable[str] | None = None,
    user: Mapping[str, Any] | None = None,
    lifetime: int = ACCESS_LIFETIME,
    audience: str = GRAPH_RESOURCE,
    credential: str = "1",
) -> Claims:
    """The claims of a Graph access token: an application's (`roles`) or, with `scopes`, a user's
    (`scp`). `credential` is `appidacr`: 0 a public client, 1 a secret, 2 a certificate."""
    issued = epoch(now)
    claims: Claims = {
        "aud": audience,
        "iss": v1_issuer(tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "app_displayname": app_name,
        "appid": client_id,
        "appidacr": credential,
        "idp": v1_issuer(tenant_id),
        "tid": tenant_id,
        "uti": token_id,
        "ver": "1.0",
    }
    if scopes is not None:  # delegated: the user's object id, names and the scopes granted
        assert user is not None
        claims.update(
            {
                "idtyp": "user",
                "amr": ["pwd"],
                "oid": str(user.get("id", "")),
                "sub": b64url(uuid.uuid5(NAMESPACE, f"{client_id}/{user.get('id')}").bytes),
                "name": user.get("displayName") or "",
                "upn": user.get("userPrincipalName") or "",
                "unique_name": user.get("userPrincipalName") or "",
                "scp": " ".join(scopes),
            }
        )
        for claim, prop in (("given_name", "givenName"), ("family_name", "surname")):
            if user.get(prop):
                claims[claim] = user[prop]
        del claims["idp"]
    else:
        principal = service_principal_id(tenant_id, client_id)
        claims.update({"idtyp": "app", "oid": principal, "sub": principal})
        granted = list(roles)
        if granted:
            claims["roles"] = granted
    return claims


def id_claims(
    *, issuer: str, tenant_id: str, client_id: str, user: Mapping[str, Any], now: datetime, nonce: str | None
) -> Claims:
    """An OpenID Connect ID token's claims (v2.0): who signed in, for the client."""
    issued = epoch(now)
    claims: Claims = {
        "aud": client_id,
        "iss": issuer,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ACCESS_LIFETIME,
        "name": user.get("displayName") or "",
        "oid": str(user.get("id", "")),
        "preferred_username": user.get("userPrincipalName") or "",
        "sub": b64url(uuid.uuid5(NAMESPACE, f"{client_id}/{user.get('id')}").bytes),
        "tid": tenant_id,
        "ver": "2.0",
    }
    if nonce:
        claims["nonce"] = nonce
    return claims


def client_info(user_id: str, tenant_id: str) -> str:
    """What MSAL asks for with `client_info=1`: the account's ids, base64url JSON."""
    return b64url(json.dumps({"uid": user_id, "utid": tenant_id}).encode())


def signed_claims(token: str, key: SigningKey) -> Claims:
    """The claims of a token this server signed, or Rejected saying why it is not one: not a JWT, another
    algorithm (`none` included), another key, or a signature that does not match."""
    import jwt

    if token.count(".") != 2:
        raise Rejected(NOT_A_JWT)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError as exc:
        raise Rejected(NOT_A_JWT) from exc
    algorithm = header.get("alg")
    if algorithm != "RS256":
        raise Rejected(f"{INVALID} The token's signing algorithm {str(algorithm)[:20]!r} is not RS256.")
    if header.get("kid") != key.kid:
        raise Rejected(f"{INVALID} The token is not signed with a key of this issuer (kid).")
    try:
        claims = jwt.decode(
            token,
            key.public,
            algorithms=["RS256"],
            options={
                "verify_exp": False,  # checked on the mock clock
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise Rejected(f"{INVALID} Invalid signature.") from exc
    except jwt.PyJWTError as exc:
        raise Rejected(NOT_A_JWT) from exc
    if not isinstance(claims, dict):
        raise Rejected(NOT_A_JWT)
    return claims


def check_claims(claims: Claims, now: datetime, known_tenant: Callable[[str], bool]) -> None:
    """A signed token's audience, issuer and lifetime (with CLOCK_SKEW), or Rejected."""
    audience = claims.get("aud")
    if not isinstance(audience, str) or audience not in GRAPH_AUDIENCES:
        raise Rejected(f"{INVALID} Invalid audience.")
    tenant = claims.get("tid")
    if not isinstance(tenant, str) or not known_tenant(tenant):
        raise Rejected(f"{INVALID} The token's tenant is not one this server holds.")
    if claims.get("iss") != v1_issuer(tenant):
        raise Rejected(f"{INVALID} Invalid issuer.")
    moment = epoch(now)
    expires, not_before = claims.get("exp"), claims.get("nbf", 0)
    if not _number(expires) or not _number(not_before):
        raise Rejected(f"{INVALID} The token's exp and nbf must be numbers.")
    assert isinstance(expires, int | float)
    assert isinstance(not_before, int | float)
    if moment > expires + CLOCK_SKEW:
        raise Rejected(EXPIRED)
    if moment < not_before - CLOCK_SKEW:
        raise Rejected(NOT_YET)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
