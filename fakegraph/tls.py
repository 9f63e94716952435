"""`--tls`: a throwaway certificate authority and a server certificate for localhost, 127.0.0.1, ::1 and any
extra names, so that SDKs that refuse plain http to other hosts (Kiota) can reach a sidecar.

trustme (a well-kept test-CA library) makes the certificates; the CA is written to a file clients trust.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import NamedTuple

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")


class TLSFiles(NamedTuple):
    ca: Path  # PEM of the CA certificate, for clients to trust
    certificate: Path  # PEM of the server certificate chain and key


def make_certificates(directory: Path, names: tuple[str, ...] = ()) -> TLSFiles:
    import trustme

    directory.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="fakegraph test CA")
    server = authority.issue_cert(*dict.fromkeys((*DEFAULT_NAMES, *names)))
    ca_file = directory / "fakegraph-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    certificate = directory / "fakegraph-server.pem"
    server.private_key_and_cert_chain_pem.write_to_path(str(certificate))
    return TLSFiles(ca_file, certificate)


def server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(files.certificate))
    return context
