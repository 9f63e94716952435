"""The mock clock: report windows and timestamps read it; tests set and advance it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class MockClock:
    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._start = start
        self._now = start

    def now(self) -> datetime:
        return self._now  # one attribute read is atomic; writers hold the lock

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when if when.tzinfo else when.replace(tzinfo=UTC)

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def reset(self) -> None:
        with self._lock:
            self._now = self._start


def iso(when: datetime) -> str:
    """Graph's DateTimeOffset text: UTC with a `Z`."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
