"""Hardening figures (issue 15): what `fakegraph serve` holds under hostile load, as numbers.

    python bench/hardening.py rss [--seconds 120] [--clients 6]
    python bench/hardening.py idle [--sockets 20000] [--probes 20]
    python bench/hardening.py durable [--creates 2000] [--rounds 5]

rss:  mixed load for --seconds against `fakegraph serve` (journal at its defaults): 4 MiB JSON bodies that are
      refused with a 400 echoing a huge value, bodies over the 4 MiB limit (413), small creates, filtered
      lists and journal pages. The server's resident memory is sampled every half second; the report gives
      its idle size, peak and end, and the bound it is checked against (idle + the journal's byte cap +
      8 copies of a 4 MiB body for each of the 2 large requests handled at once + 32 MiB of allocator
      slack and small requests), which grows with neither the number of requests nor of clients.
idle: --sockets connections that never send a byte, opened by helper processes (a process holds at most
      its descriptor limit), then --probes new clients, each on a fresh connection: seconds from connect to
      the whole answer, before and while the idle sockets are open; how many idle sockets the server still
      holds, and the lines it logged.

durable: the cost of --state per create: alternating rounds of --creates concurrent creates (16 connections)
      against `fakegraph serve` in memory and with --state FILE, started fresh each round; the ratio of their
      seconds per round, median and range.

All send traffic to 127.0.0.1 only, are bounded in count and time, and stop the servers they start.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

MIB = 1024 * 1024
AUTH = {"Authorization": "Bearer bench"}
DETAILS = "/beta/reports/userCredentialUsageDetails"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(*flags: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    process.stdout.readline()  # "fakegraph serving ..."
    return process, port


def stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err or ""


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def request(port: int, method: str, path: str, body: bytes | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {**AUTH, "Content-Type": "application/json"} if body is not None else AUTH
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# --- rss ------------------------------------------------------------------------------------------------


def _bodies() -> dict[str, bytes]:
    big = 4 * MIB - 64
    return {
        "echoed": json.dumps({"feature": "x" * (big - 20)}).encode(),  # 400 that names the value
        "unknown": json.dumps({"y" * (big - 20): 1}).encode(),  # 400 naming a 4 MiB property name
        "too_large": b'{"feature": "' + b"x" * (4 * MIB) + b'"}',  # 413
        "create": json.dumps({"feature": "reset", "authMethod": "email", "isSuccess": True}).encode(),
    }


def rss(seconds: float, clients: int) -> dict[str, object]:
    process, port = start("--dataset", "default")
    bodies = _bodies()
    try:
        request(port, "GET", DETAILS + "?$top=1")
        idle = rss_kib(process.pid)
        deadline = time.monotonic() + seconds
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        samples: list[int] = []

        def client(n: int) -> None:
            plan = ["echoed", "unknown", "too_large", "create", "list", "journal"]
            step = n
            while time.monotonic() < deadline:
                kind = plan[step % len(plan)]
                step += 1
                if kind == "list":
                    status = request(port, "GET", DETAILS + "?$filter=isSuccess%20eq%20true&$top=50")
                elif kind == "journal":
                    status = request(port, "GET", "/_fakegraph/requests?top=100")
                else:
                    status = request(port, "POST", DETAILS, bodies[kind])
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            samples.append(rss_kib(process.pid))
            time.sleep(0.5)
        for thread in threads:
            thread.join()
        end = rss_kib(process.pid)
        peak = max(rss_kib(process.pid, "VmHWM"), *samples)
        journal_cap = 16 * MIB // 1024  # journal_bytes' default
        # At most max_large_bodies (2) large requests are handled at once; each holds up to 8 copies of its
        # body while it is read, decoded, parsed and validated (jsonschema spells the value in messages).
        in_flight = min(clients, 2) * 8 * 4 * MIB // 1024
        # Slack: what malloc keeps of freed memory, and the small requests in flight.
        bound = idle + journal_cap + in_flight + 32 * 1024
    finally:
        err = stop(process)
    return {
        "seconds": seconds,
        "clients": clients,
        "requests": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "idle_mib": round(idle / 1024, 1),
        "peak_mib": round(peak / 1024, 1),
        "end_mib": round(end / 1024, 1),
        "every_10s_mib": [round(k / 1024) for k in samples[::20]],
        "bound_mib": round(bound / 1024, 1),
        "within_bound": peak <= bound,
        "server_log_lines": len(err.splitlines()),
    }


# --- idle -----------------------------------------------------------------------------------------------

_HOLDER = """
import socket, sys, time
port, count, hold = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
held, failed = [], 0
for _ in range(count):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        failed += 1
        s.close()
print(f"{len(held)} {failed}", flush=True)
time.sleep(hold)
"""


def _probe(port: int) -> float:
    began = time.perf_counter()
    status = request(port, "GET", "/_fakegraph/health")
    assert status == 200, status
    return time.perf_counter() - began


def idle(sockets: int, probes: int) -> dict[str, object]:
    process, port = start("--dataset", "empty")
    try:
        before = [_probe(port) for _ in range(probes)]
        per = 9000  # below one process's descriptor limit
        holders = []
        began = time.perf_counter()
        for start_at in range(0, sockets, per):
            count = min(per, sockets - start_at)
            holders.append(
                subprocess.Popen(
                    [sys.executable, "-c", _HOLDER, str(port), str(count), "600"],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        opened = failed = 0
        for holder in holders:
            assert holder.stdout is not None
            got, lost = map(int, holder.stdout.readline().split())
            opened, failed = opened + got, failed + lost
        connect_seconds = time.perf_counter() - began
        during = [_probe(port) for _ in range(probes)]
        fds = len(os.listdir(f"/proc/{process.pid}/fd"))
        for holder in holders:
            holder.kill()
            holder.wait()
    finally:
        err = stop(process)
    return {
        "idle_sockets_opened": opened,
        "idle_sockets_refused": failed,
        "seconds_to_open_them": round(connect_seconds, 1),
        "server_descriptors_while_held": fds,
        "new_client_seconds_before": _summary(before),
        "new_client_seconds_during": _summary(during),
        "slowest_new_client_seconds": round(max(during), 4),
        "server_log_lines": len(err.splitlines()),
    }


def _summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.4g} [{min(values):.4g}..{max(values):.4g}]"


# --- durable --------------------------------------------------------------------------------------------


def _create_round(port: int, creates: int) -> float:
    import asyncio

    import aiohttp

    body = json.dumps({"feature": "reset", "authMethod": "email", "isSuccess": True})
    headers = {**AUTH, "Content-Type": "application/json"}

    async def run() -> float:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as session:

            async def one() -> None:
                async with session.post(f"http://127.0.0.1:{port}{DETAILS}", data=body, headers=headers) as r:
                    assert r.status == 201, r.status
                    await r.read()

            await one()  # warm: the route and validator are made
            began = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(creates)))
            return time.perf_counter() - began

    return asyncio.run(run())


def durable(creates: int, rounds: int) -> dict[str, object]:
    import tempfile

    memory: list[float] = []
    kept: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(rounds):
            for flags, into in (((), memory), (("--state", f"{folder}/state-{n}.db"), kept)):
                process, port = start("--dataset", "empty", *flags)
                try:
                    into.append(_create_round(port, creates))
                finally:
                    stop(process)
    ratios = [k / m for k, m in zip(kept, memory, strict=True)]
    return {
        "creates_per_round": creates,
        "rounds": rounds,
        "memory_creates_per_second": _summary([creates / s for s in memory]),
        "state_creates_per_second": _summary([creates / s for s in kept]),
        "cost_ratio_state_over_memory": _summary(ratios),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    memory = commands.add_parser("rss")
    memory.add_argument("--seconds", type=float, default=120)
    memory.add_argument("--clients", type=int, default=6)
    held = commands.add_parser("idle")
    held.add_argument("--sockets", type=int, default=20_000)
    held.add_argument("--probes", type=int, default=20)
    kept = commands.add_parser("durable")
    kept.add_argument("--creates", type=int, default=2000)
    kept.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.command == "rss":
        result = rss(args.seconds, args.clients)
    elif args.command == "idle":
        result = idle(args.sockets, args.probes)
    else:
        result = durable(args.creates, args.rounds)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
