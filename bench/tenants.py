"""Tenant benchmark (ARCHITECTURE A23): what making a tenant costs on the shipped pack, against starting a
whole server (`build_state`) in the same run, and what choosing the tenant adds to a request.

    python bench/tenants.py [--rounds 9] [--requests 2000]

Creation: each round, in alternating order, times `build_state(Settings())` (a server's start: the pack's
route index, its validators and the default dataset) and `state.tenants.create()` (a tenant holding the
server's dataset) and `create(dataset="empty")`; the tenants are removed between rounds. The seam: each
round times `--requests` GETs of one object through fakegraph's pipeline in process, with an opaque token and
one tenant (no choice made), and with a JWT naming one of 99 other tenants. Reported: medians and
[min..max] over the rounds, and ratios of medians.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from inprocess import Request

from fakegraph.http import pipeline
from fakegraph.http.state import State, build_state
from fakegraph.model.settings import Settings

DETAILS = "/beta/reports/userCredentialUsageDetails"


def _jwt(tid: str) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"Bearer {part({'alg': 'none'})}.{part({'tid': tid, 'appid': 'bench'})}.c2ln"


def _timed(action: Callable[[], Any]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def creation(rounds: int) -> dict[str, list[float]]:
    state = build_state(Settings())
    times: dict[str, list[float]] = {"server start": [], "tenant (default dataset)": [], "tenant (empty)": []}
    for index in range(rounds):
        order = list(times) if index % 2 == 0 else list(reversed(times))
        for kind in order:
            if kind == "server start":
                times[kind].append(_timed(lambda: build_state(Settings())))
            elif kind == "tenant (default dataset)":
                times[kind].append(_timed(state.tenants.create))
            else:
                times[kind].append(_timed(lambda: state.tenants.create(dataset="empty")))
        state.tenants.restore()
    return times


def seam(rounds: int, requests: int) -> dict[str, list[float]]:
    """Seconds per request of a GET in the default tenant with one tenant, and in one of 100 tenants."""
    alone = build_state(Settings())
    many = build_state(Settings())
    made = [many.tenants.create() for _ in range(99)]
    key = str(alone.store.all("microsoft.graph.userCredentialUsageDetails")[0]["id"])
    path = f"{DETAILS}/{key}"
    tenant_token = _jwt(made[50].tenant_id)
    times: dict[str, list[float]] = {"one tenant, opaque token": [], "100 tenants, tid token": []}

    async def walk(state: State, token: str) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            reply = await pipeline.answer(Request("GET", path, {"Authorization": token}), state)
            if reply.status != 200:
                raise RuntimeError(f"{reply.status} {reply.body!r}")
        return (time.perf_counter() - started) / requests

    async def run() -> None:
        for index in range(rounds):
            kinds = list(times) if index % 2 == 0 else list(reversed(times))
            for kind in kinds:
                if kind.startswith("one"):
                    times[kind].append(await walk(alone, "Bearer bench"))
                else:
                    times[kind].append(await walk(many, tenant_token))

    asyncio.run(run())
    return times


def spread(values: list[float], unit: float) -> str:
    return f"{statistics.median(values) * unit:.3g} [{min(values) * unit:.3g}..{max(values) * unit:.3g}]"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    made = creation(args.rounds)
    start = statistics.median(made["server start"])
    objects = sum(len(v) for v in build_state(Settings()).store.baseline()[0].values())
    print(f"shipped pack, default dataset of {objects} objects; {args.rounds} rounds (ms)")
    for kind, values in made.items():
        ratio = statistics.median(values) / start
        print(f"  {kind:26} {spread(values, 1e3):28} x{ratio:.3f} of a server start")
    served = seam(args.rounds, args.requests)
    base = statistics.median(served["one tenant, opaque token"])
    print(f"a GET of one object through the pipeline, {args.requests} per round (microseconds per request)")
    for kind, values in served.items():
        print(f"  {kind:26} {spread(values, 1e6):28} x{statistics.median(values) / base:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
