"""Doc page → page record: resource pages, API pages and enum sections.

Pure: `parse_page(text, file)` returns records plus the warnings met on the way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from fakegraph.artifacts.contract import VERSIONS, JSONObject
from fakegraph.compiler import http
from fakegraph.compiler.markdown import Document, Fence, Section, Table, parse_document, plain
from fakegraph.compiler.records import (
    EnumDoc,
    ExampleDoc,
    FilterDoc,
    OperationDoc,
    ParameterDoc,
    PropertyDoc,
    ResourceDoc,
    Warning,
)

DEFAULT_VERSION = "beta"
DEFAULT_NAMESPACE = "microsoft.graph"
_NAMESPACE = re.compile(r"^\s*Namespace:\s*([\w.]+)", re.MULTILINE)
_VERSION_IN_URL = re.compile(r"graph\.microsoft\.com/(beta|v1\.0)/", re.IGNORECASE)
_STATUS_IN_TEXT = re.compile(r"`?\b([1-5]\d\d)\s+(?:[A-Z][\w-]*)(?:\s+[A-Z][\w-]*)*`?")
_LINK_STEM = re.compile(r"\]\(([^)#\s]+?)\.md")
_QUERY_OPTION = re.compile(r"\$([a-zA-Z]+)")
_OPERATOR_TOKEN = re.compile(r"`([^`]+)`")
_CASE_INSENSITIVE = re.compile(r"case[- ]?insensitive", re.IGNORECASE)
_ENUM_SECTION = re.compile(r"^([A-Za-z][\w.]*)\s+values?$", re.IGNORECASE)
FILTER_OPERATORS = frozenset(
    "eq ne gt ge lt le in has and or not startswith endswith contains any all".split()  # noqa: SIM905
)


@dataclass
class ParsedPage:
    version: str = DEFAULT_VERSION
    resources: list[ResourceDoc] = field(default_factory=list)
    operations: list[OperationDoc] = field(default_factory=list)
    enums: list[EnumDoc] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)


def parse_page(text: str, file: str) -> ParsedPage:
    """Parse one page; `file` is the path reported in warnings (and decides the API version)."""
    doc = parse_document(text)
    namespace = _namespace(doc)
    version, known = _version(doc, file)
    out = ParsedPage(version)
    out.enums.extend(_enums(doc, file, namespace))
    kind = _page_kind(doc)
    if kind == "api":
        out.operations.append(_operation(doc, file, namespace, version, known, out.warnings))
    elif kind == "resource":
        resource = _resource(doc, file, namespace, version, out.warnings)
        if resource is not None:
            out.resources.append(resource)
    return out


def _page_kind(doc: Document) -> str:
    doc_type = doc.front_matter.get("doc_type", "").lower()
    if _title(doc)[0].lower().endswith("resource type"):
        return "resource"
    if doc_type.startswith("api"):
        return "api"
    if doc_type.startswith("resource"):
        return "resource"
    if doc_type.startswith("enum"):
        return "enum"
    if doc.section("http request"):
        return "api"
    return "resource" if doc.section("properties") else "other"


def _namespace(doc: Document) -> str:
    match = _NAMESPACE.search("\n".join(doc.lines[:60]))
    return match.group(1).rstrip(".") if match else DEFAULT_NAMESPACE


def _version(doc: Document, file: str) -> tuple[str, bool]:
    parts = PurePosixPath(file).parts
    for version in VERSIONS:
        if version in parts:
            return version, True
    for fence in doc.fences:
        match = _VERSION_IN_URL.search(fence.text)
        if match:
            return match.group(1).lower(), True
    if any("beta-disclaimer" in line for line in doc.lines):
        return "beta", True
    return DEFAULT_VERSION, False


def _title(doc: Document) -> tuple[str, int]:
    for head in doc.headings:
        if head.level == 1:
            return head.text, head.line
    return doc.front_matter.get("title", ""), 1


# --- resource pages -------------------------------------------------------------------------------


def _resource(
    doc: Document, file: str, namespace: str, version: str, warnings: list[Warning]
) -> ResourceDoc | None:
    block = next((f for f in doc.fences if (f.annotation or {}).get("blockType") == "resource"), None)
    annotation = block.annotation if block and block.annotation else {}
    title, title_line = _title(doc)
    qualified = str(annotation.get("@odata.type") or "").lstrip("#")
    if qualified and "." in qualified:
        namespace, name = qualified.rsplit(".", 1)
    else:
        name = re.sub(r"\s+resource type.*$", "", title, flags=re.IGNORECASE).strip()
        name = name.split()[-1] if name else ""
        if not name or not re.fullmatch(r"[A-Za-z_]\w*", name):
            warnings.append(Warning("unnamed-resource", file, title_line, "no type name found"))
            return None
        warnings.append(
            Warning(
                "missing-annotation", file, title_line, f"no resource annotation; named {name} from title"
            )
        )
    properties = _property_rows(doc, ("properties",), file, warnings, navigation=False)
    properties += _property_rows(doc, ("relationships",), file, warnings, navigation=True)
    base = annotation.get("baseType") or _inherits_from(doc, title_line)
    key = annotation.get("keyProperty")
    json_block = _json_representation(block, file, warnings) if block else None
    return ResourceDoc(
        file=file,
        version=version,
        namespace=namespace,
        name=name,
        json_block=json_block,
        json_line=block.line if block else 0,
        properties=tuple(properties),
        key_property=str(key) if key else None,
        base_type=str(base).lstrip("#") if base else None,
        open_type=bool(annotation.get("openType")) or _says_open_type(doc, title_line),
        is_complex=not key and not any(p.name == "id" for p in properties),
        line=title_line,
    )


_INHERITS = re.compile(r"\binherits from\s+\[?\**([A-Za-z][\w.]*)\**\]?(?:\(([^)]*)\))?", re.IGNORECASE)


_LINE_COMMENT = re.compile(r"^\s*//.*$", re.MULTILINE)


def _json_representation(block: Fence, file: str, warnings: list[Warning]) -> JSONObject | None:
    text = _LINE_COMMENT.sub("", block.text)
    try:
        value = json.loads(text)
    except ValueError as exc:
        warnings.append(Warning("unreadable-json-representation", file, block.line, str(exc)))
        return None
    return value if isinstance(value, dict) else None


def _inherits_from(doc: Document, title_line: int) -> str | None:
    """The base type named by an "Inherits from [x](x.md)" sentence before the first section."""
    end = next((h.line for h in doc.headings if h.line > title_line and h.level >= 2), len(doc.lines))
    match = _INHERITS.search("\n".join(doc.lines[title_line:end]))
    return match.group(1) if match else None


def _says_open_type(doc: Document, title_line: int) -> bool:
    end = next((h.line for h in doc.headings if h.line > title_line and h.level >= 2), len(doc.lines))
    return bool(re.search(r"\bis an open type\b", "\n".join(doc.lines[title_line:end]), re.IGNORECASE))


def _property_rows(
    doc: Document, names: tuple[str, ...], file: str, warnings: list[Warning], *, navigation: bool
) -> list[PropertyDoc]:
    section = doc.section(*names)
    if section is None:
        return []
    out = []
    for table in doc.tables(section):
        out.extend(_table_properties(table, file, warnings, navigation=navigation))
    return out


def _table_properties(
    table: Table, file: str, warnings: list[Warning], *, navigation: bool = False
) -> list[PropertyDoc]:
    name_col = table.column("property", "name", "parameter", "relationship")
    type_col = table.column("type")
    if name_col is None or type_col is None:
        return []
    desc_col = table.column("description", "notes")
    out = []
    for row, line in zip(table.rows, table.row_lines, strict=True):
        if len(row) <= max(name_col, type_col):
            warnings.append(Warning("malformed-table-row", file, line, "row has too few cells"))
            continue
        name = plain(row[name_col]).split()[0] if plain(row[name_col]) else ""
        if not name:
            continue
        description = row[desc_col] if desc_col is not None and desc_col < len(row) else ""
        out.append(PropertyDoc(name, row[type_col].strip(), description, line, navigation))
    return out


def _enums(doc: Document, file: str, namespace: str) -> list[EnumDoc]:
    out = []
    for head in doc.headings:
        match = _ENUM_SECTION.match(head.text)
        if not match:
            continue
        section = _section_at(doc, head.line)
        members = _enum_members(doc.tables(section))
        if members:
            name = match.group(1)
            qualified = name if "." in name else f"{namespace}.{name}"
            out.append(EnumDoc(qualified, tuple(members), file, head.line))
    return out


def _section_at(doc: Document, line: int) -> Section:
    index = next(i for i, h in enumerate(doc.headings) if h.line == line)
    head = doc.headings[index]
    end = len(doc.lines)
    for nxt in doc.headings[index + 1 :]:
        if nxt.level <= head.level:
            end = nxt.line - 1
            break
    return Section(head, head.line + 1, end)


def _enum_members(tables: list[Table]) -> list[str]:
    for table in tables:
        col = table.column("member", "value", "name")
        if col is None:
            continue
        members = [plain(row[col]) for row in table.rows if len(row) > col and plain(row[col])]
        return [m for m in members if re.fullmatch(r"[A-Za-z_][\w]*", m)]
    return []


# --- API pages ------------------------------------------------------------------------------------


def _operation(
    doc: Document, file: str, namespace: str, version: str, known: bool, warnings: list[Warning]
) -> OperationDoc:
    title, title_line = _title(doc)
    method, paths, unresolved = _http_request(doc, file, warnings)
    if not known:
        warnings.append(
            Warning("missing-api-version", file, title_line, f"no API version found; assuming {version}")
        )
    response = doc.section("response")
    response_text = doc.text(response) if response else ""
    body = doc.section("request body")
    return OperationDoc(
        file=file,
        version=version,
        version_known=known,
        namespace=namespace,
        title=title,
        method=method,
        paths=tuple(paths),
        line=title_line,
        parameters=tuple(_parameters(doc, file, warnings)),
        filters=tuple(_filters(doc)),
        query_options=tuple(_query_options(doc)),
        permissions=tuple(_permissions(doc, file, warnings)),
        request_headers=tuple(_request_headers(doc)),
        body_properties=tuple(_property_rows(doc, ("request body",), file, warnings, navigation=False)),
        has_body_section=body is not None and "do not supply" not in doc.text(body).lower(),
        success_status=_success_status(response_text),
        response_links=_response_links(response_text),
        response_is_collection="collection" in response_text.lower(),
        examples=tuple(_examples(doc, file, warnings)),
        unresolved_paths=tuple(unresolved),
    )


_REFERENCE_LINK = re.compile(r"\[([A-Za-z][\w.]*)\]\[[^\]]*\]")


def _response_links(text: str) -> tuple[str, ...]:
    """Pages (file stems) and reference-style link names the Response section points at, in order."""
    found = [(m.start(), PurePosixPath(m.group(1)).name.lower()) for m in _LINK_STEM.finditer(text)]
    found += [(m.start(), m.group(1).lower()) for m in _REFERENCE_LINK.finditer(text)]
    return tuple(dict.fromkeys(name for _, name in sorted(found)))


def _http_request(
    doc: Document, file: str, warnings: list[Warning]
) -> tuple[str | None, list[tuple[str, int]], list[tuple[str, int]]]:
    section = doc.section("http request")
    if section is None:
        warnings.append(Warning("missing-http-request", file, 1, "page has no HTTP request section"))
        return None, [], []
    method: str | None = None
    paths: list[tuple[str, int]] = []
    variants: list[tuple[str, int]] = []  # request lines that expand a navigation in their query
    unresolved: list[tuple[str, int]] = []
    for fence in doc.fences_in(section):
        for offset, raw in enumerate(fence.body, start=1):
            line = fence.line + offset
            parsed = http.request_line(raw)
            if parsed is None:
                continue
            verb, target = parsed
            method = method or verb
            if verb != method:
                warnings.append(
                    Warning("mixed-methods", file, line, f"{verb} beside {method}; kept {method}")
                )
                continue
            path, problems = http.path_of(target)
            for kind, message in problems:
                warnings.append(Warning(kind, file, line, message))
            if path is None:
                unresolved.append((target, line))
            elif "$expand=" in target.split("?", 1)[-1].lower() and "?" in target:
                variants.append((path, line))
            else:
                paths.append((path, line))
    if method is None:
        warnings.append(Warning("missing-http-request", file, section.start, "no request line in block"))
    # `GET /users?$expand=manager` beside `GET /users/{id}/manager` reads the navigation through its parent:
    # a way to call the page's operation, not a path of its own (it would take over the parent's list).
    return method, list(dict.fromkeys(paths or variants)), unresolved


def _parameters(doc: Document, file: str, warnings: list[Warning]) -> list[ParameterDoc]:
    section = doc.section("function parameters")
    if section is None:
        return []
    out = []
    for table in doc.tables(section):
        for prop in _table_properties(table, file, warnings):
            out.append(
                ParameterDoc(
                    prop.name,
                    prop.type_text,
                    prop.description,
                    _allowed_values(prop.description),
                    bool(_CASE_INSENSITIVE.search(prop.description)),
                    prop.line,
                )
            )
    return out


_ALLOWED_LEAD = re.compile(
    r"(?:supported|possible|allowed|valid)\s+(?:\w+\s+){0,2}(?:are|is)?\s*:?\s*(.*)", re.IGNORECASE
)


def _allowed_values(description: str) -> tuple[str, ...]:
    match = _ALLOWED_LEAD.search(description)
    if not match:
        return ()
    tail = re.split(r"\.\s", match.group(1), maxsplit=1)[0]
    return tuple(_OPERATOR_TOKEN.findall(tail))


def _filters(doc: Document) -> list[FilterDoc]:
    section = doc.section("optional query parameters", "query parameters")
    if section is None:
        return []
    out = []
    for table in doc.tables(section):
        name_col = table.column("propert", "name", "parameter")
        desc_col = table.column("description")
        if name_col is None or desc_col is None:
            continue
        for row, line in zip(table.rows, table.row_lines, strict=True):
            if len(row) <= max(name_col, desc_col):
                continue
            name = plain(row[name_col])
            description = row[desc_col]
            if not re.fullmatch(r"[A-Za-z]\w*", name) or "operator" not in description.lower():
                continue
            operators, sortable = _operators(description)
            out.append(
                FilterDoc(name, operators, bool(_CASE_INSENSITIVE.search(description)), sortable, line)
            )
    return out


def _operators(description: str) -> tuple[tuple[str, ...], bool]:
    tail = description[description.lower().index("operator") :]
    tokens = [t.strip().rstrip("()").lower() for t in _OPERATOR_TOKEN.findall(tail)]
    sortable = "orderby" in tokens
    ops = [t for t in tokens if t in FILTER_OPERATORS]
    return tuple(dict.fromkeys(ops)), sortable


def _query_options(doc: Document) -> list[str]:
    """The system query options a page says its request takes: those its query parameters section names,
    and those its request headers section names (`ConsistencyLevel` is needed "with $search, $filter,
    $orderby": the request takes them)."""
    section = doc.section("optional query parameters", "query parameters")
    if section is None:
        return []
    text = doc.text(section)
    headers = doc.section("request headers")
    if headers is not None:
        text += "\n" + doc.text(headers)
    found = []
    for token in _QUERY_OPTION.findall(text):
        low = token.lower()
        if low in {
            "filter",
            "select",
            "expand",
            "orderby",
            "top",
            "skip",
            "count",
            "search",
            "apply",
            "format",
        }:
            found.append("$" + low)
    return sorted(set(found))


_PERMISSION_KINDS = (
    ("delegated (work", "delegatedWork"),
    ("delegated (personal", "delegatedPersonal"),
    ("application", "application"),
)


def _permissions(
    doc: Document, file: str, warnings: list[Warning]
) -> list[tuple[str, tuple[str, ...] | None]]:
    section = doc.section("permissions")
    if section is None:
        return []
    out: list[tuple[str, tuple[str, ...] | None]] = []
    for table in doc.tables(section)[:1]:
        for row, line in zip(table.rows, table.row_lines, strict=True):
            if len(row) < 2:
                continue
            label = plain(row[0]).lower()
            kind = next((k for prefix, k in _PERMISSION_KINDS if label.startswith(prefix)), None)
            if kind is None:
                continue
            value = plain(row[1])
            if "todo" in value.lower():
                warnings.append(Warning("todo-permissions", file, line, f"{kind} permissions are a TODO"))
                out.append((kind, None))
            elif value.lower().startswith("not supported") or not value:
                out.append((kind, ()))
            elif value.strip(" .").lower() == "none":  # no permission needed: every token will do
                out.append((kind, None))
            else:
                out.append((kind, _permission_names(value)))
    return out


_RESOURCE_LABEL = re.compile(r"\bfor\s+[\w ]{1,40}?\s+resources?\s*:", re.IGNORECASE)
_PERMISSION = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)+$")


def _permission_names(value: str) -> tuple[str, ...]:
    """The permissions a cell lists, any of which suffices. "For user resource:" labels (rows of pages whose
    answer depends on the resource) are dropped, their lists merged; `A and B` (both needed) stays one entry
    (identity/permissions reads it); words that are not permission names are left out."""
    words = [w.strip(".()") for w in re.split(r"[\s,;]+", _RESOURCE_LABEL.sub(" , ", value))]
    names: list[str] = []
    joining = False
    for word in words:
        if word.lower() in {"and", "plus"} and names:
            joining = True
        elif _PERMISSION.match(word):
            if joining:
                names[-1] = f"{names[-1]} and {word}"
            elif word not in names:
                names.append(word)
            joining = False
        else:
            joining = False
    return tuple(names)


def _request_headers(doc: Document) -> list[tuple[str, str]]:
    section = doc.section("request headers", "optional request headers")
    if section is None:
        return []
    out = []
    for table in doc.tables(section):
        for row in table.rows:
            if len(row) >= 2 and plain(row[0]):
                out.append((plain(row[0]), plain(row[1])))
    return out


def _success_status(text: str) -> int | None:
    for match in _STATUS_IN_TEXT.finditer(text):
        code = int(match.group(1))
        if 200 <= code < 300:
            return code
    return None


def _examples(doc: Document, file: str, warnings: list[Warning]) -> list[ExampleDoc]:
    examples: list[ExampleDoc] = []
    current: ExampleDoc | None = None
    for fence in doc.fences:
        if fence.annotation is None and fence.annotation_error:
            warnings.append(
                Warning(
                    "bad-annotation",
                    file,
                    fence.annotation_line,
                    f"unreadable annotation: {fence.annotation_error}",
                )
            )
            continue
        block_type = str((fence.annotation or {}).get("blockType", "")).lower()
        if block_type == "request":
            if current is not None:
                examples.append(current)
            current = _request_example(fence, len(examples) + 1, file, warnings)
        elif block_type == "response":
            if current is None or current.status is not None:
                if current is not None:
                    examples.append(current)
                current = ExampleDoc(name=f"example_{len(examples) + 1}", line=fence.line)
            current = _with_response(current, fence, file, warnings)
    if current is not None:
        examples.append(current)
    return examples


def _request_example(fence: Fence, number: int, file: str, warnings: list[Warning]) -> ExampleDoc:
    name = str((fence.annotation or {}).get("name") or f"example_{number}")
    message = http.parse_message(fence.body)
    if message.start is None:
        warnings.append(Warning("unreadable-example", file, fence.line, "request block has no request line"))
        return ExampleDoc(name=name, line=fence.line)
    verb, url = message.start
    return ExampleDoc(
        name=name,
        line=fence.line,
        method=verb,
        url=url,
        request_headers=message.headers,
        request_body=message.body,
        request_line=fence.line + 1,
    )


def _with_response(example: ExampleDoc, fence: Fence, file: str, warnings: list[Warning]) -> ExampleDoc:
    message = http.parse_message(fence.body, response=True)
    status = 0  # 0: a response block without a status line (JSON only)
    if message.start is not None:
        status = int(message.start[1])
    elif not (message.body or "").lstrip().startswith(("{", "[")):
        warnings.append(Warning("unreadable-example", file, fence.line, "response block has no status line"))
    return replace(
        example,
        status=status,
        response_headers=message.headers,
        response_body=message.body,
        response_line=fence.line + 1,
        response_annotation=dict(fence.annotation or {}),
    )
