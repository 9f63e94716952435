"""Media benchmark (ARCHITECTURE A20): a 10 MiB file uploaded in 5 MiB fragments through an upload session
and read back at `$value`, against a bare aiohttp server taking the same requests in the same run.

    python bench/media.py [--rounds 9] [--megabytes 10]

fakegraph runs as users start it (`fakegraph serve`, the shipped pack): createUploadSession on a sample
message's attachments, the fragments to the uploadUrl, then GET of the attachment's `$value`. The bare
server (`python bench/media.py bare PORT`, in its own process) does the least the same requests need: it
answers the POST, keeps each PUT's body and answers the joined bytes to the GET. They take turns; medians,
with the spread.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import AUTH, environment, free_port, server, spread

FRAGMENT = 5 * 1024 * 1024


def bare(port: int) -> None:
    kept: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.content.read()
        if request.method == "POST":
            kept.clear()
            url = f"http://127.0.0.1:{port}/upload"
            return web.json_response({"uploadUrl": url, "nextExpectedRanges": ["0-"]}, status=201)
        if request.method == "PUT":
            kept.append(body)
            return web.json_response({"nextExpectedRanges": []}, status=202)
        return web.Response(body=b"".join(kept), content_type="application/octet-stream")

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda _: print("ready", flush=True), access_log=None)


async def round_trip(base: str, data: bytes, message: str) -> float:
    """Seconds to open a session, send the fragments and read the file back."""
    headers = {"Authorization": AUTH}
    total = len(data)
    async with aiohttp.ClientSession(headers=headers) as session:
        started = time.perf_counter()
        body = {"AttachmentItem": {"attachmentType": "file", "name": "bench.bin", "size": total}}
        async with session.post(
            f"{base}/v1.0/me/messages/{message}/attachments/createUploadSession", json=body
        ) as r:
            url = (await r.json())["uploadUrl"]
        made: dict[str, str] = {}
        for start in range(0, total, FRAGMENT):
            chunk = data[start : start + FRAGMENT]
            end = start + len(chunk) - 1
            fragment = {
                "Content-Range": f"bytes {start}-{end}/{total}",
                "Content-Type": "application/octet-stream",
            }
            async with (
                aiohttp.ClientSession() as anonymous,
                anonymous.put(url, data=chunk, headers=fragment) as r,
            ):
                if r.status == 201:
                    made = await r.json()
        item = made.get("id", "x")
        async with session.get(f"{base}/v1.0/me/messages/{message}/attachments/{item}/$value") as r:
            got = await r.read()
        elapsed = time.perf_counter() - started
    assert got == data, "the file did not read back identical"
    return elapsed


async def first_message(base: str) -> str:
    url = f"{base}/v1.0/me/messages?$top=1&$select=id"
    async with aiohttp.ClientSession(headers={"Authorization": AUTH}) as session, session.get(url) as r:
        return str((await r.json())["value"][0]["id"])


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "bare":
        bare(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--megabytes", type=int, default=10)
    args = parser.parse_args()
    data = os.urandom(args.megabytes * 1024 * 1024)
    ours: list[float] = []
    theirs: list[float] = []
    with server("fakegraph", "default") as port, _bare() as bare_port:
        ours_base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        message = asyncio.run(first_message(ours_base))
        asyncio.run(round_trip(ours_base, data, message))  # warm both up once
        asyncio.run(round_trip(bare_base, data, message))
        for _ in range(args.rounds):
            ours.append(asyncio.run(round_trip(ours_base, data, message)))
            theirs.append(asyncio.run(round_trip(bare_base, data, message)))
    ratio = [o / b for o, b in zip(ours, theirs, strict=True)]
    size = f"{args.megabytes} MiB"
    print(f"upload of {size} in 5 MiB fragments and its read back, {args.rounds} alternating rounds:")
    print(f"  fakegraph {spread([1000 * x for x in ours])} ms, bare {spread([1000 * x for x in theirs])} ms")
    print(f"  ratio {spread(ratio)} (median {statistics.median(ratio):.2f})")
    return 0


@contextmanager
def _bare() -> Iterator[int]:
    """The bare server of this module in its own process, once it says it is listening."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "bare", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment())
    try:
        assert process.stdout is not None
        process.stdout.readline()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


if __name__ == "__main__":
    raise SystemExit(main())
