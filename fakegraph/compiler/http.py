"""HTTP text inside doc code blocks: request lines, URL → path template, example messages."""

from __future__ import annotations

import re
from dataclasses import dataclass

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS")
_REQUEST_LINE = re.compile(r"^\s*(GET|POST|PATCH|PUT|DELETE|HEAD|OPTIONS)\s+(\S.*?)(?:\s+HTTP/[\d.]+)?\s*$")
_STATUS_LINE = re.compile(r"^\s*HTTP/[\d.]+\s+(\d{3})\b")
_HEADER = re.compile(r"^\s*([A-Za-z][\w-]*)\s*:\s*(.*)$")
_GRAPH_HOST = re.compile(r"^https?://[^/\s]+", re.IGNORECASE)
_VERSION_PREFIX = re.compile(r"^/(beta|v1\.0)(?=/|$)", re.IGNORECASE)
_MISSING_URI = re.compile(r"\*\*\s*(Collection|Entity)\s+URI\s+for\s+([\w.]+)\s+not\s+found", re.IGNORECASE)
_BRACES = re.compile(r"\{([^{}]*)\}")

Problem = tuple[str, str]


@dataclass(frozen=True)
class Message:
    start: tuple[str, str] | None  # (method, url) for requests, ("HTTP", status) for responses
    headers: tuple[tuple[str, str], ...]
    body: str | None


def request_line(raw: str) -> tuple[str, str] | None:
    match = _REQUEST_LINE.match(raw)
    return (match.group(1), match.group(2).strip()) if match else None


def path_of(target: str) -> tuple[str | None, list[Problem]]:
    """Path template of a request target (absolute URL or path), or None when the page names no URI."""
    problems: list[Problem] = []
    missing = _MISSING_URI.search(target)
    if missing:
        problems.append(
            ("missing-uri", f"{missing.group(1).lower()} URI for {missing.group(2)} not found in the page")
        )
    text = target.strip()
    host = _GRAPH_HOST.match(text)
    if host:
        text = text[host.end() :]
    if host and ("\\" in text or "**" in text or re.match(r"^/(docs|localtest)", text)):
        bad = target.split("**", maxsplit=1)[0].strip()
        problems.append(("bad-base-url", f"malformed base URL {bad!r}"))
        text = _repair(text)
    if host and not _VERSION_PREFIX.match(text):
        problems.append(
            ("missing-api-version", f"URL {target.split('**', maxsplit=1)[0].strip()!r} names no API version")
        )
    if missing:
        return None, problems
    path = text.split("?", 1)[0].split("#", 1)[0].strip()
    path = _VERSION_PREFIX.sub("", path)
    if not path.startswith("/"):
        path = "/" + path
    path = _BRACES.sub(lambda m: "{" + re.sub(r"\s+", "", m.group(1)) + "}", path)
    path = path.rstrip("/") or "/"
    return path, problems


def _repair(text: str) -> str:
    """Drop doc-tool artefacts such as `docs\\api` or `localtest**` before the real path."""
    text = text.split("**", 1)[0] if text.startswith(("/localtest", "localtest")) else text
    text = text.replace("\\", "/")
    return re.sub(r"^/(?:docs/api|localtest)(?=/|$)", "", text)


def parse_message(lines: tuple[str, ...], *, response: bool = False) -> Message:
    """Split a documented HTTP message into start line, headers and body text."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    start: tuple[str, str] | None = None
    if index < len(lines):
        if response:
            status = _STATUS_LINE.match(lines[index])
            if status:
                start = ("HTTP", status.group(1))
                index += 1
        else:
            parsed = request_line(lines[index])
            if parsed:
                start = parsed
                index += 1
    headers: list[tuple[str, str]] = []
    if start is not None:
        while index < len(lines):
            line = lines[index]
            header = _HEADER.match(line)
            if not line.strip() or line.lstrip().startswith(("{", "[")) or not header:
                break
            headers.append((header.group(1), header.group(2).strip()))
            index += 1
    body = "\n".join(lines[index:]).strip()
    return Message(start, tuple(headers), body or None)
