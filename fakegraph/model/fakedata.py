"""Realistic, self-consistent data under a seed: the default dataset of the credential report pack.

One tenant domain; users whose display names match their UPNs; usage events spread over the 30 days before
the clock, with failure reasons only on failures; registration flags that imply each other as in Entra
(capable ⇒ enabled and registered; MFA-registered ⇒ an MFA method); managed-tenant summaries whose counts
add up. Enum values come from the compiled schemas. Faker is imported here only, and only when data is
generated (start-up asks `has_generator` and `OWNED` without paying Faker's ~40 ms import).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject, graph_block, schema_uri
from fakegraph.model import guids
from fakegraph.model.clock import iso

if TYPE_CHECKING:
    from faker import Faker

GRAPH = "microsoft.graph."
MANAGED = "microsoft.graph.managedTenants.credentialUserRegistrationsSummary"
FAILURE_REASONS = (
    "User did not complete the verification in time",
    "The verification code was incorrect",
    "User cancelled the operation",
    "The phone number could not be reached",
    "User contacted an administrator",
)
MFA_METHODS = frozenset(
    {"mobilePhone", "alternateMobilePhone", "officePhone", "appNotification", "appCode", "fido"}
)
POLICY_STATES = ("enabled", "disabled", "enabledForReportingButNotEnforced")


def new_id(rng: random.Random) -> str:
    return guids.draw(rng)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


def _members(schemas: Mapping[str, JSONObject], qualified: str, *, evolvable: bool) -> list[str]:
    schema = schemas[schema_uri("beta", qualified)]
    members: list[str] = list(schema["enum"])
    index = graph_block(schema).get("unknownFutureValueIndex", len(members))
    return members[index + 1 :] if evolvable else members[:index]


GENERATED = (
    GRAPH + "credentialUserRegistrationDetails",
    GRAPH + "userCredentialUsageDetails",
    MANAGED,
    GRAPH + "usageAuthMethod",
    GRAPH + "registrationAuthMethod",
    GRAPH + "featureType",
)


# What the generator's data decides: the types it fills, and the report types computed from them (a sample
# object of these would replace the computed answer, or break its sums).
OWNED = frozenset(
    {
        GRAPH + "credentialUserRegistrationDetails",
        GRAPH + "userCredentialUsageDetails",
        MANAGED,
        GRAPH + "credentialUsageSummary",
        GRAPH + "credentialUserRegistrationCount",
    }
)


def has_generator(schemas: Mapping[str, JSONObject]) -> bool:
    """Whether a pack holds the credential report types this generator fills (other packs start without)."""
    return all(schema_uri("beta", name) in schemas for name in GENERATED)


def default_dataset(
    seed: int, now: datetime, schemas: Mapping[str, JSONObject], users: int = 40
) -> dict[str, list[JSONObject]]:
    """The default dataset: `users` people of one tenant, their registrations and 30 days of events."""
    from faker import Faker

    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    domain = f"{_ascii(fake.company().split()[0])}.onmicrosoft.com"
    people = _people(fake, domain, users)
    registration = [_registration(rng, person, schemas) for person in people]
    usage = [_event(rng, people, now, schemas) for _ in range(users * 6)]
    usage.sort(key=lambda e: (e["eventDateTime"], e["id"]))
    return {
        GRAPH + "credentialUserRegistrationDetails": registration,
        GRAPH + "userCredentialUsageDetails": usage,
        MANAGED: [_tenant_summary(rng, fake, now) for _ in range(4)],
    }


def _people(fake: Faker, domain: str, count: int) -> list[tuple[str, str]]:
    seen: set[str] = set()
    people: list[tuple[str, str]] = []
    while len(people) < count:
        first, last = fake.first_name(), fake.last_name()
        upn = f"{_ascii(first)}.{_ascii(last)}@{domain}"
        if upn not in seen:
            seen.add(upn)
            people.append((f"{first} {last}", upn))
    return people


def _registration(
    rng: random.Random, person: tuple[str, str], schemas: Mapping[str, JSONObject]
) -> JSONObject:
    known = _members(schemas, GRAPH + "registrationAuthMethod", evolvable=False)
    newer = _members(schemas, GRAPH + "registrationAuthMethod", evolvable=True)
    methods = sorted(
        rng.sample([m for m in known if m != UNKNOWN_FUTURE_VALUE], rng.choice((0, 1, 1, 2, 2, 3)))
    )
    if methods and newer and rng.random() < 0.1:
        methods.append(rng.choice(newer))
    enabled = rng.random() < 0.8
    registered = bool(methods)
    return {
        "id": new_id(rng),
        "userDisplayName": person[0],
        "userPrincipalName": person[1],
        "authMethods": methods,
        "isRegistered": registered,
        "isEnabled": enabled,
        "isCapable": enabled and registered,
        "isMfaRegistered": bool(MFA_METHODS.intersection(methods)),
    }


def _event(
    rng: random.Random,
    people: list[tuple[str, str]],
    now: datetime,
    schemas: Mapping[str, JSONObject],
) -> JSONObject:
    person = rng.choice(people)
    known = [
        m for m in _members(schemas, GRAPH + "usageAuthMethod", evolvable=False) if m != UNKNOWN_FUTURE_VALUE
    ]
    newer = _members(schemas, GRAPH + "usageAuthMethod", evolvable=True)
    method = rng.choice(newer) if newer and rng.random() < 0.1 else rng.choice(known)
    success = rng.random() < 0.85
    when = now - timedelta(seconds=rng.randrange(1, 30 * 86400))
    return {
        "id": new_id(rng),
        "feature": rng.choice(("registration", "reset")),
        "userPrincipalName": person[1],
        "userDisplayName": person[0],
        "isSuccess": success,
        "authMethod": method,
        "failureReason": None if success else rng.choice(FAILURE_REASONS),
        "eventDateTime": iso(when.replace(microsecond=0)),
    }


def _tenant_summary(rng: random.Random, fake: Faker, now: datetime) -> JSONObject:
    total = rng.randint(5, 400)
    mfa = rng.randint(0, total)
    sspr_registered = rng.randint(0, total)
    sspr_enabled = rng.randint(sspr_registered, total)
    tenant = new_id(rng)
    return {
        "id": tenant,
        "tenantId": tenant,
        "tenantDisplayName": fake.company(),
        "totalUserCount": total,
        "mfaRegisteredUserCount": mfa,
        "ssprRegisteredUserCount": sspr_registered,
        "ssprEnabledUserCount": sspr_enabled,
        "mfaAndSsprCapableUserCount": rng.randint(0, min(mfa, sspr_registered)),
        "mfaExcludedUserCount": rng.randint(0, total - mfa),
        "securityDefaultsEnabled": rng.random() < 0.3,
        "mfaConditionalAccessPolicyState": rng.choice(POLICY_STATES),
        "lastRefreshedDateTime": iso((now - timedelta(hours=rng.randint(1, 48))).replace(microsecond=0)),
    }
