"""The request journal: what the fake was asked and what it answered, newest first, bounded."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Recorded:
    """One request as it was received and answered."""

    method: str
    path: str  # raw path with the query string
    status: int
    request_headers: dict[str, str]
    request_body: str | None
    response_body: str | None
    time: str

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "requestHeaders": self.request_headers,
            "requestBody": self.request_body,
            "responseBody": self.response_body,
            "time": self.time,
        }


class Journal:
    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._items: deque[Recorded] = deque(maxlen=max(size, 0) or None)
        self.enabled = size > 0

    def add(self, item: Recorded) -> None:
        if self.enabled:
            with self._lock:
                self._items.append(item)

    def entries(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Newest first; `path` matches as a substring of the raw path, `method` exactly (any case)."""
        with self._lock:
            items = list(self._items)
        items.reverse()
        if method:
            items = [i for i in items if i.method.upper() == method.upper()]
        if path:
            items = [i for i in items if path in i.path]
        return items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
