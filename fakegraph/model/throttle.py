"""Opt-in throttling like Graph's identity reports limit (ARCHITECTURE A8: 5 requests per 10 s per app per
tenant): a sliding window per (app, tenant), taken from the bearer token's claims when it is a JWT."""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def parse_rate(text: str) -> tuple[int, float]:
    """`"5/10"` → (5 requests, 10 seconds); a ValueError names the setting when malformed (a window that is
    not a finite positive number of seconds included: `5/nan`, `5/inf`)."""
    count, _, seconds = text.partition("/")
    try:
        limit, window = int(count), float(seconds)
    except ValueError as exc:
        raise ValueError(f"throttle must look like REQUESTS/SECONDS (e.g. 5/10), not {text!r}") from exc
    if limit < 1 or not math.isfinite(window) or window <= 0:
        raise ValueError(f"throttle needs at least 1 request per a positive number of seconds, not {text!r}")
    return limit, window


def token_claims(authorization: str) -> dict[str, Any]:
    """The claims of a JWT bearer token (not verified: this is a fake), or {} for any other token."""
    _, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, RecursionError):  # not base64 JSON, or JSON nested past the parser's depth
        return {}
    return claims if isinstance(claims, dict) else {}


def bucket_of(authorization: str) -> tuple[str, str]:
    """(app, tenant) of a request: `appid` or `azp`, and `tid`; one shared bucket without a JWT."""
    claims = token_claims(authorization)
    return str(claims.get("appid") or claims.get("azp") or ""), str(claims.get("tid") or "")


@dataclass
class Throttle:
    """Sliding windows per (app, tenant); at most `buckets` of them, the least recently used let go first
    (100,000 appids made 100,000 windows that were never pruned)."""

    limit: int
    window: float
    clock: Callable[[], float] = time.monotonic
    buckets: int = 10_000
    _seen: OrderedDict[tuple[str, str], deque[float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, authorization: str) -> int | None:
        """None if the request may go on, else the seconds to wait (for Retry-After)."""
        key = bucket_of(authorization)
        now = self.clock()
        with self._lock:
            times = self._seen.get(key)
            if times is None:
                times = self._seen[key] = deque()
                while len(self._seen) > max(self.buckets, 1):
                    self._seen.popitem(last=False)
            else:
                self._seen.move_to_end(key)
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(self.window - (now - times[0])))
            times.append(now)
            return None

    def __len__(self) -> int:
        """How many (app, tenant) windows are kept."""
        return len(self._seen)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
