"""Command line: `fakegraph compile` (and the server commands). `main(argv) -> int`, no logic of its own."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fakegraph.data import overrides_file


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakegraph", description="An offline fake of Microsoft Graph for tests."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    comp = commands.add_parser("compile", help="compile Graph doc pages into schemas/ and fixtures/")
    comp.add_argument("docs", nargs="+", type=Path, help="doc page files or directories")
    comp.add_argument(
        "--out", type=Path, default=Path("."), help="directory receiving schemas/ and fixtures/"
    )
    comp.add_argument(
        "--overrides", type=Path, default=None, help="hand-written facts (default: the shipped file)"
    )
    comp.add_argument("--quiet", action="store_true", help="print only the summary line")
    stats = commands.add_parser("corpus-stats", help="measure the compiler over a docs corpus")
    stats.add_argument("docs", nargs="+", type=Path)
    stats.add_argument("--overrides", type=Path, default=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "compile":
        return _compile(args)
    if args.command == "corpus-stats":
        return _corpus_stats(args)
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
    report = result.report
    if not args.quiet:
        for warning in result.warnings:
            print(f"{warning.file}:{warning.line}: {warning.kind}: {warning.message}", file=sys.stderr)
    kinds = ", ".join(f"{k} {n}" for k, n in report["warnings"]["byKind"].items())
    counts = f"{report['operations']} operations, {report['types']} types, {report['examples']} examples"
    warnings = f"{report['warnings']['total']} warnings ({kinds or 'none'})"
    print(f"compiled {report['pages']['total']} pages: {counts}; {warnings}")
    return 0


def _corpus_stats(args: argparse.Namespace) -> int:
    from fakegraph.compiler.stats import corpus_stats, format_stats

    problem = _check_sources(args.docs)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(format_stats(corpus_stats(args.docs, args.overrides or overrides_file())))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
