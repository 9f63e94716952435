"""The Entra endpoints the same process serves, so one base URL (or one sidecar) is enough for an app that
gets its own tokens (ARCHITECTURE A24):

POST /{tenant}/oauth2/v2.0/token                       the token endpoint (identity/service's flows)
GET  /{tenant}/oauth2/v2.0/authorize                   signs in a user without a page: 302 to redirect_uri
GET  /{tenant}/v2.0/.well-known/openid-configuration   OpenID Connect discovery
GET  /{tenant}/discovery/v2.0/keys                     the signing key set (also /discovery/keys)
GET  /common/discovery/instance                        instance discovery (MSAL's authority check)
GET  /common/userrealm/{username}                      home realm discovery (MSAL, before a password flow)

`{tenant}` is a tenant's id or one of its domain names, or `common`/`organizations`. Errors are Entra's
OAuth body (`error`, `error_description` with an AADSTS code, `error_codes`, `timestamp`, `trace_id`,
`correlation_id`, `error_uri`). These requests are not Graph calls: they are neither journaled (their bodies
hold secrets) nor counted for coverage, and faults and throttling do not apply to them.
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fakegraph.artifacts.contract import VERSIONS, JSONObject
from fakegraph.artifacts.errors import BadRequest
from fakegraph.http.responses import Reply, dumps
from fakegraph.identity import errors
from fakegraph.identity.errors import EntraError
from fakegraph.identity.service import ALIASES, TokenRequest

if TYPE_CHECKING:
    from datetime import datetime

    from fakegraph.http.handlers import GraphRequest
    from fakegraph.http.state import State

JSON = {"Content-Type": "application/json; charset=utf-8"}
NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "*",
}
log = logging.getLogger("fakegraph")
FORM = "application/x-www-form-urlencoded"
AUTH_METHODS = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
CLAIMS = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "nbf",
    "name",
    "oid",
    "preferred_username",
    "tid",
    "ver",
    "nonce",
]


def addressed(segments: list[str]) -> bool:
    """Whether a path is one of the Entra endpoints (a Graph path starts with a version instead)."""
    if len(segments) < 3 or segments[0] in VERSIONS:
        return False
    rest = [s.lower() for s in segments[1:]]
    return rest in (
        ["oauth2", "v2.0", "token"],
        ["oauth2", "v2.0", "authorize"],
        ["v2.0", ".well-known", "openid-configuration"],
        ["discovery", "v2.0", "keys"],
        ["discovery", "keys"],
    ) or (
        segments[0].lower() == "common"
        and (rest == ["discovery", "instance"] or (len(rest) == 2 and rest[0] == "userrealm"))
    )


async def answer(request: GraphRequest, state: State, segments: list[str], request_id: str) -> Reply:
    """The reply of an Entra endpoint; its errors in Entra's body."""
    tenant = unquote(segments[0])
    rest = [s.lower() for s in segments[1:]]
    correlation = request.headers.get("client-request-id") or request_id
    directory = Directory(state)
    try:
        if rest == ["oauth2", "v2.0", "token"]:
            if request.method == "OPTIONS":  # a browser's CORS preflight (single-page apps redeem codes)
                return Reply(204, None, {"Allow": "POST, OPTIONS", **CORS})
            return await _token(request, state, tenant, directory)
        if request.method != "GET" and not (request.method == "HEAD" and rest[0] != "oauth2"):
            only = f"The endpoint only accepts GET requests, not {request.method}."
            raise EntraError(405, "invalid_request", 900561, only)
        if rest == ["oauth2", "v2.0", "authorize"]:
            return _authorize(request, state, tenant, directory)
        if rest == ["discovery", "instance"]:
            return _instance(request, request_id, correlation, state)
        if rest[0] == "userrealm":
            return _realm(unquote(segments[2]))
        tenant_id = _discovery_tenant(state, tenant, directory)
        if rest[0] == "discovery":
            issuer = f"{_origin(request)}/{tenant_id}/v2.0"
            return Reply(200, dumps({"keys": [state.identity.key.jwk(issuer)]}), dict(JSON))
        return Reply(200, dumps(configuration(_origin(request), tenant, tenant_id)), dict(JSON))
    except EntraError as error:
        return error_reply(error, request_id, correlation, state.clock.now())
    except Exception as exc:  # a bug in the fake: Entra's body, and kept for the test to see (State.errors)
        state.errors.append(exc)
        log.exception(
            "unexpected error in fakegraph's Entra endpoint %s %s", request.method, request.raw_path[:300]
        )
        failed = EntraError(
            500, "server_error", 90033, f"fakegraph failed unexpectedly: {type(exc).__name__}."
        )
        return error_reply(failed, request_id, correlation, state.clock.now())


def _origin(request: GraphRequest) -> str:
    return f"{request.scheme}://{request.host}"


def _discovery_tenant(state: State, name: str, directory: Directory) -> str:
    """The tenant id a discovery document names: `{tenantid}` for the tenant-independent authorities."""
    if name.lower() in ALIASES:
        return "{tenantid}"
    return state.identity.tenant_id(name, directory)


def configuration(origin: str, name: str, tenant_id: str) -> dict[str, Any]:
    """The OpenID Connect discovery document of a tenant (or of `common`): where the endpoints are."""
    base = f"{origin}/{name if name.lower() in ALIASES else tenant_id}"
    return {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{origin}/{tenant_id}/v2.0",
        "request_uri_parameter_supported": False,
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "http_logout_supported": False,
        "frontchannel_logout_supported": False,
        "claims_supported": CLAIMS,
        "tenant_region_scope": "WW",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def _instance(request: GraphRequest, trace_id: str, correlation_id: str, state: State) -> Reply:
    """Instance discovery: the tenant discovery endpoint of the authority asked about, on this server."""
    endpoint = request.query.get("authorization_endpoint", "")
    try:
        parts = urlsplit(endpoint)
        ours = bool(endpoint) and parts.netloc.lower() == request.host.lower()
    except ValueError:  # not a URL
        ours = False
    if not ours:
        unknown = EntraError(400, "invalid_instance", 50049, "Unknown or invalid instance (not this server).")
        return error_reply(unknown, trace_id, correlation_id, state.clock.now())
    tenant = next((s for s in parts.path.split("/") if s), "common")
    host = request.host
    body = {
        "tenant_discovery_endpoint": f"{_origin(request)}/{tenant}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    }
    return Reply(200, dumps(body), dict(JSON))


def _realm(username: str) -> Reply:
    """Home realm discovery: every account is managed here (its password is checked by the token endpoint),
    so MSAL goes on with the password flow rather than to a federation server."""
    domain = username.rpartition("@")[2]
    body = {
        "ver": "1.0",
        "account_type": "Managed",
        "domain_name": domain,
        "cloud_instance_name": "microsoftonline.com",
        "cloud_audience_urn": "urn:federation:MicrosoftOnline",
    }
    return Reply(200, dumps(body), dict(JSON))


async def _token(request: GraphRequest, state: State, tenant: str, directory: Directory) -> Reply:
    if request.method != "POST":
        raise errors.post_only(request.method)
    kind = request.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    if kind != FORM:
        raise errors.malformed(f"the body must be {FORM}, not {kind[:60] or '(none)'!r}")
    raw = await request.read()
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise errors.malformed("the body is not a URL-encoded form") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise errors.malformed(f"the parameter '{name[:40]}' is given more than once")
        form[name] = value
    token_request = TokenRequest(tenant, form, _origin(request), _basic(request))
    body = state.identity.token(token_request, directory)
    return Reply(200, dumps(body), {**JSON, **NO_STORE})


def _basic(request: GraphRequest) -> tuple[str, str] | None:
    """client_secret_basic: `Authorization: Basic base64(url-encoded id ":" url-encoded secret)`."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise errors.malformed("the Basic Authorization header is not base64 of 'client_id:secret'") from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise errors.malformed("the Basic Authorization header is not base64 of 'client_id:secret'")
    return unquote(client_id), unquote(secret)


def _authorize(request: GraphRequest, state: State, tenant: str, directory: Directory) -> Reply:
    params: dict[str, str] = {}
    for name in request.query:
        values = request.query.getall(name)
        if len(values) > 1:
            raise errors.malformed(f"the parameter '{name[:40]}' is given more than once")
        params[name] = values[0]
    location = state.identity.authorize(tenant, params, _origin(request), directory)
    return Reply(302, None, {"Location": location, **NO_STORE})


def error_reply(error: EntraError, trace_id: str, correlation_id: str, now: datetime) -> Reply:
    stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{error.code}: {error.description}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}"
    )
    body = {
        "error": error.error,
        "error_description": description,
        "error_codes": [error.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={error.code}",
    }
    return Reply(error.status, dumps(body), {**JSON, **NO_STORE})


class Directory:
    """identity/service's view of the tenants: names, clocks and users, over the server's state."""

    def __init__(self, state: State) -> None:
        self.state = state

    def tenant(self, name: str) -> str | None:
        return self.state.tenants.resolve(name)

    def _of(self, tenant_id: str) -> State:
        return self.state.tenants.state_of(tenant_id)

    def now(self, tenant_id: str) -> datetime:
        return self._of(tenant_id).clock.now()

    def _users(self, tenant_id: str) -> list[JSONObject]:
        state = self._of(tenant_id)
        kind = user_type(state)
        return state.store.all(kind) if kind else []

    def user(self, tenant_id: str, username: str) -> JSONObject | None:
        wanted = username.lower()
        return next(
            (u for u in self._users(tenant_id) if str(u.get("userPrincipalName") or "").lower() == wanted),
            None,
        )

    def user_by_id(self, tenant_id: str, user_id: str) -> JSONObject | None:
        return next((u for u in self._users(tenant_id) if str(u.get("id")) == user_id), None)

    def first_user(self, tenant_id: str) -> JSONObject | None:
        users = self._users(tenant_id)
        return users[0] if users else None

    def password(self, _tenant_id: str, user: JSONObject) -> str:
        """The user's password: the one its create set (`passwordProfile.password`), else the server's."""
        profile = user.get("passwordProfile")
        given = profile.get("password") if isinstance(profile, dict) else None
        return given if isinstance(given, str) and given else self.state.settings.user_password


def user_type(state: State) -> str | None:
    """The type of the users who sign in: the one `/me` answers with (else the one `/users` lists), in the
    first version that serves it (None: the pack has no users)."""
    for path in ("me", "users"):
        for version in state.router.versions():
            try:
                endpoint = state.router.resolve(version, [path]).route.endpoints.get("GET")
            except BadRequest:
                continue
            if endpoint is not None and endpoint.entity_type:
                return endpoint.entity_type
    return None
