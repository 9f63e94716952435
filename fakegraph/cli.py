"""Command line: `fakegraph compile` (and the server commands). `main(argv) -> int`, no logic of its own."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from fakegraph.artifacts.paths import overrides_file
from fakegraph.model.settings import DEFAULT_SEED


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on standard error (and exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fakegraph")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without installing
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fakegraph", description="An offline fake of Microsoft Graph for tests.")
    parser.add_argument("--version", action="version", version=f"fakegraph {_version()}")
    commands = parser.add_subparsers(dest="command")
    comp = commands.add_parser("compile", help="compile Graph doc pages into schemas/ and fixtures/")
    comp.add_argument("docs", nargs="+", type=Path, help="doc page files or directories")
    comp.add_argument(
        "--out", type=Path, default=Path("."), help="directory receiving schemas/ and fixtures/"
    )
    comp.add_argument(
        "--overrides", type=Path, default=None, help="hand-written facts (default: the shipped file)"
    )
    comp.add_argument("--quiet", action="store_true", help="print only the summary line")
    serve = commands.add_parser(
        "serve",
        help="run the fake Graph server (every flag also reads FAKEGRAPH_<FLAG>, e.g. FAKEGRAPH_PORT)",
    )
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", help="port (default 8000)")
    serve.add_argument("--seed", help=f"seed of ids and generated data (default {DEFAULT_SEED})")
    serve.add_argument("--dataset", help="default, empty, or a JSON dataset file (default: default)")
    serve.add_argument("--clock", help="start of the mock clock, ISO 8601 (default 2026-01-01T00:00:00Z)")
    serve.add_argument("--page-size", help="server-side page size of collections (default 100)")
    serve.add_argument("--max-body-bytes", help="largest request body accepted (default 4 MiB)")
    serve.add_argument(
        "--max-media-bytes",
        help="bytes media streams and upload sessions may hold together (default 256 MiB)",
    )
    serve.add_argument("--journal-size", help="requests kept in the journal, 0 to turn it off (default 1000)")
    serve.add_argument(
        "--delta-log-size",
        help="changes kept for delta queries; an older deltaLink is a 410 (default 100000)",
    )
    _bound_flags(serve)
    serve.add_argument(
        "--state",
        dest="state_file",
        help="a SQLite file keeping every acknowledged write, replayed at start-up (default: memory only)",
    )
    serve.add_argument("--tls", action="store_const", const="true", help="serve https with a throwaway CA")
    serve.add_argument(
        "--tls-name", action="append", dest="tls_names", help="extra certificate name (repeatable)"
    )
    serve.add_argument("--tls-dir", help="where the CA (fakegraph-ca.pem) is written (default: a temp dir)")
    serve.add_argument("--throttle", help="REQUESTS/SECONDS per app and tenant, e.g. 5/10 (default: off)")
    _identity_flags(serve)
    serve.add_argument("--admin-token", help="require this bearer token on /_fakegraph/ (default: none)")
    serve.add_argument("--log-level", help="DEBUG, INFO, WARNING (default), ERROR or CRITICAL")
    serve.add_argument("--data", help="a pack `fakegraph compile --out DIR` wrote (default: the shipped one)")
    data = commands.add_parser("dataset", help="write the default dataset for a seed (JSON)")
    data.add_argument("--seed", type=int, default=DEFAULT_SEED)
    data.add_argument("--out", type=Path, required=True, help="file to write, or - for standard output")
    _data_flag(data)
    routes = commands.add_parser("routes", help="list what the server serves, per version")
    routes.add_argument("--version", choices=("beta", "v1.0"), default=None)
    _data_flag(routes)
    spec = commands.add_parser("openapi", help="write an OpenAPI 3.1 document of what is served")
    _data_flag(spec)
    spec.add_argument("--version", choices=("beta", "v1.0"), default="beta")
    spec.add_argument("--server", default="http://127.0.0.1:8000", help="base URL written into the document")
    spec.add_argument("--out", type=Path, default=None, help="file to write (default: standard output)")
    again = commands.add_parser(
        "replay", help="send every documented example of a pack to a running fake and classify the answers"
    )
    again.add_argument("--url", required=True, help="the fake's base URL, e.g. http://127.0.0.1:8000")
    again.add_argument("--json", type=Path, default=None, help="also write each example's result here")
    again.add_argument(
        "--keep-state",
        action="store_true",
        help="do not reset the fake before each example (examples then see what earlier ones did)",
    )
    again.add_argument("--admin-token", default=None, help="the fake's --admin-token, for its resets")
    _data_flag(again)
    stats = commands.add_parser("corpus-stats", help="measure the compiler over a docs corpus")
    stats.add_argument("docs", nargs="+", type=Path)
    stats.add_argument("--overrides", type=Path, default=None)
    return parser


BOUNDS = {  # `fakegraph serve` flags of resource bounds (issue 15) and their help
    "--max-expanded": "navigations read plus objects inlined by one $expand, then a 400 (default 10000)",
    "--journal-body-bytes": "bytes of each body the journal keeps, the rest cut (default 65536)",
    "--journal-bytes": "bytes the whole journal holds, oldest entries go first (default 16 MiB)",
    "--max-errors": "unexpected errors kept with tracebacks, the rest counted (default 100)",
    "--throttle-buckets": "throttling windows kept, least recently used go first (default 10000)",
    "--max-error-chars": "longest error message; longer ones are clipped (default 2000)",
    "--max-connections": "open connections; the longest-idle gives way to a new one (default 4096)",
    "--idle-timeout": "seconds a connection may wait for a request (default 75)",
    "--header-timeout": "seconds for a request's headers once they begin (default 20)",
    "--body-timeout": "seconds for a request's body to arrive (default 60)",
    "--max-large-bodies": "requests with bodies of 1 MiB or more handled at once, others wait (default 2)",
    "--max-tenants": "tenants one server holds, the default one included (default 100)",
}


def _identity_flags(serve: argparse.ArgumentParser) -> None:
    """Tenants (ARCHITECTURE A23) and the offline Entra's apps, keys and enforcement (A24)."""
    _tenant_flags(serve)
    serve.add_argument(
        "--app",
        action="append",
        dest="apps",
        help="register an app: CLIENT_ID:SECRET:ROLE,ROLE[:SCOPE,SCOPE] (repeatable; empty SECRET: public)",
    )
    serve.add_argument(
        "--enforce-permissions",
        action="store_const",
        const="true",
        help="Graph calls need a token this server signed holding a documented permission (401/403)",
    )
    serve.add_argument("--signing-key", help="PEM file of the RSA key tokens are signed with (default: new)")
    serve.add_argument("--user-password", help="the password the dataset's users sign in with")


def _bound_flags(parser: argparse.ArgumentParser) -> None:
    for flag, text in BOUNDS.items():
        parser.add_argument(flag, help=text)


def _tenant_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tenant-id", help="the default tenant's id, a GUID (tokens without a known tid)")
    parser.add_argument(
        "--tenant-domain",
        action="append",
        dest="tenant_domains",
        help="a domain name of the default tenant (repeatable)",
    )


def _data_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a compiled pack (default: FAKEGRAPH_DATA, else the shipped one)",
    )


def _pack(args: argparse.Namespace) -> Path:
    from fakegraph.artifacts.paths import data_dir

    chosen = args.data or os.environ.get("FAKEGRAPH_DATA")
    return Path(chosen) if chosen else data_dir()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:  # bare `fakegraph`: what it can do, not only an error
        parser.print_help(sys.stderr)
        return 2
    try:
        return _run(args)
    except BrokenPipeError:  # `fakegraph openapi | head`: the reader left; so do we, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "compile":
        return _compile(args)
    if args.command == "corpus-stats":
        return _corpus_stats(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "dataset":
        return _dataset(args)
    if args.command == "routes":
        return _routes(args)
    if args.command == "openapi":
        return _openapi(args)
    if args.command == "replay":
        return _replay(args)
    return 2  # pragma: no cover - argparse rejects unknown commands


def _check_sources(sources: Sequence[Path]) -> str | None:
    missing = [str(p) for p in sources if not p.exists()]
    return f"fakegraph: no such file or directory: {', '.join(missing)}" if missing else None


def _compile(args: argparse.Namespace) -> int:
    from fakegraph.compiler import compile_docs

    problem = _check_sources(args.docs)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    result = compile_docs(args.docs, args.out, args.overrides or overrides_file())
    _write_default_dataset(args.out)
    report = result.report
    if not args.quiet:
        for warning in result.warnings:
            print(f"{warning.file}:{warning.line}: {warning.kind}: {warning.message}", file=sys.stderr)
    kinds = ", ".join(f"{k} {n}" for k, n in report["warnings"]["byKind"].items())
    counts = f"{report['operations']} operations, {report['types']} types, {report['examples']} examples"
    warnings = f"{report['warnings']['total']} warnings ({kinds or 'none'})"
    print(f"compiled {report['pages']['total']} pages: {counts}; {warnings}")
    return 0


def _write_default_dataset(pack: Path) -> None:
    """A pack with the credential reports' generator gets its generated data for the default seed and clock
    (`fixtures/datasets/default.json`), so a server on it starts without running Faker; any other pack has
    none (a stale one is removed)."""

    from fakegraph.artifacts.catalogue import SchemaFolder
    from fakegraph.model.datasets import committed_default
    from fakegraph.model.fakedata import default_dataset, has_generator
    from fakegraph.model.settings import DEFAULT_CLOCK, DEFAULT_SEED

    target = committed_default(pack)
    schemas = SchemaFolder(pack / "schemas" / "beta", "beta")
    if not has_generator(schemas):
        target.unlink(missing_ok=True)
        return
    data = default_dataset(DEFAULT_SEED, DEFAULT_CLOCK, schemas)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_dataset_text(data), encoding="utf-8")


def _dataset_text(data: object) -> str:
    """A dataset file's text (the committed default dataset's format)."""
    import json

    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _corpus_stats(args: argparse.Namespace) -> int:
    from fakegraph.compiler.stats import corpus_stats, format_stats

    problem = _check_sources(args.docs)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(format_stats(corpus_stats(args.docs, args.overrides or overrides_file())))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import asyncio
    from dataclasses import replace

    from aiohttp import web

    from fakegraph.artifacts.errors import ConfigError
    from fakegraph.http.state import build_state
    from fakegraph.model.settings import SERVE_PORT, Settings, convert
    from fakegraph.server import listen

    given = {
        name: getattr(args, name)
        for name in (
            "host",
            "port",
            "seed",
            "dataset",
            "clock",
            "page_size",
            "max_body_bytes",
            "max_media_bytes",
            "journal_size",
            "delta_log_size",
            *(flag[2:].replace("-", "_") for flag in BOUNDS),
            "state_file",
            "tls",
            "tls_dir",
            "throttle",
            "tenant_id",
            "admin_token",
            "enforce_permissions",
            "signing_key",
            "user_password",
            "log_level",
            "data",
        )
    }
    if args.tls_names:
        given["tls_names"] = ",".join(args.tls_names)
    if args.apps:
        given["apps"] = " ".join(args.apps)
    if args.tenant_domains:
        given["tenant_domains"] = ",".join(args.tenant_domains)
    try:
        typed = {name: convert(name, value) for name, value in given.items() if value is not None}
        settings = Settings.from_env(os.environ, **typed)
        if settings.port is None:
            settings = replace(settings, port=SERVE_PORT)
        state = build_state(settings)
    except (ConfigError, ValueError) as exc:
        print(f"fakegraph: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def serve() -> None:
        listening = await listen(state, handle_signals=True)  # SIGINT/SIGTERM: a graceful exit
        try:
            if listening.tls_files is not None:
                print(f"fakegraph CA certificate: {listening.tls_files.ca}", flush=True)
            scheme = "https" if settings.tls else "http"
            # A wildcard address is where it listens, not a URL a client can use: name this machine.
            wildcard = settings.host in {"0.0.0.0", "::", ""}
            host = "127.0.0.1" if wildcard else settings.host
            note = f" (listening on all interfaces, {settings.host or '*'})" if wildcard else ""
            print(f"fakegraph serving {scheme}://{host}:{listening.port}/beta{note}", flush=True)
            await asyncio.Event().wait()
        finally:
            await listening.close()  # and the TLS files' temporary directories

    try:
        asyncio.run(serve())
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    except OSError as exc:
        print(
            f"fakegraph: cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    return 0


def _dataset(args: argparse.Namespace) -> int:

    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.artifacts.errors import ConfigError
    from fakegraph.model.fakedata import default_dataset, has_generator
    from fakegraph.model.settings import DEFAULT_CLOCK

    try:
        schemas = load_catalogue(_pack(args)).schemas["beta"]
    except ConfigError as exc:
        print(f"fakegraph: {exc}", file=sys.stderr)
        return 2
    data = default_dataset(args.seed, DEFAULT_CLOCK, schemas) if has_generator(schemas) else {}
    if str(args.out) == "-":
        sys.stdout.write(_dataset_text(data))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(_dataset_text(data), encoding="utf-8")
    print(f"wrote {sum(len(v) for v in data.values())} objects to {args.out}")
    return 0


def _routes(args: argparse.Namespace) -> int:
    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.artifacts.errors import ConfigError
    from fakegraph.http.routing import routes_of

    try:
        catalogue = load_catalogue(_pack(args))
    except ConfigError as exc:
        print(f"fakegraph: {exc}", file=sys.stderr)
        return 2
    for version, routes in sorted(routes_of(catalogue).items()):
        if args.version not in {None, version}:
            continue
        for route in routes:
            for method, endpoint in sorted(route.endpoints.items()):
                path = f"/{version}{route.template}"
                print(f"{version:5s} {method:6s} {path}  {endpoint.kind} {endpoint.entity_type}")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    import json

    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.artifacts.errors import ConfigError
    from fakegraph.openapi import document

    try:
        catalogue = load_catalogue(_pack(args))
    except ConfigError as exc:
        print(f"fakegraph: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(document(catalogue, args.version, args.server), indent=2, sort_keys=True)
    if args.out is None:
        print(text)
    else:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


def _replay(args: argparse.Namespace) -> int:
    """Exit 0, or 1 when any answer was a server error."""
    import json

    from fakegraph import replay

    pack = _pack(args)
    if not (pack / "fixtures").is_dir():
        print(f"fakegraph: {pack} holds no compiled pack (no fixtures/)", file=sys.stderr)
        return 2
    try:
        client = replay.Client(args.url, admin_token=args.admin_token)
        results = replay.replay(replay.examples_of(pack), client, reset=not args.keep_state)
    except OSError as exc:
        print(f"fakegraph: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    print(replay.table(results))
    if args.json is not None:
        args.json.write_text(json.dumps(replay.as_json(results), indent=1) + "\n", encoding="utf-8")
    return 1 if any(r.outcome == "5xx" for r in results) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
