"""Request body checks: placeholders, `@odata.type`, read-only and evolvable-enum rules, then the schema.

Every failure is a `BadRequest` whose message names the property and what was expected. Valid bodies take a
compiled lane (`fastclean`, one pass that checks and cleans); any other body takes the full path, where a
compiled check (`fastcheck`) still passes valid bodies quickly and jsonschema, imported lazily and built once
per schema, explains the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from fakegraph.artifacts import placeholders, schema_walk
from fakegraph.artifacts.contract import UNKNOWN_FUTURE_VALUE, JSONObject, graph_block, request_block
from fakegraph.artifacts.errors import BadRequest
from fakegraph.validation.fastcheck import compile_check
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
        Problem(placeholders.pointer(path), f"{value!r} is a documentation placeholder, not a value")
        for path, value in placeholders.find(body)
    ]
    for error in validator.iter_errors(body):
        found.append(Problem(placeholders.pointer(tuple(error.absolute_path)), error.message))
    return found


def display(path: tuple[str | int, ...]) -> str:
    """`('a', 0, 'b')` → `a[0].b`, how the messages name a property."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class RequestValidator:
    """Validates request bodies of one API version against its compiled schemas."""

    def __init__(self, schemas: dict[str, JSONObject], alias: Callable[[str], str]) -> None:
        self._schemas = schemas
        self._by_name = {str(s.get("title")): s for s in schemas.values()}
        self._alias = alias
        self._lock = threading.Lock()
        self._registry: Any = None
        self._validators: dict[int, Validator] = {}
        self._checks: dict[int, Callable[[Any], bool]] = {}
        self._derefs: dict[int, JSONObject] = {}
        self._enums: dict[int, dict[str, str]] = {}
        self._bearing: dict[int, frozenset[str]] = {}
        self._lanes: dict[tuple[int, str], Cleaner] = {}
        self._writable: dict[int, JSONObject] = {}
        self._annotated: dict[str, frozenset[str]] = {}

    def lookup(self, uri: str) -> JSONObject | None:
        return self._schemas.get(uri)

    def writable(self, schema: JSONObject) -> JSONObject:
        """`schema` with nothing read-only (creates and seeding set ids and server-side properties too),
        made once per schema: the caches here are keyed by schema identity, so a schema they see must stay
        alive."""
        found = self._writable.get(id(schema))
        if found is None:
            if not any("readOnly" in p for p in schema.get("properties", {}).values()):
                self._writable[id(schema)] = schema
                return schema
            properties = {
                name: {k: v for k, v in prop.items() if k != "readOnly"}
                for name, prop in schema.get("properties", {}).items()
            }
            found = self._writable[id(schema)] = {**schema, "properties": properties}
        return found

    def check(self, body: Any, schema: JSONObject, entity_type: str, *, partial: bool) -> JSONObject:
        """The body to store (annotations dropped, draft property names renamed to the published ones, enum
        members in canonical case), or a BadRequest.

        A create (`partial=False`) may set read-only properties, the key included: a test has no other way
        to give the fake what Graph computes. An update may not.
        """
        if not partial:
            schema = self.writable(schema)
        clean = self._lane(schema, entity_type)(body)
        return clean if clean is not None else self.check_fully(body, schema, entity_type, partial=partial)

    def check_fully(self, body: Any, schema: JSONObject, entity_type: str, *, partial: bool) -> JSONObject:
        """`check` without the compiled lane: what finds and explains problems."""
        if not partial:
            schema = self.writable(schema)
        if not isinstance(body, dict):
            raise BadRequest("The request body must be a JSON object.")
        found = placeholders.first(body)
        if found is not None:
            path, value = found
            raise BadRequest(
                f"Invalid value {value!r} for property '{display(path)}': "
                "this is a documentation placeholder, not a value.",
                target=display(path),
            )
        self._check_type_annotation(body, entity_type)
        body = unalias(body, schema)
        body = self._evolvable(body, schema, partial=partial)
        self._check_read_only(body, schema)
        errors = [] if self._fast(schema)(body) else list(self._validator(schema).iter_errors(body))
        if errors:
            from jsonschema.exceptions import best_match

            error = best_match(errors)
            message, target = self._describe(error, entity_type)
            raise BadRequest(message, target=target)
        clean = {k: v for k, v in body.items() if "@" not in k}
        for name in self._enum_bearing(schema).intersection(clean):
            clean[name] = self._canonical(clean[name], schema["properties"][name])
        return clean

    def _lane(self, schema: JSONObject, entity_type: str) -> Cleaner:
        """The compiled lane for valid bodies (one that always defers where the schema has none)."""
        key = (id(schema), entity_type)
        lane = self._lanes.get(key)
        if lane is None:
            compiled = compile_cleaner(
                schema,
                self.lookup,
                annotation_ok=lambda declared: self._type_known(declared, entity_type),
                slow_field=self._slow_field,
            )
            lane = self._lanes[key] = compiled or (lambda _: None)
        return lane

    def _slow_field(self, prop: JSONObject) -> Field:
        """A lane field for a property that is not a plain value: the compiled check, no placeholder, no
        `unknownFutureValue` where the evolvable-enum rule applies, enum members made canonical."""
        checked = checked_field(prop, self.lookup, lambda v: self._canonical(v, prop))
        return lambda v: BAD if self._sends_sentinel(v, prop) else checked(v)

    def _fast(self, schema: JSONObject) -> Callable[[Any], bool]:
        """The compiled check for valid bodies; where it does not apply, a check that always defers."""
        key = id(schema)
        check = self._checks.get(key)
        if check is None:
            check = compile_check(schema, self.lookup) or (lambda _: False)
            self._checks[key] = check
        return check

    def _validator(self, schema: JSONObject) -> Validator:
        key = id(schema)
        cached = self._validators.get(key)
        if cached is not None:
            return cached
        from fakegraph.artifacts import schemas as schema_tools

        with self._lock:
            if self._registry is None:
                self._registry = schema_tools.registry_of(self._schemas.values())
            validator = schema_tools.validator_for(schema, self._registry)
            self._validators[key] = validator
        return validator

    def _type_known(self, declared: Any, entity_type: str) -> bool:
        """Whether `@odata.type` names the type or one derived from it (the seed's namespace alias too)."""
        known = self._annotated.get(entity_type)
        if known is None:
            derived = graph_block(self._by_name.get(entity_type, {})).get("derivedTypes", [])
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

    def _evolvable(self, body: JSONObject, schema: JSONObject, *, partial: bool) -> JSONObject:
        """`unknownFutureValue` is not a value a client may send: a 400 on create; on PATCH it leaves the
        property unchanged (Graph's evolvable-enum rule)."""
        out = dict(body)
        for key, value in body.items():
            prop = schema.get("properties", {}).get(key)
            if prop is None or not self._sends_sentinel(value, prop):
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

    def _resolved(self, schema: JSONObject) -> JSONObject:
        """`deref`, memoized: compiled schemas never change while the server runs."""
        key = id(schema)
        found = self._derefs.get(key)
        if found is None:
            found = self._derefs[key] = schema_walk.deref(schema, self.lookup)
        return found

    def _members(self, resolved: JSONObject) -> dict[str, str]:
        """Lower-cased member → declared member, for enum schemas (memoized)."""
        key = id(resolved)
        found = self._enums.get(key)
        if found is None:
            found = self._enums[key] = {str(m).lower(): str(m) for m in resolved["enum"]}
        return found

    def _enum_bearing(self, schema: JSONObject) -> frozenset[str]:
        """Top-level properties whose values may hold enum members (directly, in items or nested objects):
        the only ones canonicalization has to visit."""
        key = id(schema)
        found = self._bearing.get(key)
        if found is None:
            names = [
                name
                for name, prop in schema.get("properties", {}).items()
                if self._may_hold_enum(prop, depth=0)
            ]
            found = self._bearing[key] = frozenset(names)
        return found

    def _may_hold_enum(self, prop: JSONObject, depth: int) -> bool:
        resolved = self._resolved(prop)
        if "enum" in resolved:
            return True
        if depth > 8:
            return True  # deep or recursive structures: let _canonical walk them
        items = resolved.get("items")
        if isinstance(items, dict):
            return self._may_hold_enum(items, depth + 1)
        return any(self._may_hold_enum(p, depth + 1) for p in resolved.get("properties", {}).values())

    def _sends_sentinel(self, value: Any, prop: JSONObject) -> bool:
        resolved = self._resolved(prop)
        if isinstance(value, list) and isinstance(resolved.get("items"), dict):
            resolved = self._resolved(resolved["items"])
            return "enum" in resolved and any(_is_sentinel(v) for v in value)
        return "enum" in resolved and _is_sentinel(value)

    def _canonical(self, value: Any, schema: JSONObject) -> Any:
        resolved = self._resolved(schema)
        if isinstance(value, str) and "enum" in resolved:
            return self._members(resolved).get(value.lower(), value)
        if isinstance(value, list) and isinstance(resolved.get("items"), dict):
            return [self._canonical(v, resolved["items"]) for v in value]
        if isinstance(value, dict):
            props = resolved.get("properties", {})
            return {k: self._canonical(v, props[k]) if k in props else v for k, v in value.items()}
        return value

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
            return f"Invalid value {instance!r} for property '{where}'. Expected one of: {members}."
        if error.validator in {"maximum", "minimum"}:
            return f"Value {instance} for property '{where}' is out of range for {expected}."
        return f"Invalid value {instance!r} for property '{where}': expected {expected}."

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


def unalias(body: JSONObject, schema: JSONObject) -> JSONObject:
    """`body` with the draft names of properties (`x-graph.propertyAliases`) renamed to the published ones;
    both spellings with different values is a BadRequest naming both."""
    aliases = request_block(schema).get("propertyAliases", {})
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
