"""`GET /{version}/$metadata`: the served pack's CSDL document (odata/csdl.py), made on the first request for
a version and kept in the server's State (ARCHITECTURE A20). Graph serves it without a token, always as XML
(`$format` and `Accept` do not change it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakegraph.artifacts.errors import MethodNotAllowed
from fakegraph.http.responses import Reply
from fakegraph.odata import csdl

if TYPE_CHECKING:
    from fakegraph.http.state import State

SEGMENT = "$metadata"
CONTENT_TYPE = "application/xml;charset=utf-8"


def addressed(segments: list[str]) -> bool:
    """Whether a path (its raw segments, the version first) is `/{version}/$metadata`."""
    return len(segments) == 2 and segments[1] == SEGMENT


def answer(method: str, state: State, version: str) -> Reply:
    if method not in {"GET", "HEAD"}:
        raise MethodNotAllowed(["GET"])
    body = state.documents.get(version)
    if body is None:
        body = state.documents[version] = csdl.document(state.catalogue, version)
    return Reply(200, body, {"Content-Type": CONTENT_TYPE, "OData-Version": "4.0"})
