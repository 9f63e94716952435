"""The doc compiler: Graph reference pages (markdown) → schemas/ and fixtures/.

`compile_docs` is the only function here that touches the file system; everything else is pure.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from fakegraph.compiler.build import Output, build
from fakegraph.compiler.types import Overrides

PAGE_SUFFIXES = (".md", ".txt")

__all__ = ["Output", "compile_docs", "iter_pages", "load_overrides"]


def iter_pages(sources: Sequence[Path]) -> Iterator[tuple[str, str]]:
    """(report name, text) of every page under `sources`; names are `<source dir name>/<relative path>`."""
    for source in sources:
        files = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file())
        for path in files:
            if path.suffix.lower() not in PAGE_SUFFIXES or path.name.lower() == "readme.md":
                continue
            relative = path.name if source.is_file() else path.relative_to(source).as_posix()
            name = f"{source.name}/{relative}" if source.is_dir() else relative
            yield name, path.read_text(encoding="utf-8", errors="replace")


def load_overrides(path: Path | None) -> Overrides:
    if path is None or not path.exists():
        return Overrides()
    return Overrides.from_json(json.loads(path.read_text(encoding="utf-8")))


def compile_docs(sources: Sequence[Path], out: Path, overrides: Path | None) -> Output:
    """Compile every page under `sources` and replace the generated files under `out`."""
    result = build(iter_pages(sources), load_overrides(overrides))
    _remove_generated(out)
    for relative, content in sorted(result.files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return result


GENERATED_GLOBS = (
    "schemas/*/*.json",
    "fixtures/*/operations.json",
    "fixtures/*/routes.json",
    "fixtures/*/examples/*.json",
    "fixtures/*/sample.json",
    "fixtures/*/sample-links.json",
    "fixtures/compile-report.json",
)


def _remove_generated(out: Path) -> None:
    """Drop earlier output so a page that disappeared leaves no stale file (hand-written files stay)."""
    for pattern in GENERATED_GLOBS:
        for path in out.glob(pattern):
            path.unlink()
