"""Dockerfile and compose example: linted, and their commands run here (no Docker engine on the machines)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import yaml

from fakegraph.model.settings import Settings
from tests.conftest import REPO
from tests.test_cli import _free_port


def _instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _one(keyword: str) -> str:
    found = [rest for kind, rest in _instructions() if kind == keyword]
    assert len(found) == 1, keyword
    return found[0]


def test_dockerfile_lint():
    """Slim base, the artifacts, a non-root user, the port, a health check and a 0.0.0.0 entry point."""
    assert _one("FROM").startswith("python:3.11-slim")
    copied = " ".join(rest for kind, rest in _instructions() if kind == "COPY")
    for part in ("pyproject.toml", "fakegraph", "schemas", "fixtures"):
        assert part in copied
    assert _one("USER") not in {"root", "0"}
    assert _one("EXPOSE") == "8000"
    assert "/_fakegraph/health" in _one("HEALTHCHECK")
    entry = json.loads(_one("ENTRYPOINT"))
    assert entry[:2] == ["fakegraph", "serve"]
    assert entry[entry.index("--host") + 1] == "0.0.0.0"
    kinds = [kind for kind, _ in _instructions()]
    assert kinds.index("USER") > kinds.index("RUN")  # installs as root, runs as the user


def test_entrypoint_and_healthcheck_commands_work(tmp_path):
    """The image's entry point serves, and its health check command passes against it."""
    port = str(_free_port())
    entry = json.loads(_one("ENTRYPOINT"))
    command = [sys.executable, "-m", "fakegraph", *entry[1:], "--port", port]
    health = json.loads(_one("HEALTHCHECK").split("CMD", 1)[1].strip())
    check = [sys.executable, *health[1:]]
    check[-1] = check[-1].replace("8000", port)
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            assert "serving" in server.stdout.readline()
            result = subprocess.run(check, capture_output=True, text=True, timeout=30, check=False)
            assert result.returncode == 0, result.stderr
        finally:
            server.terminate()
            server.wait(timeout=10)


def _compose() -> dict[str, object]:
    return yaml.safe_load((REPO / "docker-compose.example.yml").read_text())


def test_compose_lint():
    """The sidecar serves TLS with its service name in the certificate; the app trusts the shared CA."""
    services = _compose()["services"]
    sidecar, app = services["fakegraph"], services["app"]
    env = sidecar["environment"]
    settings_fields = {f"FAKEGRAPH_{f.name.upper()}" for f in fields(Settings)}
    assert set(env) <= settings_fields
    assert env["FAKEGRAPH_TLS"] == "true"
    assert "fakegraph" in env["FAKEGRAPH_TLS_NAMES"].split(",")
    assert app["depends_on"]["fakegraph"]["condition"] == "service_healthy"
    assert app["environment"]["GRAPH_BASE_URL"].startswith("https://fakegraph:8000/")
    assert app["environment"]["SSL_CERT_FILE"] == f"{env['FAKEGRAPH_TLS_DIR']}/fakegraph-ca.pem"
    assert any(v.startswith("fakegraph-certs:") for v in sidecar["volumes"])


def test_compose_scenario_runs_here(tmp_path):
    """The sidecar settings and the app command, run here: the app reads the report over TLS."""
    compose = _compose()["services"]
    port = _free_port()
    env = {
        **os.environ,
        **compose["fakegraph"]["environment"],
        "FAKEGRAPH_TLS_DIR": str(tmp_path),
        "FAKEGRAPH_PORT": str(port),
    }
    with subprocess.Popen(
        [sys.executable, "-m", "fakegraph", "serve"], stdout=subprocess.PIPE, text=True, env=env
    ) as server:
        try:
            assert server.stdout is not None
            ca = server.stdout.readline().split(": ", 1)[1].strip()
            assert Path(ca) == tmp_path / "fakegraph-ca.pem"
            server.stdout.readline()
            app_env = {
                **os.environ,
                **compose["app"]["environment"],
                "SSL_CERT_FILE": ca,
                "GRAPH_BASE_URL": f"https://localhost:{port}/beta",
            }
            command = shlex.split(compose["app"]["command"])
            result = subprocess.run(
                [sys.executable, *command[1:]],
                env=app_env,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            assert result.stdout.strip() == "40"
        finally:
            server.terminate()
            server.wait(timeout=10)
