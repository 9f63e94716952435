"""A pack as the server reads it: the operation catalogue and the schemas of every version, typed by the
contract. Start-up reads each version's route index (`fixtures/<version>/routes.json`); an operation's entry
is read from `operations.json` when something first asks for it (the router, for the route group a request
falls in), and a type's schema from `schemas/<version>/` likewise (ARCHITECTURE A13). A pack without an
index (or with a stale one) has its operations.json read whole at start-up instead."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson

from fakegraph.artifacts.contract import (
    VERSIONS,
    JSONObject,
    OperationEntry,
    OperationsFile,
    RouteIndex,
    schema_uri,
    template_head,
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
        unsafe = not name or len(name) > 200 or name.startswith(".") or any(c in name for c in "/\\\x00")
        if unsafe:  # no type is named so (a path segment may be anything a client sends)
            return None
        path = self._folder / f"{name}.json"
        try:
            return path if path.is_file() else None
        except OSError:
            return None

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


class Operations(Mapping[str, OperationEntry]):
    """The operations of one version, by name, in the order of their file; each entry is read (and its
    request body expanded, see the contract's `requestBody`) when first asked for, and kept.

    With a route index, names and route groups come from the index and an entry is parsed from its byte
    range of operations.json; without one, operations.json is read whole when the mapping is made."""

    def __init__(self, path: Path, index: Path, schemas: Mapping[str, JSONObject]) -> None:
        self._path = path
        self._schemas = schemas
        self._loaded: dict[str, OperationEntry] = {}
        self._raw: bytes | None = None
        self._parsed: dict[str, OperationEntry] | None = None  # every entry, once the file is read whole
        self._index = _read_index(index)
        if self._index is None:
            self._read_whole()
        self._names = self._order()
        self._heads: dict[str, list[str]] | None = None

    def _order(self) -> list[str]:
        if self._parsed is not None:
            return list(self._parsed)
        assert self._index is not None
        offsets = self._index["offsets"]
        return sorted(offsets, key=lambda name: offsets[name][0])

    def _read_whole(self) -> dict[str, OperationEntry]:
        if self._parsed is None:
            self._parsed = {e["name"]: e for e in read_operations(self._path)}
        return self._parsed

    def entity_sets(self) -> frozenset[str]:
        """The entity types served by a top-level collection (`/users`, or an item `/users/{id}`)."""
        if self._index is not None and "entitySets" in self._index:
            return frozenset(self._index["entitySets"])
        return frozenset(entity_set_types(self._read_whole().values()))

    def heads(self) -> dict[str, list[str]]:
        """Route group (`template_head`) → the names of the operations with a path in it, in file order."""
        if self._heads is None:
            if self._index is not None:
                self._heads = self._index["heads"]
            else:
                heads: dict[str, list[str]] = {}
                for name, entry in self._read_whole().items():
                    for group in sorted({template_head(p) for p in entry["paths"]}):
                        heads.setdefault(group, []).append(name)
                self._heads = heads
        return self._heads

    def __getitem__(self, name: str) -> OperationEntry:
        found = self._loaded.get(name)
        if found is None:
            found = self._loaded[name] = self._expanded(self._entry(name))
        return found

    def _entry(self, name: str) -> OperationEntry:
        if self._parsed is None and self._index is not None:
            span = self._index["offsets"].get(name)
            if span is None:
                raise KeyError(name)
            if self._raw is None:
                self._raw = self._path.read_bytes()
            if len(self._raw) == self._index["size"]:
                entry = cast(OperationEntry, load_json(self._raw[span[0] : span[1]]))
                if isinstance(entry, dict) and entry.get("name") == name:
                    return entry
            self._index = None  # operations.json changed after its index was written: read it whole
            self._raw = None
        return self._read_whole()[name]

    def _expanded(self, entry: OperationEntry) -> OperationEntry:
        body, uri = entry.get("requestBody"), entry.get("entitySchema")
        if body is None or uri is None or body != {"$ref": uri} or uri not in self._schemas:
            return entry
        schema = self._schemas[uri]
        full = {k: v for k, v in schema.items() if k not in {"$id", "title", "x-graph"}}
        return cast(OperationEntry, {**entry, "requestBody": full})

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        if self._parsed is not None:
            return name in self._parsed
        assert self._index is not None
        return name in self._index["offsets"]


def entity_set_types(entries: Iterable[OperationEntry]) -> list[str]:
    """The entity types that documented entries serve at a top-level collection: a list or create of a
    one-segment path, or a get or update of `/set/{key}`."""
    found: set[str] = set()
    for entry in entries:
        entity = entry["entityType"]
        for path in entry["paths"] if entity else []:
            parts = path.strip("/").split("/")
            plain = parts[0] and "(" not in parts[0] and not parts[0].startswith("{")
            if not plain:
                continue
            if (len(parts) == 1 and entry["kind"] in {"list", "create"}) or (
                len(parts) == 2 and parts[1].startswith("{") and entry["kind"] in {"get", "update"}
            ):
                found.add(str(entity))
    return sorted(found)


def _read_index(path: Path) -> RouteIndex | None:
    if not path.is_file():
        return None
    try:
        return cast(RouteIndex, load_json(path.read_bytes()))
    except ValueError:
        return None


@dataclass
class Catalogue:
    """Operations and schemas of every served version."""

    schemas: dict[str, Mapping[str, JSONObject]]  # version → $id → schema
    operations: dict[str, Mapping[str, OperationEntry]]  # version → name → entry

    def schema(self, version: str, qualified: str) -> JSONObject | None:
        return self.schemas.get(version, {}).get(schema_uri(version, qualified))

    def entries(self, version: str) -> list[OperationEntry]:
        """Every entry of a version (reads them all: tools, not the serving path, ask for this)."""
        return list(self.operations.get(version, {}).values())

    def entity_sets(self, version: str) -> frozenset[str]:
        """The entity types a top-level collection of the version serves."""
        operations = self.operations.get(version, {})
        if isinstance(operations, Operations):
            return operations.entity_sets()
        return frozenset(entity_set_types(operations.values()))

    def entries_in(self, version: str, head: str) -> list[OperationEntry]:
        """The entries with a path in one route group (`template_head`), in file order."""
        operations = self.operations.get(version, {})
        names = operations.heads().get(head, []) if isinstance(operations, Operations) else None
        if names is None:
            return [e for e in operations.values() if any(template_head(p) == head for p in e["paths"])]
        return [operations[name] for name in names]


class RequestBodies(Mapping[str, JSONObject]):
    """Operation name → its documented request body schema, for the operations that have one; an entry is
    read when its body is first asked for."""

    def __init__(self, operations: Mapping[str, OperationEntry]) -> None:
        self._operations = operations

    def __getitem__(self, name: str) -> JSONObject:
        body = self._operations[name]["requestBody"]
        if body is None:
            raise KeyError(name)
        return body

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._operations if self._operations[name]["requestBody"] is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def request_bodies(catalogue: Catalogue, version: str) -> Mapping[str, JSONObject]:
    """Operation name → its documented request body schema, for the operations that have one (lazily)."""
    return RequestBodies(catalogue.operations.get(version, {}))


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
    operations: dict[str, Mapping[str, OperationEntry]] = {}
    for version in VERSIONS:
        folder = data / "fixtures" / version
        schemas[version] = SchemaFolder(data / "schemas" / version, version)
        operations[version] = Operations(folder / "operations.json", folder / "routes.json", schemas[version])
    if not any(operations.values()):
        raise ConfigError(
            f"{data} holds no compiled pack (no fixtures/<version>/operations.json with operations); "
            f"make one with: fakegraph compile DOCS... --out {data}"
        )
    return Catalogue(schemas, operations)
