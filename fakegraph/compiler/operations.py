"""Resolve API pages into catalogue entries: kind, paths, entity type, request schema, query capabilities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

from fakegraph.artifacts.contract import (
    JSONObject,
    OperationEntry,
    OperationKind,
    Permissions,
    QueryCapabilities,
    schema_uri,
)
from fakegraph.compiler.records import OperationDoc, Warning
from fakegraph.compiler.typemap import parse_type
from fakegraph.compiler.types import (
    PropertyContext,
    TypeIndex,
    close_object,
    flattened_properties,
    property_aliases,
    property_schema,
)

_DEFAULT_STATUS = {"create": 201, "delete": 204, "action": 200}
_WRITE_KINDS = frozenset({"create", "update", "action"})
_CREATE_WORDS = ("create", "add", "post", "upload")
_IDENT = re.compile(r"[^A-Za-z0-9]+")


@dataclass
class Operation:
    """One catalogue entry plus what the example step needs."""

    doc: OperationDoc
    name: str
    kind: OperationKind
    paths: list[str]
    path_sources: list[str]
    entity_type: str | None
    request_schema: JSONObject | None
    entry: JSONObject = field(default_factory=dict)


def operation_name(doc: OperationDoc) -> str:
    """The title as an identifier: `Create credentialUsageSummary` → `create_credentialUsageSummary`,
    `reportRoot: getX` → `reportRoot_getX`."""
    words = [w for w in _IDENT.split(doc.title) if w]
    if not words:
        words = [doc.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]]
    first, *rest = words
    return "_".join([first.lower() if first[:1].isupper() and first[1:].islower() else first, *rest])


def operation_kind(doc: OperationDoc) -> OperationKind:
    method = doc.method or ""
    title = doc.title.lower()
    if method == "DELETE":
        return "delete"
    if method in {"PATCH", "PUT"}:
        return "update"
    last = doc.paths[0][0].rsplit("/", 1)[-1] if doc.paths else ""
    bound = ":" in doc.title or "(" in last or "microsoft.graph." in last
    if method == "POST":
        # A POST creates when the page says so (its title, or 201 Created); otherwise it is an action, even
        # unbound (`/teams/{id}/archive`, `/me/sendMail`) or named like a property (`Follow drive item`).
        creates = title.startswith(_CREATE_WORDS) or (doc.success_status == 201 and not bound)
        return "create" if creates and not (bound and not title.startswith("create")) else "action"
    if method == "GET":
        if bound or doc.parameters:
            return "function"
        return "list" if title.startswith("list") or doc.response_is_collection else "get"
    return "unknown"


def entity_type(doc: OperationDoc, index: TypeIndex) -> str | None:
    """The Graph type an operation returns or writes, from the Response section links or annotations."""
    annotated = [e.response_annotation.get("@odata.type") for e in doc.examples]
    for raw in annotated:
        found = _known_resource(raw, doc, index)
        if found:
            return found
    for link in doc.response_links:
        if link in index.by_stem:
            return index.by_stem[link]
        named = [q for q in index.by_simple.get(link, []) if q in index.resources]
        if len(named) == 1:
            return named[0]
    for example in doc.examples:
        found = _known_resource(_body_type(example.request_body), doc, index)
        if found:
            return found
    return _type_in_title(doc, index)


def _type_in_title(doc: OperationDoc, index: TypeIndex) -> str | None:
    """ "Update a group setting" → groupSetting: the first, longest run of title words naming a type."""
    words = [w for w in _IDENT.split(doc.title) if w]
    for start in range(1, len(words)):
        for end in range(len(words), start, -1):
            candidates = index.by_simple.get("".join(words[start:end]).lower(), [])
            resources = [c for c in candidates if c in index.resources]
            if len(resources) == 1:
                return resources[0]
    return None


def _known_resource(raw: object, doc: OperationDoc, index: TypeIndex) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    name = re.sub(r"^Collection\((.*)\)$", r"\1", raw.strip().lstrip("#"))
    found = index.qualify(name, doc.namespace)
    return found if found in index.resources else None


def _body_type(body: str | None) -> str | None:
    match = re.search(r'"@odata\.type"\s*:\s*"([^"]+)"', body or "")
    return match.group(1) if match else None


def resolve_operation(
    doc: OperationDoc, index: TypeIndex, warnings: list[Warning], learned: JSONObject | None = None
) -> Operation:
    """Catalogue facts of one API page; `learned` holds body properties that only its examples show."""
    kind = operation_kind(doc)
    target = entity_type(doc, index)
    paths, sources = _paths(doc, kind, target, index, warnings)
    schema = None
    if kind in _WRITE_KINDS or doc.body_properties:
        schema = _request_schema(doc, kind, target, index, learned or {}, warnings)
    return Operation(doc, operation_name(doc), kind, paths, sources, target, schema)


def _paths(
    doc: OperationDoc, kind: str, target: str | None, index: TypeIndex, warnings: list[Warning]
) -> tuple[list[str], list[str]]:
    paths = [_with_function_parameters(p, doc) for p, _ in doc.paths]
    sources = ["page"] * len(paths)
    # Override routes address a type's collection or items: they complete creates, reads, updates and
    # deletes of that type, never an action or function that happens to share its type and method.
    overridable = kind not in {"action", "function"}
    for route in index.overrides.routes if overridable else ():
        if route.get("entityType") == target and route.get("method") == doc.method:
            for path in route.get("paths", []):
                if path not in paths:
                    paths.append(path)
                    sources.append("override")
    if not paths:
        warnings.append(
            Warning("no-path", doc.file, doc.line, "no request path in the page or the overrides")
        )
    return paths, sources


def _with_function_parameters(path: str, doc: OperationDoc) -> str:
    """`/reports/getX` with a `period` parameter → `/reports/getX(period='{period}')`."""
    if not doc.parameters or doc.method != "GET" or path.endswith(")"):
        return path
    args = []
    for param in doc.parameters:
        ref = parse_type(param.type_text)
        quoted = ref.kind != "primitive" or ref.name in {
            "string",
            "guid",
            "datetimeoffset",
            "date",
            "duration",
        }
        args.append(f"{param.name}='{{{param.name}}}'" if quoted else f"{param.name}={{{param.name}}}")
    return f"{path}({','.join(args)})"


def _request_schema(
    doc: OperationDoc,
    kind: str,
    target: str | None,
    index: TypeIndex,
    learned: JSONObject,
    warnings: list[Warning],
) -> JSONObject | None:
    """Body schema: the request body table, completed by the entity's own properties for create/update."""
    properties: JSONObject = {}
    open_type = False
    if target and kind in {"create", "update"}:
        open_type = index.resources[target].open_type
        for prop, owner in flattened_properties(index, target):
            ctx = PropertyContext(owner.namespace, owner.file, index.overrides.alias(owner.qualified))
            key = prop.name == "id"
            properties[prop.name] = property_schema(index, prop, ctx, key=key)
        for name, schema in index.learned.get(target, {}).items():
            properties.setdefault(name, schema)
    ctx = PropertyContext(doc.namespace, doc.file, target or operation_name(doc))
    aliases = property_aliases(index, target, properties) if target else {}
    for prop in doc.body_properties:
        if prop.name in aliases:
            warnings.append(
                Warning(
                    "draft-property-name",
                    doc.file,
                    prop.line,
                    f"{prop.name} is the draft name of {target}.{aliases[prop.name]}; accepted as an alias",
                )
            )
            continue
        # A property the operation's own table lists is writable there, whatever the resource page says
        # (the seed pages document writes of report types that Graph serves read-only); the key never is.
        is_key = prop.name == "id" and target is not None
        inherited = properties.get(prop.name)
        if inherited is not None and parse_type(prop.type_text).kind in {"enum", "named"}:
            schema = inherited  # the entity's own type is more precise than "Enumeration"
        else:
            schema = property_schema(index, prop, ctx, key=is_key)
        if not is_key:
            schema = {k: v for k, v in schema.items() if k != "readOnly"}
        properties[prop.name] = schema
    for name, schema in learned.items():
        properties.setdefault(name, schema)
    if not properties and not doc.has_body_section:
        return None
    derived = index.derived.get(target, []) if target and kind in {"create", "update"} else []
    body: JSONObject = {"patternProperties": {"@": {}}, "properties": properties, "type": "object"}
    if aliases:
        body["x-graph"] = {"propertyAliases": aliases}
    return close_object(body, derived, index.version, open_type=open_type or not properties)


def catalogue_entry(op: Operation, index: TypeIndex, examples: list[str]) -> OperationEntry:
    doc = op.doc
    entry: OperationEntry = {
        "name": op.name,
        "kind": op.kind,
        "method": doc.method,
        "paths": op.paths,
        "pathSources": op.path_sources,
        "entityType": op.entity_type,
        "entitySchema": schema_uri(index.version, op.entity_type) if op.entity_type else None,
        "isCollection": _is_collection(op),
        "successStatus": doc.success_status or _example_status(op) or _DEFAULT_STATUS.get(op.kind, 200),
        "permissions": cast(
            Permissions, {kind: list(v) if v is not None else None for kind, v in doc.permissions}
        ),
        "parameters": [
            {
                "allowedValues": list(p.allowed),
                "caseInsensitive": p.case_insensitive,
                "name": p.name,
                "type": parse_type(p.type_text).name or p.type_text,
            }
            for p in doc.parameters
        ],
        "filterable": {
            f.name: {
                "caseInsensitive": f.case_insensitive,
                "operators": list(f.operators),
                "orderBy": f.sortable,
            }
            for f in doc.filters
        },
        "queryOptions": sorted(set(doc.query_options) | ({"$filter"} if doc.filters else set())),
        "queryCapabilities": cast(QueryCapabilities | None, index.overrides.query_capabilities.get(op.name)),
        "requestHeaders": [h for h, _ in doc.request_headers],
        "requestBody": op.request_schema,
        "examples": examples,
        "source": {"file": doc.file, "line": doc.line},
        "title": doc.title,
        "namespace": index.overrides.alias(doc.namespace + ".x").rsplit(".", 1)[0],
    }
    return entry


def _is_collection(op: Operation) -> bool:
    if op.kind in {"list"}:
        return True
    for example in op.doc.examples:
        annotation = example.response_annotation
        if annotation.get("isCollection") or str(annotation.get("@odata.type", "")).startswith("Collection("):
            return True
    return op.kind == "function" and op.doc.response_is_collection


def _example_status(op: Operation) -> int | None:
    for example in op.doc.examples:
        if example.status and 200 <= example.status < 300:
            return example.status
    return None
