"""`fakegraph serve` and `fakegraph dataset` as a user runs them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

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


def test_clock_out_of_range_exits_2(capsys):
    """A clock the reports could not be computed at is refused with one line naming it."""
    assert main(["serve", "--clock", "0001-01-01T00:00:00Z"]) == 2
    assert "clock must stay between" in capsys.readouterr().err


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
    from fakegraph.http.state import build_state
    from fakegraph.model.settings import Settings

    loaded = build_state(Settings(dataset=str(out))).store.dump()  # checked like created objects
    assert {k: len(v) for k, v in loaded.items()} == {k: len(v) for k, v in data.items()}


def test_settings_read_fakegraph_environment_variables():
    """Every serve flag also reads FAKEGRAPH_*; explicit values win; bad values name the setting."""
    import pytest

    from fakegraph.model.settings import Settings

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


def test_routes_lists_what_is_served(capsys):
    """`fakegraph routes` prints one line per method and path, with the operation kind and type."""
    assert main(["routes", "--version", "beta"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "beta  GET    /beta/reports/getCredentialUserRegistrationCount  function "
        "microsoft.graph.credentialUserRegistrationCount" in lines
    )
    assert any(
        line.startswith("beta  POST   /beta/reports/credentialUsageSummaries  create") for line in lines
    )
    assert all(line.startswith("beta") for line in lines)


def test_openapi_document_is_valid_and_complete(tmp_path):
    """`fakegraph openapi` writes OpenAPI 3.1: every served path, every $ref resolvable, valid schemas."""
    from jsonschema import Draft202012Validator

    out = tmp_path / "openapi.json"
    assert main(["openapi", "--out", str(out), "--server", "https://graph.test"]) == 0
    spec = json.loads(out.read_text())
    assert spec["openapi"] == "3.1.0"
    assert spec["servers"] == [{"url": "https://graph.test/beta"}]
    paths = spec["paths"]
    assert "post" in paths["/reports/userCredentialUsageDetails"]
    assert (
        paths["/reports/getCredentialUsageSummary(period='{period}')"]["get"]["parameters"][0]["name"]
        == "period"
    )
    listed = paths["/reports/userCredentialUsageDetails"]["get"]["parameters"]
    names = [spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"] for p in listed]
    assert "$top" in names
    assert "$skip" not in names
    schemas = spec["components"]["schemas"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    text = json.dumps(spec)
    for ref in set(__import__("re").findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in schemas, ref
    assert "urn:fakegraph" not in text


def test_unknown_flag_is_one_line(capsys):
    """argparse errors are one line on standard error, with exit status 2."""
    import pytest

    with pytest.raises(SystemExit) as exited:
        main(["serve", "--colour", "blue"])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "unrecognized arguments: --colour blue" in err[0]


def test_bad_log_level_is_refused(capsys):
    """--log-level takes Python's level names."""
    assert main(["serve", "--log-level", "chatty"]) == 2
    assert "log_level must be" in capsys.readouterr().err


def test_public_api():
    """`fakegraph` exports exactly its public names (sorted), FakeGraph first among them."""
    import fakegraph

    assert fakegraph.__all__ == sorted(fakegraph.__all__)
    assert all(getattr(fakegraph, name).__name__ == name for name in fakegraph.__all__)
    assert fakegraph.FakeGraph.__module__ == "fakegraph.server"
    with pytest.raises(AttributeError):
        _ = fakegraph.Nothing  # type: ignore[attr-defined]


def test_compiler_and_pytest_plugin_load_without_the_server():
    """`import fakegraph`, `fakegraph compile` and the pytest plugin (loaded by every pytest session where
    fakegraph is installed) do not import aiohttp; the server loads when first used."""
    modules = "fakegraph, fakegraph.cli, fakegraph.compiler, fakegraph.pytest_plugin"
    code = f"import sys, {modules}; print('aiohttp' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_version_flag_names_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"fakegraph {version('fakegraph')}"


def test_bare_fakegraph_lists_the_commands(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    for command in ("compile", "serve", "routes", "openapi", "dataset", "replay"):
        assert command in err


def test_a_reader_that_leaves_early_ends_the_output_quietly():
    """`fakegraph openapi | head`: no BrokenPipeError traceback, exit 0."""
    command = [sys.executable, "-m", "fakegraph", "openapi"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        assert process.stdout.read(10)
        process.stdout.close()
        assert process.wait(timeout=60) == 0
        assert process.stderr is not None
        assert process.stderr.read() == b""


def test_a_port_out_of_range_is_one_line_and_exit_2(capsys):
    assert main(["serve", "--port", "70000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["fakegraph: port must be between 0 and 65535, not 70000"]


def test_dataset_to_standard_output(tmp_path, capsys, monkeypatch):
    """`--out -` writes the dataset to standard output, not to a file named `-`."""
    monkeypatch.chdir(tmp_path)
    assert main(["dataset", "--out", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["microsoft.graph.userCredentialUsageDetails"]) > 0
    assert not (tmp_path / "-").exists()


def test_serving_on_all_interfaces_prints_a_url_a_client_can_use():
    port = _free_port()
    command = [sys.executable, "-m", "fakegraph", "serve", "--host", "0.0.0.0", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert (
                line
                == f"fakegraph serving http://127.0.0.1:{port}/beta (listening on all interfaces, 0.0.0.0)"
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_a_bad_app_spec_or_signing_key_is_one_line_and_exit_2(capsys, tmp_path):
    assert main(["serve", "--port", "0", "--app", "no-secret-part"]) == 2
    assert capsys.readouterr().err.strip() == (
        "fakegraph: apps: --app 'no-secret-part': expected CLIENT_ID:SECRET[:ROLE,ROLE[:SCOPE,SCOPE]]"
    )
    key = tmp_path / "key.pem"
    key.write_text("not a key")
    assert (
        main(["serve", "--port", "0", "--app", "a:s", "--enforce-permissions", "--signing-key", str(key)])
        == 2
    )
    assert "signing key" in capsys.readouterr().err


def test_a_dataset_file_registers_its_apps(tmp_path):
    """A dataset file's `@fakegraph.apps` section registers apps as --app does; a bad one stops the start."""
    from fakegraph.artifacts.errors import ConfigError
    from fakegraph.server import FakeGraph

    dataset = tmp_path / "tenant.json"
    apps = [{"clientId": "from-file", "secret": "s", "roles": ["Reports.Read.All"]}]
    dataset.write_text(json.dumps({"@fakegraph.apps": apps}))
    with FakeGraph(dataset=str(dataset), apps=("flag-app:t",)) as graph:
        registered = {app.client_id for app in graph.state.identity.apps()}
        assert registered == {"from-file", "flag-app"}
        assert graph.state.store.dump() == {} or all(not v for v in graph.state.store.dump().values())
    dataset.write_text(json.dumps({"@fakegraph.apps": [{"clientId": "x", "roles": "not a list"}]}))
    with pytest.raises(ConfigError, match="apps: roles must be a list"):
        FakeGraph(dataset=str(dataset)).start()
