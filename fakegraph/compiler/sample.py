"""The sample tenant: the objects a pack's documented example responses show, by type, ready to be stored.

A fresh server looks like a small tenant and documented reads read back as documented (ARCHITECTURE A12).
Objects come from the responses of get, list, create and update examples, with their marked placeholders
replaced; annotations are dropped; an object's type is its `@odata.type` when that names a known type, else
the operation's. An item that a documented get, update or delete addresses by a concrete key, and that no
response shows, is there too (its key and, for an update, the documented changes), so the documented request
finds it. An object that does not validate against its type's schema is left out and reported. The first
object seen with an id wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from fakegraph.artifacts.contract import JSONObject, reference_navigation, schema_uri, template_shape
from fakegraph.artifacts.placeholders import substitute
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
    body = request.get("body")
    changes = (
        substitute(body, request.get("marks", [])) if kind == "update" and isinstance(body, dict) else {}
    )
    return {**{k: v for k, v in changes.items() if "@" not in k}, "id": last}


def sample_links(
    fixtures: Iterable[tuple[str, str | None, str, JSONObject]],
    tenant: dict[str, list[JSONObject]],
    templates: Iterable[str],
) -> list[JSONObject]:
    """The links of the sample tenant: a documented list of a reference navigation (one the docs document
    `$ref` on) at a concrete parent links that parent to the objects it shows, where the tenant holds them.
    Each is `{"navigation": shape, "parent": key, "targets": [keys]}`, in catalogue order; `templates` are
    every path template of the version (a navigation's `$ref` page need not have an example)."""
    references = {
        template_shape(nav) for template in templates if (nav := reference_navigation(template)) is not None
    }
    held = {obj["id"] for objects in tenant.values() for obj in objects}
    out: dict[tuple[str, str], list[str]] = {}
    for kind, _, template, fixture in fixtures:
        request, response = fixture.get("request"), fixture.get("response")
        if kind != "list" or template_shape(template) not in references or not isinstance(request, dict):
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
    if len(wanted) != len(given) or not keys or "{" in given[keys[-1]]:
        return None
    return unquote(given[keys[-1]])


def sample_tenant(
    version: str,
    fixtures: Iterable[tuple[str, str | None, str, JSONObject]],
    schemas: dict[str, JSONObject],
    validate: Validate,
    warnings: list[Warning],
) -> dict[str, list[JSONObject]]:
    """Type → objects, from `(operation kind, entity type, path template, example fixture)` in catalogue
    order."""
    out: dict[str, dict[str, JSONObject]] = {}
    addressed: list[tuple[str, JSONObject]] = []
    for kind, entity, template, fixture in fixtures:
        response = fixture.get("response")
        if entity is None:
            continue
        item = addressed_item(kind, template, fixture)
        if item is not None:
            addressed.append((entity, item))
        if kind not in _READS or not isinstance(response, dict):
            continue
        for item in objects_of(response):
            named = str(item.get("@odata.type", "")).lstrip("#")
            qualified = named if schema_uri(version, named) in schemas else entity
            schema = schemas.get(schema_uri(version, qualified))
            if schema is None or item["id"] in out.get(qualified, {}):
                continue
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
            out.setdefault(qualified, {})[clean["id"]] = clean
    for entity, item in addressed:  # after every response: a documented object wins
        schema = schemas.get(schema_uri(version, entity))
        if schema is None or item["id"] in out.get(entity, {}) or validate(schema, item):
            continue
        out.setdefault(entity, {})[item["id"]] = item
    return {name: list(objects.values()) for name, objects in sorted(out.items())}
