"""Credential usage and registration report functions, consistent with the store (DESIGN D3).

Rows created through the seed operations win; otherwise the function aggregates the stored detail objects
(usage events inside the period window measured on the mock clock, or registration details).
"""

from __future__ import annotations

import uuid
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fakegraph.clock import parse_iso
from fakegraph.store import Store, clone

JSONObject = dict[str, Any]
GRAPH = "microsoft.graph."
USAGE_SUMMARY = GRAPH + "credentialUsageSummary"
USAGE_DETAILS = GRAPH + "userCredentialUsageDetails"
REGISTRATION_COUNT = GRAPH + "credentialUserRegistrationCount"
REGISTRATION_DETAILS = GRAPH + "credentialUserRegistrationDetails"
PERIOD_DAYS = {"D1": 1, "D7": 7, "D30": 30}
_IDS = uuid.UUID("6f1c2d5e-0000-4000-8000-00000000c0de")
_REGISTRATION_FLAGS = (
    ("registered", "isRegistered"),
    ("enabled", "isEnabled"),
    ("capable", "isCapable"),
    ("mfaRegistered", "isMfaRegistered"),
)


@dataclass(frozen=True)
class UsageIndex:
    """Event times (epoch seconds, sorted) per (feature, authMethod, isSuccess), for one store generation:
    a window is then two bisections per group, however many events are stored."""

    generation: int
    times: dict[tuple[str, str, bool], list[float]]


def usage_index(store: Store, cache: dict[Any, Any]) -> UsageIndex:
    found = cache.get("usage-index")
    generation = store.generation
    if isinstance(found, UsageIndex) and found.generation == generation:
        return found
    times: dict[tuple[str, str, bool], list[float]] = defaultdict(list)
    for event in store.view(USAGE_DETAILS):
        when, feature, method = event.get("eventDateTime"), event.get("feature"), event.get("authMethod")
        if isinstance(when, str) and isinstance(feature, str) and isinstance(method, str):
            times[(feature, method, event.get("isSuccess") is True)].append(parse_iso(when).timestamp())
    for values in times.values():
        values.sort()
    index = UsageIndex(generation, dict(times))
    cache["usage-index"] = index
    return index


def usage_summary(
    store: Store, now: datetime, params: dict[str, str], cache: dict[Any, Any]
) -> list[JSONObject]:
    created = store.view(USAGE_SUMMARY)
    if created:
        return [clone(row) for row in created]
    period = params["period"].upper()
    key = ("usage-summary", store.generation, period, now)
    if key not in cache:
        if len(cache) > 64:  # old generations and clock readings
            cache.clear()
        cache[key] = _usage_rows(usage_index(store, cache), period, now)
    return [dict(row) for row in cache[key]]


def _usage_rows(index: UsageIndex, period: str, now: datetime) -> list[JSONObject]:
    since, until = (now - timedelta(days=PERIOD_DAYS[period])).timestamp(), now.timestamp()
    counts: dict[tuple[str, str], list[int]] = {}
    for (feature, method, success), times in index.times.items():
        inside = bisect_right(times, until) - bisect_right(times, since)
        if inside:
            counts.setdefault((feature, method), [0, 0])[0 if success else 1] += inside
    return [
        {
            "id": str(uuid.uuid5(_IDS, f"{period}/{feature}/{method}")),
            "feature": feature,
            "authMethod": method,
            "successfulActivityCount": ok,
            "failureActivityCount": failed,
        }
        for (feature, method), (ok, failed) in sorted(counts.items())
    ]


def registration_count(store: Store) -> list[JSONObject]:
    created = store.view(REGISTRATION_COUNT)
    if created:
        return [clone(row) for row in created]
    details = store.view(REGISTRATION_DETAILS)
    counts = [
        {"registrationStatus": status, "registrationCount": sum(1 for d in details if d.get(flag) is True)}
        for status, flag in _REGISTRATION_FLAGS
    ]
    return [
        {
            "id": str(uuid.uuid5(_IDS, "registrationCount")),
            "totalUserCount": len(details),
            "userRegistrationCounts": counts,
        }
    ]
