"""Which objects a server starts (and resets) with: `default`, `empty`, or a JSON file.

The default dataset for the default seed and clock is committed (`fixtures/datasets/default.json`) so that
start-up needs no Faker; any other seed or clock generates it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fakegraph.errors import ConfigError
from fakegraph.settings import DEFAULT_CLOCK, DEFAULT_SEED, Settings

JSONObject = dict[str, Any]
Dataset = dict[str, list[JSONObject]]


def committed_default(data: Path) -> Path:
    return data / "fixtures" / "datasets" / "default.json"


def load_dataset(settings: Settings, schemas: dict[str, JSONObject]) -> Dataset:
    if settings.dataset == "empty":
        return {}
    if settings.dataset == "default":
        committed = committed_default(settings.data)
        if settings.seed == DEFAULT_SEED and settings.clock == DEFAULT_CLOCK and committed.exists():
            return _read(committed)
        from fakegraph.fakedata import default_dataset

        return default_dataset(settings.seed, settings.clock, schemas)
    path = Path(settings.dataset)
    if not path.is_file():
        raise ConfigError(
            f"dataset must be 'default', 'empty' or a JSON file; {settings.dataset!r} is none of them"
        )
    return _read(path)


def _read(path: Path) -> Dataset:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path}: not a JSON dataset: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ConfigError(f"{path}: a dataset maps Graph type names to lists of objects")
    return data
