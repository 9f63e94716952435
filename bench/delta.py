"""Delta round benchmark (ARCHITECTURE A18): a deltaLink answering 10,000 changed users, against a plain list
of the same 10,000 users, both paged to the end, in the same process and run.

    python bench/delta.py [--users 10000] [--rounds 7]

Each round changes every user (a PATCH-like store update, untimed), then times, in alternating order, the
delta round (the deltaLink taken before the changes, then each nextLink until the new deltaLink) and the list
(`GET /beta/users`, then each nextLink). Requests go through fakegraph's pipeline in process (no network,
no aiohttp request object). Reported: medians and [min..max] over the rounds, at the default page size (100)
and at `Prefer: odata.maxpagesize=999`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from inprocess import Request

from fakegraph.http import pipeline
from fakegraph.http.app import STATE, create_app
from fakegraph.model.settings import Settings

USER = "microsoft.graph.user"
AUTH = "Bearer bench"


async def _get(app: Any, path: str, prefer: str) -> dict[str, Any]:
    headers = {"Authorization": AUTH, **({"Prefer": prefer} if prefer else {})}
    reply = await pipeline.answer(Request("GET", path, headers), app[STATE])
    if reply.status != 200:
        raise RuntimeError(f"{path}: {reply.status} {reply.body!r}")
    return json.loads(reply.body or b"")  # type: ignore[no-any-return]


def _local(link: str) -> str:
    return link[link.index("/", len("http://")) :]


async def _walk(app: Any, path: str, prefer: str) -> tuple[int, str | None]:
    """Objects seen following nextLinks from `path`, and the deltaLink it ends with (if any)."""
    seen = 0
    while True:
        body = await _get(app, path, prefer)
        seen += len(body["value"])
        if "@odata.nextLink" not in body:
            return seen, body.get("@odata.deltaLink")
        path = _local(body["@odata.nextLink"])


def measure(users: int, rounds: int, prefer: str) -> tuple[list[float], list[float]]:
    """Seconds of each round's delta walk and list walk."""
    app = create_app(Settings(dataset="empty"))
    state = app[STATE]
    state.store.load(
        {USER: [{"id": f"{n:08d}", "displayName": f"User {n}", "jobTitle": "a"} for n in range(users)]}
    )
    deltas, lists = [], []

    async def run() -> None:
        _, link = await _walk(app, "/beta/users/delta", prefer)  # the first round: sets up the watchers
        for index in range(rounds):
            assert link is not None
            for n in range(users):
                state.store.update(USER, f"{n:08d}", {"jobTitle": f"round {index}"})
            order = ("delta", "list") if index % 2 == 0 else ("list", "delta")
            for kind in order:
                started = time.perf_counter()
                if kind == "delta":
                    seen, link = await _walk(app, _local(link), prefer)
                    deltas.append(time.perf_counter() - started)
                else:
                    seen, _ = await _walk(app, "/beta/users", prefer)
                    lists.append(time.perf_counter() - started)
                if seen != users:
                    raise RuntimeError(f"{kind} walk saw {seen} users, not {users}")

    asyncio.run(run())
    return deltas, lists


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} [{min(values):.3g}..{max(values):.3g}]"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(
        f"delta round over {args.users:,} changed users vs a list of them, {args.rounds} alternating rounds:"
    )
    for label, prefer in (("page size 100", ""), ("odata.maxpagesize=999", "odata.maxpagesize=999")):
        deltas, lists = measure(args.users, args.rounds, prefer)
        ratios = [d / li for d, li in zip(deltas, lists, strict=True)]
        print(
            f"  {label:22s} delta {spread([1000 * d for d in deltas])} ms, "
            f"list {spread([1000 * li for li in lists])} ms, ratio {spread(ratios)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
