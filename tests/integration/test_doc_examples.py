"""Every documented example of the credential reports (the operations on the types the generator owns),
replayed against the shipped pack: placeholders replaced it succeeds with the documented status and keys;
verbatim, with its placeholders, it is a 400 naming the property. (The rest of graph-docs is replayed by
`fakegraph replay`, which counts answers by class.)"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from fakegraph.artifacts.paths import data_dir
from fakegraph.compiler.examples import substitute
from fakegraph.model.fakedata import OWNED
from tests.integration.conftest import AUTH, JSON, state_of

OPERATIONS = {
    o["name"]: o
    for o in json.loads((data_dir() / "fixtures" / "beta" / "operations.json").read_text())["operations"]
}
_PARAM = re.compile(r"\{[^}]+\}")


def _load(path: Any) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


EXAMPLES = [
    path
    for path in sorted((data_dir() / "fixtures" / "beta" / "examples").glob("*.json"))
    if OPERATIONS[_load(path)["operation"]]["entityType"] in OWNED
]


def _prepare(client: Any, example: dict[str, Any]) -> str:
    """The example's path; an `{id}` in it is filled with an object stored for the occasion."""
    path = str(example["request"]["path"])
    if not _PARAM.search(path):
        return path
    operation = OPERATIONS[example["operation"]]
    response = example["response"]["body"] or {}
    stored = {k: v for k, v in substitute(response, example["response"]["marks"]).items() if "@" not in k}
    stored["id"] = "example-object"
    state_of(client).store.insert(operation["entityType"], "example-object", stored)
    return _PARAM.sub("example-object", path)


def _documented_keys(example: dict[str, Any]) -> set[str]:
    body = example["response"]["body"] or {}
    if isinstance(body.get("value"), list) and body["value"]:
        return set(body["value"][0])
    return set(body)


def _answered_keys(body: dict[str, Any]) -> set[str]:
    if isinstance(body.get("value"), list) and body["value"]:
        return set(body["value"][0])
    return set(body)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_documented_example_replays(client, path):
    """The example request, placeholders replaced, gets the documented status and the documented keys."""
    example = _load(path)
    request = example["request"]
    url = "/beta" + _prepare(client, example)
    body = substitute(request["body"], request["marks"]) if request["body"] is not None else None
    response = await client.request(
        request["method"], url, json=body, headers=JSON if body is not None else AUTH
    )
    assert response.status == example["response"]["status"], await response.text()
    answered = await response.json()
    missing = _documented_keys(example) - _answered_keys(answered) - {"@odata.context"}
    assert not missing
    assert "@odata.context" in answered


WITH_PLACEHOLDERS = [p for p in EXAMPLES if _load(p)["request"]["marks"]]


@pytest.mark.parametrize("path", WITH_PLACEHOLDERS, ids=[p.stem for p in WITH_PLACEHOLDERS])
async def test_verbatim_example_with_placeholders_is_a_400_naming_the_property(client, path):
    """Sent exactly as documented, the placeholder is refused and named."""
    example = _load(path)
    request = example["request"]
    url = "/beta" + _prepare(client, example)
    before = state_of(client).store.dump()
    response = await client.request(request["method"], url, json=request["body"], headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    named = {m["pointer"].lstrip("/").split("/")[0] for m in request["marks"]}
    assert error["target"].split("[")[0].split(".")[0] in named
    assert "placeholder" in error["message"]
    assert state_of(client).store.dump() == before


def test_every_operation_has_replayed_examples():
    """The five seed operations and six reads each have a documented example here."""
    assert len(EXAMPLES) == 11
    assert len(WITH_PLACEHOLDERS) == 5
