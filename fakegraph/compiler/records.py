"""Frozen records that the compiler passes between parse, resolve and emit."""

from __future__ import annotations

from dataclasses import dataclass, field

from fakegraph.artifacts.contract import JSONObject


@dataclass(frozen=True)
class Warning:
    """A defect the compiler worked around: reported with file and line, never served silently."""

    kind: str
    file: str
    line: int
    message: str

    def as_json(self) -> JSONObject:
        return {"file": self.file, "kind": self.kind, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class PropertyDoc:
    """A row of a Properties, Relationships, request body or parameters table."""

    name: str
    type_text: str
    description: str
    line: int
    navigation: bool = False


@dataclass(frozen=True)
class EnumDoc:
    name: str  # qualified, e.g. microsoft.graph.featureType
    members: tuple[str, ...]
    file: str
    line: int


@dataclass(frozen=True)
class ResourceDoc:
    """A resource (type) page."""

    file: str
    version: str
    namespace: str
    name: str  # simple name, e.g. credentialUsageSummary
    properties: tuple[PropertyDoc, ...]
    key_property: str | None = None
    base_type: str | None = None
    open_type: bool = False
    is_complex: bool = False
    line: int = 1
    json_block: JSONObject | None = None  # the page's "JSON representation", when it parses
    json_line: int = 0

    @property
    def qualified(self) -> str:
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True)
class ExampleDoc:
    """One documented request/response pair (either side may be missing)."""

    name: str
    line: int
    method: str | None = None
    url: str | None = None
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: str | None = None
    request_line: int = 0
    status: int | None = None
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: str | None = None
    response_line: int = 0
    response_annotation: JSONObject = field(default_factory=dict)


@dataclass(frozen=True)
class FilterDoc:
    """A filterable property from the optional query parameters table."""

    name: str
    operators: tuple[str, ...]
    case_insensitive: bool
    sortable: bool
    line: int


@dataclass(frozen=True)
class ParameterDoc:
    name: str
    type_text: str
    description: str
    allowed: tuple[str, ...]
    case_insensitive: bool
    line: int


@dataclass(frozen=True)
class OperationDoc:
    """An API page."""

    file: str
    version: str
    version_known: bool
    namespace: str
    title: str
    method: str | None
    paths: tuple[tuple[str, int], ...]  # (path template, line)
    line: int
    parameters: tuple[ParameterDoc, ...] = ()
    filters: tuple[FilterDoc, ...] = ()
    query_options: tuple[str, ...] = ()
    permissions: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    request_headers: tuple[tuple[str, str], ...] = ()
    body_properties: tuple[PropertyDoc, ...] = ()
    has_body_section: bool = False
    success_status: int | None = None
    response_links: tuple[str, ...] = ()  # link targets (file stems) named in the Response section
    response_is_collection: bool = False
    examples: tuple[ExampleDoc, ...] = ()
    unresolved_paths: tuple[tuple[str, int], ...] = ()  # "** Collection URI ... not found" lines
