"""fakegraph: an offline fake of Microsoft Graph for tests, compiled from Graph's API reference."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fakegraph.artifacts.errors import ConfigError, FakeGraphError, GraphError
from fakegraph.model.settings import Settings

if TYPE_CHECKING:
    from fakegraph.server import FakeGraph, ServerError

__all__ = ["ConfigError", "FakeGraph", "FakeGraphError", "GraphError", "ServerError", "Settings"]
_SERVER_NAMES = ("FakeGraph", "ServerError")


def __getattr__(name: str) -> Any:
    """The server's names load aiohttp, so they are imported when first used: `fakegraph compile` and
    other commands that serve nothing start without it."""
    if name in _SERVER_NAMES:
        from fakegraph import server

        return getattr(server, name)
    raise AttributeError(f"module 'fakegraph' has no attribute {name!r}")
