"""The control plane under `/_fakegraph/`: health, reset, clock, request journal, state dump/load, seeding,
tenants.

GET  /_fakegraph/health                      {"status": "ok"}
POST /_fakegraph/reset                       back to the dataset, seed, clock and tenants of the start (204)
GET  /_fakegraph/clock                       {"now": ...}
POST /_fakegraph/clock  {"now": ISO} | {"advanceSeconds": N}
GET  /_fakegraph/requests?method=&path=&top=  the journal, newest first, paged; DELETE clears it
GET  /_fakegraph/state                       objects by type, links and containment; PUT loads a dump
POST /_fakegraph/seed   {"<type>": [objects]} adds validated objects, all or nothing (201)
GET|POST|DELETE /_fakegraph/faults           injected faults: list, add one (201), remove all (204)
GET|POST|DELETE /_fakegraph/stubs            canned answers: list, add one (201), remove all (204)
DELETE /_fakegraph/stubs/{id}                remove one stub (204; 404 if there is none)
GET|DELETE /_fakegraph/coverage              operations called, uncalled, requests none served; clear (204)
GET|POST /_fakegraph/apps, DELETE /_fakegraph/apps/{clientId}   app registrations (http/registrations)
POST /_fakegraph/tokens                      a signed Graph token without a flow (http/registrations)
GET|POST /_fakegraph/tenants                 the tenants; make one {"id"?, "domains"?, "dataset"?} (201)
GET|DELETE /_fakegraph/tenants/{id}          one tenant; remove it (204; the default one cannot be: 400)

Tenants (ARCHITECTURE A23): `?tenant=ID` (an id or a domain; unknown: 404) makes reset, clock, requests,
state, seed, faults and stubs act on that tenant alone. Without it they act on the default tenant, except
that `POST reset` resets the whole server (every tenant; those made since the start removed) and `GET` or
`DELETE requests` read or clear every tenant's entries (each names its `tenant`).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlencode

from fakegraph.artifacts.contract import JSONObject, graph_block, schema_uri, type_of_uri
from fakegraph.artifacts.errors import BadRequest, Conflict, MethodNotAllowed, NotFound, Unauthorized
from fakegraph.http import handlers, registrations
from fakegraph.http.responses import Reply, dumps
from fakegraph.model.clock import iso, parse_iso
from fakegraph.model.store import Relations

if TYPE_CHECKING:
    from fakegraph.http.state import State

PREFIX = "/_fakegraph/"
JSON_HEADERS = {"Content-Type": "application/json"}


def is_admin(raw_path: str) -> bool:
    return raw_path.startswith(PREFIX)


async def dispatch(request: handlers.GraphRequest, state: State) -> Reply:
    name = request.raw_path[len(PREFIX) :].split("?", 1)[0].strip("/")
    expected = state.settings.admin_token
    if expected and name != "health" and not _admitted(request.headers.get("Authorization", ""), expected):
        raise Unauthorized("The control plane needs 'Authorization: Bearer <admin token>'.")
    routes = {
        ("health", "GET"): _health,
        ("reset", "POST"): _reset,
        ("clock", "GET"): _clock,
        ("clock", "POST"): _set_clock,
        ("requests", "GET"): _requests,
        ("requests", "DELETE"): _clear_requests,
        ("state", "GET"): _state,
        ("state", "PUT"): _load_state,
        ("seed", "POST"): _seed,
        ("faults", "GET"): _faults,
        ("faults", "POST"): _add_fault,
        ("faults", "DELETE"): _clear_faults,
        ("stubs", "GET"): _stubs,
        ("stubs", "POST"): _add_stub,
        ("stubs", "DELETE"): _clear_stubs,
        ("coverage", "GET"): _coverage,
        ("coverage", "DELETE"): _clear_coverage,
        ("apps", "GET"): registrations.list_apps,
        ("apps", "POST"): registrations.add_app,
        ("tokens", "POST"): registrations.add_token,
        ("tenants", "GET"): _tenants,
        ("tenants", "POST"): _add_tenant,
    }
    if name.startswith("stubs/"):  # DELETE /_fakegraph/stubs/{id}
        return await _remove_stub(request, _target(request, state), name.removeprefix("stubs/"))
    if name.startswith("tenants/"):  # GET or DELETE /_fakegraph/tenants/{id}
        return await _tenant(request, state, unquote(name.removeprefix("tenants/")))
    if name.startswith("apps/") and request.method == "DELETE":  # DELETE /_fakegraph/apps/{clientId}
        return await registrations.remove_app(request, state, unquote(name.removeprefix("apps/")))
    handler = routes.get((name, request.method))
    if handler is None:
        allowed = sorted(method for (route, method) in routes if route == name)
        if allowed:
            raise MethodNotAllowed(allowed)
        raise NotFound(f"There is no control endpoint '{PREFIX}{name}'.")
    return await handler(request, _target(request, state) if name in TENANT_SCOPED else state)


TENANT_SCOPED = {"reset", "clock", "requests", "state", "seed", "faults", "stubs"}  # they take ?tenant=


def _target(request: handlers.GraphRequest, state: State) -> State:
    """The tenant `?tenant=` names (by id or domain; a 404 naming it when unknown), else the default one."""
    named = request.query.get("tenant")
    return state if named is None else state.tenants.get(named)


def _scoped(request: handlers.GraphRequest, state: State) -> str | None:
    """The tenant a journal request is narrowed to: the one `?tenant=` names, else none (every entry)."""
    return state.tenant_id if "tenant" in request.query else None


def _admitted(authorization: str, expected: str) -> bool:
    """`Bearer <token>` with the scheme in any case (RFC 9110), the token compared in constant time."""
    scheme, _, token = authorization.strip().partition(" ")
    given = token.strip().encode("utf-8", "surrogateescape")
    right = hmac.compare_digest(given, expected.encode("utf-8", "surrogateescape"))
    return scheme.lower() == "bearer" and right


def _json(value: Any, status: int = 200) -> Reply:
    return Reply(status, dumps(value), dict(JSON_HEADERS))


async def _health(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({"status": "ok", "versions": state.router.versions()})


async def _reset(request: handlers.GraphRequest, state: State) -> Reply:
    if "tenant" in request.query:
        state.reset_tenant()  # that tenant alone
    else:
        state.reset()  # the whole server
    return Reply(204, None, {})


async def _clock(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({"now": iso(state.clock.now())})


async def _set_clock(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request)
    if isinstance(body, dict) and isinstance(body.get("now"), str):
        try:
            when = parse_iso(body["now"])
        except ValueError as exc:
            raise BadRequest(
                f"'now' is not an ISO 8601 date and time: {body['now']!r}.", target="now"
            ) from exc
        try:
            state.clock.set(when)
        except ValueError as exc:
            raise BadRequest(f"{exc}.", target="now") from exc
    elif isinstance(body, dict) and _is_number(body.get("advanceSeconds")):
        try:
            state.clock.advance(float(body["advanceSeconds"]))
        except ValueError as exc:
            raise BadRequest(f"{exc}.", target="advanceSeconds") from exc
    else:
        raise BadRequest("Send {'now': '<ISO 8601>'} or {'advanceSeconds': <number>}.")
    return _json({"now": iso(state.clock.now())})


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


JOURNAL_PAGE = 100  # entries per page of GET /_fakegraph/requests unless ?top= says otherwise
JOURNAL_PAGE_MAX = 1000
JOURNAL_PAGE_BYTES = 1024 * 1024  # a page stops before the entry that would pass this (one entry at least)


async def _requests(request: handlers.GraphRequest, state: State) -> Reply:
    """The journal, newest first, a page at a time: `@odata.nextLink` continues below the page's last entry
    (stable while new requests arrive)."""
    query = request.query
    top = _whole(query.get("top"), "top", 1, JOURNAL_PAGE_MAX) or JOURNAL_PAGE
    before = _whole(query.get("before"), "before", 1, None)
    tenant = _scoped(request, state)
    entries = state.journal.entries(query.get("method"), query.get("path"), before=before, tenant=tenant)
    page: list[Any] = []
    weight = 0
    for entry in entries[:top]:
        if page and weight + entry.size() > JOURNAL_PAGE_BYTES:
            break
        page.append(entry)
        weight += entry.size()
    body: JSONObject = {"value": [e.as_json() for e in page]}
    if len(page) < len(entries):
        kept = [(k, v) for k, v in query.items() if k not in {"before", "top"}]
        params = urlencode([*kept, ("top", str(top)), ("before", str(page[-1].seq))])
        body["@odata.nextLink"] = f"{request.scheme}://{request.host}{PREFIX}requests?{params}"
    return _json(body)


def _whole(text: str | None, name: str, least: int, most: int | None) -> int | None:
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 12 or int(text) < least:
        raise BadRequest(f"'{name}' must be a whole number of at least {least}.", target=name)
    return min(int(text), most) if most is not None else int(text)


async def _clear_requests(request: handlers.GraphRequest, state: State) -> Reply:
    state.journal.clear(_scoped(request, state))
    return Reply(204, None, {})


RELATIONS = "@fakegraph.relations"  # the dump's key for links and containment (no Graph type has an `@`)


async def _state(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({**state.store.dump(), RELATIONS: state.store.relations()})


async def _load_state(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request)
    relations = _relations(body.pop(RELATIONS, None) if isinstance(body, dict) else None)
    objects = seed_objects(state, body)
    state.store.replace_all(objects, relations=relations)
    state.clear_media()  # streams and upload sessions belonged to the objects replaced
    return Reply(204, None, {})


def _relations(given: Any) -> Relations | None:
    """A dump's links and containment, checked for shape (a 400 naming the part that is wrong)."""
    if given is None:
        return None

    def strings(value: Any, length: int | None = None) -> bool:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return ok and (length is None or len(value) == length)

    links, contained = (
        (given.get("links", []), given.get("contained", [])) if isinstance(given, dict) else (0, 0)
    )
    if not isinstance(links, list) or not all(
        isinstance(k, dict)
        and isinstance(k.get("navigation"), str)
        and isinstance(k.get("parent"), str)
        and strings(k.get("targets"))
        for k in links
    ):
        raise BadRequest(
            f"'{RELATIONS}.links' must be a list of {{navigation, parent, targets}}.", target=RELATIONS
        )
    if not isinstance(contained, list) or not all(
        isinstance(c, dict)
        and strings(c.get("parent"), 3)
        and isinstance(c.get("children"), list)
        and all(strings(child, 2) for child in c["children"])
        for c in contained
    ):
        raise BadRequest(f"'{RELATIONS}.contained' must be a list of {{parent, children}}.", target=RELATIONS)
    return cast(Relations, {"links": links, "contained": contained})


async def _seed(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request)
    added = add_objects(state, seed_objects(state, body))
    return _json({"added": len(added)}, 201)


def add_objects(state: State, objects: dict[str, list[JSONObject]]) -> list[JSONObject]:
    """Store new objects, all or none: an id that is stored already is a 409 naming it (seeding adds, it
    does not overwrite what a test may have read)."""
    with state.store.atomic():  # checked and added under the lock; with --state, committed as one
        for type_name, items in objects.items():
            for item in items:
                key = str(item["id"])
                if state.store.peek(type_name, key) is not None:
                    raise Conflict(
                        f"An object of type '{type_name}' with id '{_shown(key)}' exists already; nothing "
                        "was added. Seeding adds objects: change one with PATCH, or replace everything "
                        "with PUT /_fakegraph/state.",
                        target="id",
                    )
        return [
            state.store.insert(type_name, str(item["id"]), item, exclusive=True)
            for type_name, items in objects.items()
            for item in items
        ]


def _shown(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "..."


def seed_objects(state: State, body: Any) -> dict[str, list[JSONObject]]:
    """Objects checked against their type's schema (ids generated where missing); any problem refuses all:
    an id no URL could address (empty, surrounding spaces, control characters), or one id given twice for
    a type (a 400 naming both places). One store serves both versions: an object is accepted when its
    type's schema in either version takes it (beta's first)."""
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object mapping Graph type names to arrays of objects.")
    out: dict[str, list[JSONObject]] = {}
    seen: dict[tuple[str, str], str] = {}  # (type, id) → where it was given first
    for raw_name, items in body.items():
        type_name = resolve_type(state, raw_name)
        if not isinstance(items, list):
            raise BadRequest(f"The value of '{raw_name}' must be an array of objects.", target=raw_name)
        checked = out.setdefault(type_name, [])  # a type named twice (qualified and simple): both lists
        for position, item in enumerate(items):
            where = f"{raw_name}[{position}]"
            if not isinstance(item, dict):
                raise BadRequest(f"{where} is not an object.", target=raw_name)
            body_item = {"id": state.new_id(), **item}
            try:
                handlers._key_segment(body_item["id"])
                checked.append(_checked(state, type_name, body_item))
            except BadRequest as exc:
                raise BadRequest(f"{where}: {exc.message}", target=exc.target) from exc
            key = str(body_item["id"])
            first = seen.setdefault((type_name, key), where)
            if first != where:
                raise BadRequest(
                    f"{where}: the id '{_shown(key)}' is given twice for type '{type_name}', "
                    f"also at {first}.",
                    target="id",
                )
    return out


def _checked(state: State, type_name: str, item: JSONObject) -> JSONObject:
    """The object as a create would store it, by the first version whose schema of the type takes it."""
    refused: BadRequest | None = None
    for version in _versions_of(state, type_name):
        try:
            schema = schema_uri(version, type_name)
            return state.validators[version].check(item, schema, type_name, partial=False)
        except BadRequest as exc:
            refused = refused or exc
    raise refused or BadRequest(f"Unknown Graph type '{type_name}'.", target=type_name)


def _versions_of(state: State, qualified: str) -> list[str]:
    """The versions whose pack declares `qualified` as an entity type, beta's first."""
    found = []
    for version in ("beta", "v1.0"):
        schema = state.catalogue.schemas.get(version, {}).get(schema_uri(version, qualified))
        if schema is not None and graph_block(schema).get("kind") == "entityType":
            found.append(version)
    return found


def resolve_type(state: State, name: str) -> str:
    """A Graph type from its qualified name, its simple name, or a collection path it is served at (in
    either version)."""
    if _versions_of(state, name):
        return name
    names = {
        type_of_uri(uri) or ""
        for version in ("beta", "v1.0")
        for uri in state.catalogue.schemas.get(version, {})  # file names only: no schema is read
    }
    matching = (t for t in names if t.rsplit(".", 1)[-1].lower() == name.lower())
    simple = sorted(t for t in matching if _versions_of(state, t))
    if len(simple) == 1:
        return simple[0]
    if name.startswith("/"):
        for version in ("beta", "v1.0"):
            try:
                target = state.router.resolve(version, [s for s in name.split("/") if s])
            except BadRequest:
                continue
            endpoint = target.route.endpoints.get("GET")
            if endpoint is not None and endpoint.entity_type:
                return endpoint.entity_type
    raise BadRequest(f"Unknown Graph type or collection '{name}'.", target=name)


async def _faults(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({"value": state.faults.listing()})


async def _add_fault(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request)
    return _json(state.faults.add(body).as_json(), 201)


async def _clear_faults(_request: handlers.GraphRequest, state: State) -> Reply:
    state.faults.clear()
    return Reply(204, None, {})


async def _stubs(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({"value": state.stubs.listing()})


async def _add_stub(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request)
    return _json(state.stubs.add(body).as_json(), 201)


async def _clear_stubs(_request: handlers.GraphRequest, state: State) -> Reply:
    state.stubs.clear()
    return Reply(204, None, {})


async def _remove_stub(request: handlers.GraphRequest, state: State, stub_id: str) -> Reply:
    if request.method != "DELETE":
        raise MethodNotAllowed(["DELETE"])
    state.stubs.remove(stub_id)
    return Reply(204, None, {})


async def _coverage(_request: handlers.GraphRequest, state: State) -> Reply:
    from fakegraph.http.coverage import report

    return _json(report(state))


async def _clear_coverage(_request: handlers.GraphRequest, state: State) -> Reply:
    state.coverage.clear()
    return Reply(204, None, {})


# --- tenants (ARCHITECTURE A23) -------------------------------------------------------------------------

TENANT_FIELDS = ("id", "domains", "dataset")


async def _tenants(_request: handlers.GraphRequest, state: State) -> Reply:
    return _json({"value": state.tenants.listing()})


async def _add_tenant(request: handlers.GraphRequest, state: State) -> Reply:
    body = await handlers.read_body(request, optional=True)
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object with 'id', 'domains' or 'dataset' (each optional).")
    unknown = sorted(set(body) - set(TENANT_FIELDS))
    if unknown:
        raise BadRequest(
            f"Unknown tenant field '{_shown(unknown[0])}'; a tenant takes {', '.join(TENANT_FIELDS)}.",
            target=unknown[0],
        )
    domains = body.get("domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise BadRequest("'domains' must be an array of domain names.", target="domains")
    made = state.tenants.create(body.get("id"), domains, body.get("dataset", "default"))
    location = f"{request.scheme}://{request.host}{PREFIX}tenants/{made.tenant_id}"
    return Reply(201, dumps(state.tenants.describe(made.tenant_id)), {**JSON_HEADERS, "Location": location})


async def _tenant(request: handlers.GraphRequest, state: State, name: str) -> Reply:
    if request.method == "GET":
        return _json(state.tenants.describe(state.tenants.get(name).tenant_id))
    if request.method == "DELETE":
        state.tenants.remove(name)
        return Reply(204, None, {})
    raise MethodNotAllowed(["DELETE", "GET"])
