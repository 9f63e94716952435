"""Request body checks: placeholders, `@odata.type`, draft names, read-only and evolvable-enum rules, then
the schema.

Every failure is a `BadRequest` whose message names the property and what was expected. Valid bodies take
the compiled lane (`lane.py`, one pass that checks and cleans); any other body takes the full path, where
jsonschema (imported lazily, built once per schema key) decides and explains.
"""

from __future__ import annotations

import reprlib
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from fakegraph.artifacts import placeholders, schema_walk
from fakegraph.artifacts.contract import (
    UNKNOWN_FUTURE_VALUE,
    JSONObject,
    graph_block,
    request_block,
    schema_uri,
)
from fakegraph.artifacts.errors import BadRequest
from fakegraph.validation.lane import BAD, Cleaner, Field, checked_field, compile_cleaner

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator


class Problem(NamedTuple):
    """One thing wrong with a body: where (a JSON pointer) and what."""

    pointer: str
    message: str


def body_problems(body: Any, validator: Validator) -> list[Problem]:
    """Placeholders first (they are the likelier mistake), then schema violations."""
    found = [
        Problem(placeholders.pointer(path), f"{shown(value)} is a documentation placeholder, not a value")
        for path, value in placeholders.find(body)
    ]
    for error in validator.iter_errors(body):
        found.append(Problem(placeholders.pointer(tuple(error.absolute_path)), error.message))
    return found


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = _SHOWN.maxother = 200  # a value echoed in a message: its start and end, not megabytes
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict = 3, 10, 10


def shown(value: object) -> str:
    """`repr(value)`, cut short for long strings and big structures (reprlib slices before it copies)."""
    return _SHOWN.repr(value)


def _unlink(errors: list[ValidationError]) -> None:
    """Break the parent/context cycles of jsonschema's errors: each holds a message that spells the value
    (megabytes for a large one), and in a cycle it waits for the cyclic garbage collector, which large
    strings do not prompt (422 MiB of them were waiting after 8 s of 4 MiB requests)."""
    pending = list(errors)
    while pending:
        error = pending.pop()
        pending.extend(error.context or ())
        error.context = []
        error.parent = None


def display(path: tuple[str | int, ...]) -> str:
    """`('a', 0, 'b')` → `a[0].b`, how the messages name a property."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


SchemaKey = str
"""Names a schema the validator checks bodies against: a type's schema URI, or an operation's name for the
request body its page documents."""

Canonical = Callable[[Any], Any]


class Rules(NamedTuple):
    """What the full path applies to one top-level property besides the schema: `sentinel(value)` says
    whether it sends `unknownFutureValue` where an evolvable enum is declared; `canonical(value)` gives enum
    members their declared case (None where the property can hold no enum member)."""

    sentinel: Callable[[Any], bool]
    canonical: Canonical | None


class Compiled(NamedTuple):
    """Everything made for one schema key and write mode, once."""

    schema: JSONObject  # read-only properties dropped for creates
    lane: Cleaner
    rules: dict[str, Rules]
    aliases: dict[str, str]


def _never(_: Any) -> bool:
    return False


def _defer(_: Any) -> None:
    return None


class RequestValidator:
    """Validates request bodies of one API version against its compiled schemas.

    Everything compiled for a schema (the lane, the jsonschema validator, the rules of each property) is made
    on first use and kept under its key and write mode, so nothing here depends on which dict objects the
    caller holds."""

    def __init__(
        self,
        schemas: Mapping[str, JSONObject],
        alias: Callable[[str], str],
        bodies: Mapping[str, JSONObject] | None = None,
        *,
        version: str,
    ) -> None:
        self._schemas = schemas
        # operation name → documented request body schema (a lazy mapping: a pack's entries load on first use)
        self._bodies: Mapping[str, JSONObject] = bodies if bodies is not None else {}
        self._version = version
        self._alias = alias
        self._lock = threading.Lock()
        self._registry: Any = None
        self._compiled: dict[tuple[SchemaKey, bool, str], Compiled] = {}  # (key, writable, entity type)
        self._validators: dict[tuple[SchemaKey, bool], Validator] = {}
        self._canonical_refs: dict[str, Canonical | None] = {}  # schema URI → canonicalizer of that type
        self._sentinel_refs: dict[str, Callable[[Any], bool] | None] = {}  # schema URI → sentinel finder
        self._annotated: dict[str, frozenset[str]] = {}

    def lookup(self, uri: str) -> JSONObject | None:
        return self._schemas.get(uri)

    def knows(self, key: SchemaKey) -> bool:
        return key in self._schemas or key in self._bodies

    def schema(self, key: SchemaKey, *, writable: bool) -> JSONObject:
        """The schema a key names; `writable` drops read-only marks (what a create may set)."""
        source = self._source(key)
        return _writable(source) if writable else source

    def check(self, body: Any, key: SchemaKey, entity_type: str, *, partial: bool) -> JSONObject:
        """The body to store (annotations dropped, draft property names renamed to the published ones, enum
        members in canonical case), or a BadRequest.

        A create (`partial=False`) may set read-only properties, the key included: a test has no other way
        to give the fake what Graph computes. An update may not.
        """
        compiled = self._compile(key, not partial, entity_type)
        clean = compiled.lane(body)
        if clean is not None:
            return clean
        return self._check_fully(body, key, compiled, entity_type, partial=partial)

    def check_fully(self, body: Any, key: SchemaKey, entity_type: str, *, partial: bool) -> JSONObject:
        """`check` without the compiled lane: jsonschema decides and explains."""
        compiled = self._compile(key, not partial, entity_type)
        return self._check_fully(body, key, compiled, entity_type, partial=partial)

    def _member_at(self, schema: JSONObject, path: tuple[str | int, ...], value: Any) -> bool:
        """Whether a placeholder-looking value is a member of the enum declared where it stands (an enum
        may have a member `string`, as identityUserFlowAttributeDataType does)."""
        here = schema
        for step in path:
            here = schema_walk.deref(here, self.lookup)
            if isinstance(step, int):
                here = here.get("items", {}) if isinstance(here.get("items"), dict) else {}
            else:
                here = here.get("properties", {}).get(step, {})
        members = schema_walk.deref(here, self.lookup).get("enum", ())
        return isinstance(value, str) and value.lower() in {str(m).lower() for m in members}

    def lane(self, key: SchemaKey, entity_type: str, *, partial: bool) -> Cleaner:
        """The compiled lane alone (for the differential tests)."""
        return self._compile(key, not partial, entity_type).lane

    def _check_fully(
        self, body: Any, key: SchemaKey, compiled: Compiled, entity_type: str, *, partial: bool
    ) -> JSONObject:
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        found = next((f for f in placeholders.find(body) if not self._member_at(compiled.schema, *f)), None)
        if found is not None:
            path, value = found
            raise BadRequest(
                f"Invalid value {shown(value)} for property '{display(path)}': "
                "this is a documentation placeholder, not a value.",
                target=display(path),
            )
        self._check_type_annotation(body, entity_type)
        body = unalias(body, compiled.aliases)
        body = self._evolvable(body, compiled, partial=partial)
        self._check_read_only(body, compiled.schema)
        errors = list(self._validator(key, compiled).iter_errors(body))
        if errors:
            from jsonschema.exceptions import best_match

            try:
                error = best_match(errors)
                message, target = self._describe(error, entity_type)
            finally:
                _unlink(errors)
            raise BadRequest(message, target=target)
        clean = {k: v for k, v in body.items() if "@" not in k}
        for name in clean.keys() & compiled.rules.keys():
            canonical = compiled.rules[name].canonical
            if canonical is not None:
                clean[name] = canonical(clean[name])
        return clean

    def _source(self, key: SchemaKey) -> JSONObject:
        source = self._schemas.get(key) or self._bodies.get(key)
        if source is None:
            raise KeyError(f"no schema named {key!r}")
        return source

    def _compile(self, key: SchemaKey, writable: bool, entity_type: str) -> Compiled:
        """The lane and rules for a key and write mode (and the type `@odata.type` must name), made once."""
        found = self._compiled.get((key, writable, entity_type))
        if found is not None:
            return found
        source = self._source(key)
        schema = _writable(source) if writable else source
        properties: dict[str, JSONObject] = schema.get("properties", {})
        rules = {name: self._rules(prop) for name, prop in properties.items()}
        compiled_lane = compile_cleaner(
            schema,
            self.lookup,
            annotation_ok=lambda declared: self._type_known(declared, entity_type),
            slow_field=self._slow_field,
        )
        aliases = request_block(source).get("propertyAliases", {})
        found = Compiled(schema, compiled_lane or _defer, rules, aliases)
        self._compiled[(key, writable, entity_type)] = found
        return found

    def _rules(self, prop: JSONObject) -> Rules:
        return Rules(self._sentinel_finder(prop) or _never, self._canonicalizer(prop))

    def _sentinel_finder(self, schema: JSONObject) -> Callable[[Any], bool] | None:
        """Whether a value sends `unknownFutureValue` where an enum is declared, at any depth (in items
        and nested objects too); None where the schema holds no enum."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._sentinel_ref(ref)
        branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
        if len(branches) == 1:
            return self._sentinel_finder(branches[0])
        if "enum" in schema:
            return _is_sentinel
        items = schema.get("items")
        if isinstance(items, dict):
            item = self._sentinel_finder(items)
            if item is None:
                return None
            return lambda v: isinstance(v, list) and any(item(i) for i in v)
        inner = {name: self._sentinel_finder(p) for name, p in schema.get("properties", {}).items()}
        fields = {name: f for name, f in inner.items() if f is not None}
        if not fields:
            return None
        return lambda v: isinstance(v, dict) and any(fields[k](x) for k, x in v.items() if k in fields)

    def _sentinel_ref(self, uri: str) -> Callable[[Any], bool] | None:
        return _by_type(
            self._sentinel_refs, uri, lambda: self._sentinel_finder(self.lookup(uri) or {}), _never
        )

    def _canonicalizer(self, schema: JSONObject) -> Canonical | None:
        """Gives enum members inside a value their declared case; None where the schema holds no enum."""
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._canonical_ref(ref)
        branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
        if len(branches) == 1:
            return self._canonicalizer(branches[0])
        if "enum" in schema:
            members = {str(m).lower(): str(m) for m in schema["enum"]}
            return lambda v: members.get(v.lower(), v) if isinstance(v, str) else v
        items = schema.get("items")
        if isinstance(items, dict):
            item = self._canonicalizer(items)
            if item is None:
                return None
            return lambda v: [item(i) for i in v] if isinstance(v, list) else v
        inner = {name: self._canonicalizer(p) for name, p in schema.get("properties", {}).items()}
        fields = {name: c for name, c in inner.items() if c is not None}
        if not fields:
            return None

        def canonical(v: Any) -> Any:
            if not isinstance(v, dict):
                return v
            return {k: fields[k](x) if k in fields else x for k, x in v.items()}

        return canonical

    def _canonical_ref(self, uri: str) -> Canonical | None:
        return _by_type(
            self._canonical_refs, uri, lambda: self._canonicalizer(self.lookup(uri) or {}), _identity
        )

    def _slow_field(self, prop: JSONObject) -> Field:
        """A lane field for a property that is not a plain value: the compiled check, no placeholder, no
        `unknownFutureValue` where the evolvable-enum rule applies, enum members made canonical."""
        rules = self._rules(prop)
        checked = checked_field(prop, self.lookup, rules.canonical or _identity)
        sentinel = rules.sentinel
        return lambda v: BAD if sentinel(v) else checked(v)

    def _validator(self, key: SchemaKey, compiled: Compiled) -> Validator:
        writable = compiled.schema is not self._source(key)
        cached = self._validators.get((key, writable))
        if cached is not None:
            return cached
        from fakegraph.artifacts import schemas as schema_tools

        with self._lock:
            if self._registry is None:
                self._registry = schema_tools.lazy_registry(self._schemas.get)
            validator = schema_tools.validator_for(compiled.schema, self._registry)
            self._validators[(key, writable)] = validator
        return validator

    def _type_known(self, declared: Any, entity_type: str) -> bool:
        """Whether `@odata.type` names the type or one derived from it (the seed's namespace alias too)."""
        known = self._annotated.get(entity_type)
        if known is None:
            schema = self._schemas.get(schema_uri(self._version, entity_type), {})
            derived = graph_block(schema).get("derivedTypes", [])
            known = self._annotated[entity_type] = frozenset(t.lower() for t in [entity_type, *derived])
        return isinstance(declared, str) and self._alias(declared.lstrip("#")).lower() in known

    def _check_type_annotation(self, body: JSONObject, entity_type: str) -> None:
        declared = body.get("@odata.type")
        if declared is None:
            return
        if not isinstance(declared, str):
            raise BadRequest("The value of '@odata.type' must be a string.", target="@odata.type")
        if not self._type_known(declared, entity_type):
            raise BadRequest(
                f"A type named '{declared.lstrip('#')}' could not be resolved here; "
                f"expected '#{entity_type}'.",
                target="@odata.type",
            )

    def _check_read_only(self, body: JSONObject, schema: JSONObject) -> None:
        properties = schema.get("properties", {})
        for key in body:
            if properties.get(key, {}).get("readOnly"):
                raise BadRequest(f"Property '{key}' is read-only and cannot be set.", target=key)

    def _evolvable(self, body: JSONObject, compiled: Compiled, *, partial: bool) -> JSONObject:
        """`unknownFutureValue` is not a value a client may send: a 400 on create; on PATCH it leaves the
        property unchanged (Graph's evolvable-enum rule)."""
        out = dict(body)
        for key, value in body.items():
            rules = compiled.rules.get(key)
            if rules is None or not rules.sentinel(value):
                continue
            if partial and isinstance(value, str):
                del out[key]
                continue
            raise BadRequest(
                f"Invalid value '{UNKNOWN_FUTURE_VALUE}' for property '{key}': "
                "it stands for members a client does not know and cannot be sent.",
                target=key,
            )
        return out

    def _describe(self, error: ValidationError, entity_type: str) -> tuple[str, str | None]:
        """The message and the property (as `a[0].b`) it is about."""
        path = tuple(error.absolute_path)
        where = display(path)
        if error.validator in {"additionalProperties", "propertyNames"}:
            extra = self._unknown_keys(error)
            schema = error.schema if isinstance(error.schema, dict) else {}
            owner = entity_type if not path else str(schema.get("title", where))
            message = (
                f"The property '{extra}' does not exist on type '{owner}'. "
                "Make sure to only use property names that are defined by the type."
            )
            return message, display((*path, extra))
        return self._describe_value(error, where), where or None

    def _describe_value(self, error: ValidationError, where: str) -> str:
        instance = error.instance
        schema = _meaningful(error, self.lookup)
        expected = expectation(schema)
        if error.validator == "enum" or "enum" in schema:
            members = ", ".join(str(m) for m in schema.get("enum", []) if not _is_sentinel(m))
            return f"Invalid value {shown(instance)} for property '{where}'. Expected one of: {members}."
        if error.validator in {"maximum", "minimum"}:
            return f"Value {instance} for property '{where}' is out of range for {expected}."
        return f"Invalid value {shown(instance)} for property '{where}': expected {expected}."

    def _unknown_keys(self, error: ValidationError) -> str:
        instance = error.instance if isinstance(error.instance, dict) else {}
        schema = schema_walk.deref(error.schema if isinstance(error.schema, dict) else {}, self.lookup)
        known = set(schema.get("properties", {}))
        if error.validator == "propertyNames":
            known = set(schema.get("anyOf", [{}])[0].get("enum", [])) or known
        extra = [k for k in instance if k not in known and "@" not in k]
        if not extra and error.validator == "propertyNames":
            extra = [str(error.instance)]
        return extra[0] if extra else "?"


def unalias(body: JSONObject, aliases: Mapping[str, str]) -> JSONObject:
    """`body` with the draft names of properties (`x-graph.propertyAliases`) renamed to the published ones;
    both spellings with different values is a BadRequest naming both."""
    sent = [draft for draft in aliases if draft in body]
    if not sent:
        return body
    out = {k: v for k, v in body.items() if k not in aliases}
    for draft in sent:
        real = aliases[draft]
        if real in out and out[real] != body[draft]:
            raise BadRequest(
                f"Properties '{draft}' and '{real}' are two names of one property and were sent with "
                f"different values; send '{real}' only.",
                target=real,
            )
        out[real] = body[draft]
    return out


F = TypeVar("F", bound=Callable[[Any], Any])


def _by_type(cache: dict[str, F | None], uri: str, build: Callable[[], F | None], pending: F) -> F | None:
    """What `build` makes for a named type, made once per type. While it is being made, a recursive type
    meets a stand-in that defers to the finished one (`pending` until then); None where it needs none."""
    if uri in cache:
        return cache[uri]
    made: list[F | None] = [None]

    def stand_in(value: Any) -> Any:
        return (made[0] or pending)(value)

    cache[uri] = cast(F, stand_in)
    made[0] = cache[uri] = build()
    return made[0]


def _identity(value: Any) -> Any:
    return value


def _writable(schema: JSONObject) -> JSONObject:
    """`schema` with nothing read-only: what creates and seeding may set (ids, server-side properties)."""
    properties = schema.get("properties", {})
    if not any("readOnly" in p for p in properties.values()):
        return schema
    writable = {name: {k: v for k, v in p.items() if k != "readOnly"} for name, p in properties.items()}
    return {**schema, "properties": writable}


def _is_sentinel(value: Any) -> bool:
    return isinstance(value, str) and value.lower() == UNKNOWN_FUTURE_VALUE.lower()


def _meaningful(error: ValidationError, lookup: Callable[[str], JSONObject | None]) -> JSONObject:
    """The schema that says what the value should have been (the non-null branch of a nullable anyOf)."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator in {"type", "format", "pattern", "enum", "maximum", "minimum"}:
        parent = error.parent
        if parent is not None and isinstance(parent.schema, dict) and "anyOf" in parent.schema:
            schema = parent.schema
    return schema_walk.deref(schema, lookup)


_FORMATS = {
    "int64": "an Int64 (a JSON integer)",
    "int32": "an Int32 (a JSON integer from -2147483648 to 2147483647)",
    "int16": "an Int16",
    "uint8": "a Byte",
    "date-time": "a DateTimeOffset such as '2021-01-01T00:00:00Z'",
    "date": "a Date such as '2021-01-01'",
    "double": "a Double (a JSON number)",
}
_TYPES = {
    "string": "a String",
    "boolean": "a Boolean (true or false)",
    "integer": "an integer",
    "number": "a number",
    "array": "a collection (a JSON array)",
    "object": "an object",
}


def expectation(schema: JSONObject) -> str:
    """How a message says what a schema expects."""
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    if "pattern" in schema:
        return f"a string matching {schema['pattern']}"
    if "title" in schema:
        return f"an object of type '{schema['title']}'"
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    return _TYPES.get(str(kind), "a valid value")
