"""The one compiled fast lane agrees with jsonschema: its nested check says valid exactly when jsonschema
does, and the one-pass cleaner either steps aside or stores exactly what the full path stores. Measured on
every schema of a pack, on random valid and mutated bodies: the shipped pack, the project's own sample pack,
and every schema compiled from ../shared/graph-docs/corpus."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any, NamedTuple

import pytest

from fakegraph.artifacts import schema_walk
from fakegraph.artifacts import schemas as schema_tools
from fakegraph.artifacts.catalogue import Catalogue, load_catalogue, request_bodies
from fakegraph.artifacts.contract import JSONObject, graph_block
from fakegraph.artifacts.errors import BadRequest
from fakegraph.artifacts.namespaces import alias_from_overrides
from fakegraph.artifacts.paths import data_dir
from fakegraph.compiler.build import Output
from fakegraph.validation.lane import compile_check
from fakegraph.validation.validator import RequestValidator

VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    2**31,
    2**63,
    "",
    "email",
    "EMAIL",
    "reset",
    "unknownFutureValue",
    "UNKNOWNFUTUREVALUE",
    "2021-01-01T00:00:00Z",
    "2021-01-01",
    "yesterday",
    "String",
    "Int64",
    "00000000-0000-4000-8000-000000000000",
    [],
    ["email"],
    ["nope"],
    [{}],
    {},
    {"x": 1},
]


class Tally(NamedTuple):
    """What a differential run tried, and every body on which the two sides disagreed."""

    keys: int
    bodies: int
    lane_answers: int  # bodies the lane cleaned (and the full path then had to match)
    checked: int  # bodies the nested check judged (and jsonschema then had to match)
    disagreements: list[str]


def _valid_value(prop: JSONObject, lookup: Any, rng: random.Random, depth: int = 0) -> Any:
    """A value the schema accepts, a little richer than the minimal sample (nested objects filled in)."""
    resolved = schema_walk.deref(prop, lookup)
    if depth < 2 and isinstance(resolved.get("items"), dict) and rng.random() < 0.5:
        return [_valid_value(resolved["items"], lookup, rng, depth + 1) for _ in range(rng.randint(1, 2))]
    if depth < 2 and resolved.get("properties") and "enum" not in resolved and rng.random() < 0.7:
        names = [n for n in resolved["properties"] if n != "@odata.type"]
        chosen = rng.sample(names, min(len(names), rng.randint(1, 3)))
        return {n: _valid_value(resolved["properties"][n], lookup, rng, depth + 1) for n in chosen}
    if "enum" in resolved and rng.random() < 0.5:
        members = [m for m in resolved["enum"] if m != "unknownFutureValue"] or resolved["enum"]
        return rng.choice(members).upper() if rng.random() < 0.2 else rng.choice(members)
    return schema_walk.sample_value(prop, lookup)


def _bodies(schema: JSONObject, lookup: Any, rng: random.Random, count: int) -> list[Any]:
    names = list(schema.get("properties", {}))
    extra = ["unknownProperty", "@odata.type", "x@odata.bind"]
    out: list[Any] = []
    for index in range(count):
        chosen = rng.sample(names, min(len(names), rng.randint(0, 5)))
        body = {n: _valid_value(schema["properties"][n], lookup, rng) for n in chosen}
        if index % 2 and (chosen or names):  # every other body mutated: a wrong value or a stray key
            target = rng.choice([*chosen, *extra] if chosen else [*names[:1], *extra])
            body[target] = rng.choice(VALUES)
        out.append(body)
    out.append([])  # not an object at all
    return out


def differential(
    schemas: Mapping[str, JSONObject],
    bodies: Mapping[str, JSONObject],
    owners: Mapping[str, str],
    *,
    version: str,
    per_key: int,
    seed: int,
) -> Tally:
    """Every type schema and every documented request body of one version (`owners`: the entity type of
    each body's operation), `per_key` bodies each."""
    validator = RequestValidator(schemas, lambda name: name, bodies, version=version)
    registry = schema_tools.registry_of(schemas[k] for k in schemas)
    rng = random.Random(seed)
    keys: dict[str, str] = {
        uri: str(s.get("title"))
        for uri, s in schemas.items()
        if graph_block(s).get("kind") in {"entityType", "complexType"}
    }
    keys.update({name: owners.get(name, "") for name in bodies})
    problems: list[str] = []
    tried = cleaned = checked = 0
    for key, entity in sorted(keys.items()):
        for partial in (False, True):
            schema = validator.schema(key, writable=not partial)
            jsonschema_validator = schema_tools.validator_for(schema, registry)
            check = compile_check(schema, schemas.get)
            lane = validator.lane(key, entity, partial=partial)
            for body in _bodies(schema, schemas.get, rng, per_key):
                tried += 1
                if check is not None:
                    checked += 1
                    if check(body) != jsonschema_validator.is_valid(body):
                        problems.append(f"check {key} {json.dumps(body)[:300]}")
                fast = lane(body)
                if fast is None:
                    continue
                cleaned += 1
                try:
                    full: Any = validator.check_fully(body, key, entity, partial=partial)
                except BadRequest as exc:
                    full = f"400: {exc.message}"
                if fast != full:
                    problems.append(f"lane {key} partial={partial} {json.dumps(body)[:300]} -> {full}")
    return Tally(len(keys), tried, cleaned, checked, problems)


def _pack_tallies(catalogue: Catalogue, per_key: int) -> list[Tally]:
    return [
        differential(
            catalogue.schemas[v],
            request_bodies(catalogue, v),
            {e["name"]: e["entityType"] or "" for e in catalogue.entries(v)},
            version=v,
            per_key=per_key,
            seed=index,
        )
        for index, v in enumerate(sorted(catalogue.operations))
        if catalogue.schemas.get(v)
    ]


def _assert_agree(tallies: list[Tally], *, min_cleaned: int) -> None:
    problems = [p for t in tallies for p in t.disagreements]
    assert problems == [], problems[:10]
    assert sum(t.lane_answers for t in tallies) >= min_cleaned  # the lane was really exercised
    assert sum(t.checked for t in tallies) > 0


def test_lane_agrees_with_jsonschema_on_the_shipped_pack():
    """Every schema and request body of the shipped pack (all of graph-docs: thousands of keys, so 6 bodies
    per key and mode, as for the corpus): no disagreement."""
    _assert_agree(_pack_tallies(load_catalogue(data_dir()), per_key=6), min_cleaned=10_000)


def test_lane_agrees_with_jsonschema_on_the_sample_pack(sample_files):
    """The same over the pack compiled from tests/data (derived types, aliases, open types, nesting)."""
    schemas = {v["$id"]: v for k, v in sample_files.items() if k.startswith("schemas/beta/")}
    entries = sample_files["fixtures/beta/operations.json"]["operations"]
    catalogue = Catalogue({"beta": schemas}, {"beta": {e["name"]: e for e in entries}})
    _assert_agree(_pack_tallies(catalogue, per_key=60), min_cleaned=50)


@pytest.fixture(scope="session")
def corpus_catalogue(corpus_output: Output) -> Catalogue:
    """The catalogue compiled from ../shared/graph-docs/corpus, in memory."""
    files = {name: json.loads(content) for name, content in corpus_output.files.items()}
    schemas: dict[str, dict[str, JSONObject]] = {}
    operations: dict[str, dict[str, Any]] = {}
    for name, content in files.items():
        parts = name.split("/")
        if parts[0] == "schemas":
            schemas.setdefault(parts[1], {})[content["$id"]] = content
        elif parts[-1] == "operations.json":
            operations[parts[1]] = {e["name"]: e for e in content["operations"]}
    return Catalogue(schemas, operations)


@pytest.mark.corpus
def test_lane_agrees_with_jsonschema_on_every_corpus_schema(corpus_catalogue):
    """Every type schema and request body compiled from the corpus (both versions), 6 bodies per key and
    mode: the lane and jsonschema agree on every one."""
    tallies = _pack_tallies(corpus_catalogue, per_key=6)
    assert sum(t.keys for t in tallies) > 4000
    _assert_agree(tallies, min_cleaned=10_000)


def test_schemas_outside_the_subset_are_left_to_jsonschema():
    """A keyword the nested check does not know makes it step aside (None) instead of guessing."""
    assert compile_check({"type": "object", "if": {}, "then": {}}, {}.get) is None
    assert compile_check({"$ref": "urn:missing"}, {}.get) is None


def _shipped_validator() -> tuple[RequestValidator, Mapping[str, JSONObject]]:
    catalogue = load_catalogue(data_dir())
    aliases = alias_from_overrides(data_dir() / "fixtures" / "overrides.json")
    schemas = catalogue.schemas["beta"]
    return RequestValidator(schemas, aliases, request_bodies(catalogue, "beta"), version="beta"), schemas


def test_lane_refuses_what_the_full_check_must_explain():
    """Each kind of problem makes the lane step aside, so the 400 comes from the full check."""
    validator, _ = _shipped_validator()
    entity = "microsoft.graph.userCredentialUsageDetails"
    lane = validator.lane(f"urn:fakegraph:schemas:beta:{entity}", entity, partial=True)
    good = {
        "feature": "RESET",
        "authMethod": "email",
        "eventDateTime": "2021-01-01T00:00:00Z",
        "@odata.type": entity,
    }
    assert lane(good) == {"feature": "reset", "authMethod": "email", "eventDateTime": "2021-01-01T00:00:00Z"}
    for bad in (
        {"id": "x"},  # read-only, on PATCH
        {"nothing": 1},  # unknown
        {"feature": "unknownFutureValue"},  # the evolvable-enum sentinel
        {"feature": "nope"},
        {"isSuccess": "true"},
        {"userDisplayName": "String"},  # a placeholder
        {"eventDateTime": "yesterday"},
        {"@odata.type": "#microsoft.graph.user"},
        [],
    ):
        assert lane(bad) is None, bad


def test_lane_date_times_are_the_full_checks_date_times():
    """The lane's date-time test accepts exactly what the full path's format check (rfc3339_validator)
    accepts: edge cases, then mutations of a valid value."""
    from rfc3339_validator import validate_rfc3339

    from fakegraph.validation.lane import is_date_time

    cases = [
        *("2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2023-04-31T12:00:00Z", "0000-01-01T00:00:00Z"),
        *("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2021-01-01T23:59:60Z"),
        *(
            "2021-01-01T24:00:00Z",
            "2021-01-01T00:00:00+23:59",
            "2021-01-01T00:00:00-24:00",
            "2021-13-01T00:00:00Z",
        ),
        *("2021-01-01t00:00:00z", "2021-01-01 00:00:00Z", "2021-01-01T00:00:00", "2021-01-01T00:00:00.Z"),
        *("2021-01-01T00:00Z", "2021-01-01", "\u0662021-01-01T00:00:00Z", ""),
    ]
    rng = random.Random(7)
    alphabet = "0123456789-:.TZ+ z"
    for _ in range(3000):
        text = list("2021-06-15T08:30:45.25+02:00")
        for _ in range(rng.randint(1, 3)):
            text[rng.randrange(len(text))] = rng.choice(alphabet)
        cases.append("".join(text))
    for text in cases:
        assert is_date_time(text) == validate_rfc3339(text), text
    # The one difference: rfc3339_validator's `$` lets a final newline through. The lane is stricter there
    # and steps aside; the full path then decides, as before the lane existed.
    assert validate_rfc3339("2021-01-01T00:00:00Z\n")
    assert not is_date_time("2021-01-01T00:00:00Z\n")


def test_compiled_rules_are_cached_by_key_not_by_object():
    """What the validator compiles is kept per schema key and mode: equal schema objects handed in anew
    (as seeding does) reuse it, and repeated checks do not grow the caches."""
    validator, schemas = _shipped_validator()
    entity = "microsoft.graph.userCredentialUsageDetails"
    key = f"urn:fakegraph:schemas:beta:{entity}"
    for index in range(50):
        validator.check({"id": f"x{index}", "feature": "reset"}, key, entity, partial=False)
        validator.check({"feature": "RESET"}, key, entity, partial=True)
    assert len(validator._compiled) == 2
    writable = validator.schema(key, writable=True)
    assert "readOnly" not in writable["properties"]["id"]
    assert schemas[key]["properties"]["id"]["readOnly"] is True  # the catalogue's schema is untouched
