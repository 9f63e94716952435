"""App registrations: who may ask for tokens, with which credentials, for which permissions.

An app lives in one tenant (its home). Its application permissions (`roles`) go into the tokens it gets
for itself; its delegated permissions (`scopes`) bound what a signed-in user's token may carry.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
PERMISSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MAX_APPS = 10_000  # registrations one server holds
MAX_PERMISSIONS = 500  # roles, and scopes, of one app
MAX_URIS = 100  # redirect URIs of one app
MAX_TEXT = 2048  # characters of a display name, a redirect URI
MAX_CERTIFICATE = 16_384  # characters of a PEM certificate


@dataclass(frozen=True)
class App:
    client_id: str
    tenant_id: str
    secret: str | None = None  # None: no secret (a public client, or a certificate)
    roles: tuple[str, ...] = ()  # application permissions granted (admin consent), e.g. Reports.Read.All
    scopes: tuple[str, ...] = ()  # delegated permissions granted, e.g. User.Read
    certificate: str | None = None  # PEM of a certificate (or public key) whose key signs client assertions
    redirect_uris: tuple[str, ...] = ()  # empty: any redirect URI is taken (a test app)
    display_name: str = ""

    def public(self) -> dict[str, Any]:
        """The registration as the control plane shows it (the secret too: this is a test fake)."""
        return {
            "clientId": self.client_id,
            "tenantId": self.tenant_id,
            "displayName": self.display_name,
            "secret": self.secret,
            "roles": list(self.roles),
            "scopes": list(self.scopes),
            "redirectUris": list(self.redirect_uris),
            "certificate": self.certificate,
        }


def new_secret() -> str:
    """A client secret like Entra's: 40 characters."""
    return secrets.token_urlsafe(30)


def _permissions(values: Iterable[object], what: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str) or not PERMISSION.match(value):
            raise ValueError(f"{what}: {str(value)[:60]!r} is not a permission name (e.g. Reports.Read.All)")
        out[value] = None
        if len(out) > MAX_PERMISSIONS:
            raise ValueError(f"{what}: at most {MAX_PERMISSIONS} permissions")
    return tuple(out)


def make_app(
    *,
    client_id: str,
    tenant_id: str,
    secret: str | None = None,
    roles: Iterable[object] = (),
    scopes: Iterable[object] = (),
    certificate: str | None = None,
    redirect_uris: Iterable[object] = (),
    display_name: str | None = None,
) -> App:
    """A checked registration; a ValueError names what is wrong."""
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise ValueError(
            f"clientId {str(client_id)[:60]!r} must be 1-100 letters, digits, '.', '_' or '-' (a GUID, say)"
        )
    if secret is not None and (not isinstance(secret, str) or not secret or len(secret) > 1000):
        raise ValueError("secret must be a non-empty text of at most 1000 characters")
    if certificate is not None:
        _certificate_key(certificate)
    uris = tuple(str(u) for u in redirect_uris)
    if len(uris) > MAX_URIS or any(len(u) > MAX_TEXT or not redirect_uri_allowed(u) for u in uris):
        raise ValueError(f"redirectUris must be at most {MAX_URIS} absolute URIs (not javascript:, data:)")
    if display_name is not None and len(display_name) > MAX_TEXT:
        raise ValueError(f"displayName must be at most {MAX_TEXT} characters")
    return App(
        client_id=client_id,
        tenant_id=tenant_id,
        secret=secret,
        roles=_permissions(roles, "roles"),
        scopes=_permissions(scopes, "scopes"),
        certificate=certificate,
        redirect_uris=uris,
        display_name=display_name if isinstance(display_name, str) and display_name else client_id,
    )


def parse_spec(spec: str, tenant_id: str) -> App:
    """`--app CLIENT_ID:SECRET:ROLE,ROLE[:SCOPE,SCOPE]`: an app with a secret, application permissions and
    (optionally) delegated ones; an empty SECRET means none (a public client)."""
    parts = spec.split(":")
    if not 2 <= len(parts) <= 4:
        raise ValueError(f"--app {spec!r}: expected CLIENT_ID:SECRET[:ROLE,ROLE[:SCOPE,SCOPE]]")
    client_id, secret = parts[0], parts[1]
    roles = [r.strip() for r in parts[2].split(",") if r.strip()] if len(parts) > 2 else []
    scopes = [s.strip() for s in parts[3].split(",") if s.strip()] if len(parts) > 3 else []
    return make_app(
        client_id=client_id, tenant_id=tenant_id, secret=secret or None, roles=roles, scopes=scopes
    )


def from_json(value: object, default_tenant: str) -> App:
    """An app from the control plane or a dataset's `apps` section:
    `{"clientId", "secret"?, "roles"?, "scopes"?, "tenantId"?, "certificate"?, "redirectUris"?,
    "displayName"?}`."""
    if not isinstance(value, Mapping):
        raise ValueError("an app is a JSON object with at least 'clientId'")
    known = {
        "clientId",
        "secret",
        "roles",
        "scopes",
        "tenantId",
        "certificate",
        "redirectUris",
        "displayName",
    }
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        raise ValueError(f"unknown app propert{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}")
    lists = {name: value.get(name, []) for name in ("roles", "scopes", "redirectUris")}
    for name, items in lists.items():
        if not isinstance(items, list):
            raise ValueError(f"{name} must be a list of texts")
    texts: dict[str, str | None] = {}
    for name in ("clientId", "secret", "tenantId", "certificate", "displayName"):
        text = value.get(name)
        if text is not None and not isinstance(text, str):
            raise ValueError(f"{name} must be a text")
        texts[name] = text
    return make_app(
        client_id=texts["clientId"] or "",
        tenant_id=texts["tenantId"] or default_tenant,
        secret=texts["secret"],
        roles=lists["roles"],
        scopes=lists["scopes"],
        certificate=texts["certificate"],
        redirect_uris=lists["redirectUris"],
        display_name=texts["displayName"],
    )


def redirect_uri_allowed(uri: str) -> bool:
    """An absolute URI a browser may be sent to with a code: http(s), or a native app's own scheme."""
    scheme, colon, _ = uri.partition(":")
    return bool(colon and scheme and scheme.lower() not in {"javascript", "data", "vbscript", "file"})


def _certificate_key(pem: str) -> Any:
    """The RSA public key of a PEM certificate or public key; a ValueError if it is neither (client
    assertions are RS256 or PS256: an RSA key signs them)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if len(pem) > MAX_CERTIFICATE:
        raise ValueError(f"certificate must be at most {MAX_CERTIFICATE} characters of PEM")
    data = pem.encode()
    try:
        key: Any = x509.load_pem_x509_certificate(data).public_key()
    except ValueError:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise ValueError("certificate must be a PEM certificate or public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(
            "certificate must hold an RSA key (client assertions are signed with RS256 or PS256)"
        )
    return key


def assertion_key(app: App) -> Any:
    """The key that verifies the app's client assertions (None without a certificate)."""
    return _certificate_key(app.certificate) if app.certificate else None


@dataclass
class Registry:
    """The apps of every tenant, by (tenant id, client id) in lower case."""

    apps: dict[tuple[str, str], App] = field(default_factory=dict)

    def add(self, app: App, *, replace: bool = False) -> App:
        key = (app.tenant_id.lower(), app.client_id.lower())
        if key in self.apps and not replace:
            raise KeyError(f"app {app.client_id!r} is registered already in tenant {app.tenant_id}")
        if key not in self.apps and len(self.apps) >= MAX_APPS:
            raise OverflowError(f"at most {MAX_APPS} apps can be registered")
        self.apps[key] = app
        return app

    def find(self, tenant_id: str, client_id: str) -> App | None:
        return self.apps.get((tenant_id.lower(), client_id.lower()))

    def in_tenant(self, tenant_id: str) -> list[App]:
        return [app for (tenant, _), app in self.apps.items() if tenant == tenant_id.lower()]

    def remove(self, tenant_id: str, client_id: str) -> bool:
        return self.apps.pop((tenant_id.lower(), client_id.lower()), None) is not None
