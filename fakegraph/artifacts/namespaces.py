"""Namespace aliases: `microsoft.management.services.api.X` in a page or request means
`microsoft.graph.managedTenants.X` (the mapping lives in fixtures/overrides.json)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

Alias = Callable[[str], str]


def make_alias(mapping: Mapping[str, str]) -> Alias:
    pairs = [(alias.lower() + ".", real) for alias, real in mapping.items()]

    def alias(qualified: str) -> str:
        low = qualified.lower()
        for prefix, real in pairs:
            if low.startswith(prefix):
                return real + "." + qualified[len(prefix) :]
        return qualified

    return alias


def alias_from_overrides(path: Path) -> Alias:
    mapping = (
        json.loads(path.read_text(encoding="utf-8")).get("namespaceAliases", {}) if path.exists() else {}
    )
    return make_alias(mapping)
