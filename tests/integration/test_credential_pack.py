"""The committed artifacts for the first pack: credential usage and registration reports (ARCHITECTURE A3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakegraph.artifacts import schemas as schema_tools
from fakegraph.artifacts.paths import data_dir
from fakegraph.compiler.examples import substitute
from fakegraph.model.fakedata import OWNED
from fakegraph.validation.validator import body_problems

ROOT = data_dir()
GRAPH = "urn:fakegraph:schemas:beta:microsoft.graph"


def _load(relative: str) -> Any:
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return {p.stem: json.loads(p.read_text()) for p in (ROOT / "schemas" / "beta").glob("*.json")}


@pytest.fixture(scope="module")
def operations() -> dict[str, Any]:
    return {o["name"]: o for o in _load("fixtures/beta/operations.json")["operations"]}


@pytest.fixture(scope="module")
def examples(operations) -> list[dict[str, Any]]:
    """The credential reports' examples (operations on the generator's types) among the shipped pack's."""
    found = [
        json.loads(p.read_text()) for p in sorted((ROOT / "fixtures" / "beta" / "examples").glob("*.json"))
    ]
    return [e for e in found if operations[e["operation"]]["entityType"] in OWNED]


@pytest.fixture(scope="module")
def registry(schemas) -> Any:
    return schema_tools.registry_of(schemas.values())


@pytest.mark.parametrize(
    ("name", "properties"),
    [
        (
            "microsoft.graph.credentialUsageSummary",
            {"id", "authMethod", "failureActivityCount", "feature", "successfulActivityCount"},
        ),
        (
            "microsoft.graph.userCredentialUsageDetails",
            {
                "id",
                "authMethod",
                "eventDateTime",
                "failureReason",
                "feature",
                "isSuccess",
                "userDisplayName",
                "userPrincipalName",
            },
        ),
        (
            "microsoft.graph.credentialUserRegistrationCount",
            {"id", "totalUserCount", "userRegistrationCounts"},
        ),
        ("microsoft.graph.userRegistrationCount", {"registrationCount", "registrationStatus"}),
        (
            "microsoft.graph.credentialUserRegistrationDetails",
            {
                "id",
                "authMethods",
                "isCapable",
                "isEnabled",
                "isMfaRegistered",
                "isRegistered",
                "userDisplayName",
                "userPrincipalName",
            },
        ),
        (
            "microsoft.graph.managedTenants.credentialUserRegistrationsSummary",
            {
                "id",
                "lastRefreshedDateTime",
                "mfaAndSsprCapableUserCount",
                "mfaConditionalAccessPolicyState",
                "mfaExcludedUserCount",
                "mfaRegisteredUserCount",
                "securityDefaultsEnabled",
                "ssprEnabledUserCount",
                "ssprRegisteredUserCount",
                "tenantDisplayName",
                "tenantId",
                "totalUserCount",
            }
            - {"mfaExcludedUserCount"},
        ),
    ],
)
def test_report_types_have_their_properties(schemas, name, properties):
    """Each report type has a schema with (at least) the properties Graph documents."""
    assert properties <= set(schemas[name]["properties"])


def test_report_property_types(schemas):
    """Counts are Int64 (JSON integers), enums are referenced, the registration counts nest by $ref."""
    usage = schemas["microsoft.graph.credentialUsageSummary"]["properties"]
    assert usage["successfulActivityCount"]["format"] == "int64"
    assert usage["authMethod"]["anyOf"][0] == {"$ref": f"{GRAPH}.usageAuthMethod"}
    counts = schemas["microsoft.graph.credentialUserRegistrationCount"]["properties"][
        "userRegistrationCounts"
    ]
    assert counts["items"] == {"$ref": f"{GRAPH}.userRegistrationCount"}
    status = schemas["microsoft.graph.userRegistrationCount"]["properties"]["registrationStatus"]
    assert status["anyOf"][0] == {"$ref": f"{GRAPH}.registrationStatusType"}
    summary = schemas["microsoft.graph.managedTenants.credentialUserRegistrationsSummary"]
    assert summary["properties"]["mfaRegisteredUserCount"]["format"] == "int32"
    assert summary["additionalProperties"] is True  # openType in the docs


@pytest.mark.parametrize(
    ("name", "members"),
    [
        ("featureType", ["registration", "reset", "unknownFutureValue"]),
        (
            "registrationStatusType",
            ["registered", "enabled", "capable", "mfaRegistered", "unknownFutureValue"],
        ),
        (
            "registrationAuthMethod",
            [
                "email",
                "mobilePhone",
                "officePhone",
                "securityQuestion",
                "appNotification",
                "appCode",
                "alternateMobilePhone",
                "fido",
                "appPassword",
                "unknownFutureValue",
                "externalAuthMethod",
            ],
        ),
        (
            "usageAuthMethod",
            [
                "email",
                "mobileSMS",
                "mobileCall",
                "officePhone",
                "securityQuestion",
                "appNotification",
                "appCode",
                "alternateMobileCall",
                "fido",
                "appPassword",
                "unknownFutureValue",
                "externalAuthMethod",
                "hardwareOneTimePasscode",
                "windowsHelloForBusiness",
                "microsoftAuthenticatorPasswordless",
                "temporaryAccessPass",
                "macOsSecureEnclaveKey",
                "passKeyDeviceBound",
                "passKeyDeviceBoundAuthenticator",
                "passKeyDeviceBoundWindowsHello",
                "softwareOneTimePasscode",
                "microsoftAuthenticatorPush",
                "mobilePhone",
                "sms",
                "alternateMobilePhone",
                "fido2SecurityKey",
                "oneTimePasscode",
                "passKeySynced",
                "qrCode",
            ],
        ),
    ],
)
def test_enums_have_every_member_in_order(schemas, name, members):
    """The four enums carry every member, in Graph's order (order is the numeric value)."""
    schema = schemas[f"microsoft.graph.{name}"]
    assert schema["enum"] == members
    assert schema["x-graph"]["unknownFutureValueIndex"] == members.index("unknownFutureValue")


SEED_OPERATIONS = {
    "create_credentialUsageSummary": ("POST", "/reports/credentialUsageSummaries", 201),
    "update_credentialUsageSummary": (
        "PATCH",
        "/reports/credentialUsageSummaries/{credentialUsageSummaryId}",
        200,
    ),
    "create_userCredentialUsageDetails": ("POST", "/reports/userCredentialUsageDetails", 201),
    "create_credentialUserRegistrationsSummary": ("POST", "/credentialUserRegistrationsSummaries", 201),
    "create_credentialUserRegistrationCount": ("POST", "/reports/credentialUserRegistrationCounts", 201),
}
REAL_READS = {
    "reportRoot_getCredentialUsageSummary": (
        "GET",
        "/reports/getCredentialUsageSummary(period='{period}')",
        200,
    ),
    "reportRoot_getCredentialUserRegistrationCount": (
        "GET",
        "/reports/getCredentialUserRegistrationCount",
        200,
    ),
    "list_userCredentialUsageDetails": ("GET", "/reports/userCredentialUsageDetails", 200),
    "list_credentialUserRegistrationDetails": ("GET", "/reports/credentialUserRegistrationDetails", 200),
    "list_credentialUserRegistrationsSummaries": (
        "GET",
        "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
        200,
    ),
    "get_credentialUserRegistrationsSummary": (
        "GET",
        "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/"
        "{credentialUserRegistrationsSummaryId}",
        200,
    ),
}


@pytest.mark.parametrize(("name", "expected"), sorted({**SEED_OPERATIONS, **REAL_READS}.items()))
def test_catalogue_holds_the_seed_operations_and_real_reads(operations, name, expected):
    """The five seed operations and six real reads are catalogued, each with a path and its status."""
    method, path, status = expected
    op = operations[name]
    assert (op["method"], op["paths"][0], op["successStatus"]) == (method, path, status)


def test_managed_tenants_summaries_are_created_on_both_paths(operations):
    """The seed's own path and the real managedTenants collection both accept creates (ARCHITECTURE A3)."""
    assert operations["create_credentialUserRegistrationsSummary"]["paths"] == [
        "/credentialUserRegistrationsSummaries",
        "/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries",
    ]


def test_documented_query_capabilities(operations):
    """Filterable properties and the period parameter are catalogued as the reference pages give them."""
    summary = operations["reportRoot_getCredentialUsageSummary"]
    assert summary["filterable"] == {
        "feature": {"caseInsensitive": False, "operators": ["eq"], "orderBy": False}
    }
    assert summary["parameters"][0]["allowedValues"] == ["D1", "D7", "D30"]
    assert summary["parameters"][0]["caseInsensitive"] is True
    details = operations["list_userCredentialUsageDetails"]["filterable"]
    assert details["userPrincipalName"] == {
        "caseInsensitive": True,
        "operators": ["eq", "startswith"],
        "orderBy": False,
    }
    assert details["isSuccess"]["orderBy"] is True
    assert operations["reportRoot_getCredentialUserRegistrationCount"]["queryOptions"] == []


def test_every_documented_response_validates_once_marked_values_are_replaced(examples, registry):
    """Placeholders, invalid values and misspelled keys handled, each documented response is valid."""
    responses = [e["response"] for e in examples if e["response"] and e["response"]["schema"]]
    assert len(responses) == 11
    for response in responses:
        body = substitute(response["body"], response["marks"])
        errors = list(schema_tools.validator_for(response["schema"], registry).iter_errors(body))
        assert errors == [], errors[0].message


def test_every_documented_request_validates_only_once_placeholders_are_replaced(
    examples, operations, registry
):
    """Each documented request body passes with its placeholders replaced, and fails naming them before."""
    checked = 0
    for example in examples:
        request = example["request"]
        schema = operations[example["operation"]]["requestBody"]
        if not request or request["body"] is None:
            continue
        validator = schema_tools.validator_for(schema, registry)
        assert list(validator.iter_errors(substitute(request["body"], request["marks"]))) == []
        failing = {problem.pointer for problem in body_problems(request["body"], validator)}
        marked = {m["pointer"] for m in request["marks"]}
        assert marked
        assert failing == marked
        checked += 1
    assert checked == 5
