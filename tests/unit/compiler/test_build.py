"""The compiler on the project's own sample pages: every construct and every defect class."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakegraph.artifacts import schemas as schema_tools
from fakegraph.compiler.build import Output
from fakegraph.compiler.examples import substitute
from fakegraph.validation.validator import body_problems

BETA = "urn:fakegraph:schemas:beta"


def _schema(files: dict[str, Any], name: str) -> dict[str, Any]:
    return files[f"schemas/beta/microsoft.graph.{name}.json"]


def _op(files: dict[str, Any], name: str) -> dict[str, Any]:
    ops = {o["name"]: o for o in files["fixtures/beta/operations.json"]["operations"]}
    return ops[name]


def _registry(files: dict[str, Any]) -> Any:
    return schema_tools.registry_of(v for k, v in files.items() if k.startswith("schemas/"))


def _warnings(sample: Output, kind: str) -> list[tuple[str, int, str]]:
    return [(w.file, w.line, w.message) for w in sample.warnings if w.kind == kind]


def test_resource_properties_map_to_json_schema(sample_files):
    """Property tables become typed, nullable properties; the key is read-only and not nullable."""
    props = _schema(sample_files, "gadgetUsage")["properties"]
    assert props["id"] == {"readOnly": True, "type": "string"}
    assert props["useCount"]["type"] == ["integer", "null"]
    assert props["useCount"]["maximum"] == 2**63 - 1
    assert props["slot"] == {"format": "int32", "maximum": 2**31 - 1, "minimum": -(2**31), "type": "integer"}
    assert props["lastSeenDateTime"] == {"format": "date-time", "type": ["string", "null"]}
    assert props["tags"] == {"items": {"type": "string"}, "type": ["array", "null"]}
    assert props["owner"] == {"anyOf": [{"$ref": f"{BETA}:microsoft.graph.gadgetOwner"}, {"type": "null"}]}
    assert props["pastOwners"]["items"] == {"$ref": f"{BETA}:microsoft.graph.gadgetOwner"}
    assert props["levels"]["items"] == {"$ref": f"{BETA}:microsoft.graph.ownerLevel"}
    assert props["colour"]["examples"] == ["red", "blue"]
    assert props["parts"]["readOnly"] is True


def test_resource_metadata_from_annotation_and_relationships(sample_files):
    """Key, base type and navigation properties come from the annotation and the Relationships table."""
    graph = _schema(sample_files, "gadgetUsage")["x-graph"]
    assert graph["kind"] == "entityType"
    assert graph["key"] == "id"
    assert graph["baseType"] == "microsoft.graph.entity"
    assert graph["navigationProperties"] == ["parts"]
    assert _schema(sample_files, "gadgetOwner")["x-graph"]["kind"] == "complexType"
    assert _schema(sample_files, "gadgetUsage")["additionalProperties"] is False


def test_json_representation_reconciles_the_table(sample, sample_files):
    """A JSON boolean beats a table's String; a property only the JSON block shows is added; both reported."""
    owner = _schema(sample_files, "gadgetOwner")["properties"]
    assert owner["isVerified"]["type"] == ["boolean", "null"]
    assert _schema(sample_files, "gadgetUsage")["properties"]["firmware"]["type"] == ["string", "null"]
    assert _warnings(sample, "type-conflict")[0][:2] == ("docs/beta/resources/gadgetowner.md", 19)
    assert "firmware" in _warnings(sample, "undocumented-property")[0][2]


def test_enums_from_pages_possible_values_and_overrides(sample_files):
    """Enum members come from enum pages and "Possible values"; the overrides add evolvable members."""
    kind = _schema(sample_files, "gadgetKind")
    assert kind["enum"] == ["small", "large", "unknownFutureValue", "huge"]
    assert kind["x-graph"]["unknownFutureValueIndex"] == 2
    assert _schema(sample_files, "ownerLevel")["enum"] == ["junior", "senior", "unknownFutureValue"]
    level = _schema(sample_files, "gadgetOwner")["properties"]["level"]
    assert level == {"anyOf": [{"$ref": f"{BETA}:microsoft.graph.ownerLevel"}, {"type": "null"}]}


def test_every_schema_is_a_valid_draft_2020_12_schema(sample_files):
    """Each emitted schema passes the metaschema."""
    from jsonschema import Draft202012Validator

    schemas = [v for k, v in sample_files.items() if k.startswith("schemas/")]
    assert len(schemas) == 12
    for schema in schemas:
        Draft202012Validator.check_schema(schema)


def test_function_page_becomes_a_catalogue_entry(sample_files):
    """Paths (several), parameters, filters, permissions, status and collection-ness are recorded."""
    op = _op(sample_files, "gadgetRoot_getGadgetSummary")
    assert op["kind"] == "function"
    assert op["method"] == "GET"
    assert op["paths"] == [
        "/gadgets/getGadgetSummary(period='{period}')",
        "/me/gadgets/getGadgetSummary(period='{period}')",
    ]
    assert op["parameters"] == [
        {"allowedValues": ["P1", "P7", "P30"], "caseInsensitive": True, "name": "period", "type": "string"}
    ]
    assert op["filterable"] == {
        "colour": {"caseInsensitive": True, "operators": ["eq", "startswith"], "orderBy": False},
        "isActive": {"caseInsensitive": False, "operators": ["eq"], "orderBy": True},
        "kind": {"caseInsensitive": False, "operators": ["eq"], "orderBy": False},
    }
    assert op["queryOptions"] == ["$filter", "$top"]
    assert op["permissions"] == {
        "application": ["Gadgets.Read.All"],
        "delegatedPersonal": [],
        "delegatedWork": ["Gadgets.Read.All", "Gadgets.ReadWrite.All"],
    }
    assert op["requestHeaders"] == ["Authorization"]
    assert op["successStatus"] == 200
    assert op["isCollection"] is True
    assert op["entityType"] == "microsoft.graph.gadgetUsage"
    assert op["requestBody"] is None


def test_list_page_query_options(sample_files):
    """Query options named in the text are recorded (the `$` form, lower case)."""
    op = _op(sample_files, "list_gadgetUsages")
    assert op["kind"] == "list"
    assert op["queryOptions"] == ["$orderby", "$select", "$skip", "$top"]


def test_missing_uri_takes_routes_from_the_overrides(sample, sample_files):
    """`** Collection/Entity URI ... not found` is reported and the overrides supply the route."""
    create = _op(sample_files, "create_gadgetUsage")
    update = _op(sample_files, "update_gadgetUsage")
    assert (create["paths"], create["pathSources"]) == (["/gadgets/usages"], ["override"])
    assert update["paths"] == ["/gadgets/usages/{gadgetUsageId}"]
    assert (create["successStatus"], update["successStatus"]) == (201, 200)
    assert ("drafts/create-gadgetusage.txt", 27) in [w[:2] for w in _warnings(sample, "missing-uri")]
    assert ("drafts/update-gadgetusage.txt", 22) in [w[:2] for w in _warnings(sample, "missing-uri")]


def test_todo_permissions_are_unknown(sample, sample_files):
    """TODO permission cells are recorded as unknown (null) and reported."""
    assert _op(sample_files, "create_gadgetUsage")["permissions"] == {
        "application": None,
        "delegatedPersonal": [],
        "delegatedWork": None,
    }
    assert ("drafts/create-gadgetusage.txt", 17) in [w[:2] for w in _warnings(sample, "todo-permissions")]


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("drafts/create-gadgetusage.txt", 59),
        ("drafts/update-gadgetusage.txt", 39),
        ("drafts/create-gadgetpart.txt", 30),
    ],
)
def test_malformed_base_urls_are_reported(sample, file, line):
    """`docs\\api` and `localtest**` base URLs are reported with file and line."""
    assert (file, line) in [w[:2] for w in _warnings(sample, "bad-base-url")]


def test_missing_api_version_defaults_to_beta(sample, sample_files):
    """A page that names no version is compiled as beta and reported."""
    files = [w[0] for w in _warnings(sample, "missing-api-version")]
    assert "drafts/create-gadgetpart.txt" in files
    assert _op(sample_files, "create_gadgetPart")["paths"] == ["/gadgets/parts"]
    assert not any(k.startswith(("schemas/v1.0", "fixtures/v1.0")) for k in sample_files)


def test_namespace_alias_is_served_under_the_real_name(sample, sample_files):
    """The alias namespace resolves to the real type and is rewritten in served bodies."""
    example = sample_files["fixtures/beta/examples/create_gadgetUsage.create_gadgetusage_from.json"]
    assert _op(sample_files, "create_gadgetUsage")["entityType"] == "microsoft.graph.gadgetUsage"
    assert example["response"]["body"]["@odata.type"] == "#microsoft.graph.gadgetUsage"
    assert len(_warnings(sample, "namespace-alias")) == 2


def test_placeholders_are_marked_with_valid_samples(sample, sample_files):
    """Placeholder values are marked (never served as is), each with a sample of the right type."""
    example = sample_files["fixtures/beta/examples/create_gadgetUsage.create_gadgetusage_from.json"]
    marks = {m["pointer"]: m for m in example["request"]["marks"]}
    assert {p: m["value"] for p, m in marks.items()} == {
        "/isActive": "Boolean",
        "/kind": "Enumeration",
        "/lastSeenDateTime": "String (timestamp)",
        "/slot": "Integer",
        "/useCount": "Int64",
    }
    assert marks["/kind"]["sample"] == "small"
    assert marks["/lastSeenDateTime"]["sample"] == "2021-01-01T00:00:00Z"
    assert isinstance(marks["/useCount"]["sample"], int)
    assert len(_warnings(sample, "placeholder-value")) == 9


def test_misspelled_keys_are_served_under_the_property_they_miss(sample, sample_files):
    """`lable` is reported and served as `label`; the repair is recorded in the fixture."""
    example = sample_files["fixtures/beta/examples/gadgetRoot_getGadgetCount.gadgetroot_getgadgetcount.json"]
    assert example["response"]["body"]["value"][0] == {"id": "part-1", "label": "front"}
    assert example["response"]["repairs"] == [
        {"key": "lable", "kind": "misspelled-key", "pointer": "/value/0/lable", "servedAs": "label"}
    ]
    assert _warnings(sample, "misspelled-key")[0][:2] == ("drafts/get-gadgetcount.txt", 32)


def test_path_disagreeing_with_its_example_keeps_the_declared_path(sample, sample_files):
    """An example URL that matches none of the page's paths is reported; the declared path is served."""
    example = sample_files["fixtures/beta/examples/gadgetRoot_getGadgetCount.gadgetroot_getgadgetcount.json"]
    assert example["request"]["path"] == "/gadgets/getGadgetCount"
    assert example["request"]["url"] == "https://graph.microsoft.com/beta/gadgets/getGadgetsCount"
    assert "getGadgetsCount" in _warnings(sample, "path-mismatch")[0][2]


def test_invalid_documented_values_are_marked(sample, sample_files):
    """A documented value outside its enum is reported and marked like a placeholder."""
    example = sample_files[
        "fixtures/beta/examples/gadgetRoot_getGadgetSummary.gadgetroot_getgadgetsummary.json"
    ]
    invalid = [m for m in example["response"]["marks"] if m["kind"] == "invalid"]
    assert [(m["pointer"], m["value"], m["sample"]) for m in invalid] == [
        ("/value/0/levels/1", "captain", "junior")
    ]
    assert "captain" in _warnings(sample, "example-invalid-value")[0][2]


def _examples(files: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for k, v in sorted(files.items()) if "/examples/" in k]


def test_every_example_response_validates_after_substitution(sample_files):
    """Each documented response, marked values replaced, validates against its schema."""
    registry = _registry(sample_files)
    responses = [e["response"] for e in _examples(sample_files) if e["response"] and e["response"]["schema"]]
    assert len(responses) == 14
    for response in responses:
        body = substitute(response["body"], response["marks"])
        errors = list(schema_tools.validator_for(response["schema"], registry).iter_errors(body))
        assert errors == [], errors[0].message


def test_example_requests_validate_only_once_placeholders_are_replaced(sample_files):
    """A request with placeholders fails naming the property; with samples substituted it passes."""
    registry = _registry(sample_files)
    checked = 0
    for example in _examples(sample_files):
        request = example["request"]
        schema = _op(sample_files, example["operation"])["requestBody"]
        if not request or request["body"] is None or schema is None:
            continue
        validator = schema_tools.validator_for(schema, registry)
        assert list(validator.iter_errors(substitute(request["body"], request["marks"]))) == []
        failing = {problem.pointer for problem in body_problems(request["body"], validator)}
        marked = {m["pointer"] for m in request["marks"]}
        assert failing == marked  # none where the documented body has no placeholder (the PUT's)
        checked += bool(marked)
    assert checked == 3


def test_output_is_deterministic(sample):
    """Compiling the same pages twice gives byte-identical files."""
    from tests.conftest import compile_sample

    again = compile_sample()
    assert again.files == sample.files
    assert all(content.endswith(b"\n") for content in sample.files.values())


def test_report_counts(sample_files):
    """The compile report counts pages, operations, types and warnings by kind."""
    report = sample_files["fixtures/compile-report.json"]
    assert report["pages"]["total"] == 31
    assert report["operations"] == 21
    assert report["types"] == 12
    assert report["warnings"]["byKind"]["missing-uri"] == 4
    assert (
        sum(report["warnings"]["byKind"].values())
        == report["warnings"]["total"]
        == len(report["warnings"]["items"])
    )
    json.dumps(report)


def test_namespaces_and_open_types(sample_files):
    """A page's namespace qualifies its type; an open type keeps dynamic properties as documented."""
    schema = sample_files["schemas/beta/microsoft.graph.fleet.gadgetFleetSummary.json"]
    assert schema["additionalProperties"] is True
    assert schema["properties"]["tenantId"]["readOnly"] is True
    op = _op(sample_files, "list_gadgetFleetSummaries")
    assert (op["namespace"], op["entityType"]) == (
        "microsoft.graph.fleet",
        "microsoft.graph.fleet.gadgetFleetSummary",
    )
    example = sample_files["fixtures/beta/examples/list_gadgetFleetSummaries.list_gadgetfleetsummary.json"]
    assert example["response"]["body"]["value"][0]["region"] == "north"
    assert example["response"]["repairs"] == []


def test_example_annotations_are_kept(sample_files):
    """The response annotation's truncated, @odata.type and isCollection travel with the example."""
    example = sample_files[
        "fixtures/beta/examples/gadgetRoot_getGadgetSummary.gadgetroot_getgadgetsummary.json"
    ]
    assert example["name"] == "gadgetroot_getgadgetsummary"
    assert example["response"]["annotation"] == {
        "@odata.type": "microsoft.graph.gadgetUsage",
        "isCollection": True,
        "truncated": True,
    }


def test_draft_property_names_become_aliases(sample, sample_files):
    """A draft name the overrides alias (`hits` → `useCount`) is reported, is no property of its own, is
    recorded on the type and the operation's body, and examples are served under the published name."""
    usage = _schema(sample_files, "gadgetUsage")
    assert usage["x-graph"]["propertyAliases"] == {"hits": "useCount"}
    assert "hits" not in usage["properties"]
    body = _op(sample_files, "create_gadgetUsage")["requestBody"]
    assert "hits" not in body["properties"]
    assert body["x-graph"]["propertyAliases"] == {"hits": "useCount"}
    example = sample_files["fixtures/beta/examples/create_gadgetUsage.create_gadgetusage_from.json"]
    assert "useCount" in example["request"]["body"]
    assert "hits" not in example["request"]["body"]
    assert example["response"]["body"]["useCount"] == 4
    assert {
        "key": "hits",
        "kind": "draft-property-name",
        "pointer": "/hits",
        "servedAs": "useCount",
    } in example["response"]["repairs"]
    reported = _warnings(sample, "draft-property-name")
    assert reported[0][:2] == ("drafts/create-gadgetusage.txt", 42)
    assert not [w for w in _warnings(sample, "undocumented-property") if "hits" in w[2]]


_KEYLESS_RESOURCE = """---
title: "label resource type"
doc_type: resourcePageType
---

# label resource type

Namespace: microsoft.graph

## Properties

| Property | Type | Description |
|:---------|:-----|:------------|
| name | String | The label's text. |

## JSON representation

<!-- { "blockType": "resource", "@odata.type": "microsoft.graph.label" } -->

```json
{ "name": "String" }
```
"""

_GET_LABEL = """---
title: "Get label"
doc_type: apiPageType
---

# Get label

Namespace: microsoft.graph

Reads one [label](../resources/label.md).

## HTTP request

<!-- { "blockType": "ignored" } -->
``` http
GET /labels/{id}
```

## Response

If successful, this method returns a `200 OK` response code and a [label](../resources/label.md) object.
"""


def test_a_type_whose_page_shows_no_key_but_documented_requests_address_by_one_is_an_entity():
    from fakegraph.compiler.build import build
    from fakegraph.compiler.types import Overrides

    out = build([("v1.0/resources/label.md", _KEYLESS_RESOURCE)], Overrides())
    alone = json.loads(out.files["schemas/v1.0/microsoft.graph.label.json"])
    assert alone["x-graph"]["kind"] == "complexType"
    pages = [("v1.0/resources/label.md", _KEYLESS_RESOURCE), ("v1.0/api/label-get.md", _GET_LABEL)]
    out = build(pages, Overrides())
    schema = json.loads(out.files["schemas/v1.0/microsoft.graph.label.json"])
    assert (schema["x-graph"]["kind"], schema["x-graph"]["key"]) == ("entityType", "id")
    assert "id" in schema["properties"]
    assert [w.file for w in out.warnings if w.kind == "missing-key"] == ["v1.0/api/label-get.md"]
