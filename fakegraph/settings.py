"""`fakegraph.settings.Settings`, where users' conftest files import it from; it lives in the model layer."""

from __future__ import annotations

from fakegraph.model.settings import DEFAULT_CLOCK, DEFAULT_SEED, Settings

__all__ = ["DEFAULT_CLOCK", "DEFAULT_SEED", "Settings"]
