"""What an action behaviour or a key behaviour is given and gives back (ARCHITECTURE A19).

The handlers build these from a request; behaviours read and write the store through them and never see
HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import BadRequest
from fakegraph.model.store import Store


class Request(NamedTuple):
    """One call of an action."""

    store: Store
    now: datetime
    version: str
    path: tuple[str, ...]  # the path's segments after the version, percent-decoded, alternate keys resolved
    body: JSONObject  # checked against the documented request body ({} where the page documents none)
    item: Callable[[int], tuple[str, str] | None]  # the type and key the first n segments address (404 if
    # missing; None where the pack cannot read such an item)
    new_id: Callable[[], str]  # the next seeded id
    blank: Callable[[str], JSONObject]  # a type's declared properties, unset (null, or [] for a collection)
    kinds: Callable[[str], list[str]]  # a type and every type deriving from it


class KeyRequest(NamedTuple):
    """A key segment no stored object has, below a parent (`/users/{id}/mailFolders/sentitems`)."""

    store: Store
    parent: tuple[str, str]  # the type and key of the item the collection hangs from
    navigation: str  # the collection's segment, lower-cased (`mailfolders`)
    segment: str  # the key as the path gives it
    blank: Callable[[str], JSONObject]


class Answer(NamedTuple):
    """What an action answers: its status and body (the handler adds the `@odata.context` of `context`,
    a fragment after `$metadata#`, and masks the properties of `entity` as for any answer)."""

    status: int
    body: JSONObject | None = None
    context: str = ""
    entity: str = ""


Action = Callable[[Request], Answer | None]


def strings(body: JSONObject, name: str, *, most: int | None = None) -> list[str]:
    """A required list of strings in an action's body (the schema checked its items' type), or a 400."""
    value: Any = body.get(name)
    if not isinstance(value, list):
        raise BadRequest(f"The parameter '{name}' is required: a list of ids.", target=name)
    if most is not None and len(value) > most:
        raise BadRequest(
            f"The parameter '{name}' holds {len(value)} ids; at most {most} are allowed.", target=name
        )
    return [str(v) for v in value]
