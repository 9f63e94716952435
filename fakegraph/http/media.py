"""Media streams and upload sessions over the resource model (ARCHITECTURE A21).

- A stream route is a documented path that ends in `$value` (an item's media stream: a message's MIME, an
  attachment's raw content, a profile photo) or in a property its item's type declares a stream (a
  driveItem's `content`). `routing` gives such routes the kinds below: GET reads the bytes and answers them
  with their content type (or, where the docs answer the read with 302, a redirect to a download URL that
  needs no token); PUT, and a documented PATCH of `$value`, writes them; a documented DELETE removes them.
- An item whose type keeps its content in a base64 property (a fileAttachment's `contentBytes`) has its
  stream there; any other item's bytes are kept beside it, in `State.media`. Either way a stream goes with
  its item.
- An action that answers with an uploadSession (`createUploadSession`) opens an upload session. Its
  `uploadUrl`, served by the fake without a token, takes the file in order in `Content-Range` fragments; the
  last one creates the item in the collection the session was opened on (a message's attachments: 201), or
  writes the stream of the item it was opened on (a driveItem's content: 200).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, unquote

from aiohttp import web

from fakegraph.artifacts.catalogue import read_example
from fakegraph.artifacts.contract import JSONObject, graph_block, schema_uri
from fakegraph.artifacts.errors import (
    BadRequest,
    Conflict,
    InvalidRequest,
    ItemNotFound,
    MethodNotAllowed,
    NotFound,
)
from fakegraph.artifacts.placeholders import substitute
from fakegraph.artifacts.schema_walk import blank_of
from fakegraph.http import handlers
from fakegraph.http.handlers import Call
from fakegraph.http.responses import ODATA_JSON, Reply, dumps
from fakegraph.http.routing import split
from fakegraph.model.clock import iso
from fakegraph.model.media import Completion, Item, Stream, UploadSession, UploadTarget, digest

if TYPE_CHECKING:
    from fakegraph.http.state import State

PREFIX = "_media"  # /_media/uploads/{session} and /_media/downloads/{token}: no token needed, as in Graph
VALUE = "$value"
OCTET_STREAM = "application/octet-stream"
SESSION_LIFETIME = timedelta(hours=24)
_RANGE = re.compile(r"^\s*bytes\s+(\d{1,15})-(\d{1,15})/(\d{1,15})\s*$", re.IGNORECASE)


def is_media_url(segments: list[str]) -> bool:
    """Whether a path is one of the URLs the fake hands out for uploads and downloads."""
    return bool(segments) and segments[0] == PREFIX


TENANT = "tenants"  # /_media/tenants/{tenant}/uploads/{session}: a URL a tenant other than the default made


def is_media_path(raw_path: str) -> bool:
    return is_media_url(split(raw_path))


def url_tenant(raw_path: str) -> str | None:
    """The tenant a media URL names (ARCHITECTURE A23); None: the default one."""
    segments = split(raw_path)
    return segments[2] if len(segments) > 2 and segments[1] == TENANT else None


def media_url(request: handlers.GraphRequest, state: State, kind: str, name: str) -> str:
    """The absolute URL of an upload session or download (`kind`) in the request's tenant: the default
    tenant's as before, another's with its id in the path (the URL carries no token to tell it)."""
    tenant = "" if state.tenant_id == state.settings.tenant_id else f"/{TENANT}/{state.tenant_id}"
    return f"{request.scheme}://{request.host}/{PREFIX}{tenant}/{kind}/{name}"


# --- stream routes ---------------------------------------------------------------------------------------


class Owner(NamedTuple):
    """The item a stream belongs to, and the items whose deletion takes the stream with them."""

    entity: str
    key: str
    items: tuple[Item, ...]
    stored: JSONObject | None  # None: a singleton never written (`/me/photo`)


def _stream_name(call: Call) -> str:
    """`$value`, or the stream property the route's last segment names (as the schema spells it)."""
    last = call.target.route.template.rstrip("/").rsplit("/", 1)[-1]
    if last == VALUE:
        return VALUE
    schema = call.state.catalogue.schema(call.version, call.endpoint.entity_type) or {}
    return next((name for name in schema.get("properties", {}) if name.lower() == last.lower()), last)


def _owner(call: Call) -> Owner:
    """The item whose stream the route addresses; a 404 when it (or the item it hangs from) is missing."""
    store = call.state.store
    parts = call.target.route.template.strip("/").split("/")[:-1]
    raw = call.routed[:-1]
    if parts and parts[-1].startswith("{"):
        found = handlers._existing_item(call, raw)  # 404 when missing
        if found is not None:
            return Owner(found[0], found[1], (found,), store.peek(*found))
    # A singleton (`/users/{id}/photo`), keyed as the item it hangs from: that item must exist.
    keyed = [i for i, part in enumerate(parts) if part.startswith("{")]
    anchor_length = keyed[-1] + 1 if keyed else (1 if raw and raw[0].lower() == "me" else 0)
    anchor = handlers._existing_item(call, raw[:anchor_length]) if anchor_length else None
    entity, key = call.endpoint.entity_type, handlers.item_key(call)
    if store.was_deleted(entity, key):
        raise _no_stream(call)
    items = ((entity, key), anchor) if anchor is not None else ((entity, key),)
    return Owner(entity, key, items, store.peek(entity, key))


def _no_stream(call: Call) -> ItemNotFound:
    path = "/" + "/".join(call.routed)
    return ItemNotFound(f"Nothing was written to the stream '{path}', and its documentation shows none.")


def binary_property(state: State, version: str, entity: str) -> str | None:
    """The base64 property in which items of `entity` (or of the one type deriving from it that declares
    one) keep their content: fileAttachment's `contentBytes` for an attachment."""
    schema = state.catalogue.schema(version, entity) or {}
    own = _binaries(schema)
    if own:
        return own[0] if len(own) == 1 else None
    derived = {
        name
        for kind in graph_block(schema).get("derivedTypes", [])
        for name in _binaries(state.catalogue.schema(version, kind) or {})
    }
    return derived.pop() if len(derived) == 1 else None


def _holder(state: State, version: str, entity: str) -> tuple[str, str | None]:
    """The type an upload into a collection of `entity` creates, and its base64 property: `entity` if it
    has one, else the one type deriving from it that does (an attachment upload makes a fileAttachment,
    as Graph's does), else `entity` (whose bytes are then kept beside it)."""
    schema = state.catalogue.schema(version, entity) or {}
    own = _binaries(schema)
    if own:
        return entity, own[0] if len(own) == 1 else None
    holders = [
        (kind, found[0])
        for kind in graph_block(schema).get("derivedTypes", [])
        if len(found := _binaries(state.catalogue.schema(version, kind) or {})) == 1
    ]
    return holders[0] if len(holders) == 1 else (entity, None)


def _binaries(schema: JSONObject) -> list[str]:
    props = schema.get("properties", {})
    return [n for n, p in props.items() if isinstance(p, dict) and p.get("contentEncoding") == "base64"]


def _declares(state: State, version: str, entity: str, name: str, kind: str) -> bool:
    """Whether the type declares property `name` of JSON type `kind`."""
    prop = (state.catalogue.schema(version, entity) or {}).get("properties", {}).get(name)
    declared = prop.get("type") if isinstance(prop, dict) else None
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _content(state: State, owner: Owner, stream: str, binary: str | None) -> Stream | None:
    """What the item's stream holds, or None when nothing was written to it."""
    if binary is not None and owner.stored is not None:
        encoded = owner.stored.get(binary)
        if isinstance(encoded, str):
            kind = owner.stored.get("contentType")
            return Stream(_decoded(encoded), kind if isinstance(kind, str) and kind else OCTET_STREAM, "")
    return state.media.get((owner.entity, owner.key, stream))


def _decoded(text: str) -> bytes:
    """The bytes of base64 text (the URL-safe alphabet and missing padding taken too)."""
    if "-" in text or "_" in text:
        text = text.replace("-", "+").replace("_", "/")
    if len(text) % 4:
        text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return text.encode()


async def read_stream(call: Call) -> Reply:
    """GET of a stream: its bytes and content type; where the docs answer the read with 302, a redirect to a
    download URL. A stream never written answers as its page documents it (a message's MIME), else 404."""
    owner = _owner(call)
    stream = _stream_name(call)
    binary = binary_property(call.state, call.version, owner.entity)
    found = _content(call.state, owner, stream, binary)
    documented = _documented(call)
    redirects = documented is not None and documented.status == 302
    if found is not None and redirects and found.token:
        request = call.request
        location = media_url(request, call.state, "downloads", found.token)
        return Reply(302, None, {"Location": location})
    if found is None and documented is not None and not redirects:
        found = documented.stream
    if found is None:
        raise _no_stream(call)
    return Reply(200, found.data, {"Content-Type": found.content_type})


class Documented(NamedTuple):
    status: int
    stream: Stream | None  # the documented body, if the example shows one


def _documented(call: Call) -> Documented | None:
    """The documented answer to a read of this stream: the first example of the read's page on a path
    ending as this route's does (read once per server)."""
    operation = call.endpoint.operation
    if operation is None:
        return None
    last = call.target.route.template.rstrip("/").rsplit("/", 1)[-1].lower()
    key = (call.version, f"{operation['name']}/{last}")
    if key not in call.state.examples:
        call.state.examples[key] = _first_documented(call, operation["examples"], last)
    found: Documented | None = call.state.examples[key]
    return found


def _first_documented(call: Call, examples: list[str], last: str) -> Documented | None:
    for name in examples:
        example = read_example(call.state.settings.data, call.version, name) or {}
        request, response = example.get("request") or {}, example.get("response") or {}
        path = str(request.get("path") or "").split("?", 1)[0].rstrip("/")
        if not path.lower().endswith("/" + last) or not response.get("status"):
            continue
        body = response.get("body")
        if body is None:
            return Documented(int(response["status"]), None)
        headers = {str(k).lower(): str(v) for k, v in response.get("headers", [])}
        data = body.encode() if isinstance(body, str) else dumps(substitute(body, response.get("marks", [])))
        return Documented(
            int(response["status"]), Stream(data, headers.get("content-type", OCTET_STREAM), "")
        )
    return None


async def write_stream(call: Call) -> Reply:
    """PUT (or a documented PATCH) of a stream: the body's bytes and Content-Type become its content. The
    answer is the documented write's status, with the item where the docs show it."""
    owner = _owner(call)
    data = await call.request.read()  # at most Settings.max_body_bytes; larger files go by upload session
    kind = call.request.headers.get("Content-Type") or OCTET_STREAM
    stored = keep(call.state, call.version, owner, _stream_name(call), data, kind)
    operation = call.endpoint.operation
    documented = handlers._example_answer(call, operation) if operation is not None else None
    if stored is not None and documented is not None and isinstance(documented[1], dict):
        return handlers._respond(call, call.entity(stored), call.endpoint.status)
    return Reply(call.endpoint.status, None, {})


async def delete_stream(call: Call) -> Reply:
    """A documented DELETE of a stream: its content goes (204)."""
    owner = _owner(call)
    binary = binary_property(call.state, call.version, owner.entity)
    if binary is not None and owner.stored is not None:
        call.state.store.update(owner.entity, owner.key, {binary: None})
    call.state.media.remove((owner.entity, owner.key, _stream_name(call)))
    call.state.responses.clear()
    return Reply(204, None, {})


def keep(state: State, version: str, owner: Owner, stream: str, data: bytes, kind: str) -> JSONObject | None:
    """Write an item's stream; the item's `size` and `contentType`, where its type declares them, follow.
    The item as stored afterwards (None for a singleton never written). A 413/507 when it does not fit."""
    binary = binary_property(state, version, owner.entity)
    changes: JSONObject = {}
    if binary is not None and owner.stored is not None:
        state.media.check_size(len(data))  # kept in the item (the store), yet never more than a stream
        changes[binary] = base64.b64encode(data).decode()
    else:
        token = state.new_request_id()
        state.media.put((owner.entity, owner.key, stream), Stream(data, kind, token), owner.items)
    state.responses.clear()  # cached reads of the stream are stale
    if owner.stored is None:
        return None
    if _declares(state, version, owner.entity, "size", "integer"):
        changes["size"] = len(data)
    if kind != OCTET_STREAM and _declares(state, version, owner.entity, "contentType", "string"):
        changes["contentType"] = kind
    return state.store.update(owner.entity, owner.key, changes) if changes else dict(owner.stored)


# --- createUploadSession ---------------------------------------------------------------------------------


async def create_upload_session(call: Call) -> Reply:
    """An action answering with an uploadSession: check its body, find what the upload goes into (a 404
    when that is missing), reserve its declared size (413/507), and answer the session."""
    state = call.state
    descriptor = await _descriptor(call)
    target = _target(call, descriptor)
    total = _declared_size(descriptor)
    if total is not None:
        state.media.check(total)
    expires = state.clock.now() + SESSION_LIFETIME
    session = UploadSession(state.new_request_id(), target, expires, total)
    state.uploads.open(session, state.clock.now())
    request = call.request
    body = {
        "@odata.context": f"{call.base}/$metadata#microsoft.graph.uploadSession",
        "uploadUrl": media_url(request, state, "uploads", session.id),
        "expirationDateTime": iso(expires),
        "nextExpectedRanges": session.next_ranges(),
    }
    return Reply(call.endpoint.status, dumps(body), {"Content-Type": ODATA_JSON, "OData-Version": "4.0"})


async def _descriptor(call: Call) -> JSONObject:
    """The item the body describes (`AttachmentItem`, `item`, `properties`: its one object value), checked
    against the documented body; {} for no body where the docs require none."""
    raw = await call.request.read()
    body: Any = {} if not raw.strip() else await handlers.read_body(call.request)
    validator = call.state.validators[call.version]
    if call.endpoint.body_of is not None:
        body = validator.check(body, call.endpoint.body_of, call.endpoint.entity_type, partial=False)
    elif body:
        raise BadRequest("This action takes no request body.")
    found = next((v for v in body.values() if isinstance(v, dict)), {}) if isinstance(body, dict) else {}
    return {k: v for k, v in found.items() if "@" not in k}


def _declared_size(descriptor: JSONObject) -> int | None:
    """The file size the session declares (an attachmentItem's or a print document's `size`, a drive
    item's `fileSize`), or None: the first fragment's Content-Range tells it then."""
    for name in ("size", "fileSize"):
        value = descriptor.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise BadRequest(f"The declared '{name}' must be at least 1 byte, not {value}.", target=name)
            return value
    return None


def _target(call: Call, descriptor: JSONObject) -> UploadTarget:
    """What the session's path (less its last segment) addresses: a collection the upload creates an item
    in, or an item whose stream it writes."""
    state, version = call.state, call.version
    raw = call.routed[:-1]
    try:
        found = state.router.resolve(version, raw)
    except BadRequest:
        return _unreadable(call, raw)
    endpoints = found.route.endpoints
    collection = next(
        (e for m, e in endpoints.items() if e.kind in {"create", "list"} and m in {"POST", "GET"}), None
    )
    reading = endpoints.get("GET")
    if collection is not None and collection.entity_type:
        sub = call._replace(target=found, endpoint=collection, cast="", segments=tuple(raw))
        parent = handlers.container(sub, found.route.template)  # a 404 when the parent is missing
        entity, binary = _holder(state, version, collection.entity_type)
        blank = blank_of(state.catalogue.schema(version, entity) or {})
        declared = {k: v for k, v in descriptor.items() if k in blank and k != binary}
        properties = state.validators[version].check(
            declared, schema_uri(version, entity), entity, partial=False
        )
        return UploadTarget(
            "create",
            version,
            entity,
            VALUE,
            binary,
            parent=parent,
            properties=properties,
            context=sub.context("/$entity"),
            collection_url=f"{call.base}/{sub.collection}",
            status=201,
        )
    if reading is not None and reading.kind == "get" and reading.entity_type:
        sub = call._replace(target=found, endpoint=reading, cast="", segments=tuple(raw))
        item = handlers._existing_item(sub, raw)  # a 404 when the item is missing
        if item is None:
            return _unreadable(call, raw)
        entity, key = item
        return UploadTarget(
            "stream",
            version,
            entity,
            _stream_property(state, version, entity),
            binary_property(state, version, entity),
            key=key,
            context=sub.context("/$entity"),
            status=200,
        )
    return _unreadable(call, raw)


def _unreadable(call: Call, raw: list[str]) -> UploadTarget:
    """An upload into an item the pack documents no read of (v1.0's print documents): taken, as the
    documented action answers, and its bytes dropped when complete, since nothing could read them."""
    return UploadTarget(
        "stream", call.version, "", VALUE, None, key=unquote(raw[-1]) if raw else "", status=200
    )


def _stream_property(state: State, version: str, entity: str) -> str:
    """The stream an upload into an existing item writes: its type's one stream property (a driveItem's
    `content`), else its `$value`."""
    props = (state.catalogue.schema(version, entity) or {}).get("properties", {})
    named = [n for n, p in props.items() if isinstance(p, dict) and "contentMediaType" in p]
    return named[0] if len(named) == 1 else VALUE


# --- the URLs the fake hands out ---------------------------------------------------------------------------


async def serve_url(request: handlers.GraphRequest, state: State) -> Reply:
    """An upload URL (PUT a fragment, GET the session's state, DELETE to cancel) or a download URL (GET).
    Neither needs a token, as Graph's pre-authenticated URLs do not."""
    segments = split(request.raw_path)
    if len(segments) > 2 and segments[1] == TENANT:  # a tenant's URL, served in that tenant (A23)
        if segments[2].lower() != state.tenant_id:  # a tenant removed, or never made
            raise ItemNotFound("There is nothing at this address.")
        segments = [segments[0], *segments[3:]]
    if len(segments) == 3 and segments[1] == "uploads":
        handler = _UPLOAD_METHODS.get(request.method)
        if handler is None:
            raise MethodNotAllowed(sorted(_UPLOAD_METHODS))
        return await handler(request, state, segments[2])
    if len(segments) == 3 and segments[1] == "downloads":
        if request.method != "GET":
            raise MethodNotAllowed(["GET"])
        found = state.media.by_token(segments[2])
        if found is None:
            raise ItemNotFound(
                "The download URL is unknown or no longer valid; read the item's content again."
            )
        return Reply(200, found.data, {"Content-Type": found.content_type})
    raise ItemNotFound("There is nothing at this address.")


def _session_body(session: UploadSession) -> JSONObject:
    return {"expirationDateTime": iso(session.expires), "nextExpectedRanges": session.next_ranges()}


async def _upload_status(_request: handlers.GraphRequest, state: State, session_id: str) -> Reply:
    session = state.uploads.find(session_id, state.clock.now())
    return Reply(200, dumps(_session_body(session)), {"Content-Type": "application/json"})


async def _cancel(_request: handlers.GraphRequest, state: State, session_id: str) -> Reply:
    state.uploads.find(session_id, state.clock.now())  # a 404 for an unknown one
    state.uploads.cancel(session_id)
    return Reply(204, None, {})


async def _fragment(request: handlers.GraphRequest, state: State, session_id: str) -> Reply:
    """PUT of bytes `start`-`end` of the file: 202 with the next expected range until the last byte, then
    the item. Any fragment that cannot be taken is a Graph 4xx and changes nothing."""
    session = state.uploads.find(session_id, state.clock.now())
    start, end, total = _content_range(request.headers.get("Content-Range", ""))
    length = _content_length(request.headers.get("Content-Length"))
    completion = session.completion
    if completion is not None and (start, end) == (completion.start, completion.end):
        if length != end - start + 1:  # the range's own size: nothing larger is read into memory
            raise InvalidRequest(
                f"The Content-Length {length} does not match the Content-Range bytes {start}-{end}."
            )
        data = await _read(request, length)
        if session.is_replay(start, end, data):
            return _completed(state, session.target, completion)
    session.check_fragment(start, end, total, length)
    if session.total is None:
        state.uploads.size(session, total)  # a 413/507 when the file cannot be held
    data = await _read(request, length)
    if state.uploads.find(session_id, state.clock.now()) is not session:  # cancelled or reset meanwhile
        raise ItemNotFound("The upload session ended while the fragment was being received.")
    session.check_fragment(start, end, total, length)  # again: another fragment may have come meanwhile
    if not session.add(data):
        return Reply(202, dumps(_session_body(session)), {"Content-Type": "application/json"})
    content = state.uploads.unreserve(session)
    try:
        completion = _commit(state, session.target, content, start, end)
    except (NotFound, Conflict):
        state.uploads.cancel(session.id)  # what the upload went into is gone
        raise
    state.uploads.finish(session, completion)
    return _completed(state, session.target, completion)


_UPLOAD_METHODS: dict[str, Callable[[handlers.GraphRequest, State, str], Awaitable[Reply]]] = {
    "PUT": _fragment,
    "GET": _upload_status,
    "DELETE": _cancel,
}


def _content_range(header: str) -> tuple[int, int, int]:
    match = _RANGE.match(header)
    if match is None:
        raise InvalidRequest(
            f"The Content-Range header is missing or malformed ('{header[:80]}'); send 'bytes "
            "{start}-{end}/{total}' with zero-based, inclusive byte positions."
        )
    start, end, total = (int(g) for g in match.groups())
    if start > end or total < 1:
        raise InvalidRequest(f"The Content-Range 'bytes {start}-{end}/{total}' names no bytes of the file.")
    return start, end, total


def _content_length(header: str | None) -> int:
    if header is None or not header.strip().isdigit():
        raise InvalidRequest("The Content-Length header is missing or malformed; send the fragment's size.")
    return int(header)


async def _read(request: handlers.GraphRequest, length: int) -> bytes:
    """The fragment's bytes: read from the stream, not bound by Settings.max_body_bytes (the declared size,
    checked against the media budget, bounds them)."""
    if isinstance(request, web.BaseRequest):
        try:
            return await request.content.readexactly(length)
        except Exception as exc:  # the client sent fewer bytes than it declared
            raise InvalidRequest(
                f"The body ended before the {length} bytes its Content-Length declares."
            ) from exc
    return await request.read()


def _commit(state: State, target: UploadTarget, content: bytes, start: int, end: int) -> Completion:
    """The upload is whole: create the item, or write the item's stream."""
    if target.mode == "stream" and not target.entity:  # an item the pack cannot read: nothing to keep
        return Completion(target.status, start, end, digest(content[start:]), ("", target.key))
    if target.mode == "stream":
        stored = state.store.peek(target.entity, target.key)
        if stored is None:
            raise ItemNotFound(f"The item '{target.key}' the upload was for no longer exists.")
        owner = Owner(target.entity, target.key, ((target.entity, target.key),), stored)
        keep(state, target.version, owner, target.stream, content, OCTET_STREAM)
        return Completion(target.status, start, end, digest(content[start:]), (target.entity, target.key))
    item = {**blank_of(state.catalogue.schema(target.version, target.entity) or {}), **target.properties}
    if _declares(state, target.version, target.entity, "size", "integer"):
        item["size"] = len(content)
    if target.binary is not None:
        item[target.binary] = base64.b64encode(content).decode()
    while True:  # a generated id may meet one a dataset or a test chose: draw the next one
        key = state.new_id()
        try:
            state.store.insert(
                target.entity, key, {**item, "id": key}, copy=False, exclusive=True, parent=target.parent
            )
        except Conflict:
            continue
        break
    if target.binary is None:
        state.media.put(
            (target.entity, key, VALUE),
            Stream(content, OCTET_STREAM, state.new_request_id()),
            ((target.entity, key),),
        )
    state.responses.clear()
    return Completion(target.status, start, end, digest(content[start:]), (target.entity, key))


def _completed(state: State, target: UploadTarget, completion: Completion) -> Reply:
    """The answer to the last fragment: the item created (201, with its Location) or written (200), without
    its content."""
    entity, key = completion.item
    if not entity:
        return Reply(completion.status, None, {})
    stored = state.store.peek(entity, key)
    if stored is None:
        raise ItemNotFound(f"The item '{key}' the upload made no longer exists.")
    body = {"@odata.context": target.context, "@odata.type": "#" + entity}
    uri = schema_uri(target.version, entity)
    if graph_block(state.catalogue.schema(target.version, entity) or {}).get("etag"):
        body["@odata.etag"] = handlers.etag_of(stored)
    # The item's metadata: its content (a base64 property) is left out, as Graph's answer to the last
    # fragment carries none; `$value` reads it.
    shown = {k: v for k, v in stored.items() if k != target.binary}
    body.update(state.masks[target.version].apply(uri, shown))
    headers = {"Content-Type": ODATA_JSON, "OData-Version": "4.0"}
    if target.mode == "create":
        headers["Location"] = f"{target.collection_url}/{quote(key, safe='')}"
    return Reply(completion.status, dumps(body), headers)


KINDS: dict[str, Callable[[Call], Awaitable[Reply]]] = {
    "stream-read": read_stream,
    "stream-write": write_stream,
    "stream-delete": delete_stream,
    "upload-session": create_upload_session,
}
