"""The route table built from a pack's catalogue, and Graph request paths → (endpoint, path parameters), or
Graph's "Resource not found for the segment" error.

Paths are matched on the raw path: each segment is percent-decoded after splitting, so an encoded `/` stays
inside an id. Empty segments (`//`) are dropped, as Graph does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple, cast
from urllib.parse import unquote

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts.catalogue import Catalogue
from fakegraph.artifacts.contract import (
    JSONObject,
    OperationEntry,
    graph_block,
    reference_navigation,
    template_head,
    template_shape,
    type_of_uri,
)
from fakegraph.artifacts.errors import ResourceNotFound
from fakegraph.http import arguments

_PARAM = re.compile(r"\{([^}]+)\}")


class Endpoint(NamedTuple):
    """What one method on one path does."""

    kind: str  # create | list | get | update | delete | function | count
    entity_type: str
    status: int
    collection: str  # collection path without leading slash, for @odata.context
    operation: OperationEntry | None = None  # the documented catalogue entry, if any
    request_schema: JSONObject | None = None
    body_of: str | None = None  # the operation whose documented request body `request_schema` is
    returns_body: bool = True


class Segment(NamedTuple):
    """One template segment: a literal, a key (`{id}`), or a function call with parameters."""

    literal: str = ""  # lower-cased
    key: str = ""
    function: str | None = None  # the call's pattern, compiled on first use (a whole Graph has thousands)
    parameters: tuple[str, ...] = ()  # the function's parameter names, one group each, in order
    compiled: list[re.Pattern[str]] | None = None  # holds the compiled pattern once made

    def match(self, decoded: str) -> dict[str, str] | None:
        if self.key:
            return {self.key: decoded}
        if self.function is not None and self.compiled is not None:
            if not self.compiled:
                self.compiled.append(re.compile(self.function, re.IGNORECASE))
            found = self.compiled[0].fullmatch(decoded)
            return dict(zip(self.parameters, found.groups(), strict=True)) if found else None
        return {} if decoded.lower().removesuffix("()") == self.literal else None


@dataclass
class Route:
    template: str
    segments: tuple[Segment, ...]
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    reference: bool = False  # a reference navigation: the docs document `$ref` on it (ARCHITECTURE A14)


REF = "$ref"
_REFERENCE_KINDS = {"POST": "ref-add", "PUT": "ref-set", "DELETE": "ref-remove", "GET": "ref-list"}


shape = template_shape  # routes and reference navigations are known by their shape


def navigation_of(template: str) -> str:
    """The navigation a `$ref` template works on (the template itself for any other)."""
    return reference_navigation(template) or template


def routes_of(catalogue: Catalogue) -> dict[str, list[Route]]:
    """The route table of every version of a pack."""
    return {
        version: build_routes(catalogue.entries(version), schema_lookup(catalogue, version))
        for version in catalogue.operations
    }


SchemaLookup = Callable[[str], JSONObject | None]  # qualified type name → its schema


def schema_lookup(catalogue: Catalogue, version: str) -> SchemaLookup:
    return partial(catalogue.schema, version)


def build_routes(entries: list[OperationEntry], schema: SchemaLookup | None = None) -> list[Route]:
    """Documented endpoints, then the generic ones every writable or listed collection has. With the
    types' schemas, a path's type is what its segments walk to through the resource pages' navigation
    properties, where they say (ARCHITECTURE A15)."""
    ordered = sorted((_key_forms(e) for e in entries), key=lambda e: e["name"])
    table = _Table(_Types(ordered, schema))
    for entry in ordered:
        for path in entry["paths"]:
            if path.rstrip("/").endswith("/" + REF):
                _reference(table, entry, path)
            else:
                _documented(table, entry, path)
    # Documented lists first, so a collection's $count takes the list's query restrictions.
    for entry in sorted(ordered, key=lambda e: e["kind"] != "list"):
        if entry["kind"] in {"create", "list"} and entry.get("entityType"):
            for path in entry["paths"]:
                if reference_navigation(path) is None:  # `$ref` paths hold links, not a collection
                    _generic(table, entry, path)
    # A documented item path (`/servicePrincipals/{id}`) implies the collection above it: its list and count.
    _implied_all(table, ordered)
    for navigation in table.references:  # reads of a reference navigation list (and count) its links
        _reads_of_links(table, navigation)
    _align(table)
    _media(table)
    return sorted(table.routes.values(), key=lambda r: r.template)


_KEY_FORM = re.compile(r"^[A-Za-z]\w*=(\{[^}]+\})$")


def _key_forms(entry: OperationEntry) -> OperationEntry:
    """The entry with each documented alternate-key segment (`/directoryRoles/roleTemplateId={id}`) read as
    the key segment it is: requests spell it `roleTemplateId=...`, which the handlers resolve to the key."""
    if not any("=" in path for path in entry["paths"]):
        return entry
    paths = ["/".join(_KEY_FORM.sub(r"\1", part) for part in path.split("/")) for path in entry["paths"]]
    return cast(OperationEntry, {**entry, "paths": paths})


def _is_key(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def _implied_all(table: _Table, ordered: list[OperationEntry]) -> None:
    """The collections documented item paths imply. Gets first, then updates, then deletes; a delete page
    has no body to tell its type by, so it implies reads only where the path's walk types them."""
    rank = {"get": 0, "update": 1, "delete": 2}
    for entry in sorted(ordered, key=lambda e: rank.get(e["kind"], 3)):
        if entry["kind"] in rank and entry.get("entityType"):
            for path in entry["paths"]:
                if entry["kind"] != "delete" or table.types.walk(path) is not None:
                    _implied(table, entry, path)


def _implied(table: _Table, entry: OperationEntry, path: str) -> None:
    """The reads of the collection an item template (`.../things/{id}`) names: GET lists the collection
    and `/$count` counts it, and the item can be read where only its update or delete is documented."""
    parts = path.rstrip("/").split("/")
    if len(parts) < 3 or not _is_key(parts[-1]) or REF in parts:
        return
    above = parts[-2]
    if not above or _is_key(above) or "(" in above or above.startswith("$"):
        return
    collection = "/".join(parts[:-1])
    entity = table.types.of(collection, entry["entityType"] or "")
    name = _collection(collection)
    table.route(path).endpoints.setdefault("GET", Endpoint("get", entity, 200, name))
    listing = table.route(collection).endpoints.setdefault("GET", Endpoint("list", entity, 200, name))
    if listing.kind == "list":
        table.route(collection + "/$count").endpoints.setdefault(
            "GET", Endpoint("count", listing.entity_type, 200, name, listing.operation)
        )


class _Types:
    """The type a path template addresses, walked from its first segment through the navigation properties
    the resource pages declare: `/chats/{id}/members/{id}` is a conversationMember (chat's `members`), not the
    chat the page that deletes one names first. Roots come from the documented entries: a collection's or
    singleton's one-segment path (`/chats`, `/me`), or an item's two (`/chats/{id}`)."""

    def __init__(self, entries: list[OperationEntry], schema: SchemaLookup | None) -> None:
        self._schema = schema
        self._roots: dict[str, tuple[str, bool]] = {}  # first segment → (type, a collection?)
        self._targets: dict[tuple[str, str], tuple[str, bool] | None] = {}
        if schema is None:
            return
        rank = {"list": 0, "create": 0, "get": 1, "update": 2}
        ranked = sorted(entries, key=lambda e: rank.get(e["kind"], 9))
        for entry in ranked:
            entity, kind = entry["entityType"], entry["kind"]
            if not entity or kind not in {"list", "create", "get", "update"}:
                continue
            for path in entry["paths"]:
                parts = path.strip("/").split("/")
                head = parts[0].lower()
                if len(parts) == 1 and parts[0] and not _is_key(parts[0]) and "(" not in parts[0]:
                    self._roots.setdefault(head, (entity, kind in {"list", "create"}))
                elif len(parts) == 2 and _is_key(parts[1]) and kind in {"get", "update"}:
                    self._roots.setdefault(head, (entity, True))

    def _root(self, segment: str) -> tuple[str, bool] | None:
        """The type of a first segment: documented, else the entity type an entity set's plural name
        names (`directoryRoles` holds `microsoft.graph.directoryRole`), where the pack has it."""
        lookup = self._schema
        if lookup is None:
            return None
        found = self._roots.get(segment.lower())
        if found is not None or _is_key(segment) or "(" in segment or not segment.endswith("s"):
            return found
        for singular in (segment[:-3] + "y", segment[:-1]) if segment.endswith("ies") else (segment[:-1],):
            schema = lookup(f"microsoft.graph.{singular}")
            if schema is not None and graph_block(schema).get("kind") == "entityType":
                return f"microsoft.graph.{singular}", True
        return None

    def _target(self, entity: str, name: str) -> tuple[str, bool] | None:
        """What a navigation property of a type leads to (remembered: a group walks the same ones often)."""
        key = (entity, name.lower())
        if key not in self._targets:
            schema = self._schema(entity) if self._schema is not None else None
            self._targets[key] = _navigation_target(schema, name) if schema is not None else None
        return self._targets[key]

    def of(self, template: str, fallback: str) -> str:
        """The type the template walks to, else `fallback` (the page's own word)."""
        walked = self.walk(template)
        return walked if walked is not None else fallback

    def stream(self, template: str) -> bool:
        """Whether the template's last segment is a property its item's type declares a stream."""
        parent, _, name = template.rstrip("/").rpartition("/")
        walked = self.walk(parent)
        schema = self._schema(walked) if walked is not None and self._schema is not None else None
        props = schema.get("properties", {}) if schema is not None else {}
        return any(n.lower() == name.lower() and "contentMediaType" in p for n, p in props.items())

    def walk(self, template: str) -> str | None:
        parts = [p for p in template.strip("/").split("/") if p]
        root = self._root(parts[0]) if parts else None
        if root is None or self._schema is None:
            return None
        entity, collection = root
        for part in parts[1:]:
            if collection:
                if not _is_key(part):
                    return None  # a function, `$count` or a cast: not a path this walk types
                collection = False
                continue
            found = self._target(entity, part)
            if found is None:
                return None  # a structural property, a function or an action
            entity, collection = found
        return entity


def _navigation_target(schema: JSONObject, name: str) -> tuple[str, bool] | None:
    """The type a navigation property of a schema leads to, and whether it is a collection."""
    declared = graph_block(schema).get("navigationProperties", [])
    match = next((n for n in declared if n.lower() == name.lower()), None)
    prop = schema.get("properties", {}).get(match) if match is not None else None
    if not isinstance(prop, dict):
        return None
    uri = schema_walk.element(prop).get("$ref")
    qualified = type_of_uri(uri) if isinstance(uri, str) else None
    return (qualified, isinstance(prop.get("items"), dict)) if qualified else None


class _Table:
    """Routes by their template's shape while the table is built; a segment's text is parsed once."""

    def __init__(self, types: _Types) -> None:
        self.types = types
        self.routes: dict[str, Route] = {}
        self.references: list[Route] = []  # reference navigations met so far
        self._segments: dict[str, Segment] = {}

    def route(self, path: str) -> Route:
        key = shape(path)
        found = self.routes.get(key)
        if found is None or ("|" in path and "|" not in found.template):
            # One route per shape; the template naming alternate keys (`{id | userPrincipalName}`) wins.
            segments = tuple(self._segment(s) for s in path.strip("/").split("/"))
            if found is None:
                found = self.routes[key] = Route(path, segments)
            else:
                found.template, found.segments = path, segments
        return found

    def _segment(self, text: str) -> Segment:
        found = self._segments.get(text)
        if found is None:
            found = self._segments[text] = _segment(text)
        return found


def _segment(text: str) -> Segment:
    if text.startswith("{") and text.endswith("}"):
        return Segment(key=text[1:-1])
    if "(" in text and "{" in text:
        name, _, args = text.partition("(")
        body, parameters = _args_pattern(args.rstrip(")"))
        pattern = re.escape(name) + r"\(" + body + r"\)"
        return Segment(function=pattern, parameters=parameters, compiled=[])
    return Segment(literal=text.lower().removesuffix("()"))


def _args_pattern(args: str) -> tuple[str, tuple[str, ...]]:
    """The pattern of a function's arguments, and the parameter each of its groups captures. Groups are
    positional: the docs' parameter names (`{search-text}`, `{Parameter 1}`) need not be identifiers."""
    parts = []
    names = []
    for arg in args.split(","):
        name, _, value = arg.partition("=")
        param = _PARAM.search(value)
        names.append(param.group(1) if param else name.strip())
        body = "'([^']*)'" if value.strip().startswith("'") else "([^,)]*)"
        parts.append(re.escape(name.strip()) + r"\s*=\s*" + body)
    return r"\s*,\s*".join(parts), tuple(names)


def _collection(path: str) -> str:
    return path.strip("/")


def _reference(table: _Table, entry: OperationEntry, path: str) -> None:
    """`.../members/$ref` (POST adds, GET lists the links) and `.../members/{id}/$ref` (DELETE removes): the
    navigation they name becomes a reference navigation, whose reads list the linked objects."""
    kind = _REFERENCE_KINDS.get(entry["method"] or "")
    if kind is None:
        return
    navigation = table.route(navigation_of(path))
    navigation.reference = True
    table.references.append(navigation)
    collection = navigation.template.strip("/")
    entity = entry["entityType"] or ""
    status = int(entry["successStatus"])
    table.route(path).endpoints.setdefault(
        entry["method"] or "", Endpoint(kind, entity, status, collection, entry)
    )
    keyed = _is_key(path.rstrip("/").split("/")[-2])
    if kind in {"ref-add", "ref-list"} or (kind == "ref-remove" and keyed):
        # A collection-valued reference navigation: documenting one of its `$ref` operations documents the
        # navigation, and Graph serves all three on it (add, list the links, remove one).
        base = navigation.template.rstrip("/")
        links = table.route(f"{base}/{REF}").endpoints
        links.setdefault("POST", Endpoint("ref-add", entity, 204, collection, entry))
        links.setdefault("GET", Endpoint("ref-list", entity, 200, collection, entry))
        table.route(f"{base}/{{id}}/{REF}").endpoints.setdefault(
            "DELETE", Endpoint("ref-remove", entity, 204, collection, entry)
        )


def _reads_of_links(table: _Table, navigation: Route) -> None:
    collection = navigation.template.strip("/")
    entity = table.types.of(navigation.template, "")
    listing = navigation.endpoints.setdefault("GET", Endpoint("list", entity, 200, collection))
    counted = table.route(navigation.template.rstrip("/") + "/$count")
    counted.reference = True
    counted.endpoints.setdefault(
        "GET", Endpoint("count", listing.entity_type, 200, collection, listing.operation)
    )


def _documented(table: _Table, entry: OperationEntry, path: str) -> None:
    method = entry["method"]
    kind = entry["kind"]
    entity = entry["entityType"]
    if kind not in {"create", "list", "get", "update", "delete", "function", "action"} or not method:
        return
    if not entity and kind != "action":  # an action may return nothing; every other kind names a type
        return
    if kind in {"create", "list", "get", "update", "delete"}:
        entity = table.types.of(path, entity or "")
    route = table.route(path)
    # An item's context is its collection's (`/users/{id}`: users); one addressed without a key is its own
    # path (`/me/drive`: me/drive), but for a signed-in form (`/me`). A `$value` names its item.
    reads_item = kind in {"get", "update", "delete"}
    item = path.rstrip("/").removesuffix("/$value") if reads_item else path
    keyed_item = reads_item and _is_key(item.rsplit("/", 1)[-1])
    collection = _collection(item.rsplit("/", 1)[0] if keyed_item else item)
    if "/" not in collection and reads_item and not keyed_item:
        keyed = [p for p in entry["paths"] if p.rstrip("/").endswith("}")]
        collection = _collection(keyed[0].rsplit("/", 1)[0]) if keyed else collection
    status = int(entry["successStatus"])
    route.endpoints.setdefault(
        method,
        Endpoint(
            kind,
            entity or "",
            status,
            collection,
            entry,
            entry["requestBody"],
            entry["name"] if entry["requestBody"] else None,
            returns_body=status != 204,
        ),
    )


def _align(table: _Table) -> None:
    """Where no walk types an item's path, its update and delete take the type its documented read
    answers with (a delete page names a type by its first link: `DELETE /chats/{id}/tabs/{id}` is a tab's
    delete, as its read says, not a chat's)."""
    for route in table.routes.values():
        reading = route.endpoints.get("GET")
        if reading is None or reading.kind != "get" or table.types.walk(route.template) is not None:
            continue
        for method, endpoint in list(route.endpoints.items()):
            if endpoint.kind in {"update", "delete"} and endpoint.entity_type != reading.entity_type:
                route.endpoints[method] = endpoint._replace(entity_type=reading.entity_type)


UPLOAD_SESSION = "microsoft.graph.uploadSession"


def _media(table: _Table) -> None:
    """Media (ARCHITECTURE A21, served by http/media): a route ending in `$value`, or in a property its
    item's type declares a stream, reads the item's bytes (GET) and writes them (PUT; a documented PATCH of
    `$value` too); a documented DELETE removes them. Its endpoints carry the item's type and collection. An
    action that answers with an uploadSession opens an upload session."""
    for route in table.routes.values():
        for method, endpoint in route.endpoints.items():
            if endpoint.kind == "action" and endpoint.entity_type == UPLOAD_SESSION:
                route.endpoints[method] = endpoint._replace(kind="upload-session")
        parent, _, last = route.template.rstrip("/").rpartition("/")
        if parent.strip("/") and (last == "$value" or table.types.stream(route.template)):
            owner = table.routes.get(shape(parent))
            route.endpoints = _streamed(route.endpoints, owner.endpoints.get("GET") if owner else None, last)


def _streamed(documented: dict[str, Endpoint], item: Endpoint | None, last: str) -> dict[str, Endpoint]:
    """A stream route's endpoints: typed as the item's read (else the documented ones), with the documented
    statuses and operations (an undocumented PUT answers as the documented write, else 204)."""
    first = item if item is not None and item.kind == "get" else next(iter(documented.values()))
    read, write = documented.get("GET"), documented.get("PUT") or documented.get("PATCH")
    status = write.status if write else 204
    entity, collection = first.entity_type, first.collection
    served = {
        "GET": Endpoint(
            "stream-read", entity, read.status if read else 200, collection, read and read.operation
        ),
        "PUT": Endpoint(
            "stream-write", entity, status, collection, write and write.operation, returns_body=status != 204
        ),
    }
    if "PATCH" in documented and last == "$value":
        served["PATCH"] = served["PUT"]
    if "DELETE" in documented:
        served["DELETE"] = Endpoint("stream-delete", entity, 204, collection, returns_body=False)
    return {**documented, **served}


def _generic(table: _Table, entry: OperationEntry, path: str) -> None:
    entity = table.types.of(path, entry["entityType"] or "")
    if not entity:
        return
    collection = _collection(path)
    schema = entry["requestBody"] if entry["kind"] == "create" else None
    body_of = entry["name"] if schema is not None else None
    item = table.route(f"{path}/{{id}}")
    item.endpoints.setdefault("GET", Endpoint("get", entity, 200, collection))
    listing = entry if entry["kind"] == "list" else None
    table.route(f"{path}/$count").endpoints.setdefault(
        "GET", Endpoint("count", entity, 200, collection, listing)
    )
    if entry["kind"] != "create":
        return
    table.route(path).endpoints.setdefault("GET", Endpoint("list", entity, 200, collection))
    item.endpoints.setdefault(
        "PATCH", Endpoint("update", entity, 204, collection, None, schema, body_of, returns_body=False)
    )
    item.endpoints.setdefault("DELETE", Endpoint("delete", entity, 204, collection, returns_body=False))


class Target(NamedTuple):  # a tuple: built on every request, cheaper than a frozen dataclass
    route: Route
    params: dict[str, str]


def split(raw_path: str) -> list[str]:
    """Non-empty raw segments of a path (query string excluded)."""
    return [s for s in raw_path.split("?", 1)[0].split("/") if s]


class Router:
    """Per-version route tables, built one route group (a path's first segment, `template_head`) at a time,
    when a request first falls in it: start-up reads no operation entry (ARCHITECTURE A13).

    A group's table is `build_routes` over the entries with a path in that group, less the routes of other
    groups: the same routes, in the same order, as the group's part of the whole version's table (a route's
    endpoints come only from entries with a path of the route's shape, and `build_routes` keeps their order).
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._versions = list(catalogue.operations)
        self._built: set[tuple[str, str]] = set()  # (version, group) whose routes are indexed
        self._group_routes: dict[tuple[str, str], list[Route]] = {}
        self._by_head: dict[tuple[str, int, str], list[Route]] = {}  # (version, length, first literal)
        # Most routes are literals with at most a trailing key: those resolve with one dict lookup.
        self._exact: dict[tuple[str, tuple[str, ...]], Route] = {}
        self._keyed: dict[tuple[str, tuple[str, ...]], Route] = {}
        self._shadowed: set[tuple[str, tuple[str, ...]]] = set()  # keyed prefixes that also have functions

    @property
    def routes(self) -> dict[str, list[Route]]:
        """version → every route, sorted by template (builds every group: tools, not the serving path)."""
        return routes_of(self._catalogue)

    def _group(self, version: str, head: str) -> list[Route]:
        """The routes of one group, most specific first (a literal beats a function call, which beats a key);
        built and indexed on first use."""
        key = (version, head)
        if key not in self._built:
            self._built.add(key)
            entries = self._catalogue.entries_in(version, head)
            built = build_routes(entries, schema_lookup(self._catalogue, version))
            mine = [r for r in built if template_head(r.template) == head]
            mine.sort(key=_specificity)
            self._group_routes[key] = mine
            for route in mine:
                first = route.segments[0].literal if route.segments else ""
                self._by_head.setdefault((version, len(route.segments), first), []).append(route)
                self._index_literal(version, route)
        return self._group_routes[key]

    def _index_literal(self, version: str, route: Route) -> None:
        *prefix, last = route.segments
        if not all(s.literal for s in prefix):
            return
        literals = tuple(s.literal for s in prefix)
        if last.literal:
            self._exact.setdefault((version, (*literals, last.literal)), route)
        elif last.key:
            self._keyed.setdefault((version, literals), route)
        else:  # a function below the collection: its calls must not be read as item ids
            self._shadowed.add((version, literals))

    def versions(self) -> list[str]:
        return list(self._versions)

    def resolve(self, version: str, segments: list[str]) -> Target:
        decoded = [unquote(s) for s in segments]
        found = self._match(version, segments, decoded)
        if found is not None:
            return found
        # `f(period=D7)`, served as `f(period='D7')`: Graph's message about the argument (http/arguments.py)
        arguments.check_unquoted(decoded, lambda quoted: self._match(version, quoted, quoted) is not None)
        raise ResourceNotFound(self._unknown_segment(version, segments, decoded))

    def _match(self, version: str, raw: list[str], decoded: list[str]) -> Target | None:
        head = decoded[0].lower().removesuffix("()") if decoded else ""
        self._group(version, head)
        self._group(version, "")  # routes whose first segment is a key or a call match any head
        if decoded:
            lowered = tuple(d.lower().removesuffix("()") for d in decoded)
            exact = self._exact.get((version, lowered))
            if exact is not None:
                return Target(exact, {})
            keyed = self._keyed.get((version, lowered[:-1]))
            if keyed is not None and (version, lowered[:-1]) not in self._shadowed:
                return Target(keyed, {keyed.segments[-1].key: decoded[-1]})
        literal = self._by_head.get((version, len(raw), head), [])
        candidates = literal + self._by_head.get((version, len(raw), ""), []) if head else literal
        for route in candidates:
            params: dict[str, str] = {}
            for segment, d in zip(route.segments, decoded, strict=True):
                got = segment.match(d)
                if got is None:
                    break
                params.update(got)
            else:
                return Target(route, params)
        return None

    def _unknown_segment(self, version: str, raw: list[str], decoded: list[str]) -> str:
        if not decoded:
            return ""
        elsewhere = any(self._match(v, raw, decoded) for v in self._versions if v != version)
        if elsewhere:
            # Another version serves it: the root exists in every version; the next segment is missing here.
            return _bare(decoded[1] if len(decoded) > 1 else decoded[0])
        # The first segment that no route matching all the segments before it can take. Only the routes of
        # the first segment's group and of the "" group can take the first segment.
        head = decoded[0].lower().removesuffix("()")
        routes = self._group(version, head) + (self._group(version, "") if head else [])
        for depth, segment in enumerate(decoded):
            routes = [
                r for r in routes if len(r.segments) > depth and r.segments[depth].match(segment) is not None
            ]
            if not routes:
                return _bare(segment)
        return _bare(decoded[-1])


def _specificity(route: Route) -> tuple[int, ...]:
    return tuple(0 if s.literal else 1 if s.function is not None else 2 for s in route.segments)


def _bare(segment: str) -> str:
    return segment.split("(", 1)[0] or segment
