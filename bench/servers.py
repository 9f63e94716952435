"""The bare aiohttp handler the benchmark compares fakegraph with, in its own process:

python bench/servers.py bare PORT BODY_FILE STATUS

(fakegraph itself is started as users start it: `python -m fakegraph serve`.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def bare(port: int, body_file: str, status: int) -> None:
    """One handler for every path and method on an aiohttp application, answering fixed bytes of the same
    size as fakegraph's."""
    body = Path(body_file).read_bytes()

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda _: print("ready", flush=True), access_log=None)


if __name__ == "__main__":
    bare(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
