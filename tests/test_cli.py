"""`fakegraph serve` and `fakegraph dataset` as a user runs them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

from fakegraph.cli import main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_a_server_with_data():
    """`fakegraph serve` answers with the default dataset, then stops on SIGTERM."""
    port = _free_port()
    command = [sys.executable, "-m", "fakegraph", "serve", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == f"fakegraph serving http://127.0.0.1:{port}/beta"
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/beta/reports/credentialUserRegistrationDetails",
                headers={"Authorization": "Bearer t"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert len(json.load(response)["value"]) == 40
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_busy_port_exits_non_zero_with_one_line(capsys):
    """A port that is taken is a clear error, not a traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        assert main(["serve", "--port", str(port), "--dataset", "empty"]) == 1
        assert time.monotonic() - started < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err[0]


def test_bad_dataset_exits_2(capsys):
    """An unknown dataset name exits 2 with one line."""
    assert main(["serve", "--dataset", "nope"]) == 2
    assert "dataset must be" in capsys.readouterr().err


def test_dataset_command_writes_the_default_dataset(tmp_path, capsys):
    """`fakegraph dataset --seed N` writes a JSON dataset that `serve --dataset FILE` can load."""
    out = tmp_path / "d.json"
    assert main(["dataset", "--seed", "2", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data) == {
        "microsoft.graph.credentialUserRegistrationDetails",
        "microsoft.graph.userCredentialUsageDetails",
        "microsoft.graph.managedTenants.credentialUserRegistrationsSummary",
    }
    assert "wrote" in capsys.readouterr().out


def test_settings_read_fakegraph_environment_variables():
    """Every serve flag also reads FAKEGRAPH_*; explicit values win; bad values name the setting."""
    import pytest

    from fakegraph.settings import Settings

    env = {
        "FAKEGRAPH_PORT": "9001",
        "FAKEGRAPH_PAGE_SIZE": "7",
        "FAKEGRAPH_CLOCK": "2025-05-05T00:00:00Z",
        "FAKEGRAPH_DATASET": "empty",
    }
    settings = Settings.from_env(env, port=9002)
    assert (settings.port, settings.page_size, settings.dataset) == (9002, 7, "empty")
    assert settings.clock.isoformat() == "2025-05-05T00:00:00+00:00"
    with pytest.raises(ValueError, match="page_size must be an integer"):
        Settings.from_env({"FAKEGRAPH_PAGE_SIZE": "lots"})


def test_bad_flag_value_exits_2_with_one_line(capsys):
    """A flag with a value of the wrong kind is one clear line and exit 2."""
    assert main(["serve", "--port", "eighty"]) == 2
    assert capsys.readouterr().err.strip() == "fakegraph: port must be an integer, not 'eighty'"
