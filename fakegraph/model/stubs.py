"""Stubs: canned answers to matching requests, given before the engine answers (the escape hatch).

A stub matches a method (or any), a path (a template, `/v1.0/users/{id}`, whose `{name}` takes one segment,
or a regular expression, `pathRegex`, matched in full), optionally query parameters (each given one equal) and
a JSON body containing given members (recursively), and answers `status`, `body` and `headers`, `times` times
or always. The path is the decoded path without the query string, compared without regard to case, as Graph's
routing does. The first stub added is tried first.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import unquote

from fakegraph.artifacts.errors import BadRequest, NotFound

STUB_HEADER = "x-fakegraph-stub"  # on stubbed answers: the stub's id (the journal keeps it too)
MAX_STUBS = 1000
_FIELDS = {"method", "path", "pathRegex", "query", "bodyContains", "status", "body", "headers", "times"}


@dataclass
class Stub:
    id: str
    method: str | None
    path: str | None
    path_regex: str | None
    pattern: re.Pattern[str]
    query: dict[str, str]
    body_contains: Any
    status: int
    body: Any
    headers: dict[str, str]
    times: int | None  # answers left to give; None: always
    fired: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "method": self.method,
            "path": self.path,
            "pathRegex": self.path_regex,
            "query": self.query,
            "bodyContains": self.body_contains,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "times": self.times,
            "fired": self.fired,
        }

    def content(self) -> tuple[bytes | None, dict[str, str]]:
        """The answer's bytes and headers: JSON unless the body is text (then text/plain, unless given)."""
        headers = {STUB_HEADER: self.id}
        if self.body is None or self.status == 204:
            return None, {**headers, **self.headers}
        if isinstance(self.body, str):
            return self.body.encode(), {**headers, "Content-Type": "text/plain", **self.headers}
        return json.dumps(self.body).encode(), {**headers, "Content-Type": "application/json", **self.headers}


def _template(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^{}/]*\})", path)
    pattern = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(pattern.rstrip("/") + "/?", re.IGNORECASE)


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _path_pattern(path: Any, regex: Any) -> re.Pattern[str]:
    if (path is None) == (regex is None):
        raise BadRequest("A stub needs exactly one of 'path' (a template) and 'pathRegex'.", target="path")
    if path is not None:
        if not isinstance(path, str) or not path.startswith("/"):
            message = "Stub 'path' must be a path starting with '/', e.g. '/v1.0/users/{id}'."
            raise BadRequest(message, target="path")
        return _template(unquote(path))
    if not isinstance(regex, str):
        raise BadRequest("Stub 'pathRegex' must be a regular expression (text).", target="pathRegex")
    try:
        return re.compile(regex, re.IGNORECASE)
    except re.error as exc:
        message = f"Stub 'pathRegex' is not a valid regular expression: {exc}."
        raise BadRequest(message, target="pathRegex") from exc


def stub_from_json(data: Any, stub_id: str) -> Stub:
    """A stub from the control plane's JSON, or a 400 naming the bad field."""
    if not isinstance(data, dict):
        raise BadRequest("A stub is a JSON object.")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise BadRequest(
            f"Unknown stub field '{unknown[0]}'; the fields are {', '.join(sorted(_FIELDS))}.",
            target=unknown[0],
        )
    method = data.get("method")
    if method is not None and (not isinstance(method, str) or not method.isalpha()):
        raise BadRequest("Stub 'method' must be an HTTP method such as 'GET'.", target="method")
    path, regex = data.get("path"), data.get("pathRegex")
    pattern = _path_pattern(path, regex)
    query = data.get("query", {})
    if not isinstance(query, dict) or not all(isinstance(v, str) for v in query.values()):
        raise BadRequest("Stub 'query' must be an object of parameter names to text values.", target="query")
    status = data.get("status", 200)
    if not _is_int(status) or not 100 <= status <= 599:
        raise BadRequest("Stub 'status' must be an integer from 100 to 599.", target="status")
    headers = data.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and "\n" not in k + v and "\r" not in k + v
        for k, v in headers.items()
    ):
        raise BadRequest("Stub 'headers' must be an object of header names to text values.", target="headers")
    times = data.get("times")
    if times is not None and (not _is_int(times) or times < 1):
        raise BadRequest("Stub 'times' must be a positive integer (or absent for always).", target="times")
    return Stub(
        id=stub_id,
        method=method.upper() if method else None,
        path=path,
        path_regex=regex,
        pattern=pattern,
        query=dict(query),
        body_contains=data.get("bodyContains"),
        status=status,
        body=data.get("body"),
        headers=dict(headers),
        times=times,
    )


def contains(actual: Any, expected: Any) -> bool:
    """Whether `actual` has every member of `expected` (objects recursively; other values equal)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and contains(actual[k], v) for k, v in expected.items()
        )
    return bool(actual == expected)


@dataclass
class Stubs:
    rules: list[Stub] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def add(self, data: Any) -> Stub:
        with self.lock:
            if len(self.rules) >= MAX_STUBS:
                raise BadRequest(f"At most {MAX_STUBS} stubs may be active; remove some first.")
            stub = stub_from_json(data, str(self.counter + 1))
            self.counter += 1
            self.rules.append(stub)
            return stub

    def remove(self, stub_id: str) -> None:
        with self.lock:
            kept = [s for s in self.rules if s.id != stub_id]
            if len(kept) == len(self.rules):
                raise NotFound(f"There is no stub '{stub_id}'.")
            self.rules = kept

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [s.as_json() for s in self.rules]

    def needs_body(self, method: str, path: str) -> bool:
        """Whether a stub that could match this request looks at its body (read it only then)."""
        with self.lock:
            return any(s.body_contains is not None and self._route(s, method, path) for s in self.rules)

    def match(self, method: str, raw_path: str, query: Mapping[str, str], body: Any = None) -> Stub | None:
        """The first live stub matching the request (its use counted), or None."""
        path = unquote(raw_path.split("?", 1)[0])
        with self.lock:
            for stub in self.rules:
                if not self._route(stub, method, path):
                    continue
                if any(query.get(k) != v for k, v in stub.query.items()):
                    continue
                if stub.body_contains is not None and not contains(body, stub.body_contains):
                    continue
                if stub.times is not None and stub.fired >= stub.times:
                    continue
                stub.fired += 1
                return stub
        return None

    @staticmethod
    def _route(stub: Stub, method: str, path: str) -> bool:
        return stub.method in {None, method.upper()} and stub.pattern.fullmatch(path) is not None
