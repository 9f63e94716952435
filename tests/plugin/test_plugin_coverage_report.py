"""`--fakegraph-report[=FILE]` at the end of another project's session (run with pytester)."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import urllib.error
import urllib.request


def get(url):
    request = urllib.request.Request(url, headers={"Authorization": "Bearer t"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_one(fakegraph):
    assert get(fakegraph.v1_url + "/me") == 200


def test_two(fakegraph):
    assert get(fakegraph.v1_url + "/me") == 200
    assert get(fakegraph.v1_url + "/users/nobody") == 404
    assert get(fakegraph.v1_url + "/nowhere") == 400
"""


def test_report_to_terminal_and_json_file(pytester: pytest.Pytester):
    pytester.makepyfile(test_calls=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakegraph-report=coverage.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*- fakegraph coverage -*",
            "fakegraph coverage: 4 requests; operations called: beta 0 of *, v1.0 1 of *; 1 request paths*",
            "*2  200x2 * GET     /v1.0/me (get_a_user)",
            "*1  404x1 * GET     /v1.0/users/{id|userPrincipalName} (get_a_user)",
            "not served by any operation:",
            "*1  400x1 * GET     /v1.0/nowhere",
            "fakegraph coverage report written to coverage.json",
        ]
    )
    report = json.loads((pytester.path / "coverage.json").read_text())
    assert report["requests"] == 4  # over both tests: the per-test reset keeps the counts
    assert {(r["path"], r["calls"]) for r in report["called"]} == {
        ("/me", 2),
        ("/users/{id|userPrincipalName}", 1),
    }
    assert report["unserved"] == [
        {"method": "GET", "path": "/v1.0/nowhere", "calls": 1, "statuses": {"400": 1}}
    ]
    assert "get_a_user" not in report["versions"]["v1.0"]["uncalled"]


def test_report_only_when_asked(pytester: pytest.Pytester):
    pytester.makepyfile(test_calls=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*fakegraph coverage*")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--fakegraph-report")
    result.stdout.fnmatch_lines(["fakegraph coverage: 4 requests*"])
    result.stdout.no_fnmatch_line("*written to*")
