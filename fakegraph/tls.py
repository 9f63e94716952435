"""`--tls`: a throwaway certificate authority and a server certificate for localhost, 127.0.0.1, ::1 and any
extra names, so that SDKs that refuse plain http to other hosts (Kiota) can reach a sidecar.

trustme (a well-kept test-CA library) makes the certificates. Only the CA certificate (public) is written to
the directory clients read (`--tls-dir`, which the compose example shares with the app container); the
server's private key and its chain go to a private temporary directory (0700, the file 0600). Each file is
written to a new temporary file beside it (O_EXCL) and renamed into place, so a symlink planted at its name
is replaced, never followed. Directories fakegraph made are removed when the server stops (`remove`).
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import NamedTuple

DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")
CA_FILE = "fakegraph-ca.pem"
SERVER_FILE = "fakegraph-server.pem"


class TLSFiles(NamedTuple):
    ca: Path  # PEM of the CA certificate, for clients to trust
    certificate: Path  # PEM of the server certificate chain and key (private: 0600 in a 0700 directory)
    temporary: tuple[Path, ...] = ()  # directories fakegraph created, removed by `remove`


def make_certificates(directory: Path | None, names: tuple[str, ...] = ()) -> TLSFiles:
    """The CA into `directory` (created 0700 if missing; None: a new temporary directory), the server's key
    and chain into a private temporary directory."""
    import trustme

    authority = trustme.CA(organization_name="fakegraph test CA")
    server = authority.issue_cert(*dict.fromkeys((*DEFAULT_NAMES, *names)))
    made: list[Path] = []
    try:
        private = Path(tempfile.mkdtemp(prefix="fakegraph-tls-key-"))  # mkdtemp: 0700, ours alone
        made.append(private)
        if directory is None:
            directory = Path(tempfile.mkdtemp(prefix="fakegraph-tls-"))
            made.append(directory)
        elif not directory.is_dir():
            directory.mkdir(mode=0o700, parents=True)
        certificate = private / SERVER_FILE
        write_file(certificate, server.private_key_and_cert_chain_pem.bytes(), 0o600)
        ca_file = directory / CA_FILE
        write_file(ca_file, authority.cert_pem.bytes(), 0o644)
    except BaseException:
        remove(TLSFiles(Path(), Path(), tuple(made)))
        raise
    return TLSFiles(ca_file, certificate, tuple(made))


def write_file(path: Path, content: bytes, mode: int) -> None:
    """Write `content` to `path` with `mode`: into a fresh file beside it (created exclusively, 0600), then
    renamed over `path`, which replaces whatever is there (a symlink included) without following it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), mode)
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def remove(files: TLSFiles) -> None:
    """Remove the directories fakegraph created for these files (at shutdown)."""
    for directory in files.temporary:
        shutil.rmtree(directory, ignore_errors=True)


def server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(files.certificate))
    return context
