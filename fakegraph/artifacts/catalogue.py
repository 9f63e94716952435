"""A pack as the server reads it: the operation catalogue and the schemas of every version, typed by the
contract. Read once at start-up from `fixtures/<version>/operations.json` and `schemas/<version>/`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from fakegraph.artifacts.contract import VERSIONS, JSONObject, OperationEntry, OperationsFile, schema_uri
from fakegraph.artifacts.errors import ConfigError


@dataclass
class Catalogue:
    """Operations and schemas of every served version."""

    schemas: dict[str, dict[str, JSONObject]]  # version → $id → schema
    operations: dict[str, dict[str, OperationEntry]]  # version → name → entry

    def schema(self, version: str, qualified: str) -> JSONObject | None:
        return self.schemas.get(version, {}).get(schema_uri(version, qualified))

    def entries(self, version: str) -> list[OperationEntry]:
        return list(self.operations.get(version, {}).values())


def request_bodies(catalogue: Catalogue, version: str) -> dict[str, JSONObject]:
    """Operation name → its documented request body schema, for the operations that have one."""
    return {e["name"]: e["requestBody"] for e in catalogue.entries(version) if e["requestBody"] is not None}


def read_example(data: Path, version: str, name: str) -> JSONObject | None:
    """One example fixture of a pack (`fixtures/<version>/examples/<name>`), or None if it is absent."""
    path = data / "fixtures" / version / "examples" / name
    if path.name != name or not path.is_file():  # names come from the catalogue; never leave the folder
        return None
    found: JSONObject = json.loads(path.read_text(encoding="utf-8"))
    return found


def read_operations(path: Path) -> list[OperationEntry]:
    """The entries of one `operations.json` (none when the file is absent)."""
    if not path.exists():
        return []
    return cast(OperationsFile, json.loads(path.read_text(encoding="utf-8")))["operations"]


def read_schemas(folder: Path) -> dict[str, JSONObject]:
    """`$id` → schema for every schema file in `folder` (none when it is absent)."""
    if not folder.is_dir():
        return {}
    loaded = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json")))
    return {s["$id"]: s for s in loaded}


def load_catalogue(data: Path) -> Catalogue:
    schemas: dict[str, dict[str, JSONObject]] = {}
    operations: dict[str, dict[str, OperationEntry]] = {}
    for version in VERSIONS:
        entries = read_operations(data / "fixtures" / version / "operations.json")
        operations[version] = {e["name"]: e for e in entries}
        schemas[version] = read_schemas(data / "schemas" / version)
    if not any(operations.values()):
        raise ConfigError(
            f"{data} holds no compiled pack (no fixtures/<version>/operations.json with operations); "
            f"make one with: fakegraph compile DOCS... --out {data}"
        )
    return Catalogue(schemas, operations)
