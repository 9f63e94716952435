"""Servers the benchmark starts in their own process: fakegraph, or a bare aiohttp handler for comparison.

python bench/servers.py fakegraph PORT [DATASET]
python bench/servers.py bare PORT BODY_FILE STATUS
"""

from __future__ import annotations

import sys
from pathlib import Path

from aiohttp import web


def bare(port: int, body_file: str, status: int) -> None:
    """One handler for every path and method, answering fixed bytes of the same size as fakegraph's."""
    body = Path(body_file).read_bytes()

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, status=status, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=lambda _: print("ready", flush=True), access_log=None)


def fakegraph(port: int, dataset: str) -> None:
    import os

    from fakegraph.app import create_app
    from fakegraph.settings import Settings

    app = create_app(Settings.from_env(os.environ, port=port, dataset=dataset))
    web.run_app(app, host="127.0.0.1", port=port, print=lambda _: print("ready", flush=True), access_log=None)


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "bare":
        bare(port, sys.argv[3], int(sys.argv[4]))
    else:
        fakegraph(port, sys.argv[3] if len(sys.argv) > 3 else "default")
