"""The compiler→server contract is checked by mypy: a reader that misspells an entry key does not type-check,
and what the compiler writes has exactly the declared keys."""

from __future__ import annotations

import textwrap
import typing
from pathlib import Path

from mypy import api

from fakegraph.artifacts.contract import (
    GraphBlock,
    OperationEntry,
    schema_uri,
    type_of_uri,
)
from tests.conftest import DATA

READER = """
from fakegraph.artifacts.contract import OperationEntry, graph_block

def capabilities(entry: OperationEntry) -> object:
    return entry["{key}"]

def key_of(schema: dict[str, object]) -> object:
    return graph_block(schema)["{block_key}"]
"""


def _mypy(tmp_path: Path, key: str, block_key: str) -> tuple[str, int]:
    source = tmp_path / "reader.py"
    source.write_text(textwrap.dedent(READER.format(key=key, block_key=block_key)))
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)]
    )
    return out, status


def test_a_misspelled_entry_key_is_a_type_error(tmp_path):
    """`entry["queryCapabilites"]` (one letter missing) and an unknown x-graph key fail mypy; the right
    spellings pass."""
    out, status = _mypy(tmp_path, "queryCapabilites", "derivedType")
    assert status == 1
    assert 'TypedDict "OperationEntry" has no key "queryCapabilites"' in out
    assert 'TypedDict "GraphBlock" has no key "derivedType"' in out
    out, status = _mypy(tmp_path, "queryCapabilities", "derivedTypes")
    assert status == 0, out


def _keys(typed: type) -> tuple[set[str], set[str]]:
    """Required and optional keys from the annotations (the runtime's own sets are wrong under postponed
    annotations)."""
    hints = typing.get_type_hints(typed, include_extras=True)
    optional = {k for k, v in hints.items() if typing.get_origin(v) is typing.NotRequired}
    return set(hints) - optional, optional


def test_compiled_entries_have_exactly_the_declared_keys(sample_files):
    """Every catalogue entry the compiler writes (tests/data) has every required key and nothing else."""
    required, optional = _keys(OperationEntry)
    for entry in sample_files["fixtures/beta/operations.json"]["operations"]:
        assert required <= set(entry) <= required | optional, entry["name"]


def test_compiled_x_graph_blocks_have_only_declared_keys(sample_files):
    """Every schema's x-graph block holds the required keys and only declared ones."""
    required, optional = _keys(GraphBlock)
    blocks = [s["x-graph"] for name, s in sample_files.items() if name.startswith("schemas/")]
    assert blocks
    for block in blocks:
        assert required <= set(block) <= required | optional, block


def test_schema_uris_round_trip():
    """A type's schema URI names the type again; other references name none."""
    assert type_of_uri(schema_uri("v1.0", "microsoft.graph.user")) == "microsoft.graph.user"
    assert type_of_uri("#/components/schemas/x") is None
    assert type_of_uri("urn:fakegraph:schemas:beta:") is None
    assert (DATA / "compiled").is_dir()
