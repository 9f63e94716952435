"""Stubbed answers in the pipeline: a matching stub (model/stubs.py) answers before the engine does.

Faults and the throttle come first (they stand for the network and Graph's limits); the stub's answer then
goes out with the request ids and into the journal like any other, marked with the stub's id.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from fakegraph.http import handlers
from fakegraph.http.responses import Reply
from fakegraph.model.stubs import STUB_HEADER

if TYPE_CHECKING:
    from fakegraph.http.state import State

__all__ = ["STUB_HEADER", "answer"]


async def answer(request: handlers.GraphRequest, state: State) -> Reply | None:
    """The first matching stub's answer, or None to let the engine answer."""
    stubs = state.stubs
    path = unquote(request.raw_path.split("?", 1)[0])
    body: Any = None
    if stubs.needs_body(request.method, path):
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:  # not JSON: no stub's bodyContains can match it
            body = None
    stub = stubs.match(request.method, request.raw_path, request.query, body)
    if stub is None:
        return None
    content, headers = stub.content()
    return Reply(stub.status, content, headers)
