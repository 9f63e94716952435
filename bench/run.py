"""fakegraph benchmarks, reported as ratios against a bare aiohttp handler measured in the same run.

    python bench/run.py [--seconds 2] [--rounds 5] [--connections 16]

Needs `wrk` (Debian package) for throughput. fakegraph runs as users start it (`fakegraph serve`, which serves
through aiohttp's low-level server); the bare handler is one catch-all route on an aiohttp application,
answering a body of the same size as fakegraph's for that request. Each runs in its own process (one core for
the server, the other for wrk), and they take turns, so the machine's slow spells hit both.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
AUTH = "Bearer bench"
CREATE_BODY = json.dumps(
    {
        "feature": "reset",
        "authMethod": "email",
        "isSuccess": True,
        "userPrincipalName": "a@contoso.com",
        "userDisplayName": "A",
        "eventDateTime": "2025-12-30T10:00:00Z",
    }
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The servers' environment: this one, but with bytecode kept. An installed package has its bytecode
    (pip writes it), and so does an editable one from its second start, unless PYTHONDONTWRITEBYTECODE is
    set as on some CI machines: then fakegraph's ~40 modules would be compiled on every start (~45 ms here)
    while aiohttp's, compiled at install, would not."""
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def command(kind: str, port: int, *args: str) -> list[str]:
    """fakegraph as users start it (`fakegraph serve`), or the bare handler of servers.py."""
    if kind == "fakegraph":
        return [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), "--dataset", *args]
    return [sys.executable, str(HERE / "servers.py"), kind, str(port), *args]


@contextmanager
def server(*args: str, env: dict[str, str] | None = None) -> Iterator[int]:
    """A server in its own process, once it says it is listening."""
    port = free_port()
    process = subprocess.Popen(
        command(args[0], port, *args[1:]),
        stdout=subprocess.PIPE,
        text=True,
        env=environment(env),
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def fetch(url: str, method: str = "GET", body: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        url,
        method=method,
        data=body.encode() if body else None,
        headers={"Authorization": AUTH, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


def wrk(url: str, seconds: int, connections: int, method: str = "GET", body: str | None = None) -> float:
    script = ""
    if method != "GET":
        script = f'wrk.method = "{method}"\nwrk.body = {json.dumps(body)}\n'
        script += 'wrk.headers["Content-Type"] = "application/json"\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + f'wrk.headers["Authorization"] = "{AUTH}"\n')
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", lua.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(lua.name).unlink()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def throughput(
    path: str, seconds: int, connections: int, rounds: int, method: str = "GET", body: str | None = None
) -> tuple[float, float, float, int]:
    """Requests/s of fakegraph and of the bare handler (medians), and the median of the per-round ratios:
    both servers stay up and take turns, so a slower or faster spell of this shared machine hits both."""
    with server("fakegraph", "default") as port:
        status, sample = fetch(f"http://127.0.0.1:{port}{path}", method, body)
        with tempfile.NamedTemporaryFile("wb", delete=False) as f:
            f.write(sample)
        with server("bare", f.name, str(status)) as bare_port:
            ours, bare = [], []
            for _ in range(rounds):
                ours.append(wrk(f"http://127.0.0.1:{port}{path}", seconds, connections, method, body))
                bare.append(wrk(f"http://127.0.0.1:{bare_port}{path}", seconds, connections, method, body))
        Path(f.name).unlink()
    ratio = statistics.median(o / b for o, b in zip(ours, bare, strict=True))
    return statistics.median(ours), statistics.median(bare), ratio, len(sample)


def spread(values: list[float]) -> str:
    """A median with its range, for figures measured over alternating rounds on a noisy machine."""
    return f"{statistics.median(values):.3g} [{min(values):.3g}..{max(values):.3g}]"


PROBE = "/beta/reports/credentialUserRegistrationDetails"  # a list every start-up bench waits for


def startup_and_rss(runs: int = 11, data: str | None = None, probe: str = PROBE) -> dict[str, list[float]]:
    """Per round, alternating: seconds from process start to the first 200 and idle RSS (KiB, after the first
    answer) of `fakegraph serve` (on `data`, or the shipped pack) and of the bare handler."""
    with tempfile.NamedTemporaryFile("wb", delete=False) as body:
        body.write(b"{}")
    ours_args = ["fakegraph", "default", *(["--data", data] if data else [])]
    _first_200(ours_args, probe=probe)
    _first_200(["bare", body.name, "200"], probe=probe)
    out: dict[str, list[float]] = {"ours_s": [], "bare_s": [], "ours_kib": [], "bare_kib": []}
    for _ in range(runs):
        seconds, kib = _first_200(ours_args, rss=True, probe=probe)
        out["ours_s"].append(seconds)
        out["ours_kib"].append(kib)
        seconds, kib = _first_200(["bare", body.name, "200"], rss=True, probe=probe)
        out["bare_s"].append(seconds)
        out["bare_kib"].append(kib)
    Path(body.name).unlink()
    return out


def report_startup(runs: int, data: str | None, probe: str = PROBE) -> None:
    found = startup_and_rss(runs, data, probe)
    time_ratio = [o / b for o, b in zip(found["ours_s"], found["bare_s"], strict=True)]
    rss_ratio = [o / b for o, b in zip(found["ours_kib"], found["bare_kib"], strict=True)]
    print(
        f"start-up to the first 200 of GET {probe} over {runs} alternating rounds, median [min..max] "
        f"({data or 'shipped pack'}):"
    )
    print(
        f"  fakegraph {spread([1000 * x for x in found['ours_s']])} ms, "
        f"bare {spread([1000 * x for x in found['bare_s']])} ms, ratio {spread(time_ratio)}"
    )
    print(
        f"  idle RSS: fakegraph {spread([x / 1024 for x in found['ours_kib']])} MiB, "
        f"bare {spread([x / 1024 for x in found['bare_kib']])} MiB, ratio {spread(rss_ratio)}"
    )


def startup(runs: int = 11) -> tuple[float, float, float]:
    """Median seconds from process start to the first 200, for fakegraph and for the bare handler, and the
    median ratio of the two; the servers take turns, so both meet the same spells of this machine. One
    untimed start of each first: every start but a fresh install's first finds its bytecode written."""
    with tempfile.NamedTemporaryFile("wb", delete=False) as body:
        body.write(b"{}")
    _first_200(["fakegraph", "default"])
    _first_200(["bare", body.name, "200"])
    ours, bare = [], []
    for _ in range(runs):
        ours.append(_first_200(["fakegraph", "default"]))
        bare.append(_first_200(["bare", body.name, "200"]))
    Path(body.name).unlink()
    ratio = statistics.median(o / b for o, b in zip(ours, bare, strict=True))
    return statistics.median(ours), statistics.median(bare), ratio


def _first_200(args: list[str], rss: bool = False, probe: str = PROBE) -> Any:
    """Seconds to the first 200; with `rss`, also the server's resident set (KiB) once idle after it."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        command(args[0], port, *args[1:]), stdout=subprocess.DEVNULL, env=environment()
    )
    url = f"http://127.0.0.1:{port}{probe}"
    while True:
        try:
            if fetch(url)[0] == 200:
                break
        except OSError:
            time.sleep(0.002)
    elapsed = time.perf_counter() - started
    kib = 0.0
    if rss:
        time.sleep(0.3)
        status = Path(f"/proc/{process.pid}/status").read_text()
        kib = float(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    process.terminate()
    process.wait(timeout=10)
    return (elapsed, kib) if rss else elapsed


def summary_over(events: int) -> tuple[float, float, float]:
    """(ms to load the events into a store that keeps the usage index, ms of the first
    getCredentialUsageSummary(D30) over them, median ms of later calls)."""
    import random

    from fakegraph import behaviours
    from fakegraph.behaviours.credential_reports import USAGE_DETAILS, usage_summary
    from fakegraph.model.clock import iso
    from fakegraph.model.settings import DEFAULT_CLOCK
    from fakegraph.model.store import Store

    rng = random.Random(1)
    methods = ["email", "mobileSMS", "appCode", "fido", "sms", "qrCode", "appNotification"]
    objects = [
        {
            "id": str(i),
            "feature": rng.choice(("registration", "reset")),
            "authMethod": rng.choice(methods),
            "isSuccess": rng.random() < 0.8,
            "eventDateTime": iso(DEFAULT_CLOCK - timedelta(seconds=rng.randrange(60 * 86400))),
        }
        for i in range(events)
    ]
    store = Store()
    behaviours.prepare(store)
    started = time.perf_counter()
    store.load({USAGE_DETAILS: objects})
    load = time.perf_counter() - started
    calls = []
    for minute in range(21):  # a new clock reading each time: no cached rows, the index is what answers
        started = time.perf_counter()
        usage_summary(store, DEFAULT_CLOCK - timedelta(minutes=minute), {"period": "D30"}, {})
        calls.append(time.perf_counter() - started)
    return load * 1000, calls[0] * 1000, statistics.median(calls[1:]) * 1000


METHODS = (  # usageAuthMethod's members before unknownFutureValue
    *("email", "mobileSMS", "mobileCall", "officePhone", "securityQuestion", "appNotification"),
    *("appCode", "alternateMobileCall", "fido", "appPassword"),
)


def query_over(events: int, rounds: int = 19) -> tuple[float, float, float]:
    """Over `events` stored objects, through the app's handler (no network): ms of the first
    `$filter=feature eq F and authMethod eq M&$orderby=eventDateTime desc&$top=10` (it builds the store's
    index for that order), median ms of that query with another (F, M) each time (no cached response or
    view can answer it), and median ms of the list path every query took before the index (what
    a query still costs when more distinct orders are asked than the store keeps indexes for)."""
    import asyncio
    import random
    from urllib.parse import quote

    from aiohttp.test_utils import make_mocked_request

    from fakegraph import odata
    from fakegraph.behaviours.credential_reports import USAGE_DETAILS
    from fakegraph.http.app import STATE, create_app, handle
    from fakegraph.model.clock import iso
    from fakegraph.model.settings import DEFAULT_CLOCK, Settings
    from fakegraph.odata.capabilities import filterable_of, properties_of

    app = create_app(Settings(dataset="empty"))
    state = app[STATE]
    rng = random.Random(3)
    items = [
        {
            "id": f"{i:08d}",
            "feature": rng.choice(("registration", "reset")),
            "authMethod": rng.choice(METHODS),
            "isSuccess": rng.random() < 0.8,
            "eventDateTime": iso(DEFAULT_CLOCK - timedelta(seconds=rng.randrange(60 * 86400))),
        }
        for i in range(events)
    ]
    state.store.load({USAGE_DETAILS: items})

    def query(n: int) -> list[tuple[str, str]]:
        feature, method = ("registration", "reset")[n % 2], METHODS[n // 2]
        return [
            ("$filter", f"feature eq '{feature}' and authMethod eq '{method}'"),
            ("$orderby", "eventDateTime desc"),
            ("$top", "10"),
        ]

    async def timed(n: int) -> float:
        text = "&".join(f"{k}={quote(v)}" for k, v in query(n))
        request = make_mocked_request(
            "GET",
            f"/beta/reports/userCredentialUsageDetails?{text}",
            headers={"Authorization": AUTH},
            app=app,
        )
        started = time.perf_counter()
        response = await handle(request)
        elapsed = time.perf_counter() - started
        if response.status != 200 or len(json.loads(response.body)["value"]) != 10:  # type: ignore[arg-type]
            raise RuntimeError(f"the benchmark query failed: {response.status} {response.body!r}")
        return elapsed * 1000

    first = asyncio.run(timed(0))
    walked = statistics.median(asyncio.run(timed(n)) for n in range(1, rounds + 1))
    schemas = state.catalogue.schemas["beta"]
    entry = state.catalogue.operations["beta"]["list_userCredentialUsageDetails"]
    schema = schemas["urn:fakegraph:schemas:beta:" + USAGE_DETAILS]
    ctx = odata.QueryContext(USAGE_DETAILS, properties_of(schema, schemas), filterable_of(entry))
    listed = []
    for n in range(1, 8):
        options = odata.parse_query(query(n), version="beta", supported=None)
        started = time.perf_counter()
        odata.apply(items, options, ctx, 100)
        listed.append(time.perf_counter() - started)
    return first, walked, statistics.median(listed) * 1000


def batch_versus_requests(rounds: int = 30) -> tuple[float, float]:
    """Median ms of 20 GETs sent one by one (keep-alive) and of the same 20 in one $batch."""
    import asyncio

    import aiohttp

    async def measure(port: int) -> tuple[float, float]:
        base = f"http://127.0.0.1:{port}/beta"
        paths = [
            "/reports/credentialUserRegistrationDetails?$top=5",
            "/reports/getCredentialUserRegistrationCount",
            "/reports/getCredentialUsageSummary(period='D7')",
            "/reports/userCredentialUsageDetails?$top=3",
        ] * 5
        body = {"requests": [{"id": str(i), "method": "GET", "url": p} for i, p in enumerate(paths)]}
        headers = {"Authorization": AUTH}
        separate, batched = [], []
        async with aiohttp.ClientSession(headers=headers) as session:
            for _ in range(rounds):
                started = time.perf_counter()
                for path in paths:
                    async with session.get(base + path) as response:
                        await response.read()
                separate.append(time.perf_counter() - started)
                started = time.perf_counter()
                async with session.post(base + "/$batch", json=body) as response:
                    await response.read()
                batched.append(time.perf_counter() - started)
        return statistics.median(separate) * 1000, statistics.median(batched) * 1000

    with server("fakegraph", "default") as port:
        return asyncio.run(measure(port))


def journal_cost(path: str, seconds: int, connections: int) -> tuple[float, float]:
    """Requests/s of one GET with the journal on (1000 entries) and off."""
    with server("fakegraph", "default", env={"FAKEGRAPH_JOURNAL_SIZE": "1000"}) as port:
        on = wrk(f"http://127.0.0.1:{port}{path}", seconds, connections)
    with server("fakegraph", "default", env={"FAKEGRAPH_JOURNAL_SIZE": "0"}) as port:
        off = wrk(f"http://127.0.0.1:{port}{path}", seconds, connections)
    return on, off


def journal_in_process(rounds: int = 5, calls: int = 20000) -> tuple[float, float]:
    """Median µs of one cached GET through the app's handler with the journal on and off (no network:
    steadier than throughput on a noisy machine)."""
    import asyncio

    from aiohttp.test_utils import make_mocked_request

    from fakegraph.http.app import STATE, create_app, handle
    from fakegraph.model.settings import Settings

    def measure(size: int) -> float:
        app = create_app(Settings(journal_size=size))
        first = app[STATE].store.view("microsoft.graph.userCredentialUsageDetails")[0]["id"]
        request = make_mocked_request(
            "GET",
            f"/beta/reports/userCredentialUsageDetails/{first}",
            headers={"Authorization": AUTH},
            app=app,
        )

        async def run() -> float:
            started = time.perf_counter()
            for _ in range(calls):
                await handle(request)
            return (time.perf_counter() - started) / calls * 1e6

        return statistics.median(asyncio.run(run()) for _ in range(rounds))

    return measure(1000), measure(0)


def fixture_costs() -> tuple[float, float]:
    """(median ms to start a FakeGraph in-process, median µs of the per-test reset + handle)."""
    from fakegraph.pytest_plugin import Handle
    from fakegraph.server import FakeGraph

    starts = []
    for _ in range(5):
        started = time.perf_counter()
        graph = FakeGraph().start()
        starts.append(time.perf_counter() - started)
        graph.stop()
    with FakeGraph() as graph:
        resets = []
        for _ in range(1000):
            started = time.perf_counter()
            graph.reset()
            Handle(graph)
            resets.append(time.perf_counter() - started)
    return statistics.median(starts) * 1000, statistics.median(resets) * 1e6


def reset_time() -> float:
    from fakegraph.http.state import build_state
    from fakegraph.model.settings import Settings

    state = build_state(Settings())
    times = []
    for _ in range(200):
        started = time.perf_counter()
        state.reset()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=2, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="alternating runs per server and case")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--startup", action="store_true", help="only start-up time, idle RSS and reset")
    parser.add_argument("--data", default=None, help="with --startup: the pack `fakegraph serve` serves")
    parser.add_argument("--probe", default=PROBE, help="with --startup: the GET whose first 200 is timed")
    args = parser.parse_args()
    if args.startup:
        report_startup(args.rounds, args.data, args.probe)
        print(f"reset at the default dataset: {reset_time() * 1e6:.1f} µs (median of 200)")
        return 0
    if not shutil.which("wrk"):
        print("wrk is needed (apt-get install wrk)", file=sys.stderr)
        return 2
    with server("fakegraph", "default") as port:
        event = json.loads(fetch(f"http://127.0.0.1:{port}/beta/reports/userCredentialUsageDetails")[1])[
            "value"
        ][0]
    cases = [
        (
            "GET list page (10 objects)",
            "/beta/reports/credentialUserRegistrationDetails?$top=10",
            "GET",
            None,
        ),
        ("GET by id", f"/beta/reports/userCredentialUsageDetails/{event['id']}", "GET", None),
        ("POST create (validated)", "/beta/reports/userCredentialUsageDetails", "POST", CREATE_BODY),
        (
            "GET getCredentialUsageSummary(D30)",
            "/beta/reports/getCredentialUsageSummary(period='D30')",
            "GET",
            None,
        ),
    ]
    print(
        f"throughput ({args.rounds} alternating rounds of {args.seconds}s, {args.connections} connections, "
        "wrk -t1; medians)"
    )
    for label, path, method, body in cases:
        ours, bare, ratio, size = throughput(path, args.seconds, args.connections, args.rounds, method, body)
        print(f"  {label:38s} fakegraph {ours:8.0f}/s  bare {bare:8.0f}/s  ratio {ratio:.2f}  ({size} B)")
    ours_start, bare_start, ratio = startup()
    print(
        f"start-up to first 200: fakegraph {ours_start * 1000:.0f} ms, bare {bare_start * 1000:.0f} ms, "
        f"ratio {ratio:.2f}"
    )
    for events in (100_000, 1_000_000):
        load_ms, first_ms, call_ms = summary_over(events)
        print(
            f"getCredentialUsageSummary over {events:>9,} events: {call_ms:.2f} ms per call "
            f"(first call {first_ms:.2f} ms; loading them, which builds the index: {load_ms:.0f} ms)"
        )
    print(f"reset at the default dataset: {reset_time() * 1e6:.1f} µs (median of 200)")
    first, walked, listed = query_over(100_000)
    print(
        f"$filter+$orderby+$top=10 over 100,000 objects, in-process: {walked:.2f} ms median for a new query "
        f"(the first in its order, which builds the order's index: {first:.0f} ms; "
        f"without an index: {listed:.0f} ms)"
    )
    on, off = journal_cost(
        f"/beta/reports/userCredentialUsageDetails/{event['id']}", args.seconds, args.connections
    )
    print(f"journal: GET by id {on:.0f}/s with it, {off:.0f}/s without (costs {100 * (1 - on / off):.1f}%)")
    with_journal, without = journal_in_process()
    served = 1e6 / off
    print(
        f"journal in-process: {with_journal:.1f} µs vs {without:.1f} µs per handled request, "
        f"+{with_journal - without:.1f} µs = "
        f"{100 * (with_journal - without) / served:.1f}% of a served request"
    )
    start_ms, reset_us = fixture_costs()
    print(
        f"pytest fixture: server start {start_ms:.0f} ms (in a running session), "
        f"reset + handle {reset_us:.0f} µs"
    )
    separate, batched = batch_versus_requests()
    print(
        f"20 GETs: {separate:.1f} ms one by one, {batched:.1f} ms in one $batch ({separate / batched:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
