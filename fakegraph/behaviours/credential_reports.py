"""Credential usage and registration report functions, consistent with the store (ARCHITECTURE A3).

Rows created through the seed operations win; otherwise the function aggregates the stored detail objects
(usage events inside the period window measured on the mock clock, or registration details).
"""

from __future__ import annotations

import uuid
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from fakegraph.artifacts.contract import JSONObject
from fakegraph.model.clock import parse_iso
from fakegraph.model.store import Store, clone

GRAPH = "microsoft.graph."
USAGE_SUMMARY = GRAPH + "credentialUsageSummary"
USAGE_DETAILS = GRAPH + "userCredentialUsageDetails"
REGISTRATION_COUNT = GRAPH + "credentialUserRegistrationCount"
REGISTRATION_DETAILS = GRAPH + "credentialUserRegistrationDetails"
PERIOD_DAYS = {"D1": 1, "D7": 7, "D30": 30}
Group = tuple[str, str, bool]  # (feature, authMethod, isSuccess)
_IDS = uuid.UUID("6f1c2d5e-0000-4000-8000-00000000c0de")
_REGISTRATION_FLAGS = (
    ("registered", "isRegistered"),
    ("enabled", "isEnabled"),
    ("capable", "isCapable"),
    ("mfaRegistered", "isMfaRegistered"),
)


class UsageIndex:
    """Event times (epoch seconds, sorted) per (feature, authMethod, isSuccess), kept up to date by the
    store: a period window is then two bisections per group, however many events are stored. A single write
    only notes its event; the next read sorts the noted events in, so a create costs an append and a burst
    of creates one sort, not a bisection each."""

    FEW = 64  # noted events up to this many are bisected in; more are appended and each group sorted

    def __init__(self) -> None:
        self._times: dict[Group, list[float]] = defaultdict(list)
        self._noted: list[JSONObject] = []

    @staticmethod
    def _entry(event: JSONObject) -> tuple[Group, float] | None:
        when, feature, method = event.get("eventDateTime"), event.get("feature"), event.get("authMethod")
        if not (isinstance(when, str) and isinstance(feature, str) and isinstance(method, str)):
            return None
        try:
            return (feature, method, event.get("isSuccess") is True), parse_iso(when).timestamp()
        except ValueError:
            return None

    def groups(self) -> dict[Group, list[float]]:
        """The sorted times of each group, noted events included (read it holding the store's lock)."""
        if self._noted:
            self._sort_in()
        return self._times

    def _sort_in(self) -> None:
        noted, self._noted = self._noted, []
        entries = [entry for entry in map(self._entry, noted) if entry is not None]
        if len(entries) <= self.FEW:
            for group, when in entries:
                insort(self._times[group], when)
            return
        touched = set()
        for group, when in entries:
            self._times[group].append(when)
            touched.add(group)
        for group in touched:
            self._times[group].sort()

    def rebuild(self, objects: Iterable[JSONObject]) -> None:
        """Sorted at once: a load or reset leaves the index ready, so no read pays for it."""
        self._noted = []
        self._times = defaultdict(list)
        for event in objects:
            entry = self._entry(event)
            if entry is not None:
                self._times[entry[0]].append(entry[1])
        for values in self._times.values():
            values.sort()

    def added(self, obj: JSONObject) -> None:
        self._noted.append(obj)

    def removed(self, obj: JSONObject) -> None:
        entry = self._entry(obj)
        if entry is None:
            return
        values = self.groups()[entry[0]]
        at = bisect_left(values, entry[1])
        if at < len(values) and values[at] == entry[1]:
            del values[at]


def watch(store: Store) -> UsageIndex:
    """The store's usage index, registered on first use (the app registers it at start-up, so that loading
    data builds it rather than the first call)."""
    return store.index(USAGE_DETAILS, "usage", UsageIndex)


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
        with store.locked():
            cache[key] = _usage_rows(watch(store).groups(), period, now)
    return [dict(row) for row in cache[key]]


def _usage_rows(groups: dict[Group, list[float]], period: str, now: datetime) -> list[JSONObject]:
    since, until = (now - timedelta(days=PERIOD_DAYS[period])).timestamp(), now.timestamp()
    counts: dict[tuple[str, str], list[int]] = {}
    for (feature, method, success), times in groups.items():
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
