"""The compiled catalogue as the server sees it: endpoints by version, path template and method.

Built once at start-up from `fixtures/<version>/operations.json` and `schemas/<version>/`. Documented
operations come first; a collection that accepts POST (or is listed) also gets the generic item endpoints.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from fakegraph.artifacts.errors import ConfigError

JSONObject = dict[str, Any]
VERSIONS = ("beta", "v1.0")
_PARAM = re.compile(r"\{([^}]+)\}")


class Endpoint(NamedTuple):
    """What one method on one path does."""

    kind: str  # create | list | get | update | delete | function | count
    entity_type: str
    status: int
    collection: str  # collection path without leading slash, for @odata.context
    operation: JSONObject | None = None  # the documented catalogue entry, if any
    request_schema: JSONObject | None = None
    returns_body: bool = True


class Segment(NamedTuple):
    """One template segment: a literal, a key (`{id}`), or a function call with parameters."""

    literal: str = ""  # lower-cased
    key: str = ""
    function: re.Pattern[str] | None = None

    def match(self, decoded: str) -> dict[str, str] | None:
        if self.key:
            return {self.key: decoded}
        if self.function is not None:
            found = self.function.fullmatch(decoded)
            return dict(found.groupdict()) if found else None
        return {} if decoded.lower().removesuffix("()") == self.literal else None


@dataclass
class Route:
    template: str
    segments: tuple[Segment, ...]
    endpoints: dict[str, Endpoint] = field(default_factory=dict)


@dataclass
class Catalogue:
    """Routes and schemas of every served version."""

    routes: dict[str, list[Route]]
    schemas: dict[str, dict[str, JSONObject]]  # version → $id → schema
    operations: dict[str, dict[str, JSONObject]]  # version → name → entry

    def schema(self, version: str, qualified: str) -> JSONObject | None:
        return self.schemas.get(version, {}).get(f"urn:fakegraph:schemas:{version}:{qualified}")


def load_catalogue(data: Path) -> Catalogue:
    routes: dict[str, list[Route]] = {}
    schemas: dict[str, dict[str, JSONObject]] = {}
    operations: dict[str, dict[str, JSONObject]] = {}
    for version in VERSIONS:
        ops_file = data / "fixtures" / version / "operations.json"
        entries = json.loads(ops_file.read_text(encoding="utf-8"))["operations"] if ops_file.exists() else []
        operations[version] = {e["name"]: e for e in entries}
        schemas[version] = (
            {
                s["$id"]: s
                for s in (
                    json.loads(p.read_text(encoding="utf-8"))
                    for p in sorted((data / "schemas" / version).glob("*.json"))
                )
            }
            if (data / "schemas" / version).is_dir()
            else {}
        )
        routes[version] = build_routes(entries)
    if not any(routes.values()):
        raise ConfigError(f"no operations found under {data / 'fixtures'}")
    return Catalogue(routes, schemas, operations)


def build_routes(entries: list[JSONObject]) -> list[Route]:
    """Documented endpoints, then the generic ones every writable or listed collection has."""
    table: dict[str, Route] = {}
    ordered = sorted(entries, key=lambda e: e["name"])
    for entry in ordered:
        for path in entry["paths"]:
            _documented(table, entry, path)
    # Documented lists first, so a collection's $count takes the list's query restrictions.
    for entry in sorted(ordered, key=lambda e: e["kind"] != "list"):
        if entry["kind"] in {"create", "list"} and entry.get("entityType"):
            for path in entry["paths"]:
                _generic(table, entry, path)
    return sorted(table.values(), key=lambda r: r.template)


def _route(table: dict[str, Route], path: str) -> Route:
    key = _PARAM.sub("{}", path.lower())
    if key not in table:
        table[key] = Route(path, tuple(_segment(s) for s in path.strip("/").split("/")))
    return table[key]


def _segment(text: str) -> Segment:
    if text.startswith("{") and text.endswith("}"):
        return Segment(key=text[1:-1])
    if "(" in text and "{" in text:
        name, _, args = text.partition("(")
        pattern = re.escape(name) + r"\(" + _args_pattern(args.rstrip(")")) + r"\)"
        return Segment(function=re.compile(pattern, re.IGNORECASE))
    return Segment(literal=text.lower().removesuffix("()"))


def _args_pattern(args: str) -> str:
    parts = []
    for arg in args.split(","):
        name, _, value = arg.partition("=")
        param = _PARAM.search(value)
        group = param.group(1) if param else name.strip()
        quoted = value.strip().startswith("'")
        body = f"'(?P<{group}>[^']*)'" if quoted else f"(?P<{group}>[^,)]*)"
        parts.append(re.escape(name.strip()) + r"\s*=\s*" + body)
    return r"\s*,\s*".join(parts)


def _collection(path: str) -> str:
    return path.strip("/")


def _documented(table: dict[str, Route], entry: JSONObject, path: str) -> None:
    method = entry["method"]
    kind = entry["kind"]
    if kind not in {"create", "list", "get", "update", "delete", "function"} or not entry.get("entityType"):
        return
    route = _route(table, path)
    collection = _collection(path.rsplit("/", 1)[0] if kind in {"get", "update", "delete"} else path)
    status = int(entry["successStatus"])
    route.endpoints.setdefault(
        method,
        Endpoint(
            kind,
            entry["entityType"],
            status,
            collection,
            entry,
            entry.get("requestBody"),
            returns_body=status != 204,
        ),
    )


def _generic(table: dict[str, Route], entry: JSONObject, path: str) -> None:
    entity = entry["entityType"]
    collection = _collection(path)
    schema = entry.get("requestBody") if entry["kind"] == "create" else None
    item = _route(table, f"{path}/{{id}}")
    item.endpoints.setdefault("GET", Endpoint("get", entity, 200, collection))
    listing = entry if entry["kind"] == "list" else None
    _route(table, f"{path}/$count").endpoints.setdefault(
        "GET", Endpoint("count", entity, 200, collection, listing)
    )
    if entry["kind"] != "create":
        return
    _route(table, path).endpoints.setdefault("GET", Endpoint("list", entity, 200, collection))
    item.endpoints.setdefault(
        "PATCH", Endpoint("update", entity, 204, collection, None, schema, returns_body=False)
    )
    item.endpoints.setdefault("DELETE", Endpoint("delete", entity, 204, collection, returns_body=False))
