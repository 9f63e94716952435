"""A pack as the server reads it: the operation catalogue and the schemas of every version, typed by the
contract. Start-up reads `fixtures/<version>/operations.json`; a type's schema is read from
`schemas/<version>/` when something first asks for it (ARCHITECTURE A13)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson

from fakegraph.artifacts.contract import (
    VERSIONS,
    JSONObject,
    OperationEntry,
    OperationsFile,
    schema_uri,
    type_of_uri,
)
from fakegraph.artifacts.errors import ConfigError


def load_json(raw: bytes) -> Any:
    """A pack file's JSON: orjson's fast reader, or the standard one for what orjson refuses (integers past
    64 bits in a documented example)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


class SchemaFolder(Mapping[str, JSONObject]):
    """The schemas of one version of a pack, by `$id`, each read from its file on first use and kept.

    Membership and iteration look at file names only; `values()` reads every file (tools, not the serving
    path, do that)."""

    def __init__(self, folder: Path, version: str) -> None:
        self._folder = folder
        self._prefix = schema_uri(version, "")
        self._loaded: dict[str, JSONObject] = {}
        self._names: list[str] | None = None

    def _path(self, uri: str) -> Path | None:
        name = type_of_uri(uri) if uri.startswith(self._prefix) else None
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return None
        path = self._folder / f"{name}.json"
        return path if path.is_file() else None

    def __getitem__(self, uri: str) -> JSONObject:
        found = self._loaded.get(uri)
        if found is None:
            path = self._path(uri)
            if path is None:
                raise KeyError(uri)
            found = self._loaded[uri] = load_json(path.read_bytes())
        return found

    def __contains__(self, uri: object) -> bool:
        return isinstance(uri, str) and (uri in self._loaded or self._path(uri) is not None)

    def names(self) -> list[str]:
        """The qualified names of the folder's types (from the file names; nothing is read)."""
        if self._names is None:
            found = sorted(p.name[:-5] for p in self._folder.glob("*.json")) if self._folder.is_dir() else []
            self._names = found
        return self._names

    def __iter__(self) -> Iterator[str]:
        return (self._prefix + name for name in self.names())

    def __len__(self) -> int:
        return len(self.names())


@dataclass
class Catalogue:
    """Operations and schemas of every served version."""

    schemas: dict[str, Mapping[str, JSONObject]]  # version → $id → schema
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
    return cast(OperationsFile, load_json(path.read_bytes()))["operations"]


def load_catalogue(data: Path) -> Catalogue:
    schemas: dict[str, Mapping[str, JSONObject]] = {}
    operations: dict[str, dict[str, OperationEntry]] = {}
    for version in VERSIONS:
        entries = read_operations(data / "fixtures" / version / "operations.json")
        operations[version] = {e["name"]: e for e in entries}
        schemas[version] = SchemaFolder(data / "schemas" / version, version)
    if not any(operations.values()):
        raise ConfigError(
            f"{data} holds no compiled pack (no fixtures/<version>/operations.json with operations); "
            f"make one with: fakegraph compile DOCS... --out {data}"
        )
    return Catalogue(schemas, operations)
