"""A `$metadata` document as a CSDL reader sees it (odatapy, an OData 4.0/4.01 library that reads CSDL XML):
what in it refers to nothing, and what an `@odata.context` URL names in it.

The context grammar is OData's (Part 1, Context URL): `Collection(type)`, a type name, `$ref`, or a path
from an entity set or singleton through navigation and structural properties and type casts, keys in
parentheses (or as segments, as Graph accepts them), then an optional `$select` list and `/$entity`.
"""

from __future__ import annotations

import re
from typing import Any

from odatapy.edm.model import Edm, EdmComplexType, EdmEntityType, EdmStructuredType
from odatapy.edm.names import FullQualifiedName
from odatapy.edm.xml_io import XmlEdmProvider


class Unresolved(Exception):
    """An `@odata.context` that names nothing in the document (the message says which part)."""


def read(document: bytes) -> Edm:
    return Edm(XmlEdmProvider(document))


def entity_type(edm: Edm, qualified: str) -> EdmEntityType | None:
    return edm.get_entity_type(FullQualifiedName.parse(qualified))


def holds(edm: Edm, named: str, odata_type: str) -> bool:
    """Whether an object of `odata_type` (`#microsoft.graph.user`) may stand where a context names `named`
    (a type or `Collection(type)`): the same type or one deriving from it."""
    base = named.removeprefix("Collection(").removesuffix(")")
    name = odata_type.removeprefix("#")
    if name == base:
        return True
    if not _known(edm, name) or not _known(edm, base):
        return False
    kind = edm.resolve_type(name)
    return isinstance(kind, EdmStructuredType) and kind.is_derived_from(edm.resolve_type(base))


def _types(edm: Edm) -> list[tuple[str, Any]]:
    out = []
    for schema in edm.schemas:
        for csdl in [*schema.entity_types, *schema.complex_types]:
            out.append((f"{schema.namespace}.{csdl.name}", csdl))
    return out


def dangling(edm: Edm) -> list[str]:
    """Every reference the reader cannot resolve: base types, property, navigation, parameter and return
    types, keys, entity set and singleton types, navigation bindings and operation imports."""
    return [*_dangling_types(edm), *_dangling_operations(edm), *_dangling_container(edm)]


def _check(edm: Edm, where: str, type_ref: str | None) -> list[str]:
    if not type_ref or _known(edm, type_ref):
        return []
    return [f"{where}: {type_ref} names no type"]


def _dangling_types(edm: Edm) -> list[str]:
    found: list[str] = []
    for name, csdl in _types(edm):
        found += _check(edm, f"{name} base", csdl.base_type)
        for prop in csdl.properties:
            found += _check(edm, f"{name}/{prop.name}", prop.type)
        for navigation in csdl.navigation_properties:
            target = navigation.type.removeprefix("Collection(").removesuffix(")")
            if not _known(edm, target) or not isinstance(edm.resolve_type(target), EdmEntityType):
                found.append(f"{name}/{navigation.name}: {target} is no entity type")
        structured = edm.resolve_type(name)
        if not isinstance(structured, EdmEntityType):
            continue
        for key in getattr(csdl, "key", None) or []:
            if structured.get_structural_property(key.name) is None:
                found.append(f"{name}: key {key.name} is no property")
        if not structured.key_predicate_names:
            found.append(f"{name}: an entity type without a key")
    return found


def _dangling_operations(edm: Edm) -> list[str]:
    found: list[str] = []
    for schema in edm.schemas:
        for operation in [*schema.functions, *schema.actions]:
            where = f"{schema.namespace}.{operation.name}"
            for parameter in operation.parameters:
                found += _check(edm, f"{where}({parameter.name})", parameter.type)
            if operation.return_type is not None:
                found += _check(edm, f"{where} returns", operation.return_type.type)
    return found


def _dangling_container(edm: Edm) -> list[str]:
    container = edm.entity_container
    if container is None:
        return ["no entity container"]
    found: list[str] = []
    for source in [*container.entity_sets, *container.singletons]:
        try:
            entity = source.entity_type
        except (KeyError, ValueError) as exc:
            found.append(f"{source.name}: {exc}")
            continue
        for binding in source.navigation_property_bindings:
            if entity.get_navigation_property(binding.path) is None:
                found.append(f"{source.name}: binding of {binding.path}, which {entity} does not declare")
            if container.get_entity_set(binding.target) is None:
                found.append(f"{source.name}: binding to {binding.target}, which is no entity set")
    for imported in [*container.function_imports, *container.action_imports]:
        qualified = str(getattr(imported, "function", None) or getattr(imported, "action", None))
        namespace, _, simple = qualified.rpartition(".")
        schema = next((s for s in edm.schemas if namespace in {s.namespace, s.alias}), None)
        declared = [*schema.functions, *schema.actions] if schema is not None else []
        if not any(o.name == simple for o in declared):
            found.append(f"import {imported.name}: {qualified} is not declared")
    return found


def _known(edm: Edm, type_ref: str) -> bool:
    try:
        edm.resolve_type(type_ref)
    except (KeyError, ValueError):
        return False
    return True


# --- @odata.context -----------------------------------------------------------------------------------------

_COLLECTION = re.compile(r"^Collection\((.+)\)$")
_SELECT_ITEM = re.compile(r"^(\*|[A-Za-z_][\w.]*(/[A-Za-z_][\w.*]*)*(\(.*\))?)$")
_SUFFIXES = ("/$entity", "/$delta", "/$deletedEntity", "/$link", "/$deletedLink")


def _split_top(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside parentheses and quotes."""
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _call(segment: str) -> tuple[str, str | None]:
    """`name(args)` → (name, args); `name` → (name, None)."""
    if segment.endswith(")") and "(" in segment:
        name, _, rest = segment.partition("(")
        return name, rest[:-1]
    return segment, None


def _select_list(args: str) -> list[str] | None:
    """The items of a `$select` list, or None when `args` reads as a key (quoted, a number, a GUID)."""
    items = [i.strip() for i in _split_top(args, ",")]
    if all(_SELECT_ITEM.match(i) for i in items):
        return items
    return None


class _Cursor:
    def __init__(self, edm: Edm, kind: Any, collection: bool, name: str) -> None:
        self.edm = edm
        self.kind = kind  # an EdmType
        self.collection = collection
        self.name = name


def resolve(edm: Edm, context: str) -> str:
    """What an `@odata.context` names in the document: `Collection(T)`, `T` or `$ref`; Unresolved names
    the part that names nothing."""
    fragment = context.partition("#")[2]
    if not fragment:
        raise Unresolved(f"{context}: no fragment after #")
    if fragment in {"$ref", "Collection($ref)", "$delta"}:
        return fragment
    whole = _COLLECTION.match(fragment)
    if whole:
        return f"Collection({_type_name(edm, whole.group(1))})"
    suffix = next((s for s in _SUFFIXES if fragment.endswith(s)), "")
    fragment = fragment.removesuffix(suffix)
    segments = _split_top(fragment, "/")
    if len(segments) == 1 and "." in _call(segments[0])[0] and _known(edm, _call(segments[0])[0]):
        name, args = _call(segments[0])
        kind = edm.resolve_type(name)
        _check_select(kind, _select_list(args) if args else None, context)
        return str(kind)
    cursor = _root(edm, segments[0], context)
    selected: list[str] | None = None
    for index, segment in enumerate(segments[1:], start=1):
        last = index == len(segments) - 1
        selected = _step(cursor, segment, context, last)
    if len(segments) == 1:
        selected = _root_select(segments[0])
    _check_select(cursor.kind, selected, context)
    if suffix == "/$entity":
        if not isinstance(cursor.kind, EdmEntityType):
            raise Unresolved(f"{context}: /$entity after {cursor.kind}, which is no entity type")
        return str(cursor.kind)
    return f"Collection({cursor.kind})" if cursor.collection else str(cursor.kind)


def _type_name(edm: Edm, name: str) -> str:
    if name == "$ref":
        return name
    if not _known(edm, name):
        raise Unresolved(f"{name}: no such type")
    return str(edm.resolve_type(name))


def _root(edm: Edm, segment: str, context: str) -> _Cursor:
    name, args = _call(segment)
    container = edm.entity_container
    if container is not None and not any(
        n == name for n in [*(e.name for e in container.entity_sets), *(s.name for s in container.singletons)]
    ):  # Graph reads paths in any case
        spelled = [*(e.name for e in container.entity_sets), *(s.name for s in container.singletons)]
        name = next((n for n in spelled if n.lower() == name.lower()), name)
    entity_set = container.get_entity_set(name) if container else None
    if entity_set is not None:
        keyed = args is not None and _select_list(args) is None
        return _Cursor(edm, entity_set.entity_type, not keyed, name)
    singleton = container.get_singleton(name) if container else None
    if singleton is not None:
        return _Cursor(edm, singleton.entity_type, False, name)
    raise Unresolved(f"{context}: '{name}' is no entity set or singleton")


def _root_select(segment: str) -> list[str] | None:
    _, args = _call(segment)
    return _select_list(args) if args is not None else None


def _step(cursor: _Cursor, segment: str, context: str, last: bool) -> list[str] | None:
    """Moves the cursor along one segment; returns the segment's `$select` list (the last segment's)."""
    name, args = _call(segment)
    selected = _select_list(args) if args is not None and last else None
    keyed = args is not None and selected is None
    kind = cursor.kind
    if "." in name and _known(cursor.edm, name):  # a type cast
        cast = cursor.edm.resolve_type(name)
        if not isinstance(cast, EdmStructuredType) or not cast.is_derived_from(kind):
            raise Unresolved(f"{context}: cast to {name}, which does not derive from {kind}")
        cursor.kind = cast
        return selected
    if not isinstance(kind, EdmStructuredType):
        raise Unresolved(f"{context}: '{name}' below {kind}, which has no properties")
    navigation = _property(kind, name, navigation=True)
    prop = _property(kind, name, navigation=False) if navigation is None else None
    if navigation is None and prop is None:
        returns = _bound_function(cursor, name) if args is not None else None
        if returns is not None:  # a function call (`range(address='A1')/rows`)
            cursor.kind, cursor.collection = returns
            return None
        if cursor.collection and args is None:  # a key written as a segment (`classes/{id}`)
            cursor.collection = False
            return None
        raise Unresolved(f"{context}: '{name}' is no property of {kind}")
    if cursor.collection:
        raise Unresolved(f"{context}: '{name}' follows a collection without a key")
    if navigation is not None:
        cursor.kind = navigation.type
        cursor.collection = navigation.is_collection
    else:
        assert prop is not None
        cursor.kind = prop.type
        cursor.collection = prop.is_collection
    if keyed:
        if not cursor.collection:
            raise Unresolved(f"{context}: a key after '{name}', which is no collection")
        cursor.collection = False
    cursor.name = name
    return selected


def _property(kind: Any, name: str, *, navigation: bool) -> Any:
    """A navigation (or structural) property of a type, by name; in any case where no property has the
    exact name, as Graph reads paths."""
    get = kind.get_navigation_property if navigation else kind.get_structural_property
    names = kind.navigation_property_names if navigation else kind.property_names
    found = get(name)
    if found is None:
        spelled = next((n for n in names if n.lower() == name.lower()), None)
        found = get(spelled) if spelled is not None else None
    return found


def _bound_function(cursor: _Cursor, name: str) -> tuple[Any, bool] | None:
    """The return type (and whether it is a collection) of a function named `name` bound to the cursor's
    type (or a type it derives from)."""
    simple = name.rpartition(".")[2]
    for schema in cursor.edm.schemas:
        for function in schema.functions:
            if function.name != simple or not function.is_bound or not function.parameters:
                continue
            bound = function.parameters[0]
            bound_collection = bool(getattr(bound, "collection", False)) or bound.type.startswith(
                "Collection("
            )
            binding = cursor.edm.resolve_type(bound.type)
            kind = cursor.kind
            derived = isinstance(kind, EdmStructuredType) and kind.is_derived_from(binding)
            if (
                (kind == binding or derived)
                and bound_collection == cursor.collection
                and function.return_type
            ):
                returned = function.return_type
                collection = bool(getattr(returned, "collection", False)) or returned.type.startswith(
                    "Collection("
                )
                return cursor.edm.resolve_type(returned.type), collection
    return None


def _check_select(kind: Any, selected: list[str] | None, context: str) -> None:
    if selected is None or not isinstance(kind, (EdmEntityType, EdmComplexType)):
        return
    for item in selected:
        head = _call(item.split("/", 1)[0])[0]
        if head == "*" or "." in head:
            continue
        if _property(kind, head, navigation=False) is None and _property(kind, head, navigation=True) is None:
            raise Unresolved(f"{context}: selects '{head}', which is no property of {kind}")
