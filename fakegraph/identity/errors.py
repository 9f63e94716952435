"""Entra's OAuth errors: `error` (RFC 6749), an AADSTS code and its description, as the token endpoint
answers them. http/entra renders them with trace and correlation ids and a timestamp."""

from __future__ import annotations

from fakegraph.artifacts.errors import FakeGraphError, clip


class EntraError(FakeGraphError):
    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = clip(description, 600)


def missing(parameter: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        900144,
        f"The request body must contain the following parameter: '{parameter}'.",
    )


def post_only(method: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        900561,
        f"The endpoint only accepts POST requests. Received a {method} request.",
    )


def malformed(what: str) -> EntraError:
    return EntraError(400, "invalid_request", 900144, f"The request is malformed: {what}.")


def bad_tenant_name(name: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        900023,
        f"Specified tenant identifier '{clip(name, 100)}' is neither a valid DNS name, nor a valid "
        "external domain.",
    )


def unknown_tenant(name: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{clip(name, 100)}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud.",
    )


def not_over_common(grant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        9001023,
        f"The grant type '{clip(grant, 40)}' is not supported over the /common or /consumers endpoints. "
        "Please use the /organizations or tenant-specific endpoint.",
    )


def unknown_client(client_id: str, tenant: str) -> EntraError:
    return EntraError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{clip(client_id, 100)}' was not found in the directory '{tenant}'. "
        "This can happen if the application has not been installed by the administrator of the tenant or "
        "consented to by any user in the tenant. You may have sent your authentication request to the "
        "wrong tenant.",
    )


def bad_secret(client_id: str) -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def no_credential() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )


def public_client_credential() -> EntraError:
    return EntraError(
        401,
        "invalid_client",
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    )


def bad_assertion(why: str) -> EntraError:
    return EntraError(401, "invalid_client", 700027, f"Client assertion failed signature validation. ({why})")


def unsupported_assertion_type(kind: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        70002,
        f"The client assertion type '{clip(kind, 100)}' is not supported; use "
        "'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
    )


def unsupported_grant(grant: str) -> EntraError:
    return EntraError(
        400,
        "unsupported_grant_type",
        70003,
        f"The app requested an unsupported grant type '{clip(grant, 100)}'.",
    )


def default_scope_required(scope: str) -> EntraError:
    return EntraError(
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {clip(scope, 200)} is not valid. Client credential flows must have a "
        "scope value with /.default suffixed to the resource identifier (application ID URI).",
    )


def invalid_scope(scope: str) -> EntraError:
    return EntraError(
        400,
        "invalid_scope",
        70011,
        f"The provided value for the input parameter 'scope' is not valid: {clip(scope, 200)}.",
    )


def unknown_resource(resource: str, tenant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {clip(resource, 200)} was not found in the tenant named {tenant}. "
        "This can happen if the application has not been installed by the administrator of the tenant or "
        "consented to by any user in the tenant. You might have sent your authentication request to the "
        "wrong tenant.",
    )


def no_consent(client_id: str, name: str, scopes: list[str]) -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        65001,
        f"The user or administrator has not consented to use the application with ID '{client_id}' named "
        f"'{name}'. Send an interactive authorization request for this user and resource. "
        f"(Not granted: {clip(', '.join(scopes), 200)}.)",
    )


def unknown_user(tenant: str) -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        50034,
        f"The user account {{EUII Hidden}} does not exist in the {tenant} directory. To sign into this "
        "application, the account must be added to the directory.",
    )


def bad_password() -> EntraError:
    return EntraError(
        400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."
    )


def disabled_user() -> EntraError:
    return EntraError(400, "invalid_grant", 50057, "The user account is disabled.")


def bad_grant() -> EntraError:
    return EntraError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")


def grant_not_for(what: str) -> EntraError:
    return EntraError(400, "invalid_grant", 70000, f"Provided grant is invalid or malformed. ({what})")


def expired_grant(what: str) -> EntraError:
    return EntraError(
        400, "invalid_grant", 700082, f"The {what} has expired due to inactivity or its lifetime."
    )


def code_redeemed() -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        54005,
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an "
        "existing refresh token.",
    )


def verifier_mismatch() -> EntraError:
    return EntraError(
        400,
        "invalid_grant",
        501481,
        "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
    )


def verifier_missing() -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        501481,
        "The code_verifier is missing; the authorization request carried a code_challenge.",
    )


def redirect_mismatch(uri: str, client_id: str) -> EntraError:
    return EntraError(
        400,
        "invalid_request",
        50011,
        f"The redirect URI '{clip(uri, 200)}' specified in the request does not match the redirect URIs "
        f"configured for the application '{client_id}'.",
    )


def unsupported_response_type(kind: str) -> EntraError:
    return EntraError(
        400,
        "unsupported_response_type",
        900144,
        f"The response type '{clip(kind, 50)}' is not supported; this endpoint gives 'code'.",
    )
