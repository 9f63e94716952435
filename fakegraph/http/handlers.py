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
from functools import partial
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
    UnsupportedMediaType,
    UnsupportedQuery,
)
from fakegraph.artifacts.placeholders import substitute
from fakegraph.artifacts.schema_walk import blank_of
from fakegraph.http import bearer, delta, metadata
from fakegraph.http.responses import ODATA_JSON, CachedResponse, Reply, dumps
from fakegraph.http.routing import REF, Endpoint, Route, Target, navigation_of, shape, split
from fakegraph.identity.tokens import Claims
from fakegraph.model.store import clone
from fakegraph.model.throttle import token_claims
from fakegraph.odata import Expansion
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
        complex_value = _block(self, self.endpoint.entity_type).get("kind") == "complexType"
        annotations = {
            "@odata.context": self.context("" if complex_value else "/$entity"),  # `/$entity`: an entity
            "@odata.type": "#" + self.endpoint.entity_type,
        }
        if _block(self, self.endpoint.entity_type).get("identified"):  # the docs show its URL
            annotations["@odata.id"] = _identity(self, obj)
        if _tagged(self):  # of the stored object: without the type annotation a derived type's read adds
            tagged = whole if whole is not None else obj
            annotations["@odata.etag"] = etag_of({k: v for k, v in tagged.items() if k != "@odata.type"})
        return {**annotations, **_masked(self, obj)}


async def dispatch(request: GraphRequest, state: State, segments: list[str]) -> Reply:
    """The answer to one request (its path split into raw segments), or a GraphError saying what is wrong
    with it."""
    if not segments or segments[0] not in VERSIONS:
        if not segments:  # `GET /`: say what a path starts with
            raise BadRequest("Invalid version: the path names none; Graph's paths start with /v1.0 or /beta.")
        raise BadRequest(f"Invalid version: {segments[0]}")
    if metadata.addressed(segments):  # served without a token, as Graph serves it
        return metadata.answer(request.method, state, segments[0])
    claims = bearer.authenticate(request, state)
    if request.method != "GET":
        return await _handle(request, state, segments, claims)
    cache_key = _cache_key(request)
    stamp = (state.store.generation, state.clock.now())
    cached = state.responses.get(cache_key)
    if cached is not None and cached.stamp == stamp:
        return cached.reply
    reply = await _handle(request, state, segments, claims)
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


async def _handle(request: GraphRequest, state: State, segments: list[str], claims: Claims) -> Reply:
    version = segments[0]
    rest, cast = _type_cast(state, version, segments[1:])
    rest = _alternate_keys(state, version, rest)
    target = state.router.resolve(version, rest)
    endpoint = target.route.endpoints.get(request.method)
    if endpoint is None:
        raise MethodNotAllowed(sorted(target.route.endpoints))
    bearer.authorize(state, endpoint, claims, rest)
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
    return await state.kinds[endpoint.kind](call)  # KINDS, and the media kinds (http/media)


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
            if _documented_segment(state, version, rest, index):
                return rest, ""  # a page documents the path with this segment (`/directory/deletedItems/...`)
            return rest[:index] + rest[index + 1 :], name
    return rest, ""


def _documented_segment(state: State, version: str, rest: list[str], index: int) -> bool:
    """Whether the path routes as it is, with its segment at `index` a documented literal."""
    try:
        segments = state.router.resolve(version, rest).route.segments
    except BadRequest:
        return False
    return index < len(segments) and bool(segments[index].literal)


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


async def read_body(request: GraphRequest, *, optional: bool = False) -> Any:
    """The request body parsed, or the Graph error for what is wrong with it. `optional` (an action whose
    parameters may all be left out): no body at all, whatever the Content-Type, reads as `{}`."""
    content_type = request.headers.get("Content-Type", "")
    if optional and not (await request.read()).strip():
        return {}
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


def _body_key(call: Call) -> str:
    """The validator's name for the schema a body is checked against: the documented request body, else
    the entity type's schema."""
    return call.endpoint.body_of or call.schema_uri


def _blank(call: Call, entity: str = "") -> JSONObject:
    """The declared properties an object (of the endpoint's type, or `entity`) leaves unset, as Graph
    shows them (null, or `[]` for a non-nullable collection): the shape Graph returns a created object in."""
    return _blank_of(call, entity or call.endpoint.entity_type)


def _blank_of(call: Call, entity: str) -> JSONObject:
    """`_blank` of any type of the served version (shared: copy it, never change it)."""
    uri = schema_uri(call.version, entity)
    found = call.state.blanks.get(uri)
    if found is None:
        found = call.state.blanks[uri] = blank_of(call.state.catalogue.schemas[call.version].get(uri, {}))
    return cast(JSONObject, found)


def _decoded(call: Call) -> tuple[str, ...]:
    """The path's segments after the version, percent-decoded (alternate keys resolved)."""
    return tuple(unquote(s) for s in call.routed)


async def create(call: Call) -> Reply:
    parent = container(call, call.target.route.template)  # a 404 for a missing parent, before the body
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    clean = validator.check(body, _body_key(call), call.endpoint.entity_type, partial=False)
    entity = _created_kind(call, body)
    inserted = _deep_inserted(call, entity, clean)
    clean = _structural(call, entity, clean)
    chosen = clean.get("id")
    store, blank = call.state.store, _blank(call, entity)
    if chosen is not None:
        key = _key_segment(chosen)
        if store.locate(key, _kinds_of(call, call.endpoint.entity_type)) is not None:
            raise Conflict(f"Another object with the same value for property id already exists: '{key}'.")
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
    answer = {**call.entity(stored), **inserted}
    if entity != call.endpoint.entity_type:
        answer["@odata.type"] = "#" + entity
    return _respond(call, answer, call.endpoint.status, {"Location": location})


def _deep_inserted(call: Call, entity: str, clean: JSONObject) -> JSONObject:
    """Related objects a create body gives inline (a todoTask's `linkedResources`): Graph's answer to the
    create shows them as given; they are no part of the stored object (`_structural`)."""
    navigations = _block(call, entity).get("navigationProperties", [])
    out: JSONObject = {}
    for name in navigations:
        value = clean.get(name)
        if isinstance(value, dict) or (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            out[name] = value
    return out


def _structural(call: Call, entity: str, clean: JSONObject) -> JSONObject:
    """A written object's own properties: navigation properties given inline (`"owners": [...]`) are not
    part of an entity's representation in Graph (they are read through their path, or `$expand`)."""
    navigations = _block(call, entity).get("navigationProperties", [])
    if not navigations or not any(name in clean for name in navigations):
        return clean
    return {k: v for k, v in clean.items() if k not in navigations}


def _created_kind(call: Call, body: Any) -> str:
    """The type a create makes: the derived type its `@odata.type` names (a conversationMember posted as
    `#microsoft.graph.aadUserConversationMember`), else the collection's."""
    entity = call.endpoint.entity_type
    named = body.get("@odata.type") if isinstance(body, dict) else None
    if not isinstance(named, str) or not entity:
        return entity
    wanted = named.lstrip("#").lower()
    return next((k for k in _kinds_of(call, entity) if k.lower() == wanted), entity)


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
    return _collection(call, _source(call), call.context())


def _source(call: Call) -> PageSource:
    """Where a list's pages come from: the links of a reference navigation, the objects a parent holds, or
    the stored objects of the collection's type (and of the types deriving from it)."""
    if call.target.route.reference:
        _require_parent(call, call.target.route.template)
        return _linked_page
    parent = container(call, call.target.route.template)
    if parent is not None:
        entity = call.endpoint.entity_type
        children = _typed(call, _children(call, parent, entity))

        def owned(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
            return _listed_page(call, children, options, ctx, size)

        return owned
    store, entity = call.state.store, call.endpoint.entity_type
    others = [kind for kind in _kinds_of(call, entity)[1:] if store.count(kind)]
    if not others and not call.cast:
        return _stored_page
    # A collection that holds objects of derived types lists them too (`/directoryObjects` holds users).
    held = _typed(call, _distinct([(kind, obj) for kind in [entity, *others] for obj in store.view(kind)]))

    def polymorphic(
        call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int
    ) -> odata.Page:
        return _listed_page(call, held, options, ctx, size)

    return polymorphic


def _children(call: Call, parent: tuple[str, str, str], entity: str) -> list[tuple[str, JSONObject]]:
    """What a collection below an item holds: the objects created under that parent, and the sample
    tenant's objects of the type whose parent the documentation does not name; not those of a type a
    top-level collection serves, or that derives into one (`/me/manager` reads directoryObjects, and
    does not list every user)."""
    sets = call.state.catalogue.entity_sets(call.version)
    kinds = _kinds_of(call, entity)
    free = not any(kind in sets for kind in kinds)
    store = call.state.store
    held = _distinct([(kind, obj) for kind in kinds for obj in store.children(parent, kind, free=free)])
    if free:
        return held
    # A navigation to such a type reads like a reference navigation: the objects linked to the parent too.
    template = call.target.route.template.rstrip("/").removesuffix("/$count")
    linked = [store.locate(key, kinds) for key in store.linked(shape(template), parent[1])]
    return held + [found for found in linked if found]


def _distinct(items: list[tuple[str, JSONObject]]) -> list[tuple[str, JSONObject]]:
    """Objects of a collection and its derived types, one per key: the first type's (the base type comes
    first), as an item read finds it (documentation examples show one id as several types)."""
    seen: set[Any] = set()
    out = []
    for kind, obj in items:
        key = obj.get("id")
        if key is None or key not in seen:
            seen.add(key)
            out.append((kind, obj))
    return out


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
    resolved = call._replace(target=found, endpoint=reading, cast="", segments=tuple(raw))
    key = item_key(resolved)
    kind = _stored_kind(resolved, key)
    if not call.state.store.has(kind, key):
        raise _missing(key)
    return kind, key


def _stored_kind(call: Call, key: str) -> str:
    """The type an item of the endpoint's type is stored as: its own, or a type deriving from it (a
    `/me/messages/{id}` that is an eventMessage); the endpoint's when none holds the key."""
    store, entity = call.state.store, call.endpoint.entity_type
    if not entity or store.has(entity, key):
        return entity
    derived = _kinds_of(call, entity)[1:]
    found = store.locate(key, derived) if derived else None
    return found[0] if found is not None else entity


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
    if _advanced(call):
        raise UnsupportedQuery(
            "Raw count (/$count) is not supported because the 'ConsistencyLevel:eventual' header is missing. "
            "Refer to https://aka.ms/graph-docs/advanced-queries for more information."
        )
    options = _options(call)
    counted = _listed(call, call.target.route.template.rstrip("/").removesuffix("/$count"))
    page = odata.apply(counted, replace(options, count=True), _query(call), 1)
    return Reply(
        200,
        str(page.count or 0).encode(),
        {"Content-Type": "text/plain; charset=utf-8", "OData-Version": "4.0"},
    )


def _listed(call: Call, collection: str) -> list[JSONObject]:
    """Every object the collection at the template `collection` lists now, those of derived types typed:
    what its `/$count` counts and a delta round reads."""
    if call.target.route.reference:
        _require_parent(call, collection)
        return _linked(call, collection)
    parent = container(call, collection)
    entity = call.endpoint.entity_type
    if parent is not None:
        return _typed(call, _children(call, parent, entity))
    store = call.state.store
    return _typed(call, [(kind, obj) for kind in _kinds_of(call, entity) for obj in store.view(kind)])


def _options(call: Call) -> odata.QueryOptions:
    entry = call.endpoint.operation
    options = odata.parse_query(
        call.request.query.items(), version=call.version, supported=capabilities_of(entry)
    )
    if (options.search is not None or options.count) and _advanced(call):
        used = "$search" if options.search is not None else "$count"
        raise UnsupportedQuery(
            f"The {used} query parameter is only supported with the 'ConsistencyLevel: eventual' header on "
            "this request. Refer to https://aka.ms/graph-docs/advanced-queries for more information."
        )
    return options


def _advanced(call: Call) -> bool:
    """Whether this request needs `ConsistencyLevel: eventual` for `$count` and `$search` and lacks it:
    where the operation's page documents that header (directory objects' advanced queries)."""
    entry = call.endpoint.operation
    documented = entry is not None and any(h.lower() == "consistencylevel" for h in entry["requestHeaders"])
    return documented and call.request.headers.get("ConsistencyLevel", "").strip().lower() != "eventual"


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
    expansions = _expandable(call, options.expand)  # a bad $expand is a 400 before any page is read
    page = page_from(call, options, _query(call), size)
    body: JSONObject = {"@odata.context": context + _shape(options, expansions)}
    if page.count is not None:
        body["@odata.count"] = page.count
    if page.next_token is not None:
        body["@odata.nextLink"] = _next_link(call, options, page.next_token)
    items = _shown(call, page.items, whole=options.select is None)
    if expansions:
        routed = call.routed
        key = _query(call).key
        items = [
            _expand(call, item, [*routed, quote(str(item.get(key)), safe="")], expansions) for item in items
        ]
    body["value"] = items
    headers = {"Preference-Applied": f"odata.maxpagesize={preferred}"} if preferred else None
    return _respond(call, body, 200, headers)


def _shape(options: odata.QueryOptions, expansions: list[_Expanded]) -> str:
    """What a context URL says of `$select` and `$expand` (`users(id,manager())`, `groups(members(id))`)."""
    parts = list(options.select or ())
    for expanded in expansions:
        named = f"{expanded.owner}/{expanded.name}" if expanded.owner else expanded.name
        parts.append(f"{named}({','.join(expanded.options.select or ())})")
    return f"({','.join(parts)})" if parts else ""


NESTED_PAGE = 20  # objects an expanded collection inlines below the first level (Graph's directory limit)


class _Budget:
    """What one request's `$expand` may cost: each navigation read and each object inlined takes one; the
    request is a 400 once it would take more (nested expansions multiply: `$expand=*` three deep)."""

    def __init__(self, limit: int) -> None:
        self.limit = self.left = limit

    def take(self, cost: int) -> None:
        self.left -= cost
        if self.left < 0:
            raise BadRequest(
                f"The $expand would read more than {self.limit} navigations and objects (--max-expanded); "
                "narrow it with $top or $filter inside the expansion, or fewer levels."
            )


class _Expanded(NamedTuple):
    expansion: Expansion
    name: str  # the navigation property as the type declares it
    options: odata.QueryOptions  # the options in its parentheses
    budget: _Budget  # shared by all the request's expansions
    depth: int  # 1 for the request's own $expand, 2 for one nested in it, ...
    owner: str = ""  # the derived type declaring it (`microsoft.graph.eventMessage/event`), as declared


def _expandable(
    call: Call, expansions: tuple[Expansion, ...], budget: _Budget | None = None, depth: int = 1
) -> list[_Expanded]:
    """The navigation properties a `$expand` names, checked against the type (ARCHITECTURE A16): an unknown
    property, or one that is not a navigation property, is a 400 naming it. `*` is every navigation."""
    if not expansions:
        return []
    own = call.cast or call.endpoint.entity_type
    found: list[_Expanded] = []
    spent = _Budget(call.state.settings.max_expanded)
    for expansion in expansions:
        owner = next((k for k in _kinds_of(call, own) if k.lower() == expansion.owner.lower()), "")
        if expansion.owner and not owner:
            raise BadRequest(
                f"Invalid $expand: '{expansion.owner}' does not derive from '{own}'.", target=expansion.name
            )
        entity = owner or own
        schema = call.state.catalogue.schema(call.version, entity) if entity else None
        declared = (schema or {}).get("properties", {})
        navigations = [n for n in graph_block(schema or {}).get("navigationProperties", []) if n in declared]
        names = navigations if expansion.name == "*" else [expansion.name]
        for wanted in names:
            name = next((n for n in declared if n.lower() == wanted.lower()), None)
            held_by = owner
            if name is None and not owner:  # a polymorphic navigation (`manager` holds directoryObjects):
                held_by, name = _derived_navigation(call, own, wanted)  # a derived type's, on its objects
            if name is None:
                raise BadRequest(
                    f"Could not find a property named '{wanted}' on type '{entity}'.", target=wanted
                )
            if held_by == owner and name not in navigations:
                raise BadRequest(
                    f"Property '{name}' on type '{entity}' is not a navigation property. Only navigation "
                    "properties can be expanded.",
                    target=name,
                )
            pairs = [(f"${k}", v) for k, v in expansion.options]
            supported = dict.fromkeys(odata.NESTED, True)
            options = odata.parse_query(pairs, version=call.version, supported=supported)
            found.append(_Expanded(expansion, name, options, budget or spent, depth, held_by))
    return found


def _derived_navigation(call: Call, entity: str, wanted: str) -> tuple[str, str | None]:
    """The first type deriving from `entity` that declares a navigation property `wanted`, and its name
    as declared (`("microsoft.graph.user", "manager")` below a directoryObject); ("", None) for none."""
    for kind in _kinds_of(call, entity)[1:]:
        schema = call.state.catalogue.schema(call.version, kind) or {}
        navigations = graph_block(schema).get("navigationProperties", [])
        name = next((n for n in navigations if n.lower() == wanted.lower()), None)
        if name is not None:
            return kind, name
    return "", None


def _expand(call: Call, item: JSONObject, path: list[str], expansions: list[_Expanded]) -> JSONObject:
    """`item` (addressed by `path`) with each expanded navigation inlined: a collection as a list of at
    most a page of objects (`nav@odata.count` with `$count=true`), a single object as itself, or left out
    where there is none; each with its `nav@odata.context`, and its own nested expansions."""
    if not expansions:
        return item
    out = dict(item)
    for expanded in expansions:
        owner = expanded.owner
        if owner and str(item.get("@odata.type", "")).lstrip("#") not in _kinds_of(call, owner):
            continue  # a navigation of a derived type: only its objects have it
        many = _is_collection(call, expanded.name, owner)
        expanded.budget.take(1)
        sub = _navigation_call(call, item, path, expanded)
        if sub is None:  # a navigation no documented path reads: nothing can have been put there
            if many:
                out[f"{expanded.name}@odata.context"] = _navigation_context(call, path, expanded.name)
                out[expanded.name] = []
            continue
        if sub.cast and sub.cast not in _kinds_of(sub, sub.endpoint.entity_type):
            raise BadRequest(
                f"Type cast to '{sub.cast}' in $expand is not allowed: it does not derive from "
                f"'{sub.endpoint.entity_type}'.",
                target=expanded.name,
            )
        out.update(_navigation_value(sub, expanded, many))
    return out


def _navigation_value(sub: Call, expanded: _Expanded, many: bool) -> JSONObject:
    """One expanded navigation, read by `sub`, as the properties it adds to its item (none when it is a
    single-valued navigation that holds nothing)."""
    options, ctx, name = expanded.options, _query(sub), expanded.name
    nested = _expandable(sub, options.expand, expanded.budget, expanded.depth + 1)
    if sub.endpoint.kind != "list":
        try:
            found = _read_item(sub)
        except NotFound:
            return {}
        shown = odata.select(found, options.select, ctx) if options.select is not None else found
        single = _expand(
            sub, {"@odata.type": "#" + sub.endpoint.entity_type, **_masked(sub, shown)}, sub.routed, nested
        )
        return {f"{name}@odata.context": sub.context("/$entity"), name: single}
    size = sub.state.settings.page_size
    size = size if expanded.depth == 1 else min(NESTED_PAGE, size)
    page = _source(sub)(sub, options, ctx, size if many else 1)
    expanded.budget.take(len(page.items))
    values = _shown(sub, page.items, whole=options.select is None)  # as the navigation's list shows them
    if not many:
        declared = "#" + sub.endpoint.entity_type
        values = [v if "@odata.type" in v else {"@odata.type": declared, **v} for v in values]
    if nested:
        routed = sub.routed
        values = [_expand(sub, v, [*routed, quote(str(v.get(ctx.key)), safe="")], nested) for v in values]
    if not many:  # a single-valued navigation the pages document as a list (`/users/{id}/manager`)
        return {f"{name}@odata.context": sub.context("/$entity"), name: values[0]} if values else {}
    counted = {f"{name}@odata.count": page.count} if page.count is not None else {}
    return {f"{name}@odata.context": sub.context(), **counted, name: values}


def _navigation_context(call: Call, path: list[str], name: str) -> str:
    """The context of a navigation of the item at `path` (`chats('19:x')/members`): the item as its
    collection names it, keyed, then the navigation."""
    keyed = call.endpoint.kind == "list" or call.target.route.template.rstrip("/").endswith("}")
    if not keyed or not path:  # an item addressed without a key (`/me/drive`) is named by its own path
        return f"{call.base}/$metadata#{call.collection}/{name}"
    key = unquote(path[-1]).replace("'", "''")
    return f"{call.base}/$metadata#{call.collection}('{quote(key, safe='@:.-_~')}')/{name}"


def _is_collection(call: Call, name: str, owner: str = "") -> bool:
    entity = owner or call.cast or call.endpoint.entity_type
    schema = call.state.catalogue.schema(call.version, entity) or {}
    prop = schema.get("properties", {}).get(name)
    return isinstance(prop, dict) and isinstance(prop.get("items"), dict)


def _navigation_call(call: Call, item: JSONObject, path: list[str], expanded: _Expanded) -> Call | None:
    """The read of one navigation of an item: at the item's path, else at its entity set's
    (`/groups/{id}/members/{id}/manager` reads as `/users/{id}/manager`)."""
    paths = [[*path, expanded.name]]
    kind, key = item.get("@odata.type"), item.get("id")
    if isinstance(kind, str) and kind.startswith("#") and isinstance(key, str):
        name = kind.rsplit(".", 1)[-1]
        plural = name[:-1] + "ies" if name.endswith("y") else name + "s"
        paths.append([plural, quote(key, safe=""), expanded.name])
    for segments in paths:
        try:
            target = call.state.router.resolve(call.version, segments)
        except BadRequest:
            continue
        endpoint = target.route.endpoints.get("GET")
        if endpoint is not None and endpoint.kind in {"list", "get"}:
            cast = expanded.expansion.cast
            return call._replace(target=target, endpoint=endpoint, segments=tuple(segments), cast=cast)
    return None


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
    """Whether the collection's items say their type: its declared type has types deriving from it, or
    its documented lists show each item's `@odata.type`."""
    block = _block(call, call.endpoint.entity_type)
    return bool(block.get("derivedTypes") or block.get("typed"))


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
    from (the signed-in user for `/me/...`), or by its template. A key segment its type's behaviour knows
    (a well-known folder name: `/me/mailFolders/sentitems`) is the key of the object it names (A19)."""
    params = call.target.params
    template = call.target.route.template.lower()
    if not params and (template == SIGNED_IN or template.startswith(SIGNED_IN + "/")):
        return _signed_in(call)
    key = call.key
    names = [n.strip() for n in (list(params)[-1] if params else "").split("|")]
    known = behaviours.KEYS.get(call.endpoint.entity_type)
    if (len(names) < 2 and known is None) or call.state.store.has(call.endpoint.entity_type, key):
        return key
    for alternate in names[1:]:
        found = call.state.store.find(call.endpoint.entity_type, alternate, key)
        if found is not None:
            return found
    return _known_key(call, known, key) if known is not None else key


def _known_key(call: Call, known: Callable[[behaviours.KeyRequest], str | None], key: str) -> str:
    """A key segment the type's behaviour resolves below its parent (`/me/mailFolders/sentitems`)."""
    raw = call.routed
    if not call.target.route.template.rstrip("/").endswith("}") or len(raw) < 3 or unquote(raw[-1]) != key:
        return key
    parent = _existing_item(call, raw[:-2])
    if parent is None:
        return key
    navigation = unquote(raw[-2]).lower()
    found = known(behaviours.KeyRequest(call.state.store, parent, navigation, key, partial(_blank_of, call)))
    return found if found is not None else key


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
    store, entity = call.state.store, call.endpoint.entity_type
    owner = store.owner(entity, key)
    if owner is not None and owner != parent and not store.holds(parent, entity, key):
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


def _read_item(call: Call) -> JSONObject:
    """The addressed item (a singleton as documented until written); a 404 when there is none."""
    key = item_key(call)
    _check_parent(call, key)
    initial = _documented_singleton(call, key)
    if initial is not None:
        return initial
    kind = _stored_kind(call, key)
    found = call.state.store.get(kind, key)
    return found if kind == call.endpoint.entity_type else {"@odata.type": "#" + kind, **found}


async def get_entity(call: Call) -> Reply:
    item = _read_item(call)
    options = odata.parse_query(
        call.request.query.items(), version=call.version, supported={"select": True, "expand": True}
    )
    expansions = _expandable(call, options.expand)
    whole = item
    if options.select is not None:
        item = odata.select(item, options.select, _query(call))
    else:  # every property this version declares for the object's type, absent from the stored object
        item = _completed(call, item)
    body = call.entity(item, whole)
    if "@odata.type" in item:  # an object of a derived type says which
        body["@odata.type"] = item["@odata.type"]
    if options.select is not None or expansions:
        body["@odata.context"] = call.context(_shape(options, expansions) + "/$entity")
    return _respond(call, _expand(call, body, call.routed, expansions), 200)


async def update(call: Call) -> Reply:
    if call.request.method == "PUT":
        return await put(call)
    store = call.state.store
    entity = call.endpoint.entity_type
    key = item_key(call)
    _check_parent(call, key)
    initial = _documented_singleton(call, key)
    kind = _stored_kind(call, key)
    if initial is None:
        store.get(kind, key)  # 404 before looking at the body
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    clean = _structural(call, kind, validator.check(body, _body_key(call), entity, partial=True))
    if initial is not None:  # the singleton's first write: stored from now on, under its key
        merged = store.insert(entity, key, {**initial, **clean, "id": initial.get("id") or key}, copy=False)
    else:
        merged = store.update(kind, key, clean)
    if not call.endpoint.returns_body:
        return _respond(call, None, 204)
    shown = merged if kind == entity else {"@odata.type": "#" + kind, **merged}  # a derived type says so
    return _respond(call, call.entity(_completed(call, shown), merged), call.endpoint.status)  # tag: stored


async def put(call: Call) -> Reply:
    """A documented PUT: the body, checked as a whole object, replaces the addressed item or creates it
    under the key in the path."""
    body = await read_body(call.request)
    validator = call.state.validators[call.version]
    entity = call.endpoint.entity_type
    clean = _structural(call, entity, validator.check(body, _body_key(call), entity, partial=False))
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
    kind, state = _stored_kind(call, key), call.state
    kept = behaviours.keeps_deleted(state.catalogue, call.version, kind, state.clock.now(), state.derived)
    store.delete(kind, key, remember=_singleton(call), keep=kept)
    # 204, or 202 where the page documents an accepted (asynchronous) delete.
    return _respond(call, None, 202 if call.endpoint.status == 202 else 204)


async def function(call: Call) -> Reply:
    operation = call.endpoint.operation
    if operation is None:  # routes make function endpoints from catalogue entries only
        raise BadRequest("This function is not documented in the served pack.")
    params = _function_parameters(operation, _arguments(call))
    source = _delta_source(call) if delta.is_delta(call) else None
    if source is not None:
        return delta.answer(call, source)
    behaviour = behaviours.BEHAVIOURS.get(operation["name"])
    if behaviour is None:
        return documented_answer(call, operation)
    state = call.state
    rows = behaviour(
        behaviours.Context(state.store, state.clock.now(), params, state.derived, _decoded(call))
    )

    def page_from(call: Call, options: odata.QueryOptions, ctx: odata.QueryContext, size: int) -> odata.Page:
        return _listed_page(call, rows, options, ctx, size)

    return _collection(call, page_from, f"{call.base}/$metadata#Collection({call.endpoint.entity_type})")


def _delta_source(call: Call) -> delta.Source | None:
    """The collection a delta function is bound to (its path without the last segment), read as its list
    reads it; one the pack does not list is the function's type at that path (ARCHITECTURE A18). None for a
    reference navigation: its links are not in the change log, so its delta answers from the docs."""
    raw = call.routed[:-1]
    template = call.target.route.template.rstrip("/").rsplit("/", 1)[0]
    try:
        target: Target | None = call.state.router.resolve(call.version, raw)
    except BadRequest:
        target = None
    listing = target.route.endpoints.get("GET") if target is not None else None
    if target is None or listing is None or listing.kind != "list":
        parts = zip(template.strip("/").split("/"), raw, strict=False)  # literals as the client wrote them
        named = "/".join(part if part.startswith("{") else unquote(given) for part, given in parts)
        listing = Endpoint("list", call.endpoint.entity_type, 200, named)
        route = Route(template, call.target.route.segments[:-1], {"GET": listing})
        target = Target(route, call.target.params)
    if target.route.reference:
        return None
    bound = call._replace(target=target, endpoint=listing, segments=tuple(raw))
    collection = target.route.template
    shown = partial(_shown, bound)
    parent = container(bound, collection)
    return delta.Source(
        bound, partial(_listed, bound, collection), shown, parent, _page_size(call), _query(call)
    )


def _completed(call: Call, item: JSONObject) -> JSONObject:
    """`item` with every property this version declares for its type (its `@odata.type`, else the
    endpoint's) that it lacks, as Graph shows them: an object written through the other version, or
    lifted from a documentation example, lacks those only this one has."""
    kind = item.get("@odata.type")
    blank = _blank(call, kind[1:]) if isinstance(kind, str) and kind.startswith("#") else _blank(call)
    return item if blank.keys() <= item.keys() else {**blank, **item}


def _shown(call: Call, items: list[JSONObject], *, whole: bool = False) -> list[JSONObject]:
    """Objects as a page of the collection shows them: enum members masked, typed where the collection's
    items say their type, with their ETag where the docs show one. `whole` (no `$select`): with every
    property this version declares (an object written through the other version lacks those only this one
    has)."""
    tags = [_etag_for(call, item) for item in items] if _tagged(call) else None
    shown = [_masked(call, item) for item in items]
    if whole:
        shown = [_completed(call, item) for item in shown]
    if _polymorphic(call):  # each item says which type it is, as Graph's answers do for such collections
        declared = "#" + call.endpoint.entity_type
        shown = [item if "@odata.type" in item else {"@odata.type": declared, **item} for item in shown]
    if tags is not None:
        shown = [{"@odata.etag": tag, **item} for tag, item in zip(tags, shown, strict=True)]
    if _block(call, call.endpoint.entity_type).get("identified"):
        base = f"{call.base}/{call.collection}"
        shown = [{"@odata.id": f"{base}('{_odata_key(item.get('id'))}')", **item} for item in shown]
    return shown


def _odata_key(key: Any) -> str:
    return quote(str(key).replace("'", "''"), safe="@:.-_~=")


def _identity(call: Call, obj: JSONObject) -> str:
    """An object's `@odata.id`: its URL on this server, by the collection it was read from."""
    if call.endpoint.kind == "get" and not call.target.route.template.rstrip("/").endswith("}"):
        return f"{call.base}/{call.collection}"  # an item addressed without a key (`/me/calendar`)
    return f"{call.base}/{call.collection}('{_odata_key(obj.get('id'))}')"


async def action(call: Call) -> Reply:
    """An action: its documented body checked, then what its behaviour answers (ARCHITECTURE A19), else its
    documented answer (A11). An action documented without request body properties takes none, whatever is
    sent."""
    operation = call.endpoint.operation
    if operation is None:  # routes make action endpoints from catalogue entries only
        raise BadRequest("This action is not documented in the served pack.")
    behaviour = behaviours.ACTIONS.get(unquote(call.routed[-1]).lower()) if call.routed else None
    if behaviour is None:  # (a behaviour finds the item it is bound to itself: deleted items are not stored)
        _require_parent(call, call.target.route.template)  # an action bound to an item needs the item
    body: JSONObject = {}
    schema = call.endpoint.request_schema
    if schema is not None and schema.get("properties"):  # a page that says "no request body" declares none
        validator = call.state.validators[call.version]
        optional = not schema.get("required")  # every parameter may be left out: so may the body
        read = _parameter_names(await read_body(call.request, optional=optional), schema["properties"])
        body = validator.check(read, _body_key(call), call.endpoint.entity_type, partial=False)
    answer = behaviour(_behaviour_request(call, body)) if behaviour is not None else None
    if answer is not None:
        return _answered(call, answer)
    _require_parent(call, call.target.route.template)
    return documented_answer(call, operation)


def _parameter_names(body: Any, declared: JSONObject) -> Any:
    """An action's parameters under their documented names: Graph reads them in any case (the SDKs send
    sendMail's `Message` and `SaveToSentItems`, as Graph's metadata spells them; the pages say `message`)."""
    if not isinstance(body, dict) or all(name in declared for name in body):
        return body
    folded = {name.lower(): name for name in declared}
    return {(k if k in declared else folded.get(k.lower(), k)): v for k, v in body.items()}


def _behaviour_request(call: Call, body: JSONObject) -> behaviours.Request:
    state = call.state
    return behaviours.Request(
        store=state.store,
        now=state.clock.now(),
        version=call.version,
        path=_decoded(call),
        body=body,
        item=partial(_bound_item, call),
        new_id=state.new_id,
        blank=partial(_blank_of, call),
        kinds=partial(_kinds_of, call),
    )


def _bound_item(call: Call, depth: int) -> tuple[str, str] | None:
    """The type and key of the item the first `depth` segments address; where the pack cannot read such
    an item but the route has a key there (`/directoryObjects/{id}/getMemberGroups`), the object stored
    under that key, of any type. A 404 when there is none."""
    raw = call.routed[:depth]
    found = _existing_item(call, raw)
    segments = call.target.route.segments
    if found is not None or not raw or depth > len(segments) or not segments[depth - 1].key:
        return found
    key = unquote(raw[-1])
    located = call.state.store.locate(key)
    if located is None:
        raise _missing(key)
    return located[0], key


def _answered(call: Call, answer: behaviours.Answer) -> Reply:
    """A behaviour's answer: its body with its context, the properties of its type masked."""
    body = answer.body
    if body is not None:
        if answer.entity and not call.include_unknown:
            body = call.state.masks[call.version].apply(schema_uri(call.version, answer.entity), body)
        if answer.context:
            body = {"@odata.context": f"{call.base}/$metadata#{answer.context}", **body}
    return _respond(call, body, answer.status)


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


_ARGUMENT = re.compile(r"([A-Za-z_]\w*)\s*=\s*[^,{()]*\{([^}]+)\}")  # `q='{text}'`, `tz=ns.enum'{x}'`


def _arguments(call: Call) -> dict[str, str]:
    """A function call's arguments by the names the docs give them: by placeholder
    (`search(q='{search-text}')` binds `search-text`) and by argument name (`q`)."""
    params = {k: _ENUM_LITERAL.sub(r"\1", v) for k, v in call.target.params.items()}
    found = _ARGUMENT.findall(call.target.route.template)
    named = {arg: params[held] for arg, held in found if held in params}
    called = next((unquote(s) for s in reversed(call.routed) if "(" in s), "")  # `f(on='reviewer')`:
    given = {name: _ENUM_LITERAL.sub(r"\1", quoted or bare) for name, quoted, bare in _GIVEN.findall(called)}
    return {**given, **named, **params}  # arguments a template writes as literals are given too


_GIVEN = re.compile(r"([A-Za-z_]\w*)\s*=\s*(?:'((?:[^']|'')*)'|([^,()']*))")


# A qualified enum literal, `microsoft.graph.timeZoneStandard'Iana'`, is its member: Iana.
_ENUM_LITERAL = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+'([^']*)'$")


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
