"""The request journal: what the fake was asked and what it answered, newest first, bounded."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from fakegraph.model.clock import iso
from fakegraph.model.journal_filter import path_matches

SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")


def redact(value: str) -> str:
    """A credential as the journal keeps it: its scheme and a short hash of the rest (`Bearer
    sha256:1f2e3d4c5b6a`), enough to tell tokens apart, not to reuse one."""
    scheme, _, secret = value.strip().partition(" ")
    if not secret:
        scheme, secret = "", scheme
    digest = hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"{scheme} sha256:{digest}".strip() if secret else scheme


class Recorded(NamedTuple):  # a tuple: one per request, cheaper than a frozen dataclass
    """One request as it was received and answered (raw parts; decoded when read). Bodies longer than the
    journal's body limit are kept truncated; `body_size` and `response_size` are their real lengths."""

    method: str
    path: str  # raw path with the query string
    status: int
    headers: Mapping[str, str]
    body: bytes | None
    response: bytes | None
    when: datetime
    body_size: int = -1  # -1: as long as `body`
    response_size: int = -1
    seq: int = 0  # the journal's number for it: later requests have larger numbers
    stub: str | None = None  # the id of the stub that answered, if one did
    tenant: str = ""  # the id of the tenant the request acted in (ARCHITECTURE A23; "": not told)

    @property
    def request_headers(self) -> dict[str, str]:
        return dict(self.headers.items())

    @property
    def request_body(self) -> str | None:
        return self.body.decode("utf-8", "replace") if self.body is not None else None

    @property
    def response_body(self) -> str | None:
        return self.response.decode("utf-8", "replace") if self.response is not None else None

    @property
    def truncated(self) -> bool:
        return self.body_size > len(self.body or b"") or self.response_size > len(self.response or b"")

    def json(self) -> Any:
        """The request body parsed as JSON (None without a body; a ValueError when it was truncated)."""
        if self.body_size > len(self.body or b""):
            raise ValueError(f"the journal kept {len(self.body or b'')} of the body's {self.body_size} bytes")
        return json.loads(self.body) if self.body else None

    def size(self) -> int:
        """Bytes this entry holds, roughly (what the journal's byte cap counts)."""
        headers = sum(len(k) + len(v) for k, v in self.headers.items())
        return 200 + len(self.path) + headers + len(self.body or b"") + len(self.response or b"")

    def as_json(self) -> dict[str, Any]:
        out = {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "requestHeaders": self.request_headers,
            "requestBody": self.request_body,
            "responseBody": self.response_body,
            "time": iso(self.when),
            "stub": self.stub,
            "tenant": self.tenant or None,
        }
        if self.truncated:  # the real sizes, so a reader knows the bodies are cut
            out["requestBodyBytes"] = max(self.body_size, len(self.body or b""))
            out["responseBodyBytes"] = max(self.response_size, len(self.response or b""))
        return out


class Journal:
    """The last `size` requests, newest first, within `max_bytes` in all (the oldest go first); each body
    kept up to `body_bytes`."""

    def __init__(self, size: int, max_bytes: int = 16 * 1024 * 1024, body_bytes: int = 64 * 1024) -> None:
        self._lock = threading.Lock()
        self._items: deque[Recorded] = deque()
        self.size = max(size, 0)
        self.max_bytes = max_bytes
        self.body_bytes = body_bytes
        self.bytes = 0  # what the kept entries hold
        self.enabled = size > 0
        self._seq = 0

    def add(self, item: Recorded) -> None:
        if not self.enabled:
            return
        item = self._trimmed(item)
        weight = item.size()
        with self._lock:
            self._seq += 1
            item = item._replace(seq=self._seq)
            self._items.append(item)
            self.bytes += weight
            while self._items and (len(self._items) > self.size or self.bytes > self.max_bytes):
                self.bytes -= self._items.popleft().size()

    def _trimmed(self, item: Recorded) -> Recorded:
        limit = self.body_bytes
        body, response = item.body, item.response
        return item._replace(
            body=body[:limit] if body is not None and len(body) > limit else body,
            response=response[:limit] if response is not None and len(response) > limit else response,
            body_size=len(body) if body is not None else -1,
            response_size=len(response) if response is not None else -1,
        )

    def entries(
        self,
        method: str | None = None,
        path: str | None = None,
        *,
        before: int | None = None,
        tenant: str | None = None,
    ) -> list[Recorded]:
        """Newest first; `path` matches the path from its start, whole segments, with or without the version
        (model/journal_filter.py); `method` exactly (any case); `before`: only entries numbered below it (the
        next page of a listing); `tenant`: only the requests that acted in that tenant (every one without)."""
        with self._lock:
            items = list(self._items) if tenant is None else [i for i in self._items if i.tenant == tenant]
        items.reverse()
        if before is not None:
            items = [i for i in items if i.seq < before]
        if method:
            items = [i for i in items if i.method.upper() == method.upper()]
        if path:
            items = [i for i in items if path_matches(path, i.path)]
        return items

    def clear(self, tenant: str | None = None) -> None:
        """Forget every entry, or only those of one tenant."""
        with self._lock:
            if tenant is None:
                self._items.clear()
            else:
                self._items = deque(i for i in self._items if i.tenant != tenant)
            self.bytes = sum(i.size() for i in self._items)
