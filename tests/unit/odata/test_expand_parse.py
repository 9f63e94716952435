"""`$expand` values parsed: names, casts, a derived type's navigation, nested options, `$levels`."""

from __future__ import annotations

import pytest

from fakegraph.odata import InvalidQuery, parse_expand
from fakegraph.odata.expand import Expansion


def test_names_casts_owners_and_nested_options():
    found = parse_expand("members($select=id,displayName;$top=5),attachments/microsoft.graph.fileAttachment")
    assert found == (
        Expansion("members", "", (("select", "id,displayName"), ("top", "5"))),
        Expansion("attachments", "microsoft.graph.fileAttachment"),
    )
    assert parse_expand("microsoft.graph.eventMessage/event") == (
        Expansion("event", "", (), "microsoft.graph.eventMessage"),
    )


def test_levels_expand_the_same_navigation_below_itself_within_the_bound():
    (manager,) = parse_expand("manager($levels=max;$select=id,displayName)")
    assert manager.options == (
        ("select", "id,displayName"),
        ("expand", "manager($select=id,displayName;$levels=2)"),
    )
    (nested,) = parse_expand(dict(manager.options)["expand"], 2)
    assert dict(nested.options)["expand"] == "manager($select=id,displayName;$levels=1)"
    assert parse_expand("manager($levels=1)") == (Expansion("manager"),)


@pytest.mark.parametrize("text", ["a($levels=4)", "a($expand=b($expand=c($expand=d)))", "a($levels=x)"])
def test_depth_beyond_the_bound_or_a_bad_level_is_refused(text):
    with pytest.raises(InvalidQuery):
        parse_expand(text)
