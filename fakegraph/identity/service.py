"""The identity service of one server: its signing key, the registered apps, the grants it issued
(refresh tokens, authorization codes), the token endpoint's flows and the resource-side check of a bearer
token. Pure: the HTTP shell (http/entra) hands it parsed requests and a `Directory` over the tenants.

Flows: client credentials (a secret, `client_secret_basic` too, or a certificate-signed client assertion),
resource owner password (a user of the tenant's store), refresh token, and authorization code with PKCE
(the authorize endpoint signs in the `login_hint` user, or the tenant's first, without a page).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

from fakegraph.artifacts.contract import JSONObject
from fakegraph.identity import errors
from fakegraph.identity.apps import App, Registry, assertion_key, redirect_uri_allowed
from fakegraph.identity.errors import EntraError
from fakegraph.identity.keys import SigningKey, b64url, load_key, make_key
from fakegraph.identity.tokens import (
    ACCESS_LIFETIME,
    CLOCK_SKEW,
    GRAPH_AUDIENCES,
    GRAPH_RESOURCE,
    Claims,
    access_claims,
    client_info,
    id_claims,
    sign,
    signed_claims,
)

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
ALIASES = frozenset({"common", "organizations"})  # tenant-independent authorities: the app's home tenant
NO_COMMON = frozenset({"client_credentials", "password"})  # grants Entra refuses at /common (AADSTS9001023)
TENANT_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$")
REFRESH_LIFETIME = timedelta(days=90)
CODE_LIFETIME = timedelta(minutes=10)
MAX_GRANTS = 10_000  # refresh tokens and codes kept each; the oldest go first
MAX_VERIFIED = 10_000  # bearer tokens whose signature was checked, kept so a repeat costs a lookup
MAX_FIELD = 16_384  # characters of one form field (a client assertion is about 1,500)
MAX_CACHED_TOKEN = 8192  # characters of a token whose checked claims are kept (Entra's are about 2,000)
ENTRA_HOSTS = frozenset({"login.microsoftonline.com", "login.windows.net", "sts.windows.net"})


class Directory(Protocol):
    """What the flows read of the tenants: names, clocks and users."""

    def tenant(self, name: str) -> str | None: ...  # the id of the tenant named by its id or a domain
    def now(self, tenant_id: str) -> datetime: ...
    def user(self, tenant_id: str, username: str) -> JSONObject | None: ...  # by userPrincipalName
    def user_by_id(self, tenant_id: str, user_id: str) -> JSONObject | None: ...
    def first_user(self, tenant_id: str) -> JSONObject | None: ...
    def password(self, tenant_id: str, user: JSONObject) -> str: ...


@dataclass(frozen=True)
class TokenRequest:
    tenant: str  # the authority's tenant segment as the client sent it
    form: Mapping[str, str]
    origin: str  # scheme://host[:port] the client called: the issuer's and a Graph resource's address
    basic: tuple[str, str] | None = None  # client_secret_basic: (client id, secret)


@dataclass(frozen=True)
class Grant:
    """A refresh token's or an authorization code's grant."""

    tenant_id: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]  # delegated permissions granted
    expires: datetime
    redirect_uri: str = ""
    challenge: str = ""
    method: str = ""
    nonce: str = ""
    oidc: tuple[str, ...] = ()


class Identity:
    def __init__(self, key_file: str = "", apps: Iterable[App] = ()) -> None:
        self._key_file = key_file
        # A given key is read at once (a bad file stops the start); a new one is made when first needed.
        self._key: SigningKey | None = load_key(Path(key_file)) if key_file else None
        self._lock = threading.Lock()
        self.registry = Registry()
        self._started = list(apps)
        for app in self._started:
            self.registry.add(app)
        self._refresh: OrderedDict[str, Grant] = OrderedDict()
        self._codes: OrderedDict[str, Grant | None] = OrderedDict()  # None: redeemed
        self._verified: OrderedDict[str, Claims] = OrderedDict()

    @property
    def key_file(self) -> str:
        return self._key_file

    def adopt_key(self, other: Identity) -> None:
        """Sign with `other`'s key (made already, or to be made once for both)."""
        self._key = other.key if other._key is not None else None

    @property
    def key(self) -> SigningKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = make_key()
        return self._key

    def reset(self) -> None:
        """Back to the apps the server started with; issued refresh tokens and codes are forgotten."""
        with self._lock:
            self.registry = Registry()
            for app in self._started:
                self.registry.add(app)
            self._refresh.clear()
            self._codes.clear()

    def forget_tenant(self, tenant_id: str, *, keep_started: bool = False) -> None:
        """A removed tenant's apps and grants go with it; a reset tenant's (`keep_started`) go back to the
        apps it started with."""
        with self._lock:
            for app in self.registry.in_tenant(tenant_id):
                if not (keep_started and app in self._started):
                    self.registry.remove(app.tenant_id, app.client_id)
            for grants in (self._refresh, self._codes):
                for name in [n for n, g in grants.items() if g is not None and g.tenant_id == tenant_id]:
                    del grants[name]

    def register(self, app: App, *, replace: bool = False) -> App:
        with self._lock:
            return self.registry.add(app, replace=replace)

    def apps(self) -> list[App]:
        """Every registered app (a copy: tests register apps from their own thread while requests run)."""
        with self._lock:
            return list(self.registry.apps.values())

    def unregister(self, tenant_id: str, client_id: str) -> bool:
        with self._lock:
            return self.registry.remove(tenant_id, client_id)

    # the resource side

    def claims_of(self, token: str) -> Claims:
        """The claims of a token this server signed (cached by the token), or tokens.Rejected."""
        with self._lock:
            cached = self._verified.get(token)
            if cached is not None:
                self._verified.move_to_end(token)
                return cached
        claims = signed_claims(token, self.key)
        if len(token) <= MAX_CACHED_TOKEN:  # the cache stays under MAX_VERIFIED * MAX_CACHED_TOKEN characters
            with self._lock:
                self._verified[token] = claims
                if len(self._verified) > MAX_VERIFIED:
                    self._verified.popitem(last=False)
        return claims

    def mint(
        self,
        tenant_id: str,
        now: datetime,
        *,
        client_id: str = "",
        roles: Sequence[str] = (),
        scopes: Sequence[str] | None = None,
        user: JSONObject | None = None,
        lifetime: int = ACCESS_LIFETIME,
        audience: str = GRAPH_RESOURCE,
    ) -> str:
        """A Graph access token for tests, without a flow: an app's (`roles`) or, with `scopes` and `user`,
        a user's."""
        app = self.registry.find(tenant_id, client_id) if client_id else None
        claims = access_claims(
            tenant_id=tenant_id,
            client_id=client_id or "fakegraph-test-client",
            app_name=app.display_name if app else "fakegraph test client",
            now=now,
            token_id=_token_id(),
            roles=roles,
            scopes=scopes,
            user=user,
            lifetime=lifetime,
            audience=audience,
        )
        return sign(claims, self.key)

    # the token endpoint

    def token(self, request: TokenRequest, directory: Directory) -> dict[str, Any]:
        """The token response to one token request, or an EntraError."""
        form = request.form
        for name, value in form.items():
            if len(value) > MAX_FIELD:
                raise errors.malformed(f"the parameter '{name[:40]}' is longer than {MAX_FIELD} characters")
        grant = form.get("grant_type", "")
        if not grant:
            raise errors.missing("grant_type")
        flows = {
            "client_credentials": self._client_credentials,
            "password": self._password,
            "refresh_token": self._refresh_token,
            "authorization_code": self._authorization_code,
        }
        flow = flows.get(grant)
        if flow is None:
            raise errors.unsupported_grant(grant)
        client_id = form.get("client_id") or (request.basic[0] if request.basic else "")
        if not client_id:
            raise errors.missing("client_id")
        if request.tenant.lower() in {"common", "consumers"} and grant in NO_COMMON:
            raise errors.not_over_common(grant)
        tenant_id, app = self._tenant_and_app(request.tenant, client_id, directory)
        return flow(request, directory, tenant_id, app)

    def _tenant_and_app(self, name: str, client_id: str, directory: Directory) -> tuple[str, App]:
        if name.lower() in ALIASES:
            homes = [a for a in self.apps() if a.client_id.lower() == client_id.lower()]
            if len(homes) != 1:
                raise errors.unknown_client(client_id, name)
            return homes[0].tenant_id, homes[0]
        tenant_id = self.tenant_id(name, directory)
        app = self.registry.find(tenant_id, client_id)
        if app is None:
            raise errors.unknown_client(client_id, tenant_id)
        return tenant_id, app

    @staticmethod
    def tenant_id(name: str, directory: Directory) -> str:
        if not TENANT_NAME.match(name):
            raise errors.bad_tenant_name(name)
        found = directory.tenant(name)
        if found is None:
            raise errors.unknown_tenant(name)
        return found

    def _client_credentials(
        self, request: TokenRequest, directory: Directory, tenant_id: str, app: App
    ) -> dict[str, Any]:
        credential = self._authenticate(request, app, confidential=True)
        scope = request.form.get("scope", "")
        if not scope:
            raise errors.missing("scope")
        items = scope.split()
        if len(items) != 1 or not items[0].endswith("/.default"):
            raise errors.default_scope_required(scope)
        resource = items[0].removesuffix("/.default")
        if not _is_graph(resource, request.origin):
            raise errors.unknown_resource(resource, tenant_id)
        claims = access_claims(
            tenant_id=tenant_id,
            client_id=app.client_id,
            app_name=app.display_name,
            now=directory.now(tenant_id),
            token_id=_token_id(),
            roles=app.roles,
            credential=credential,
        )
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_LIFETIME,
            "ext_expires_in": ACCESS_LIFETIME,
            "access_token": sign(claims, self.key),
        }

    def _password(
        self, request: TokenRequest, directory: Directory, tenant_id: str, app: App
    ) -> dict[str, Any]:
        form = request.form
        credential = self._authenticate(request, app, confidential=False)
        for name in ("username", "password"):
            if not form.get(name):
                raise errors.missing(name)
        user = directory.user(tenant_id, form["username"])
        if user is None:
            raise errors.unknown_user(tenant_id)
        expected = directory.password(tenant_id, user)
        if not hmac.compare_digest(form["password"].encode(), expected.encode()):
            raise errors.bad_password()
        if user.get("accountEnabled") is False:
            raise errors.disabled_user()
        granted, oidc = self._delegated_scopes(form.get("scope", ""), app, request.origin, tenant_id)
        return self._user_tokens(request, directory, tenant_id, app, user, granted, oidc, credential, "")

    def _refresh_token(
        self, request: TokenRequest, directory: Directory, tenant_id: str, app: App
    ) -> dict[str, Any]:
        credential = self._authenticate(request, app, confidential=False)
        token = request.form.get("refresh_token", "")
        if not token:
            raise errors.missing("refresh_token")
        with self._lock:
            grant = self._refresh.get(token)
        if grant is None:
            raise errors.bad_grant()
        if grant.tenant_id != tenant_id or grant.client_id.lower() != app.client_id.lower():
            raise errors.grant_not_for("the refresh token was issued to another client or tenant")
        if directory.now(tenant_id) >= grant.expires:
            raise errors.expired_grant("refresh token")
        user = directory.user_by_id(tenant_id, grant.user_id)
        if user is None:
            raise errors.unknown_user(tenant_id)
        scope = request.form.get("scope", "")
        granted, oidc = (
            self._delegated_scopes(scope, app, request.origin, tenant_id)
            if scope
            else (grant.scopes, grant.oidc)
        )
        if not set(map(str.lower, granted)) <= set(map(str.lower, grant.scopes)):
            raise errors.no_consent(app.client_id, app.display_name, sorted(set(granted) - set(grant.scopes)))
        return self._user_tokens(request, directory, tenant_id, app, user, granted, oidc, credential, "")

    def _authorization_code(
        self, request: TokenRequest, directory: Directory, tenant_id: str, app: App
    ) -> dict[str, Any]:
        form = request.form
        credential = self._authenticate(request, app, confidential=False)
        code = form.get("code", "")
        if not code:
            raise errors.missing("code")
        with self._lock:
            if code not in self._codes:
                raise errors.grant_not_for("the authorization code is not one this server issued")
            grant = self._codes[code]
            if grant is None:
                raise errors.code_redeemed()
            self._codes[code] = None  # one redemption only
        if grant.tenant_id != tenant_id or grant.client_id.lower() != app.client_id.lower():
            raise errors.grant_not_for("the authorization code was issued to another client or tenant")
        if directory.now(tenant_id) >= grant.expires:
            raise errors.expired_grant("authorization code")
        if form.get("redirect_uri", "") != grant.redirect_uri:
            raise errors.redirect_mismatch(form.get("redirect_uri", ""), app.client_id)
        if grant.challenge:
            verifier = form.get("code_verifier", "")
            if not verifier:
                raise errors.verifier_missing()
            made = b64url(hashlib.sha256(verifier.encode()).digest()) if grant.method == "S256" else verifier
            if not hmac.compare_digest(made.encode(), grant.challenge.encode()):
                raise errors.verifier_mismatch()
        user = directory.user_by_id(tenant_id, grant.user_id)
        if user is None:
            raise errors.unknown_user(tenant_id)
        return self._user_tokens(
            request, directory, tenant_id, app, user, grant.scopes, grant.oidc, credential, grant.nonce
        )

    def authorize(
        self, tenant_name: str, params: Mapping[str, str], origin: str, directory: Directory
    ) -> str:
        """The URL the authorize endpoint redirects to: the redirect URI with a code (and the state), the
        `login_hint` user (or the tenant's first) signed in without a page. An unknown client or a redirect
        URI it may not use is an EntraError (shown, not redirected to); any later error goes back to the
        redirect URI as `error`, `error_description` (and `state`), as OAuth says."""
        for name in ("client_id", "redirect_uri"):
            if not params.get(name):
                raise errors.missing(name)
        tenant_id, app = self._tenant_and_app(tenant_name, params["client_id"], directory)
        uri = params["redirect_uri"]
        if (app.redirect_uris and uri not in app.redirect_uris) or not redirect_uri_allowed(uri):
            raise errors.redirect_mismatch(uri, app.client_id)
        state = {"state": params["state"]} if "state" in params else {}
        try:
            code = self._code(tenant_id, app, uri, params, origin, directory)
        except EntraError as error:
            failed = {"error": error.error, "error_description": str(error), **state}
            return uri + ("&" if "?" in uri else "?") + urlencode(failed)
        return uri + ("&" if "?" in uri else "?") + urlencode({"code": code, **state})

    def _code(
        self, tenant_id: str, app: App, uri: str, params: Mapping[str, str], origin: str, directory: Directory
    ) -> str:
        """A new authorization code for the signed-in user, or an EntraError."""
        if params.get("response_type") != "code":
            raise errors.unsupported_response_type(params.get("response_type", ""))
        hint = params.get("login_hint", "")
        user = directory.user(tenant_id, hint) if hint else directory.first_user(tenant_id)
        if user is None:
            raise errors.unknown_user(tenant_id)
        granted, oidc = self._delegated_scopes(params.get("scope", ""), app, origin, tenant_id)
        challenge = params.get("code_challenge", "")
        method = params.get("code_challenge_method", "plain" if challenge else "")
        if challenge and method not in {"S256", "plain"}:
            raise errors.malformed(f"code_challenge_method must be S256 or plain, not {method[:20]!r}")
        code = secrets.token_urlsafe(48)
        grant = Grant(
            tenant_id=tenant_id,
            client_id=app.client_id,
            user_id=str(user.get("id", "")),
            scopes=granted,
            expires=directory.now(tenant_id) + CODE_LIFETIME,
            redirect_uri=uri,
            challenge=challenge,
            method=method,
            nonce=params.get("nonce", ""),
            oidc=oidc,
        )
        self._keep(self._codes, code, grant)
        return code

    def _authenticate(self, request: TokenRequest, app: App, *, confidential: bool) -> str:
        """The client's credential checked; `appidacr`: 1 a secret, 2 a certificate, 0 none (a public
        client). A client credentials request must carry one; so must any request of an app with one."""
        form = request.form
        secret = form.get("client_secret") or (request.basic[1] if request.basic else "")
        assertion = form.get("client_assertion", "")
        public = app.secret is None and app.certificate is None
        if public and (secret or assertion):
            raise errors.public_client_credential()
        if secret:
            if app.secret is None or not hmac.compare_digest(secret.encode(), app.secret.encode()):
                raise errors.bad_secret(app.client_id)
            return "1"
        if assertion or form.get("client_assertion_type"):
            kind = form.get("client_assertion_type", "")
            if kind != JWT_BEARER:
                raise errors.unsupported_assertion_type(kind)
            if not assertion:
                raise errors.missing("client_assertion")
            self._check_assertion(assertion, app, request.origin)
            return "2"
        if confidential or app.secret is not None or app.certificate is not None:
            raise errors.no_credential()
        return "0"

    @staticmethod
    def _check_assertion(assertion: str, app: App, origin: str) -> None:
        import jwt

        key = assertion_key(app)
        if key is None:
            raise errors.bad_assertion(f"the app '{app.client_id}' has no certificate registered")
        try:
            claims = jwt.decode(
                assertion,
                key,
                algorithms=["RS256", "PS256"],
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]},
                leeway=CLOCK_SKEW,  # the client signs it with its own clock, not the fake's
            )
        except jwt.ExpiredSignatureError as exc:
            raise errors.bad_assertion("the assertion has expired") from exc
        except jwt.InvalidAlgorithmError as exc:
            raise errors.bad_assertion("the assertion must be signed with RS256 or PS256") from exc
        except (jwt.PyJWTError, TypeError, ValueError) as exc:  # malformed, or a key the header does not fit
            raise errors.bad_assertion(f"{type(exc).__name__}: {str(exc)[:100]}") from exc
        if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
            raise errors.bad_assertion("iss and sub must both be the client id")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if not any(isinstance(a, str) and _is_token_endpoint(a, origin) for a in audiences):
            raise errors.bad_assertion("aud must be this token endpoint")

    def _delegated_scopes(
        self, scope: str, app: App, origin: str, tenant_id: str
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the delegated permissions granted, the OpenID scopes asked) for a user flow's `scope`."""
        items = scope.split()
        oidc = tuple(s for s in items if s in OIDC_SCOPES)
        resources: set[str] = set()
        names: list[str] = []
        for item in items:
            if item in OIDC_SCOPES:
                continue
            resource, _, name = item.rpartition("/") if "/" in item else (GRAPH_RESOURCE, "", item)
            if not _is_graph(resource, origin):
                raise errors.unknown_resource(resource, tenant_id)
            resources.add(GRAPH_RESOURCE)
            names.append(name)
        if ".default" in names and len(names) > 1:
            raise errors.invalid_scope(scope)
        if ".default" in names or not names:  # every delegated permission the app was granted
            if not app.scopes:
                raise errors.no_consent(app.client_id, app.display_name, ["any delegated permission"])
            return app.scopes, oidc
        granted = {s.lower(): s for s in app.scopes}
        missing = [n for n in names if n.lower() not in granted]
        if missing:
            raise errors.no_consent(app.client_id, app.display_name, missing)
        return tuple(dict.fromkeys(granted[n.lower()] for n in names)), oidc

    def _user_tokens(
        self,
        request: TokenRequest,
        directory: Directory,
        tenant_id: str,
        app: App,
        user: JSONObject,
        granted: tuple[str, ...],
        oidc: tuple[str, ...],
        credential: str,
        nonce: str,
    ) -> dict[str, Any]:
        now = directory.now(tenant_id)
        claims = access_claims(
            tenant_id=tenant_id,
            client_id=app.client_id,
            app_name=app.display_name,
            now=now,
            token_id=_token_id(),
            scopes=granted,
            user=user,
            credential=credential,
        )
        answer: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join([*granted, *oidc]),
            "expires_in": ACCESS_LIFETIME,
            "ext_expires_in": ACCESS_LIFETIME,
            "access_token": sign(claims, self.key),
        }
        user_id = str(user.get("id", ""))
        if "offline_access" in oidc:
            refresh = secrets.token_urlsafe(64)
            grant = Grant(tenant_id, app.client_id, user_id, granted, now + REFRESH_LIFETIME, oidc=oidc)
            self._keep(self._refresh, refresh, grant)
            answer["refresh_token"] = refresh
        if "openid" in oidc:
            issuer = f"{request.origin}/{tenant_id}/v2.0"
            answer["id_token"] = sign(
                id_claims(
                    issuer=issuer,
                    tenant_id=tenant_id,
                    client_id=app.client_id,
                    user=user,
                    now=now,
                    nonce=nonce or None,
                ),
                self.key,
            )
        if request.form.get("client_info") == "1":
            answer["client_info"] = client_info(user_id, tenant_id)
        return answer

    def _keep(self, grants: OrderedDict[str, Any], name: str, grant: Grant) -> None:
        with self._lock:
            grants[name] = grant
            while len(grants) > MAX_GRANTS:
                grants.popitem(last=False)


def _token_id() -> str:
    """A token's `uti`: unique, outside the seeded world (tokens are not part of the tenant's data)."""
    return b64url(uuid.uuid4().bytes)[:22]


def _is_graph(resource: str, origin: str) -> bool:
    """Whether a scope's resource is Graph: its names, or the fake's address (any port: Kiota drops it)."""
    if resource in GRAPH_AUDIENCES:
        return True
    try:
        parts, own = urlsplit(resource), urlsplit(origin)
        return bool(parts.scheme in {"http", "https"} and parts.hostname and parts.hostname == own.hostname)
    except ValueError:  # not a URL (an unbalanced IPv6 bracket, say)
        return False


def _is_token_endpoint(audience: str, origin: str) -> bool:
    """A client assertion's audience: a token endpoint on the fake's address or Entra's."""
    try:
        parts, own = urlsplit(audience), urlsplit(origin)
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if parts.netloc.lower() != own.netloc.lower() and host not in ENTRA_HOSTS:
        return False
    return parts.path.rstrip("/").lower().endswith(("/oauth2/v2.0/token", "/oauth2/token"))
