"""The access log: one line per request on the `fakegraph.access` logger at INFO.

    GET /beta/reports/userCredentialUsageDetails?$top=2 200 1.4ms request-id=5f0c...

`fakegraph serve --log-level INFO` (and the Docker image: FAKEGRAPH_LOG_LEVEL=INFO) prints it; the plugin
keeps it quiet unless `--fakegraph-access-log` is given. Control-plane requests carry no request id (`-`).
A dropped connection (an injected fault) is logged with status `dropped`.
"""

from __future__ import annotations

import logging
import time

ACCESS = logging.getLogger("fakegraph.access")


def enabled() -> bool:
    """Whether a line would be written (checked before timing, so a quiet log costs one call)."""
    return ACCESS.isEnabledFor(logging.INFO)


def started() -> float:
    return time.perf_counter()


def log(method: str, path: str, status: int, since: float, request_id: str | None) -> None:
    milliseconds = (time.perf_counter() - since) * 1000
    shown = "dropped" if status == 0 else str(status)
    ACCESS.info("%s %s %s %.1fms request-id=%s", method, path, shown, milliseconds, request_id or "-")
