"""Which objects a server starts (and resets) with: `default`, `empty`, or a JSON file.

The default dataset for the default seed and clock is committed (`fixtures/datasets/default.json`) so that
start-up needs no Faker; any other seed or clock generates it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from fakegraph.artifacts.contract import JSONObject, graph_block, schema_uri
from fakegraph.artifacts.errors import BadRequest, ConfigError
from fakegraph.model.settings import DEFAULT_CLOCK, DEFAULT_SEED, Settings

if TYPE_CHECKING:
    from fakegraph.validation.validator import RequestValidator

Dataset = dict[str, list[JSONObject]]
APPS_SECTION = "@fakegraph.apps"  # a dataset file's app registrations (identity/apps.from_json's objects)


def committed_default(data: Path) -> Path:
    return data / "fixtures" / "datasets" / "default.json"


def load_dataset(
    settings: Settings, schemas: Mapping[str, JSONObject], validator: RequestValidator
) -> Dataset:
    """The objects to start with; a file's are checked as if each had been created through the API."""
    if settings.dataset == "empty":
        return {}
    if settings.dataset == "default":
        # The sample tenant, then the generated data of a pack with a generator: the generator's types are
        # its own (self-consistent: report aggregates add up), so sample objects of those types give way.
        from fakegraph.model.fakedata import OWNED, has_generator

        sample = sample_tenant(settings.data)
        if has_generator(schemas):
            sample = {name: objects for name, objects in sample.items() if name not in OWNED}
        return {**sample, **_generated(settings, schemas)}
    path = Path(settings.dataset)
    if not path.is_file():
        raise ConfigError(
            f"dataset must be 'default', 'empty' or a JSON file; {settings.dataset!r} is none of them"
        )
    objects = {name: items for name, items in _read(path).items() if name != APPS_SECTION}
    return checked(objects, validator, schemas, str(path))


def dataset_apps(settings: Settings) -> list[object]:
    """The app registrations a dataset file lists under APPS_SECTION (none for the built-in datasets)."""
    if settings.dataset in {"default", "empty"} or not Path(settings.dataset).is_file():
        return []
    return list(_read(Path(settings.dataset)).get(APPS_SECTION, []))


def _generated(settings: Settings, schemas: Mapping[str, JSONObject]) -> Dataset:
    committed = committed_default(settings.data)
    if settings.seed == DEFAULT_SEED and settings.clock == DEFAULT_CLOCK and committed.exists():
        return _read(committed)
    from fakegraph.model.fakedata import default_dataset, has_generator

    return default_dataset(settings.seed, settings.clock, schemas) if has_generator(schemas) else {}


def sample_links(settings: Settings) -> dict[tuple[str, str], list[str]]:
    """The sample tenant's reference links (`fixtures/<version>/sample-links.json`) for the default
    dataset, v1.0's first; none for any other dataset."""
    if settings.dataset != "default":
        return {}
    merged: dict[tuple[str, str], list[str]] = {}
    for version in ("v1.0", "beta"):
        path = settings.data / "fixtures" / version / "sample-links.json"
        for link in json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []:
            targets = merged.setdefault((str(link["navigation"]), str(link["parent"])), [])
            targets.extend(str(t) for t in link["targets"] if str(t) not in targets)
    return merged


def sample_tenant(data: Path) -> Dataset:
    """The objects of a pack's documented example responses (compiled into `fixtures/<version>/sample.json`),
    v1.0's first; an id seen in both versions is stored once."""
    merged: dict[str, dict[str, JSONObject]] = {}
    for version in ("v1.0", "beta"):
        path = data / "fixtures" / version / "sample.json"
        for type_name, objects in (_read(path) if path.is_file() else {}).items():
            for obj in objects:
                merged.setdefault(type_name, {}).setdefault(str(obj["id"]), obj)
    return {type_name: list(objects.values()) for type_name, objects in merged.items()}


def _read(path: Path) -> Dataset:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path}: not a JSON dataset: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ConfigError(f"{path}: a dataset maps Graph type names to lists of objects")
    return data


def checked(
    data: Dataset, validator: RequestValidator, schemas: Mapping[str, JSONObject], origin: str
) -> Dataset:
    """A dataset file's objects as the store keeps them (enum members in their declared case), or a
    ConfigError naming the first object and property that no request could have created. Types may be
    named as the control plane takes them: qualified, or by their simple name where that is unambiguous.
    An id given twice for one type is refused (the store would keep only the last)."""
    out: Dataset = {}
    for given, items in data.items():
        type_name = _entity_type(given, schemas, origin)
        schema = schemas[schema_uri("beta", type_name)]
        clean = out.setdefault(type_name, [])
        seen = {str(o["id"]): f"{type_name}[{i}]" for i, o in enumerate(clean)}
        for position, item in enumerate(items):
            where = f"{origin}: {given}[{position}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise ConfigError(f"{where} must be an object with a string id")
            if item["id"] in seen:
                raise ConfigError(f"{where} repeats the id {item['id']!r} of {seen[item['id']]}")
            seen[item["id"]] = f"{given}[{position}]"
            try:
                clean.append(validator.check(item, schema["$id"], type_name, partial=False))
            except BadRequest as exc:
                raise ConfigError(f"{where}: {exc.message}") from exc
    return out


def _entity_type(name: str, schemas: Mapping[str, JSONObject], origin: str) -> str:
    """The qualified entity type a dataset file names, by its qualified or simple name."""

    def is_entity(qualified: str) -> bool:
        schema = schemas.get(schema_uri("beta", qualified))
        return schema is not None and graph_block(schema).get("kind") == "entityType"

    if is_entity(name):
        return name
    prefix = schema_uri("beta", "")
    simple = sorted(
        qualified
        for uri in schemas  # file names only: no schema is read
        if (qualified := uri.removeprefix(prefix)).rsplit(".", 1)[-1].lower() == name.lower()
        and is_entity(qualified)
    )
    if len(simple) == 1:
        return simple[0]
    raise ConfigError(f"{origin}: {name!r} is not an entity type of the served pack")
