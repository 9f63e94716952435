"""Opaque `$skiptoken`s: the sort key of the last object served, bound to the query that produced it.

Keyset paging: a page starts strictly after the cursor in the query's order, so objects created or deleted
between pages never make the walk repeat or skip one that stays.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from fakegraph.odata.evaluate import InvalidQuery


def _digest(signature: str) -> str:
    return hashlib.sha256(signature.encode()).hexdigest()[:16]


def encode(signature: str, cursor: list[Any]) -> str:
    raw = json.dumps({"q": _digest(signature), "c": cursor}, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, signature: str) -> list[Any]:
    """The cursor, or a 400 when the token is malformed or belongs to another query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        digest, cursor = data["q"], data["c"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidQuery("The $skiptoken is not valid.") from exc
    if digest != _digest(signature) or not isinstance(cursor, list):
        raise InvalidQuery("The $skiptoken does not belong to this query; follow @odata.nextLink as given.")
    return cursor
