"""The `$metadata` document of a served pack: its types, entity sets, singletons and operations as an EDMX
(CSDL XML, OData 4.0) document, as Graph answers `GET /{version}/$metadata` (ARCHITECTURE A20).

Everything comes from the pack: the type schemas and their `x-graph` blocks (kind, key, base type,
navigation properties) and the operation catalogue (the documented paths). The documented paths are read
as a tree from the entity sets and singletons (`/users`, `/me`) through the navigation properties their
types declare, which types the containers Graph's paths pass through (`/identity/conditionalAccess`):

- a container the pack has a type for (a type of that name, or the one type declaring every segment
  below it) is that type; one it has none for gets a type of fakegraph's own, in the `fakegraph`
  namespace, whose navigation properties are the segments below it;
- a documented path below an item that its type does not declare (a page that leaves a relationship out)
  adds that navigation property (a structural one, to a complex type) to the type, and a navigation the
  paths put a key after (`/replies/{id}`) is a collection whatever its page says;
- a page's concrete key (`/classes/acdefc6b-.../assignments`) is read as the key it stands for.

A navigation property holds its targets (`ContainsTarget`) unless the docs document `$ref` on it or a
top-level entity set serves its type (ARCHITECTURE A14, A15), where the entity set or singleton gets a
`NavigationPropertyBinding` to that set when one set serves exactly that type. A function or action is
bound to the type of the path before its name (IsBound, `bindingParameter`); one at the root is unbound
and has a FunctionImport or ActionImport. What the pack cannot say is left out, never guessed: enum
members are numbered in their declared order, and no type is marked abstract.

Pure code: `document(catalogue, version)` reads every schema and entry of one version (a few hundred
milliseconds for the whole shipped beta pack); the server builds it on first request and keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts.catalogue import Catalogue
from fakegraph.artifacts.contract import (
    JSONObject,
    OperationEntry,
    graph_block,
    reference_navigation,
    type_of_uri,
)

EDMX = "http://docs.oasis-open.org/odata/ns/edmx"
EDM = "http://docs.oasis-open.org/odata/ns/edm"
GRAPH = "microsoft.graph"
ALIAS = "graph"  # Graph's own alias of its main namespace
CONTAINER = "GraphService"  # Graph's entity container
OWN = "fakegraph"  # the namespace of the container types fakegraph makes up (see the module docstring)
UNTYPED = "Edm.Untyped"  # a value of any JSON shape (OData 4.01; Graph's `Json` type where the pack has it)
MEDIA_TYPE = "application/xml"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_ALTERNATE_KEY = re.compile(r"^[A-Za-z_]\w*=\{[^}]*\}$")
_ARGUMENT = re.compile(r"\s*([^=,\s]+)\s*=\s*'?\{?([^'},]*)\}?'?\s*")
_KEY = "{}"
_STRUCTURED = frozenset({"entityType", "complexType"})

# JSON Schema (as the compiler writes it, compiler/typemap.py) → EDM primitive type.
_FORMATS = {
    "date-time": "Edm.DateTimeOffset",
    "date": "Edm.Date",
    "int32": "Edm.Int32",
    "int64": "Edm.Int64",
    "int16": "Edm.Int16",
    "uint8": "Edm.Byte",
    "int8": "Edm.SByte",
    "double": "Edm.Double",
    "float": "Edm.Single",
    "decimal": "Edm.Decimal",
}
_PATTERNS = {"^-?P": "Edm.Duration", "^[0-9a-fA-F]{8}": "Edm.Guid", "^([01]": "Edm.TimeOfDay"}
_KINDS = {"string": "Edm.String", "boolean": "Edm.Boolean", "integer": "Edm.Int64", "number": "Edm.Double"}
# A documented function parameter's type (the compiler's lower-cased primitive names) → EDM.
_PARAMETERS = {
    "string": "Edm.String",
    "boolean": "Edm.Boolean",
    "int32": "Edm.Int32",
    "int64": "Edm.Int64",
    "int16": "Edm.Int16",
    "byte": "Edm.Byte",
    "sbyte": "Edm.SByte",
    "double": "Edm.Double",
    "single": "Edm.Single",
    "decimal": "Edm.Decimal",
    "datetimeoffset": "Edm.DateTimeOffset",
    "date": "Edm.Date",
    "timeofday": "Edm.TimeOfDay",
    "duration": "Edm.Duration",
    "guid": "Edm.Guid",
    "binary": "Edm.Binary",
    "stream": "Edm.Stream",
}


@dataclass
class Property:
    name: str
    type: str  # `Edm.String`, a qualified name, or `Collection(...)` of either
    nullable: bool = True


@dataclass
class Navigation:
    name: str
    target: str  # qualified entity type
    collection: bool
    contains: bool = True
    reference: bool = False  # the docs document `$ref` on it


@dataclass
class TypeDef:
    name: str  # qualified
    kind: str  # entityType | complexType | enumType
    base: str | None = None
    key: str | None = None
    open: bool = False
    properties: list[Property] = field(default_factory=list)
    navigations: dict[str, Navigation] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    declared: dict[str, Property | Navigation] = field(default_factory=dict)  # lower-cased name → member

    def add(self, member: Property | Navigation) -> None:
        """Declares a property or navigation property of the type."""
        if isinstance(member, Navigation):
            self.navigations[member.name] = member
        else:
            self.properties.append(member)
        self.declared.setdefault(member.name.lower(), member)


@dataclass
class Operation:
    element: str  # Function | Action
    name: str  # qualified
    binding: str | None  # the binding parameter's type; None: unbound
    parameters: list[Property]
    returns: str | None


@dataclass
class Model:
    """The entity data model of one version of a pack, as the document states it."""

    types: dict[str, TypeDef]
    entity_sets: dict[str, str]  # name → entity type
    singletons: dict[str, str]  # name → entity type
    bindings: dict[str, list[tuple[str, str]]]  # entity set or singleton → (navigation, target set)
    operations: list[Operation]
    skipped: list[str]  # what the pack holds that no valid CSDL can say, one line each
    added: list[str] = field(default_factory=list)  # `type/navigation` the documented paths add
    made: list[str] = field(default_factory=list)  # container types of fakegraph's own


def document(catalogue: Catalogue, version: str) -> bytes:
    """The `$metadata` document of one version of a pack (UTF-8 XML)."""
    return render(model(catalogue, version))


def model(catalogue: Catalogue, version: str) -> Model:
    schemas = catalogue.schemas.get(version, {})
    loaded = {name: schemas[uri] for uri in schemas if (name := type_of_uri(uri)) is not None}
    return _Builder(loaded, catalogue.entries(version)).build()


def namespace_of(qualified: str) -> str:
    return qualified.rpartition(".")[0]


def _valid_name(qualified: str) -> bool:
    parts = qualified.split(".")
    return len(parts) > 1 and all(_IDENTIFIER.match(p) for p in parts)


def _literal(segment: str) -> bool:
    return bool(segment) and not _is_key(segment) and "(" not in segment and not segment.startswith("$")


def _is_key(segment: str) -> bool:
    """A key segment: a placeholder (`{id}`, `roleTemplateId={id}`), or a page's concrete key (a GUID, a
    thread id: text no property, type or operation is named like)."""
    if (segment.startswith("{") and segment.endswith("}")) or _ALTERNATE_KEY.match(segment):
        return True
    return "(" not in segment and not segment.startswith("$") and not _valid_name(f"x.{segment}")


def _segments(path: str) -> list[str] | None:
    """A documented path's segments, keys written `{}`; None for a path the tree cannot walk (a drive
    item path `root:/{path}:`, an empty segment)."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if not parts or any(not p or p.endswith(":") for p in parts):
        return None
    return [_KEY if _is_key(p) else p for p in parts]


class _Builder:
    def __init__(self, schemas: dict[str, JSONObject], entries: list[OperationEntry]) -> None:
        self.schemas = schemas
        self.entries = [e for e in entries if e["kind"] != "unknown" and e["method"]]
        self.types: dict[str, TypeDef] = {}
        self.skipped: list[str] = []
        self.untyped = f"{GRAPH}.Json" if self._kind(f"{GRAPH}.Json") == "complexType" else UNTYPED
        self.nodes: dict[tuple[str, ...], tuple[str, bool]] = {}  # typed path → (type, a collection?)
        self.sets: dict[str, str] = {}
        self.singletons: dict[str, str] = {}
        self.children: dict[tuple[str, ...], set[str]] = {}  # documented path → its next segments
        self.documented: dict[tuple[str, ...], tuple[str, bool]] = {}  # a path a list/create/get/update names
        self.operation_paths: set[tuple[str, ...]] = set()  # paths ending in a function or action name
        self.added: list[str] = []  # navigation properties the documented paths add to a type
        self.made: list[str] = []  # container types of fakegraph's own
        self._by_name: dict[str, list[str]] | None = None  # lower-cased simple name → the pack's entity types

    # --- types ------------------------------------------------------------------------------------------

    def _kind(self, qualified: str | None) -> str | None:
        schema = self.schemas.get(qualified or "")
        return graph_block(schema).get("kind") if schema is not None else None

    def qualify(self, name: str | None, near: str = GRAPH) -> str | None:
        """A type name as the pack knows it: as written, else in the namespace of the type naming it, else
        in Graph's main namespace (pages name base types and parameter types without a namespace)."""
        if not name:
            return None
        for candidate in (name, f"{near}.{name}", f"{GRAPH}.{name}"):
            if candidate in self.schemas and _valid_name(candidate):
                return candidate
        return None

    def _base(self, qualified: str) -> str | None:
        block = graph_block(self.schemas[qualified])
        base = self.qualify(block.get("baseType"), namespace_of(qualified))
        if base is None or self._kind(base) != block.get("kind") or base == qualified:
            return None
        seen = {qualified}
        probe: str | None = base
        while probe is not None:  # a base chain that comes back to the type is no chain
            if probe in seen:
                return None
            seen.add(probe)
            parent = graph_block(self.schemas[probe]).get("baseType")
            probe = self.qualify(parent, namespace_of(probe)) if parent else None
        return base

    def _type_of(self, prop: JSONObject) -> tuple[str, bool]:
        """The EDM type of a property schema, and whether it (or, for a collection, each item) may be
        null."""
        value = _non_null(prop)
        nullable = value is not prop or _allows_null(prop)
        items = value.get("items")
        if isinstance(items, dict):
            element = _non_null(items)
            return f"Collection({self._single(element)})", element is not items or _allows_null(items)
        return self._single(value), nullable

    def _single(self, schema: JSONObject) -> str:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = type_of_uri(ref)
            return target if target is not None and target in self.types else self.untyped
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "string":
            pattern = str(schema.get("pattern", ""))
            found = next((t for prefix, t in _PATTERNS.items() if pattern.startswith(prefix)), None)
            if schema.get("contentEncoding") == "base64":
                return "Edm.Binary"
            return found or _FORMATS.get(str(schema.get("format")), "Edm.String")
        if kind in {"integer", "number"}:
            return _FORMATS.get(str(schema.get("format")), _KINDS[str(kind)])
        return _KINDS.get(str(kind), self.untyped)

    def _declare_types(self) -> None:
        for name in sorted(self.schemas):
            kind = self._kind(name)
            if kind not in {"entityType", "complexType", "enumType"}:
                continue
            if not _valid_name(name):
                self.skipped.append(f"type {name}: not a valid CSDL name")
                continue
            self.types[name] = TypeDef(name, str(kind))

    def _fill_types(self) -> None:
        for typedef in self.types.values():
            if typedef.kind == "enumType":
                self._fill_enum(typedef)
            else:
                self._fill_structured(typedef)

    def _fill_enum(self, typedef: TypeDef) -> None:
        for member in self.schemas[typedef.name].get("enum", []):
            if isinstance(member, str) and _IDENTIFIER.match(member):
                typedef.members.append(member)
            else:
                self.skipped.append(f"enum member {typedef.name}/{member}: not a valid CSDL name")

    def _fill_structured(self, typedef: TypeDef) -> None:
        schema = self.schemas[typedef.name]
        block = graph_block(schema)
        typedef.base = self._base(typedef.name)
        typedef.open = schema.get("additionalProperties") is True or ("if" in schema and "else" not in schema)
        inherited = set(self.schemas[typedef.base].get("properties", {})) if typedef.base else set()
        if typedef.kind == "entityType" and typedef.base is None:
            typedef.key = block.get("key", "id")
        navigation = set(block.get("navigationProperties", []))
        properties = schema.get("properties", {})
        for name, prop in properties.items():
            if name in inherited or not isinstance(prop, dict):
                continue
            if not _IDENTIFIER.match(name):
                self.skipped.append(f"property {typedef.name}/{name}: not a valid CSDL name")
                continue
            target = self._navigation_target(prop) if name in navigation else None
            if target is not None:
                collection = isinstance(_non_null(prop).get("items"), dict)
                typedef.add(Navigation(name, target, collection))
                continue
            kind, nullable = self._type_of(prop)
            typedef.add(Property(name, kind, nullable and name != typedef.key))
        if typedef.key is not None and typedef.key not in properties:
            typedef.add(Property(typedef.key, "Edm.String", nullable=False))

    def _navigation_target(self, prop: JSONObject) -> str | None:
        ref = schema_walk.element(prop).get("$ref")
        target = type_of_uri(ref) if isinstance(ref, str) else None
        return target if target in self.types and self._kind(target) == "entityType" else None

    def _ancestry(self, qualified: str) -> Iterator[TypeDef]:
        """The type, then its base types."""
        typedef = self.types.get(qualified)
        while typedef is not None:
            yield typedef
            typedef = self.types.get(typedef.base) if typedef.base else None

    def _declared(self, qualified: str, name: str) -> Property | Navigation | None:
        """A member of a type or its base types, by name: as spelled, else in any case (as Graph reads
        paths)."""
        lowered = name.lower()
        for typedef in self._ancestry(qualified):
            found = typedef.declared.get(lowered)
            if found is not None:
                exact = typedef.navigations.get(name)
                return exact if exact is not None else found
        return None

    def navigation(self, qualified: str, name: str) -> Navigation | None:
        """A navigation property of a type or its base types, by name."""
        found = self._declared(qualified, name)
        return found if isinstance(found, Navigation) else None

    def member(self, qualified: str, name: str) -> tuple[str, bool] | None:
        """What a property (navigation or structural) of a type holds: its type and whether it is a
        collection; None for a name the type (with its base types) does not declare."""
        found = self._declared(qualified, name)
        if isinstance(found, Navigation):
            return found.target, found.collection
        if found is None:
            return None
        inner = found.type.removeprefix("Collection(").removesuffix(")")
        return inner, found.type.startswith("Collection(")

    def _derives(self, qualified: str, base: str) -> bool:
        return any(t.name == base for t in self._ancestry(qualified))

    # --- the path tree ----------------------------------------------------------------------------------

    def _paths(self) -> list[tuple[list[str], OperationEntry]]:
        out = []
        for entry in self.entries:
            for path in entry["paths"]:
                navigation = reference_navigation(path)
                if navigation is not None:
                    parts = _segments(navigation)
                    if parts:
                        out.append(([*parts, "$ref"], entry))
                    continue
                parts = _segments(path)
                if parts:
                    out.append((parts, entry))
        return out

    def _roots(self, paths: list[tuple[list[str], OperationEntry]]) -> None:
        """Entity sets and singletons from the documented paths, as the router types its first segments:
        a list or create of `/things` or a get or update of `/things/{id}` is an entity set, a get or
        update of `/thing` a singleton; list and create pages first, then gets, then updates."""
        rank = {"list": 0, "create": 0, "get": 1, "update": 2}
        ordered = sorted(paths, key=lambda p: rank.get(p[1]["kind"], 9))
        seen: dict[str, str] = {}  # lower-cased name → the name as first written
        for parts, entry in ordered:
            entity = self.qualify(entry["entityType"])
            kind = entry["kind"]
            if entity is None or kind not in rank or self._kind(entity) != "entityType":
                continue
            name = parts[0]
            if not _literal(name) or not _IDENTIFIER.match(name) or name.lower() in seen:
                continue
            if len(parts) == 1:
                target = self.sets if kind in {"list", "create"} else self.singletons
            elif len(parts) == 2 and parts[1] == _KEY and kind in {"get", "update"}:
                target = self.sets
            else:
                continue
            seen[name.lower()] = name
            target[name] = entity
        for name, entity in self.sets.items():
            self.nodes[(name,)] = (entity, True)
        for name, entity in self.singletons.items():
            self.nodes[(name,)] = (entity, False)

    def _tree(self, paths: list[tuple[list[str], OperationEntry]]) -> None:
        """Types every documented path from the roots down (see the module docstring)."""
        self._index(paths)
        for root in sorted(self.children.get((), set())):
            if _literal(root) and (root,) not in self.nodes:
                self._type_root(root)
        pending = sorted(self.nodes)
        while pending:
            node = pending.pop()
            for child in sorted(self.children.get(node, set())):
                path = (*node, child)
                if path not in self.nodes:
                    typed = self._type_child(node, child)
                    if typed is not None:
                        self.nodes[path] = typed
                        pending.append(path)
                if child == "$ref":
                    self._mark_reference(node)

    def _index(self, paths: list[tuple[list[str], OperationEntry]]) -> None:
        """The documented paths as a tree: each path's next segments, the paths a list, create, get or
        update names the type of, and the paths that end in an operation's name."""
        for parts, entry in paths:
            for depth in range(len(parts)):
                self.children.setdefault(tuple(parts[:depth]), set()).add(parts[depth])
            entity = self.qualify(entry["entityType"])
            kind = entry["kind"]
            if kind in {"function", "action"} and "(" not in parts[-1]:
                self.operation_paths.add(tuple(parts))
            if entity is None or self._kind(entity) not in {"entityType", "complexType"}:
                continue
            if kind in {"list", "create"} and parts[-1] != "$ref":
                self.documented.setdefault(tuple(parts), (entity, True))
            elif kind in {"get", "update"}:
                if parts[-1] == _KEY:
                    self.documented.setdefault(tuple(parts[:-1]), (entity, True))
                else:
                    self.documented.setdefault(tuple(parts), (entity, False))
        for path, (entity, _) in list(self.documented.items()):  # `/things/{id}` documented too: a collection
            if _KEY in self.children.get(path, set()):
                self.documented[path] = (entity, True)

    def _operation(self, path: tuple[str, ...]) -> bool:
        """Whether a path ends in the name of a function or action (and leads nowhere further)."""
        return path in self.operation_paths and not self.children.get(path)

    def _type_root(self, root: str) -> None:
        if not _IDENTIFIER.match(root) or self._operation((root,)):
            return
        if _KEY in self.children.get((root,), set()):  # `/things/{id}/...`: an entity set
            entity = self._plural(root) or self._container((root, _KEY))
            if entity is not None:
                self.sets[root] = entity
                self.nodes[(root,)] = (entity, True)
            return
        documented = self.documented.get((root,), (None, False))[0]
        entity = documented if self._kind(documented) == "entityType" else self._container((root,), root)
        if entity is not None:
            self.singletons[root] = entity
            self.nodes[(root,)] = (entity, False)

    def _plural(self, name: str, kinds: frozenset[str] = frozenset({"entityType"})) -> str | None:
        """The type a collection's plural name names (`directoryRoles` holds directoryRole), as the router
        reads a first segment no page types."""
        if not name.endswith("s"):
            return None
        singulars = (name[:-3] + "y", name[:-1]) if name.endswith("ies") else (name[:-1],)
        for singular in singulars:
            qualified = f"{GRAPH}.{singular}"
            if qualified in self.types and self.types[qualified].kind in kinds:
                return qualified
        return None

    def _type_child(self, node: tuple[str, ...], child: str) -> tuple[str, bool] | None:
        entity, collection = self.nodes[node]
        path = (*node, child)
        if child == _KEY:
            return (entity, False) if collection else None
        if not _literal(child):
            return None
        if _valid_name(child) and child in self.types and self._derives(child, entity):
            return child, collection  # a type cast
        if collection:
            # A page's concrete key (`/classes/acdefc6b-.../assignments`) is an item; a name that ends the
            # path is a function or action of the collection (`/users/delta`).
            return (entity, False) if self.children.get(path) else None
        navigation = self.navigation(entity, child)
        if navigation is not None and not navigation.collection and _KEY in self.children.get(path, set()):
            navigation.collection = True  # the docs' paths key it (`/replies/{id}`): it is a collection
        found = self.member(entity, child)
        if found is not None or self._operation(path):
            return found
        typedef = self.types.get(entity)
        if typedef is None or typedef.kind == "enumType" or not _IDENTIFIER.match(child):
            return None
        target = self.documented.get(path)
        if target is None and _KEY in self.children.get(path, set()):
            item = self._plural(child, _STRUCTURED) or self._container((*path, _KEY))
            target = (item, True) if item is not None else None
        if target is None:
            container = self._container(path, child)
            target = (container, False) if container is not None else None
        if target is None:
            return None
        # A documented path the type's page leaves out: the type has that navigation (or, to a complex
        # type, structural) property.
        if self.types[target[0]].kind == "entityType":
            typedef.add(Navigation(child, target[0], target[1]))
        else:
            typedef.add(Property(child, f"Collection({target[0]})" if target[1] else target[0]))
        self.added.append(f"{typedef.name}/{child}")
        return target

    def _container(self, path: tuple[str, ...], name: str | None = None) -> str | None:
        """The type of a segment that only leads further (`/identity`, `/identity/conditionalAccess`), or
        of the items of a collection no page types (`path` ending in a key): the entity type of its name,
        else the one type declaring every segment below it (two at least), else a type of fakegraph's own.
        None where nothing is documented below it."""
        below = sorted(
            c for c in self.children.get(path, set()) if _literal(c) and not self._operation((*path, c))
        )
        if not below:
            return None
        if self._by_name is None:
            self._by_name = {}
            for typedef in self.types.values():
                if typedef.kind == "entityType":
                    self._by_name.setdefault(_simple(typedef.name).lower(), []).append(typedef.name)
        named = self._by_name.get(name.lower(), []) if name is not None else []
        if named:
            return sorted(named, key=lambda q: (namespace_of(q) != GRAPH, q))[0]
        if len(below) >= 2:
            covering = [
                t.name
                for t in self.types.values()
                if t.kind == "entityType" and all(self.member(t.name, c) is not None for c in below)
            ]
            if len(covering) == 1:
                return covering[0]
        return self._own_type(path)

    def _own_type(self, path: tuple[str, ...]) -> str:
        words = [p for p in path if _literal(p)]
        name = f"{OWN}.{words[0]}" + "".join(w[:1].upper() + w[1:] for w in words[1:])
        while name in self.types:
            name += "_"
        self.types[name] = TypeDef(name, "entityType", key="id")
        self.types[name].add(Property("id", "Edm.String", nullable=False))
        self.made.append(name)
        return name

    def _mark_reference(self, node: tuple[str, ...]) -> None:
        """`.../members/$ref`: `members` is a reference navigation of the type above it."""
        typed = self.nodes.get(node[:-1]) if len(node) > 1 else None
        if typed is None or typed[1]:
            return
        navigation = self.navigation(typed[0], node[-1])
        if navigation is not None:
            navigation.reference = True

    # --- containment and bindings -----------------------------------------------------------------------

    def _served(self) -> dict[str, list[str]]:
        """Entity type → the entity sets holding exactly that type."""
        served: dict[str, list[str]] = {}
        for name, entity in sorted(self.sets.items()):
            served.setdefault(entity, []).append(name)
        return served

    def _containment(self) -> None:
        set_types = set(self.sets.values())
        for typedef in self.types.values():
            for navigation in typedef.navigations.values():
                kinds = {navigation.target} | {t for t in set_types if self._derives(t, navigation.target)}
                navigation.contains = not navigation.reference and not kinds & set_types

    def _bindings(self) -> dict[str, list[tuple[str, str]]]:
        served = self._served()
        out: dict[str, list[tuple[str, str]]] = {}
        for name, entity in [*self.sets.items(), *self.singletons.items()]:
            found = []
            for typedef in self._ancestry(entity):
                for navigation in typedef.navigations.values():
                    sets = served.get(navigation.target, [])
                    if not navigation.contains and len(sets) == 1:
                        found.append((navigation.name, sets[0]))
            if found:
                out[name] = sorted(set(found))
        return out

    # --- operations -------------------------------------------------------------------------------------

    def _operations(self, paths: list[tuple[list[str], OperationEntry]]) -> list[Operation]:
        out: dict[tuple[str, str | None], Operation] = {}
        for parts, entry in paths:
            kind = entry["kind"]
            if kind not in {"function", "action"} or parts[-1] in {_KEY, "$ref"} or parts[-1].startswith("$"):
                continue
            call = parts[-1]
            name = call.split("(", 1)[0].rpartition(".")[2]  # `microsoft.graph.delta()` names `delta`
            namespace = entry["namespace"] if _valid_name(f"{entry['namespace']}.x") else GRAPH
            qualified = f"{namespace}.{name}"
            if not _IDENTIFIER.match(name) or qualified in self.types:
                continue
            binding: str | None = None
            if len(parts) > 1:
                parent = self.nodes.get(tuple(parts[:-1]))
                if parent is None or self.member(parent[0], name) is not None:
                    continue  # a path the tree cannot type, or a property read as an operation
                binding = f"Collection({parent[0]})" if parent[1] else parent[0]
            if (qualified, binding) in out:
                continue
            returns = self._returns(entry)
            if kind == "function" and returns is None:
                returns = self.untyped
            parameters = self._function_parameters(call, entry) if kind == "function" else self._body(entry)
            if binding is not None:
                parameters.insert(0, Property("bindingParameter", binding))
            element = "Function" if kind == "function" else "Action"
            out[(qualified, binding)] = Operation(element, qualified, binding, parameters, returns)
        return [out[k] for k in sorted(out, key=lambda k: (k[0], k[1] or ""))]

    def _returns(self, entry: OperationEntry) -> str | None:
        entity = self.qualify(entry["entityType"])
        if entity is None or entry["successStatus"] == 204 or entity not in self.types:
            return None
        return f"Collection({entity})" if entry["isCollection"] else entity

    def _function_parameters(self, call: str, entry: OperationEntry) -> list[Property]:
        """A function's parameters: the arguments its documented call names, typed as the page types
        them (a string where it does not)."""
        documented = {p["name"].lower(): p["type"] for p in entry["parameters"]}
        out: list[Property] = []
        _, _, args = call.partition("(")
        for match in _ARGUMENT.finditer(args.rstrip(")")):
            name, placeholder = match.group(1), match.group(2)
            if not _IDENTIFIER.match(name) or any(p.name == name for p in out):
                continue
            text = documented.get(placeholder.lower()) or documented.get(name.lower()) or "string"
            kind = _PARAMETERS.get(text.lower().removeprefix("edm.")) or self.qualify(text) or "Edm.String"
            out.append(Property(name, kind, nullable=False))
        return out

    def _body(self, entry: OperationEntry) -> list[Property]:
        """An action's parameters: the properties of its documented request body."""
        body = entry["requestBody"] or {}
        out = []
        for name, prop in body.get("properties", {}).items():
            if isinstance(prop, dict) and _IDENTIFIER.match(name):
                kind, nullable = self._type_of(prop)
                out.append(Property(name, kind, nullable))
        return out

    # --- all of it --------------------------------------------------------------------------------------

    def build(self) -> Model:
        self._declare_types()
        self._fill_types()
        paths = self._paths()
        self._roots(paths)
        self._tree(paths)
        self._containment()
        taken = {n.lower() for n in [*self.sets, *self.singletons]}
        operations = []
        for operation in self._operations(paths):
            if operation.binding is None and _simple(operation.name).lower() in taken:
                self.skipped.append(
                    f"operation import {operation.name}: an entity set or singleton has its name"
                )
            else:
                operations.append(operation)
        return Model(
            types=self.types,
            entity_sets=dict(sorted(self.sets.items())),
            singletons=dict(sorted(self.singletons.items())),
            bindings=self._bindings(),
            operations=operations,
            skipped=self.skipped,
            added=self.added,
            made=self.made,
        )


def _non_null(schema: JSONObject) -> JSONObject:
    """A schema without its `anyOf` null branch."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    return branches[0] if "anyOf" in schema and len(branches) == 1 else schema


def _allows_null(schema: JSONObject) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "null" in kind
    return kind is None and "$ref" not in schema and "anyOf" not in schema  # `{}`: any value, null too


# --- XML ----------------------------------------------------------------------------------------------------


def render(found: Model) -> bytes:
    """The document's text: one schema per namespace (Graph's main one aliased `graph`, holding the entity
    container), types in name order."""
    namespaces: dict[str, list[TypeDef]] = {GRAPH: []}
    for typedef in found.types.values():
        namespaces.setdefault(namespace_of(typedef.name), []).append(typedef)
    operations: dict[str, list[Operation]] = {}
    for operation in found.operations:
        operations.setdefault(namespace_of(operation.name), []).append(operation)
        namespaces.setdefault(namespace_of(operation.name), [])
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<edmx:Edmx Version="{_version(found)}" xmlns:edmx="{EDMX}">',
        "  <edmx:DataServices>",
    ]
    for namespace in sorted(namespaces, key=lambda n: (n != GRAPH, n)):
        alias = f' Alias="{ALIAS}"' if namespace == GRAPH else ""
        lines.append(f'    <Schema Namespace="{namespace}"{alias} xmlns="{EDM}">')
        ordered = sorted(namespaces[namespace], key=lambda t: ({"enumType": 0}.get(t.kind, 1), t.name))
        for typedef in ordered:
            lines.extend(_type_lines(typedef))
        for operation in operations.get(namespace, []):
            lines.extend(_operation_lines(operation))
        if namespace == GRAPH:
            lines.extend(_container_lines(found))
        lines.append("    </Schema>")
    lines.extend(["  </edmx:DataServices>", "</edmx:Edmx>", ""])
    return "\n".join(lines).encode("utf-8")


def _version(found: Model) -> str:
    """4.0 as Graph says, or 4.01 where a value of any shape needs `Edm.Untyped`."""
    typed = [p.type for t in found.types.values() for p in t.properties]
    typed += [p.type for o in found.operations for p in o.parameters] + [
        o.returns or "" for o in found.operations
    ]
    return "4.01" if any(UNTYPED in t for t in typed) else "4.0"


def _ref(qualified: str) -> str:
    """A type reference as Graph writes it: Graph's main namespace by its alias."""
    inner = qualified.removeprefix("Collection(").removesuffix(")")
    if namespace_of(inner) == GRAPH:
        written = f"{ALIAS}.{inner.rpartition('.')[2]}"
        return f"Collection({written})" if qualified.startswith("Collection(") else written
    return qualified


def _simple(qualified: str) -> str:
    return qualified.rpartition(".")[2]


def _attrs(**values: str | None) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in values.items() if value is not None)


def _type_lines(typedef: TypeDef) -> list[str]:
    name = _simple(typedef.name)
    if typedef.kind == "enumType":
        members = [f"        <Member{_attrs(Name=m, Value=str(i))} />" for i, m in enumerate(typedef.members)]
        if not members:
            return [f"      <EnumType{_attrs(Name=name)} />"]
        return [f"      <EnumType{_attrs(Name=name)}>", *members, "      </EnumType>"]
    element = "EntityType" if typedef.kind == "entityType" else "ComplexType"
    head = _attrs(
        Name=name,
        BaseType=_ref(typedef.base) if typedef.base else None,
        OpenType="true" if typedef.open else None,
    )
    body = [f'        <Key><PropertyRef Name="{typedef.key}" /></Key>'] if typedef.key else []
    body += [_property_line("Property", p) for p in typedef.properties]
    for navigation in sorted(typedef.navigations.values(), key=lambda n: n.name):
        target = f"Collection({navigation.target})" if navigation.collection else navigation.target
        contains = "true" if navigation.contains else None
        attributes = _attrs(Name=navigation.name, Type=_ref(target), ContainsTarget=contains)
        body.append(f"        <NavigationProperty{attributes} />")
    if not body:
        return [f"      <{element}{head} />"]
    return [f"      <{element}{head}>", *body, f"      </{element}>"]


def _property_line(element: str, prop: Property) -> str:
    nullable = None if prop.nullable else "false"
    return f"        <{element}{_attrs(Name=prop.name, Type=_ref(prop.type), Nullable=nullable)} />"


def _operation_lines(operation: Operation) -> list[str]:
    bound = "true" if operation.binding else None
    head = f"      <{operation.element}{_attrs(Name=_simple(operation.name), IsBound=bound)}"
    body = [_property_line("Parameter", p) for p in operation.parameters]
    if operation.returns:
        body.append(f"        <ReturnType{_attrs(Type=_ref(operation.returns))} />")
    if not body:
        return [f"{head} />"]
    return [f"{head}>", *body, f"      </{operation.element}>"]


def _container_lines(found: Model) -> list[str]:
    lines = [f'      <EntityContainer Name="{CONTAINER}">']
    for element, names in (("EntitySet", found.entity_sets), ("Singleton", found.singletons)):
        for name, entity in names.items():
            kind_attr = {"EntityType": entity} if element == "EntitySet" else {"Type": entity}
            head = f"        <{element}{_attrs(Name=name, **kind_attr)}"
            bindings = found.bindings.get(name, [])
            if not bindings:
                lines.append(f"{head} />")
                continue
            lines.append(f"{head}>")
            lines.extend(
                f"          <NavigationPropertyBinding{_attrs(Path=path, Target=target)} />"
                for path, target in bindings
            )
            lines.append(f"        </{element}>")
    for operation in found.operations:
        if operation.binding is None:
            element = "FunctionImport" if operation.element == "Function" else "ActionImport"
            kind_attr = (
                {"Function": operation.name}
                if operation.element == "Function"
                else {"Action": operation.name}
            )
            lines.append(f"        <{element}{_attrs(Name=_simple(operation.name), **kind_attr)} />")
    lines.append("      </EntityContainer>")
    return lines
