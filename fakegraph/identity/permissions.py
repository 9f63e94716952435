"""Which tokens an operation admits, from its documented permission table (compiled by `fakegraph compile`).

A token of an application (`roles`) is checked against the table's application row, a user's (`scp`)
against the delegated (work or school) row. A row that lists permissions admits a token holding any of them
(the pages list every permission that suffices; an entry `A and B` needs both); a row marked "Not
supported" admits none; a row the page leaves as a TODO (or marks "None": nothing needed), a page without a
table, and an operation the docs do not describe admit every token: what the docs do not say never denies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

DENIED = "Insufficient privileges to complete the operation."


def held(claims: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """('delegatedWork' or 'application', the permissions the token holds, lower-cased)."""
    scopes = claims.get("scp")
    if isinstance(scopes, str) or claims.get("idtyp") == "user":  # a user's token, whatever it holds
        return "delegatedWork", frozenset(s.lower() for s in str(scopes or "").split())
    roles = claims.get("roles")
    names = roles if isinstance(roles, list) else []
    return "application", frozenset(r.lower() for r in names if isinstance(r, str))


def admits(table: Mapping[str, Sequence[str] | None] | None, claims: Mapping[str, Any]) -> bool:
    if not table:
        return True
    kind, permissions = held(claims)
    if kind not in table:
        return True
    row = table[kind]
    if row is None:  # a TODO: unknown
        return True
    return any(all(part.lower() in permissions for part in p.split(" and ")) for p in row)
