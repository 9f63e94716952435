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
