"""Shared fixtures: the project's own sample doc pages, and the docs corpus beside the checkout if any."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakegraph.compiler import iter_pages, load_overrides
from fakegraph.compiler.build import Output, build

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"
SAMPLE_SOURCES = (DATA / "docs", DATA / "drafts")
SAMPLE_OVERRIDES = DATA / "overrides.json"
SHARED_DOCS = REPO.parent / "shared" / "graph-docs"


def compile_sample() -> Output:
    return build(iter_pages(SAMPLE_SOURCES), load_overrides(SAMPLE_OVERRIDES))


@pytest.fixture(scope="session")
def sample() -> Output:
    """The compiler's output for tests/data (pages written for these tests)."""
    return compile_sample()


@pytest.fixture(scope="session")
def sample_files(sample: Output) -> dict[str, Any]:
    return {name: json.loads(content) for name, content in sample.files.items()}


@pytest.fixture(scope="session")
def shared_docs() -> Path:
    """../shared/graph-docs, or a skip where the checkout has no docs beside it."""
    if not SHARED_DOCS.is_dir():
        pytest.skip("../shared/graph-docs is not beside this checkout")
    return SHARED_DOCS


@pytest.fixture(scope="session")
def corpus_output(shared_docs: Path) -> Output:
    """The compiler's output for ../shared/graph-docs/corpus, compiled once per session."""
    return build(iter_pages([shared_docs / "corpus"]), load_overrides(None))
