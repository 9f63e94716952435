"""The compiled fast path agrees with jsonschema on every body it accepts."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from fakegraph import schemas as schema_tools
from fakegraph.catalogue import load_catalogue
from fakegraph.data import data_dir
from fakegraph.fastcheck import compile_check

CATALOGUE = load_catalogue(data_dir())
SCHEMAS = CATALOGUE.schemas["beta"]
REGISTRY = schema_tools.registry_of(SCHEMAS.values())
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
