"""Graph request paths → (endpoint, path parameters), or Graph's "Resource not found for the segment" error.

Paths are matched on the raw path: each segment is percent-decoded after splitting, so an encoded `/` stays
inside an id. Empty segments (`//`) are dropped, as Graph does.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote

from fakegraph.artifacts.catalogue import Catalogue, Route
from fakegraph.artifacts.errors import ResourceNotFound


class Target(NamedTuple):  # a tuple: built on every request, cheaper than a frozen dataclass
    route: Route
    params: dict[str, str]


def split(raw_path: str) -> list[str]:
    """Non-empty raw segments of a path (query string excluded)."""
    return [s for s in raw_path.split("?", 1)[0].split("/") if s]


class Router:
    """Per-version route tables indexed by segment count."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._by_length: dict[str, dict[int, list[Route]]] = {}
        self._by_head: dict[tuple[str, int, str], list[Route]] = {}  # (version, length, first literal)
        # Most routes are literals with at most a trailing key: those resolve with one dict lookup.
        self._exact: dict[tuple[str, tuple[str, ...]], Route] = {}
        self._keyed: dict[tuple[str, tuple[str, ...]], Route] = {}
        for version, routes in catalogue.routes.items():
            table: dict[int, list[Route]] = {}
            for route in routes:
                table.setdefault(len(route.segments), []).append(route)
                head = route.segments[0].literal if route.segments else ""
                self._by_head.setdefault((version, len(route.segments), head), []).append(route)
                self._index_literal(version, route)
            self._by_length[version] = table

    def _index_literal(self, version: str, route: Route) -> None:
        *prefix, last = route.segments
        if not all(s.literal for s in prefix):
            return
        literals = tuple(s.literal for s in prefix)
        if last.literal:
            self._exact.setdefault((version, (*literals, last.literal)), route)
        elif last.key:
            self._keyed.setdefault((version, literals), route)

    def versions(self) -> list[str]:
        return list(self._by_length)

    def resolve(self, version: str, segments: list[str]) -> Target:
        decoded = [unquote(s) for s in segments]
        found = self._match(version, segments, decoded)
        if found is not None:
            return found
        raise ResourceNotFound(self._unknown_segment(version, segments, decoded))

    def _match(self, version: str, raw: list[str], decoded: list[str]) -> Target | None:
        if decoded:
            lowered = tuple(d.lower().removesuffix("()") for d in decoded)
            exact = self._exact.get((version, lowered))
            if exact is not None:
                return Target(exact, {})
            keyed = self._keyed.get((version, lowered[:-1]))
            if keyed is not None:
                return Target(keyed, {keyed.segments[-1].key: decoded[-1]})
        head = decoded[0].lower().removesuffix("()") if decoded else ""
        literal = self._by_head.get((version, len(raw), head), [])
        candidates = literal + self._by_head.get((version, len(raw), ""), []) if head else literal
        for route in candidates:
            params: dict[str, str] = {}
            for segment, d in zip(route.segments, decoded, strict=True):
                got = segment.match(d)
                if got is None:
                    break
                params.update(got)
            else:
                return Target(route, params)
        return None

    def _unknown_segment(self, version: str, raw: list[str], decoded: list[str]) -> str:
        if not decoded:
            return ""
        elsewhere = any(self._match(v, raw, decoded) for v in self._by_length if v != version)
        if elsewhere:
            # Another version serves it: the root exists in every version; the next segment is missing here.
            return _bare(decoded[1] if len(decoded) > 1 else decoded[0])
        routes = [r for table in self._by_length.get(version, {}).values() for r in table]
        for depth, segment in enumerate(decoded):
            if not any(
                len(r.segments) > depth and r.segments[depth].match(segment) is not None for r in routes
            ):
                return _bare(segment)
        return _bare(decoded[-1])


def _bare(segment: str) -> str:
    return segment.split("(", 1)[0] or segment
