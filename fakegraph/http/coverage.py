"""The coverage report: which operations of the pack were called (with their status codes), which were not,
and which requests no operation served. JSON for tools (`GET /_fakegraph/coverage`, the pytest plugin's
`--fakegraph-report=FILE`) and a short table for the terminal.

A request is attributed by routing its path again, as the engine does: documented operations by their name,
routes the engine serves without a page of their own (an item read implied by its collection, say) by their
path template. Control-plane calls are not counted; `$batch` is not an operation, its steps are.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, NamedTuple

from fakegraph.artifacts.contract import VERSIONS
from fakegraph.artifacts.errors import GraphError
from fakegraph.http import handlers, media, metadata
from fakegraph.http.routing import split

if TYPE_CHECKING:
    from fakegraph.http.state import State


class Served(NamedTuple):
    version: str
    method: str
    template: str
    operation: str | None  # the documented operation's name; None for an undocumented route


def attribute(state: State, method: str, path: str) -> Served | str | None:
    """The operation a request was routed to, None if none serves it, or a note for what is not an
    operation ("$batch", "$metadata", "media")."""
    segments = split(path)
    if not segments or segments[0] not in VERSIONS:
        return "media" if media.is_media_url(segments) else None
    version = segments[0]
    if len(segments) == 2 and segments[1].lower() == "$batch":
        return "$batch"
    if metadata.addressed(segments):
        return "$metadata"
    try:
        rest, _cast = handlers._type_cast(state, version, segments[1:])
        rest = handlers._alternate_keys(state, version, rest)
        target = state.router.resolve(version, rest)
    except GraphError:
        return None
    endpoint = target.route.endpoints.get(method)
    if endpoint is None:
        return None
    name = endpoint.operation["name"] if endpoint.operation is not None else None
    return Served(version, method, target.route.template, name)


def report(state: State) -> dict[str, Any]:
    counts = state.coverage.counts()
    called: dict[Served, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unserved: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    other: dict[str, int] = defaultdict(int)
    attributed: dict[tuple[str, str], Served | str | None] = {}
    for (method, path, status), n in counts.items():
        if (method, path) not in attributed:
            attributed[(method, path)] = attribute(state, method, path)
        found = attributed[(method, path)]
        if isinstance(found, Served):
            called[found][str(status)] += n
        elif found is None:
            unserved[(method, path)][str(status)] += n
        else:
            other[found] += n
    names = {(s.version, s.operation) for s in called if s.operation}
    versions = {}
    for version in sorted(state.catalogue.operations):
        documented = [e for e in state.catalogue.entries(version) if e["method"]]
        uncalled = sorted(e["name"] for e in documented if (version, e["name"]) not in names)
        versions[version] = {
            "operations": len(documented),
            "called": len(documented) - len(uncalled),
            "uncalled": uncalled,
        }
    return {
        "requests": sum(counts.values()) + state.coverage.overflow,
        "uncounted": state.coverage.overflow,
        "versions": versions,
        "called": sorted(
            (
                {
                    "version": s.version,
                    "method": s.method,
                    "path": s.template,
                    "operation": s.operation,
                    "calls": sum(statuses.values()),
                    "statuses": dict(sorted(statuses.items())),
                }
                for s, statuses in called.items()
            ),
            key=lambda row: (row["version"], row["path"], row["method"]),
        ),
        "unserved": sorted(
            (
                {"method": m, "path": p, "calls": sum(st.values()), "statuses": dict(sorted(st.items()))}
                for (m, p), st in unserved.items()
            ),
            key=lambda row: (-row["calls"], row["path"], row["method"]),
        ),
        "other": dict(sorted(other.items())),
    }


def table(data: dict[str, Any], limit: int = 30) -> list[str]:
    """The report as a few lines for the terminal (the JSON has everything)."""
    versions = ", ".join(
        f"{v} {d['called']} of {d['operations']}" for v, d in data["versions"].items() if d["operations"]
    )
    lines = [
        f"fakegraph coverage: {data['requests']} requests; operations called: {versions or 'none'}; "
        f"{len(data['unserved'])} request paths no operation served"
    ]
    rows = data["called"]
    if rows:
        lines.append(f"{'calls':>6}  {'statuses':<18} {'method':<7} path (operation)")
        for row in sorted(rows, key=lambda r: -r["calls"])[:limit]:
            statuses = ",".join(f"{s}x{n}" for s, n in row["statuses"].items())
            name = f" ({row['operation']})" if row["operation"] else ""
            path = f"/{row['version']}{row['path']}"
            lines.append(f"{row['calls']:>6}  {statuses:<18} {row['method']:<7} {path}{name}")
        if len(rows) > limit:
            lines.append(f"        ... and {len(rows) - limit} more operations")
    if data["unserved"]:
        lines.append("not served by any operation:")
        for row in data["unserved"][:limit]:
            statuses = ",".join(f"{s}x{n}" for s, n in row["statuses"].items())
            lines.append(f"{row['calls']:>6}  {statuses:<18} {row['method']:<7} {row['path']}")
        if len(data["unserved"]) > limit:
            lines.append(f"        ... and {len(data['unserved']) - limit} more")
    return lines
