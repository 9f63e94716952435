"""The bearer token of a Graph call: present (always), and, with `enforce_permissions`, signed by this
server for Graph, within its lifetime on its tenant's clock, and holding a permission the operation's page
documents (ARCHITECTURE A24). Graph's answers: 401 `InvalidAuthenticationToken`, 403
`Authorization_RequestDenied`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

from fakegraph.artifacts.errors import BadRequest, Forbidden, Unauthorized
from fakegraph.identity import permissions
from fakegraph.identity.tokens import EMPTY, Claims, Rejected, check_claims

if TYPE_CHECKING:
    from fakegraph.http.handlers import GraphRequest
    from fakegraph.http.routing import Endpoint
    from fakegraph.http.state import State


def authenticate(request: GraphRequest, state: State) -> Claims:
    """The token's checked claims when permissions are enforced ({} otherwise), or Graph's 401."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if not token:
        raise Unauthorized(EMPTY)
    if scheme.lower() != "bearer":
        raise Unauthorized("Invalid authentication token.")
    if not state.settings.enforce_permissions:
        return {}
    try:
        claims = state.identity.claims_of(token)
        check_claims(claims, state.clock.now(), lambda tenant: _holds(state, tenant))
    except Rejected as rejected:
        raise Unauthorized(rejected.message) from None
    if not claims.get("roles") and not claims.get("scp"):  # Graph refuses a token that may do nothing
        raise Unauthorized("Either scp or roles claim need to be present in the token.")
    return claims


def _holds(state: State, tenant_id: str) -> bool:
    """Whether the token's tenant is the one the request acts in (http/tenants chose it by that `tid`: an
    unknown one falls back to the default tenant, which must not take it)."""
    return tenant_id.lower() == state.tenant_id.lower()


def authorize(state: State, endpoint: Endpoint, claims: Claims, rest: list[str]) -> None:
    """With enforcement on: Graph's 400 for `/me` with an application's token, and its 403 when the token
    holds none of the permissions the operation documents (identity/permissions)."""
    if not state.settings.enforce_permissions:
        return
    kind, _ = permissions.held(claims)
    if kind == "application" and rest and rest[0].lower() == "me":
        raise BadRequest("/me request is only valid with delegated authentication flow.")
    table = endpoint.operation.get("permissions") if endpoint.operation is not None else None
    if not permissions.admits(cast("Mapping[str, Sequence[str] | None] | None", table), claims):
        raise Forbidden(permissions.DENIED)
