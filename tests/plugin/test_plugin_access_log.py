"""The pytest plugin keeps the fake's access log quiet unless `--fakegraph-access-log` (run with pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TEST = """
import logging
import urllib.request


def test_request(fakegraph, caplog):
    caplog.set_level(logging.INFO)
    request = urllib.request.Request(fakegraph.beta_url + "/reports/credentialUserRegistrationDetails",
                                     headers={"Authorization": "Bearer t"})
    urllib.request.urlopen(request, timeout=10).close()
    lines = [r.getMessage() for r in caplog.records if r.name == "fakegraph.access"]
    print("ACCESS", *lines)
    assert len(lines) == EXPECTED
"""


def test_access_log_is_off_by_default(pytester: pytest.Pytester):
    """A suite logging at INFO does not get a line per request of the fake."""
    pytester.makepyfile(test_quiet=TEST.replace("EXPECTED", "0"))
    pytester.makeini("[pytest]\nlog_level = INFO\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_access_log_on_with_the_option(pytester: pytest.Pytester):
    pytester.makepyfile(test_loud=TEST.replace("EXPECTED", "1"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "--fakegraph-access-log")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["*ACCESS GET /beta/reports/credentialUserRegistrationDetails 200 *ms request-id=*"]
    )
