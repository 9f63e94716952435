"""Routing: the route table built from a catalogue (documented endpoints, then the generic item, list and
count endpoints of collections), and raw request paths resolved to an endpoint and its path parameters, or
to Graph's "Resource not found for the segment" error."""

from __future__ import annotations

from typing import Any

import pytest

from fakegraph.artifacts.catalogue import Catalogue, load_catalogue
from fakegraph.artifacts.contract import OperationEntry, OperationKind, template_head
from fakegraph.artifacts.errors import BadRequest, ResourceNotFound
from fakegraph.artifacts.paths import data_dir
from fakegraph.http.routing import Endpoint, Router, Target, _specificity, build_routes, schema_lookup, split

ITEM = "microsoft.graph.item"
THING = "microsoft.graph.thing"
DETAIL = "microsoft.graph.detail"
SUMMARY = "microsoft.graph.summary"
ITEM_BODY: dict[str, Any] = {"type": "object", "properties": {"name": {"type": "string"}}}


def _entry(
    name: str,
    kind: OperationKind,
    method: str | None,
    paths: list[str],
    entity: str | None,
    status: int = 200,
    body: dict[str, Any] | None = None,
) -> OperationEntry:
    return {
        "name": name,
        "kind": kind,
        "method": method,
        "paths": paths,
        "pathSources": ["page"] * len(paths),
        "entityType": entity,
        "entitySchema": None,
        "isCollection": kind == "list",
        "successStatus": status,
        "permissions": {},
        "parameters": [],
        "filterable": {},
        "queryOptions": [],
        "queryCapabilities": None,
        "requestHeaders": [],
        "requestBody": body,
        "examples": [],
        "source": {"file": f"api/{name}.md", "line": 1},
        "title": name,
        "namespace": "microsoft.graph",
    }


BETA = [
    _entry("create_item", "create", "POST", ["/reports/items"], ITEM, 201, ITEM_BODY),
    _entry("list_items", "list", "GET", ["/reports/items"], ITEM),
    _entry("update_item", "update", "PATCH", ["/reports/items/{itemId}"], ITEM, 200, ITEM_BODY),
    _entry("create_thing", "create", "POST", ["/things", "/admin/things"], THING, 201),
    _entry("list_details", "list", "GET", ["/reports/details"], DETAIL),
    _entry("get_summary", "function", "GET", ["/reports/getSummary(period='{period}')"], SUMMARY),
    _entry("get_range", "function", "GET", ["/reports/getRange(from={from},to={to})"], SUMMARY),
    _entry("get_count", "function", "GET", ["/reports/getCount"], SUMMARY),
    _entry("get_total", "function", "GET", ["/reports/getTotal()"], SUMMARY),
    _entry("untyped", "get", "GET", ["/reports/untyped"], None),
    _entry("no_method", "get", None, ["/reports/nomethod"], SUMMARY),
    _entry("an_action", "action", "POST", ["/reports/doIt"], SUMMARY),
]
V1 = [_entry("create_item", "create", "POST", ["/reports/items"], ITEM, 201, ITEM_BODY)]


def _catalogue(beta: list[OperationEntry], v1: list[OperationEntry] | None = None) -> Catalogue:
    return Catalogue(
        schemas={},
        operations={"beta": {e["name"]: e for e in beta}, "v1.0": {e["name"]: e for e in v1 or []}},
    )


ROUTER = Router(_catalogue(BETA, V1))


def _resolve(path: str, version: str = "beta") -> Target:
    return ROUTER.resolve(version, split(path))


def _endpoint(path: str, method: str = "GET", version: str = "beta") -> Endpoint:
    return _resolve(path, version).route.endpoints[method]


def _unknown(path: str, version: str = "beta") -> str:
    with pytest.raises(ResourceNotFound) as caught:
        _resolve(path, version)
    assert caught.value.status == 400
    return caught.value.message


# --- the route table --------------------------------------------------------------------------------------


def test_documented_endpoints_carry_their_entry():
    """A documented operation is served on its path with its kind, status, entry and request schema."""
    create = _endpoint("/reports/items", "POST")
    assert create.kind == "create"
    assert create.entity_type == ITEM
    assert create.status == 201
    assert create.collection == "reports/items"
    assert create.operation is not None
    assert create.operation["name"] == "create_item"
    assert create.request_schema == ITEM_BODY
    assert create.returns_body
    listing = _endpoint("/reports/items")
    assert listing.kind == "list"
    assert listing.operation is not None
    assert listing.operation["name"] == "list_items"


def test_a_created_collection_gets_generic_list_item_and_count_endpoints():
    """A collection with only a documented create is also listed, counted, read, updated and deleted by
    id, on every path the create names."""
    for path in ("/things", "/admin/things"):
        collection = path.strip("/")
        listing = _endpoint(path)
        assert (listing.kind, listing.entity_type, listing.status) == ("list", THING, 200)
        assert listing.collection == collection
        item = _resolve(f"{path}/t1").route.endpoints
        summary = {m: (e.kind, e.status, e.returns_body, e.collection) for m, e in item.items()}
        assert summary == {
            "GET": ("get", 200, True, collection),
            "PATCH": ("update", 204, False, collection),
            "DELETE": ("delete", 204, False, collection),
        }
        count = _endpoint(f"{path}/$count")
        assert (count.kind, count.entity_type, count.collection) == ("count", THING, collection)


def test_a_generic_update_validates_with_the_create_schema():
    """The generic PATCH of a created collection checks bodies against the create's request schema."""
    router = Router(_catalogue([_entry("create_x", "create", "POST", ["/xs"], THING, 201, ITEM_BODY)]))
    patch = router.resolve("beta", ["xs", "1"]).route.endpoints["PATCH"]
    assert patch.request_schema == ITEM_BODY
    assert patch.operation is None


def test_a_listed_collection_gets_generic_get_and_count_but_no_writes():
    """A collection with only a documented list is read by id and counted, but not written."""
    assert sorted(_resolve("/reports/details").route.endpoints) == ["GET"]
    item = _resolve("/reports/details/d1").route.endpoints
    assert sorted(item) == ["GET"]
    assert item["GET"].kind == "get"
    assert _endpoint("/reports/details/$count").kind == "count"


def test_documented_endpoints_win_over_generic_ones():
    """A documented update keeps its own status, body and path parameter name; the generic get and
    delete are added beside it."""
    target = _resolve("/reports/items/i1")
    assert target.params == {"itemId": "i1"}
    patch = target.route.endpoints["PATCH"]
    assert (patch.kind, patch.status, patch.returns_body) == ("update", 200, True)
    assert patch.operation is not None
    assert patch.operation["name"] == "update_item"
    assert patch.collection == "reports/items"
    assert sorted(target.route.endpoints) == ["DELETE", "GET", "PATCH"]


def test_the_count_of_a_listed_collection_takes_the_list_entry():
    """`$count` carries the documented list's entry (for its query restrictions), even when the create
    sorts first; a collection without a documented list counts without one."""
    count = _endpoint("/reports/items/$count")
    assert count.operation is not None
    assert count.operation["name"] == "list_items"
    assert _endpoint("/things/$count").operation is None


@pytest.mark.parametrize("path", ["/reports/untyped", "/reports/nomethod"])
def test_entries_that_cannot_be_served_are_not_routed(path):
    """Entries without a method, and reads without an entity type, get no route."""
    assert "Resource not found for the segment" in _unknown(path)


def test_actions_are_routed_by_their_method():
    """A documented action is served at its path and method, as kind `action`."""
    assert _endpoint("/reports/doIt", "POST").kind == "action"


def test_build_routes_orders_routes_by_template():
    """The table lists each template once, sorted, with every method its entries give."""
    routes = build_routes(BETA)
    templates = [r.template for r in routes]
    assert templates == sorted(templates)
    assert len(templates) == len({t.lower() for t in templates})
    assert "/things/{id}" in templates
    assert "/reports/items/{itemId}" in templates
    assert "/reports/items/{id}" not in templates


def test_the_router_serves_the_versions_of_the_catalogue():
    """Every version of the catalogue gets a table; a version has only its own routes."""
    assert sorted(ROUTER.versions()) == ["beta", "v1.0"]
    assert _endpoint("/reports/items", "POST", "v1.0").kind == "create"
    assert sorted(r.template for r in ROUTER.routes["v1.0"]) == [
        "/reports/items",
        "/reports/items/$count",
        "/reports/items/{id}",
    ]


# --- resolving --------------------------------------------------------------------------------------------


def test_resolve_returns_the_route_and_the_key():
    """An item path resolves to the item route with the key as a path parameter."""
    target = _resolve("/things/t-1")
    assert target.route.template == "/things/{id}"
    assert target.params == {"id": "t-1"}
    assert _resolve("/things").params == {}


@pytest.mark.parametrize(
    ("path", "period"),
    [
        ("/reports/getSummary(period='D7')", "D7"),
        ("/reports/getSummary(period=%27D30%27)", "D30"),
        ("/reports/GETSUMMARY(PERIOD='d1')", "d1"),
        ("/reports/getSummary(period = 'D7')", "D7"),
        ("/reports/getSummary(period='')", ""),
    ],
)
def test_a_function_with_a_quoted_parameter_resolves_with_its_value(path, period):
    """The quoted value becomes the parameter (quotes may be percent-encoded, names differ in case)."""
    target = _resolve(path)
    assert target.params == {"period": period}
    assert target.route.endpoints["GET"].kind == "function"
    assert target.route.endpoints["GET"].entity_type == SUMMARY


@pytest.mark.parametrize("path", ["/reports/getSummary(when='D7')", "/reports/getSummary()"])
def test_a_function_call_that_does_not_fit_its_parameters_is_unknown(path):
    """A wrong parameter name or no parameters do not reach the function."""
    assert _unknown(path) == "Resource not found for the segment 'getSummary'."


def test_a_missing_quote_is_graphs_message_about_the_argument():
    """`period=D7`: the bare word is read as an alias no one defined (http/arguments.py), a 400 naming it."""
    with pytest.raises(BadRequest) as caught:
        _resolve("/reports/getSummary(period=D7)")
    assert not isinstance(caught.value, ResourceNotFound)
    assert caught.value.message == "The parameter 'period=D7' is not in scope."


def test_a_function_with_unquoted_parameters_resolves_each():
    """Unquoted parameters take the text up to the next comma or parenthesis."""
    target = _resolve("/reports/getRange(from=2021-01-01,to=2021-02-01)")
    assert target.params == {"from": "2021-01-01", "to": "2021-02-01"}


@pytest.mark.parametrize("path", ["/reports/getCount", "/reports/getCount()", "/reports/getcount()"])
def test_the_parentheses_of_a_function_without_parameters_are_optional(path):
    """`getCount` and `getCount()` are the same function, whichever way the docs wrote it."""
    assert _endpoint(path).kind == "function"


@pytest.mark.parametrize("path", ["/reports/getTotal", "/reports/getTotal()"])
def test_a_template_with_parentheses_also_matches_without(path):
    """A path documented as `getTotal()` is served with or without the parentheses."""
    assert _endpoint(path).kind == "function"


@pytest.mark.parametrize(
    ("path", "kind", "params"),
    [
        ("/REPORTS/Items", "list", {}),
        ("/reports/ITEMS/$COUNT", "count", {}),
        ("/Admin/Things/T1", "get", {"id": "T1"}),
    ],
)
def test_literal_segments_match_case_insensitively(path, kind, params):
    """Graph's path literals are case-insensitive; keys keep their case."""
    target = _resolve(path)
    assert target.route.endpoints["GET"].kind == kind
    assert target.params == params


def test_percent_encoded_ids_are_decoded_after_splitting():
    """An encoded `/` stays inside the id instead of splitting the path, and other escapes are decoded."""
    target = _resolve("/things/a%2Fb")
    assert target.route.template == "/things/{id}"
    assert target.params == {"id": "a/b"}
    assert _resolve("/things/caf%C3%A9%20x").params == {"id": "café x"}
    assert _resolve("/reports/items/x%2F..%2Fy").params == {"itemId": "x/../y"}


def test_split_drops_empty_segments_and_the_query():
    """Doubled slashes make no empty segments, and the query string is not part of the path."""
    assert split("/beta//things/t1/?$select=id&x=/a/b") == ["beta", "things", "t1"]
    assert split("/") == []


@pytest.mark.parametrize(
    ("path", "segment"),
    [
        ("/nope", "nope"),
        ("/reports/nope", "nope"),
        ("/things/t1/nope", "nope"),
        ("/reports/items/i1/extra", "extra"),
        ("/reports/getNope(period='D7')", "getNope"),
        ("/reports/details/d1/%24count", "$count"),
    ],
)
def test_an_unknown_segment_is_named_in_the_error(path, segment):
    """The error names the segment the table does not know (a function by its name only)."""
    assert _unknown(path) == f"Resource not found for the segment '{segment}'."


def test_a_path_only_another_version_serves_names_its_segment():
    """A beta-only path on v1.0 names the segment below the root (or the root when it is all there is)."""
    assert _unknown("/reports/getSummary(period='D7')", "v1.0") == (
        "Resource not found for the segment 'getSummary'."
    )
    assert _unknown("/reports/details", "v1.0") == "Resource not found for the segment 'details'."
    assert _unknown("/things", "v1.0") == "Resource not found for the segment 'things'."
    assert _endpoint("/reports/items/i1", version="v1.0").kind == "get"


def test_a_version_without_routes_names_the_first_segment():
    """A version with no operations knows no segment at all."""
    router = Router(_catalogue(BETA))
    with pytest.raises(ResourceNotFound) as caught:
        router.resolve("v1.0", ["reports", "nope"])
    assert caught.value.message == "Resource not found for the segment 'reports'."


# Found by this file's first version: each failed before the router was mended.
def test_a_function_below_a_collection_is_not_read_as_an_item_id():
    """`/items/f(on='x')` next to `/items/{id}` calls the function; other segments are still ids."""
    from fakegraph.artifacts.catalogue import Catalogue
    from fakegraph.http.routing import Router

    entries = {
        "create_item": _entry("create_item", "create", "POST", ["/reports/items"], ITEM, 201),
        "filter": _entry(
            "filter", "function", "GET", ["/reports/items/filterByCurrentUser(on='{on}')"], ITEM
        ),
    }
    router = Router(Catalogue(schemas={"beta": {}}, operations={"beta": entries, "v1.0": {}}))
    target = router.resolve("beta", ["reports", "items", "filterByCurrentUser(on='reviewer')"])
    assert target.route.endpoints["GET"].kind == "function"
    assert target.params == {"on": "reviewer"}
    item = router.resolve("beta", ["reports", "items", "abc"])
    assert item.route.endpoints["GET"].kind == "get"
    assert item.params == {"id": "abc"}


def test_the_unknown_segment_is_the_first_no_route_takes_after_what_matched():
    """With `/reports/items/{itemId}` and `/things/{id}`, `/reports/nope/x` names 'nope', not 'x'."""
    from fakegraph.artifacts.catalogue import Catalogue
    from fakegraph.artifacts.errors import ResourceNotFound
    from fakegraph.http.routing import Router

    entries = {
        "get_item": _entry("get_item", "get", "GET", ["/reports/items/{itemId}"], ITEM),
        "get_thing": _entry("get_thing", "get", "GET", ["/things/{id}"], THING),
    }
    router = Router(Catalogue(schemas={"beta": {}}, operations={"beta": entries, "v1.0": {}}))
    with pytest.raises(ResourceNotFound, match="'nope'"):
        router.resolve("beta", ["reports", "nope", "x"])


def _table(entries: list[OperationEntry]) -> dict[str, dict[str, str]]:
    return {r.template: {m: e.kind for m, e in r.endpoints.items()} for r in build_routes(entries)}


def test_a_documented_item_implies_the_reads_of_its_collection():
    """Only `GET /things/{id}` is documented: `/things` lists and `/things/$count` counts (D10: an entity
    set follows from its documented paths); no create, update or delete is made up."""
    routes = _table([_entry("get_thing", "get", "GET", ["/things/{id}"], THING)])
    assert routes["/things"] == {"GET": "list"}
    assert routes["/things/$count"] == {"GET": "count"}
    assert routes["/things/{id}"] == {"GET": "get"}


def test_an_implied_collection_needs_a_literal_navigation_above_the_key():
    """A key below a key or a function call implies nothing."""
    routes = _table(
        [
            _entry("get_pair", "get", "GET", ["/things/{id}/{other}"], THING),
            _entry("get_call", "get", "GET", ["/things/find(q='{q}')/{id}"], THING),
        ]
    )
    assert "/things/{id}" not in routes
    assert not [t for t in routes if t.startswith("/things/find") and not t.endswith("{id}")]


def test_one_documented_ref_operation_serves_the_whole_reference_navigation():
    """Only `DELETE /groups/{id}/members/{id}/$ref` is documented (as in v1.0's pages): the navigation is a
    reference navigation, so adding, listing links, listing and counting the members are served too."""
    removal = "/groups/{id}/members/{directoryObject-id}/$ref"
    routes = _table([_entry("delete_member", "delete", "DELETE", [removal], ITEM)])
    assert routes["/groups/{id}/members/$ref"] == {"POST": "ref-add", "GET": "ref-list"}
    assert routes["/groups/{id}/members/{directoryObject-id}/$ref"] == {"DELETE": "ref-remove"}
    assert routes["/groups/{id}/members"] == {"GET": "list"}
    assert routes["/groups/{id}/members/$count"] == {"GET": "count"}


def test_a_single_valued_reference_keeps_only_what_is_documented():
    """`PUT /users/{id}/manager/$ref` sets one link: no POST or link list is invented for it."""
    routes = _table([_entry("set_manager", "update", "PUT", ["/users/{id}/manager/$ref"], ITEM)])
    assert routes["/users/{id}/manager/$ref"] == {"PUT": "ref-set"}


def test_routes_built_per_group_on_first_use_are_the_whole_tables_routes():
    """The router builds a route group (a path's first segment) when a request first falls in it: over the
    shipped pack, every group holds the routes and endpoints of the version's whole table, most specific
    first, as the whole table orders them."""
    catalogue = load_catalogue(data_dir())
    router = Router(catalogue)
    for version in ("beta", "v1.0"):
        whole = build_routes(catalogue.entries(version), schema_lookup(catalogue, version))
        heads = sorted({template_head(r.template) for r in whole})
        assert len(heads) > 20
        for head in heads:
            expected = sorted((r for r in whole if template_head(r.template) == head), key=_specificity)
            assert router._group(version, head) == expected


def test_a_documented_alternate_key_segment_is_the_item_s_key_segment():
    """`/directoryRoles/roleTemplateId={roleTemplateId}/members` is the keyed route (requests spell the
    segment `roleTemplateId=...`, which the handlers resolve to the key), not a literal of its own."""
    routes = _table(
        [_entry("list_members", "list", "GET", ["/roles/roleTemplateId={roleTemplateId}/members"], ITEM)]
    )
    assert all("=" not in template for template in routes)
    assert routes["/roles/{roleTemplateId}/members"] == {"GET": "list"}


def test_a_path_is_typed_by_walking_navigation_properties_from_its_entity_set():
    """With the types' schemas, `/roles/{id}/members/{id}` is typed by the role's `members` navigation
    (whatever the page names first), and an entity set no entry lists is known by its plural name."""
    urn = "urn:fakegraph:schemas:beta:"
    schemas = {
        "microsoft.graph.role": {
            "properties": {"members": {"type": ["array", "null"], "items": {"$ref": urn + THING}}},
            "x-graph": {"kind": "entityType", "navigationProperties": ["members"]},
        }
    }
    entries = [_entry("remove_member", "delete", "DELETE", ["/roles/{id}/members/{member-id}"], ITEM)]
    routes = {r.template: r for r in build_routes(entries, schemas.get)}
    assert routes["/roles/{id}/members/{member-id}"].endpoints["DELETE"].entity_type == THING
    assert {r.template: r for r in build_routes(entries)}["/roles/{id}/members/{member-id}"].endpoints[
        "DELETE"
    ].entity_type == ITEM
