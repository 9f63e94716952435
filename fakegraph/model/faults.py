"""Injected faults: rules that answer matching requests with an error, a delay or a dropped connection.

A rule matches a method (or any) and a path pattern (`fnmatch`, on the path without the query), fires a
limited number of times or always, and with a probability drawn from the app's seeded generator.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from fakegraph.artifacts.errors import BadRequest, GraphError

KINDS = ("status", "latency", "drop")
ERRORS = {
    429: ("TooManyRequests", "Please retry again later."),
    500: ("generalException", "An unexpected error occurred (injected)."),
    502: ("BadGateway", "The gateway received an invalid response (injected)."),
    503: ("serviceNotAvailable", "The service is temporarily unavailable (injected)."),
    504: ("GatewayTimeout", "The gateway timed out (injected)."),
}


class InjectedError(GraphError):
    """A fault rule's answer, with Graph's code and message for its status."""

    def __init__(self, status: int, retry_after: int | None) -> None:
        code, message = ERRORS.get(status, ("InjectedFault", f"Injected failure with status {status}."))
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        super().__init__(message, headers=headers)
        self.status = status  # type: ignore[misc]  # per instance: any 4xx/5xx the rule asks for
        self.code = code  # type: ignore[misc]


@dataclass
class Rule:
    id: str
    kind: str
    method: str | None = None
    path: str = "*"
    status: int = 503
    retry_after: int | None = None
    latency_ms: int = 0
    count: int | None = None  # times left to fire; None: every time
    probability: float = 1.0
    fired: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "retryAfter": self.retry_after,
            "latencyMs": self.latency_ms,
            "count": self.count,
            "probability": self.probability,
            "fired": self.fired,
        }


def rule_from_json(data: Any, rule_id: str) -> Rule:
    """A rule from the control plane's JSON, or a 400 naming the bad field."""
    if not isinstance(data, dict):
        raise BadRequest("A fault rule is a JSON object.")
    kind = data.get("kind", "status")
    if kind not in KINDS:
        raise BadRequest(f"Fault 'kind' must be one of: {', '.join(KINDS)}.", target="kind")
    status = _integer(data, "status", 503, 400, 599)
    count = data.get("count")
    if count is not None and (not _is_int(count) or count < 1):
        raise BadRequest("Fault 'count' must be a positive integer (or absent for always).", target="count")
    probability = data.get("probability", 1.0)
    if not (_is_int(probability) or isinstance(probability, float)) or not 0 <= probability <= 1:
        raise BadRequest("Fault 'probability' must be between 0 and 1.", target="probability")
    method = data.get("method")
    if method is not None and not isinstance(method, str):
        raise BadRequest("Fault 'method' must be a string.", target="method")
    path = data.get("path", "*")
    if not isinstance(path, str):
        raise BadRequest("Fault 'path' must be a string (a glob such as '/beta/reports/*').", target="path")
    retry_after = data.get("retryAfter", 1 if status == 429 else None)
    if retry_after is not None and (not _is_int(retry_after) or retry_after < 0):
        raise BadRequest("Fault 'retryAfter' must be a non-negative integer (seconds).", target="retryAfter")
    return Rule(
        id=rule_id,
        kind=kind,
        method=method.upper() if method else None,
        path=path,
        status=status,
        retry_after=retry_after,
        latency_ms=_integer(data, "latencyMs", 0, 0, 600_000),
        count=count,
        probability=float(probability),
    )


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)  # JSON true is not a number


def _integer(data: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = data.get(name, default)
    if not _is_int(value) or not low <= value <= high:
        raise BadRequest(f"Fault '{name}' must be an integer from {low} to {high}.", target=name)
    return value


@dataclass
class Faults:
    """The active rules; `match` decides (under the seed) which one fires for a request."""

    rng: random.Random
    rules: list[Rule] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def add(self, data: Any) -> Rule:
        with self.lock:
            self.counter += 1
            rule = rule_from_json(data, str(self.counter))
            self.rules.append(rule)
            return rule

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.as_json() for r in self.rules]

    def match(self, method: str, raw_path: str) -> Rule | None:
        if not self.rules:
            return None
        path = raw_path.split("?", 1)[0]
        with self.lock:
            for rule in self.rules:
                if rule.method not in {None, method} or not fnmatch.fnmatchcase(path, rule.path):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None
