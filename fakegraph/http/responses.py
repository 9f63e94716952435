"""Graph-shaped success bodies: JSON text, `@odata.context`, and evolvable enums masked.

Members declared after `unknownFutureValue` are sent as `unknownFutureValue` unless the client asked for them
(`Prefer: include-unknown-enum-members`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject, graph_block

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


def dumps(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except (orjson.JSONEncodeError, TypeError):  # integers past 64 bits, from a hand-written dataset
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class Reply(NamedTuple):  # a tuple: built on every request, cheaper than a frozen dataclass
    """What a handler answers: status, body bytes and its own headers (the shell adds Graph's common ones)."""

    status: int
    body: bytes | None
    headers: dict[str, str]


class CachedResponse(NamedTuple):
    """A GET answer, valid while the store generation and the clock reading in `stamp` hold."""

    stamp: tuple[int, Any]
    reply: Reply


class ResponseCache:
    """Serialized GET answers: a read repeated before any write or clock change costs one lookup. Answers
    over `body_limit` bytes (a media stream, a large attachment) are not kept: the cache stays small."""

    def __init__(self, limit: int = 2048, body_limit: int = 1024 * 1024) -> None:
        self._limit = limit
        self._body_limit = body_limit
        self._items: dict[tuple[str, ...], CachedResponse] = {}

    def get(self, key: tuple[str, ...]) -> CachedResponse | None:
        return self._items.get(key)

    def put(self, key: tuple[str, ...], value: CachedResponse) -> None:
        if value.reply.body is not None and len(value.reply.body) > self._body_limit:
            return
        if len(self._items) >= self._limit:
            self._items.clear()
        self._items[key] = value

    def clear(self) -> None:
        self._items.clear()


class MaskRule(NamedTuple):
    members: frozenset[str]  # members to hide
    nested: str | None  # schema URI of a complex type to descend into


class EnumMasks:
    """Which properties of which types carry evolvable members, computed once per type."""

    def __init__(self, schemas: Mapping[str, JSONObject]) -> None:
        self._schemas = schemas
        self._plans: dict[str, dict[str, MaskRule]] = {}

    def plan(self, uri: str) -> dict[str, MaskRule]:
        if uri not in self._plans:
            self._plans[uri] = {}  # guards recursive types while building
            self._plans[uri] = self._build(uri)
        return self._plans[uri]

    def _build(self, uri: str) -> dict[str, MaskRule]:
        schema = self._schemas.get(uri, {})
        plan: dict[str, MaskRule] = {}
        properties = schema.get("properties", {})
        named = graph_block(schema).get("evolvableProperties")  # the compiler's list, where it made one
        for name in named if named is not None else list(properties):
            prop = properties.get(name, {})
            target = schema_walk.element(prop)
            ref = target.get("$ref")
            resolved = schema_walk.deref(target, self._schemas.get)
            index = graph_block(resolved).get("unknownFutureValueIndex")
            if index is not None and index + 1 < len(resolved["enum"]):
                plan[name] = MaskRule(frozenset(resolved["enum"][index + 1 :]), None)
            elif isinstance(ref, str) and "properties" in resolved and self.plan(ref):
                plan[name] = MaskRule(frozenset(), ref)
        return plan

    def apply(self, uri: str, obj: JSONObject) -> JSONObject:
        """`obj` with evolvable members masked; a new dict only where something changed (copy-on-write), so
        stored objects can be serialized without copying them first."""
        out = obj
        for name, rule in self.plan(uri).items():
            value = obj.get(name)
            if value is None:
                continue
            masked = self._masked(value, rule)
            if masked is not value:
                if out is obj:
                    out = dict(obj)
                out[name] = masked
        return out

    def _masked(self, value: Any, rule: MaskRule) -> Any:
        if isinstance(value, list):
            items = [self._masked(v, rule) for v in value]
            return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
        if rule.nested and isinstance(value, dict):
            return self.apply(rule.nested, value)
        return UNKNOWN_FUTURE_VALUE if isinstance(value, str) and value in rule.members else value
