"""The sample tenant: the objects a pack's documented example responses show, by type, ready to be stored.

A fresh server looks like a small tenant and documented reads read back as documented (ARCHITECTURE A12).
Objects come from the responses of get, list, create and update examples, with their marked placeholders
replaced and every other declared property null; annotations are dropped; an object's type is its
`@odata.type` when that names a known type, else the operation's. An item that a documented get, update or
delete addresses by a concrete key, and that no response shows, is there too (its key and, for an update,
the documented changes), so the documented request finds it; so is an item a documented request path passes
through by a concrete key (`/teams/{key}/channels`). An object that does not validate against its type's
schema is left out and reported. The first object seen with an id wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

from fakegraph.artifacts.contract import (
    JSONObject,
    graph_block,
    reference_navigation,
    schema_uri,
    template_shape,
)
from fakegraph.artifacts.placeholders import substitute
from fakegraph.artifacts.schema_walk import blank_of, canonical
from fakegraph.compiler.records import Warning

Validate = Callable[[JSONObject, Any], list[tuple[tuple[str | int, ...], str]]]
_READS = frozenset({"get", "list", "create", "update"})
_ADDRESSED = frozenset({"get", "update", "delete"})


def objects_of(response: JSONObject) -> list[JSONObject]:
    """The objects a response fixture's body shows: its `value` items, or the body itself."""
    body = response.get("body")
    if not response.get("bodyIsJson") or not isinstance(body, dict):
        return []
    served = substitute(body, response.get("marks", []))
    items = served.get("value") if isinstance(served.get("value"), list) else [served]
    return [
        item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
    ]


def addressed_item(kind: str, template: str, fixture: JSONObject) -> JSONObject | None:
    """The item a documented get, update or delete request addresses by a concrete key, as the request
    shows it (`{"id": key}` plus an update's documented changes); None for anything else."""
    request = fixture.get("request")
    if kind not in _ADDRESSED or not isinstance(request, dict) or not isinstance(request.get("path"), str):
        return None
    last_template = template.rstrip("/").rsplit("/", 1)[-1]
    last = unquote(request["path"].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    if not (last_template.startswith("{") and last_template.endswith("}")) or not last or "{" in last:
        return None
    if not _matches(template, request["path"]):  # `/me/messages/{id}/$value` addresses no message `$value`
        return None
    body = request.get("body")
    changes = (
        substitute(body, request.get("marks", [])) if kind == "update" and isinstance(body, dict) else {}
    )
    return {**{k: v for k, v in changes.items() if "@" not in k}, "id": last}


def tagged_types(
    version: str,
    fixtures: Iterable[tuple[str, str | None, str, JSONObject]],
    schemas: dict[str, JSONObject],
    annotation: str = "@odata.etag",
) -> list[str]:
    """The entity types whose objects a documented response shows with an annotation (`@odata.etag`)."""
    found: set[str] = set()
    for _, entity, _, fixture in fixtures:
        response = fixture.get("response")
        for item in objects_of(response) if isinstance(response, dict) else []:
            if annotation not in item:
                continue
            named = str(item.get("@odata.type", "")).lstrip("#")
            qualified = named if schema_uri(version, named) in schemas else entity
            schema = schemas.get(schema_uri(version, qualified or ""))
            if qualified and schema is not None and _entity(schema):
                found.add(qualified)
    return sorted(found)


def typed_types(fixtures: Iterable[tuple[str, str | None, str, JSONObject]]) -> list[str]:
    """The entity types whose documented lists (and functions answering lists: `delta`) show each item's
    `@odata.type`, as Graph writes them for collections that may hold derived types, whether or not the
    pages name one."""
    found: set[str] = set()
    for kind, entity, _, fixture in fixtures:
        response = fixture.get("response")
        if kind not in {"list", "function"} or not entity or not isinstance(response, dict):
            continue
        items = objects_of(response)
        if items and all("@odata.type" in item for item in items):
            found.add(entity)
    return sorted(found)


def _entity(schema: JSONObject) -> bool:
    """Whether a schema is an entity type's: only entities are objects of the store."""
    return graph_block(schema).get("kind", "entityType") == "entityType"


def item_types(operations: Iterable[tuple[str, str | None, list[str]]]) -> dict[str, str]:
    """The shape of each documented item template (`/teams/{}`) → its entity type: the paths of get, update
    and delete operations that end in a key, and the item below each documented list or create."""
    out: dict[str, str] = {}
    for kind, entity, paths in operations:
        if not entity:
            continue
        for path in paths:
            if kind in _ADDRESSED and path.rstrip("/").endswith("}"):
                out.setdefault(template_shape(path.rstrip("/")), entity)
            elif kind in {"list", "create"} and "$" not in path:
                out.setdefault(template_shape(path.rstrip("/") + "/{}"), entity)
    return out


def _matches(template: str, path: str) -> bool:
    """Whether a documented request path has the template's segments (its literals in any case)."""
    wanted = template.strip("/").split("/")
    given = path.split("?", 1)[0].strip("/").split("/")
    return len(wanted) == len(given) and all(
        w.startswith("{") or w.lower() == g.lower() for w, g in zip(wanted, given, strict=True)
    )


def example_template(paths: list[str], fixture: JSONObject) -> str:
    """The template of an operation that its example's request path takes (else its first)."""
    request = fixture.get("request")
    path = request.get("path") if isinstance(request, dict) else None
    matching = [t for t in paths if isinstance(path, str) and _matches(t, path)]
    return matching[0] if matching else (paths[0] if paths else "")


_ALTERNATE_KEY = re.compile(r"^[A-Za-z]\w*=[^=]+$")  # `roleTemplateId=x`, not base64 padding (`AAMk=`)


def addressed_parents(
    paths: list[str], fixture: JSONObject, types: dict[str, str]
) -> list[tuple[str, JSONObject]]:
    """The items a documented request path passes through by a concrete key (`/teams/{id}/channels` at
    `/teams/893075dd/channels` passes through team 893075dd), as `(type, {"id": key})`: the request assumes
    they exist. The item the path ends at is `addressed_item`'s."""
    request = fixture.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("path"), str):
        return []
    given = request["path"].split("?", 1)[0].strip("/").split("/")
    for template in paths:
        wanted = template.strip("/").split("/")
        if not _matches(template, request["path"]):
            continue
        found = []
        for index, segment in enumerate(wanted[:-1]):
            key = unquote(given[index])
            if not segment.startswith("{") or not key or "{" in key or _ALTERNATE_KEY.match(key):
                continue
            entity = types.get(template_shape("/" + "/".join(wanted[: index + 1])))
            if entity is not None:
                found.append((entity, {"id": key}))
        return found
    return []


def referenced_items(fixture: JSONObject, types: dict[str, str]) -> list[tuple[str, JSONObject]]:
    """The object a documented `$ref` request links by URL (`{"@odata.id": ".../directoryObjects/15c1"}`),
    as `(type, {"id": key})`, where the URL's path is a documented item's: the request assumes it exists."""
    request = fixture.get("request")
    if not isinstance(request, dict) or not str(request.get("path", "")).split("?", 1)[0].endswith("/$ref"):
        return []
    body = request.get("body")
    url = body.get("@odata.id") if isinstance(body, dict) else None
    if not isinstance(url, str) or "{" in url:
        return []
    path = urlsplit(url).path
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if len(parts) < 2 or not parts[-1] or _ALTERNATE_KEY.match(parts[-1]):
        return []
    for start in range(len(parts) - 1):  # the URL may name a version, or another host's base path
        entity = types.get(template_shape("/" + "/".join([*parts[start:-1], "{}"])))
        if entity is not None:
            return [(entity, {"id": parts[-1]})]
    return []


def sample_links(
    fixtures: Iterable[tuple[str, str | None, str, JSONObject]],
    tenant: dict[str, list[JSONObject]],
    templates: Iterable[str],
    linked_type: Callable[[str], bool] | None = None,
) -> list[JSONObject]:
    """The links of the sample tenant: a documented list of a reference navigation at a concrete parent
    links that parent to the objects it shows, where the tenant holds them. A reference navigation is one
    the docs document `$ref` on, or one below an item whose type a top-level collection serves
    (`linked_type`: `/groups/{id}/owners` lists users). Each is `{"navigation": shape, "parent": key,
    "targets": [keys]}`, in catalogue order; `templates` are every path template of the version (a
    navigation's `$ref` page need not have an example)."""
    references = {
        template_shape(nav) for template in templates if (nav := reference_navigation(template)) is not None
    }
    held = {obj["id"] for objects in tenant.values() for obj in objects}
    out: dict[tuple[str, str], list[str]] = {}
    for kind, entity, template, fixture in fixtures:
        request, response = fixture.get("request"), fixture.get("response")
        linking = template_shape(template) in references or (
            linked_type is not None and entity is not None and linked_type(entity)
        )
        if kind != "list" or not linking or not isinstance(request, dict):
            continue
        parent = _parent_key(template, str(request.get("path") or ""))
        if parent is None or not isinstance(response, dict):
            continue
        targets = out.setdefault((template_shape(template), parent), [])
        for item in objects_of(response):
            if item["id"] in held and item["id"] not in targets:
                targets.append(item["id"])
    return [
        {"navigation": navigation, "parent": parent, "targets": targets}
        for (navigation, parent), targets in out.items()
        if targets
    ]


def _parent_key(template: str, path: str) -> str | None:
    """The concrete key a documented path gives the template's last key segment, or None."""
    wanted = template.strip("/").split("/")
    given = path.split("?", 1)[0].strip("/").split("/")
    keys = [i for i, s in enumerate(wanted) if s.startswith("{")]
    if not keys and len(wanted) == 2 and wanted[0].lower() == SIGNED_IN:  # `/me/joinedTeams`: the
        return SIGNED_IN  # signed-in user's own list (the server binds it to whom `/me` names)
    if len(wanted) != len(given) or not keys or "{" in given[keys[-1]]:
        return None
    return unquote(given[keys[-1]])


SIGNED_IN = "me"


def sample_tenant(
    version: str,
    fixtures: Iterable[tuple[str, str | None, str, JSONObject]],
    schemas: dict[str, JSONObject],
    validate: Validate,
    warnings: list[Warning],
    parents: Iterable[tuple[str, JSONObject]] = (),
) -> dict[str, list[JSONObject]]:
    """Type → objects, from `(operation kind, entity type, path template, example fixture)` in catalogue
    order, and the items documented requests pass through (`parents`, see `addressed_parents`)."""
    out: dict[str, dict[str, JSONObject]] = {}
    addressed: list[tuple[str, JSONObject]] = []
    lookup = schemas.get
    for kind, entity, template, fixture in fixtures:
        response = fixture.get("response")
        if entity is None:
            continue
        item = addressed_item(kind, template, fixture)
        if item is not None:
            addressed.append((entity, item))
        if kind not in _READS or not isinstance(response, dict):
            continue
        request = fixture.get("request")
        body = request.get("body") if isinstance(request, dict) else None
        chosen = body.get("id") if kind == "create" and isinstance(body, dict) else None
        for item in objects_of(response):
            if chosen is not None and item["id"] == chosen:
                continue  # a create that chooses its id documents that no such object exists before it
            named = str(item.get("@odata.type", "")).lstrip("#")
            qualified = named if schema_uri(version, named) in schemas else entity
            schema = schemas.get(schema_uri(version, qualified))
            if schema is None or item["id"] in out.get(qualified, {}):
                continue
            if not _entity(schema):
                continue  # a complex value with an `id` (an attachment's item): no object of the store
            clean = {k: v for k, v in item.items() if "@" not in k}
            problems = validate(schema, clean)
            if problems:
                where, message = problems[0]
                source = fixture.get("source", {})
                warnings.append(
                    Warning(
                        "sample-invalid",
                        str(source.get("file", "")),
                        int(source.get("line", 0)),
                        f"{qualified} {clean['id']!r} is left out of the sample tenant: "
                        f"/{'/'.join(map(str, where))}: {message}",
                    )
                )
                continue
            stored = {**blank_of(schema), **canonical(clean, schema, lookup)}
            out.setdefault(qualified, {})[clean["id"]] = stored
    addressed.extend(parents)
    for entity, item in addressed:  # after every response: a documented object wins
        schema = schemas.get(schema_uri(version, entity))
        if schema is None or not _entity(schema) or item["id"] in out.get(entity, {}):
            continue
        if validate(schema, item):
            continue
        out.setdefault(entity, {})[item["id"]] = {**blank_of(schema), **canonical(item, schema, lookup)}
    return {name: list(objects.values()) for name, objects in sorted(out.items())}
