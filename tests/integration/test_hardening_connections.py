"""Connections (issue 15, items 3 and 4): HTTP parse errors in Graph's envelope with their status, slow or
idle sockets timed out, a bound on open connections that never locks a new client out, and the port kept
for HTTP/1.0 requests without a Host header. Raw sockets against the low-level server `fakegraph serve`
runs. (20,000 idle sockets against a real server: bench/hardening.py.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.integration.conftest import state_of

AUTH = b"Authorization: Bearer t\r\n"
DETAILS = b"/beta/reports/userCredentialUsageDetails"


async def _open(client: Any) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(client.server.host, client.server.port)


async def _exchange(client: Any, raw: bytes, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await _open(client)
    writer.write(raw)
    await writer.drain()
    try:
        data = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    return _parsed(data)


def _parsed(data: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("raw", "status", "code", "says"),
    [
        (
            b"POST /beta/x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
            400,
            "BadRequest",
            "Content-Length",
        ),
        (
            b"POST /beta/x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            "BadRequest",
            "Transfer-Encoding",
        ),
        (
            b"POST /beta/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            400,
            "BadRequest",
            "chunk size",
        ),
        (
            b"GET /beta/x HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n",
            431,
            None,
            "too large",
        ),
        (b"GET /beta/x HTTP/1.1\r\nHost: a\r\n" + b"X" * 100_000 + b": 1\r\n\r\n", 431, None, "too large"),
        (
            b"GET /beta/x HTTP/1.1\r\nHost: a\r\n"
            + b"".join(b"X-%d: 1\r\n" % i for i in range(10_000))
            + b"\r\n",
            431,
            None,
            "too many headers",
        ),
        (b"GET /beta/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414, None, "URL is too long"),
        (b"GET /beta/\x00x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BadRequest", "url"),
        (b"FOO /beta/x HTTP/1.1\r\nHost: a\r\n\r\n", 400, "BadRequest", "method"),
        (b"GET /beta/x HTTP/9.9\r\nHost: a\r\n\r\n", 400, "BadRequest", "HTTP version"),
        (
            b"POST /beta/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            400,
            None,
            "Content-Length",
        ),
    ],
)
async def test_http_parse_errors_are_graph_envelopes(make_client, raw, status, code, says):
    """Each was a plain-text 400; now Graph's envelope, and 414/431 where they apply."""
    client = await make_client()
    got, headers, body = await _exchange(client, raw)
    assert got == status
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    if code:
        assert error["code"] == code
    assert says.lower() in error["message"].lower()
    assert error["innerError"]["request-id"] == headers["request-id"]


async def test_a_bad_chunk_after_the_headers_is_a_400_not_a_500(make_client):
    """The handler is already reading the body when the broken chunk arrives."""
    client = await make_client()
    reader, writer = await _open(client)
    writer.write(
        b"POST " + DETAILS + b" HTTP/1.1\r\nHost: a\r\n" + AUTH
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n"
    )  # fmt: skip
    await writer.drain()
    await asyncio.sleep(0.2)
    writer.write(b"zz\r\n")
    status, _, body = _parsed(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    assert status == 400
    assert "not valid HTTP" in json.loads(body)["error"]["message"]


async def test_http10_without_host_keeps_the_port(make_client):
    """@odata.context and @odata.nextLink name the address and port the request arrived at."""
    client = await make_client()
    raw = b"GET " + DETAILS + b"?$top=1 HTTP/1.0\r\n" + AUTH + b"\r\n"
    status, _, body = await _exchange(client, raw)
    assert status == 200
    answer = json.loads(body)
    port = client.server.port
    assert answer["@odata.context"].startswith(f"http://127.0.0.1:{port}/beta/$metadata#")
    assert answer["@odata.nextLink"].startswith(f"http://127.0.0.1:{port}/beta/reports/")


async def test_an_idle_connection_is_closed(make_client):
    """A socket that never sends a request is closed after idle_timeout (it was kept forever)."""
    client = await make_client(idle_timeout=0.3)
    reader, writer = await _open(client)
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_slow_headers_are_a_408(make_client):
    """Headers that start but do not finish within header_timeout: a 408 envelope, then the socket closes
    (idle_timeout is long here, so this is the header timer)."""
    client = await make_client(header_timeout=0.3, idle_timeout=30)
    reader, writer = await _open(client)
    writer.write(b"GET " + DETAILS + b" HTTP/1.1\r\nHost: a\r\nX-Slow: ")
    await writer.drain()
    status, headers, body = _parsed(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    assert status == 408
    assert json.loads(body)["error"]["code"] == "RequestTimeout"
    assert headers["connection"] == "close"


async def test_a_slow_body_is_a_408(make_client):
    client = await make_client(body_timeout=0.3, idle_timeout=30)
    reader, writer = await _open(client)
    writer.write(
        b"POST " + DETAILS + b" HTTP/1.1\r\nHost: a\r\n" + AUTH
        + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"feat"
    )  # fmt: skip
    await writer.drain()
    status, _, body = _parsed(await asyncio.wait_for(reader.read(), 5))
    writer.close()
    assert status == 408
    assert "did not arrive within 0.3 seconds" in json.loads(body)["error"]["message"]
    assert state_of(client).store.count("microsoft.graph.userCredentialUsageDetails") == 240


async def test_idle_connections_give_way_to_a_new_client(make_client):
    """At max_connections, a newcomer closes the connection idle the longest: idle sockets cannot lock
    clients out (20,010 of them exhausted the descriptors and every new client hung)."""
    client = await make_client(max_connections=5)
    idle = []
    for _ in range(5):
        idle.append(await _open(client))
        await asyncio.sleep(0.02)  # distinct ages: the first opened is idle the longest
    kept = []
    for _ in range(3):  # each newcomer stays open (keep-alive), so each one needs a place
        reader, writer = await _open(client)
        writer.write(b"GET /_fakegraph/health HTTP/1.1\r\nHost: a\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200 ")
        length = int(
            next(
                v
                for k, _, v in (line.partition(b": ") for line in head.split(b"\r\n"))
                if k.lower() == b"content-length"
            )
        )
        await reader.readexactly(length)
        kept.append(writer)
    states = []
    for reader, writer in idle:
        try:
            states.append("closed" if await asyncio.wait_for(reader.read(), 0.3) == b"" else "data")
        except TimeoutError:
            states.append("open")
        writer.close()
    assert states == ["closed", "closed", "closed", "open", "open"]
    assert len(client.server.runner.server.connections) <= 5
    for writer in kept:
        writer.close()


async def test_with_no_idle_connection_to_close_a_newcomer_gets_a_503(make_client, monkeypatch):
    """When every connection is busy, the newcomer is told so in Graph's envelope rather than left hanging."""
    client = await make_client(max_connections=2)
    gate = asyncio.Event()
    from fakegraph.http import pipeline

    original = pipeline.answer

    async def slow(request: Any, state: Any) -> Any:
        await gate.wait()
        return await original(request, state)

    monkeypatch.setattr(pipeline, "answer", slow)
    busy = []
    for _ in range(2):
        reader, writer = await _open(client)
        writer.write(b"GET /_fakegraph/health HTTP/1.1\r\nHost: a\r\n\r\n")
        await writer.drain()
        busy.append((reader, writer))
    await asyncio.sleep(0.2)
    status, _, body = await _exchange(client, b"GET /_fakegraph/health HTTP/1.1\r\nHost: a\r\n\r\n")
    assert status == 503
    assert json.loads(body)["error"]["code"] == "serviceNotAvailable"
    gate.set()
    for _, writer in busy:
        writer.close()


def test_connection_limits_are_settings(monkeypatch):
    import os

    from fakegraph.model.settings import Settings, convert

    monkeypatch.setenv("FAKEGRAPH_HEADER_TIMEOUT", "2.5")
    monkeypatch.setenv("FAKEGRAPH_MAX_CONNECTIONS", "77")
    settings = Settings.from_env(os.environ)
    assert (settings.header_timeout, settings.max_connections) == (2.5, 77)
    for name in ("idle_timeout", "header_timeout", "body_timeout"):
        for bad in ("0", "-1", "nan", "inf", "soon"):
            with pytest.raises(ValueError, match=name):
                convert(name, bad)
    with pytest.raises(ValueError, match="max_connections"):
        convert("max_connections", "0")


def test_the_limit_stays_below_the_descriptor_limit():
    import resource

    from fakegraph.http.connections import RESERVED_FDS, connection_limit

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert connection_limit(10**9) == soft - RESERVED_FDS
    assert connection_limit(10) == 10


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--max-connections", "0", "max_connections must be at least 1"),
        ("--idle-timeout", "soon", "idle_timeout must be a number of seconds"),
        ("--body-timeout", "-1", "body_timeout must be a positive number"),
        ("--journal-bytes", "x", "journal_bytes must be an integer"),
        ("--max-errors", "0", "max_errors must be at least 1"),
    ],
)
def test_serve_refuses_a_bad_bound_in_one_line(capsys, flag, value, says):
    from fakegraph.cli import main

    assert main(["serve", flag, value]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert says in err
