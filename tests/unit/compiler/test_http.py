"""Request targets → path templates, documented HTTP messages, and placeholder detection."""

from __future__ import annotations

import pytest

from fakegraph.artifacts import placeholders
from fakegraph.compiler.examples import example_path, path_matches
from fakegraph.compiler.http import parse_message, path_of


@pytest.mark.parametrize(
    ("target", "path", "kinds"),
    [
        ("/reports/userCredentialUsageDetails", "/reports/userCredentialUsageDetails", []),
        ("https://graph.microsoft.com/beta/reports/x?$filter=a eq 'b'", "/reports/x", []),
        (
            "https://graph.microsoft.com/v1.0/users/{id | userPrincipalName}/",
            "/users/{id|userPrincipalName}",
            [],
        ),
        (
            "https://graph.microsoft.com/docs\\api/reports/x",
            "/reports/x",
            ["bad-base-url", "missing-api-version"],
        ),
        ("** Collection URI for microsoft.graph.x not found", None, ["missing-uri"]),
        ("** Entity URI for microsoft.graph.x not found", None, ["missing-uri"]),
        (
            "https://graph.microsoft.com/localtest** Collection URI for microsoft.graph.x not found",
            None,
            ["missing-uri", "bad-base-url", "missing-api-version"],
        ),
    ],
)
def test_targets_become_path_templates(target, path, kinds):
    """Hosts, versions and query strings are dropped; broken bases and missing URIs are reported."""
    found, problems = path_of(target)
    assert found == path
    assert [kind for kind, _ in problems] == kinds


def test_documented_messages_split_into_parts():
    """Start line, headers and body of a documented request."""
    message = parse_message(
        ("POST https://x/beta/a HTTP/1.1", "Content-type: application/json", "", '{"a": 1}')
    )
    assert message.start == ("POST", "https://x/beta/a")
    assert message.headers == (("Content-type", "application/json"),)
    assert message.body == '{"a": 1}'
    response = parse_message(("HTTP/1.1 201 Created", "{}"), response=True)
    assert (response.start, response.headers, response.body) == (("HTTP", "201"), (), "{}")


@pytest.mark.parametrize(
    ("template", "path", "matches"),
    [
        ("/reports/getX(period='{period}')", "/reports/getX(period='D30')", True),
        ("/reports/getX", "/reports/getX()", True),
        ("/reports/getX", "/reports/getXs", False),
        ("/a/{id}/b", "/A/123/b", True),
    ],
)
def test_example_paths_match_templates(template, path, matches):
    """Templates match concrete example paths (keys, function parameters, empty parentheses)."""
    assert path_matches(template, path) is matches


def test_example_path_mismatch_picks_the_closest_template():
    """A disagreeing example is served on the page's closest path and the mismatch is named."""
    path, mismatch = example_path("https://graph.microsoft.com/beta/r/getCountz", ["/r/getCount", "/q/other"])
    assert path == "/r/getCount"
    assert mismatch is not None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("String", True),
        ("string", True),
        ("Integer", True),
        ("Boolean", True),
        ("Int64", True),
        ("String (timestamp)", True),
        ("String (identifier)", True),
        ("Enumeration", True),
        ("id-value", True),
        ("MIIDYDCCAki...", True),
        ("registration", False),
        ("Jane Doe", False),
        ("2019-04-01T00:00:00Z", False),
        (7, False),
    ],
)
def test_placeholders(value, expected):
    """The doc generator's stand-ins are recognised; real values are not."""
    assert placeholders.is_placeholder(value) is expected


def test_pointers_round_trip():
    """JSON pointers escape `/` and `~` and come back as paths."""
    path = ("a/b", 0, "c~d")
    assert placeholders.pointer(path) == "/a~1b/0/c~0d"
    assert placeholders.parse_pointer(placeholders.pointer(path)) == path


@pytest.mark.parametrize(
    "value",
    [
        {"a": "String", "b": [1, {"c": "Int64"}]},
        {"a": 1, "b": [{"c": "x"}, {"d": "id-value"}]},
        {"@odata.type": "String", "a": "real"},
        ["x", ["y", "Boolean"]],
        "Enumeration",
        {"a": {"b": {"c": "ok"}}},
    ],
)
def test_first_placeholder_agrees_with_find(value):
    """The fast `first` finds what `find` finds first (annotations skipped)."""
    assert placeholders.first(value) == next(placeholders.find(value), None)


def _request_paths(*lines: str) -> list[str]:
    from fakegraph.compiler.pages import parse_page

    fence = "\n".join(["```http", *lines, "```"])
    head = "---\ntitle: List manager\ndoc_type: apiPageType\n---\n# List manager\n"
    text = f"{head}\n## HTTP request\n\n{fence}\n"
    page = parse_page(text, "v1.0/api/user-list-manager.md")
    return [path for path, _ in page.operations[0].paths]


def test_a_request_line_expanding_a_navigation_is_no_path_of_its_own():
    """`GET /users?$expand=manager` beside `GET /users/{id}/manager` reads the navigation through the users
    list; taking `/users` as the page's path would give the users list this page's query options."""
    paths = _request_paths("GET /me/manager", "GET /users/{id}/manager", "GET /users?$expand=manager")
    assert paths == ["/me/manager", "/users/{id}/manager"]


def test_a_page_documented_only_through_expand_keeps_those_paths():
    assert _request_paths("GET /users?$expand=manager") == ["/users"]
