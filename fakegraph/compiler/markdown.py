"""Markdown structure of a Graph doc page: front matter, sections, tables, annotated fenced blocks.

Pure functions over text; every element keeps its 1-based line number so warnings can point at it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Language tabs ("# [HTTP](#tab/http)") look like headings but only switch code samples.
_TAB_HEADING = re.compile(r"^\[[^\]]*\]\(#tab/")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_ANNOTATION_START = re.compile(r"^\s*<!--\s*(\{.*)$")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int


@dataclass(frozen=True)
class Fence:
    """A fenced code block; `annotation` is the `<!-- {...} -->` JSON comment just before it, if any."""

    info: str
    line: int
    body: tuple[str, ...]
    annotation: dict[str, Any] | None = None
    annotation_line: int = 0
    annotation_error: str = ""

    @property
    def text(self) -> str:
        return "\n".join(self.body)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    row_lines: tuple[int, ...]
    line: int

    def column(self, *names: str) -> int | None:
        """Index of the first header cell that starts with one of `names` (case-insensitive)."""
        for i, cell in enumerate(self.header):
            low = cell.strip().lower()
            if any(low.startswith(n) for n in names):
                return i
        return None


@dataclass(frozen=True)
class Section:
    heading: Heading
    start: int  # first line after the heading (1-based)
    end: int  # last line of the section (inclusive)


@dataclass(frozen=True)
class Document:
    lines: tuple[str, ...]
    front_matter: dict[str, str]
    headings: tuple[Heading, ...]
    fences: tuple[Fence, ...] = field(default=())

    def section(self, *names: str) -> Section | None:
        """The first section whose heading starts with one of `names` (case-insensitive)."""
        for i, head in enumerate(self.headings):
            low = head.text.lower()
            if any(low.startswith(n) for n in names):
                end = len(self.lines)
                for nxt in self.headings[i + 1 :]:
                    if nxt.level <= head.level:
                        end = nxt.line - 1
                        break
                return Section(head, head.line + 1, end)
        return None

    def text(self, section: Section) -> str:
        return "\n".join(self.lines[section.start - 1 : section.end])

    def tables(self, section: Section) -> list[Table]:
        return parse_tables(self.lines, section.start, section.end)

    def fences_in(self, section: Section) -> list[Fence]:
        return [f for f in self.fences if section.start <= f.line <= section.end]


def parse_document(text: str) -> Document:
    lines = tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    front, body_start = _front_matter(lines)
    fences, fenced = _fences(lines, body_start)
    headings = tuple(_headings(lines, body_start, fenced))
    return Document(lines, front, headings, tuple(fences))


def _front_matter(lines: tuple[str, ...]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 1
    front: dict[str, str] = {}
    for i in range(1, len(lines)):
        line = lines[i]
        if line.strip() == "---":
            return front, i + 2
        key, sep, value = line.partition(":")
        if sep and key.strip() and not key.startswith((" ", "\t")):
            front[key.strip()] = value.strip().strip("\"'")
    return front, 1


def _headings(lines: tuple[str, ...], start: int, fenced: set[int]) -> list[Heading]:
    out = []
    for number in range(start, len(lines) + 1):
        if number in fenced:
            continue
        match = _HEADING.match(lines[number - 1])
        if match and not _TAB_HEADING.match(match.group(2)):
            out.append(Heading(len(match.group(1)), match.group(2).strip(), number))
    return out


def _fences(lines: tuple[str, ...], start: int) -> tuple[list[Fence], set[int]]:
    fences: list[Fence] = []
    fenced: set[int] = set()
    pending: tuple[dict[str, Any] | None, int, str] | None = None
    i = start - 1
    while i < len(lines):
        line = lines[i]
        annotation = _ANNOTATION_START.match(line)
        if annotation:
            end, raw = _comment(lines, i)
            value, error = parse_annotation(raw)
            pending = (value, i + 1, error)
            i = end + 1
            continue
        fence = _FENCE.match(line)
        if fence:
            marker = fence.group(1)
            close = _closing_fence(lines, i + 1, marker)
            body = tuple(lines[i + 1 : close])
            fenced.update(range(i + 1, close + 2))
            ann, ann_line, err = pending if pending else (None, 0, "")
            fences.append(Fence(fence.group(2).lower(), i + 1, body, ann, ann_line, err))
            pending = None
            i = close + 1
            continue
        if line.strip().startswith("#") and not _TAB_HEADING.match(line.strip("# ")):
            pending = None  # an annotation belongs to the block of its own section
        i += 1
    return fences, fenced


def _closing_fence(lines: tuple[str, ...], start: int, marker: str) -> int:
    for j in range(start, len(lines)):
        if lines[j].strip().startswith(marker) and lines[j].strip().strip(marker[0]) == "":
            return j
    return len(lines)


def _comment(lines: tuple[str, ...], start: int) -> tuple[int, str]:
    """Index of the line that closes the HTML comment opened at `start`, and its inner text."""
    parts = []
    for j in range(start, len(lines)):
        parts.append(lines[j])
        if "-->" in lines[j]:
            raw = "\n".join(parts)
            return j, raw[raw.index("<!--") + 4 : raw.rindex("-->")]
    return len(lines) - 1, "\n".join(parts)[4:]


def parse_annotation(raw: str) -> tuple[dict[str, Any] | None, str]:
    """Parse the JSON of a doc annotation comment leniently (the docs have trailing commas)."""
    text = raw.strip()
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            value = json.loads(candidate)
        except ValueError as exc:
            error = str(exc)
            continue
        return (value, "") if isinstance(value, dict) else (None, "annotation is not a JSON object")
    return None, error


def split_row(line: str) -> tuple[str, ...]:
    """Cells of a markdown table row; `\\|` and pipes inside backticks stay in the cell."""
    text = line.strip()
    text = text.removeprefix("|")
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    cells, current, in_code = [], [], False
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if char == "`":
            in_code = not in_code
        if char == "|" and not in_code:
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    cells.append("".join(current).strip())
    return tuple(cells)


def _is_separator(cells: tuple[str, ...]) -> bool:
    return bool(cells) and all(re.fullmatch(r":?-{2,}:?", c.replace(" ", "")) for c in cells if c)


def parse_tables(lines: tuple[str, ...], start: int, end: int) -> list[Table]:
    tables: list[Table] = []
    i = start - 1
    while i < end:
        if lines[i].lstrip().startswith("|") and i + 1 < end and _is_separator(split_row(lines[i + 1])):
            header = split_row(lines[i])
            rows, row_lines = [], []
            j = i + 2
            while j < end and lines[j].lstrip().startswith("|"):
                rows.append(split_row(lines[j]))
                row_lines.append(j + 1)
                j += 1
            tables.append(Table(header, tuple(rows), tuple(row_lines), i + 1))
            i = j
        else:
            i += 1
    return tables


def plain(cell: str) -> str:
    """Cell text without markdown emphasis, links and code ticks."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", cell)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"[*`]", "", text).strip()
