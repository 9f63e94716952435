"""The control plane's identity endpoints (ARCHITECTURE A24):

GET    /_fakegraph/apps[?tenant=]          the registered apps (of one tenant, or all)
POST   /_fakegraph/apps                    register one: {"clientId"?, "secret"?, "roles"?, "scopes"?,
                                           "tenantId"?, "certificate"?, "redirectUris"?, "displayName"?}
                                           (201; a client id and a secret are made when not given)
DELETE /_fakegraph/apps/{clientId}[?tenant=]
POST   /_fakegraph/tokens                  a signed Graph token without a flow: {"tenantId"?, "clientId"?,
                                           "roles"?, "scopes"?, "user"? (id or userPrincipalName),
                                           "expiresIn"? (seconds, negative: expired), "audience"?}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import BadRequest, Conflict, NotFound
from fakegraph.http import handlers
from fakegraph.http.entra import Directory
from fakegraph.http.responses import Reply, dumps
from fakegraph.identity.apps import App, from_json, new_secret
from fakegraph.identity.tokens import GRAPH_RESOURCE

if TYPE_CHECKING:
    from fakegraph.http.state import State

JSON_HEADERS = {"Content-Type": "application/json"}
MAX_LIFETIME = 366 * 24 * 3600  # seconds either way a minted token's lifetime may take


def tenant_of(state: State, name: str | None) -> str:
    """The id of the tenant a control-plane call names (`?tenant=` or `tenantId`): `state`'s without one,
    a 404 for one the server does not hold."""
    return state.tenants.get(name).tenant_id if name else state.tenant_id


def register(state: State, body: object) -> App:
    """Register an app from its JSON (a client id and, without a certificate, a secret made if missing)."""
    if not isinstance(body, Mapping):
        raise BadRequest("An app is a JSON object: {'clientId'?, 'secret'?, 'roles'?, 'scopes'?, ...}.")
    given: dict[str, Any] = dict(body)
    given["tenantId"] = tenant_of(
        state, given.get("tenantId") if isinstance(given.get("tenantId"), str) else None
    )
    given.setdefault("clientId", state.new_id())
    if "secret" not in given and not given.get("certificate"):
        given["secret"] = new_secret()
    try:
        app = from_json(given, state.settings.tenant_id)
    except ValueError as exc:
        raise BadRequest(f"{exc}.") from exc
    try:
        return state.identity.register(app)
    except KeyError as exc:
        raise Conflict(str(exc.args[0]) + ".") from exc
    except OverflowError as exc:
        raise BadRequest(f"{exc}.") from exc


def mint(
    state: State,
    *,
    tenant: str | None = None,
    client_id: str = "",
    roles: Sequence[str] = (),
    scopes: Sequence[str] | None = None,
    user: str | None = None,
    expires_in: int = 3599,
    audience: str = GRAPH_RESOURCE,
) -> str:
    """A signed Graph token for tests: an application's with `roles`, or a user's with `scopes` (the
    `user` named by id or userPrincipalName, else the tenant's first)."""
    tenant_id = tenant_of(state, tenant)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or abs(expires_in) > MAX_LIFETIME:
        raise BadRequest(f"expiresIn must be a whole number of seconds within ±{MAX_LIFETIME}.")
    if not isinstance(audience, str) or not audience or len(audience) > 200:
        raise BadRequest("audience must be a text of 1 to 200 characters.")
    for name, values in (("roles", roles), ("scopes", scopes or ())):
        if isinstance(values, str) or not all(isinstance(v, str) and v and " " not in v for v in values):
            raise BadRequest(f"{name} must be a list of permission names.")
    directory = Directory(state)
    signed_in: JSONObject | None = None
    if scopes is not None or user is not None:
        found = (
            directory.user(tenant_id, user) or directory.user_by_id(tenant_id, user)
            if user
            else directory.first_user(tenant_id)
        )
        if found is None:
            raise NotFound(f"There is no user '{user or '(any)'}' in tenant {tenant_id} to sign in.")
        signed_in = found
    return state.identity.mint(
        tenant_id,
        directory.now(tenant_id),
        client_id=client_id,
        roles=list(roles),
        scopes=list(scopes or ()) if signed_in is not None else None,
        user=signed_in,
        lifetime=expires_in,
        audience=audience,
    )


async def list_apps(request: handlers.GraphRequest, state: State) -> Reply:
    name = request.query.get("tenant")
    apps = state.identity.apps()
    wanted = tenant_of(state, name).lower() if name else None
    listed = [a.public() for a in apps if wanted is None or a.tenant_id.lower() == wanted]
    return Reply(200, dumps({"value": listed}), dict(JSON_HEADERS))


async def add_app(request: handlers.GraphRequest, state: State) -> Reply:
    app = register(state, await handlers.read_body(request))
    return Reply(201, dumps(app.public()), dict(JSON_HEADERS))


async def remove_app(request: handlers.GraphRequest, state: State, client_id: str) -> Reply:
    tenant_id = tenant_of(state, request.query.get("tenant"))
    if not state.identity.unregister(tenant_id, client_id):
        raise NotFound(f"There is no app '{client_id[:100]}' in tenant {tenant_id}.")
    return Reply(204, None, {})


async def add_token(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request, optional=True)
    if not isinstance(body, dict):
        raise BadRequest(
            "Send a JSON object: {'roles'?, 'scopes'?, 'user'?, 'tenantId'?, 'expiresIn'?, ...}."
        )
    known = {"tenantId", "clientId", "roles", "scopes", "user", "expiresIn", "audience"}
    unknown = sorted(k for k in body if k not in known)
    if unknown:
        raise BadRequest(f"Unknown propert{'ies' if len(unknown) > 1 else 'y'}: {', '.join(unknown)[:200]}.")
    for name in ("tenantId", "clientId", "user"):
        if name in body and not isinstance(body[name], str):
            raise BadRequest(f"{name} must be a text.")
    for name in ("roles", "scopes"):
        if name in body and not isinstance(body[name], list):
            raise BadRequest(f"{name} must be a list of permission names.")
    token = mint(
        state,
        tenant=body.get("tenantId"),
        client_id=body.get("clientId", ""),
        roles=body.get("roles", []),
        scopes=body.get("scopes"),
        user=body.get("user"),
        expires_in=body.get("expiresIn", 3599),
        audience=body.get("audience", GRAPH_RESOURCE),
    )
    answer = {"token_type": "Bearer", "access_token": token, "expires_in": body.get("expiresIn", 3599)}
    return Reply(201, dumps(answer), dict(JSON_HEADERS))
