"""The sample tenant: the objects a pack's documented example responses show, by type, ready to be stored.

A fresh server looks like a small tenant and documented reads read back as documented (ARCHITECTURE A12).
Objects come from the responses of get, list, create and update examples, with their marked placeholders
replaced; annotations are dropped; an object's type is its `@odata.type` when that names a known type, else
the operation's. An object that does not validate against its type's schema is left out and reported.
The first object seen with an id wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fakegraph.artifacts.contract import JSONObject, schema_uri
from fakegraph.artifacts.placeholders import substitute
from fakegraph.compiler.records import Warning

Validate = Callable[[JSONObject, Any], list[tuple[tuple[str | int, ...], str]]]
_READS = frozenset({"get", "list", "create", "update"})


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


def sample_tenant(
    version: str,
    fixtures: Iterable[tuple[str, str | None, JSONObject]],
    schemas: dict[str, JSONObject],
    validate: Validate,
    warnings: list[Warning],
) -> dict[str, list[JSONObject]]:
    """Type → objects, from `(operation kind, entity type, example fixture)` in catalogue order."""
    out: dict[str, dict[str, JSONObject]] = {}
    for kind, entity, fixture in fixtures:
        response = fixture.get("response")
        if kind not in _READS or entity is None or not isinstance(response, dict):
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
    return {name: list(objects.values()) for name, objects in sorted(out.items())}
