"""Graph/EDM type text from doc tables → type references → JSON Schema (Draft 2020-12) fragments."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fakegraph.artifacts.contract import JSONObject

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
DURATION_PATTERN = (
    r"^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)
GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,12})?)?$"
BASE64_PATTERN = r"^[A-Za-z0-9+/\-_]*={0,2}$"


def _integer(bounds: tuple[int, int], fmt: str) -> JSONObject:
    return {"format": fmt, "maximum": bounds[1], "minimum": bounds[0], "type": "integer"}


PRIMITIVES: dict[str, JSONObject] = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "int32": _integer(INT32, "int32"),
    "int64": _integer(INT64, "int64"),
    "int16": _integer((-(2**15), 2**15 - 1), "int16"),
    "byte": _integer((0, 255), "uint8"),
    "sbyte": _integer((-128, 127), "int8"),
    "double": {"format": "double", "type": "number"},
    "single": {"format": "float", "type": "number"},
    "decimal": {"format": "decimal", "type": "number"},
    "datetimeoffset": {"format": "date-time", "type": "string"},
    "date": {"format": "date", "type": "string"},
    "timeofday": {"pattern": TIME_PATTERN, "type": "string"},
    "duration": {"pattern": DURATION_PATTERN, "type": "string"},
    "guid": {"pattern": GUID_PATTERN, "type": "string"},
    "binary": {"contentEncoding": "base64", "pattern": BASE64_PATTERN, "type": "string"},
    # An Edm.Stream property (driveItem's `content`): its bytes are read and written at its own path.
    "stream": {"contentMediaType": "application/octet-stream", "type": "string"},
    "json": {},
    "untyped": {},
}
ALIASES = {
    "int": "int32",
    "integer": "int32",
    "long": "int64",
    "bool": "boolean",
    "float": "single",
    "number": "double",
    "datetime": "datetimeoffset",
    "timestamp": "datetimeoffset",
    "time": "timeofday",
    "uuid": "guid",
    "str": "string",
    "object": "json",
    "any": "json",
    "geocoordinates": "json",
}
UNNAMED_ENUM = frozenset({"enumeration", "enum"})
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_COLLECTION_OF = re.compile(r"^collection\s*\(\s*(.+?)\s*\)$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


@dataclass(frozen=True)
class TypeRef:
    """A parsed type: `primitive` (key of PRIMITIVES), `enum` (unnamed, members from the text),
    `named` (a complex, entity or enum type to resolve), or `unknown`."""

    kind: str
    name: str
    collection: bool = False
    link: str = ""  # file stem of the page the docs link to, a resolution hint


def parse_type(text: str) -> TypeRef:
    """Parse type text such as `Int64`, `Collection(microsoft.graph.x)` or `[x](x.md) collection`."""
    raw = text.strip()
    link = ""
    match = _LINK.search(raw)
    if match:
        link = match.group(2).rsplit("/", 1)[-1].split("#", 1)[0].removesuffix(".md").lower()
        raw = _LINK.sub(r"\1", raw)
    raw = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", raw)  # reference-style links: [type][ref]
    raw = re.sub(r"[`*\[\]]", "", raw).strip()
    collection = False
    inner = _COLLECTION_OF.match(raw)
    if inner:
        raw, collection = inner.group(1), True
    words = raw.split()
    if len(words) >= 2 and words[-1].lower() in {"collection", "array", "list"}:
        raw, collection = " ".join(words[:-1]), True
    elif len(words) >= 3 and " ".join(words[-2:]).lower() == "collection of":
        raw, collection = " ".join(words[:-2]), True
    raw = raw.strip().rstrip(".")
    if raw.endswith("[]"):
        raw, collection = raw[:-2], True
    return TypeRef(*_classify(raw), collection=collection, link=link)


def _classify(raw: str) -> tuple[str, str]:
    low = raw.lower()
    for prefix in ("edm.", "microsoft.graph.edm."):
        low = low.removeprefix(prefix)
    low = ALIASES.get(low, low)
    if low in PRIMITIVES:
        return "primitive", low
    if low in UNNAMED_ENUM:
        return "enum", ""
    if _NAME.match(raw):
        return "named", raw
    return "unknown", raw


def type_schema(ref: TypeRef, resolve: Callable[[TypeRef], JSONObject], *, nullable: bool) -> JSONObject:
    """JSON Schema for one property; `resolve` turns named/enum refs into a fragment (usually a $ref)."""
    base = dict(PRIMITIVES[ref.name]) if ref.kind == "primitive" else resolve(ref)
    if ref.collection:
        return {"items": base, "type": ["array", "null"] if nullable else "array"}
    return _nullable(base) if nullable else base


def _nullable(schema: JSONObject) -> JSONObject:
    if not schema:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str) and "enum" not in schema:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}
