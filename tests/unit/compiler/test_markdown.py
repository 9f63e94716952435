"""Markdown structure: front matter, sections, tables and annotated blocks, with line numbers."""

from __future__ import annotations

import pytest

from fakegraph.compiler.markdown import parse_annotation, parse_document, plain, split_row

PAGE = """---
title: "A page"
doc_type: apiPageType
---

# A page

## HTTP request
<!-- { "blockType": "ignored" } -->
```http
GET /things
```

## Examples

# [HTTP](#tab/http)
<!-- {
  "blockType": "request",
  "name": "get_things",
} -->
```http
GET https://graph.microsoft.com/beta/things
```

## Properties

| Property | Type | Description |
|:--|:--|:--|
| a | String | one `x|y` |
| b \\| c | Int32 | two |
"""


def test_front_matter_is_read():
    """Front matter keys are read without their quotes."""
    assert parse_document(PAGE).front_matter == {"title": "A page", "doc_type": "apiPageType"}


def test_language_tabs_do_not_end_sections():
    """`# [HTTP](#tab/http)` switches code samples; it is not a heading that closes a section."""
    doc = parse_document(PAGE)
    examples = doc.section("examples")
    assert examples is not None
    assert [
        f.annotation["name"] for f in doc.fences_in(examples) if f.annotation and "name" in f.annotation
    ] == ["get_things"]


def test_annotations_attach_to_the_next_block_with_lines():
    """An annotation comment (trailing commas and all) belongs to the fenced block after it."""
    doc = parse_document(PAGE)
    fence = doc.fences[1]
    assert fence.annotation == {"blockType": "request", "name": "get_things"}
    assert fence.annotation_line == 17
    assert fence.line == 21
    assert fence.text == "GET https://graph.microsoft.com/beta/things"


def test_tables_keep_escaped_pipes_and_code():
    """Escaped pipes and pipes inside code spans stay inside their cell."""
    doc = parse_document(PAGE)
    section = doc.section("properties")
    assert section is not None
    (table,) = doc.tables(section)
    assert table.header == ("Property", "Type", "Description")
    assert table.rows == (("a", "String", "one `x|y`"), ("b | c", "Int32", "two"))
    assert table.row_lines == (29, 30)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('{"a": [1, 2,], }', {"a": [1, 2]}),
        ("[1]", None),
        ("{not json", None),
    ],
)
def test_annotation_json_is_read_leniently(raw, expected):
    """Annotations tolerate trailing commas; anything else that is not an object is reported."""
    value, error = parse_annotation(raw)
    assert value == expected
    assert bool(error) == (expected is None)


def test_row_and_cell_helpers():
    """Rows split on unescaped pipes; `plain` drops links, emphasis and code ticks."""
    assert split_row("|a|b|") == ("a", "b")
    assert split_row("| a | b") == ("a", "b")
    assert plain("**[x](y.md)** `z`") == "x z"
