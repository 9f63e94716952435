"""The mock clock: report windows and timestamps read it; tests set and advance it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

EARLIEST = datetime(1, 2, 1, tzinfo=UTC)  # report windows reach 30 days back; datasets and timestamps too
LATEST = datetime(9999, 11, 30, tzinfo=UTC)


def in_range(when: datetime) -> datetime:
    """`when` (UTC if it has no offset), or a ValueError when the clock could not be read at it."""
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        inside = EARLIEST <= when <= LATEST
    except OverflowError:  # an offset that moves it past year 1 or 9999
        inside = False
    if not inside:
        raise ValueError(
            f"the clock must stay between {iso(EARLIEST)} and {iso(LATEST)}, not {when.isoformat()}"
        )
    return when


class MockClock:
    def __init__(self, start: datetime) -> None:
        self._lock = threading.Lock()
        self._start = in_range(start)
        self._now = self._start

    def now(self) -> datetime:
        return self._now  # one attribute read is atomic; writers hold the lock

    def set(self, when: datetime) -> None:
        checked = in_range(when)
        with self._lock:
            self._now = checked

    def advance(self, seconds: float) -> datetime:
        """Move the clock on (or back, for negative seconds); a ValueError if it would leave its range."""
        try:
            step = timedelta(seconds=seconds)
        except OverflowError as exc:
            raise ValueError(f"cannot advance the clock by {seconds} seconds") from exc
        with self._lock:
            try:
                moved = in_range(self._now + step)
            except OverflowError as exc:
                raise ValueError(f"cannot advance the clock by {seconds} seconds") from exc
            self._now = moved
            return moved

    def reset(self) -> None:
        with self._lock:
            self._now = self._start


def iso(when: datetime) -> str:
    """Graph's DateTimeOffset text: UTC with a `Z`."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
