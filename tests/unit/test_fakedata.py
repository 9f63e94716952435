"""The default dataset: realistic, self-consistent, valid, and deterministic under its seed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fakegraph.artifacts import schemas as schema_tools
from fakegraph.artifacts.catalogue import load_catalogue
from fakegraph.artifacts.namespaces import alias_from_overrides
from fakegraph.artifacts.paths import data_dir
from fakegraph.model.clock import parse_iso
from fakegraph.model.datasets import committed_default, load_dataset
from fakegraph.model.fakedata import default_dataset
from fakegraph.model.settings import DEFAULT_CLOCK, Settings
from fakegraph.validation.validator import RequestValidator

GRAPH = "microsoft.graph."
SCHEMAS = load_catalogue(data_dir()).schemas["beta"]
VALIDATOR = RequestValidator(
    SCHEMAS, alias_from_overrides(data_dir() / "fixtures" / "overrides.json"), version="beta"
)


@pytest.fixture(scope="module")
def dataset() -> dict[str, list[dict[str, Any]]]:
    return default_dataset(0, DEFAULT_CLOCK, SCHEMAS)


def test_committed_default_is_what_the_default_seed_generates(dataset):
    """The committed file (loaded without Faker at start-up) equals the generator's output for seed 0: the
    default dataset holds exactly the generated objects of the generator's types (beside the sample tenant's
    objects of other types)."""
    loaded = load_dataset(Settings(), SCHEMAS, VALIDATOR)
    assert {name: loaded.get(name) for name in dataset} == dataset
    assert committed_default(data_dir()).is_file()


def test_same_seed_same_data_other_seed_other_data():
    """Generation is deterministic under the seed."""
    assert default_dataset(3, DEFAULT_CLOCK, SCHEMAS) == default_dataset(3, DEFAULT_CLOCK, SCHEMAS)
    assert default_dataset(3, DEFAULT_CLOCK, SCHEMAS) != default_dataset(4, DEFAULT_CLOCK, SCHEMAS)


def test_every_object_validates_against_its_schema(dataset):
    """Each generated object is valid for its type."""
    registry = schema_tools.registry_of(SCHEMAS.values())
    for type_name, objects in dataset.items():
        validator = schema_tools.validator_for({"$ref": f"urn:fakegraph:schemas:beta:{type_name}"}, registry)
        for obj in objects:
            assert list(validator.iter_errors(obj)) == [], obj


def test_users_belong_to_one_tenant_and_names_match_upns(dataset):
    """One tenant domain; a user's UPN is built from their display name."""
    registrations = dataset[GRAPH + "credentialUserRegistrationDetails"]
    domains = {r["userPrincipalName"].split("@")[1] for r in registrations}
    assert len(domains) == 1
    for r in registrations:
        first, last = r["userDisplayName"].lower().split(" ", 1)
        local = r["userPrincipalName"].split("@")[0]
        assert local.split(".")[0] in first.replace("'", "").replace("-", "")
        assert local.split(".", 1)[1] in last.replace(" ", "").replace("'", "").replace("-", "")
    events = dataset[GRAPH + "userCredentialUsageDetails"]
    people = {(r["userDisplayName"], r["userPrincipalName"]) for r in registrations}
    assert {(e["userDisplayName"], e["userPrincipalName"]) for e in events} <= people


def test_events_fall_in_the_last_30_days_and_failures_carry_reasons(dataset):
    """Event times lie in the 30 days before the clock; only failures have a failure reason."""
    events = dataset[GRAPH + "userCredentialUsageDetails"]
    assert len(events) >= 100
    for event in events:
        assert DEFAULT_CLOCK - timedelta(days=30) <= parse_iso(event["eventDateTime"]) < DEFAULT_CLOCK
        assert (event["failureReason"] is None) == event["isSuccess"]
    assert any(not e["isSuccess"] for e in events)
    usage = SCHEMAS["urn:fakegraph:schemas:beta:microsoft.graph.usageAuthMethod"]
    evolvable = set(usage["enum"][usage["x-graph"]["unknownFutureValueIndex"] + 1 :])
    assert any(e["authMethod"] in evolvable for e in events)  # so masking has something to mask


def test_registration_flags_imply_each_other(dataset):
    """capable ⇒ enabled and registered; registered ⇔ some method; MFA-registered ⇒ an MFA method."""
    for r in dataset[GRAPH + "credentialUserRegistrationDetails"]:
        assert r["isCapable"] == (r["isEnabled"] and r["isRegistered"])
        assert r["isRegistered"] == bool(r["authMethods"])
        if r["isMfaRegistered"]:
            assert set(r["authMethods"]) & {
                "mobilePhone",
                "alternateMobilePhone",
                "officePhone",
                "appNotification",
                "appCode",
                "fido",
            }


def test_managed_tenant_summaries_add_up(dataset):
    """No count exceeds the tenant's users; capable users are registered for both."""
    for s in dataset["microsoft.graph.managedTenants.credentialUserRegistrationsSummary"]:
        total = s["totalUserCount"]
        assert 0 <= s["mfaRegisteredUserCount"] <= total
        assert s["ssprRegisteredUserCount"] <= s["ssprEnabledUserCount"] <= total
        assert s["mfaAndSsprCapableUserCount"] <= min(
            s["mfaRegisteredUserCount"], s["ssprRegisteredUserCount"]
        )
        assert s["mfaRegisteredUserCount"] + s["mfaExcludedUserCount"] <= total
        assert s["tenantId"] == s["id"]


def test_other_clocks_shift_the_data(dataset):
    """With another clock the events move with it (generated, not the committed file)."""
    later = DEFAULT_CLOCK + timedelta(days=365)
    shifted = load_dataset(Settings(clock=later), SCHEMAS, VALIDATOR)
    newest = max(parse_iso(e["eventDateTime"]) for e in shifted[GRAPH + "userCredentialUsageDetails"])
    assert later - timedelta(days=30) < newest < later


def test_empty_and_file_datasets(tmp_path):
    """`empty` is nothing; a JSON file is loaded as given; anything else is a clear configuration error."""
    from fakegraph.artifacts.errors import ConfigError

    assert load_dataset(Settings(dataset="empty"), SCHEMAS, VALIDATOR) == {}
    path = tmp_path / "mine.json"
    path.write_text('{"microsoft.graph.credentialUsageSummary": [{"id": "1", "feature": "RESET"}]}')
    assert load_dataset(Settings(dataset=str(path)), SCHEMAS, VALIDATOR) == {
        "microsoft.graph.credentialUsageSummary": [{"id": "1", "feature": "reset"}]  # as a create stores it
    }
    with pytest.raises(ConfigError, match="'nope'"):
        load_dataset(Settings(dataset="nope"), SCHEMAS, VALIDATOR)
    short = tmp_path / "short.json"  # simple type names, as the control plane and `fakegraph.add` take them
    short.write_text('{"credentialUsageSummary": [{"id": "1", "feature": "reset"}]}')
    assert load_dataset(Settings(dataset=str(short)), SCHEMAS, VALIDATOR) == {
        "microsoft.graph.credentialUsageSummary": [{"id": "1", "feature": "reset"}]
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"microsoft.graph.nothing": []}', "'microsoft.graph.nothing' is not an entity type"),
        (
            '{"microsoft.graph.userCredentialUsageDetails": [{"feature": "reset"}]}',
            r"\[0\] must be an object",
        ),
        (
            '{"microsoft.graph.userCredentialUsageDetails": ["x"]}',
            r"\[0\] must be an object with a string id",
        ),
        (
            '{"microsoft.graph.userCredentialUsageDetails": [{"id": "1"}, {"id": "2", "isSuccess": "yes"}]}',
            r"userCredentialUsageDetails\[1\]: Invalid value 'yes' for property 'isSuccess'",
        ),
        ('{"microsoft.graph.userCredentialUsageDetails": [{"id": "1", "nope": 1}]}', "'nope' does not exist"),
        (
            '{"userCredentialUsageDetails": [{"id": "1"}, {"id": "2"}, {"id": "1"}]}',
            r"userCredentialUsageDetails\[2\] repeats the id '1' of userCredentialUsageDetails\[0\]",
        ),
        ('{"usageDetails": [{"id": "1"}]}', "'usageDetails' is not an entity type"),
    ],
)
def test_a_dataset_file_is_checked_like_created_objects(tmp_path, content, message):
    """Objects no request could have created are refused at start-up, naming the object and property
    (instead of answering 500s later, when a query compares them)."""
    from fakegraph.artifacts.errors import ConfigError

    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_dataset(Settings(dataset=str(path)), SCHEMAS, VALIDATOR)
