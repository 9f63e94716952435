"""`python -m fakegraph.healthcheck`: exit 0 if the fake this environment describes answers its health check.

The Docker image's HEALTHCHECK runs it. It reads the same `FAKEGRAPH_*` variables as `fakegraph serve`,
through the same parser, so the scheme follows FAKEGRAPH_TLS's truth value (not whether it is set) and the
port follows FAKEGRAPH_PORT. Exit status: 0 healthy, 1 not answering (or not "ok"), 2 an invalid environment.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.request
from collections.abc import Mapping, Sequence

from fakegraph.model.settings import SERVE_PORT, Settings

TIMEOUT = 2.0


def health_url(environ: Mapping[str, str]) -> str:
    """The health URL of the server `fakegraph serve` starts in this environment (a ValueError if invalid)."""
    settings = Settings.from_env(environ)
    scheme = "https" if settings.tls else "http"
    port = SERVE_PORT if settings.port is None else settings.port
    return f"{scheme}://localhost:{port}/_fakegraph/health"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    del argv  # no options: everything comes from the environment, as for the server
    try:
        url = health_url(os.environ if environ is None else environ)
    except ValueError as exc:
        print(f"fakegraph healthcheck: {exc}", file=sys.stderr)
        return 2
    # The CA is a throwaway one made at start-up; the check is about answering, not about trust.
    context = ssl._create_unverified_context() if url.startswith("https") else None
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT, context=context) as answer:
            body = json.loads(answer.read())
    except (OSError, ValueError) as exc:
        print(f"fakegraph healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    if not isinstance(body, dict) or body.get("status") != "ok":
        print(f"fakegraph healthcheck: {url} answered {body!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
