"""Create and update bodies are validated (ARCHITECTURE A4); each 400 names the property and what it wants."""

from __future__ import annotations

import pytest

from tests.integration.conftest import AUTH, JSON, state_of

SUMMARIES = "/beta/reports/credentialUsageSummaries"
DETAILS = "/beta/reports/userCredentialUsageDetails"
COUNTS = "/beta/reports/credentialUserRegistrationCounts"


@pytest.mark.parametrize(
    ("path", "body", "target", "expected"),
    [
        (
            SUMMARIES,
            {"colour": "red"},
            "colour",
            "does not exist on type 'microsoft.graph.credentialUsageSummary'",
        ),
        (SUMMARIES, {"successfulActivityCount": "7"}, "successfulActivityCount", "expected an Int64"),
        (SUMMARIES, {"successfulActivityCount": 1.5}, "successfulActivityCount", "expected an Int64"),
        (
            SUMMARIES,
            {"successfulActivityCount": 2**63},
            "successfulActivityCount",
            "out of range for an Int64",
        ),
        (SUMMARIES, {"feature": "resets"}, "feature", "Expected one of: registration, reset."),
        (SUMMARIES, {"feature": "unknownFutureValue"}, "feature", "cannot be sent"),
        (SUMMARIES, {"authMethod": "String"}, "authMethod", "documentation placeholder"),
        (SUMMARIES, {"id": ""}, "id", "non-empty string"),
        (SUMMARIES, {"id": " mine"}, "id", "leading or trailing spaces"),
        (SUMMARIES, {"id": "a\u0001b"}, "id", "control characters"),
        (SUMMARIES, {"id": 7}, "id", "expected a String"),
        (DETAILS, {"isSuccess": "Boolean"}, "isSuccess", "documentation placeholder"),
        (DETAILS, {"isSuccess": "yes"}, "isSuccess", "expected a Boolean"),
        (DETAILS, {"eventDateTime": "yesterday"}, "eventDateTime", "expected a DateTimeOffset"),
        (DETAILS, {"eventDateTime": "String (timestamp)"}, "eventDateTime", "documentation placeholder"),
        (DETAILS, {"userDisplayName": 5}, "userDisplayName", "expected a String"),
        (
            COUNTS,
            {"userRegistrationCounts": [{"registrationStatus": "gone"}]},
            "userRegistrationCounts[0].registrationStatus",
            "Expected one of: registered, enabled, capable",
        ),
        (
            COUNTS,
            {"userRegistrationCounts": [{"registrationCount": "Int64"}]},
            "userRegistrationCounts[0].registrationCount",
            "documentation placeholder",
        ),
        (
            COUNTS,
            {"userRegistrationCounts": {"registrationCount": 1}},
            "userRegistrationCounts",
            "collection",
        ),
        (COUNTS, {"totalUserCount": "Integer"}, "totalUserCount", "documentation placeholder"),
        (
            "/beta/credentialUserRegistrationsSummaries",
            {"totalUserCount": 2**31},
            "totalUserCount",
            "out of range for an Int32",
        ),
        (
            "/beta/credentialUserRegistrationsSummaries",
            {"tenantId": "t", "organizationId": "u"},
            "tenantId",
            "'organizationId' and 'tenantId' are two names of one property",
        ),
    ],
)
async def test_bad_bodies_are_400s_naming_the_property(empty, path, body, target, expected):
    """Unknown properties, wrong types, bounds, enums, the sentinel, placeholders, unusable ids and two
    spellings of one property."""
    response = await empty.post(path, json=body, headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BadRequest"
    assert f"'{target}'" in error["message"] or error.get("target") == target
    assert error.get("target") == target
    assert expected in error["message"]
    assert state_of(empty).store.dump() == {}


async def test_patch_validates_types_without_requiring_anything(empty):
    """PATCH checks the same types; an empty change set is fine."""
    created = await (await empty.post(SUMMARIES, json={"feature": "reset"}, headers=JSON)).json()
    url = f"{SUMMARIES}/{created['id']}"
    assert (await empty.patch(url, json={}, headers=JSON)).status == 200
    bad = await empty.patch(url, json={"failureActivityCount": "many"}, headers=JSON)
    assert bad.status == 400
    assert (await bad.json())["error"]["target"] == "failureActivityCount"


@pytest.mark.parametrize(
    "annotation",
    [
        "#microsoft.graph.credentialUsageSummary",
        "microsoft.graph.credentialUsageSummary",
        "#microsoft.graph.CREDENTIALUSAGESUMMARY",
    ],
)
async def test_odata_type_is_optional_and_must_match(empty, annotation):
    """`@odata.type` may be sent (with or without `#`); it is not stored as a property."""
    body = {"@odata.type": annotation, "feature": "reset"}
    created = await (await empty.post(SUMMARIES, json=body, headers=JSON)).json()
    assert created["@odata.type"] == "#microsoft.graph.credentialUsageSummary"
    assert "@odata.type" not in state_of(empty).store.get(
        "microsoft.graph.credentialUsageSummary", created["id"]
    )


async def test_wrong_odata_type_is_a_400(empty):
    """A body claiming another type is refused, naming `@odata.type`."""
    body = {"@odata.type": "#microsoft.graph.user", "feature": "reset"}
    response = await empty.post(SUMMARIES, json=body, headers=JSON)
    assert response.status == 400
    assert (await response.json())["error"]["target"] == "@odata.type"


async def test_namespace_alias_is_accepted_and_answered_with_the_real_name(empty):
    """The seed's `microsoft.management.services.api` alias means `microsoft.graph.managedTenants`."""
    body = {
        "@odata.type": "#microsoft.management.services.api.credentialUserRegistrationsSummary",
        "totalUserCount": 1,
    }
    response = await empty.post("/beta/credentialUserRegistrationsSummaries", json=body, headers=JSON)
    assert response.status == 201
    assert (await response.json())[
        "@odata.type"
    ] == "#microsoft.graph.managedTenants.credentialUserRegistrationsSummary"


async def test_enum_members_are_read_in_any_case_and_stored_canonically(empty):
    """Graph reads `EMAIL` as `email`; the stored and answered value is the declared member."""
    created = await (
        await empty.post(SUMMARIES, json={"authMethod": "EMAIL", "feature": "Reset"}, headers=JSON)
    ).json()
    assert (created["authMethod"], created["feature"]) == ("email", "reset")
    listed = (await (await empty.get(SUMMARIES, headers=AUTH)).json())["value"]
    assert listed[0]["authMethod"] == "email"


async def test_escaped_placeholders_and_sentinels_are_still_caught(empty):
    """The text pre-checks never hide a placeholder or the sentinel written with JSON escapes."""
    placeholder = await empty.post(SUMMARIES, data=b'{"feature": "\\u0053tring"}', headers=JSON)
    assert placeholder.status == 400
    assert "placeholder" in (await placeholder.json())["error"]["message"]
    sentinel = await empty.post(SUMMARIES, data=b'{"feature": "unknownFutur\\u0065Value"}', headers=JSON)
    assert sentinel.status == 400
    assert "cannot be sent" in (await sentinel.json())["error"]["message"]


def test_an_enum_member_that_looks_like_a_placeholder_is_a_member():
    """identityUserFlowAttribute.dataType has a member `string`: sent in any case it is that member, while
    `String` in a plain string property is still a documentation placeholder."""
    from fakegraph.artifacts.contract import schema_uri
    from fakegraph.artifacts.errors import BadRequest
    from fakegraph.http.state import build_state
    from fakegraph.model.settings import Settings

    validator = build_state(Settings(dataset="empty")).validators["beta"]
    kind = "microsoft.graph.identityUserFlowAttribute"
    key = schema_uri("beta", kind)
    clean = validator.check({"displayName": "Hobby", "dataType": "String"}, key, kind, partial=False)
    assert clean["dataType"] == "string"
    with pytest.raises(BadRequest) as refused:
        validator.check({"displayName": "String", "dataType": "string"}, key, kind, partial=False)
    assert refused.value.target == "displayName"
