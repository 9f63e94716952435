"""`fakegraph compile` reproduces committed artifacts byte for byte: the sample pages everywhere, and the
real pages where ../shared/graph-docs sits beside the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakegraph.cli import main
from fakegraph.compiler import GENERATED_GLOBS
from tests.conftest import DATA, REPO, SAMPLE_OVERRIDES, SAMPLE_SOURCES


def _generated(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for pattern in GENERATED_GLOBS
        for path in root.glob(pattern)
    }


def _assert_same_tree(expected_root: Path, actual_root: Path) -> None:
    expected, actual = _generated(expected_root), _generated(actual_root)
    assert sorted(actual) == sorted(expected)
    changed = [name for name in expected if expected[name] != actual[name]]
    assert changed == [], f"recompile and commit: {changed[:5]}"


def test_sample_pages_reproduce_the_committed_output(tmp_path, capsys):
    """Compiling tests/data gives exactly tests/data/compiled (run the CLI to refresh it on purpose)."""
    argv = [
        "compile",
        *map(str, SAMPLE_SOURCES),
        "--overrides",
        str(SAMPLE_OVERRIDES),
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    assert "compiled 31 pages: 21 operations, 12 types" in capsys.readouterr().out
    _assert_same_tree(DATA / "compiled", tmp_path)


def test_compile_replaces_stale_output(tmp_path):
    """A generated file whose page disappeared is removed; hand-written files are kept."""
    stale = tmp_path / "schemas" / "beta" / "microsoft.graph.gone.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    kept = tmp_path / "fixtures" / "overrides.json"
    kept.parent.mkdir(parents=True)
    kept.write_text("{}")
    assert (
        main(
            [
                "compile",
                *map(str, SAMPLE_SOURCES),
                "--overrides",
                str(SAMPLE_OVERRIDES),
                "--out",
                str(tmp_path),
                "--quiet",
            ]
        )
        == 0
    )
    assert not stale.exists()
    assert kept.exists()


def test_missing_docs_directory_is_a_clear_error(tmp_path, capsys):
    """A docs path that does not exist exits 2 with one line naming it."""
    assert main(["compile", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such file or directory" in capsys.readouterr().err


@pytest.mark.corpus
def test_real_pages_reproduce_the_committed_schemas_and_fixtures(shared_docs, tmp_path):
    """`fakegraph compile ../shared/graph-docs --out X` (the README's command) gives the committed schemas/
    and fixtures/, byte for byte, the credential generator's default dataset included."""
    assert main(["compile", str(shared_docs), "--out", str(tmp_path), "--quiet"]) == 0
    _assert_same_tree(REPO, tmp_path)
    dataset = "fixtures/datasets/default.json"
    assert (tmp_path / dataset).read_bytes() == (REPO / dataset).read_bytes()


def test_a_pack_without_the_generator_gets_no_dataset(tmp_path):
    """The sample pages have no credential report types: no generated dataset, and a stale one goes."""
    stale = tmp_path / "fixtures" / "datasets" / "default.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    sources = [*map(str, SAMPLE_SOURCES), "--overrides", str(SAMPLE_OVERRIDES)]
    assert main(["compile", *sources, "--out", str(tmp_path), "--quiet"]) == 0
    assert not stale.exists()
