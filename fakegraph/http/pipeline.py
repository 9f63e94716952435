"""One request in, one Graph-shaped reply out: request ids, the error envelope, unexpected exceptions
recorded; and JSON batches, whose steps go through the same pipeline against the same store."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy

from fakegraph.artifacts.contract import VERSIONS
from fakegraph.artifacts.errors import (
    BadRequest,
    GraphError,
    InternalError,
    MethodNotAllowed,
    PayloadTooLarge,
    clip,
    error_body,
)
from fakegraph.http import admin, batch, bearer, entra, handlers, media, stubs, tenants
from fakegraph.http.responses import Reply, dumps
from fakegraph.http.routing import split
from fakegraph.model.faults import InjectedError
from fakegraph.model.journal import SECRET_HEADERS, Recorded, redact

if TYPE_CHECKING:
    from fakegraph.http.state import State

log = logging.getLogger("fakegraph")
ERROR_CONTENT_TYPE = "application/json; charset=utf-8"
DROPPED = 0  # the status of a reply whose connection is to be dropped (an injected fault)


async def answer(request: handlers.GraphRequest, state: State, *, step: bool = False) -> Reply:
    """The reply to one request (or, with `step`, one step of a batch, in the batch's tenant), with its
    request-id and client-request-id headers; never raises."""
    request_id = state.new_request_id()
    client_request_id = request.headers.get("client-request-id") or request_id
    try:
        segments = split(request.raw_path)
        outside = await _outside_graph(request, state, segments, request_id, client_request_id)
        if outside is not None:
            return outside
        # THE place a request's tenant is chosen (A23): the `tid` of its token; with enforce_permissions the
        # token is then verified in that tenant (http/bearer), so a forged tid gains nothing but a 401
        state = state if step else tenants.tenant_of(request, state)
        if (state.faults.rules or state.throttle is not None) and await _dropped_by_fault(request, state):
            return Reply(DROPPED, None, {})
        stubbed = await stubs.answer(request, state) if state.stubs.rules else None
        if stubbed is not None:
            reply = stubbed
        elif _is_batch(segments):
            reply = await run_batch(request, state)
        elif media.is_media_url(segments):  # upload and download URLs: no token, as in Graph
            reply = await media.serve_url(request, state)
        else:
            reply = await handlers.dispatch(request, state, segments)
    except GraphError as error:
        reply = error_reply(error, state, request_id, client_request_id)
    except (HttpProcessingError, RequestPayloadError) as broken:  # a body that is not valid HTTP
        text = str(getattr(broken, "message", "") or broken).strip().splitlines()
        bad = BadRequest(f"The request body is not valid HTTP: {(text[0] if text else '').rstrip(':')}.")
        reply = error_reply(bad, state, request_id, client_request_id)
    except web.HTTPRequestEntityTooLarge:
        limit = state.settings.max_body_bytes
        too_large = PayloadTooLarge(f"The request body exceeds the limit of {limit} bytes.")
        reply = error_reply(too_large, state, request_id, client_request_id)
    except Exception as exc:  # a bug in the fake: answer like Graph, and keep it for the test to see
        state.errors.append(exc)
        _log_unexpected(request, state)
        internal = InternalError(f"fakegraph failed unexpectedly: {type(exc).__name__}: {exc}")
        reply = error_reply(internal, state, request_id, client_request_id)
    headers = {**reply.headers, "request-id": request_id, "client-request-id": client_request_id}
    # control-plane calls (only here when they failed): never journaled nor counted; Entra's never get here
    # (http/entra answers its own errors, unexpected ones too)
    if not admin.is_admin(request.raw_path):
        state.coverage.count(request.method, request.raw_path, reply.status)
        if state.journal.enabled:
            await _record(request, state, reply)
    return Reply(reply.status, reply.body, headers)


async def _outside_graph(
    request: handlers.GraphRequest, state: State, segments: list[str], request_id: str, client_request_id: str
) -> Reply | None:
    """The reply of the control plane (without request ids) or of an Entra endpoint, None for a Graph call.
    Neither is a Graph call: no faults, journal entry or coverage count."""
    if admin.is_admin(request.raw_path):
        return await admin.dispatch(request, state)
    if entra.addressed(segments):
        reply = await entra.answer(request, state, segments, request_id)
        ids = {"x-ms-request-id": request_id, "client-request-id": client_request_id}
        return Reply(reply.status, reply.body, {**reply.headers, **ids})
    return None


def _log_unexpected(request: handlers.GraphRequest, state: State) -> None:
    """The traceback of each of the first `max_errors` unexpected errors (since a reset), then a line now
    and then: a client that makes thousands of 500s must not fill the disk."""
    total, keep = state.errors.total, state.settings.max_errors
    shown = clip(request.raw_path, 300)
    if total <= keep:
        log.exception("unexpected error in fakegraph while handling %s %s", request.method, shown)
    elif total & (total - 1) == 0 or total % 10_000 == 0:
        log.error(
            "%d unexpected errors in fakegraph since the start or the last reset (tracebacks of the first "
            "%d logged; the last %d kept in State.errors); latest: %s %s",
            total,
            keep,
            keep,
            request.method,
            shown,
        )


async def _dropped_by_fault(request: handlers.GraphRequest, state: State) -> bool:
    """Apply an injected fault or the throttle: raise their error, wait, or say the connection is dropped."""
    fault = state.faults.match(request.method, request.raw_path)
    if fault is not None:
        if fault.kind == "drop":
            return True
        if fault.kind == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
        else:
            raise InjectedError(fault.status, fault.retry_after)
    if state.throttle is not None:
        wait = state.throttle.admit(request.headers.get("Authorization", ""))
        if wait is not None:
            raise InjectedError(429, wait)
    return False


async def _record(request: handlers.GraphRequest, state: State, reply: Reply) -> None:
    body: bytes | None = None
    if request.method in {"POST", "PATCH", "PUT"} and reply.status not in {408, 413}:
        try:
            body = await request.read()  # already read by the handler: aiohttp returns its copy
        except Exception:  # the body was refused (too large, broken stream): keep the entry without it
            body = None
    entry = Recorded(
        request.method,
        request.raw_path,
        reply.status,
        _redacted(request.headers),
        body,
        reply.body,
        state.clock.now(),
        tenant=state.tenant_id,
    )
    if stubs.STUB_HEADER in reply.headers:  # the journal marks stubbed answers with the stub's id
        entry = entry._replace(stub=reply.headers[stubs.STUB_HEADER])
    state.journal.add(entry)


def _redacted(headers: Mapping[str, str]) -> Mapping[str, str]:
    """The request's headers with credentials replaced by their scheme and a short hash."""
    if not any(name in headers for name in SECRET_HEADERS):
        return headers
    kept: CIMultiDict[str] = CIMultiDict(headers)
    for name in SECRET_HEADERS:
        if name in kept:
            values = [redact(value) for value in kept.getall(name)]
            del kept[name]
            for value in values:
                kept.add(name, value)
    return CIMultiDictProxy(kept)


def error_reply(error: GraphError, state: State, request_id: str, client_request_id: str) -> Reply:
    body = error_body(error, request_id, client_request_id, state.clock.now(), state.settings.max_error_chars)
    if error.status == 429:  # Graph's documented throttling body carries its code and status inside too
        body["error"]["innerError"].update({"code": "429", "message": "Please retry after", "status": "429"})
    return Reply(error.status, dumps(body), {"Content-Type": ERROR_CONTENT_TYPE, **error.headers})


def _is_batch(segments: list[str]) -> bool:
    return len(segments) == 2 and segments[0] in VERSIONS and segments[1].lower() == "$batch"


async def run_batch(request: handlers.GraphRequest, state: State) -> Reply:
    version = next(s for s in request.raw_path.split("/") if s)
    bearer.authenticate(request, state)
    if request.method != "POST":
        raise MethodNotAllowed(["POST"])
    body = await handlers.read_body(request)
    steps = batch.plan(body, version)
    results: dict[str, JSONReply] = {}
    for step in steps:
        failed = [d for d in step.depends_on if not 200 <= results[d.lower()].status < 400]
        if failed:
            results[step.id.lower()] = _failed_dependency(step, failed[0], state)
            continue
        sub = StepRequest(step, request)
        if _is_batch(split(sub.raw_path)):
            nested = BadRequest("A batch cannot contain another batch.")
            reply = error_reply(nested, state, state.new_request_id(), state.new_request_id())
        else:
            reply = await answer(sub, state, step=True)
            if reply.status == DROPPED:  # no connection of its own to drop: the gateway's answer instead
                reply = _dropped_step(reply, state)
        results[step.id.lower()] = JSONReply(step.id, reply)
    ordered = [results[str(item["id"]).lower()].as_bytes() for item in body["requests"]]
    return Reply(
        200,
        b'{"responses":[' + b",".join(ordered) + b"]}",
        {"Content-Type": "application/json", "OData-Version": "4.0"},
    )


class JSONReply(NamedTuple):
    id: str
    reply: Reply

    @property
    def status(self) -> int:
        return self.reply.status

    def as_bytes(self) -> bytes:
        """This step's entry of the batch answer. A JSON body is spliced in as the bytes it already is (it
        was serialized once, by the step); another body becomes a JSON string."""
        head = dumps({"id": self.id, "status": self.reply.status, "headers": dict(self.reply.headers)})
        if not self.reply.body:
            return head
        if "json" in self.reply.headers.get("Content-Type", ""):
            body = self.reply.body
        else:
            body = dumps(self.reply.body.decode("utf-8", "replace"))
        return head[:-1] + b',"body":' + body + b"}"


def _dropped_step(dropped: Reply, state: State) -> Reply:
    """A batch step whose connection a fault dropped: Graph's gateway answers such a step with a 504."""
    error = InjectedError(504, None)
    error.message = "The service dropped the connection of this request (an injected fault); retry it."
    request_id = dropped.headers.get("request-id") or state.new_request_id()
    client_request_id = dropped.headers.get("client-request-id") or request_id
    reply = error_reply(error, state, request_id, client_request_id)
    return Reply(reply.status, reply.body, {**reply.headers, "request-id": request_id})


def _failed_dependency(step: batch.Step, dependency: str, state: State) -> JSONReply:
    error = GraphError(f"The request '{step.id}' depends on '{dependency}', which failed.")
    error_headers = {"Content-Type": ERROR_CONTENT_TYPE}
    limit = state.settings.max_error_chars
    body = error_body(error, state.new_request_id(), state.new_request_id(), state.clock.now(), limit)
    body["error"]["code"] = "FailedDependency"
    return JSONReply(step.id, Reply(424, dumps(body), error_headers))


class StepRequest:
    """A batch step dressed as a request: the batch's host, scheme and Authorization, the step's own rest."""

    def __init__(self, step: batch.Step, outer: handlers.GraphRequest) -> None:
        self.method = step.method
        self.raw_path = step.path
        self.host = outer.host
        self.scheme = outer.scheme
        headers: CIMultiDict[str] = CIMultiDict()
        if "Authorization" in outer.headers:
            headers["Authorization"] = outer.headers["Authorization"]
        headers.update(step.headers)
        self.headers = CIMultiDictProxy(headers)
        query = step.path.split("?", 1)[1] if "?" in step.path else ""
        self.query = MultiDictProxy(MultiDict(parse_qsl(query, keep_blank_values=True)))
        self._body = step.body if step.has_body else None

    async def read(self) -> bytes:
        if self._body is None:
            return b""
        if isinstance(self._body, str):
            return self._body.encode()
        return json.dumps(self._body).encode()
