"""Documented examples → fixtures: bodies parsed, placeholders and invalid values marked, keys checked.

The served form of a body keeps the documented values; misspelled keys are renamed to the property they
miss, unknown keys dropped, namespace aliases replaced, and every such repair is reported.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakegraph.artifacts import placeholders, schema_walk
from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.placeholders import substitute
from fakegraph.compiler import http
from fakegraph.compiler.records import ExampleDoc, Warning

Lookup = Callable[[str], JSONObject | None]
Validate = Callable[[JSONObject, Any], list[tuple[tuple[str | int, ...], str]]]
_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
_CLOSE_ENOUGH = 0.75


@dataclass
class Body:
    """One example body in served form, with marks for the values a server must not serve as they are."""

    value: Any
    marks: list[JSONObject] = field(default_factory=list)
    repairs: list[JSONObject] = field(default_factory=list)


@dataclass(frozen=True)
class ExampleContext:
    file: str
    aliases: Callable[[str], str]
    lookup: Lookup
    validate: Validate


def example_file_name(op_name: str, example: ExampleDoc, taken: set[str]) -> str:
    base = _NAME.sub("_", f"{op_name}.{example.name}").strip("_.") or op_name
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}.{n}", n + 1
    taken.add(name.lower())
    return name + ".json"


def parse_json(text: str | None, file: str, line: int, warnings: list[Warning]) -> tuple[bool, Any]:
    if text is None:
        return True, None
    try:
        return True, json.loads(text)
    except ValueError as exc:
        warnings.append(Warning("example-not-json", file, line, f"body is not JSON: {exc}"))
        return False, text


def lift_body(
    value: Any, schema: JSONObject | None, ctx: ExampleContext, line: int, warnings: list[Warning]
) -> Body:
    body = Body(value)
    if not isinstance(value, (dict, list)):
        return body
    body.value = _apply_aliases(value, ctx, line, warnings)
    if schema is None:
        body.marks = [_mark(p, v, "placeholder", None, ctx) for p, v in placeholders.find(body.value)]
        _report_placeholders(body, ctx, line, warnings)
        return body
    body.value = _repair_keys(body.value, schema, (), ctx, body.repairs)
    for repair in body.repairs:
        message = f"{repair['pointer']}: {repair['key']!r} " + (
            f"is served as {repair['servedAs']!r}" if repair["servedAs"] else "is not a property; not served"
        )
        warnings.append(Warning(repair["kind"], ctx.file, line, message))
    found = [*placeholders.find(body.value), *_empty_objects(body.value, schema, ctx.lookup)]
    body.marks = [
        _mark(p, v, "placeholder", schema_walk.subschema(schema, p, ctx.lookup), ctx) for p, v in found
    ]
    _report_placeholders(body, ctx, line, warnings)
    _mark_invalid(body, schema, ctx, line, warnings)
    return body


def _empty_objects(value: Any, schema: JSONObject, lookup: Lookup) -> list[tuple[tuple[str | int, ...], Any]]:
    """`{}` where the schema wants a scalar: the doc generator's stand-in for a value it could not show."""
    out: list[tuple[tuple[str | int, ...], Any]] = []
    for path in _locations(value, ()):
        sub = schema_walk.subschema(schema, path, lookup) or {}
        kind = sub.get("type")
        kinds = set(kind) if isinstance(kind, list) else {kind}
        if kinds & {"string", "integer", "number", "boolean"}:
            out.append((path, {}))
    return out


def _locations(value: Any, path: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    if value == {} and path:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() if "@" not in k for p in _locations(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _locations(v, (*path, i))]
    return []


def _report_placeholders(body: Body, ctx: ExampleContext, line: int, warnings: list[Warning]) -> None:
    for mark in body.marks:
        warnings.append(
            Warning(
                "placeholder-value", ctx.file, line, f"{mark['pointer']}: {mark['value']!r} is a placeholder"
            )
        )


def _mark(
    path: tuple[str | int, ...], value: Any, kind: str, schema: JSONObject | None, ctx: ExampleContext
) -> JSONObject:
    return {
        "kind": kind,
        "pointer": placeholders.pointer(path),
        "sample": schema_walk.sample_value(schema or {"type": "string"}, ctx.lookup),
        "value": value,
    }


def _mark_invalid(
    body: Body, schema: JSONObject, ctx: ExampleContext, line: int, warnings: list[Warning]
) -> None:
    marked = {m["pointer"] for m in body.marks}
    for _ in range(3):
        errors = ctx.validate(schema, substitute(body.value, body.marks))
        fresh = [
            (p, msg) for p, msg in errors if placeholders.pointer(p) not in marked and _exists(body.value, p)
        ]
        if not fresh:
            return
        for path, message in fresh:
            pointer = placeholders.pointer(path)
            if pointer in marked:
                continue
            marked.add(pointer)
            warnings.append(Warning("example-invalid-value", ctx.file, line, f"{pointer or '/'}: {message}"))
            sub = schema_walk.subschema(schema, path, ctx.lookup)
            body.marks.append(_mark(path, _get(body.value, path), "invalid", sub, ctx))


def _exists(value: Any, path: tuple[str | int, ...]) -> bool:
    try:
        _get(value, path)
    except (KeyError, IndexError, TypeError):
        return False
    return bool(path)


def _get(value: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def _apply_aliases(value: Any, ctx: ExampleContext, line: int, warnings: list[Warning]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "@odata.type" and isinstance(item, str):
                real = "#" * item.startswith("#") + ctx.aliases(item.lstrip("#"))
                if real != item:
                    warnings.append(Warning("namespace-alias", ctx.file, line, f"{item} is served as {real}"))
                out[key] = real
            else:
                out[key] = _apply_aliases(item, ctx, line, warnings)
        return out
    if isinstance(value, list):
        return [_apply_aliases(v, ctx, line, warnings) for v in value]
    return value


def _repair_keys(
    value: Any,
    schema: JSONObject,
    path: tuple[str | int, ...],
    ctx: ExampleContext,
    repairs: list[JSONObject],
) -> Any:
    resolved = schema_walk.deref(schema, ctx.lookup)
    if isinstance(value, list):
        items = resolved.get("items")
        if not isinstance(items, dict):
            return value
        return [_repair_keys(v, items, (*path, i), ctx, repairs) for i, v in enumerate(value)]
    if not isinstance(value, dict) or "properties" not in resolved:
        return value
    known = resolved["properties"]
    aliases = resolved.get("x-graph", {}).get("propertyAliases", {})
    out: JSONObject = {}
    for key, item in value.items():
        name = key
        if key in aliases and aliases[key] not in value:
            name = aliases[key]
            pointer = placeholders.pointer((*path, key))
            repairs.append({"key": key, "kind": "draft-property-name", "pointer": pointer, "servedAs": name})
        elif "@" not in key and key not in known:
            fixed = _fix_key(key, known, value, resolved)
            if fixed != key:
                kind = "misspelled-key" if fixed else "unknown-key"
                pointer = placeholders.pointer((*path, key))
                repairs.append({"key": key, "kind": kind, "pointer": pointer, "servedAs": fixed})
            if fixed is None:
                continue
            name = fixed
        out[name] = _repair_keys(item, known[name], (*path, name), ctx, repairs) if name in known else item
    return out


def _fix_key(key: str, known: JSONObject, siblings: JSONObject, schema: JSONObject) -> str | None:
    """The property a misspelled key stands for, or None when it is simply not a property."""
    free = {k.lower(): k for k in known if k not in siblings}
    close = difflib.get_close_matches(key.lower(), list(free), n=1, cutoff=_CLOSE_ENOUGH)
    if close:
        return free[close[0]]
    if schema.get("additionalProperties") is True or "if" in schema:
        return key  # open types accept dynamic properties; derived types are checked by validation
    return None


def response_schema(
    example: ExampleDoc, entity_schema: JSONObject | None, collection: bool
) -> JSONObject | None:
    """Schema of a documented response body: the entity, or a `value` array of it."""
    if entity_schema is None:
        return None
    annotation = example.response_annotation
    many = collection or bool(annotation.get("isCollection"))
    many = many or str(annotation.get("@odata.type", "")).startswith("Collection(")
    ref = {"$ref": entity_schema["$id"]}
    if many:
        return {"properties": {"value": {"items": ref, "type": "array"}}, "type": "object"}
    return ref


def example_path(url: str | None, templates: list[str]) -> tuple[str | None, str | None]:
    """(served path, mismatch) for an example URL: the URL's own path if a template matches it, else the
    closest template; `mismatch` names the disagreement."""
    if not url:
        return None, None
    path, _ = http.path_of(url)
    if path is None:
        return (templates[0] if templates else None), None
    if not templates or any(path_matches(t, path) for t in templates):
        return path, None
    closest = max(templates, key=lambda t: difflib.SequenceMatcher(None, t.lower(), path.lower()).ratio())
    return closest, f"example path {path} matches none of {templates}"


def path_matches(template: str, path: str) -> bool:
    pattern = re.escape(_strip_empty_call(template))
    pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]*", pattern)
    return re.fullmatch(pattern, _strip_empty_call(path), flags=re.IGNORECASE) is not None


def _strip_empty_call(path: str) -> str:
    return re.sub(r"\(\)(?=/|$)", "", path)
