"""Pages in, artifacts out: parse → resolve → emit, as a pure function over texts.

`build(pages, overrides)` returns every output file as bytes plus the compile report; the caller writes them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts import schemas as schema_tools
from fakegraph.artifacts.catalogue import entity_set_types
from fakegraph.artifacts.contract import (
    JSONObject,
    OperationEntry,
    RouteIndex,
    graph_block,
    schema_uri,
    template_head,
)
from fakegraph.compiler import examples as ex
from fakegraph.compiler import http, learn
from fakegraph.compiler.operations import Operation, catalogue_entry, resolve_operation
from fakegraph.compiler.pages import ParsedPage, parse_page
from fakegraph.compiler.records import OperationDoc, Warning
from fakegraph.compiler.sample import (
    addressed_parents,
    example_template,
    item_types,
    referenced_items,
    sample_links,
    sample_tenant,
    tagged_types,
    typed_types,
)
from fakegraph.compiler.types import Overrides, TypeIndex, all_schemas, build_index


@dataclass
class Output:
    files: dict[str, bytes] = field(default_factory=dict)
    report: JSONObject = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    pages: list[ParsedPage] = field(default_factory=list)


def dumps(value: Any) -> bytes:
    """The one JSON writer: minified (sorted keys, no spaces), UTF-8, one trailing newline; the same value
    always gives the same bytes."""
    return (json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def build(pages: Iterable[tuple[str, str]], overrides: Overrides) -> Output:
    parsed, copies = _distinct_pages(sorted(pages))
    out = Output(pages=parsed)
    out.warnings.extend(copies)
    for page in parsed:
        out.warnings.extend(page.warnings)
    versions = sorted({p.version for p in parsed if p.resources or p.operations or p.enums})
    counts: Counter[str] = Counter()
    for version in versions:
        mine = [p for p in parsed if p.version == version]
        _build_version(version, mine, overrides, out, counts)
    out.warnings.sort(key=lambda w: (w.file, w.line, w.kind, w.message))
    out.report = _report(parsed, counts, out.warnings)
    out.files["fixtures/compile-report.json"] = dumps(out.report)
    return out


def _distinct_pages(pages: list[tuple[str, str]]) -> tuple[list[ParsedPage], list[Warning]]:
    """Every page parsed, less the copies: a page whose text and API version equal an earlier page's (a docs
    tree may hold the same page in two folders) would only define its types and operations twice."""
    parsed: list[ParsedPage] = []
    copies: list[Warning] = []
    seen: dict[tuple[str, str], str] = {}  # (version, text) → the file kept
    for file, text in pages:
        page = parse_page(text, file)
        first = seen.setdefault((page.version, text), file)
        if first != file:
            copies.append(Warning("duplicate-page", file, 1, f"the same page as {first}; compiled once"))
            continue
        parsed.append(page)
    return parsed, copies


def _build_version(
    version: str, pages: list[ParsedPage], overrides: Overrides, out: Output, counts: Counter[str]
) -> None:
    index = build_index(
        version,
        [r for p in pages for r in p.resources],
        [e for p in pages for e in p.enums],
        overrides,
    )
    docs = [o for p in pages for o in p.operations]
    first = all_schemas(index)
    resolved = _resolve_operations(docs, index, [])
    index.addressed = _addressed_types(resolved, first, out)
    op_learned = _learn(resolved, index, {s["$id"]: s for s in first.values()}, out)
    schemas = all_schemas(index) if index.learned or index.addressed else first
    evolvable = schema_walk.evolvable_properties({s["$id"]: s for s in schemas.values()})
    for schema in schemas.values():
        if graph_block(schema).get("kind") in {"entityType", "complexType"}:
            schema["x-graph"] = {**graph_block(schema), "evolvableProperties": evolvable[schema["$id"]]}
    for qualified, schema in schemas.items():
        out.files[f"schemas/{version}/{qualified}.json"] = dumps(schema)
    registry = schema_tools.registry_of(schemas.values())
    by_id = {s["$id"]: s for s in schemas.values()}
    ctx_base = (overrides.alias, by_id.get, _validate_with(registry))
    operations = _resolve_operations(docs, index, out.warnings, op_learned)
    entries: list[OperationEntry] = []
    taken: set[str] = set()
    lifted: list[tuple[str, str | None, str, JSONObject]] = []
    passed: list[tuple[list[str], JSONObject]] = []  # every example with its operation's templates
    for op in operations:
        ctx = ex.ExampleContext(op.doc.file, *ctx_base)
        names = []
        for example in op.doc.examples:
            name = ex.example_file_name(op.name, example, taken)
            fixture = _example_fixture(op, example, index, by_id, ctx, out.warnings)
            out.files[f"fixtures/{version}/examples/{name}"] = dumps(fixture)
            names.append(name)
            lifted.append((op.kind, op.entity_type, example_template(list(op.paths), fixture), fixture))
            passed.append((list(op.paths), fixture))
        entries.append(catalogue_entry(op, index, names))
    _mark_annotated(version, schemas, lifted, by_id, out)
    types = item_types((op.kind, op.entity_type, op.paths) for op in operations)
    parents = [found for paths, fixture in passed for found in addressed_parents(paths, fixture, types)]
    parents += [found for _, fixture in passed for found in referenced_items(fixture, types)]
    tenant = sample_tenant(version, lifted, by_id, ctx_base[2], out.warnings, parents)
    out.files[f"fixtures/{version}/sample.json"] = dumps(tenant)
    templates = [path for op in operations for path in op.paths]
    sets = set(entity_set_types(entries))

    def linked_type(entity: str) -> bool:  # a type a top-level collection serves, or derives into
        derived = graph_block(by_id.get(schema_uri(version, entity), {})).get("derivedTypes", [])
        return any(kind in sets for kind in [entity, *derived])

    links = sample_links(lifted, tenant, templates, linked_type)
    out.files[f"fixtures/{version}/sample-links.json"] = dumps(links)
    counts["sampleObjects"] += sum(len(v) for v in tenant.values())
    out.warnings.extend(index.warnings)
    for entry in entries:
        _body_by_reference(entry, by_id)
    catalogue, route_index = _catalogue_with_index(version, entries)
    out.files[f"fixtures/{version}/operations.json"] = catalogue
    out.files[f"fixtures/{version}/routes.json"] = dumps(route_index)
    counts["operations"] += len(entries)
    counts["types"] += len(schemas)
    counts["examples"] += sum(len(e["examples"]) for e in entries)


# What a type schema holds that a request body schema does not: its name, its title and its x-graph block.
_TYPE_ONLY = ("$id", "title", "x-graph")


def _addressed_types(operations: list[Operation], schemas: dict[str, JSONObject], out: Output) -> set[str]:
    """The types whose page shows no key (read as complex types) while documented requests address their
    objects by one (`GET /things/{id}`): each is an entity in practice, and each is reported."""
    found: set[str] = set()
    for op in operations:
        entity = op.entity_type
        schema = schemas.get(entity or "")
        if not entity or entity in found or schema is None:
            continue
        if graph_block(schema).get("kind") != "complexType":
            continue
        if op.kind in {"get", "update", "delete"} and any(p.rstrip("/").endswith("}") for p in op.paths):
            found.add(entity)
            out.warnings.append(
                Warning(
                    "missing-key",
                    op.doc.file,
                    op.doc.line,
                    f"{entity} shows no key on its page, and this page addresses one by its id",
                )
            )
    return found


def _mark_annotated(
    version: str,
    schemas: dict[str, JSONObject],
    lifted: list[tuple[str, str | None, str, JSONObject]],
    by_id: dict[str, JSONObject],
    out: Output,
) -> None:
    """Flag the types whose documented answers show ETags, type each listed item, or show each object's
    URL (`@odata.id`): the fake's answers do the same."""
    _mark(version, schemas, tagged_types(version, lifted, by_id), "etag", out)
    _mark(version, schemas, typed_types(lifted), "typed", out)
    _mark(version, schemas, tagged_types(version, lifted, by_id, "@odata.id"), "identified", out)


def _mark(version: str, schemas: dict[str, JSONObject], types: list[str], flag: str, out: Output) -> None:
    """Set an `x-graph` flag on the entity types named (rewriting their schema files)."""
    for qualified in types:
        schema = schemas.get(qualified)
        if schema is not None and graph_block(schema).get("kind", "entityType") == "entityType":
            schema["x-graph"] = {**graph_block(schema), flag: True}
            out.files[f"schemas/{version}/{qualified}.json"] = dumps(schema)


def _body_by_reference(entry: OperationEntry, by_id: dict[str, JSONObject]) -> None:
    """A request body that only repeats its entity type's schema is written as a `$ref` to it (the contract's
    `requestBody`); the catalogue reader expands it again."""
    body, uri = entry["requestBody"], entry["entitySchema"]
    schema = by_id.get(uri) if uri else None
    if body is None or schema is None or uri is None:
        return
    if body == {k: v for k, v in schema.items() if k not in _TYPE_ONLY}:
        entry["requestBody"] = {"$ref": uri}


def _catalogue_with_index(version: str, entries: list[OperationEntry]) -> tuple[bytes, RouteIndex]:
    """operations.json (the bytes `dumps` would write for `{"operations": entries, "version": version}`) and
    its route index: each entry's byte range, and the route groups its paths fall in."""
    head = b'{"operations":['
    parts: list[bytes] = []
    offsets: dict[str, list[int]] = {}
    heads: dict[str, list[str]] = {}
    at = len(head)
    for entry in entries:
        raw = dumps(entry)[:-1]  # without the newline
        offsets[entry["name"]] = [at, at + len(raw)]
        at += len(raw) + 1  # and the comma
        parts.append(raw)
        for group in sorted({template_head(path) for path in entry["paths"]}):
            heads.setdefault(group, []).append(entry["name"])
    content = head + b",".join(parts) + b'],"version":' + dumps(version)[:-1] + b"}\n"
    index: RouteIndex = {
        "version": version,
        "size": len(content),
        "offsets": offsets,
        "heads": heads,
        "entitySets": entity_set_types(entries),
    }
    return content, index


def _resolve_operations(
    docs: list[OperationDoc],
    index: TypeIndex,
    warnings: list[Warning],
    learned: dict[str, JSONObject] | None = None,
) -> list[Operation]:
    learned = learned or {}
    operations = [
        resolve_operation(doc, index, warnings, learned.get(doc.file))
        for doc in sorted(docs, key=lambda d: d.file)
    ]
    seen: Counter[str] = Counter(op.name for op in operations)
    for op in operations:
        if seen[op.name] > 1:
            op.name = f"{op.name}__{op.doc.file.rsplit('/', 1)[-1].rsplit('.', 1)[0]}"
    # Pages of the same file name in two folders: the folders tell them apart.
    again: Counter[str] = Counter(op.name for op in operations)
    for op in operations:
        if again[op.name] > 1:
            op.name = f"{op.name.split('__', 1)[0]}__{op.doc.file.rsplit('.', 1)[0].replace('/', '-')}"
    return sorted(operations, key=lambda o: (o.name, o.doc.file))


def _learn(
    operations: list[Operation], index: TypeIndex, by_id: dict[str, JSONObject], out: Output
) -> dict[str, JSONObject]:
    """Record in `index.learned` (types) and the result (operation bodies, by page) what examples teach."""
    per_operation: dict[str, JSONObject] = {}
    for op in operations:
        entity = by_id.get(schema_uri(index.version, op.entity_type)) if op.entity_type else None
        for example in op.doc.examples:
            bodies = [
                (example.request_body, op.request_schema, example.request_line),
                (
                    example.response_body,
                    ex.response_schema(example, entity, op.kind == "list"),
                    example.response_line,
                ),
            ]
            for text, schema, line in bodies:
                value = _quiet_json(text)
                if schema is None or not isinstance(value, (dict, list)):
                    continue
                sink: learn.Learned = {}
                learn.collect(value, schema, "", by_id.get, index.type_uri, sink)
                for owner, found in sink.items():
                    name = owner.rsplit(":", 1)[-1] if owner else op.name
                    into = (
                        index.learned.setdefault(name, {})
                        if owner
                        else per_operation.setdefault(op.doc.file, {})
                    )
                    for key, schema_of_key in found.items():
                        if key not in into:
                            into[key] = schema_of_key
                            message = f"{name}.{key} is used by an example but not documented; learned"
                            out.warnings.append(Warning("undocumented-property", op.doc.file, line, message))
    return per_operation


def _quiet_json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _validate_with(registry: Any) -> ex.Validate:
    def validate(schema: JSONObject, instance: Any) -> list[tuple[tuple[str | int, ...], str]]:
        validator = schema_tools.validator_for(schema, registry)
        return [(tuple(e.absolute_path), e.message) for e in validator.iter_errors(instance)]

    return validate


def _example_fixture(
    op: Operation,
    example: Any,
    index: TypeIndex,
    by_id: dict[str, JSONObject],
    ctx: ex.ExampleContext,
    warnings: list[Warning],
) -> JSONObject:
    fixture: JSONObject = {
        "name": example.name,
        "operation": op.name,
        "source": {"file": op.doc.file, "line": example.line},
        "request": None,
        "response": None,
    }
    if example.method is not None:
        _, problems = http.path_of(example.url or "")
        warnings.extend(Warning(kind, op.doc.file, example.request_line, msg) for kind, msg in problems)
        path, mismatch = ex.example_path(example.url, op.paths)
        if mismatch:
            warnings.append(Warning("path-mismatch", op.doc.file, example.request_line, mismatch))
        ok, value = ex.parse_json(example.request_body, op.doc.file, example.request_line, warnings)
        body = ex.lift_body(value, op.request_schema if ok else None, ctx, example.request_line, warnings)
        fixture["request"] = {
            "body": body.value,
            "repairs": body.repairs,
            "bodyIsJson": ok,
            "headers": [list(h) for h in example.request_headers],
            "marks": body.marks,
            "method": example.method,
            "path": path,
            "url": example.url,
        }
    if example.status is not None:
        entity = by_id.get(schema_uri(index.version, op.entity_type)) if op.entity_type else None
        collection = op.kind == "list"
        schema = ex.response_schema(example, entity, collection)
        ok, value = ex.parse_json(example.response_body, op.doc.file, example.response_line, warnings)
        body = ex.lift_body(value, schema if ok else None, ctx, example.response_line, warnings)
        fixture["response"] = {
            "body": body.value,
            "repairs": body.repairs,
            "bodyIsJson": ok,
            "headers": [list(h) for h in example.response_headers],
            "annotation": {
                k: v
                for k, v in example.response_annotation.items()
                if k in {"truncated", "@odata.type", "isCollection"}
            },
            "marks": body.marks,
            "schema": schema if body.value is not None else None,  # a 204 has no body to describe
            "status": example.status or None,
        }
    return fixture


def _report(parsed: list[ParsedPage], counts: Counter[str], warnings: list[Warning]) -> JSONObject:
    kinds = Counter(w.kind for w in warnings)
    return {
        "pages": {
            "total": len(parsed),
            "api": sum(1 for p in parsed if p.operations),
            "resource": sum(1 for p in parsed if p.resources),
            "withEnums": sum(1 for p in parsed if p.enums),
        },
        "operations": counts["operations"],
        "types": counts["types"],
        "examples": counts["examples"],
        "sampleObjects": counts["sampleObjects"],
        "warnings": {
            "total": len(warnings),
            "byKind": dict(sorted(kinds.items())),
            "items": [w.as_json() for w in warnings],
        },
    }
