"""The catalogue reader: a pack's operations (by name) and schemas (by `$id`) for every version, empty where
a version has no folder, and a ConfigError for a pack with no operations at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakegraph.artifacts.catalogue import load_catalogue
from fakegraph.artifacts.contract import VERSIONS, schema_uri
from fakegraph.artifacts.errors import ConfigError
from fakegraph.artifacts.paths import data_dir


def _operation(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "kind": "list", "method": "GET", "paths": [path], "entityType": "microsoft.graph.a"}


def _schema(version: str, qualified: str) -> dict[str, Any]:
    return {"$id": schema_uri(version, qualified), "type": "object", "x-graph": {"kind": "entityType"}}


def _write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")


def _pack(root: Path, version: str, operations: list[dict[str, Any]], schemas: list[dict[str, Any]]) -> None:
    _write(root / "fixtures" / version / "operations.json", {"version": version, "operations": operations})
    for schema in schemas:  # the contract's file name: schemas/<version>/<qualified name>.json
        _write(root / "schemas" / version / f"{schema['$id'].rsplit(':', 1)[1]}.json", schema)


def test_operations_are_keyed_by_name_and_schemas_by_id(tmp_path):
    """Each entry is found under its name and each schema under its `$id`, read when first asked for."""
    a, b = _operation("list_a", "/as"), _operation("list_b", "/bs")
    _pack(
        tmp_path, "beta", [a, b], [_schema("beta", "microsoft.graph.a"), _schema("beta", "microsoft.graph.b")]
    )
    catalogue = load_catalogue(tmp_path)
    assert catalogue.operations["beta"] == {"list_a": a, "list_b": b}
    assert catalogue.entries("beta") == [a, b]
    assert sorted(catalogue.schemas["beta"]) == [
        "urn:fakegraph:schemas:beta:microsoft.graph.a",
        "urn:fakegraph:schemas:beta:microsoft.graph.b",
    ]
    assert catalogue.schema("beta", "microsoft.graph.b") == _schema("beta", "microsoft.graph.b")
    assert catalogue.schema("beta", "microsoft.graph.missing") is None
    assert catalogue.schema("beta", "../beta/microsoft.graph.a") is None  # never outside the folder
    assert schema_uri("beta", "microsoft.graph.a") in catalogue.schemas["beta"]
    assert schema_uri("v1.0", "microsoft.graph.a") not in catalogue.schemas["beta"]


def test_only_json_files_are_read_as_schemas(tmp_path):
    """Other files beside the schemas (a README, a backup) are not read."""
    _pack(tmp_path, "beta", [_operation("list_a", "/as")], [_schema("beta", "microsoft.graph.a")])
    (tmp_path / "schemas" / "beta" / "README.md").write_text("not json", encoding="utf-8")
    (tmp_path / "schemas" / "beta" / "old.json.bak").write_text("{", encoding="utf-8")
    assert list(load_catalogue(tmp_path).schemas["beta"]) == [schema_uri("beta", "microsoft.graph.a")]


def test_versions_are_kept_apart(tmp_path):
    """Each version reads its own folders: a beta schema is not a v1.0 schema."""
    _pack(tmp_path, "beta", [_operation("list_a", "/as")], [_schema("beta", "microsoft.graph.a")])
    _pack(tmp_path, "v1.0", [_operation("list_v1", "/v1s")], [_schema("v1.0", "microsoft.graph.a")])
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.operations["beta"]) == ["list_a"]
    assert list(catalogue.operations["v1.0"]) == ["list_v1"]
    assert catalogue.schema("v1.0", "microsoft.graph.a") == _schema("v1.0", "microsoft.graph.a")
    assert catalogue.schema("beta", "microsoft.graph.a") == _schema("beta", "microsoft.graph.a")


@pytest.mark.parametrize("served", VERSIONS)
def test_a_version_without_folders_is_empty(tmp_path, served):
    """A pack holding one version loads, and the other version has no operations and no schemas."""
    _pack(tmp_path, served, [_operation("list_a", "/as")], [_schema(served, "microsoft.graph.a")])
    catalogue = load_catalogue(tmp_path)
    (missing,) = (v for v in VERSIONS if v != served)
    assert set(catalogue.operations) == set(catalogue.schemas) == set(VERSIONS)
    assert catalogue.operations[missing] == {}
    assert catalogue.schemas[missing] == {}
    assert catalogue.entries(missing) == []
    assert catalogue.schema(missing, "microsoft.graph.a") is None


def test_schemas_may_be_absent_where_operations_are_not(tmp_path):
    """A version with operations but no schemas folder loads with no schemas."""
    _write(
        tmp_path / "fixtures" / "beta" / "operations.json",
        {"version": "beta", "operations": [_operation("l", "/l")]},
    )
    catalogue = load_catalogue(tmp_path)
    assert list(catalogue.operations["beta"]) == ["l"]
    assert catalogue.schemas["beta"] == {}


@pytest.mark.parametrize(
    "layout",
    ["nothing", "empty operations", "schemas only"],
)
def test_a_pack_without_operations_is_a_config_error_naming_the_folder(tmp_path, layout):
    """No operations in any version (no files, or files with empty lists) is a ConfigError that names the
    folder and how to make a pack there."""
    if layout == "empty operations":
        for version in VERSIONS:
            _pack(tmp_path, version, [], [_schema(version, "microsoft.graph.a")])
    elif layout == "schemas only":
        _write(tmp_path / "schemas" / "beta" / "a.json", _schema("beta", "microsoft.graph.a"))
    with pytest.raises(ConfigError) as caught:
        load_catalogue(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path} holds no compiled pack")
    assert f"fakegraph compile DOCS... --out {tmp_path}" in message


def test_the_committed_pack_loads_with_its_entries():
    """The pack the package serves loads: each version holds exactly the entries of its operations file, and
    every entry's entity schema is among the loaded schemas."""
    data = data_dir()
    catalogue = load_catalogue(data)
    for version in VERSIONS:
        path = data / "fixtures" / version / "operations.json"
        written = json.loads(path.read_text(encoding="utf-8"))["operations"] if path.exists() else []
        assert list(catalogue.operations[version]) == [e["name"] for e in written]
        for entry in catalogue.entries(version):
            if entry["entitySchema"] is not None:
                assert entry["entitySchema"] in catalogue.schemas[version], entry["name"]
    beta = catalogue.operations["beta"]
    assert beta["reportRoot_getCredentialUsageSummary"]["paths"] == [
        "/reports/getCredentialUsageSummary(period='{period}')"
    ]
    assert catalogue.schema("beta", "microsoft.graph.credentialUsageSummary") is not None
