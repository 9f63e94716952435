"""Compiled JSON Schemas as a `referencing` registry and validators over it (no network retrieval).

The schema files carry no `$schema`: they are Draft 2020-12 by construction, and jsonschema would switch
back to its stock validator class on every `$ref` into a file that names its dialect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema_specifications import REGISTRY as SPECIFICATIONS  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from fakegraph.artifacts.contract import JSONObject

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def registry_of(schemas: Iterable[JSONObject]) -> Registry[Any]:
    """A registry holding every schema under its `$id`, and the JSON Schema meta-schemas.

    jsonschema combines a validator's registry with the meta-schemas on every validator it builds, which
    costs time in proportion to the registry (4 ms per validator over a whole corpus). Combined once here,
    `validator_for` hands each validator its resolver ready made."""
    resources = [(s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in schemas]
    combined: Registry[Any] = SPECIFICATIONS.combine(Registry().with_resources(resources))
    return combined


def lazy_registry(lookup: Callable[[str], JSONObject | None]) -> Registry[Any]:
    """A registry that reads each schema when a `$ref` first needs it (from a lazily loaded pack)."""

    def retrieve(uri: str) -> Resource[Any]:
        found = lookup(uri)
        if found is None:
            raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # an attrs field
        return Resource.from_contents(found, default_specification=DRAFT202012)

    lazy: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]  # an attrs alias
    combined: Registry[Any] = SPECIFICATIONS.combine(lazy)
    return combined


def _enum(validator: Validator, members: Any, instance: Any, schema: JSONObject) -> Iterator[ValidationError]:
    """Graph reads enum members in any letter case ("HTML" for `html`); everything else is exact."""
    if isinstance(instance, str) and any(
        isinstance(m, str) and m.lower() == instance.lower() for m in members
    ):
        return
    yield from _STRICT_ENUM(validator, members, instance, schema)


_STRICT_ENUM = Draft202012Validator.VALIDATORS["enum"]
GraphValidator = validators.extend(Draft202012Validator, {"enum": _enum})  # type: ignore[no-untyped-call]


def validator_for(schema: JSONObject, registry: Registry[Any]) -> Validator:
    """A validator for `schema` whose `$ref`s resolve in `registry` (one made by `registry_of`)."""
    resolver = registry.resolver_with_root(DRAFT202012.create_resource(schema))
    validator: Validator = GraphValidator(
        schema, registry=registry, format_checker=FORMAT_CHECKER, _resolver=resolver
    )
    return validator
