"""Server fixtures: an in-process fake per test (pytest-aiohttp's client on fakegraph's own low-level server,
as `fakegraph serve` and the pytest plugin run it), failing the test on any server exception."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestClient

from fakegraph.http.app import STATE, create_app, create_server
from fakegraph.http.state import State, build_state
from fakegraph.model.settings import Settings

AUTH = {"Authorization": "Bearer test-token"}
JSON = {**AUTH, "Content-Type": "application/json"}
ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


class GraphTestServer(BaseTestServer):  # type: ignore[type-arg]
    """fakegraph's low-level server for aiohttp's test client."""

    def __init__(self, state: State) -> None:
        super().__init__()
        self.state = state

    async def _make_runner(self, **kwargs: Any) -> web.ServerRunner:
        return web.ServerRunner(create_server(self.state), **kwargs)


@pytest.fixture
async def make_client(aiohttp_client: Any) -> AsyncIterator[ClientFactory]:
    """Start a fake Graph with the given settings; any unexpected server exception fails the test.
    `application=True` serves it as the aiohttp application `create_app` gives instead."""
    started: list[State] = []

    async def make(*, application: bool = False, **settings: Any) -> TestClient[Any, Any]:
        if application:
            app = create_app(Settings(**settings))
            started.append(app[STATE])
            return await aiohttp_client(app)  # type: ignore[no-any-return]
        state = build_state(Settings(**settings))
        started.append(state)
        return await aiohttp_client(GraphTestServer(state))  # type: ignore[no-any-return]

    yield make
    for state in started:
        assert state.errors == [], f"server raised: {state.errors!r}"


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    """The default dataset."""
    return await make_client()


@pytest.fixture
async def empty(make_client: ClientFactory) -> TestClient[Any, Any]:
    """No data at all."""
    return await make_client(dataset="empty")


def state_of(client: TestClient[Any, Any]) -> State:
    state = getattr(client.server, "state", None)  # a GraphTestServer (this module may be imported twice)
    return state if isinstance(state, State) else client.app[STATE]


async def collect(client: TestClient[Any, Any], url: str, headers: dict[str, str] | None = None) -> list[Any]:
    """Every object of a collection, following @odata.nextLink (relative to the test server)."""
    items: list[Any] = []
    next_url: str | None = url
    while next_url:
        response = await client.get(next_url, headers=headers or AUTH)
        assert response.status == 200, await response.text()
        body = await response.json()
        items.extend(body["value"])
        link = body.get("@odata.nextLink")
        next_url = link[link.index("/", len("http://")) :] if link else None
    return items
