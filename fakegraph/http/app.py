"""The aiohttp shell: the one handler that makes every answer Graph-shaped (headers, error envelope,
unexpected exceptions recorded as 500s), served two ways:

- `create_server(state)`: aiohttp's low-level server, what `fakegraph serve` and `FakeGraph` run.
  fakegraph routes every request itself, so the application router would only add work (a fifth of a
  served GET).
- `create_app(settings)`: an aiohttp application with one catch-all route, to mount in aiohttp's test
  client or an application of your own.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from fakegraph.http import access, pipeline
from fakegraph.http.connections import GraphServer, ServedRequest
from fakegraph.http.state import State, build_state
from fakegraph.model.settings import Settings

log = logging.getLogger("fakegraph")
MAX_LINE = 64 * 1024
STATE = web.AppKey("fakegraph_state", State)


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    # One byte over the limit lets aiohttp refuse the body itself; we turn that into Graph's 413.
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        # Long ids and $filter expressions must reach the router (Graph's 404/400), not the parser's limit.
        handler_args={
            "max_line_size": MAX_LINE,
            "max_field_size": MAX_LINE,
            "keepalive_timeout": settings.idle_timeout,
        },
    )
    app[STATE] = build_state(settings)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def create_server(state: State) -> web.Server:
    """The low-level aiohttp server answering every request from `state` (made inside a running loop), with
    its connections bounded in number and time and HTTP errors in Graph's envelope (http/connections)."""
    settings = state.settings
    limit = settings.max_body_bytes

    def make_request(
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        # One byte over the limit lets aiohttp refuse the body itself; we turn that into Graph's 413.
        request = ServedRequest(
            message, payload, protocol, writer, task, task.get_loop(), client_max_size=limit
        )
        request.body_timeout = settings.body_timeout
        return request

    large = asyncio.Semaphore(settings.max_large_bodies)
    release = memory_releaser()
    handling = [0]  # large requests being handled

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        if not is_large(request):
            return await respond(request, state)
        async with large:  # its body, the text and the parsed value: a few times the body each
            handling[0] += 1
            try:
                return await respond(request, state)
            finally:
                handling[0] -= 1
                if not handling[0]:  # the copies of large bodies are free: give their pages back
                    release()

    return GraphServer(
        handler,
        state=state,
        request_factory=make_request,
        access_log=None,
        max_line_size=MAX_LINE,
        max_field_size=MAX_LINE,
        keepalive_timeout=settings.idle_timeout,
    )


LARGE_BODY = 1024 * 1024  # bytes from which a request body counts against max_large_bodies


def memory_releaser() -> Callable[[], object]:
    """A function giving freed heap pages back to the system (glibc's malloc_trim), or one doing nothing
    elsewhere. Large bodies leave megabytes freed between long-lived objects (journal entries), which malloc
    keeps: without this, resident memory stays at the peak of the largest requests seen."""
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return lambda: trim(0)


def is_large(request: web.BaseRequest) -> bool:
    """A request with a body of LARGE_BODY bytes or more, or of a size it does not declare (chunked)."""
    if not request.body_exists:
        return False
    length = request.content_length
    return length is None or length >= LARGE_BODY


COMMON_HEADERS = {
    "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"fakegraph","Slice":"E","Ring":"0"}}',
    "Strict-Transport-Security": "max-age=31536000",
}


async def handle(request: web.Request) -> web.Response:
    """The application's one handler. (A handler rather than an aiohttp middleware: the middleware machinery
    costs a fifth of the throughput.)"""
    return await respond(request, request.app[STATE])


async def respond(request: web.BaseRequest, state: State) -> web.Response:
    """Every answer gets Graph's headers and errors get Graph's envelope (and a line in the access log)."""
    since = access.started() if access.enabled() else None
    reply = await pipeline.answer(request, state)
    if since is not None:
        access.log(request.method, request.raw_path, reply.status, since, reply.headers.get("request-id"))
    if reply.status == pipeline.DROPPED and request.transport is not None:
        request.transport.abort()  # an injected dropped connection: the client sees the socket close
    return web.Response(status=reply.status, body=reply.body, headers={**COMMON_HEADERS, **reply.headers})
