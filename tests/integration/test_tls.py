"""--tls: HTTPS with a throwaway CA that clients trust explicitly (Kiota SDKs refuse plain http elsewhere)."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from fakegraph.server import FakeGraph
from tests.test_cli import _free_port

AUTH = {"Authorization": "Bearer t"}


def _get(url: str, context: ssl.SSLContext) -> dict[str, object]:
    with urllib.request.urlopen(
        urllib.request.Request(url, headers=AUTH), timeout=10, context=context
    ) as response:
        return json.load(response)


def test_https_trusting_only_the_fakegraph_ca(tmp_path):
    """A client that trusts only the written CA gets answers; one that does not, refuses the certificate."""
    with FakeGraph(tls=True, tls_dir=str(tmp_path), tls_names=("fakegraph",), dataset="empty") as graph:
        assert graph.url.startswith("https://127.0.0.1:")
        assert graph.tls_files is not None
        assert graph.tls_files.ca == tmp_path / "fakegraph-ca.pem"
        trusting = ssl.create_default_context(cafile=str(graph.tls_files.ca))
        assert _get(graph.beta_url + "/reports/userCredentialUsageDetails", trusting)["value"] == []
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            _get(graph.beta_url + "/reports/userCredentialUsageDetails", ssl.create_default_context())


def test_certificate_names_include_localhost_and_extra_names(tmp_path):
    """The certificate is valid for localhost and for the extra names given."""
    from cryptography import x509

    with FakeGraph(tls=True, tls_dir=str(tmp_path), tls_names=("graph.sidecar",), dataset="empty") as graph:
        assert graph.tls_files is not None
        chain = graph.tls_files.certificate.read_bytes()
        certificate = x509.load_pem_x509_certificates(chain)[0]
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = set(names.get_values_for_type(x509.DNSName))
        assert {"localhost", "graph.sidecar"} <= dns


def test_serve_tls_prints_where_the_ca_is(tmp_path):
    """`fakegraph serve --tls` prints the CA's path before it serves."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "fakegraph",
        "serve",
        "--port",
        str(port),
        "--tls",
        "--tls-dir",
        str(tmp_path),
        "--dataset",
        "empty",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            assert (
                process.stdout.readline().strip()
                == f"fakegraph CA certificate: {tmp_path / 'fakegraph-ca.pem'}"
            )
            assert process.stdout.readline().strip() == f"fakegraph serving https://127.0.0.1:{port}/beta"
            context = ssl.create_default_context(cafile=str(tmp_path / "fakegraph-ca.pem"))
            assert (
                _get(f"https://localhost:{port}/beta/reports/userCredentialUsageDetails", context)["value"]
                == []
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


def _mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_the_private_key_is_private_and_not_in_the_shared_directory(tmp_path):
    """The key was written 0644 into --tls-dir (the directory the compose example shares): now only the CA
    is there, and the key and its chain are 0600 in a 0700 directory of fakegraph's own, gone at stop."""
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    with FakeGraph(tls=True, tls_dir=str(shared), dataset="empty") as graph:
        files = graph.tls_files
        assert files is not None
        assert sorted(p.name for p in shared.iterdir()) == ["fakegraph-ca.pem"]
        assert b"PRIVATE KEY" not in files.ca.read_bytes()
        assert _mode(files.ca) == 0o644
        assert b"PRIVATE KEY" in files.certificate.read_bytes()
        assert _mode(files.certificate) == 0o600
        assert _mode(files.certificate.parent) == 0o700
        assert files.certificate.parent != shared
    assert not files.certificate.parent.exists()
    assert files.ca.exists()  # the directory given is the user's: the CA stays for clients


def test_a_created_tls_dir_is_0700(tmp_path):
    target = tmp_path / "made" / "here"
    with FakeGraph(tls=True, tls_dir=str(target), dataset="empty"):
        assert _mode(target) == 0o700


def test_a_planted_symlink_is_replaced_not_followed(tmp_path):
    """A symlink at the CA's file name pointing at a victim file: the victim is untouched, the link replaced
    by the CA itself."""
    shared = tmp_path / "shared"
    shared.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (shared / "fakegraph-ca.pem").symlink_to(victim)
    with FakeGraph(tls=True, tls_dir=str(shared), dataset="empty") as graph:
        assert graph.tls_files is not None
        assert not graph.tls_files.ca.is_symlink()
        assert graph.tls_files.ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert victim.read_text() == "precious"
    assert [p.name for p in shared.iterdir()] == ["fakegraph-ca.pem"]  # no temporary file left behind


def test_temporary_tls_directories_are_removed_at_stop():
    with FakeGraph(tls=True, dataset="empty") as graph:
        assert graph.tls_files is not None
        made = graph.tls_files.temporary
        assert len(made) == 2
        assert all(d.is_dir() and _mode(d) == 0o700 for d in made)
        assert graph.tls_files.ca.parent in made
    assert not any(d.exists() for d in made)


def test_serve_removes_its_temporary_tls_directory_on_sigterm():
    import signal
    from pathlib import Path

    port = _free_port()
    command = [sys.executable, "-m", "fakegraph", "serve", "--port", str(port), "--tls", "--dataset", "empty"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        ca = Path(process.stdout.readline().strip().split(": ", 1)[1])
        process.stdout.readline()
        assert ca.is_file()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert not ca.parent.exists()
