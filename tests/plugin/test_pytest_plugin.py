"""The pytest plugin as another project uses it after `pip install` (run with pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import asyncio
import json
import urllib.request

import aiohttp
import pytest

AUTH = {"Authorization": "Bearer t"}


def get(url):
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=10) as response:
        return json.load(response)


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={**AUTH, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def test_sync_client_sees_the_default_dataset(fakegraph):
    value = get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")["value"]
    assert len(value) == 40


def test_writes_in_one_test(fakegraph):
    status, created = post(fakegraph.beta_url + "/reports/credentialUsageSummaries", {"feature": "reset"})
    assert status == 201
    assert fakegraph.get("credentialUsageSummary", created["id"])["feature"] == "reset"
    assert fakegraph.last_request.method == "POST"
    assert fakegraph.request_count("POST", "/reports/credentialUsageSummaries") == 1
    assert fakegraph.request_count == 1  # read without calling it, as `last_request` is


def test_are_gone_in_the_next(fakegraph):
    assert fakegraph.list_objects("/reports/credentialUsageSummaries") == []
    assert fakegraph.requests() == []


def test_store_helpers_validate(fakegraph):
    added = fakegraph.add("userCredentialUsageDetails", {"feature": "reset", "isSuccess": True})
    assert get(fakegraph.beta_url + "/reports/userCredentialUsageDetails/" + added[0]["id"])["feature"] == "reset"
    with pytest.raises(Exception, match="isSuccess"):
        fakegraph.add("userCredentialUsageDetails", {"isSuccess": "yes"})


def test_clock_control(fakegraph):
    before = fakegraph.now
    fakegraph.advance_clock(3600)
    assert (fakegraph.now - before).total_seconds() == 3600
    fakegraph.set_clock("2030-01-01T00:00:00Z")
    assert fakegraph.now.year == 2030


def test_fault_helpers(fakegraph):
    import urllib.error

    fakegraph.fail("/beta/reports/*", 429, retry_after=1, count=1)
    with pytest.raises(urllib.error.HTTPError) as caught:
        get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")
    assert caught.value.code == 429
    assert caught.value.headers["Retry-After"] == "1"
    assert get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")["value"]
    fakegraph.fail("*", 503)
    fakegraph.clear_faults()
    assert get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")["value"]


@pytest.mark.fakegraph(dataset="empty", seed=3)
def test_marker_changes_the_dataset_for_one_test(fakegraph):
    assert get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")["value"] == []


def test_and_only_that_test(fakegraph):
    assert len(get(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails")["value"]) == 40


async def test_async_client_under_pytest_aiohttp(fakegraph):
    async with aiohttp.ClientSession(headers=AUTH) as session:
        async with session.get(fakegraph.beta_url + "/reports/getCredentialUserRegistrationCount()") as response:
            assert response.status == 200
            assert (await response.json())["value"][0]["totalUserCount"] == 40
"""


def test_plugin_fixtures_marker_and_reset(pytester: pytest.Pytester):
    """Fixtures, the marker, the per-test reset, store helpers, journal and clock, sync and async clients."""
    pytester.makepyfile(test_usage=TESTS)
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=9)


def test_settings_fixture_can_be_overridden(pytester: pytest.Pytester):
    """A project's conftest.py overrides `fakegraph_settings`."""
    pytester.makeconftest(
        "import pytest\nfrom fakegraph.settings import Settings\n\n"
        "@pytest.fixture(scope='session')\ndef fakegraph_settings():\n    return Settings(port=0, dataset='empty')\n"
    )
    pytester.makepyfile(
        "def test_empty(fakegraph):\n"
        "    assert fakegraph.list_objects('credentialUserRegistrationDetails') == []\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_an_unknown_marker_option_is_named_with_the_known_ones(pytester: pytest.Pytester):
    """`@pytest.mark.fakegraph(sed=7)` fails that test naming `sed` and the options there are, not with a
    dataclasses traceback; the next test runs on the session's settings."""
    pytester.makepyfile(
        "import pytest\n\n"
        "@pytest.mark.fakegraph(sed=7)\n"
        "def test_typo(fakegraph):\n"
        "    pass\n\n"
        "def test_next(fakegraph):\n"
        "    assert fakegraph.url\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unknown option sed; the options are *clock*dataset*seed*"])
    result.stdout.no_fnmatch_line("*TypeError*")


def test_settings_without_a_port_keep_the_session_server_on_a_free_port(pytester: pytest.Pytester):
    """Overriding `fakegraph_settings` with `Settings(seed=3)` changes the seed only: the session server
    still takes a free port (it used to move to 8000, where `fakegraph serve` may be running)."""
    pytester.makeconftest(
        "import pytest\nfrom fakegraph.settings import Settings\n\n"
        "@pytest.fixture(scope='session')\ndef fakegraph_settings():\n    return Settings(seed=3)\n"
    )
    pytester.makepyfile(
        "def test_port(fakegraph):\n"
        "    assert fakegraph.server.settings.seed == 3\n"
        "    assert fakegraph.server.port not in (0, 8000)\n"
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_server_exception_fails_the_test_that_caused_it(pytester: pytest.Pytester):
    """An unexpected exception inside the fake fails that test at teardown, not the next one."""
    pytester.makepyfile(
        "import urllib.request, urllib.error\n"
        "from fakegraph.behaviours import credential_reports\n\n"
        "def test_breaks(fakegraph, monkeypatch):\n"
        "    monkeypatch.setattr(credential_reports, 'registration_count', lambda store: 1 / 0)\n"
        "    request = urllib.request.Request(fakegraph.beta_url + '/reports/getCredentialUserRegistrationCount',\n"
        "                                     headers={'Authorization': 'Bearer t'})\n"
        "    try:\n"
        "        urllib.request.urlopen(request, timeout=10)\n"
        "    except urllib.error.HTTPError as error:\n"
        "        assert error.code == 500\n\n"
        "def test_next_is_clean(fakegraph):\n"
        "    pass\n"
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*the fake Graph raised while serving this test*ZeroDivisionError*"])


def test_the_readme_example_runs(pytester: pytest.Pytester):
    """The pytest example in README.md passes as written."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## In your tests (pytest)", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    pytester.makepyfile(test_readme=code)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_readme_sdk_recipe_runs(pytester: pytest.Pytester):
    """The async msgraph-beta-sdk recipe in README.md passes as written, in a project configured only by the
    README's own pyproject.toml block (no configuration of this test's making: without the block, pytest
    refuses the async test)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### With the official SDK (msgraph-beta-sdk)", 1)[1].split("\n### ", 1)[0]
    config = section.split("```toml", 1)[1].split("```", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    pytester.makepyprojecttoml(config)
    pytester.makepyfile(test_sdk_recipe=code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error::pytest.PytestWarning")
    result.assert_outcomes(passed=1)
