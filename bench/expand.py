"""`$expand` benchmark (ARCHITECTURE A16): a group read with its 100 members expanded, against the plain
list of the same 100 members, in the same process and run.

    python bench/expand.py [--members 100] [--rounds 21]

The shipped pack, an empty tenant with one group and its members linked through `POST .../members/$ref`.
Each round changes the group (untimed; the response cache keys on the store's generation, so neither
request is answered from it), then times, in alternating order, `GET /v1.0/groups/{id}?$expand=members`
and `GET /v1.0/groups/{id}/members`. Requests go through fakegraph's pipeline in process (no network).
Reported: medians and [min..max] over the rounds, and the ratio of each round's pair.
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
GROUP = "microsoft.graph.group"
AUTH = "Bearer bench"


async def _send(app: Any, method: str, path: str, body: Any = None) -> Any:
    reply = await pipeline.answer(Request(method, path, {"Authorization": AUTH}, body), app[STATE])
    if reply.status >= 300:
        raise RuntimeError(f"{method} {path}: {reply.status} {reply.body!r}")
    return json.loads(reply.body) if reply.body else None


def measure(members: int, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each round's expanded read and list read."""
    app = create_app(Settings(dataset="empty"))
    state = app[STATE]
    group = "00000000-0000-4000-8000-00000000a000"
    users = [{"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"User {n}"} for n in range(members)]
    state.store.load({GROUP: [{"id": group, "displayName": "Crew"}], USER: users})
    expanded, listed = [], []

    async def run() -> None:
        for user in users:
            link = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user['id']}"}
            await _send(app, "POST", f"/v1.0/groups/{group}/members/$ref", link)
        for index in range(rounds):
            state.store.update(GROUP, group, {"description": f"round {index}"})
            order = ("expand", "list") if index % 2 == 0 else ("list", "expand")
            for kind in order:
                started = time.perf_counter()
                if kind == "expand":
                    body = await _send(app, "GET", f"/v1.0/groups/{group}?$expand=members")
                    expanded.append(time.perf_counter() - started)
                    seen = len(body["members"])
                else:
                    body = await _send(app, "GET", f"/v1.0/groups/{group}/members")
                    listed.append(time.perf_counter() - started)
                    seen = len(body["value"])
                if seen != members:
                    raise RuntimeError(f"{kind} read {seen} members, not {members}")

    asyncio.run(run())
    return expanded, listed


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3g} [{min(values):.3g}..{max(values):.3g}]"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    expanded, listed = measure(args.members, args.rounds)
    ratios = [e / li for e, li in zip(expanded, listed, strict=True)]
    print(
        f"$expand=members over {args.members} members vs their list, {args.rounds} alternating rounds: "
        f"expand {spread([1000 * e for e in expanded])} ms, list {spread([1000 * li for li in listed])} ms, "
        f"ratio {spread(ratios)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
