"""Request bodies as the handlers read them: an action whose parameters may all be left out takes none."""

from __future__ import annotations

import asyncio

import pytest

from fakegraph.artifacts.errors import BadRequest, UnsupportedMediaType
from fakegraph.http.handlers import read_body


class _Request:
    def __init__(self, body: bytes, content_type: str | None) -> None:
        self.headers = {"Content-Type": content_type} if content_type else {}
        self._body = body

    async def read(self) -> bytes:
        return self._body


def _read(body: bytes, content_type: str | None, *, optional: bool = False) -> object:
    return asyncio.run(read_body(_Request(body, content_type), optional=optional))  # type: ignore[arg-type]


def test_no_body_is_an_empty_one_where_every_parameter_is_optional():
    assert _read(b"", None, optional=True) == {}
    assert _read(b"", "application/json", optional=True) == {}
    assert _read(b'{"reason": "x"}', "application/json", optional=True) == {"reason": "x"}


def test_a_body_still_needs_json_and_a_missing_one_is_refused_where_parameters_are_required():
    with pytest.raises(UnsupportedMediaType):
        _read(b"", None)
    with pytest.raises(UnsupportedMediaType):
        _read(b'{"reason": "x"}', None, optional=True)
    with pytest.raises(BadRequest):
        _read(b"", "application/json")
