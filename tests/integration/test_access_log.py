"""The access log: one INFO line per request on `fakegraph.access` (method, path, status, ms, request-id)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import urllib.request

import pytest

from tests.integration.conftest import AUTH
from tests.test_cli import _free_port

LINE = re.compile(r"^(\S+) (\S+) (\d{3}|dropped) (\d+\.\d)ms request-id=(\S+)$")


def _lines(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    found = []
    for record in caplog.records:
        if record.name == "fakegraph.access":
            assert record.levelno == logging.INFO
            match = LINE.match(record.getMessage())
            assert match, record.getMessage()
            found.append(match)
    return found


@pytest.mark.parametrize("application", [False, True])
async def test_one_line_per_request_with_status_time_and_request_id(make_client, caplog, application):
    client = await make_client(application=application)
    caplog.set_level(logging.INFO, logger="fakegraph.access")
    ok = await client.get("/beta/reports/userCredentialUsageDetails?$top=2", headers=AUTH)
    missing = await client.get("/v1.0/users/nobody", headers=AUTH)
    health = await client.get("/_fakegraph/health")
    assert (ok.status, missing.status, health.status) == (200, 404, 200)
    lines = _lines(caplog)
    assert [m.group(1, 2, 3) for m in lines] == [
        ("GET", "/beta/reports/userCredentialUsageDetails?$top=2", "200"),
        ("GET", "/v1.0/users/nobody", "404"),
        ("GET", "/_fakegraph/health", "200"),
    ]
    assert lines[0].group(5) == ok.headers["request-id"]
    assert lines[1].group(5) == missing.headers["request-id"]
    assert lines[2].group(5) == "-"  # the control plane issues no request ids
    assert all(float(m.group(4)) >= 0 for m in lines)


async def test_quiet_at_warning(client, caplog):
    """The default level writes nothing (and the pytest plugin keeps the logger at WARNING)."""
    caplog.set_level(logging.INFO)  # the root logger only: the plugin's WARNING on fakegraph.access holds
    response = await client.get("/beta/reports/userCredentialUsageDetails", headers=AUTH)
    assert response.status == 200
    assert _lines(caplog) == []


def test_serve_log_level_info_prints_the_access_log():
    """`fakegraph serve --log-level INFO` (the Docker image's level) writes the lines to stderr."""
    port = _free_port()
    command = [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), "--log-level", "INFO"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert process.stderr is not None
            assert "serving" in process.stdout.readline()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/beta/reports/credentialUserRegistrationDetails?$top=1",
                headers={"Authorization": "Bearer t"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                request_id = response.headers["request-id"]
            for _ in range(20):
                line = process.stderr.readline()
                if "fakegraph.access" in line:
                    break
            message = line.rstrip("\n").split("fakegraph.access: ", 1)[1]
            match = LINE.match(message)
            assert match, line
            assert match.group(1, 2, 3, 5) == (
                "GET",
                "/beta/reports/credentialUserRegistrationDetails?$top=1",
                "200",
                request_id,
            )
            assert " INFO " in line
        finally:
            process.terminate()
            process.wait(timeout=10)
