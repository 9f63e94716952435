"""Generality figures of the compiler over a docs corpus (the issue's measuring stick, not a test oracle)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from fakegraph.artifacts import schemas as schema_tools
from fakegraph.compiler import iter_pages, load_overrides
from fakegraph.compiler.build import Output, build


@dataclass(frozen=True)
class Ratio:
    hits: int
    total: int

    @property
    def percent(self) -> float | None:
        """The share in percent; None when nothing was counted (0/0 is no evidence either way)."""
        return 100.0 * self.hits / self.total if self.total else None

    def meets(self, bar: float) -> bool:
        """Whether the share reaches `bar` percent; a ratio with nothing counted never does."""
        return self.percent is not None and self.percent >= bar


@dataclass(frozen=True)
class CorpusStats:
    pages: int
    api_pages_with_path: Ratio
    resource_pages_with_schema: Ratio
    request_bodies_valid: Ratio
    failures: dict[str, list[str]]


def corpus_stats(sources: Sequence[Path], overrides: Path | None) -> CorpusStats:
    return stats_of(build(iter_pages(sources), load_overrides(overrides)))


def stats_of(output: Output) -> CorpusStats:
    files = {name: json.loads(content) for name, content in output.files.items()}
    failures: dict[str, list[str]] = {"api": [], "resource": [], "request": []}
    return CorpusStats(
        pages=len(output.pages),
        api_pages_with_path=_api_ratio(output, failures["api"]),
        resource_pages_with_schema=_resource_ratio(output, files, failures["resource"]),
        request_bodies_valid=_request_ratio(files, failures["request"]),
        failures=failures,
    )


def _api_ratio(output: Output, failures: list[str]) -> Ratio:
    ops = [op for page in output.pages for op in page.operations]
    good = [op for op in ops if op.method and op.paths]
    failures.extend(op.file for op in ops if not (op.method and op.paths))
    return Ratio(len(good), len(ops))


def _resource_ratio(output: Output, files: dict[str, Any], failures: list[str]) -> Ratio:
    total = hits = 0
    for page in output.pages:
        kind_is_resource = bool(page.resources) or any(w.kind == "unnamed-resource" for w in page.warnings)
        if not kind_is_resource:
            continue
        total += 1
        for resource in page.resources:
            schema = files.get(f"schemas/{page.version}/{resource.qualified}.json")
            if schema is not None and _schema_ok(schema):
                hits += 1
            else:
                failures.append(resource.file)
        if not page.resources:
            failures.extend(w.file for w in page.warnings[:1])
    return Ratio(hits, total)


def _schema_ok(schema: dict[str, Any]) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    return True


def _request_ratio(files: dict[str, Any], failures: list[str]) -> Ratio:
    total = hits = 0
    by_version: dict[str, dict[str, Any]] = {}
    for name, content in files.items():
        if name.startswith("fixtures/") and name.endswith("/operations.json"):
            by_version[content["version"]] = {op["name"]: op for op in content["operations"]}
    registries = {v: _registry(files, v) for v in by_version}
    for name, fixture in sorted(files.items()):
        if "/examples/" not in name:
            continue
        request = fixture.get("request")
        if not request or not request.get("bodyIsJson") or not isinstance(request.get("body"), dict):
            continue
        if any(m["kind"] == "placeholder" for m in request["marks"]):
            continue
        version = name.split("/")[1]
        op = by_version[version][fixture["operation"]]
        total += 1
        body = request["body"]
        schema = op.get("requestBody")
        if schema is None:
            failures.append(f"{fixture['source']['file']}: no request schema")
            continue
        dropped = [r["pointer"] for r in request["repairs"] if r["kind"] == "unknown-key"]
        if dropped:
            failures.append(f"{fixture['source']['file']}: unknown keys {dropped}")
            continue
        errors = list(schema_tools.validator_for(schema, registries[version]).iter_errors(body))
        if errors:
            path = "/".join(map(str, errors[0].absolute_path))
            failures.append(f"{fixture['source']['file']}: /{path}: {errors[0].message[:150]}")
        else:
            hits += 1
    return Ratio(hits, total)


def _registry(files: dict[str, Any], version: str) -> Any:
    prefix = f"schemas/{version}/"
    return schema_tools.registry_of(s for n, s in files.items() if n.startswith(prefix))


def format_stats(stats: CorpusStats) -> str:
    lines = [
        f"pages: {stats.pages}",
        _line("api pages with an operation (method and path)", stats.api_pages_with_path),
        _line("resource pages with a schema passing check_schema", stats.resource_pages_with_schema),
        _line("example request bodies (JSON, no placeholders) that validate", stats.request_bodies_valid),
    ]
    return "\n".join(lines)


def _line(label: str, ratio: Ratio) -> str:
    shown = "n/a" if ratio.percent is None else f"{ratio.percent:.1f}%"
    return f"{label}: {ratio.hits}/{ratio.total} = {shown}"
