"""`FakeGraph`: a fake Graph server on its own event loop in a daemon thread (for tests and scripts).

with FakeGraph(seed=1) as graph:
    requests.get(graph.beta_url + "/reports/userCredentialUsageDetails", headers=...)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from aiohttp import web

from fakegraph.artifacts.errors import ConfigError, FakeGraphError
from fakegraph.http.app import create_server
from fakegraph.http.state import State, build_state
from fakegraph.model.settings import Settings
from fakegraph.tls import TLSFiles, make_certificates, remove, server_context

START_TIMEOUT = 30.0


class ServerError(FakeGraphError):
    """The fake raised unexpectedly while serving; the original exceptions are in `errors`."""

    def __init__(self, errors: list[BaseException], dropped: int = 0) -> None:
        first = errors[0]
        earlier = f" (and {dropped} earlier ones not kept)" if dropped else ""
        super().__init__(
            f"fakegraph raised {len(errors)} unexpected exception(s){earlier}; first kept: "
            f"{type(first).__name__}: {first}"
        )
        self.errors = errors
        self.dropped = dropped


class Listening(NamedTuple):
    """A server accepting connections: its runner, the port it got, and the TLS files; `close` stops it."""

    runner: web.ServerRunner
    port: int
    tls_files: TLSFiles | None

    async def close(self) -> None:
        """Stop serving, and remove the temporary directories of the TLS files."""
        try:
            await self.runner.cleanup()
        finally:
            if self.tls_files is not None:
                remove(self.tls_files)


async def listen(state: State, *, handle_signals: bool = False) -> Listening:
    """Start answering from `state` on its settings' host and port (port 0: a free one), with a throwaway CA
    and certificate when they ask for TLS; an OSError if the address is taken."""
    settings = state.settings
    runner = web.ServerRunner(create_server(state), handle_signals=handle_signals)
    await runner.setup()
    context, files = None, None
    try:
        if settings.tls:
            directory = Path(settings.tls_dir) if settings.tls_dir else None
            files = make_certificates(directory, settings.tls_names)
            context = server_context(files)
        site = web.TCPSite(runner, settings.host, settings.port or 0, ssl_context=context)
        await site.start()
    except BaseException:
        await Listening(runner, 0, files).close()
        raise
    sockets = getattr(getattr(site, "_server", None), "sockets", None) or []
    port = int(sockets[0].getsockname()[1]) if sockets else settings.port or 0
    return Listening(runner, port, files)


class FakeGraph:
    """A running fake Graph; without a port (the default) or with port 0 it picks a free one."""

    def __init__(self, settings: Settings | None = None, **changes: Any) -> None:
        self.settings = replace(settings or Settings(), **changes)
        self._state: State | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._listening: Listening | None = None
        self.port = self.settings.port
        self.tls_files: TLSFiles | None = None

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def state(self) -> State:
        if self._state is None:
            raise FakeGraphError("the fake Graph is not running")
        return self._state

    @property
    def url(self) -> str:
        scheme = "https" if self.settings.tls else "http"
        return f"{scheme}://{self.settings.host}:{self.port}"

    @property
    def beta_url(self) -> str:
        return self.url + "/beta"

    @property
    def v1_url(self) -> str:
        return self.url + "/v1.0"

    def start(self) -> FakeGraph:
        if self._thread is not None:
            return self
        self._state = build_state(self.settings)
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # reported to start() below
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="fakegraph", daemon=True)
        self._thread.start()
        if not started.wait(START_TIMEOUT):
            raise ConfigError("fakegraph did not start in time")
        if failure:
            self._thread = None
            loop.close()
            error = failure[0]
            reason = getattr(error, "strerror", None) or error
            raise ConfigError(
                f"cannot listen on {self.settings.host}:{self.settings.port}: {reason}"
            ) from error
        return self

    async def _serve(self) -> None:
        assert self._state is not None
        self._listening = await listen(self._state)
        self.port, self.tls_files = self._listening.port, self._listening.tls_files

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        loop = self._loop
        if self._listening is not None:
            asyncio.run_coroutine_threadsafe(self._listening.close(), loop).result(timeout=START_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        loop.close()
        self._thread = None
        self._loop = None
        self._listening = None

    def reset(self) -> None:
        """Back to the starting dataset, seed, clock and tenants (those added since are removed); the journal
        and recorded errors are cleared."""
        self.state.reset()

    def add_tenant(
        self, tenant_id: str | None = None, *, domains: Sequence[str] = (), dataset: str = "default"
    ) -> State:
        """A new tenant (ARCHITECTURE A23): its own store (the server's dataset, or `dataset="empty"`), clock
        and ids; requests whose token's `tid` is its id act in it. Its id is drawn from the seed when not
        given. A GraphError (400/409) for a bad or taken id or domain, or one tenant over `max_tenants`."""
        return self.state.tenants.create(tenant_id, domains, dataset)

    def tenant(self, name: str) -> State:
        """The state of the tenant with this id or domain (the default tenant's id gives `state`); a
        GraphError (404) when there is none."""
        return self.state.tenants.get(name)

    def check(self) -> None:
        """Raise ServerError if the fake raised unexpectedly since the last check (and forget them)."""
        errors, dropped = list(self.state.errors), self.state.errors.dropped
        self.state.errors.clear()
        if errors:
            raise ServerError(errors, dropped)
