"""A request as fakegraph's pipeline reads one (what aiohttp parses from the wire), without a socket or a
mock, for the benchmarks that time the pipeline in process: their figures are fakegraph's work, not a
harness's."""

from __future__ import annotations

import json
from typing import Any

from multidict import CIMultiDict, MultiDictProxy
from yarl import URL


class Request:
    host = "127.0.0.1:8000"
    scheme = "http"

    def __init__(
        self, method: str, raw_path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        self.headers = CIMultiDict(sent)
        self.query: MultiDictProxy[str] = URL(raw_path).query
        self._body = json.dumps(body).encode() if body is not None else b""

    async def read(self) -> bytes:
        return self._body
