"""JSON batching (`POST /{version}/$batch`): the request document checked and put in dependency order.

Pure: `plan(body, version)` returns the steps to run; the pipeline runs them.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from fakegraph.artifacts.errors import BadRequest

MAX_REQUESTS = 20
_ABSOLUTE = re.compile(r"^https?://[^/]+", re.IGNORECASE)
_VERSION = re.compile(r"^/+(beta|v1\.0)(?=/|$|\?)", re.IGNORECASE)


class Step(NamedTuple):
    id: str
    method: str
    path: str  # /{version}/... with the query string
    headers: dict[str, str]
    body: Any
    has_body: bool
    depends_on: tuple[str, ...]


def plan(body: Any, version: str) -> list[Step]:
    """The steps of a batch in an order that respects `dependsOn` (the Python SDK sends `depends_on`)."""
    if not isinstance(body, dict) or not isinstance(body.get("requests"), list):
        raise BadRequest("A batch body is a JSON object with a 'requests' array.")
    raw = body["requests"]
    if len(raw) > MAX_REQUESTS:
        raise BadRequest("Number of requests inside batch exceeds the limit.")
    if not raw:
        raise BadRequest("A batch needs at least one request.")
    steps = [_step(item, version) for item in raw]
    ids = [s.id.lower() for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BadRequest(f"Batch request ids must be unique; '{duplicates[0]}' is used more than once.")
    for step in steps:
        unknown = [d for d in step.depends_on if d.lower() not in ids]
        if unknown:
            raise BadRequest(f"Request '{step.id}' depends on '{unknown[0]}', which is not in the batch.")
    return _ordered(steps)


def _step(item: Any, version: str) -> Step:
    if not isinstance(item, dict):
        raise BadRequest("Each batch request must be a JSON object.")
    step_id, method, url = item.get("id"), item.get("method"), item.get("url")
    if not isinstance(step_id, str) or not step_id:
        raise BadRequest("Each batch request needs a string 'id'.")
    if not isinstance(method, str) or not isinstance(url, str) or not url:
        raise BadRequest(f"Batch request '{step_id}' needs a 'method' and a 'url'.")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise BadRequest(f"The headers of batch request '{step_id}' must be an object of strings.")
    has_body = "body" in item and item["body"] is not None
    if has_body and not any(k.lower() == "content-type" for k in headers):
        raise BadRequest(f"Batch request '{step_id}' has a body but no Content-Type header.")
    depends = item.get("dependsOn", item.get("depends_on")) or []
    if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
        raise BadRequest(f"'dependsOn' of batch request '{step_id}' must be an array of ids.")
    return Step(
        step_id,
        method.upper(),
        _path(url, version),
        dict(headers),
        item.get("body"),
        has_body,
        tuple(depends),
    )


def _path(url: str, version: str) -> str:
    """`/me`, `me`, `/beta/me` and `https://graph.microsoft.com/beta//me` all become `/{version}/me`."""
    text = _ABSOLUTE.sub("", url.strip())
    if not text.startswith("/"):
        text = "/" + text
    if _VERSION.match(text):
        return "/" + text.lstrip("/")
    return f"/{version}{text}"


def _ordered(steps: list[Step]) -> list[Step]:
    by_id = {s.id.lower(): s for s in steps}
    done: set[str] = set()
    order: list[Step] = []
    visiting: set[str] = set()

    def visit(step: Step) -> None:
        key = step.id.lower()
        if key in done:
            return
        if key in visiting:
            raise BadRequest(f"The dependencies of batch request '{step.id}' form a cycle.")
        visiting.add(key)
        for dependency in step.depends_on:
            visit(by_id[dependency.lower()])
        visiting.discard(key)
        done.add(key)
        order.append(step)

    for step in steps:
        visit(step)
    return order
