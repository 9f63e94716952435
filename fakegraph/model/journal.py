"""The request journal: what the fake was asked and what it answered, newest first, bounded."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from fakegraph.model.clock import iso
from fakegraph.model.journal_filter import path_matches


class Recorded(NamedTuple):  # a tuple: one per request, cheaper than a frozen dataclass
    """One request as it was received and answered (raw parts; decoded when read)."""

    method: str
    path: str  # raw path with the query string
    status: int
    headers: Mapping[str, str]
    body: bytes | None
    response: bytes | None
    when: datetime
    stub: str | None = None  # the id of the stub that answered, if one did

    @property
    def request_headers(self) -> dict[str, str]:
        return dict(self.headers.items())

    @property
    def request_body(self) -> str | None:
        return self.body.decode("utf-8", "replace") if self.body is not None else None

    @property
    def response_body(self) -> str | None:
        return self.response.decode("utf-8", "replace") if self.response is not None else None

    def json(self) -> Any:
        """The request body parsed as JSON (None without a body)."""
        return json.loads(self.body) if self.body else None

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "requestHeaders": self.request_headers,
            "requestBody": self.request_body,
            "responseBody": self.response_body,
            "time": iso(self.when),
            "stub": self.stub,
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
        """Newest first; `path` matches the path from its start, whole segments, with or without the version
        (model/journal_filter.py); `method` exactly (any case)."""
        with self._lock:
            items = list(self._items)
        items.reverse()
        if method:
            items = [i for i in items if i.method.upper() == method.upper()]
        if path:
            items = [i for i in items if path_matches(path, i.path)]
        return items

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
