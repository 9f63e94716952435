"""The exceptions fakegraph raises and Graph's one error envelope.

    FakeGraphError                      base of everything fakegraph raises
    ├── GraphError(status, code, msg)   rendered as Graph's error body by http/pipeline
    │   ├── BadRequest            400  BadRequest
    │   │   ├── ResourceNotFound  400  "Resource not found for the segment '…'."
    │   │   └── InvalidRequest    400  invalidRequest (a malformed upload fragment)
    │   ├── Unauthorized          401  InvalidAuthenticationToken (+ WWW-Authenticate)
    │   ├── Forbidden             403  Authorization_RequestDenied (a token without a documented permission)
    │   ├── NotFound              404  Request_ResourceNotFound
    │   │   └── ItemNotFound      404  itemNotFound (media streams, upload sessions)
    │   ├── MethodNotAllowed      405  Request_BadRequest
    │   ├── RequestTimeout        408  RequestTimeout (headers or body too slow)
    │   ├── Conflict              409  Conflict (an id that exists already)
    │   ├── SyncStateNotFound     410  syncStateNotFound (a delta token older than the change log keeps)
    │   ├── ResyncRequired        410  resyncRequired (a delta token from before a reset)
    │   ├── PayloadTooLarge       413  RequestEntityTooLarge
    │   ├── UnsupportedMediaType  415  UnsupportedMediaType
    │   ├── RangeNotSatisfiable   416  invalidRange (an upload fragment out of order or overlapping)
    │   ├── InsufficientStorage   507  quotaLimitReached (the fake's media budget is spent)
    │   ├── NotImplementedYet     501  notSupported (Graph has it; fakegraph does not yet)
    │   └── ServiceUnavailable    503  serviceNotAvailable (no connection to spare)
    └── ConfigError                     bad settings or missing artifacts

Domain modules raise these; only `http/pipeline` turns them into responses (Graph's envelope).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from fakegraph.artifacts.contract import JSONObject

WWW_AUTHENTICATE = (
    'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


class FakeGraphError(Exception):
    """Base of every exception fakegraph raises."""


class ConfigError(FakeGraphError):
    """Settings or artifacts that make the server impossible to start."""


class GraphError(FakeGraphError):
    """An error Graph would answer with; `headers` are added to the response."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "generalException"

    def __init__(
        self,
        message: str,
        *,
        target: str | None = None,
        headers: dict[str, str] | None = None,
        inner_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.target = target
        self.headers = headers or {}
        self.inner_code = inner_code  # a more specific code, under innerError (OneDrive's fragmentOverlap)


class BadRequest(GraphError):
    status = 400
    code = "BadRequest"


class UnsupportedQuery(BadRequest):
    """A query directory objects answer only as an advanced query (`ConsistencyLevel: eventual`)."""

    code = "Request_UnsupportedQuery"


class ResourceNotFound(BadRequest):
    """Graph's answer to a path segment it does not know (also a beta-only segment on v1.0)."""

    def __init__(self, segment: str) -> None:
        super().__init__(f"Resource not found for the segment '{segment}'.")


class InvalidRequest(BadRequest):
    """A malformed upload fragment (OneDrive's code)."""

    code = "invalidRequest"


class Unauthorized(GraphError):
    status = 401
    code = "InvalidAuthenticationToken"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


class Forbidden(GraphError):
    status = 403
    code = "Authorization_RequestDenied"


class NotFound(GraphError):
    status = 404
    code = "Request_ResourceNotFound"


class ItemNotFound(NotFound):
    code = "itemNotFound"


class MethodNotAllowed(GraphError):
    status = 405
    code = "Request_BadRequest"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            "Specified HTTP method is not allowed for the request target.",
            headers={"Allow": ", ".join(allowed)},
        )


class RequestTimeout(GraphError):
    """The client did not send its request (headers or body) in time."""

    status = 408
    code = "RequestTimeout"


class Conflict(GraphError):
    status = 409
    code = "Conflict"


class SyncStateNotFound(GraphError):
    status = 410
    code = "syncStateNotFound"


class ResyncRequired(GraphError):
    status = 410
    code = "resyncRequired"


class PayloadTooLarge(GraphError):
    status = 413
    code = "RequestEntityTooLarge"


class UnsupportedMediaType(GraphError):
    status = 415
    code = "UnsupportedMediaType"


class RangeNotSatisfiable(GraphError):
    status = 416
    code = "invalidRange"


class InsufficientStorage(GraphError):
    status = 507
    code = "quotaLimitReached"


class NotImplementedYet(GraphError):
    status = 501
    code = "notSupported"


class ServiceUnavailable(GraphError):
    status = 503
    code = "serviceNotAvailable"


class InternalError(GraphError):
    status = 500
    code = "generalException"


def clip(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else its start and end around a note of what was left
    out (an error message may echo a value the client sent, of any size)."""
    if len(text) <= limit:
        return text
    note = f" ...[{len(text) - limit} characters left out]... "
    head = max((limit - len(note)) * 2 // 3, 0)
    tail = max(limit - len(note) - head, 0)
    return text[:head] + note + (text[-tail:] if tail else "")


def error_body(
    error: GraphError,
    request_id: str,
    client_request_id: str,
    now: datetime | None = None,
    limit: int | None = None,
) -> JSONObject:
    """`{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`; with
    `limit`, a longer message or target is clipped to it."""
    date = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
    message = error.message if limit is None else clip(error.message, limit)
    body: JSONObject = {"code": error.code, "message": message}
    if error.target:
        body["target"] = error.target if limit is None else clip(error.target, limit)
    inner: JSONObject = {"code": error.inner_code} if error.inner_code else {}
    body["innerError"] = {
        **inner,
        "date": date,
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    return {"error": body}
