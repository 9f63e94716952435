"""Graph request paths → (endpoint, path parameters), or Graph's "Resource not found for the segment" error.

Paths are matched on the raw path: each segment is percent-decoded after splitting, so an encoded `/` stays
inside an id. Empty segments (`//`) are dropped, as Graph does.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from fakegraph.catalogue import Catalogue, Route
from fakegraph.errors import MethodNotAllowed, ResourceNotFound


@dataclass(frozen=True)
class Target:
    route: Route
    params: dict[str, str]


def split(raw_path: str) -> list[str]:
    """Non-empty raw segments of a path (query string excluded)."""
    return [s for s in raw_path.split("?", 1)[0].split("/") if s]


class Router:
    """Per-version route tables indexed by segment count."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._by_length: dict[str, dict[int, list[Route]]] = {}
        for version, routes in catalogue.routes.items():
            table: dict[int, list[Route]] = {}
            for route in routes:
                table.setdefault(len(route.segments), []).append(route)
            self._by_length[version] = table

    def versions(self) -> list[str]:
        return list(self._by_length)

    def resolve(self, version: str, segments: list[str]) -> Target:
        decoded = [unquote(s) for s in segments]
        found = self._match(version, segments, decoded)
        if found is not None:
            return found
        raise ResourceNotFound(self._unknown_segment(version, segments, decoded))

    def endpoint(self, target: Target, method: str) -> object:
        endpoints = target.route.endpoints
        if method in endpoints:
            return endpoints[method]
        raise MethodNotAllowed(sorted(endpoints))

    def _match(self, version: str, raw: list[str], decoded: list[str]) -> Target | None:
        for route in self._by_length.get(version, {}).get(len(raw), ()):
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
