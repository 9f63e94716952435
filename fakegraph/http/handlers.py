"""Generic handlers by operation kind: create, list, get, update, delete, function.

They know kinds, not resources: routes, schemas and statuses come from the catalogue; computed results come
from `behaviours`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast
from urllib.parse import quote, unquote

import orjson
from multidict import MultiMapping

from fakegraph import behaviours, odata
from fakegraph.artifacts.catalogue import read_example
from fakegraph.artifacts.contract import (
    VERSIONS,
    GraphBlock,
    JSONObject,
    OperationEntry,
    graph_block,
    schema_uri,
)
from fakegraph.artifacts.errors import (
    BadRequest,
    Conflict,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
    UnsupportedMediaType,
)
from fakegraph.artifacts.placeholders import substitute
from fakegraph.artifacts.schema_walk import blank_of
from fakegraph.http.responses import ODATA_JSON, CachedResponse, Reply, dumps
from fakegraph.http.routing import REF, Endpoint, Target, navigation_of, shape, split
from fakegraph.model.store import clone
from fakegraph.model.throttle import token_claims
from fakegraph.odata.capabilities import capabilities_of, filterable_of, properties_of
from fakegraph.odata.preferences import max_page_size
from fakegraph.validation.validator import display

if TYPE_CHECKING:
    from fakegraph.http.state import State

INCLUDE_UNKNOWN = "include-unknown-enum-members"
MAX_ORDER_INDEXES = 8  # distinct $orderby indexes kept per entity type; further orders sort per query


class GraphRequest(Protocol):
    """What the handlers read of a request: an aiohttp request, or a batch step dressed as one."""

    @property
    def method(self) -> str: ...

    @property
    def raw_path(self) -> str: ...

    @property
    def host(self) -> str: ...

    @property
    def scheme(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def query(self) -> MultiMapping[str]: ...

    async def read(self) -> bytes: ...


class Call(NamedTuple):  # a tuple: one per request, cheaper than a frozen dataclass
    """One request, resolved."""

    request: GraphRequest
    state: State
    version: str
    target: Target
    endpoint: Endpoint
    include_unknown: bool  # Prefer: include-unknown-enum-members
    cast: str = ""  # a type-cast segment's type (`/members/microsoft.graph.user`): the items listed
    segments: tuple[str, ...] = ()  # the raw path segments after the version, as routed

    @property
    def routed(self) -> list[str]:
        """The raw segments after the version as routed: without a type cast, alternate keys replaced by
        the keys they name."""
        return list(self.segments) if self.segments else split(self.request.raw_path)[1:]

    @property
    def base(self) -> str:
        return f"{self.request.scheme}://{self.request.host}/{self.version}"

    @property
    def schema_uri(self) -> str:
        return schema_uri(self.version, self.endpoint.entity_type)

    @property
    def key(self) -> str:
        """The addressed item's key: the last key in the path (`/users/{id}/messages/{id}` names a message),
        or, for a path without one (a singleton such as `/me/photo`), the route's template."""
        params = self.target.params
        return list(params.values())[-1] if params else self.target.route.template

    def context(self, suffix: str = "") -> str:
        """The `@odata.context` of an answer from this endpoint's collection."""
        return f"{self.base}/$metadata#{self.collection}{suffix}"

    @property
    def collection(self) -> str:
        """This endpoint's collection, keys in its template being the request's, as OData writes them
        (`users('1f3c')/messages`)."""
        collection = self.endpoint.collection
        if "{" in collection:
            routed = self.routed
            parts: list[str] = []
            for index, part in enumerate(collection.split("/")):
                if part.startswith("{") and parts and index < len(routed):
                    key = unquote(routed[index]).replace("'", "''")
                    parts[-1] = f"{parts[-1]}('{quote(key, safe='@:.-_~')}')"
                else:
                    parts.append(part)
            collection = "/".join(parts)
        return collection

    def entity(self, obj: JSONObject, whole: JSONObject | None = None) -> JSONObject:
        """A single-entity body: context, type annotation, then the (masked) properties; the ETag is of the
        whole object (`whole`, where `obj` is a `$select` of it)."""
        annotations = {
            "@odata.context": self.context("/$entity"),
            "@odata.type": "#" + self.endpoint.entity_type,
        }
        if _tagged(self):
            annotations["@odata.etag"] = etag_of(whole if whole is not None else obj)
        return {**annotations, **_masked(self, obj)}


async def dispatch(request: GraphRequest, state: State, segments: list[str]) -> Reply:
    """The answer to one request (its path split into raw segments), or a GraphError saying what is wrong
    with it."""
    if not segments or segments[0] not in VERSIONS:
        if not segments:  # `GET /`: say what a path starts with
            raise BadRequest("Invalid version: the path names none; Graph's paths start with /v1.0 or /beta.")
        raise BadRequest(f"Invalid version: {segments[0]}")
    authenticate(request)
    if request.method != "GET":
        return await _handle(request, state, segments)
    cache_key = _cache_key(request)
    stamp = (state.store.generation, state.clock.now())
    cached = state.responses.get(cache_key)
    if cached is not None and cached.stamp == stamp:
        return cached.reply
    reply = await _handle(request, state, segments)
    if reply.status == 200:
        state.responses.put(cache_key, CachedResponse(stamp, reply))
    return reply


def _cache_key(request: GraphRequest) -> tuple[str, ...]:
    # The token is part of the key: what `/me` names depends on who asks.
    headers = request.headers
    return (
        request.raw_path,
        request.host,
        request.scheme,
        headers.get("Prefer", ""),
        headers.get("Authorization", ""),
    )


async def _handle(request: GraphRequest, state: State, segments: list[str]) -> Reply:
    version = segments[0]
    rest, cast = _type_cast(state, version, segments[1:])
    rest = _alternate_keys(state, version, rest)
    target = state.router.resolve(version, rest)
    endpoint = target.route.endpoints.get(request.method)
    if endpoint is None:
        raise MethodNotAllowed(sorted(target.route.endpoints))
    if cast and endpoint.kind not in {"list", "count"}:
        raise BadRequest(f"A type cast to '{cast}' is supported on collections only.")
    call = Call(request, state, version, target, endpoint, _wants_unknown_members(request), "", tuple(rest))
    if cast:
        allowed = _kinds_of(call, endpoint.entity_type)
        if endpoint.entity_type and cast not in allowed:
            raise BadRequest(
                f"Type cast to '{cast}' is not allowed here: it does not derive from "
                f"'{endpoint.entity_type}'."
            )
        call = call._replace(cast=cast)
    return await KINDS[endpoint.kind](call)


_KEY_CALL = re.compile(r"^([A-Za-z]\w*)\(([A-Za-z]\w*)=(?:'((?:[^']|'')*)'|([^',()]*))\)$")
_KEY_EQUALS = re.compile(r"^([A-Za-z]\w*)=([^=]+)$")


def _alternate_keys(state: State, version: str, rest: list[str]) -> list[str]:
    """The path with each alternate key segment replaced by the key of the object it names:
    `/applications(appId='x')` and `/directoryRoles/roleTemplateId=x` address the item whose `appId`
    (`roleTemplateId`) is x, a property of the item's type. A segment that routes as it is, other than as a
    key (a documented function), is left alone; an alternate key no object has is a 404 naming it."""
    if not any("=" in s for s in rest):
        return rest
    try:
        routed = state.router.resolve(version, rest)
        if not any("=" in value for value in routed.params.values()):
            return rest
    except BadRequest:
        pass
    out: list[str] = []
    for raw in rest:
        text = unquote(raw)
        call_form = _KEY_CALL.match(text)
        equals = _KEY_EQUALS.match(text) if call_form is None else None
        if call_form is not None:
            collection = [*out, quote(call_form.group(1), safe="")]
            name, value = call_form.group(2), call_form.group(3)
            value = value.replace("''", "'") if value is not None else call_form.group(4)
        elif equals is not None and out:
            collection, (name, value) = out, equals.groups()
        else:
            out.append(raw)
            continue
        key = _key_by(state, version, collection, name, value)
        out = [*collection, quote(key, safe="")] if key is not None else [*out, raw]
    return out


def _key_by(state: State, version: str, collection: list[str], name: str, value: str) -> str | None:
    """The key of the object of the collection at `collection` whose property `name` is `value`; None when
    `name` is no property of the collection's type (the segment is no alternate key)."""
    try:
        item = state.router.resolve(version, [*collection, "{key}"])
    except BadRequest:
        return None
    reading = item.route.endpoints.get("GET")
    schema = state.catalogue.schema(version, reading.entity_type) if reading and reading.entity_type else None
    if reading is None or schema is None or name not in schema.get("properties", {}):
        return None
    found = state.store.find(reading.entity_type, name, value)
    if found is None:
        raise _missing(f"{name}='{value}'")
    return found


def _type_cast(state: State, version: str, rest: list[str]) -> tuple[list[str], str]:
    """The path without its type-cast segment (a qualified entity type name after a collection, as in
    `/groups/{id}/members/microsoft.graph.user[/$count]`), and the cast's type ("" when there is none)."""
    for index in range(1, len(rest)):
        name = unquote(rest[index])
        # A cast follows a collection and ends the path, or comes right before `/$count`.
        placed = rest[index + 1 :] in ([], ["$count"]) and not rest[index - 1].startswith("$")
        if not placed or "." not in name or "(" in name or "'" in name or "@" in name:
            continue
        schema = state.catalogue.schema(version, name)
        if schema is not None and graph_block(schema).get("kind") == "entityType":
            return rest[:index] + rest[index + 1 :], name
    return rest, ""


def _block(call: Call, entity: str) -> GraphBlock:
    """The x-graph block of a type of the served version (empty for an unknown type or none)."""
    schema = call.state.catalogue.schema(call.version, entity) if entity else None
    return graph_block(schema or {})


def _kinds_of(call: Call, entity: str) -> list[str]:
    """A type and every type deriving from it (what a collection of that type may hold)."""
    return [entity, *_block(call, entity).get("derivedTypes", [])]


def _typed(call: Call, items: list[tuple[str, JSONObject]]) -> list[JSONObject]:
    """Listed objects with the type each is stored as: those of the collection's type as they are, others
    with their `@odata.type`; only those of the cast's type (or deriving from it) when there is a cast."""
    declared = call.endpoint.entity_type
    wanted = set(_kinds_of(call, call.cast)) if call.cast else None
    return [
        obj if kind == declared else {"@odata.type": "#" + kind, **obj}
        for kind, obj in items
        if wanted is None or kind in wanted
    ]


def authenticate(request: GraphRequest) -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Access token is empty." if not token.strip() else "Invalid authentication token.")


def _respond(
    call: Call, body: JSONObject | None, status: int, headers: dict[str, str] | None = None
) -> Reply:
    out = {"OData-Version": "4.0", **(headers or {})}
    if body is not None:
        out["Content-Type"] = ODATA_JSON
    if call.include_unknown:
        out["Preference-Applied"] = INCLUDE_UNKNOWN
    return Reply(status, dumps(body) if body is not None else None, out)


def _wants_unknown_members(request: GraphRequest) -> bool:
    prefer = request.headers.get("Prefer")
    return prefer is not None and INCLUDE_UNKNOWN in (p.strip().lower() for p in prefer.split(","))


def _masked(call: Call, obj: JSONObject) -> JSONObject:
    if call.include_unknown:
        return obj
    return call.state.masks[call.version].apply(call.schema_uri, obj)


async def read_body(request: GraphRequest) -> Any:
    """The request body parsed, or the Graph error for what is wrong with it."""
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise UnsupportedMediaType(
            f"Content-Type '{content_type or '(none)'}' is not supported; send the body as application/json."
        )
    raw = await request.read()
    if not raw.strip():
        raise BadRequest("The request body is empty; a JSON object is expected.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The request body is not valid UTF-8 (byte {exc.start}).") from exc
    try:
        body = _JSON.decode(text)
    except RecursionError as exc:
        raise BadRequest("The request body nests JSON too deeply.") from exc
    except ValueError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc
    if "\\u" in text:  # escapes may spell lone surrogates, which no UTF-8 answer could carry
        _refuse_surrogates(body, ())
    return body


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_JSON = json.JSONDecoder(parse_constant=_no_constants, parse_float=_number)  # stateless: built once


def _refuse_surrogates(value: Any, path: tuple[str | int, ...]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_surrogates(key, path)
            _refuse_surrogates(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_surrogates(item, (*path, index))
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            where = display(path) or "(the body)"
            raise BadRequest(
                f"The request body is not valid JSON: '{where}' holds an unpaired surrogate escape "
                f"(\\u{ord(value[exc.start]):04x}).",
                target=display(path) or None,
            ) from exc


def _entity_schema(call: Call) -> JSONObject:
    return call.state.catalogue.schemas[call.version].get(call.schema_uri, {})


def _body_key(call: Call) -> str:
    """The validator's name for the schema a body is checked against: the documented request body, else
    the entity type's schema."""
    return call.endpoint.body_of or call.schema_uri


def _blank(call: Call) -> JSONObject:
    """The declared properties an object leaves unset, as Graph shows them (null, or `[]` for a collection
    that is not nullable): the shape Graph returns a created object in."""
    found = call.state.blanks.get(call.schema_uri)
    if found is None:
        found = call.state.blanks[call.schema_uri] = blank_of(_entity_schema(call))
    return found


async def create(call: Call) -> Reply:
    parent = container(call, call.target.route.template)  # a 404 for a missing parent, before the body
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    entity = call.endpoint.entity_type
    clean = validator.check(body, _body_key(call), entity, partial=False)
    chosen = clean.get("id")
    store, blank = call.state.store, _blank(call)
    if chosen is not None:
        key = _key_segment(chosen)
        stored = store.insert(
            entity, key, {**blank, **clean, "id": key}, copy=False, exclusive=True, parent=parent
        )
    else:
        while True:  # a generated id may meet one a dataset or a test chose: draw the next one
            key = call.state.new_id()
            try:
                stored = store.insert(
                    entity, key, {**blank, **clean, "id": key}, copy=False, exclusive=True, parent=parent
                )
            except Conflict:
                continue
            break
    location = f"{call.base}/{call.collection}/{quote(key, safe='')}"
    return _respond(call, call.entity(stored), call.endpoint.status, {"Location": location})


MAX_KEY_LENGTH = 1024


def _key_segment(key: Any) -> str:
    """An id a create chose, if a key segment can address it (percent-encoded where it must be)."""
    if not isinstance(key, str) or not key.strip() or key != key.strip():
        raise BadRequest(
            "Invalid value for property 'id': a non-empty string without leading or trailing spaces is "
            "expected.",
            target="id",
        )
    if len(key) > MAX_KEY_LENGTH or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise BadRequest(
            f"Invalid value for property 'id': at most {MAX_KEY_LENGTH} characters and no control "
            "characters are allowed in a key.",
            target="id",
        )
    return key


async def list_entities(call: Call) -> Reply:
    if call.target.route.reference:
        _require_parent(call, call.target.route.template)
        return _collection(call, _linked_page, call.context())
    parent = container(call, call.target.route.template)
    if parent is not None:
        entity = call.endpoint.entity_type
        children = _typed(call, _children(call, parent, entity))

        def owned(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
            return _listed_page(call, children, options, ctx, size)

        return _collection(call, owned, call.context())
    store, entity = call.state.store, call.endpoint.entity_type
    others = [kind for kind in _kinds_of(call, entity)[1:] if store.count(kind)]
    if not others and not call.cast:
        return _collection(call, _stored_page, call.context())
    # A collection that holds objects of derived types lists them too (`/directoryObjects` holds users).
    held = _typed(call, [(kind, obj) for kind in [entity, *others] for obj in store.view(kind)])

    def polymorphic(
        call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int
    ) -> odata.Page:
        return _listed_page(call, held, options, ctx, size)

    return _collection(call, polymorphic, call.context())


def _children(call: Call, parent: tuple[str, str, str], entity: str) -> list[tuple[str, JSONObject]]:
    """What a collection below an item holds: the objects created under that parent, and the sample
    tenant's objects of the type whose parent the documentation does not name; not those of a type a
    top-level collection serves, or that derives into one (`/me/manager` reads directoryObjects, and
    does not list every user)."""
    sets = call.state.catalogue.entity_sets(call.version)
    kinds = _kinds_of(call, entity)
    free = not any(kind in sets for kind in kinds)
    held = [(entity, obj) for obj in call.state.store.children(parent, entity, free=free)]
    if free:
        return held
    # A navigation to such a type reads like a reference navigation: the objects linked to the parent too.
    template = call.target.route.template.rstrip("/").removesuffix("/$count")
    store = call.state.store
    linked = [store.locate(key, kinds) for key in store.linked(shape(template), parent[1])]
    return held + [found for found in linked if found]


def _missing(key: str) -> NotFound:
    return NotFound(
        f"Resource '{key}' does not exist or one of its queried reference-property objects are not present."
    )


def container(call: Call, template: str) -> tuple[str, str, str] | None:
    """The parent a collection below an item lives in (ARCHITECTURE A15): `/users/{id}/messages` and
    `/me/messages` hold the messages of one user, as (parent type, parent key, navigation). None for an
    entity set or a collection below a singleton (`/reports/...`), which holds every object of its type. A
    parent that does not exist is a 404."""
    parts = template.strip("/").split("/")
    if len(parts) < 2 or not (parts[-2].startswith("{") or (len(parts) == 2 and parts[0].lower() == "me")):
        return None
    found = _existing_item(call, call.routed[: len(parts) - 1])
    return (*found, parts[-1].lower()) if found is not None else None


def _existing_item(call: Call, raw: list[str]) -> tuple[str, str] | None:
    """The type and key of the item the raw segments address (its alternate key or `/me` resolved as for
    any read), or None where the pack cannot read such an item; a 404 when it does not exist."""
    try:
        found = call.state.router.resolve(call.version, raw)
    except BadRequest:
        return None
    reading = found.route.endpoints.get("GET")
    if reading is None or reading.kind != "get" or not reading.entity_type:
        return None
    key = item_key(call._replace(target=found, endpoint=reading, cast="", segments=tuple(raw)))
    if not call.state.store.has(reading.entity_type, key):
        raise _missing(key)
    return reading.entity_type, key


def _positions(call: Call) -> list[str]:
    """The request's path segments after the version, percent-decoded: the values of a template's keys by
    position (`/groups/{id}/members/{id}/$ref` names two keys `id`)."""
    return [unquote(s) for s in call.routed]


def _require_parent(call: Call, template: str) -> None:
    """A 404 unless the item the template's last key addresses exists (where the pack can read it)."""
    keys = [i for i, s in enumerate(template.strip("/").split("/")) if s.startswith("{")]
    if keys:
        _existing_item(call, call.routed[: keys[-1] + 1])


def _navigation_type(call: Call, navigation: str) -> str:
    """The type a navigation's reads declare (empty when the pack does not say)."""
    raw = call.routed[: len(navigation.strip("/").split("/"))]
    try:
        endpoint = call.state.router.resolve(call.version, raw).route.endpoints.get("GET")
    except BadRequest:
        return ""
    return endpoint.entity_type if endpoint is not None else ""


def _parent(call: Call, navigation: str) -> str:
    """The key of the item a navigation template (`/groups/{id}/members`) hangs from, in this request."""
    keys = [i for i, s in enumerate(navigation.strip("/").split("/")) if s.startswith("{")]
    values = _positions(call)
    return values[keys[-1]] if keys and keys[-1] < len(values) else ""


def _navigation(call: Call) -> tuple[str, str, list[str]]:
    """The reference navigation a request works on (its shape), the parent's key, and the segments."""
    template = call.target.route.template
    navigation = navigation_of(template) if template.rstrip("/").endswith("/" + REF) else template
    return shape(navigation), _parent(call, navigation), _positions(call)


def _link_kinds(call: Call, template: str) -> set[str] | None:
    """The types a reference navigation may link to: its declared type and those deriving from it (None
    where the pack does not say)."""
    expected = _navigation_type(call, template)
    return set(_kinds_of(call, expected)) if expected else None


def _linked(call: Call, template: str) -> list[JSONObject]:
    """The objects a reference navigation (at `template`) of the addressed parent links to, typed."""
    store = call.state.store
    kinds = _link_kinds(call, template)
    found = [store.locate(key, kinds) for key in store.linked(shape(template), _parent(call, template))]
    wanted = set(_kinds_of(call, call.cast)) if call.cast else None
    return [
        {"@odata.type": "#" + kind, **obj}
        for kind, obj in (f for f in found if f)
        if wanted is None or kind in wanted
    ]


def _linked_page(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
    return _listed_page(call, _linked(call, call.target.route.template), options, ctx, size)


async def add_reference(call: Call) -> Reply:
    """`POST .../members/$ref` with `{"@odata.id": URL}`: link the object the URL names (it must exist)."""
    body = await read_body(call.request)
    target = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(target, str) or not target.strip("/"):
        raise BadRequest("The request body must name the object to link in '@odata.id'.", target="@odata.id")
    key = unquote(target.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    navigation, parent, _ = _navigation(call)
    template = navigation_of(call.target.route.template)
    _require_parent(call, template)
    store = call.state.store
    allowed = _link_kinds(call, template)
    found = store.locate(key, allowed) or store.locate(key)
    if found is None:
        raise _missing(key)
    if allowed is not None and found[0] not in allowed:
        expected = _navigation_type(call, template)
        raise BadRequest(
            f"'{key}' is a {found[0]}; '{navigation.rsplit('/', 1)[-1]}' holds {expected} objects.",
            target="@odata.id",
        )
    if call.endpoint.kind == "ref-set":  # a single-valued navigation: PUT replaces its one link
        for old in store.linked(navigation, parent):
            store.unlink(navigation, parent, old)
        store.link(navigation, parent, key)
        return _respond(call, None, 204)
    if not store.link(navigation, parent, key):
        name = navigation.rsplit("/", 1)[-1]
        raise BadRequest(
            "One or more added object references already exist for the following modified properties: "
            f"'{name}'."
        )
    return _respond(call, None, 204)


async def remove_reference(call: Call) -> Reply:
    """`DELETE .../members/{id}/$ref`: unlink that object (404 when it is not linked)."""
    navigation, parent, values = _navigation(call)
    key = values[-2] if len(values) >= 2 else ""
    if not call.state.store.unlink(navigation, parent, key):
        raise _missing(key)
    return _respond(call, None, 204)


async def list_references(call: Call) -> Reply:
    """`GET .../members/$ref`: the links, as `@odata.id`s on this server."""
    navigation, parent, _ = _navigation(call)
    _require_parent(call, navigation_of(call.target.route.template))
    store = call.state.store
    kinds = _link_kinds(call, navigation_of(call.target.route.template))
    links = [found for found in (store.locate(k, kinds) for k in store.linked(navigation, parent)) if found]
    value = [{"@odata.id": f"{call.base}/directoryObjects/{quote(str(o['id']), safe='')}"} for _, o in links]
    return _respond(call, {"@odata.context": f"{call.base}/$metadata#Collection($ref)", "value": value}, 200)


async def count(call: Call) -> Reply:
    """`/$count`: the number of objects matching $filter, as text/plain."""
    options = _options(call)
    if call.target.route.reference:
        navigation = call.target.route.template.rstrip("/").removesuffix("/$count")
        _require_parent(call, navigation)
        counted = _linked(call, navigation)
    else:
        collection = call.target.route.template.rstrip("/").removesuffix("/$count")
        parent = container(call, collection)
        store = call.state.store
        entity = call.endpoint.entity_type
        if parent is not None:
            counted = _typed(call, _children(call, parent, entity))
        else:
            kinds = _kinds_of(call, entity)
            counted = _typed(call, [(kind, obj) for kind in kinds for obj in store.view(kind)])
    page = odata.apply(counted, replace(options, count=True), _query(call), 1)
    return Reply(
        200,
        str(page.count or 0).encode(),
        {"Content-Type": "text/plain; charset=utf-8", "OData-Version": "4.0"},
    )


def _options(call: Call) -> odata.QueryOptions:
    entry = call.endpoint.operation
    return odata.parse_query(
        call.request.query.items(), version=call.version, supported=capabilities_of(entry)
    )


def _query(call: Call) -> odata.QueryContext:
    operation = call.endpoint.operation
    key = (call.version, call.endpoint.entity_type, operation and operation["name"], call.include_unknown)
    found = call.state.query_contexts.get(key)
    if found is None:
        schemas = call.state.catalogue.schemas[call.version]
        schema = schemas.get(call.schema_uri, {})
        found = odata.QueryContext(
            type_name=call.endpoint.entity_type,
            properties=properties_of(schema, schemas),
            filterable=filterable_of(call.endpoint.operation),
            include_unknown=call.include_unknown,
            key=graph_block(schema).get("key", "id"),
            token_key=call.state.token_key,
        )
        call.state.query_contexts[key] = found
    return found


PageSource = Callable[[Call, odata.QueryOptions, odata.QueryContext, int], odata.Page]


def _collection(call: Call, page_from: PageSource, context: str) -> Reply:
    """One page of a collection, with @odata.count and @odata.nextLink as Graph sends them."""
    options = _options(call)
    size, preferred = _page_size(call)
    page = page_from(call, options, _query(call), size)
    if options.select is not None:
        context = f"{context}({','.join(options.select)})"
    body: JSONObject = {"@odata.context": context}
    if page.count is not None:
        body["@odata.count"] = page.count
    if page.next_token is not None:
        body["@odata.nextLink"] = _next_link(call, options, page.next_token)
    tags = [_etag_for(call, item) for item in page.items] if _tagged(call) else None
    items = [_masked(call, item) for item in page.items]
    if _polymorphic(call):  # each item says which type it is, as Graph's answers do for such collections
        declared = "#" + call.endpoint.entity_type
        items = [item if "@odata.type" in item else {"@odata.type": declared, **item} for item in items]
    if tags is not None:
        items = [{"@odata.etag": tag, **item} for tag, item in zip(tags, items, strict=True)]
    body["value"] = items
    headers = {"Preference-Applied": f"odata.maxpagesize={preferred}"} if preferred else None
    return _respond(call, body, 200, headers)


def _tagged(call: Call) -> bool:
    """Whether answers with objects of the endpoint's type carry an `@odata.etag` (the docs show one)."""
    return bool(_block(call, call.endpoint.entity_type).get("etag"))


def _etag_for(call: Call, item: JSONObject) -> str:
    """The ETag of a listed object: of the stored object it shows (a `$select` shows part of it)."""
    kind = str(item.get("@odata.type", "#" + call.endpoint.entity_type))[1:]
    key = item.get("id")
    whole = call.state.store.peek(kind, key) if isinstance(key, str) else None
    return etag_of(whole if whole is not None else {k: v for k, v in item.items() if k != "@odata.type"})


def etag_of(obj: JSONObject) -> str:
    """A weak ETag of an object's content: it changes whenever a property does."""
    digest = hashlib.blake2b(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS), digest_size=12).digest()
    return 'W/"' + base64.b64encode(digest).decode() + '"'


def _polymorphic(call: Call) -> bool:
    """Whether the collection's declared type has types deriving from it."""
    return bool(_block(call, call.endpoint.entity_type).get("derivedTypes"))


def _stored_page(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
    """A page of stored objects, walked from the store's index for this `$orderby` (made by the first query
    in that order): a page costs what it reads, not a sort of the collection."""
    store, entity = call.state.store, call.endpoint.entity_type
    order = odata.ordering(list(options.orderby), ctx)  # a bad $orderby is a 400 before an index is made
    name = ("orderby", call.version, options.orderby)
    with store.locked():
        index = store.index(entity, name, lambda: odata.OrderedIndex(order), limit=MAX_ORDER_INDEXES)
        if index is not None:
            return odata.page_of(index.view(), options, ctx, size, filtered=False)
    return _listed_page(call, store.view(entity), options, ctx, size)


def _listed_page(
    call: Call, items: list[JSONObject], options: odata.QueryOptions, ctx: odata.QueryContext, size: int
) -> odata.Page:
    """A page of a list of objects; a first page by partial sort, later ones from a kept View."""
    if options.skiptoken is None:
        return odata.apply(items, options, ctx, size)
    return odata.page_of(_view(call, items, options, ctx), options, ctx, size)


def _view(
    call: Call, items: list[JSONObject], options: odata.QueryOptions, ctx: odata.QueryContext
) -> odata.View:
    """The filtered, ordered objects of this query, kept while the store and the clock stay as they are:
    following nextLinks then costs a bisection per page, not a sort."""
    state = call.state
    path = call.request.raw_path.split("?", 1)[0]
    key = (path, call.include_unknown, state.store.generation, state.clock.now(), odata.view_key(options))
    found = state.views.get(key)
    if found is None:
        if len(state.views) >= 64:
            state.views.clear()
        found = state.views[key] = odata.view(items, options, ctx)
    return found


def _page_size(call: Call) -> tuple[int, int | None]:
    """The page size, and the client's `Prefer: odata.maxpagesize` when it was honoured."""
    wanted = max_page_size(call.request.headers.get("Prefer", ""), odata.MAX_PAGE_SIZE)
    return (call.state.settings.page_size, None) if wanted is None else (wanted, wanted)


def _next_link(call: Call, options: odata.QueryOptions, token: str) -> str:
    query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in (*options.kept, ("$skiptoken", token)))
    path = call.request.raw_path.split("?", 1)[0]
    return f"{call.request.scheme}://{call.request.host}{path}?{query}"


def _quote(text: str) -> str:
    return quote(text, safe="$',()/:@")


SIGNED_IN = "/me"


def item_key(call: Call) -> str:
    """The stored key of the addressed item: the path's key; for `{id | userPrincipalName}` also an
    alternate key's value; for `/me` the signed-in user (the token's `oid`, else the tenant's first user).
    An item addressed without a key (a singleton such as `/me/mailboxSettings`) is keyed by the item it hangs
    from (the signed-in user for `/me/...`), or by its template."""
    params = call.target.params
    template = call.target.route.template.lower()
    if not params and (template == SIGNED_IN or template.startswith(SIGNED_IN + "/")):
        return _signed_in(call)
    key = call.key
    names = [n.strip() for n in (list(params)[-1] if params else "").split("|")]
    if len(names) < 2 or call.state.store.has(call.endpoint.entity_type, key):
        return key
    for alternate in names[1:]:
        found = call.state.store.find(call.endpoint.entity_type, alternate, key)
        if found is not None:
            return found
    return key


def _signed_in(call: Call) -> str:
    oid = token_claims(call.request.headers.get("Authorization", "")).get("oid")
    if isinstance(oid, str) and oid:
        return oid
    users = call.endpoint.entity_type
    if call.target.route.template.lower() != SIGNED_IN:  # `/me/...`: the type `/me` itself answers with
        try:
            me = call.state.router.resolve(call.version, [SIGNED_IN.strip("/")]).route.endpoints.get("GET")
        except BadRequest:
            me = None
        users = me.entity_type if me is not None else users
    first = call.state.store.first(users)
    return first if first is not None else SIGNED_IN


def _singleton(call: Call) -> bool:
    """Whether the route addresses one object without a key (`/policies/authorizationPolicy`,
    `/me/mailboxSettings`): such an object always exists in Graph."""
    last = call.target.route.segments[-1] if call.target.route.segments else None
    return (
        last is not None
        and bool(last.literal)
        and call.target.route.template.lower() != SIGNED_IN
        and bool(call.endpoint.entity_type)
    )


def _check_parent(call: Call, key: str) -> None:
    """An item below an item (`/users/{id}/notes/{id}`) needs that parent, and is not another parent's:
    a 404 otherwise, as Graph answers."""
    template = call.target.route.template.rstrip("/")
    if not template.endswith("}"):
        return
    parent = container(call, template.rsplit("/", 1)[0])
    if parent is None:
        return
    owner = call.state.store.owner(call.endpoint.entity_type, key)
    if owner is not None and owner != parent:
        raise _missing(key)


def _documented_singleton(call: Call, key: str) -> JSONObject | None:
    """A singleton that was never written is as its documentation shows it: the documented get example's
    object (placeholders replaced), else every declared property null. None for anything else, and for a
    singleton that is stored or was deleted (it stays deleted until reset). Reading it writes nothing."""
    store, entity = call.state.store, call.endpoint.entity_type
    if not _singleton(call):
        return None
    _require_parent(call, call.target.route.template)  # `/users/{id}/mailboxSettings` needs the user
    if store.has(entity, key) or store.was_deleted(entity, key):
        return None
    reading = call.target.route.endpoints.get("GET")
    found = _example_answer(call, reading.operation) if reading and reading.operation else None
    documented: Any = found[1] if found is not None else None
    single = isinstance(documented, dict) and not isinstance(documented.get("value"), list)
    shown = documented if single else {}
    return {**_blank(call), **{k: clone(v) for k, v in shown.items() if "@" not in k}}


async def get_entity(call: Call) -> Reply:
    key = item_key(call)
    _check_parent(call, key)
    initial = _documented_singleton(call, key)
    item = initial if initial is not None else call.state.store.get(call.endpoint.entity_type, key)
    options = odata.parse_query(
        call.request.query.items(), version=call.version, supported={"select": True, "expand": False}
    )
    whole = item
    if options.select is not None:
        item = odata.select(item, options.select, _query(call))
    return _respond(call, call.entity(item, whole), 200)


async def update(call: Call) -> Reply:
    if call.request.method == "PUT":
        return await put(call)
    store = call.state.store
    entity = call.endpoint.entity_type
    key = item_key(call)
    _check_parent(call, key)
    initial = _documented_singleton(call, key)
    if initial is None:
        store.get(entity, key)  # 404 before looking at the body
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    clean = validator.check(body, _body_key(call), entity, partial=True)
    if initial is not None:  # the singleton's first write: stored from now on, under its key
        merged = store.insert(entity, key, {**initial, **clean, "id": initial.get("id") or key}, copy=False)
    else:
        merged = store.update(entity, key, clean)
    if not call.endpoint.returns_body:
        return _respond(call, None, 204)
    return _respond(call, call.entity(merged), call.endpoint.status)


async def put(call: Call) -> Reply:
    """A documented PUT: the body, checked as a whole object, replaces the addressed item or creates it
    under the key in the path."""
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    entity = call.endpoint.entity_type
    clean = validator.check(body, _body_key(call), entity, partial=False)
    key = item_key(call)
    if clean.get("id") not in (None, key):
        raise BadRequest(f"The body's id '{clean['id']}' is not the id in the path, '{key}'.", target="id")
    stored = call.state.store.insert(entity, key, {**_blank(call), **clean, "id": key}, copy=False)
    if not call.endpoint.returns_body:
        return _respond(call, None, 204)
    return _respond(call, call.entity(stored), call.endpoint.status)


async def delete(call: Call) -> Reply:
    key = item_key(call)
    _check_parent(call, key)
    store, entity = call.state.store, call.endpoint.entity_type
    initial = _documented_singleton(call, key)
    if initial is not None:  # deleting a singleton never written: stored, then deleted (it stays gone)
        store.insert(entity, key, {**initial, "id": initial.get("id") or key}, copy=False)
    store.delete(entity, key, remember=_singleton(call))
    # 204, or 202 where the page documents an accepted (asynchronous) delete.
    return _respond(call, None, 202 if call.endpoint.status == 202 else 204)


async def function(call: Call) -> Reply:
    operation = call.endpoint.operation
    if operation is None:  # routes make function endpoints from catalogue entries only
        raise BadRequest("This function is not documented in the served pack.")
    params = _function_parameters(operation, call.target.params)
    behaviour = behaviours.BEHAVIOURS.get(operation["name"])
    if behaviour is None:
        return documented_answer(call, operation)
    rows = behaviour(behaviours.Context(call.state.store, call.state.clock.now(), params, call.state.derived))

    def page_from(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
        return _listed_page(call, rows, options, ctx, size)

    return _collection(call, page_from, f"{call.base}/$metadata#Collection({call.endpoint.entity_type})")


async def action(call: Call) -> Reply:
    """An action: its documented body checked, then its documented answer (ARCHITECTURE A11). An action
    documented without request body properties takes none, whatever is sent."""
    operation = call.endpoint.operation
    if operation is None:  # routes make action endpoints from catalogue entries only
        raise BadRequest("This action is not documented in the served pack.")
    _require_parent(call, call.target.route.template)  # an action bound to an item needs the item
    schema = call.endpoint.request_schema
    if schema is not None and schema.get("properties"):  # a page that says "no request body" declares none
        body = await read_body(call.request)
        validator = call.state.validators[call.version]
        validator.check(body, _body_key(call), call.endpoint.entity_type, partial=False)
    return documented_answer(call, operation)


def documented_answer(call: Call, operation: OperationEntry) -> Reply:
    """What the page documents as the answer: the first example's status and body (its marked placeholders
    replaced by valid samples, its context on this server), else the documented status alone."""
    found = _example_answer(call, operation)
    status, body = found if found is not None else (operation["successStatus"], None)
    if body is None or status == 204:
        return _respond(call, None, status)
    answer = clone(body)
    if isinstance(answer, dict):
        documented = answer.get("@odata.context")
        if isinstance(documented, str) and "#" in documented:
            fragment = documented.partition("#")[2]
        else:  # Graph always says what it answers with
            entity = call.endpoint.entity_type or "Edm.Untyped"
            fragment = f"Collection({entity})" if isinstance(answer.get("value"), list) else entity
        rest = {k: v for k, v in answer.items() if k != "@odata.context"}
        answer = {"@odata.context": f"{call.base}/$metadata#{fragment}", **rest}
    return _respond(call, answer, status)


def _example_answer(call: Call, operation: OperationEntry) -> tuple[int, Any] | None:
    """An operation's first documented answer (status and served body), read once per server."""
    key = (call.version, operation["name"])
    found = call.state.examples.get(key, False)
    if found is False:
        found = call.state.examples[key] = _first_answer(call, operation)
    return cast(tuple[int, Any] | None, found)


def _first_answer(call: Call, operation: OperationEntry) -> tuple[int, Any] | None:
    """The first of an operation's examples with a documented response: its status and served body."""
    for name in operation["examples"]:
        fixture = read_example(call.state.settings.data, call.version, name)
        response = (fixture or {}).get("response") or {}
        if response.get("status"):
            body = response.get("body") if response.get("bodyIsJson") else None
            return int(response["status"]), substitute(body, response.get("marks", [])) if body else None
    return None


def _function_parameters(operation: OperationEntry, given: dict[str, str]) -> dict[str, str]:
    """Check function parameters against the values the docs allow (case-insensitively where they say so)."""
    params = dict(given)
    for spec in operation["parameters"]:
        name = spec["name"]
        allowed = spec["allowedValues"]
        if name not in params:
            raise BadRequest(f"The function parameter '{name}' is required.", target=name)
        if not allowed:
            continue
        value = params[name]
        fold = spec["caseInsensitive"]
        match = next((a for a in allowed if a == value or (fold and a.lower() == value.lower())), None)
        if match is None:
            raise BadRequest(
                f"Invalid value '{value}' for parameter '{name}'. Allowed values: {', '.join(allowed)}.",
                target=name,
            )
        params[name] = match
    return params


KINDS: dict[str, Callable[[Call], Awaitable[Reply]]] = {
    "create": create,
    "list": list_entities,
    "get": get_entity,
    "update": update,
    "delete": delete,
    "function": function,
    "action": action,
    "count": count,
    "ref-add": add_reference,
    "ref-set": add_reference,
    "ref-remove": remove_reference,
    "ref-list": list_references,
}
