"""Operations whose result is computed from state (ARCHITECTURE A1): the only resource-specific code.

Three registries, each consulted by one generic handler:

- `BEHAVIOURS`, by catalogue operation name: a function's rows (the report functions, deleted items).
- `ACTIONS`, by the action's name as paths spell it (`sendMail`, `getMemberGroups`, `restore`): one action
  is documented on several pages, bound to several types, so its pages' names differ. An action behaviour
  reads the checked body, may write to the store, and says what to answer; None means the call is not one
  it models (a drive item's `restore`), and the action's documented answer stands (ARCHITECTURE A11).
- `KEYS`, by entity type: key segments a type's documentation names besides ids (a mailbox's well-known
  folder names), resolved to the stored key below their parent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from fakegraph.artifacts.contract import JSONObject
from fakegraph.behaviours import credential_reports, directory, mail
from fakegraph.behaviours.effects import Action, Answer, KeyRequest, Request
from fakegraph.model.store import Store

__all__ = ["ACTIONS", "BEHAVIOURS", "KEYS", "Answer", "Context", "KeyRequest", "Request", "keeps_deleted"]


class Context(NamedTuple):
    store: Store
    now: datetime
    params: dict[str, str]
    cache: dict[Any, Any]  # derived data behaviours keep between calls (the app's, cleared on reset)
    path: tuple[str, ...] = ()  # the request's path segments after the version, percent-decoded


Behaviour = Callable[[Context], list[JSONObject]]

BEHAVIOURS: Mapping[str, Behaviour] = MappingProxyType(
    {
        "reportRoot_getCredentialUsageSummary": lambda c: credential_reports.usage_summary(
            c.store, c.now, c.params, c.cache
        ),
        "reportRoot_getCredentialUserRegistrationCount": lambda c: credential_reports.registration_count(
            c.store
        ),
        "list_deleted_items": lambda c: directory.deleted_items(c.store, c.path),
    }
)

ACTIONS: Mapping[str, Action] = MappingProxyType(
    {
        name.lower(): action
        for name, action in (
            ("sendMail", mail.send_mail),
            ("send", mail.send_draft),
            ("getMemberGroups", directory.get_member_groups),
            ("checkMemberGroups", directory.check_member_groups),
            ("getMemberObjects", directory.get_member_objects),
            ("checkMemberObjects", directory.check_member_objects),
            ("restore", directory.restore),
        )
    }
)

KEYS: Mapping[str, Callable[[KeyRequest], str | None]] = MappingProxyType(
    {mail.MAIL_FOLDER: mail.well_known_folder}
)

keeps_deleted = directory.keeps_deleted


def prepare(store: Store) -> None:
    """Register the indexes behaviours keep with the store (before data is loaded into it)."""
    credential_reports.watch(store)
