"""fakegraph: an offline fake of Microsoft Graph for tests, compiled from Graph's API reference."""

from __future__ import annotations

from fakegraph.errors import ConfigError, FakeGraphError, GraphError
from fakegraph.server import FakeGraph, ServerError
from fakegraph.settings import Settings

__all__ = ["ConfigError", "FakeGraph", "FakeGraphError", "GraphError", "ServerError", "Settings"]
