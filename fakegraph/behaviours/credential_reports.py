"""Credential usage and registration report functions, consistent with the store (DESIGN D3).

Rows created through the seed operations win; otherwise the function aggregates the stored detail objects
(usage events inside the period window measured on the mock clock, or registration details).
"""

from __future__ import annotations

import uuid
from collections import Counter
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


def usage_summary(store: Store, now: datetime, params: dict[str, str]) -> list[JSONObject]:
    created = store.view(USAGE_SUMMARY)
    if created:
        return [clone(row) for row in created]
    period = params["period"].upper()
    since = now - timedelta(days=PERIOD_DAYS[period])
    success: Counter[tuple[str, str]] = Counter()
    failure: Counter[tuple[str, str]] = Counter()
    for event in store.view(USAGE_DETAILS):
        when = event.get("eventDateTime")
        key = (str(event.get("feature")), str(event.get("authMethod")))
        if not isinstance(when, str) or None in (event.get("feature"), event.get("authMethod")):
            continue
        if since < parse_iso(when) <= now:
            (success if event.get("isSuccess") else failure)[key] += 1
    return [
        {
            "id": str(uuid.uuid5(_IDS, f"{period}/{feature}/{method}")),
            "feature": feature,
            "authMethod": method,
            "successfulActivityCount": success[(feature, method)],
            "failureActivityCount": failure[(feature, method)],
        }
        for feature, method in sorted(success.keys() | failure.keys())
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
