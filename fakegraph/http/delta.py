"""Delta queries (ARCHITECTURE A18): `GET .../delta` wherever the docs document a delta function.

The function is bound to the collection its path names without the last segment, and reads it as its list
does (containment, derived types). A first call pages through the objects the collection holds now, in key
order, with `@odata.nextLink`s; the last page ends with `@odata.deltaLink`. A call with that link answers
what changed since the round began, read from the store's change log (`model/changes`): created and updated
objects as they are now, deleted ones as `{"id", "@removed": {"reason"}}`, then a new deltaLink.

Tokens are opaque to clients: the round's position in the change log, a cursor, the path they belong to and
the query options of the first call (`$select`, `$filter`, `$top`, `$skip`), signed with the log's key. A
token that is malformed, altered or another path's is a 400; one from before a reset is Graph's 410
`resyncRequired`, one older than the log keeps its 410 `syncStateNotFound`, both with a `Location` to start
over from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast
from urllib.parse import quote

from fakegraph import odata
from fakegraph.artifacts.contract import JSONObject, graph_block
from fakegraph.artifacts.errors import BadRequest, GraphError, ResyncRequired, SyncStateNotFound
from fakegraph.http.responses import ODATA_JSON, Reply, dumps
from fakegraph.model import changes
from fakegraph.model.changes import Expired, Net, Owner, Restarted
from fakegraph.odata.capabilities import capabilities_of
from fakegraph.odata.evaluate import Predicate, compile_filter
from fakegraph.odata.options import OPTIONS

if TYPE_CHECKING:
    from fakegraph.http.handlers import Call

DELTA = "delta"
LATEST = "latest"
MAX_TOKEN = 16 * 1024  # characters of a token read at most: more is none this server issued
_MAC = 16  # bytes of HMAC-SHA256 a token carries
_TOKEN_TEXT = re.compile(r"^[A-Za-z0-9_-]+$")
CARRIED = ("select", "filter", "top", "skip")  # the options delta takes: its tokens carry them
# Graph keeps deleted directory objects in the directory's deletedItems, where they can be restored: their
# removal is reported with the reason "changed"; other objects are gone for good ("deleted").
RESTORABLE = "microsoft.graph.directoryObject"
_INITIAL, _ROUND, _LINK = "i", "r", "d"  # a page of the first round, a page of changes, a deltaLink


class Source(NamedTuple):
    """The collection a delta function is bound to, as the list handler reads and shows it."""

    call: Call  # the request, addressed to the collection's list
    listed: Callable[[], list[JSONObject]]  # the objects it lists now (those of derived types typed)
    shown: Callable[[list[JSONObject]], list[JSONObject]]  # objects as a page of it shows them
    parent: Owner | None  # the item the collection lives under; None for an entity set
    page: tuple[int, int | None]  # the page size, and the client's odata.maxpagesize where honoured
    query: odata.QueryContext  # the delta function's: its type's properties and filter rules


class Token(NamedTuple):
    kind: str  # _INITIAL, _ROUND or _LINK
    path: str  # a digest of the path it belongs to
    epoch: int
    since: int  # the change log position the round reads after
    upto: int  # _ROUND: the position it reads up to
    cursor: list[Any]  # _INITIAL: [key, type] of the last object served; _ROUND: the last change's number
    query: list[list[str]]  # the first call's options, as [name, value] pairs


def is_delta(call: Call) -> bool:
    """Whether the call is to a delta function bound to a collection (`/applications/delta`)."""
    parts = call.target.route.template.strip("/").split("/")
    return len(parts) > 1 and parts[-1].lower().removesuffix("()") == DELTA


def answer(call: Call, source: Source) -> Reply:
    """The page of a delta round the request asks for."""
    path = call.request.raw_path.split("?", 1)[0]
    tokens, rest = _split(call)
    state = call.state
    log = state.changes
    kinds = _kinds(source.call)
    changes.watch(state.store, log, kinds)
    if len(tokens) > 1:
        raise BadRequest("A request takes a $skiptoken or a $deltatoken, not both.")
    name, given = next(iter(tokens.items()), ("", None))
    if name == "deltatoken" and not given:  # Graph's way to start over: an empty $deltatoken
        given = None
    if given is None or (name == "deltatoken" and given.lower() == LATEST):
        query = _checked(call, source, rest)
        with state.store.locked():
            epoch, now = log.position
            if given is None:
                return _initial_page(source, query, Token(_INITIAL, "", epoch, now, 0, [], query))
        return _reply(call, source, query, [], _token(call, _LINK, epoch, now, 0, [], query), more=False)
    token = _decode(call, given, path, name)
    query = token.query
    if token.kind == _LINK:
        query = _override_select(token.query, rest, call)
    elif any(_option(n, call.version) for n, _ in rest):
        raise BadRequest("The nextLink carries the query options of the first request; send it as it is.")
    _checked(call, source, query)
    start = _restart_url(call, path, token.query)
    if token.kind == _INITIAL:
        _usable(log, token.epoch, token.since, start)
        return _initial_page(source, query, token)
    with state.store.locked():
        upto = log.position[1] if token.kind == _LINK else token.upto
        found = _round(source, query, kinds, token.epoch, token.since, upto, start)
    return _changes_page(source, query, token, upto, found, token.cursor[0] if token.cursor else 0)


# --- the first round: every object the collection holds -----------------------------------------------------


def _initial_page(source: Source, query: list[list[str]], token: Token) -> Reply:
    """A page of the objects the collection holds now, in key order, after the token's cursor (`$skip`
    skips objects on the first page only)."""
    call = source.call
    options = _options(call, query)
    keys, items = _held(source, options)
    cursor = token.cursor
    start = bisect_right(keys, (str(cursor[0]), str(cursor[1]))) if cursor else options.skip
    size = _size(source, options)
    chosen = items[start : start + size]
    more = start + size < len(items)
    if more:
        last = keys[start + size - 1]
        link = _token(call, _INITIAL, token.epoch, token.since, 0, list(last), query)
    else:
        link = _token(call, _LINK, token.epoch, token.since, 0, [], query)
    shown = source.shown([_select(item, options, source) for item in chosen])
    return _reply(call, source, query, shown, link, more=more)


def _held(source: Source, options: odata.QueryOptions) -> tuple[list[tuple[str, str]], list[JSONObject]]:
    """The objects the collection holds now that match `$filter`, by (key, type); kept while the store and
    the clock stay as they are, so each page of a large round costs a bisection, not a sort."""
    state, call = source.call.state, source.call
    name = (*_asker(call), state.store.generation, state.clock.now(), options.filter_text)
    found = _kept(state.views).get(name)
    if found is None:
        predicate = _predicate(options, source)
        declared = call.endpoint.entity_type
        keyed = []
        for item in source.listed():
            key = item.get("id")
            if isinstance(key, str) and (predicate is None or predicate(item)):
                keyed.append(((key, _kind_of(item, declared)), item))
        keyed.sort(key=lambda pair: pair[0])
        found = ([k for k, _ in keyed], [item for _, item in keyed])
        _keep(state.views, name, found)
    return cast(tuple[list[tuple[str, str]], list[JSONObject]], found)


# --- later rounds: what changed since a position ------------------------------------------------------------


class Round(NamedTuple):
    """A round's net changes (answered with the object as it is now where it exists at the round's end, else
    as removed), and the number of each one's last change, ascending: where a page's cursor falls."""

    entries: list[Net]
    numbers: list[int]


def _round(
    source: Source, query: list[list[str]], kinds: list[str], epoch: int, since: int, upto: int, start: str
) -> Round:
    """The objects of the collection whose changes fall after `since` up to `upto`, in the order of each
    one's last change; computed once per round (hold the store's lock)."""
    call = source.call
    state = call.state
    name = (*_asker(call), epoch, since, upto, json.dumps(query))
    found = _kept(state.views).get(name)
    if found is not None:
        return cast(Round, found)
    try:
        logged = state.changes.since(epoch, since, upto)
    except (Expired, Restarted) as exc:
        raise _gone(exc, start) from exc
    options = _options(call, query)
    predicate = _predicate(options, source)
    selected = frozenset(options.select) if options.select is not None else None
    held_now = _holder(source, predicate is not None)
    free = not any(kind in state.catalogue.entity_sets(call.version) for kind in kinds)
    entries = []
    for net in changes.net(logged, kinds):
        if net.after:  # it exists: answered as it is, if this collection holds it and the query keeps it
            held = held_now(net.entity_type, net.key)
            if held is None or (predicate is not None and not predicate(held)):
                continue
            if selected is not None and net.before and net.changed is not None and not net.changed & selected:
                continue  # with $select, changes to other properties are not tracked
            entries.append(net)
        elif net.before and _was_held(net, source.parent, free):
            entries.append(net)
    found = Round(entries, [entry.seq for entry in entries])
    _keep(state.views, name, found)
    return found


def _holder(source: Source, read: bool) -> Callable[[str, str], JSONObject | None]:
    """The object of a type and key that the log says exists and the collection holds now, or None. An
    entity set holds every object of its types: a round costs what changed, not the collection's size (and
    the objects are read only to test a `$filter`). Below an item: what its list lists."""
    store = source.call.state.store
    if source.parent is None:
        return store.peek if read else _unread
    declared = source.call.endpoint.entity_type
    members = {(_kind_of(item, declared), item.get("id")): item for item in source.listed()}
    return lambda kind, key: members.get((kind, key))


def _unread(_kind: str, _key: str) -> JSONObject:
    """An object the log says exists, left unread (no `$filter` tests it)."""
    return {}


def _was_held(net: Net, parent: Owner | None, free: bool) -> bool:
    """Whether the collection held an object now deleted: an entity set holds every object of its types; a
    collection below an item those created under it (and the parentless objects of a type no entity set
    serves, as its list shows them: ARCHITECTURE A15)."""
    return parent is None or net.owner == parent or (net.owner is None and free)


def _changes_page(
    source: Source, query: list[list[str]], token: Token, upto: int, found: Round, after: int
) -> Reply:
    """A page of a round's changes, after the change numbered `after` (the cursor stays right however the
    round is recomputed)."""
    call = source.call
    options = _options(call, query)
    size = _size(source, options)
    start = bisect_right(found.numbers, after)
    chosen = found.entries[start : start + size]
    more = start + size < len(found.entries)
    if more:
        link = _token(call, _ROUND, token.epoch, token.since, upto, [chosen[-1].seq], query)
    else:
        link = _token(call, _LINK, token.epoch, upto, 0, [], query)
    minimal = _prefers(call, "return=minimal")
    store, declared = call.state.store, call.endpoint.entity_type
    live: list[JSONObject] = []
    placed: list[JSONObject | int] = []
    for net in chosen:
        current = store.peek(net.entity_type, net.key) if net.after else None
        if current is None:  # deleted, or deleted since the round began: removed either way
            placed.append({"id": net.key, "@removed": {"reason": _reason(call, net.entity_type)}})
            continue
        item = current if net.entity_type == declared else {"@odata.type": "#" + net.entity_type, **current}
        item = _select(item, options, source)
        if minimal and net.before and net.changed is not None:
            item = {k: v for k, v in item.items() if k in net.changed or k == "id" or k.startswith("@")}
        placed.append(len(live))
        live.append(item)
    shown = source.shown(live)
    value = [shown[p] if isinstance(p, int) else p for p in placed]
    return _reply(call, source, query, value, link, more=more, minimal=minimal)


def _reason(call: Call, kind: str) -> str:
    """Why a deleted object is reported removed: "changed" where Graph keeps it restorable."""
    restorable = call.state.catalogue.schema(call.version, RESTORABLE)
    derived = graph_block(restorable or {}).get("derivedTypes", [])
    return "changed" if restorable is not None and (kind == RESTORABLE or kind in derived) else "deleted"


# --- query options ------------------------------------------------------------------------------------------


def _split(call: Call) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The request's $skiptoken/$deltatoken (on beta the `$` is optional), and its other parameters."""
    tokens: dict[str, str] = {}
    rest: list[tuple[str, str]] = []
    for name, value in call.request.query.items():
        bare = _option(name, call.version)
        if bare in {"skiptoken", "deltatoken"}:
            if bare in tokens:
                raise BadRequest(f"Query option '${bare}' was specified more than once.")
            tokens[bare] = value
        else:
            rest.append((name, value))
    return tokens, rest


def _option(name: str, version: str) -> str | None:
    """A query option's bare name (`$select`, or `select` on beta), or None for another parameter."""
    lowered = name.lower()
    if lowered.startswith("$"):
        return lowered[1:]
    return lowered if version == "beta" and lowered in {*OPTIONS, "deltatoken"} else None


def _checked(call: Call, source: Source, pairs: Any) -> list[list[str]]:
    """The options a round carries, checked as the function takes them (its documented options; none that
    Graph's delta refuses); a bad one is a 400 naming it."""
    carried: list[list[str]] = []
    for name, value in pairs:
        bare = _option(name, call.version)
        if bare is None:
            continue
        if bare not in CARRIED:
            raise BadRequest(f"Query option '{name}' is not supported with delta.")
        carried.append([name, value])
    options = _options(call, carried)
    if options.select is not None:
        odata.select({}, options.select, source.query)  # an unknown property is a 400 naming it
    _predicate(options, source)
    return carried


def _override_select(query: list[list[str]], given: list[tuple[str, str]], call: Call) -> list[list[str]]:
    """A deltaLink's options with the `$select` the request sends instead (Graph lets a client change the
    properties it tracks); any other option is carried by the link and may not be sent again."""
    chosen: list[list[str]] = []
    for name, value in given:
        bare = _option(name, call.version)
        if bare is None:
            continue
        if bare != "select":
            raise BadRequest(f"Query option '{name}' is carried by the deltaLink; send the link as it is.")
        chosen.append([name, value])
    if not chosen:
        return query
    return [pair for pair in query if _option(pair[0], call.version) != "select"] + chosen


def _options(call: Call, query: list[list[str]]) -> odata.QueryOptions:
    operation = call.endpoint.operation
    return odata.parse_query(
        [(name, value) for name, value in query], version=call.version, supported=capabilities_of(operation)
    )


def _predicate(options: odata.QueryOptions, source: Source) -> Predicate | None:
    return None if options.filter is None else compile_filter(options.filter, source.query)


def _select(item: JSONObject, options: odata.QueryOptions, source: Source) -> JSONObject:
    return item if options.select is None else odata.select(item, options.select, source.query)


def _size(source: Source, options: odata.QueryOptions) -> int:
    size = source.page[0]
    return min(options.top, size) if options.top else size


def _prefers(call: Call, preference: str) -> bool:
    prefer = call.request.headers.get("Prefer", "")
    return preference in (p.strip().lower() for p in prefer.split(","))


def _kinds(call: Call) -> list[str]:
    """The collection's type and the types deriving from it."""
    entity = call.endpoint.entity_type
    schema = call.state.catalogue.schema(call.version, entity) if entity else None
    return [entity, *graph_block(schema or {}).get("derivedTypes", [])]


def _asker(call: Call) -> tuple[str, ...]:
    """What a cached view of the collection depends on besides the data: the path, the enum preference,
    and the token (`/me` is whoever asks)."""
    request = call.request
    unknown = "unknown" if call.include_unknown else ""
    return (DELTA, request.raw_path.split("?", 1)[0], unknown, request.headers.get("Authorization", ""))


def _kind_of(item: JSONObject, declared: str) -> str:
    typed = item.get("@odata.type")
    return typed[1:] if isinstance(typed, str) and typed.startswith("#") else declared


KEPT = 8  # rounds and first-round views kept per server: each may hold up to delta_log_size entries


def _kept(views: dict[Any, Any]) -> dict[Any, Any]:
    """The delta's own corner of the state's views (cleared with them on reset)."""
    found = views.get(DELTA)
    if found is None:
        found = views[DELTA] = {}
    return cast(dict[Any, Any], found)


def _keep(views: dict[Any, Any], name: Any, value: Any) -> None:
    kept = _kept(views)
    if len(kept) >= KEPT:
        kept.clear()
    kept[name] = value


# --- tokens -------------------------------------------------------------------------------------------------


def _digest(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:16]


def _token(call: Call, kind: str, epoch: int, since: int, upto: int, cursor: list[Any], query: Any) -> str:
    path = call.request.raw_path.split("?", 1)[0]
    payload = json.dumps(
        [kind, _digest(path), epoch, since, upto, cursor, query], separators=(",", ":")
    ).encode()
    mac = hmac.new(call.state.changes.key, payload, hashlib.sha256).digest()[:_MAC]
    return base64.urlsafe_b64encode(mac + payload).decode().rstrip("=")


def _decode(call: Call, text: str, path: str, name: str) -> Token:
    """The token a request sends, or a 400 saying why it is none this server issued for this request."""
    wrong = BadRequest(f"The ${name} is not valid: send the nextLink or deltaLink as this server gave it.")
    if len(text) > MAX_TOKEN or not _TOKEN_TEXT.match(text):
        raise wrong
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError as exc:
        raise wrong from exc
    mac, payload = raw[:_MAC], raw[_MAC:]
    expected = hmac.new(call.state.changes.key, payload, hashlib.sha256).digest()[:_MAC]
    if len(mac) < _MAC or not hmac.compare_digest(mac, expected):
        raise wrong
    try:
        token = Token(*json.loads(payload))  # signed by this server: its own shape
    except (ValueError, TypeError) as exc:
        raise wrong from exc
    if token.path != _digest(path):
        raise BadRequest(f"The ${name} belongs to another delta request: follow the links of this one.")
    if (token.kind == _LINK) != (name == "deltatoken"):
        raise wrong
    return token


def _usable(log: changes.ChangeLog, epoch: int, since: int, start: str) -> None:
    try:
        log.since(epoch, since, since)
    except (Expired, Restarted) as exc:
        raise _gone(exc, start) from exc


def _gone(exc: Exception, start: str) -> GraphError:
    """Graph's 410 for a token it can no longer answer, with the request to start over from."""
    where = {"Location": start}
    if isinstance(exc, Expired):
        return SyncStateNotFound(
            "The sync state generation is not found. The delta token is expired and data must be "
            "synchronized again.",
            headers=where,
        )
    return ResyncRequired(
        "The delta token is no longer valid: the tenant was reset or its state replaced after it was "
        "issued. Synchronize again from the request in the Location header.",
        headers=where,
    )


def _restart_url(call: Call, path: str, query: list[list[str]]) -> str:
    """The first call of the round a token belongs to: where to start over."""
    base = f"{call.request.scheme}://{call.request.host}{path}"
    return base + ("?" + "&".join(f"{_quote(n)}={_quote(v)}" for n, v in query) if query else "")


def _quote(text: str) -> str:
    return quote(text, safe="$',()/:@")


# --- the answer ---------------------------------------------------------------------------------------------


def _reply(
    call: Call,
    source: Source,
    query: list[list[str]],
    value: list[JSONObject],
    token: str,
    *,
    more: bool,
    minimal: bool = False,
) -> Reply:
    """A page: the collection's context (with the `$select`), the next page's link or the deltaLink (on the
    host and path the client called), and the objects."""
    options = _options(call, query)
    context = source.call.context()
    if options.select is not None:
        context = f"{context}({','.join(options.select)})"
    url = f"{call.request.scheme}://{call.request.host}{call.request.raw_path.split('?', 1)[0]}"
    link = f"{url}?$skiptoken={token}" if more else f"{url}?$deltatoken={token}"
    body = {
        "@odata.context": context,
        "@odata.nextLink" if more else "@odata.deltaLink": link,
        "value": value,
    }
    headers = {"OData-Version": "4.0", "Content-Type": ODATA_JSON}
    applied = [f"odata.maxpagesize={source.page[1]}"] if source.page[1] else []
    if minimal:
        applied.append("return=minimal")
    if call.include_unknown:
        applied.append("include-unknown-enum-members")
    if applied:
        headers["Preference-Applied"] = ", ".join(applied)
    return Reply(200, dumps(body), headers)
