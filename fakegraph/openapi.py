"""An OpenAPI 3.1 document of what the server serves, generated from the catalogue and the schemas.

The document is no looser than the server (issue 15, item 8): a request it describes as valid is one the
server accepts. Query options carry the server's limits ($top 1..999, $skip from 0), and `$select`,
`$orderby` and `$filter` are patterns over the type's properties (`$filter`: one comparison of a property
with a literal of its kind, the operators the docs allow, enum members a client may send); `/$count` takes
`$filter` (and `$search` where documented) only. Function parameters list their allowed values. Request
bodies never offer `unknownFutureValue` (a client may not send it): components holding such an enum get a
request variant (`<type>-request`). Query-option schemas are shared components, one per type and rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fakegraph.artifacts.catalogue import Catalogue
from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject, schema_uri, type_of_uri
from fakegraph.http.routing import Endpoint, Route, routes_of
from fakegraph.odata import MAX_PAGE_SIZE, Property
from fakegraph.odata.capabilities import capabilities_of, filterable_of, properties_of
from fakegraph.odata.evaluate import Filterable

_PARAM = re.compile(r"\{([^}]+)\}")
_QUERY = {
    "filter": "OData $filter: one comparison of a property with a value of its kind",
    "select": "Comma-separated properties",
    "orderby": "Properties, each optionally followed by asc or desc",
    "top": f"Page size, 1..{MAX_PAGE_SIZE}",
    "skip": "Objects to skip",
    "count": "Include @odata.count",
    "search": "Search expression",
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
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
_FUNCTIONS = ("startswith", "endswith", "contains")
# Literals of each property kind the $filter parser and evaluator accept (a subset: the pattern must not
# admit what the server refuses, so dates are real dates and numbers fit an Int64).
_LITERAL = {
    "string": "'(?:[^'\\x00-\\x1f]|''){0,64}'",
    "number": "-?[0-9]{1,18}",
    "boolean": "(?:true|false)",
    "datetime": "20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z",
}
_KEY = {  # a key segment the router takes as a key (no path separator, dot segment, cast or system segment)
    "type": "string",
    "minLength": 1,
    "maxLength": 1024,
    "pattern": "^[^/\\x00-\\x1f\\x7f]+$",
    "not": {
        "anyOf": [
            {"enum": [".", ".."]},
            {"pattern": "^\\$"},
            {"pattern": "^[Mm][Ii][Cc][Rr][Oo][Ss][Oo][Ff][Tt]\\.[Gg][Rr][Aa][Pp][Hh]\\."},
            {"pattern": "^\\s|\\s$"},
        ]
    },
}
_FUNCTION_VALUE = {"type": "string", "pattern": "^[A-Za-z0-9_.:@+~-]+$"}


def document(catalogue: Catalogue, version: str, server_url: str) -> JSONObject:
    schemas = catalogue.schemas.get(version, {})
    builder = _Builder(schemas, version)
    paths: JSONObject = {}
    for route in routes_of(catalogue).get(version, []):
        paths[route.template] = {
            m.lower(): builder.operation(route, m, e) for m, e in sorted(route.endpoints.items())
        }
    components = {str(s["title"]): _component(s) for s in schemas.values()}
    components.update(builder.request_components())
    components["ODataError"] = _error_schema()
    return {
        "openapi": "3.1.0",
        "info": {"title": f"fakegraph ({version})", "version": "1.0.0"},
        "servers": [{"url": f"{server_url}/{version}"}],
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "parameters": dict(sorted(builder.parameters.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


class _Builder:
    """Operations, the shared query-option parameters they use, and the request variants of components."""

    def __init__(self, schemas: Mapping[str, JSONObject], version: str) -> None:
        self.schemas = schemas
        self.version = version
        self.parameters: dict[str, JSONObject] = {}
        self._parameter_names: dict[str, str] = {}  # a parameter's JSON → its component name
        self._properties: dict[str, dict[str, Property]] = {}
        self._sentinel: dict[str, bool] = {}  # component → holds unknownFutureValue (itself or below)
        self._wanted: set[str] = set()  # components whose request variant is referenced

    def operation(self, route: Route, method: str, endpoint: Endpoint) -> JSONObject:
        entity = {"$ref": f"#/components/schemas/{endpoint.entity_type}"}
        operation: JSONObject = {
            "operationId": _operation_id(route, method, endpoint),
            "summary": f"{_SUMMARY.get(endpoint.kind, endpoint.kind)} "
            f"{endpoint.entity_type.rsplit('.', 1)[-1]}",
            "parameters": self._parameters(route, endpoint),
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
            body = self._request(endpoint.request_schema)
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        return operation

    # --- parameters -------------------------------------------------------------------------------------

    def _parameters(self, route: Route, endpoint: Endpoint) -> list[JSONObject]:
        documented = endpoint.operation["parameters"] if endpoint.operation is not None else []
        allowed = {p["name"]: p["allowedValues"] for p in documented}
        out: list[JSONObject] = []
        for name in _PARAM.findall(route.template):
            out.append(
                {"name": name, "in": "path", "required": True, "schema": _path_schema(route, name, allowed)}
            )
        if endpoint.kind not in {"list", "function", "count"}:
            return out
        headers = endpoint.operation["requestHeaders"] if endpoint.operation is not None else []
        if any(h.lower() == "consistencylevel" for h in headers):  # directory objects' advanced queries
            out.append(
                {
                    "name": "ConsistencyLevel",
                    "in": "header",
                    "required": endpoint.kind == "count",
                    "schema": {"type": "string", "enum": ["eventual"]},
                    "description": "eventual: needed by /$count, $count=true and $search (ARCHITECTURE A17)",
                }
            )
        supported = capabilities_of(endpoint.operation)
        for option in _QUERY:
            if endpoint.kind == "count" and option not in {"filter", "search"}:
                continue  # /$count answers a number: selecting, ordering or paging it means nothing
            if supported is None and option == "search":
                continue
            if supported is not None and not supported.get(option, False):
                continue
            schema = self._option_schema(option, endpoint)
            if schema is not None:
                out.append(self._shared(endpoint.entity_type, option, schema))
        return out

    def _shared(self, entity_type: str, option: str, schema: JSONObject) -> JSONObject:
        parameter = {"name": f"${option}", "in": "query", "schema": schema, "description": _QUERY[option]}
        text = json.dumps(parameter, sort_keys=True)
        name = self._parameter_names.get(text)
        if name is None:
            base = f"{entity_type}.{option}" if option in {"filter", "select", "orderby"} else option
            name = base if base not in self.parameters else f"{base}.{len(self.parameters)}"
            self._parameter_names[text] = name
            self.parameters[name] = parameter
        return {"$ref": f"#/components/parameters/{name}"}

    def _option_schema(self, option: str, endpoint: Endpoint) -> JSONObject | None:
        if option == "top":
            return {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        if option == "skip":
            return {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
        if option == "count":
            return {"type": "boolean"}
        if option == "search":
            return {"type": "string", "minLength": 1}
        properties = self._properties_of(endpoint.entity_type)
        if option == "select":
            names = sorted(properties)
            return _list_pattern(names, "") if names else None
        if option == "orderby":
            names = sorted(
                n for n, p in properties.items() if not p.collection and p.kind not in {"object", "any"}
            )
            return _list_pattern(names, "(?: (?:asc|desc))?") if names else None
        pattern = _filter_pattern(properties, filterable_of(endpoint.operation))
        return None if pattern is None else {"type": "string", "pattern": pattern}

    def _properties_of(self, entity_type: str) -> dict[str, Property]:
        found = self._properties.get(entity_type)
        if found is None:
            schema = self.schemas.get(schema_uri(self.version, entity_type), {})
            found = self._properties[entity_type] = properties_of(schema, self.schemas)
        return found

    # --- request bodies ---------------------------------------------------------------------------------

    def _request(self, schema: JSONObject) -> Any:
        return self._rewrite(schema, request=True)

    def _rewrite(self, value: Any, *, request: bool) -> Any:
        """`$ref`s to compiled schema URNs become references to components (to request variants where
        the component offers unknownFutureValue somewhere, in requests); request enums lose the sentinel."""
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                named = type_of_uri(item) if key == "$ref" and isinstance(item, str) else None
                if named:
                    if request and self._holds_sentinel(named):
                        self._wanted.add(named)
                        named = f"{named}-request"
                    out[key] = f"#/components/schemas/{named}"
                elif key in {"enum", "examples"} and request and isinstance(item, list):
                    out[key] = [m for m in item if m != UNKNOWN_FUTURE_VALUE]
                else:
                    out[key] = self._rewrite(item, request=request)
            return out
        if isinstance(value, list):
            return [self._rewrite(v, request=request) for v in value]
        return value

    def _holds_sentinel(self, name: str) -> bool:
        found = self._sentinel.get(name)
        if found is None:
            self._sentinel[name] = False  # a cycle reaches a component being looked at: not through it
            schema = self.schemas.get(schema_uri(self.version, name), {})
            found = self._sentinel[name] = self._any_sentinel(schema)
        return found

    def _any_sentinel(self, value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "enum" and isinstance(item, list) and UNKNOWN_FUTURE_VALUE in item:
                    return True
                if key == "$ref" and isinstance(item, str):
                    named = type_of_uri(item)
                    if named and self._holds_sentinel(named):
                        return True
                elif key != "x-graph" and self._any_sentinel(item):
                    return True
            return False
        if isinstance(value, list):
            return any(self._any_sentinel(v) for v in value)
        return False

    def request_components(self) -> dict[str, JSONObject]:
        """The request variant of each component a request body reaches (and of those they reach)."""
        out: dict[str, JSONObject] = {}
        while self._wanted - {n.removesuffix("-request") for n in out}:
            for name in sorted(self._wanted - {n.removesuffix("-request") for n in out}):
                schema = self.schemas.get(schema_uri(self.version, name), {})
                variant = self._rewrite(schema, request=True)
                variant.pop("$id", None)
                variant["title"] = f"{name}-request"
                out[f"{name}-request"] = variant
        return out


def _path_schema(route: Route, name: str, allowed: Mapping[str, list[str]]) -> JSONObject:
    """A key segment's schema, or a function parameter's (its documented values, when it has them)."""
    if f"'{{{name}}}'" in route.template or f"={{{name}}}" in route.template:
        values = allowed.get(name)
        return {"type": "string", "enum": list(values)} if values else dict(_FUNCTION_VALUE)
    return dict(_KEY)


def _list_pattern(names: list[str], suffix: str) -> JSONObject:
    one = "(?:" + "|".join(re.escape(n) for n in names) + ")" + suffix
    return {"type": "string", "pattern": f"^{one}(?:,{one})*$"}


def _filter_pattern(properties: Mapping[str, Property], rules: Mapping[str, Filterable] | None) -> str | None:
    """A pattern of `$filter` expressions the server accepts on these properties: `name op literal` with
    the documented operators (any comparison where the docs give no restriction), `name eq|ne null`, and
    startswith/endswith/contains on strings."""
    groups: dict[tuple[str, str], list[str]] = {}  # (operators, literal) → property names
    calls: list[str] = []
    for name, prop in sorted(properties.items()):
        if prop.collection or prop.kind not in {*_LITERAL, "enum"}:
            continue
        rule = None if rules is None else rules.get(name)
        if rules is not None and rule is None:
            continue
        operators = [o for o in _COMPARISONS if rule is None or o in rule.operators]
        literal = _LITERAL.get(prop.kind)
        if prop.kind == "enum":
            members = [m for m in prop.members if m != UNKNOWN_FUTURE_VALUE and m not in prop.evolvable]
            literal = "'(?:" + "|".join(re.escape(m) for m in members) + ")'" if members else None
        if operators and literal:
            groups.setdefault(("|".join(operators), literal), []).append(re.escape(name))
        nullable = [o for o in ("eq", "ne") if o in operators]
        if nullable:
            groups.setdefault(("|".join(nullable), "null"), []).append(re.escape(name))
        if prop.kind == "string":
            calls += [
                f"{f}\\({re.escape(name)},{_LITERAL['string']}\\)"
                for f in _FUNCTIONS
                if rule is None or f in rule.operators
            ]
    branches = [f"(?:{'|'.join(names)}) (?:{ops}) {literal}" for (ops, literal), names in groups.items()]
    branches += calls
    return "^(?:" + "|".join(branches) + ")$" if branches else None


def _operation_id(route: Route, method: str, endpoint: Endpoint) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", route.template).strip("_")
    return (
        f"{method.lower()}_{words}" if endpoint.operation is None else f"{endpoint.operation['name']}_{words}"
    )


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
