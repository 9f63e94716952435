"""The fake's typed state and the one handler that makes every answer Graph-shaped (headers, error envelope,
unexpected exceptions recorded as 500s), served two ways:

- `create_server(state)`: aiohttp's low-level server, what `fakegraph serve` and `FakeGraph` run.
  fakegraph routes every request itself, so the application router would only add work (a fifth of a
  served GET).
- `create_app(settings)`: an aiohttp application with one catch-all route, to mount in aiohttp's test
  client or an application of your own.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import StreamReader
from aiohttp.web_protocol import RequestHandler

from fakegraph import behaviours, guids, pipeline
from fakegraph.catalogue import Catalogue, load_catalogue
from fakegraph.clock import MockClock
from fakegraph.datasets import load_dataset
from fakegraph.errors import ConfigError
from fakegraph.faults import Faults
from fakegraph.journal import Journal
from fakegraph.namespaces import alias_from_overrides
from fakegraph.responses import EnumMasks, ResponseCache
from fakegraph.routing import Router
from fakegraph.settings import Settings
from fakegraph.store import Store
from fakegraph.throttle import Throttle, parse_rate
from fakegraph.validation import RequestValidator

log = logging.getLogger("fakegraph")
MAX_LINE = 64 * 1024


@dataclass
class State:
    """Everything one fake Graph owns; hangs off the application (no module-level state)."""

    settings: Settings
    catalogue: Catalogue
    router: Router
    store: Store
    clock: MockClock
    validators: dict[str, RequestValidator]
    masks: dict[str, EnumMasks]
    rng: random.Random
    rng_lock: threading.Lock = field(default_factory=threading.Lock)
    # request-id values: unique, outside the seeded world (seeded from the OS once, not per request)
    request_ids: random.Random = field(default_factory=lambda: random.Random(os.urandom(16)))
    errors: list[BaseException] = field(default_factory=list)
    derived: dict[Any, Any] = field(default_factory=dict)  # behaviours' caches (keyed by store generation)
    responses: ResponseCache = field(default_factory=ResponseCache)
    query_contexts: dict[Any, Any] = field(default_factory=dict)  # OData contexts per type and operation
    views: dict[Any, Any] = field(default_factory=dict)  # filtered, ordered query results per generation
    blanks: dict[str, Any] = field(default_factory=dict)  # every declared property as null, per schema
    journal: Journal = field(default_factory=lambda: Journal(0))
    faults: Faults = field(default_factory=lambda: Faults(random.Random(0)))
    throttle: Throttle | None = None

    def new_id(self) -> str:
        with self.rng_lock:
            return guids.draw(self.rng)

    def new_request_id(self) -> str:
        return guids.draw(self.request_ids)

    def reset(self) -> None:
        """Back to the dataset, the seed and the clock the server started with."""
        self.store.reset()
        self.clock.reset()
        with self.rng_lock:
            self.rng.seed(self.settings.seed)
        self.errors.clear()
        self.derived.clear()
        self.responses.clear()
        self.views.clear()
        self.journal.clear()
        self.faults = Faults(random.Random(self.settings.seed))
        if self.throttle is not None:
            self.throttle.clear()

    def reload(self, settings: Settings) -> None:
        """Start over from other settings' dataset, seed and clock (a pytest marker's, for one test); bad
        settings raise ConfigError and change nothing."""
        clock = _clock(settings)
        data = load_dataset(settings, self.catalogue.schemas.get("beta", {}), self.validators["beta"])
        self.settings = settings
        self.store.load(data)
        self.clock = clock
        self.reset()


STATE = web.AppKey("fakegraph_state", State)


def _clock(settings: Settings) -> MockClock:
    try:
        return MockClock(settings.clock)
    except ValueError as exc:
        raise ConfigError(f"clock: {exc}") from exc


def build_state(settings: Settings) -> State:
    clock = _clock(settings)  # before the dataset, whose events are spread over the clock's last 30 days
    catalogue = load_catalogue(settings.data)
    aliases = alias_from_overrides(settings.data / "fixtures" / "overrides.json")
    validators = {v: RequestValidator(s, aliases) for v, s in catalogue.schemas.items()}
    store = Store()
    behaviours.prepare(store)
    store.load(load_dataset(settings, catalogue.schemas.get("beta", {}), validators["beta"]))
    return State(
        settings=settings,
        catalogue=catalogue,
        router=Router(catalogue),
        store=store,
        clock=clock,
        validators=validators,
        masks={v: EnumMasks(s) for v, s in catalogue.schemas.items()},
        rng=random.Random(settings.seed),
        journal=Journal(settings.journal_size),
        faults=Faults(random.Random(settings.seed)),
        throttle=Throttle(*parse_rate(settings.throttle)) if settings.throttle else None,
    )


def create_app(settings: Settings | None = None) -> web.Application:
    settings = settings or Settings()
    # One byte over the limit lets aiohttp refuse the body itself; we turn that into Graph's 413.
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        # Long ids and $filter expressions must reach the router (Graph's 404/400), not the parser's limit.
        handler_args={"max_line_size": MAX_LINE, "max_field_size": MAX_LINE},
    )
    app[STATE] = build_state(settings)
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def create_server(state: State) -> web.Server:
    """The low-level aiohttp server answering every request from `state` (made inside a running loop)."""
    limit = state.settings.max_body_bytes

    def make_request(
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        # One byte over the limit lets aiohttp refuse the body itself; we turn that into Graph's 413.
        return web.BaseRequest(
            message, payload, protocol, writer, task, task.get_loop(), client_max_size=limit
        )

    async def handler(request: web.BaseRequest) -> web.StreamResponse:
        return await respond(request, state)

    return web.Server(
        handler,
        request_factory=make_request,
        access_log=None,
        max_line_size=MAX_LINE,
        max_field_size=MAX_LINE,
    )


COMMON_HEADERS = {
    "x-ms-ags-diagnostic": '{"ServerInfo":{"DataCenter":"fakegraph","Slice":"E","Ring":"0"}}',
    "Strict-Transport-Security": "max-age=31536000",
}


async def handle(request: web.Request) -> web.Response:
    """The application's one handler. (A handler rather than an aiohttp middleware: the middleware machinery
    costs a fifth of the throughput.)"""
    return await respond(request, request.app[STATE])


async def respond(request: web.BaseRequest, state: State) -> web.Response:
    """Every answer gets Graph's headers and errors get Graph's envelope."""
    reply = await pipeline.answer(request, state)
    if reply.status == pipeline.DROPPED and request.transport is not None:
        request.transport.abort()  # an injected dropped connection: the client sees the socket close
    return web.Response(status=reply.status, body=reply.body, headers={**COMMON_HEADERS, **reply.headers})
