"""Connections of the low-level server (what `fakegraph serve` and `FakeGraph` run), hardened:

- at most `max_connections` open (kept below the process's file-descriptor limit); a new connection beyond
  it closes the longest-idle one instead (then one still sending its headers), so idle sockets can never
  stop a new client from being served; with none to close, the newcomer gets a 503 in Graph's envelope;
- `idle_timeout` closes a connection with no request (aiohttp's keep-alive timer, also armed at connect),
  `header_timeout` one whose request headers do not complete in time (408), and `body_timeout` bounds the
  reading of a request body (408);
- HTTP parse errors (bad Content-Length, Content-Length with Transfer-Encoding, a bad chunk size, a NUL in
  the path, an unknown method, a 100 KB URL or header, 10,000 headers) are answered in Graph's error
  envelope with their status: 414 for a request line too long, 431 for headers too large or too many,
  400 otherwise (aiohttp answered plain text 400s);
- a request without a Host header (HTTP/1.0) is on the address and port it arrived at, so @odata.context
  and nextLinks keep the port.

These hook aiohttp's RequestHandler and Server (its `handle_error`, `data_received`, `connection_made`,
keep-alive fields); tests/integration/test_hardening_connections.py checks each against the installed
aiohttp.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler, _ErrInfo

from fakegraph.artifacts.errors import GraphError, RequestTimeout, ServiceUnavailable, error_body
from fakegraph.http.responses import dumps

if TYPE_CHECKING:
    from fakegraph.http.state import State

log = logging.getLogger("fakegraph")
RESERVED_FDS = 64  # descriptors kept free for everything but client sockets (files, the listener, logs)
ERROR_CONTENT_TYPE = "application/json; charset=utf-8"


class HeadersTooLarge(GraphError):
    status = 431
    code = "RequestHeaderFieldsTooLarge"


class URITooLong(GraphError):
    status = 414
    code = "RequestUriTooLong"


class BadHttpRequest(GraphError):
    status = 400
    code = "BadRequest"


def parse_error(exc: BaseException | None, message: str | None) -> GraphError:
    """The Graph error for what aiohttp's parser refused (it calls them all 400)."""
    text = (str(getattr(exc, "message", "") or message or exc or "")).strip()
    said = []  # aiohttp's reason lines, without its echo of the bytes and the caret under them
    for raw in text.splitlines():
        line = raw.strip().rstrip(":")
        if line.startswith(("b'", 'b"', "bytearray(", "^")):
            break
        if line:
            said.append(line)
    first = ": ".join(said) or "the request is not valid HTTP"
    if isinstance(exc, LineTooLong):
        # The C parser names the URL buffer (a bytearray), the Python one the status line; else a header.
        if "bytearray(" in text or "Status line" in text:
            return URITooLong("The request URL is too long.")
        return HeadersTooLarge("A request header is too large.")
    if "Too many headers" in text:
        return HeadersTooLarge("The request has too many headers.")
    if isinstance(exc, BadHttpMethod):
        return BadHttpRequest(f"The request's method is not valid HTTP ({first[:200]}).")
    return BadHttpRequest(f"The request is not valid HTTP: {first[:200]}.")


def _envelope(state: State, error: GraphError) -> tuple[bytes, dict[str, str]]:
    request_id = state.new_request_id()
    body = error_body(error, request_id, request_id, state.clock.now(), state.settings.max_error_chars)
    headers = {"Content-Type": ERROR_CONTENT_TYPE, "request-id": request_id, "client-request-id": request_id}
    return dumps(body), headers


def _raw_response(state: State, error: GraphError) -> bytes:
    """A whole HTTP/1.1 response (Connection: close) for a connection no request object exists for."""
    body, headers = _envelope(state, error)
    lines = [f"HTTP/1.1 {error.status} {error.code}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class GraphRequestHandler(RequestHandler):
    """aiohttp's connection handler with Graph's parse errors and a header-read timeout."""

    _header_handle: asyncio.TimerHandle | None = None

    @property
    def _graph(self) -> GraphServer:
        return self._manager  # type: ignore[return-value]

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status != 500 or isinstance(exc, HttpProcessingError):
            error: GraphError = parse_error(exc, message)
            log.debug("refused a request that is not valid HTTP: %s", error.message)
        else:  # aiohttp's own failure outside fakegraph's pipeline (which answers its own 500s)
            log.error("aiohttp failed while serving a request", exc_info=exc)
            error = GraphError("fakegraph failed unexpectedly while handling the request.")
        if request.writer.output_size > 0:
            raise ConnectionError("The response was sent already; the error cannot be.")
        body, headers = _envelope(self._graph.state, error)
        response = web.Response(status=error.status, body=body, headers=headers)
        response.force_close()
        return response

    # --- header-read timeout ----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not data:
            return
        if self._request_in_progress:
            self._fail_current_body()
            return
        if self._messages:  # a whole request arrived: its headers were in time
            self._cancel_header_timer()
            self._graph.busy(self)
        elif self._header_handle is None and self.waiting:
            timeout = self._graph.state.settings.header_timeout
            self._header_handle = self._loop.call_later(timeout, self._header_timed_out)

    def _fail_current_body(self) -> None:
        """A parse error in the body of the request being handled (a bad chunk size): aiohttp queues it as
        the next message, and the handler would wait for the rest of the body; hand it the error instead."""
        request = self._current_request
        if request is None or not self._messages or request.content.is_eof():
            return
        last = self._messages[-1][0]
        if isinstance(last, _ErrInfo):
            request.content.set_exception(last.exc)

    @property
    def waiting(self) -> bool:
        """Whether the connection waits for (the rest of) a request, with none being handled."""
        waiter = self._waiter
        return (
            waiter is not None and not waiter.done() and not self._messages and not self._request_in_progress
        )

    def _cancel_header_timer(self) -> None:
        if self._header_handle is not None:
            self._header_handle.cancel()
            self._header_handle = None

    def _header_timed_out(self) -> None:
        self._header_handle = None
        if not self.waiting or self.transport is None:
            return
        timeout = self._graph.state.settings.header_timeout
        error = RequestTimeout(f"The request headers did not arrive within {timeout:g} seconds.")
        self.transport.write(_raw_response(self._graph.state, error))
        self.force_close()

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        try:
            return await super().finish_response(request, resp, start_time)
        finally:
            if not self._messages:  # no pipelined request waits: idle from now
                self._graph.idle(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)


class GraphServer(web.Server):
    """aiohttp's low-level server with a bound on open connections. Connections waiting for a request are
    kept in the order they began to wait (`_waiting`: oldest first), so the one to close for a newcomer is
    found at once, however many there are."""

    def __init__(self, handler: Any, *, state: State, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.state = state
        self.max_connections = connection_limit(state.settings.max_connections)
        self._waiting: OrderedDict[RequestHandler, None] = OrderedDict()

    def __call__(self) -> RequestHandler:
        return GraphRequestHandler(self, loop=self._loop, **self._kwargs)

    async def shutdown(self, timeout: float | None = None) -> None:
        """Close every connection; then abort those still closing (a TLS close waits for the peer's
        close_notify, which an idle keep-alive client never sends: the socket would outlive the loop)."""
        transports = [h.transport for h in self._connections if h.transport is not None]
        await super().shutdown(timeout)
        for transport in transports:
            transport.abort()

    def idle(self, handler: RequestHandler) -> None:
        """`handler` waits for a request from now (connected, or answered one)."""
        self._waiting.pop(handler, None)
        self._waiting[handler] = None

    def busy(self, handler: RequestHandler) -> None:
        self._waiting.pop(handler, None)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        if len(self._connections) > self.max_connections:
            victim = self._victim(handler)
            if victim is None:
                error = ServiceUnavailable(
                    "fakegraph has as many connections open as it takes; retry shortly."
                )
                transport.write(_raw_response(self.state, error))
                transport.close()
                self._connections.pop(handler, None)
                return
            victim.force_close()
            self._connections.pop(victim, None)
        self.idle(handler)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self._waiting.pop(handler, None)
        super().connection_lost(handler, exc)

    def _victim(self, newcomer: RequestHandler) -> RequestHandler | None:
        """The connection that has waited for a request the longest (idle, or still sending headers)."""
        while self._waiting:
            handler = next(iter(self._waiting))
            del self._waiting[handler]
            if handler is not newcomer and handler in self._connections and handler.transport is not None:
                return handler
        return None


def connection_limit(wanted: int) -> int:
    """`wanted`, but below what the process may open (the soft RLIMIT_NOFILE, raised to the hard limit
    first), so accepting never fails for want of descriptors."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - RESERVED_FDS))


class ServedRequest(web.BaseRequest):
    """A request of the low-level server: its host falls back to the address and port it arrived at, and
    reading its body is bounded in time."""

    body_timeout: float = 60.0

    @property
    def host(self) -> str:
        given = self.headers.get("Host")
        if given:
            return given
        transport = self.transport
        sockname = transport.get_extra_info("sockname") if transport is not None else None
        if isinstance(sockname, tuple) and len(sockname) >= 2:
            address = f"[{sockname[0]}]" if ":" in str(sockname[0]) else str(sockname[0])
            return f"{address}:{sockname[1]}"
        return super().host

    async def read(self) -> bytes:
        try:
            async with asyncio.timeout(self.body_timeout):
                return await super().read()
        except TimeoutError as exc:
            # Answer at once and close: no lingering read of the rest of a body that is not coming.
            self.protocol._lingering_time = 0.0
            raise RequestTimeout(
                f"The request body did not arrive within {self.body_timeout:g} seconds."
            ) from exc
