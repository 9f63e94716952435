"""Dockerfile and compose example: linted, and their commands run here (no Docker engine on the machines)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
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


def _image_env() -> dict[str, str]:
    """The ENV the image sets (`ENV A=1 B=2` lines)."""
    env: dict[str, str] = {}
    for kind, rest in _instructions():
        if kind == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(rest))  # type: ignore[misc]
    return env


def test_dockerfile_lint():
    """Slim base, the artifacts, a non-root user, the port, a health check and a 0.0.0.0 entry point."""
    assert _one("FROM").startswith("python:3.11-slim")
    copied = " ".join(rest for kind, rest in _instructions() if kind == "COPY")
    for part in ("pyproject.toml", "fakegraph", "schemas", "fixtures"):
        assert part in copied
    assert _one("USER") not in {"root", "0"}
    assert _one("EXPOSE") == "8000"
    assert json.loads(_one("HEALTHCHECK").split("CMD", 1)[1].strip()) == [
        "python",
        "-m",
        "fakegraph.healthcheck",
    ]
    # Host and port come from the environment, so `docker run -e FAKEGRAPH_PORT=...` is obeyed: an argument
    # in the entry point would win over the variable.
    assert json.loads(_one("ENTRYPOINT")) == ["fakegraph", "serve"]
    env = _image_env()
    assert env["FAKEGRAPH_HOST"] == "0.0.0.0"
    assert env["FAKEGRAPH_PORT"] == "8000"
    assert env["FAKEGRAPH_LOG_LEVEL"] == "INFO"  # the access log is on in the image
    kinds = [kind for kind, _ in _instructions()]
    assert kinds.index("USER") > kinds.index("RUN")  # installs as root, runs as the user


def test_dockerignore_keeps_the_build_context_small():
    """A developer's .venv, caches and git history are not sent to the builder; what the image copies is."""
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for heavy in (".venv", ".git", "**/__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"):
        assert heavy in ignored
    copied = {p for kind, rest in _instructions() if kind == "COPY" for p in rest.split()[:-1]}
    assert not copied & ignored
    assert not any(line.startswith("!") for line in ignored)


def _container_env(**extra: str) -> dict[str, str]:
    """This process's environment as the container would see it: the image's ENV, then `docker run -e`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAKEGRAPH_")}
    return {**env, **_image_env(), **extra}


def _health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    health = json.loads(_one("HEALTHCHECK").split("CMD", 1)[1].strip())
    return subprocess.run(
        [sys.executable, *health[1:]], capture_output=True, text=True, timeout=30, check=False, env=env
    )


@pytest.mark.parametrize(
    ("tls", "scheme"), [("false", "http"), ("0", "http"), ("", "http"), ("true", "https"), ("yes", "https")]
)
def test_entrypoint_and_healthcheck_commands_work(tmp_path, tls, scheme):
    """The image's entry point serves on FAKEGRAPH_PORT (not a port fixed in its arguments), and its health
    check passes against it with the scheme FAKEGRAPH_TLS's truth value says: `false` is plain http."""
    env = _container_env(FAKEGRAPH_PORT=str(_free_port()), FAKEGRAPH_TLS=tls, FAKEGRAPH_TLS_DIR=str(tmp_path))
    entry = json.loads(_one("ENTRYPOINT"))
    command = [sys.executable, "-m", "fakegraph", *entry[1:]]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            if scheme == "https":
                assert "CA certificate" in line
                line = server.stdout.readline()
            assert f"serving {scheme}://127.0.0.1:{env['FAKEGRAPH_PORT']}/beta" in line
            result = _health(env)
            assert result.returncode == 0, result.stderr
        finally:
            server.terminate()
            server.wait(timeout=10)
    result = _health(env)  # and it reports the server gone
    assert result.returncode == 1
    assert f"{scheme}://localhost:{env['FAKEGRAPH_PORT']}/_fakegraph/health" in result.stderr


def test_unknown_tls_word_is_a_startup_error_not_silently_off():
    """FAKEGRAPH_TLS=maybe stops the server (and the health check) with the accepted words named."""
    env = _container_env(FAKEGRAPH_PORT=str(_free_port()), FAKEGRAPH_TLS="maybe")
    served = subprocess.run(
        [sys.executable, "-m", "fakegraph", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert served.returncode == 2
    assert "tls must be one of 1, true, yes, on, 0, false, no, off" in served.stderr
    assert "'maybe'" in served.stderr
    checked = _health(env)
    assert checked.returncode == 2
    assert "'maybe'" in checked.stderr


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
    assert "8000:8000" in sidecar["ports"]  # reachable from the host too
    assert sidecar["healthcheck"]["test"] == ["CMD", "python", "-m", "fakegraph.healthcheck"]


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
            check = compose["fakegraph"]["healthcheck"]["test"]
            health = subprocess.run(
                [sys.executable, *check[2:]], env=env, capture_output=True, text=True, timeout=30, check=False
            )
            assert health.returncode == 0, health.stderr
        finally:
            server.terminate()
            server.wait(timeout=10)
