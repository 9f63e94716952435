"""The OpenAPI export is no looser than the server (issue 15, item 8): what the document says is a valid
request, the server accepts. Query options are generated from the document's own schemas (hypothesis) and
sent to a running fake; the cases the issue found are pinned one by one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from fakegraph.artifacts.catalogue import load_catalogue
from fakegraph.artifacts.paths import data_dir
from fakegraph.openapi import document
from fakegraph.server import FakeGraph

AUTH = {"Authorization": "Bearer t", "ConsistencyLevel": "eventual"}  # the header the document declares


@pytest.fixture(scope="module")
def graph() -> Iterator[FakeGraph]:
    with FakeGraph() as running:
        yield running


@pytest.fixture(scope="module")
def beta() -> dict[str, Any]:
    return document(load_catalogue(data_dir()), "beta", "http://fake")


@pytest.fixture(scope="module")
def v1() -> dict[str, Any]:
    return document(load_catalogue(data_dir()), "v1.0", "http://fake")


def _parameters(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, dict[str, Any]]:
    out = {}
    for listed in spec["paths"][path][method]["parameters"]:
        parameter = (
            spec["components"]["parameters"][listed["$ref"].rsplit("/", 1)[1]] if "$ref" in listed else listed
        )
        out[parameter["name"]] = parameter["schema"]
    return out


def _valid(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema).is_valid(value)


def _get(graph: FakeGraph, version: str, path: str, query: dict[str, str]) -> tuple[int, str]:
    url = f"{graph.url}/{version}{path}"
    if query:
        url += "?" + urlencode(query, quote_via=quote, safe="$")
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_cases_the_issue_found_are_described_as_the_server_takes_them(beta):
    """Empty $filter/$select/$orderby, $top 0 or 1000, a negative $skip: invalid by the document as by the
    server; period lists its values; /$count takes $filter only; requests never offer unknownFutureValue."""
    listed = _parameters(beta, "/reports/userCredentialUsageDetails")
    for option in ("$filter", "$select", "$orderby"):
        assert not _valid(listed[option], "")
    assert not _valid(listed["$top"], 0)
    assert not _valid(listed["$top"], 1000)
    assert _valid(listed["$top"], 999)
    managed = _parameters(beta, "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries")
    assert not _valid(managed["$skip"], -1)
    assert _valid(listed["$filter"], "feature eq 'reset'")
    assert not _valid(listed["$filter"], "feature eq 'unknownFutureValue'")
    assert not _valid(listed["$filter"], "colour eq 'red'")
    assert _valid(listed["$select"], "id,feature")
    assert not _valid(listed["$select"], "id,colour")
    assert _valid(listed["$orderby"], "feature desc,id")
    period = _parameters(beta, "/reports/getCredentialUsageSummary(period='{period}')")["period"]
    assert period["enum"] == ["D1", "D7", "D30"]
    assert list(_parameters(beta, "/reports/userCredentialUsageDetails/$count")) == ["$filter"]
    body = beta["paths"]["/reports/userCredentialUsageDetails"]["post"]["requestBody"]
    text = json.dumps(body)
    assert "usageAuthMethod-request" in text
    variant = beta["components"]["schemas"]["microsoft.graph.usageAuthMethod-request"]
    assert "unknownFutureValue" not in variant["enum"]
    assert "unknownFutureValue" in beta["components"]["schemas"]["microsoft.graph.usageAuthMethod"]["enum"]


def test_every_request_variant_is_free_of_the_sentinel_and_every_ref_resolves(beta, v1):
    for spec in (beta, v1):
        schemas = spec["components"]["schemas"]
        parameters = spec["components"]["parameters"]
        for name, schema in schemas.items():
            Draft202012Validator.check_schema(schema)
            if name.endswith("-request"):
                assert '"unknownFutureValue"' not in json.dumps(schema), name
        text = json.dumps(spec)
        for ref in set(__import__("re").findall(r'"#/components/(schemas|parameters)/([^"]+)"', text)):
            assert ref[1] in (schemas if ref[0] == "schemas" else parameters), ref
        for path, methods in spec["paths"].items():
            for operation in methods.values():
                if "requestBody" in operation:
                    assert '"unknownFutureValue"' not in json.dumps(operation["requestBody"]), path


def _query(spec: dict[str, Any], path: str) -> st.SearchStrategy[dict[str, str]]:
    """Query strings the document describes as valid for a GET, built from its own parameter schemas."""
    strategies: dict[str, st.SearchStrategy[str]] = {}
    for name, schema in _parameters(spec, path).items():
        if not name.startswith("$"):
            continue
        if "pattern" in schema:
            strategies[name] = st.from_regex(schema["pattern"], fullmatch=True)
        elif schema.get("type") == "integer":
            strategies[name] = st.integers(schema.get("minimum"), schema.get("maximum")).map(str)
        elif schema.get("type") == "boolean":
            strategies[name] = st.booleans().map(lambda b: str(b).lower())
        else:
            strategies[name] = st.text(min_size=schema.get("minLength", 0), max_size=20)
    return st.fixed_dictionaries({}, optional=strategies)


BETA_LISTS = [
    "/reports/userCredentialUsageDetails",
    "/reports/userCredentialUsageDetails/$count",
    "/reports/credentialUserRegistrationDetails",
    "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
    "/reports/getCredentialUsageSummary(period='D7')",
]
V1_LISTS = ["/users", "/groups", "/users/$count", "/applications"]


@settings(
    max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_queries_valid_by_the_document_are_accepted(graph, beta, v1, data):
    """Hypothesis draws $filter/$select/$orderby/$top/$skip/$count values from the document's schemas; the
    server answers each with 200 (never a 400 for a request the document allows, never a 5xx)."""
    version = data.draw(st.sampled_from(["beta", "v1.0"]))
    spec, paths = (beta, BETA_LISTS) if version == "beta" else (v1, V1_LISTS)
    path = data.draw(st.sampled_from(paths))
    template = "/reports/getCredentialUsageSummary(period='{period}')" if "period=" in path else path
    query = data.draw(_query(spec, template))
    status, text = _get(graph, version, path, query)
    assert status == 200, (version, path, query, text[:500])


def test_advanced_queries_declare_the_consistency_level_header(v1):
    """Where a page documents `ConsistencyLevel`, the document says so: required on `/$count`, offered on the
    list (whose `$count=true` and `$search` need it, as the server answers without it)."""
    counted = [p for p in v1["paths"]["/groups/$count"]["get"]["parameters"] if p.get("in") == "header"]
    assert [(p["name"], p["required"], p["schema"]["enum"]) for p in counted] == [
        ("ConsistencyLevel", True, ["eventual"])
    ]
    listed = [p for p in v1["paths"]["/groups"]["get"]["parameters"] if p.get("in") == "header"]
    assert [(p["name"], p["required"]) for p in listed] == [("ConsistencyLevel", False)]
