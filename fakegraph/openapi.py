"""An OpenAPI 3.1 document of what the server serves, generated from the catalogue and the schemas."""

from __future__ import annotations

import re
from typing import Any

from fakegraph.artifacts.catalogue import Catalogue
from fakegraph.artifacts.contract import JSONObject, type_of_uri
from fakegraph.http.routing import Endpoint, Route, routes_of
from fakegraph.odata.capabilities import capabilities_of

_PARAM = re.compile(r"\{([^}]+)\}")
_QUERY = {
    "filter": ("string", "OData $filter expression"),
    "select": ("string", "Comma-separated properties"),
    "orderby": ("string", "Properties with asc/desc"),
    "top": ("integer", "Page size, 1..999"),
    "skip": ("integer", "Objects to skip"),
    "count": ("boolean", "Include @odata.count"),
    "search": ("string", "Search expression"),
}
_SUMMARY = {
    "create": "Create",
    "list": "List",
    "get": "Get",
    "update": "Update",
    "delete": "Delete",
    "function": "Call",
    "count": "Count",
    "stream-read": "Read the content of",
    "stream-write": "Write the content of",
    "stream-delete": "Delete the content of",
    "upload-session": "Open an upload session:",
}
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


def document(catalogue: Catalogue, version: str, server_url: str) -> JSONObject:
    schemas = catalogue.schemas.get(version, {})
    paths: JSONObject = {}
    for route in routes_of(catalogue).get(version, []):
        paths[route.template] = {
            m.lower(): _operation(route, m, e) for m, e in sorted(route.endpoints.items())
        }
    components = {str(s["title"]): _component(s) for s in schemas.values()}
    components["ODataError"] = _error_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": f"fakegraph ({version})", "version": "1.0.0"},
        "servers": [{"url": f"{server_url}/{version}"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, method: str, endpoint: Endpoint) -> JSONObject:
    entity = {"$ref": f"#/components/schemas/{endpoint.entity_type}"}
    operation: JSONObject = {
        "operationId": _operation_id(route, method, endpoint),
        "summary": f"{_SUMMARY.get(endpoint.kind, endpoint.kind)} {endpoint.entity_type.rsplit('.', 1)[-1]}",
        "parameters": _parameters(route, endpoint),
        "responses": {
            str(endpoint.status): _success(endpoint, entity),
            "default": {
                "description": "Graph error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ODataError"}}},
            },
        },
    }
    if endpoint.kind == "stream-write":  # a media stream's bytes (ARCHITECTURE A21)
        operation["requestBody"] = {"required": True, "content": BINARY}
    elif endpoint.request_schema is not None and method in {"POST", "PATCH", "PUT"}:
        body = _rewrite(endpoint.request_schema)
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def _operation_id(route: Route, method: str, endpoint: Endpoint) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", route.template).strip("_")
    return (
        f"{method.lower()}_{words}" if endpoint.operation is None else f"{endpoint.operation['name']}_{words}"
    )


def _parameters(route: Route, endpoint: Endpoint) -> list[JSONObject]:
    out = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in _PARAM.findall(route.template)
    ]
    if endpoint.kind in {"list", "function", "count"}:
        supported = capabilities_of(endpoint.operation)
        for name, (kind, description) in _QUERY.items():
            if supported is None and name in {"search"}:
                continue
            if supported is not None and not supported.get(name, False):
                continue
            out.append(
                {"name": f"${name}", "in": "query", "schema": {"type": kind}, "description": description}
            )
    return out


def _success(endpoint: Endpoint, entity: JSONObject) -> JSONObject:
    if not endpoint.returns_body:
        return {"description": "No content"}
    if endpoint.kind == "count":
        return {"description": "Count", "content": {"text/plain": {"schema": {"type": "integer"}}}}
    if endpoint.kind == "stream-read":
        return {"description": "The bytes, with the content type they were written with", "content": BINARY}
    if endpoint.kind in {"list", "function"}:
        schema = {
            "type": "object",
            "properties": {
                "@odata.context": {"type": "string"},
                "@odata.nextLink": {"type": "string"},
                "@odata.count": {"type": "integer"},
                "value": {"type": "array", "items": entity},
            },
        }
        return {"description": "A page of objects", "content": {"application/json": {"schema": schema}}}
    return {"description": "The object", "content": {"application/json": {"schema": entity}}}


def _component(schema: JSONObject) -> JSONObject:
    return {k: v for k, v in _rewrite(schema).items() if k != "$id"}


def _rewrite(value: Any) -> Any:
    """`$ref`s to compiled schema URNs become references to components."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            named = type_of_uri(item) if key == "$ref" and isinstance(item, str) else None
            out[key] = f"#/components/schemas/{named}" if named else _rewrite(item)
        return out
    if isinstance(value, list):
        return [_rewrite(v) for v in value]
    return value


def _error_schema() -> JSONObject:
    inner = {
        "type": "object",
        "properties": {
            "date": {"type": "string"},
            "request-id": {"type": "string"},
            "client-request-id": {"type": "string"},
        },
    }
    error = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "target": {"type": "string"},
            "innerError": inner,
        },
    }
    return {"type": "object", "required": ["error"], "properties": {"error": error}}
