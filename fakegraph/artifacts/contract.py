"""The compiler→server contract: what a pack's files hold, typed once for both sides.

A pack is `schemas/<version>/<qualified name>.json` (one JSON Schema per Graph type, with an `x-graph` block)
and `fixtures/<version>/operations.json` (the operation catalogue). The compiler builds these records and the
server reads them; mypy checks both against the declarations here, so a key misspelled on either side is a
type error rather than a silent `None`.

Fields marked NotRequired are optional in the files. The navigation, alternate-key and media fields are
declared for the resource model the engine grows into (ARCHITECTURE.md, the contract); a pack that does not
carry them is served as before.
"""

from __future__ import annotations

import re
from typing import Any, Literal, NotRequired, TypedDict, cast

JSONObject = dict[str, Any]
"""A JSON object as Python reads it: what bodies, schemas and stored objects are."""

VERSIONS: tuple[str, ...] = ("beta", "v1.0")
"""The API versions a pack may hold, in the order they are served."""

UNKNOWN_FUTURE_VALUE = "unknownFutureValue"
"""Graph's evolvable-enum sentinel: members declared after it are masked unless a client opts in."""

OperationKind = Literal["create", "list", "get", "update", "delete", "function", "action", "unknown"]
TypeKind = Literal["entityType", "complexType", "enumType"]


_URN_PREFIX = "urn:fakegraph:schemas:"


def schema_uri(version: str, qualified: str) -> str:
    """The `$id` of a type's schema: `urn:fakegraph:schemas:<version>:<namespace>.<Type>`."""
    return f"{_URN_PREFIX}{version}:{qualified}"


def template_shape(template: str) -> str:
    """A path template's shape: lower-cased, parameters unnamed (`/groups/{}/members`)."""
    return re.sub(r"\{[^}]*\}", "{}", template.lower())


def template_head(template: str) -> str:
    """The route group of a path template: its first segment's literal, lower-cased and without `()`, or ""
    when that segment is a key (`{id}`) or a call with parameters (`f(x={x})`), which match any text."""
    first = template.strip("/").split("/", 1)[0]
    if (first.startswith("{") and first.endswith("}")) or ("(" in first and "{" in first):
        return ""
    return first.lower().removesuffix("()")


def reference_navigation(template: str) -> str | None:
    """The navigation a `$ref` template works on (`/groups/{id}/members/$ref` and
    `/groups/{id}/members/{id}/$ref` both mean `/groups/{id}/members`), or None for another template."""
    parts = template.rstrip("/").split("/")
    if parts[-1] != "$ref":
        return None
    parts = parts[:-1]
    if parts and parts[-1].startswith("{"):
        parts = parts[:-1]
    return "/".join(parts)


def type_of_uri(uri: str) -> str | None:
    """The qualified type name a schema URI names, or None for any other reference."""
    if not uri.startswith(_URN_PREFIX):
        return None
    version, _, qualified = uri.removeprefix(_URN_PREFIX).partition(":")
    return qualified if version and qualified else None


# --- schemas/<version>/*.json: the x-graph block -------------------------------------------------------


class NavigationProperty(TypedDict):
    """A relationship below an item (D10): containment keeps the target objects under their parent, a
    reference holds links to objects of a top-level entity set."""

    target: str  # qualified type name
    collection: bool
    containsTarget: bool


class GraphBlock(TypedDict):
    """The `x-graph` block of a type's schema: facts about the type that JSON Schema cannot say."""

    kind: TypeKind
    source: str  # the page (relative to the compiled docs root) the type came from, or "overrides"
    key: NotRequired[str]  # entity types: the key property
    baseType: NotRequired[str]
    derivedTypes: NotRequired[list[str]]  # every type deriving from this one, for @odata.type dispatch
    navigationProperties: NotRequired[list[str]]  # relationship names (not stored as plain properties)
    navigation: NotRequired[dict[str, NavigationProperty]]  # the same, with targets and containment
    learnedProperties: NotRequired[list[str]]  # properties only the examples show
    propertyAliases: NotRequired[dict[str, str]]  # a page's draft name → the published property
    alternateKeys: NotRequired[list[list[str]]]  # e.g. [["userPrincipalName"]], [["appId"]]
    hasStream: NotRequired[bool]  # media entity: `$value` holds bytes
    etag: NotRequired[bool]  # the documented answers show an `@odata.etag` for objects of this type
    typed: NotRequired[bool]  # documented lists of this type show each item's `@odata.type`
    identified: NotRequired[bool]  # documented answers show an `@odata.id` for objects of this type
    evolvableProperties: NotRequired[list[str]]  # properties that may hold members a response masks
    unknownFutureValueIndex: NotRequired[int]  # enum types: the sentinel's position


class RequestBlock(TypedDict, total=False):
    """The `x-graph` block of an operation's request body schema."""

    propertyAliases: dict[str, str]


def graph_block(schema: JSONObject) -> GraphBlock:
    """A type schema's `x-graph` block (an empty one for schemas without it)."""
    return cast(GraphBlock, schema.get("x-graph", {}))


def request_block(schema: JSONObject) -> RequestBlock:
    """A request body schema's `x-graph` block (an empty one for schemas without it)."""
    return cast(RequestBlock, schema.get("x-graph", {}))


# --- fixtures/<version>/operations.json ------------------------------------------------------------------


class Parameter(TypedDict):
    """A function parameter: its declared type and the values the docs allow (empty: any)."""

    name: str
    type: str
    allowedValues: list[str]
    caseInsensitive: bool


class FilterRule(TypedDict):
    """What a page's filter table allows on one property."""

    caseInsensitive: bool
    operators: list[str]
    orderBy: bool


class Permissions(TypedDict, total=False):
    """The documented permission table: a row per permission type the page has (none without a table);
    None where the page says TODO (unknown, never a denial)."""

    application: list[str] | None
    delegatedPersonal: list[str] | None
    delegatedWork: list[str] | None


class SourceLine(TypedDict):
    file: str
    line: int


class QueryCapabilities(TypedDict, total=False):
    """Which system query options an operation takes (CSDL capability annotations, from the overrides)."""

    filter: bool
    select: bool
    orderby: bool
    top: bool
    skip: bool
    count: bool
    search: bool
    expand: bool
    apply: bool


class OperationEntry(TypedDict):
    """One documented operation (an api page) in the catalogue."""

    name: str
    kind: OperationKind
    method: str | None  # None: the page names no HTTP method (reported; not routed)
    paths: list[str]  # templates: `/users/{id}`, `/reports/f(period='{period}')`
    pathSources: list[str]  # per path: "page" or "override"
    entityType: str | None
    entitySchema: str | None  # schema_uri of entityType
    isCollection: bool
    successStatus: int
    permissions: Permissions
    parameters: list[Parameter]
    filterable: dict[str, FilterRule]
    queryOptions: list[str]
    queryCapabilities: QueryCapabilities | None
    requestHeaders: list[str]
    # A JSON Schema, with an optional RequestBlock as `x-graph`. In the file, a body that is exactly its
    # entity type's schema (less `$id`, `title` and `x-graph`) is written `{"$ref": entitySchema}`, which
    # validates the same; the reader (artifacts.catalogue) expands it: the server sees the full schema.
    requestBody: JSONObject | None
    examples: list[str]  # example fixture file names
    source: SourceLine
    title: str
    namespace: str


class OperationsFile(TypedDict):
    """`fixtures/<version>/operations.json`."""

    version: str
    operations: list[OperationEntry]


class RouteIndex(TypedDict):
    """`fixtures/<version>/routes.json`: where each entry of operations.json is, and the route groups
    (`template_head` of its paths) it belongs to, so that a server reads only the entries a request needs."""

    version: str
    size: int  # bytes of the operations.json the offsets point into (another size: the index is stale)
    offsets: dict[str, list[int]]  # operation name → [start, end) of its entry in operations.json
    heads: dict[str, list[str]]  # route group → the operations with a path in it, in file order
    entitySets: NotRequired[list[str]]  # the entity types a one-segment collection serves (`/users`)
