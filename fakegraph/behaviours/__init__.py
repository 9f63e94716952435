"""Operations whose result is computed from state (ARCHITECTURE A1): the only resource-specific code.

A behaviour takes the request's context and returns the objects to answer with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.behaviours import credential_reports
from fakegraph.model.store import Store


class Context(NamedTuple):
    store: Store
    now: datetime
    params: dict[str, str]
    cache: dict[Any, Any]  # derived data behaviours keep between calls (the app's, cleared on reset)


Behaviour = Callable[[Context], list[JSONObject]]

BEHAVIOURS: Mapping[str, Behaviour] = MappingProxyType(
    {
        "reportRoot_getCredentialUsageSummary": lambda c: credential_reports.usage_summary(
            c.store, c.now, c.params, c.cache
        ),
        "reportRoot_getCredentialUserRegistrationCount": lambda c: credential_reports.registration_count(
            c.store
        ),
    }
)


def prepare(store: Store) -> None:
    """Register the indexes behaviours keep with the store (before data is loaded into it)."""
    credential_reports.watch(store)
