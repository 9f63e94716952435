"""Token validation benchmark (issue 16, ARCHITECTURE A24): what `--enforce-permissions` costs per Graph
call, against the same calls with enforcement off, in the same process and run.

    python bench/identity.py [--requests 200] [--rounds 21]

Two servers on the shipped pack (empty tenant plus one user): one with enforcement off (any bearer token),
one with it on. Each round sends, in rotating order, `--requests` reads of `GET /v1.0/users/{id}`:
  - off:       the server without enforcement, one token throughout;
  - on:        the enforcing server, one valid token throughout (its signature checked once, then looked
               up; lifetime and permissions checked on every call);
  - off-fresh: the server without enforcement, another token on every call;
  - on-fresh:  the enforcing server, another valid token on every call (each signature checked, RSA 2048).
A GET answer is cached per token (what `/me` names depends on it), so the fresh pairs also measure a read
that is not answered from the cache; each is compared with its own pair. Requests go through fakegraph's
pipeline in process (no network). Reported: medians and [min..max] of the time per request, and each
round's ratio of `on` to `off` (and `on-fresh` to `off-fresh`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from inprocess import Request

from fakegraph.http import pipeline
from fakegraph.http.app import STATE, create_app
from fakegraph.http.registrations import mint
from fakegraph.model.settings import Settings

USER = "microsoft.graph.user"
ID = "00000000-0000-4000-8000-000000000001"
PATH = f"/v1.0/users/{ID}"


def _server(enforce: bool) -> Any:
    app = create_app(Settings(dataset="empty", enforce_permissions=enforce, journal_size=0))
    app[STATE].store.load({USER: [{"id": ID, "displayName": "Bench User"}]})
    return app


def measure(requests: int, rounds: int) -> dict[str, list[float]]:
    off, on = _server(False), _server(True)
    state = on[STATE]
    token = mint(state, roles=["User.Read.All"])
    fresh_tokens = [[mint(state, roles=["User.Read.All"]) for _ in range(requests)] for _ in range(rounds)]
    plain_tokens = [[f"bench-{r}-{n}" for n in range(requests)] for r in range(rounds)]
    times: dict[str, list[float]] = {"off": [], "on": [], "off-fresh": [], "on-fresh": []}

    async def send(app: Any, tokens: list[str]) -> float:
        started = time.perf_counter()
        for given in tokens:
            reply = await pipeline.answer(
                Request("GET", PATH, {"Authorization": f"Bearer {given}"}), app[STATE]
            )
            if reply.status != 200:
                raise RuntimeError(f"{reply.status} {reply.body!r}")
        return (time.perf_counter() - started) / len(tokens)

    async def run() -> None:
        await send(off, ["bench"] * 10)  # warm both (routes, schemas)
        await send(on, [token] * 10)
        kinds = list(times)
        for index in range(rounds):
            order = kinds[index % 4 :] + kinds[: index % 4]
            for kind in order:
                tokens = {
                    "off": ["bench"] * requests,
                    "on": [token] * requests,
                    "off-fresh": plain_tokens[index],
                    "on-fresh": fresh_tokens[index],
                }[kind]
                times[kind].append(await send(on if kind.startswith("on") else off, tokens))

    asyncio.run(run())
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    times = measure(args.requests, args.rounds)
    print(f"GET {PATH}, {args.requests} requests per round, {args.rounds} rounds (median [min..max])")
    for kind, seconds in times.items():
        micro = [s * 1e6 for s in seconds]
        line = f"  {kind:9} {statistics.median(micro):8.1f} us [{min(micro):.1f}..{max(micro):.1f}]"
        if kind.startswith("on"):
            base = kind.replace("on", "off", 1)
            ratios = [s / o for s, o in zip(seconds, times[base], strict=True)]
            spread = f"{statistics.median(ratios):.2f} [{min(ratios):.2f}..{max(ratios):.2f}]"
            line += f"   ratio to {base} {spread}"
        print(line)


if __name__ == "__main__":
    main()
