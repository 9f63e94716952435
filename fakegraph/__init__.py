"""fakegraph: an offline fake of Microsoft Graph for tests, compiled from Graph's API reference."""

from __future__ import annotations

__all__: list[str] = []
