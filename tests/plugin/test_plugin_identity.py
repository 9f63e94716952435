"""`fakegraph.register_app(...)`, `fakegraph.token(...)` and the `enforce_permissions` marker option in
another project's tests (run with pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

REPORT = "/reports/userCredentialUsageDetails"


def call(url, token=None, form=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = urllib.parse.urlencode(form).encode() if form else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.fakegraph(enforce_permissions=True)
def test_a_minted_token_with_and_without_the_permission(fakegraph):
    status, _ = call(fakegraph.beta_url + REPORT, fakegraph.token(["Reports.Read.All"]))
    assert status == 200
    status, body = call(fakegraph.beta_url + REPORT, fakegraph.token(["User.Read.All"]))
    assert (status, body["error"]["code"]) == (403, "Authorization_RequestDenied")
    status, body = call(fakegraph.beta_url + REPORT, "made-up")
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")


@pytest.mark.fakegraph(enforce_permissions=True)
def test_a_registered_app_gets_its_token_from_the_fake(fakegraph):
    app = fakegraph.register_app("my-app", roles=["Reports.Read.All"])
    endpoint = f"{fakegraph.url}/{fakegraph.server.settings.tenant_id}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.secret,
            "scope": "https://graph.microsoft.com/.default"}
    status, body = call(endpoint, form=form)
    assert status == 200
    assert call(fakegraph.beta_url + REPORT, body["access_token"])[0] == 200
    fakegraph.advance_clock(3600 + 300)
    status, body = call(fakegraph.beta_url + REPORT, body["access_token"])
    assert (status, body["error"]["message"]) == (401, "Lifetime validation failed, the token is expired.")


def test_the_app_is_gone_and_any_token_works_again(fakegraph):
    assert fakegraph.server.state.identity.registry.find(fakegraph.server.settings.tenant_id, "my-app") is None
    assert call(fakegraph.beta_url + REPORT, "made-up")[0] == 200
"""


def test_identity_through_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_identity=TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
