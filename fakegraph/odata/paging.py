"""Opaque `$skiptoken`s: the sort key of the last object served, bound to the query that produced it and
authenticated with the server's key.

Keyset paging: a page starts strictly after the cursor in the query's order, so objects created or deleted
between pages never make the walk repeat or skip one that stays.

A token is `base64url(cursor JSON) "." base64url(HMAC-SHA256(key, query signature, cursor JSON))`. The key
is the serving process's own (`State.token_key`, drawn at start-up), so a token cannot be made or altered by
hand, and it is checked before the cursor is parsed: a forged token costs one HMAC, never a parse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from fakegraph.odata.evaluate import InvalidQuery

MAX_TOKEN = 48 * 1024  # characters of a $skiptoken accepted (a request line holds at most 64 KiB)
_MAC_BYTES = 16


def _mac(key: bytes, signature: str, payload: bytes) -> bytes:
    message = signature.encode("utf-8", "surrogatepass") + b"\n" + payload
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(key: bytes, signature: str, cursor: list[Any]) -> str:
    payload = json.dumps(cursor, separators=(",", ":"), default=str).encode()
    return _b64(payload) + "." + _b64(_mac(key, signature, payload))


def decode(key: bytes, token: str, signature: str) -> list[Any]:
    """The cursor, or a 400 when the token is malformed, altered, or belongs to another query (or to another
    run of the server)."""
    if len(token) > MAX_TOKEN:
        raise InvalidQuery(f"The $skiptoken is not valid: it is longer than {MAX_TOKEN} characters.")
    encoded, dot, mac = token.partition(".")
    try:
        payload, given = _unb64(encoded), _unb64(mac)
    except (ValueError, binascii.Error) as exc:
        raise InvalidQuery("The $skiptoken is not valid.") from exc
    if not dot or not hmac.compare_digest(given, _mac(key, signature, payload)):
        raise InvalidQuery(
            "The $skiptoken is not valid for this query; follow @odata.nextLink as given "
            "(a token holds for the query and the server run that produced it)."
        )
    try:
        cursor = json.loads(payload)
    except (ValueError, RecursionError) as exc:  # only the server signs, so this is a bug, but stay a 400
        raise InvalidQuery("The $skiptoken is not valid.") from exc
    if not isinstance(cursor, list):
        raise InvalidQuery("The $skiptoken is not valid.")
    return cursor
