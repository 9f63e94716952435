"""Server fixtures: an in-process app per test (pytest-aiohttp), failing the test on any server exception."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from fakegraph.app import STATE, State, create_app
from fakegraph.settings import Settings

AUTH = {"Authorization": "Bearer test-token"}
JSON = {**AUTH, "Content-Type": "application/json"}
ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def make_client(aiohttp_client: Any) -> AsyncIterator[ClientFactory]:
    """Start a fake Graph with the given settings; any unexpected server exception fails the test."""
    started: list[State] = []

    async def make(**settings: Any) -> TestClient[Any, Any]:
        app = create_app(Settings(**settings))
        started.append(app[STATE])
        return await aiohttp_client(app)  # type: ignore[no-any-return]

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
    return client.app[STATE]


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
