"""The `$metadata` document (ARCHITECTURE A20) made from a pack: what it states about the sample pack's types,
container and operations, that a CSDL reader (odatapy) finds nothing in it dangling, for the sample pack and
both versions of the shipped pack, and that it is the same bytes every time."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from fakegraph.artifacts.catalogue import Catalogue, load_catalogue
from fakegraph.artifacts.contract import OperationEntry
from fakegraph.odata import csdl
from tests import csdl_reader
from tests.conftest import DATA, REPO

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"
EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"


@pytest.fixture(scope="module")
def sample_catalogue() -> Catalogue:
    return load_catalogue(DATA / "compiled")


@pytest.fixture(scope="module")
def sample_document(sample_catalogue: Catalogue) -> bytes:
    return csdl.document(sample_catalogue, "beta")


def _schema(document: bytes, namespace: str) -> ET.Element:
    root = ET.fromstring(document)
    found = root.find(f"{EDMX}DataServices/{EDM}Schema[@Namespace='{namespace}']")
    assert found is not None, f"no schema {namespace}"
    return found


def _element(schema: ET.Element, kind: str, name: str) -> ET.Element:
    found = schema.find(f"{EDM}{kind}[@Name='{name}']")
    assert found is not None, f"no {kind} {name}"
    return found


def _properties(element: ET.Element) -> dict[str, dict[str, str]]:
    return {p.attrib["Name"]: dict(p.attrib) for p in element.findall(f"{EDM}Property")}


def _navigations(element: ET.Element) -> dict[str, dict[str, str]]:
    return {p.attrib["Name"]: dict(p.attrib) for p in element.findall(f"{EDM}NavigationProperty")}


def test_entity_types_have_their_key_edm_types_nullability_and_base_type(sample_document: bytes) -> None:
    graph = _schema(sample_document, "microsoft.graph")
    assert graph.attrib["Alias"] == "graph"
    usage = _element(graph, "EntityType", "gadgetUsage")
    assert [r.attrib["Name"] for r in usage.findall(f"{EDM}Key/{EDM}PropertyRef")] == ["id"]
    props = _properties(usage)
    assert props["id"] == {"Name": "id", "Type": "Edm.String", "Nullable": "false"}
    assert {
        name: props[name]["Type"] for name in ("serial", "uptime", "lastSeenDateTime", "blob", "weight")
    } == {
        "serial": "Edm.Guid",
        "uptime": "Edm.Duration",
        "lastSeenDateTime": "Edm.DateTimeOffset",
        "blob": "Edm.Binary",
        "weight": "Edm.Double",
    }
    assert props["slot"] == {"Name": "slot", "Type": "Edm.Int32", "Nullable": "false"}
    assert "Nullable" not in props["useCount"]  # nullable, as CSDL's default says
    assert props["tags"]["Type"] == "Collection(Edm.String)"
    assert props["kind"]["Type"] == "graph.gadgetKind"  # an enum, by Graph's alias
    assert props["owner"]["Type"] == "graph.gadgetOwner"  # a complex type
    assert _element(graph, "ComplexType", "gadgetOwner").find(f"{EDM}Key") is None
    # A derived type names its base, has no key of its own and declares only what it adds.
    admin = _element(graph, "EntityType", "gadgetAdmin")
    assert admin.attrib["BaseType"] == "graph.gadgetUser"
    assert admin.find(f"{EDM}Key") is None
    assert set(_properties(admin)) == {"adminLevel"}
    # A type of another namespace is in its own schema; an open type says so.
    summary = _element(_schema(sample_document, "microsoft.graph.fleet"), "EntityType", "gadgetFleetSummary")
    assert summary.attrib.get("OpenType") == "true"


def test_enum_members_are_numbered_in_their_declared_order(sample_document: bytes) -> None:
    kind = _element(_schema(sample_document, "microsoft.graph"), "EnumType", "gadgetKind")
    members = [(m.attrib["Name"], m.attrib["Value"]) for m in kind.findall(f"{EDM}Member")]
    assert members == [("small", "0"), ("large", "1"), ("unknownFutureValue", "2"), ("huge", "3")]


def test_the_container_holds_entity_sets_singletons_and_bindings(sample_document: bytes) -> None:
    graph = _schema(sample_document, "microsoft.graph")
    container = _element(graph, "EntityContainer", "GraphService")
    sets = {e.attrib["Name"]: e for e in container.findall(f"{EDM}EntitySet")}
    singletons = {e.attrib["Name"]: e.attrib["Type"] for e in container.findall(f"{EDM}Singleton")}
    assert {name: e.attrib["EntityType"] for name, e in sets.items()} == {
        "gadgetTeams": "microsoft.graph.gadgetTeam",
        "gadgetUsers": "microsoft.graph.gadgetUser",
    }
    # `/me` and `/gadgetSettings` are read without a key; `/gadgets/...` and `/fleet/...` only lead further,
    # to collections no type of the pack holds: those get a type of fakegraph's own.
    assert singletons == {
        "me": "microsoft.graph.gadgetUser",
        "gadgetSettings": "microsoft.graph.gadgetSettings",
        "gadgets": "fakegraph.gadgets",
        "fleet": "fakegraph.fleet",
    }
    gadgets = _element(_schema(sample_document, "fakegraph"), "EntityType", "gadgets")
    assert _navigations(gadgets)["usages"] == {
        "Name": "usages",
        "Type": "Collection(graph.gadgetUsage)",
        "ContainsTarget": "true",
    }
    # A reference navigation (the docs document `$ref` on team members) holds no targets of its own: its
    # entity set binds it to the set that serves users. A user's notes are contained.
    members = _navigations(_element(graph, "EntityType", "gadgetTeam"))["members"]
    assert members == {"Name": "members", "Type": "Collection(graph.gadgetUser)"}
    bindings = [dict(b.attrib) for b in sets["gadgetTeams"].findall(f"{EDM}NavigationPropertyBinding")]
    assert bindings == [{"Path": "members", "Target": "gadgetUsers"}]
    assert _navigations(_element(graph, "EntityType", "gadgetUser"))["notes"]["ContainsTarget"] == "true"


def test_operations_are_bound_to_the_type_of_the_path_before_their_name(sample_document: bytes) -> None:
    graph = _schema(sample_document, "microsoft.graph")
    summary = _element(graph, "Function", "getGadgetSummary")
    assert summary.attrib["IsBound"] == "true"
    parameters = [dict(p.attrib) for p in summary.findall(f"{EDM}Parameter")]
    assert parameters == [
        {"Name": "bindingParameter", "Type": "fakegraph.gadgets"},
        {"Name": "period", "Type": "Edm.String", "Nullable": "false"},
    ]
    returns = summary.find(f"{EDM}ReturnType")
    assert returns is not None
    assert returns.attrib["Type"] == "Collection(graph.gadgetUsage)"
    retire = _element(graph, "Action", "retire")  # 204: an action that answers nothing has no return type
    assert [p.attrib["Type"] for p in retire.findall(f"{EDM}Parameter")] == ["graph.gadgetUsage"]
    assert retire.find(f"{EDM}ReturnType") is None


def test_an_operation_at_the_root_is_unbound_and_imported(sample_catalogue: Catalogue) -> None:
    """A function documented at the root (`/getGadgetCensus(year={year})`) has no binding parameter and a
    FunctionImport in the container."""
    operations = dict(sample_catalogue.operations["beta"])
    census: Any = copy.deepcopy(operations["gadgetRoot_getGadgetSummary"])
    census.update(name="getGadgetCensus", paths=["/getGadgetCensus(year={year})"])
    census["parameters"] = [{"name": "year", "type": "int32", "allowedValues": [], "caseInsensitive": False}]
    operations["getGadgetCensus"] = census
    catalogue = Catalogue(sample_catalogue.schemas, {"beta": operations, "v1.0": {}})
    graph = _schema(csdl.document(catalogue, "beta"), "microsoft.graph")
    function = _element(graph, "Function", "getGadgetCensus")
    assert "IsBound" not in function.attrib
    assert [dict(p.attrib) for p in function.findall(f"{EDM}Parameter")] == [
        {"Name": "year", "Type": "Edm.Int32", "Nullable": "false"}
    ]
    imported = _element(
        _element(graph, "EntityContainer", "GraphService"), "FunctionImport", "getGadgetCensus"
    )
    assert imported.attrib["Function"] == "microsoft.graph.getGadgetCensus"


def test_a_documented_path_a_type_leaves_out_adds_the_navigation(sample_catalogue: Catalogue) -> None:
    """A page that documents `/gadgetTeams/{id}/parts` while the team's resource page lists no `parts`: the
    team type gets that navigation property, typed as the page types the path."""
    operations: dict[str, OperationEntry] = dict(sample_catalogue.operations["beta"])
    parts: Any = copy.deepcopy(operations["create_gadgetPart"])
    parts.update(name="list_teamParts", kind="list", method="GET", paths=["/gadgetTeams/{id}/parts"])
    operations["list_teamParts"] = parts
    found = csdl.model(Catalogue(sample_catalogue.schemas, {"beta": operations}), "beta")
    team = found.types["microsoft.graph.gadgetTeam"]
    assert team.navigations["parts"].target == "microsoft.graph.gadgetPart"
    assert team.navigations["parts"].collection
    assert "microsoft.graph.gadgetTeam/parts" in found.added


@pytest.mark.parametrize(
    ("pack", "version"), [(DATA / "compiled", "beta"), (REPO, "v1.0"), (REPO, "beta")], ids=str
)
def test_a_csdl_reader_finds_nothing_dangling(pack: Path, version: str) -> None:
    """The document is well-formed XML that odatapy reads, and every type, key, base type, binding and
    import it names resolves: for the sample pack and both versions of the shipped pack."""
    document = csdl.document(load_catalogue(pack), version)
    ET.fromstring(document)  # well-formed
    edm = csdl_reader.read(document)
    assert csdl_reader.dangling(edm) == []
    container = edm.entity_container
    assert container is not None
    assert container.name == "GraphService"
    assert container.entity_sets


def test_the_reader_finds_what_a_broken_document_leaves_dangling(sample_document: bytes) -> None:
    """The check above can fail: a navigation to an unknown type, an unknown base type and an entity set of
    an unknown type are each found."""
    broken = (
        sample_document.replace(b'Type="Collection(graph.gadgetNote)"', b'Type="Collection(graph.nothing)"')
        .replace(b'BaseType="graph.gadgetUser"', b'BaseType="graph.nobody"')
        .replace(b'EntityType="microsoft.graph.gadgetTeam"', b'EntityType="microsoft.graph.none"')
    )
    found = csdl_reader.dangling(csdl_reader.read(broken))
    assert any("graph.nothing" in f for f in found)
    assert any("graph.nobody" in f for f in found)
    assert any("microsoft.graph.none" in f for f in found)


def test_the_document_is_the_same_bytes_every_time(sample_catalogue: Catalogue) -> None:
    first = csdl.document(sample_catalogue, "beta")
    assert csdl.document(load_catalogue(DATA / "compiled"), "beta") == first
