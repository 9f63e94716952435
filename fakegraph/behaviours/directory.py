"""Directory objects: memberships computed from `members` links, and deleted items (ARCHITECTURE A19).

Memberships: an object is a member of each group, directory role and administrative unit whose `members`
reference navigation links it (`POST /groups/{id}/members/$ref`). Group membership is transitive (a member
of a group that is a member of another is a member of both); a directory role is held directly or through
a group; an administrative unit directly. `getMemberGroups` lists the groups (security groups only with
`securityEnabledOnly`), `getMemberObjects` the groups, roles and units, and the `check...` actions keep the
ids given that are among those.

Deleted items: deleting an object of a type the served version documents under `/directory/deletedItems`
(its list names the type: `/directory/deletedItems/microsoft.graph.group`) keeps it there, with its
`deletedDateTime`, what it contained and its links, until `POST /directory/deletedItems/{id}/restore` brings
it back under its id (the links whose other end still exists), or a reset.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakegraph.artifacts.catalogue import Catalogue
from fakegraph.artifacts.contract import JSONObject, graph_block
from fakegraph.behaviours.effects import Answer, Request, strings
from fakegraph.model.clock import iso
from fakegraph.model.store import Store

GRAPH = "microsoft.graph."
GROUP = GRAPH + "group"
ROLE = GRAPH + "directoryRole"
UNIT = GRAPH + "administrativeUnit"
MEMBERS = "/members"
DELETED_ITEMS = "deleteditems"
MOST_IDS = 20  # ids one check takes
IDS = "Collection(Edm.String)"


class Memberships:
    """What one object is a member of: groups (transitively), directory roles and administrative units."""

    def __init__(self, store: Store, key: str) -> None:
        self.groups: dict[str, None] = {}
        self.roles: dict[str, None] = {}
        self.units: dict[str, None] = {}
        frontier = [key]
        while frontier:
            reached: list[str] = []
            for member in frontier:
                for navigation, parent in store.sources(member):
                    if not navigation.endswith(MEMBERS):
                        continue
                    if store.has(GROUP, parent):
                        if parent not in self.groups and parent != key:
                            self.groups[parent] = None
                            reached.append(parent)
                    elif store.has(ROLE, parent):
                        self.roles[parent] = None
                    elif store.has(UNIT, parent) and member == key:
                        self.units[parent] = None
            frontier = reached
        self._store = store

    def security_groups(self) -> list[str]:
        return [g for g in self.groups if (self._store.peek(GROUP, g) or {}).get("securityEnabled") is True]

    def objects(self) -> list[str]:
        return [*self.groups, *self.roles, *self.units]

    def has_object(self, key: str) -> bool:
        """A group, role or unit it is a member of, or the role template of such a role."""
        if key in self.groups or key in self.roles or key in self.units:
            return True
        return any((self._store.peek(ROLE, r) or {}).get("roleTemplateId") == key for r in self.roles)


def _member(request: Request) -> Memberships | None:
    bound = request.item(len(request.path) - 1)  # `/groups/{id}/getMemberGroups`: the group
    return Memberships(request.store, bound[1]) if bound is not None else None


def _ids(values: list[str]) -> Answer:
    return Answer(200, {"value": values}, IDS)


def get_member_groups(request: Request) -> Answer | None:
    found = _member(request)
    if found is None:
        return None
    secure = request.body.get("securityEnabledOnly") is True
    return _ids(found.security_groups() if secure else list(found.groups))


def get_member_objects(request: Request) -> Answer | None:
    found = _member(request)
    if found is None:
        return None
    secure = request.body.get("securityEnabledOnly") is True
    return _ids(found.security_groups() if secure else found.objects())


def check_member_groups(request: Request) -> Answer | None:
    wanted = strings(request.body, "groupIds", most=MOST_IDS)
    found = _member(request)
    return _ids([g for g in dict.fromkeys(wanted) if g in found.groups]) if found is not None else None


def check_member_objects(request: Request) -> Answer | None:
    wanted = strings(request.body, "ids", most=MOST_IDS)
    found = _member(request)
    return _ids([i for i in dict.fromkeys(wanted) if found.has_object(i)]) if found is not None else None


def deleted_types(catalogue: Catalogue, version: str, cache: dict[Any, Any]) -> frozenset[str]:
    """The types a version's pages document under `/directory/deletedItems` (the cast segments of their
    paths)."""
    key = ("deleted-item-types", version)
    found = cache.get(key)
    if found is None:
        named = set()
        for entry in catalogue.entries_in(version, "directory"):
            for path in entry["paths"]:
                parts = path.strip("/").split("/")
                if len(parts) == 3 and parts[1].lower() == DELETED_ITEMS and "." in parts[2]:
                    named.add(parts[2])
        found = cache[key] = frozenset(named)
    return found


def keeps_deleted(
    catalogue: Catalogue, version: str, entity: str, now: datetime, cache: dict[Any, Any]
) -> JSONObject | None:
    """What to set on an object of `entity` that a delete keeps in deleted items (its `deletedDateTime`),
    or None where the version documents no deleted items of that type (or a type it derives from)."""
    kept = deleted_types(catalogue, version, cache)
    kind: str | None = entity
    while kind and kind not in kept:
        schema = catalogue.schema(version, kind)
        kind = graph_block(schema).get("baseType") if schema is not None else None
    return {"deletedDateTime": iso(now)} if kind else None


def deleted_items(store: Store, path: tuple[str, ...]) -> list[JSONObject]:
    """The rows of `GET /directory/deletedItems/microsoft.graph.group`: the kept objects of that type."""
    kind = path[-1] if path else ""
    return [{"@odata.type": "#" + t, **obj} for t, obj in store.binned([kind])]


def restore(request: Request) -> Answer | None:
    """`POST /directory/deletedItems/{id}/restore`: the object back under its id (200, the object)."""
    path = request.path
    if len(path) < 3 or path[-3].lower() != DELETED_ITEMS:
        return None  # another `restore` (a drive item's): its documented answer
    kind, obj = request.store.restore(path[-2], {"deletedDateTime": None})
    return Answer(200, {"@odata.type": "#" + kind, **obj}, "directoryObjects/$entity", kind)
