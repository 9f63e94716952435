"""The compiled fast paths: the yes/no check agrees with jsonschema, and the one-pass lane cleans bodies
exactly as the full check does (or steps aside)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from fakegraph.artifacts import schemas as schema_tools
from fakegraph.artifacts.catalogue import load_catalogue
from fakegraph.artifacts.errors import BadRequest
from fakegraph.artifacts.namespaces import alias_from_overrides
from fakegraph.artifacts.paths import data_dir
from fakegraph.validation.fastcheck import compile_check
from fakegraph.validation.validator import RequestValidator

CATALOGUE = load_catalogue(data_dir())
SCHEMAS = CATALOGUE.schemas["beta"]
REGISTRY = schema_tools.registry_of(SCHEMAS.values())
DATASET = json.loads((data_dir() / "fixtures" / "datasets" / "default.json").read_text())
BODIES = [op["requestBody"] for op in CATALOGUE.operations["beta"].values() if op["requestBody"]]
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
    "2021-01-01T00:00:00Z",
    "2021-01-01",
    "yesterday",
    [],
    ["email"],
    ["nope"],
    {},
    {"x": 1},
    {"registrationStatus": "registered", "registrationCount": 2},
]


def _mutations(schema: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    names = [*schema["properties"], "unknownProperty", "@odata.type"]
    bodies = []
    for _ in range(300):
        body = {name: rng.choice(VALUES) for name in rng.sample(names, rng.randint(0, min(4, len(names))))}
        if "userRegistrationCounts" in body and rng.random() < 0.5:
            body["userRegistrationCounts"] = [rng.choice(VALUES[-3:])]
        bodies.append(body)
    return bodies


@pytest.mark.parametrize("index", range(len(BODIES)))
def test_fast_path_agrees_with_jsonschema(index):
    """On random bodies (valid and not), the compiled check says valid exactly when jsonschema does."""
    schema = BODIES[index]
    check = compile_check(schema, SCHEMAS.get)
    assert check is not None, "the pack's request schemas stay inside the fast subset"
    validator = schema_tools.validator_for(schema, REGISTRY)
    rng = random.Random(index)
    for body in _mutations(schema, rng):
        assert check(body) == validator.is_valid(body), json.dumps(body)


def test_schemas_outside_the_subset_are_left_to_jsonschema():
    """A keyword the checker does not know makes it step aside (None) instead of guessing."""
    assert compile_check({"type": "object", "if": {}, "then": {}}, SCHEMAS.get) is None
    assert compile_check({"$ref": "urn:missing"}, SCHEMAS.get) is None


def _validator() -> RequestValidator:
    return RequestValidator(SCHEMAS, alias_from_overrides(data_dir() / "fixtures" / "overrides.json"))


LANE_VALUES = [*VALUES, "String", "Int64", "UNKNOWNFUTUREVALUE", "#microsoft.graph.nothing", "MobileSms"]
WRITABLE = sorted(
    {
        (op["entityType"], json.dumps(op["requestBody"], sort_keys=True))
        for op in CATALOGUE.operations["beta"].values()
        if op["requestBody"]
    }
)


@pytest.mark.parametrize("entity_type", sorted({entity for entity, _ in WRITABLE}))
def test_compiled_lane_cleans_exactly_like_the_full_check(entity_type):
    """On random bodies, the one-pass lane either steps aside (None) or returns exactly what the full check
    stores, for create and for PATCH; and it does not step aside for the valid bodies of the datasets."""
    validator = _validator()
    schema = next(json.loads(body) for entity, body in WRITABLE if entity == entity_type)
    rng = random.Random(entity_type)
    names = [*schema["properties"], "unknownProperty", "@odata.type", "x@odata.bind"]
    taken = 0
    for _ in range(600):
        chosen = rng.sample(names, rng.randint(0, min(5, len(names))))
        body = {name: rng.choice(LANE_VALUES) for name in chosen}
        if "@odata.type" in body and rng.random() < 0.5:
            body["@odata.type"] = rng.choice(["#" + entity_type, entity_type.upper(), None])
        lane = validator._lane(schema, entity_type)(body)
        for partial in (False, True):
            try:
                full = validator.check_fully(body, schema, entity_type, partial=partial)
            except BadRequest:
                full = None
            if lane is not None:
                taken += 1
                assert lane == full, (json.dumps(body), partial)
    assert taken > 0
    for obj in DATASET.get(entity_type, []):
        body = {k: v for k, v in obj.items() if not schema["properties"].get(k, {}).get("readOnly")}
        assert validator._lane(schema, entity_type)(body) == validator.check_fully(
            body, schema, entity_type, partial=False
        )


def test_lane_refuses_what_the_full_check_must_explain():
    """Each kind of problem makes the lane step aside, so the 400 comes from the full check."""
    validator = _validator()
    entity = "microsoft.graph.userCredentialUsageDetails"
    schema = SCHEMAS[f"urn:fakegraph:schemas:beta:{entity}"]
    lane = validator._lane(schema, entity)
    good = {
        "feature": "RESET",
        "authMethod": "email",
        "eventDateTime": "2021-01-01T00:00:00Z",
        "@odata.type": entity,
    }
    assert lane(good) == {"feature": "reset", "authMethod": "email", "eventDateTime": "2021-01-01T00:00:00Z"}
    for bad in (
        {"id": "x"},  # read-only
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


def test_seeding_schemas_are_made_once_per_type():
    """The validator's caches are keyed by schema identity: the writable form of a type's schema is one
    object for the server's life, so repeated seeding neither grows the caches nor meets a recycled id."""
    validator = _validator()
    entity = "microsoft.graph.userCredentialUsageDetails"
    schema = SCHEMAS[f"urn:fakegraph:schemas:beta:{entity}"]
    first = validator.writable(schema)
    assert validator.writable(schema) is first
    assert "readOnly" not in first["properties"]["id"]
    assert schema["properties"]["id"]["readOnly"] is True  # the catalogue's schema is untouched
    for _ in range(50):
        validator.check({"id": "x", "feature": "reset"}, validator.writable(schema), entity, partial=False)
    assert len(validator._lanes) == 1
