"""Schemathesis against the exported OpenAPI document (issue 15): seeded, about a minute, over the
credential reports (beta) and the v1.0 users, groups and applications collections. Its checks: no 5xx,
statuses, content types and bodies as the document says, and no request the document calls valid refused
(positive_data_acceptance). (It found that a create kept navigation properties given inline, `"owners":
[...]`, in the object it answered with: they are no part of an entity's representation, and are dropped.)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakegraph.cli import main
from fakegraph.server import FakeGraph

CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,positive_data_acceptance"
)
RUNS = [
    ("beta", "redential", 40),
    ("v1.0", r"^/(users|groups|applications)(/\{[^}/]+\})?(/\$count)?$", 40),
]


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as running:
        yield running


@pytest.mark.parametrize(("version", "paths", "seconds"), RUNS)
def test_schemathesis_finds_nothing(graph, tmp_path, capsys, version, paths, seconds):
    document = tmp_path / f"openapi-{version}.json"
    assert main(["openapi", "--version", version, "--server", graph.url, "--out", str(document)]) == 0
    capsys.readouterr()
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(document),
        "--url",
        f"{graph.url}/{version}",
        "-H",
        "Authorization: Bearer schemathesis",
        "--include-path-regex",
        paths,
        "--checks",
        CHECKS,
        "--mode",
        "positive",
        "--seed",
        "15",
        "--max-examples",
        "25",
        "--max-time",
        str(seconds),
        "--generation-database",
        "none",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
    ]
    finished = subprocess.run(  # in tmp_path: its cache folder stays out of the checkout
        command, capture_output=True, text=True, timeout=seconds + 120, check=False, cwd=tmp_path
    )
    output = finished.stdout + finished.stderr
    summary = output[output.rfind("SUMMARY") :]
    assert finished.returncode == 0, summary[-3000:] or output[-3000:]
    assert "generated" in summary
    assert "failures" not in summary.lower().split("test cases:")[-1]
