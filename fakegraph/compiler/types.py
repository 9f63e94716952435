"""Resolve resource pages and enum sections into one JSON Schema per Graph type and API version."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, GraphBlock, JSONObject, schema_uri
from fakegraph.artifacts.namespaces import make_alias
from fakegraph.compiler.records import EnumDoc, PropertyDoc, ResourceDoc, Warning
from fakegraph.compiler.typemap import TypeRef, parse_type, type_schema

ENTITY = "microsoft.graph.entity"
_POSSIBLE = re.compile(r"possible values?\s*(?:are|is|include)?\s*:?(.*)", re.IGNORECASE | re.DOTALL)
_TICKED = re.compile(r"`([^`]+)`")
_MEMBER = re.compile(r"^[A-Za-z_]\w*$")
_READ_ONLY = re.compile(r"read[- ]?only", re.IGNORECASE)
_NOT_NULLABLE = re.compile(r"\bnot nullable\b|\bnon-nullable\b", re.IGNORECASE)


@dataclass
class Overrides:
    """The hand-written facts (fixtures/overrides.json) the compiler reads besides the pages."""

    namespace_aliases: dict[str, str] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    property_types: dict[str, dict[str, str]] = field(default_factory=dict)
    routes: list[JSONObject] = field(default_factory=list)
    query_capabilities: dict[str, JSONObject] = field(default_factory=dict)
    # type → {draft name a page uses: the published property it stands for}
    property_aliases: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: JSONObject) -> Overrides:
        return cls(
            namespace_aliases=dict(data.get("namespaceAliases", {})),
            enums={k: list(v) for k, v in data.get("enums", {}).items()},
            property_types={k: dict(v) for k, v in data.get("propertyTypes", {}).items()},
            routes=list(data.get("routes", [])),
            query_capabilities=dict(data.get("queryCapabilities", {})),
            property_aliases={k: dict(v) for k, v in data.get("propertyAliases", {}).items()},
        )

    def alias(self, qualified: str) -> str:
        """The real name of a type whose namespace may be an alias."""
        return make_alias(self.namespace_aliases)(qualified)


def possible_values(description: str) -> list[str]:
    match = _POSSIBLE.search(description)
    if not match:
        return []
    return list(dict.fromkeys(v.strip() for v in _TICKED.findall(match.group(1)) if _MEMBER.match(v.strip())))


@dataclass
class TypeIndex:
    """The types known in one API version: resolution of names met in tables, and the emitted schemas."""

    version: str
    overrides: Overrides
    resources: dict[str, ResourceDoc] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    enum_sources: dict[str, tuple[str, int]] = field(default_factory=dict)
    by_stem: dict[str, str] = field(default_factory=dict)
    by_simple: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[Warning] = field(default_factory=list)
    derived: dict[str, list[str]] = field(default_factory=dict)  # type → every type deriving from it
    learned: dict[str, JSONObject] = field(default_factory=dict)  # type → properties only examples show
    addressed: set[str] = field(default_factory=set)  # types documented requests address by a key

    def type_uri(self, name: str) -> str | None:
        """Schema URI of a resource type named in an example (`@odata.type`), if known."""
        found = self.qualify(name, "microsoft.graph")
        return schema_uri(self.version, found) if found in self.resources else None

    def qualify(self, name: str, namespace: str, link: str = "") -> str | None:
        """The qualified name of a known type named `name` on a page of `namespace`."""
        if "." in name:
            real = self.overrides.alias(name.lstrip("#"))
            return self._known(real) or self._known_ci(real)
        for candidate in (f"{namespace}.{name}", f"microsoft.graph.{name}"):
            if self._known(candidate):
                return candidate
        if link and link in self.by_stem:
            return self.by_stem[link]
        matches = self.by_simple.get(name.lower(), [])
        return matches[0] if len(matches) == 1 else (self._known_ci(f"{namespace}.{name}"))

    def _known(self, qualified: str) -> str | None:
        return qualified if qualified in self.resources or qualified in self.enums else None

    def _known_ci(self, qualified: str) -> str | None:
        low = qualified.lower()
        for name in (*self.resources, *self.enums):
            if name.lower() == low:
                return name
        return None

    def add_resource(self, doc: ResourceDoc) -> None:
        qualified = self.overrides.alias(doc.qualified)
        if qualified in self.resources:
            # Some areas (Intune) document one type across several pages, each with part of its properties.
            first = self.resources[qualified]
            names = {p.name for p in first.properties}
            extra = tuple(p for p in doc.properties if p.name not in names)
            self.warnings.append(
                Warning(
                    "duplicate-type", doc.file, doc.line, f"{qualified} also defined in {first.file}; merged"
                )
            )
            self.resources[qualified] = replace(
                first,
                properties=first.properties + extra,
                key_property=first.key_property or doc.key_property,
                base_type=first.base_type or doc.base_type,
                open_type=first.open_type or doc.open_type,
            )
            return
        self.resources[qualified] = doc
        stem = doc.file.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        self.by_stem.setdefault(stem, qualified)
        self.by_simple.setdefault(doc.name.lower(), []).append(qualified)

    def add_enum(self, name: str, members: Iterable[str], file: str, line: int) -> None:
        qualified = self.overrides.alias(name)
        new = list(members)
        if qualified not in self.enums:
            self.enums[qualified] = new
            self.enum_sources[qualified] = (file, line)
            self.by_simple.setdefault(qualified.rsplit(".", 1)[-1].lower(), []).append(qualified)
            return
        known = self.enums[qualified]
        extra = [m for m in new if m not in known]
        if extra:
            self.warnings.append(
                Warning(
                    "enum-conflict", file, line, f"{qualified}: members {extra} not in the earlier definition"
                )
            )
            known.extend(extra)


def build_index(
    version: str, resources: list[ResourceDoc], enums: list[EnumDoc], overrides: Overrides
) -> TypeIndex:
    index = TypeIndex(version, overrides)
    for doc in sorted(resources, key=lambda d: d.file):
        index.add_resource(reconcile(doc, index.warnings))
    for enum in sorted(enums, key=lambda e: (e.file, e.line)):
        index.add_enum(enum.name, enum.members, enum.file, enum.line)
    for doc in sorted(resources, key=lambda d: d.file):
        _inline_enums(index, doc)
    for name, members in sorted(overrides.enums.items()):
        _override_enum(index, name, members)
    _derive(index)
    return index


def _derive(index: TypeIndex) -> None:
    for name, doc in index.resources.items():
        seen: set[str] = {name}
        base = index.qualify(doc.base_type, doc.namespace) if doc.base_type else None
        while base and base not in seen and base in index.resources:
            seen.add(base)
            index.derived.setdefault(base, []).append(name)
            parent = index.resources[base]
            base = index.qualify(parent.base_type, parent.namespace) if parent.base_type else None
    for names in index.derived.values():
        names.sort()


def reconcile(doc: ResourceDoc, warnings: list[Warning]) -> ResourceDoc:
    """Check the Properties table against the page's JSON representation: a property the block shows as a
    JSON boolean is Boolean whatever the table says, and one the block alone shows is added."""
    block = doc.json_block
    if not block:
        return doc
    properties = []
    for prop in doc.properties:
        sample = block.get(prop.name)
        ref = parse_type(prop.type_text)
        if (
            isinstance(sample, bool)
            and ref.kind == "primitive"
            and ref.name == "string"
            and not ref.collection
        ):
            warnings.append(
                Warning(
                    "type-conflict",
                    doc.file,
                    prop.line,
                    f"{prop.name}: table says String, JSON shows Boolean",
                )
            )
            properties.append(replace(prop, type_text="Boolean"))
        else:
            properties.append(prop)
    names = {p.name for p in properties}
    for key, sample in block.items():
        type_text = _type_of_sample(sample)
        if "@" in key or key in names or type_text is None:
            continue
        warnings.append(
            Warning(
                "undocumented-property", doc.file, doc.json_line, f"{key} is only in the JSON representation"
            )
        )
        properties.append(PropertyDoc(key, type_text, "", doc.json_line))
    return replace(doc, properties=tuple(properties))


def _type_of_sample(sample: Any) -> str | None:
    """Type text for a value of a JSON representation block ("Int64" placeholders name their type)."""
    if isinstance(sample, bool):
        return "Boolean"
    if isinstance(sample, int):
        return "Int32"
    if isinstance(sample, float):
        return "Double"
    if isinstance(sample, str):
        word = sample.split("(")[0].strip()
        ref = parse_type(word)
        if "timestamp" in sample.lower():
            return "DateTimeOffset"
        return word if ref.kind == "primitive" else "String"
    if isinstance(sample, dict) and isinstance(sample.get("@odata.type"), str):
        return str(sample["@odata.type"]).lstrip("#")
    if isinstance(sample, list) and sample:
        inner = _type_of_sample(sample[0])
        return f"Collection({inner})" if inner else None
    return None


def _inline_enums(index: TypeIndex, doc: ResourceDoc) -> None:
    """Enum types known only from a property's "Possible values are: ..." list."""
    namespace = index.overrides.alias(doc.qualified).rsplit(".", 1)[0]
    for prop in doc.properties:
        ref = parse_type(prop.type_text)
        if ref.kind != "named" or index.qualify(ref.name, namespace, ref.link) in index.resources:
            continue
        members = possible_values(prop.description)
        if members:
            name = ref.name if "." in ref.name else f"{namespace}.{ref.name}"
            index.add_enum(name, members, doc.file, prop.line)


def _override_enum(index: TypeIndex, name: str, members: list[str]) -> None:
    known = index.enums.get(name)
    if known is None:
        index.enums[name] = list(members)
        index.enum_sources[name] = ("overrides", 0)
        index.by_simple.setdefault(name.rsplit(".", 1)[-1].lower(), []).append(name)
        return
    extra = [m for m in known if m not in members]
    index.enums[name] = list(members) + extra


@dataclass(frozen=True)
class PropertyContext:
    """Where a property table row sits, for resolving its type and reporting problems."""

    namespace: str
    file: str
    owner: str  # qualified type or operation name


def property_schema(
    index: TypeIndex, prop: PropertyDoc, ctx: PropertyContext, *, key: bool = False
) -> JSONObject:
    """JSON Schema of one property table row."""
    override = index.overrides.property_types.get(ctx.owner, {}).get(prop.name)
    ref = parse_type(override) if override else parse_type(prop.type_text)
    if ref.kind == "unknown":
        index.warnings.append(
            Warning("unknown-type", ctx.file, prop.line, f"{prop.name}: type {prop.type_text!r}")
        )
    nullable = not key and not _NOT_NULLABLE.search(prop.description)
    schema = type_schema(ref, lambda r: _resolve(index, r, prop, ctx), nullable=nullable)
    hints = possible_values(prop.description)
    if ref.kind == "primitive" and ref.name == "string" and hints:
        schema = {**schema, "examples": hints}
    if key or _READ_ONLY.search(prop.description):
        schema = {**schema, "readOnly": True}
    return schema


def _resolve(index: TypeIndex, ref: TypeRef, prop: PropertyDoc, ctx: PropertyContext) -> JSONObject:
    if ref.kind == "enum":
        members = possible_values(prop.description)
        if members:
            return {"enum": members, "type": "string"}
        index.warnings.append(
            Warning("unknown-type", ctx.file, prop.line, f"{prop.name}: enumeration without members")
        )
        return {"type": "string"}
    qualified = index.qualify(ref.name, ctx.namespace, ref.link) if ref.kind == "named" else None
    if qualified is None:
        if ref.kind == "named":
            index.warnings.append(
                Warning("unresolved-type", ctx.file, prop.line, f"{prop.name}: no page defines {ref.name!r}")
            )
        return {"$comment": f"unresolved type {ref.name}"}
    return {"$ref": schema_uri(index.version, qualified)}


def flattened_properties(index: TypeIndex, qualified: str) -> list[tuple[PropertyDoc, ResourceDoc]]:
    """Own properties after those inherited from base types (entity's `id` included)."""
    chain: list[ResourceDoc] = []
    seen: set[str] = set()
    current: str | None = qualified
    while current and current not in seen and current in index.resources:
        seen.add(current)
        doc = index.resources[current]
        chain.append(doc)
        current = index.qualify(doc.base_type, doc.namespace) if doc.base_type else None
    out: dict[str, tuple[PropertyDoc, ResourceDoc]] = {}
    for doc in reversed(chain):
        for prop in doc.properties:
            out[prop.name] = (prop, doc)
    return list(out.values())


def resource_schema(index: TypeIndex, qualified: str) -> JSONObject:
    doc = index.resources[qualified]
    flat = flattened_properties(index, qualified)
    key = doc.key_property or ("id" if any(p.name == "id" for p, _ in flat) and not doc.is_complex else None)
    if key is None and _derives_from_entity(index, qualified):
        key = "id"
    if key is None and qualified in index.addressed:  # `GET /things/{id}` reads one: an entity in practice
        key = "id"
    properties: JSONObject = {}
    navigation = []
    for prop, owner in flat:
        ctx = PropertyContext(owner.namespace, owner.file, index.overrides.alias(owner.qualified))
        properties[prop.name] = property_schema(index, prop, ctx, key=prop.name == key)
        if prop.navigation:
            navigation.append(prop.name)
    if key and key not in properties:
        properties[key] = {"readOnly": True, "type": "string"}
    aliases = property_aliases(index, qualified, properties)
    learned = {k: v for k, v in index.learned.get(qualified, {}).items() if k not in aliases}
    for name, prop_schema in learned.items():
        properties.setdefault(name, prop_schema)
    graph: GraphBlock = {"kind": "complexType" if key is None else "entityType", "source": doc.file}
    if aliases:
        graph["propertyAliases"] = aliases
    if key:
        graph["key"] = key
    if doc.base_type:
        graph["baseType"] = index.overrides.alias(doc.base_type)
    if navigation:
        graph["navigationProperties"] = navigation
    if learned:
        graph["learnedProperties"] = sorted(learned)
    schema: JSONObject = {
        "$id": schema_uri(index.version, qualified),
        "patternProperties": {"@": {}},
        "properties": properties,
        "title": qualified,
        "type": "object",
        "x-graph": graph,
    }
    derived = index.derived.get(qualified, []) if qualified != ENTITY else []
    if derived:
        graph["derivedTypes"] = derived
    return close_object(schema, derived, index.version, open_type=doc.open_type)


def property_aliases(index: TypeIndex, qualified: str, properties: JSONObject) -> dict[str, str]:
    """Draft names (overrides) → the published property each stands for, for properties the type has."""
    wanted = index.overrides.property_aliases.get(qualified, {})
    return {draft: real for draft, real in sorted(wanted.items()) if real in properties}


def close_object(schema: JSONObject, derived: list[str], version: str, *, open_type: bool) -> JSONObject:
    """Forbid properties the type does not declare, unless `@odata.type` names a derived type: then the
    value is validated as that type instead."""
    if not derived:
        return {**schema, "additionalProperties": open_type}
    names = _type_names(derived)
    dispatch = [
        {
            "if": {"properties": {"@odata.type": {"enum": _type_names([d])}}},
            "then": {"$ref": schema_uri(version, d)},
        }
        for d in derived
    ]
    out = {
        **schema,
        "if": {"properties": {"@odata.type": {"enum": names}}, "required": ["@odata.type"]},
        "then": {"allOf": dispatch},
    }
    if not open_type:
        own = sorted(schema.get("properties", {}))
        out["else"] = {"propertyNames": {"anyOf": [{"enum": own}, {"pattern": "@"}]}}
    return out


def _type_names(qualified: list[str]) -> list[str]:
    return sorted(name for q in qualified for name in (q, "#" + q))


def _derives_from_entity(index: TypeIndex, qualified: str) -> bool:
    doc = index.resources.get(qualified)
    return bool(doc and doc.base_type and index.overrides.alias(doc.base_type) == ENTITY)


def enum_schema(index: TypeIndex, qualified: str) -> JSONObject:
    members = index.enums[qualified]
    graph: GraphBlock = {"kind": "enumType", "source": index.enum_sources[qualified][0]}
    if UNKNOWN_FUTURE_VALUE in members:
        # Members after the sentinel are evolvable: masked unless the client opts in (ARCHITECTURE A6).
        graph["unknownFutureValueIndex"] = members.index(UNKNOWN_FUTURE_VALUE)
    return {
        "$id": schema_uri(index.version, qualified),
        "enum": members,
        "title": qualified,
        "type": "string",
        "x-graph": graph,
    }


def all_schemas(index: TypeIndex) -> dict[str, JSONObject]:
    out = {name: resource_schema(index, name) for name in sorted(index.resources)}
    for name in sorted(index.enums):
        if name not in out:
            out[name] = enum_schema(index, name)
    return out
