"""The pytest plugin's tenants (ARCHITECTURE A23) as another project uses them (run with pytester): a handle
scoped to an added tenant sees and changes that tenant only, and the next test starts without it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import base64
import json
import urllib.error
import urllib.request

import pytest

SUMMARIES = "/reports/credentialUsageSummaries"
A = "aaaaaaaa-0000-4000-8000-00000000000a"


def bearer(tid):
    part = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    claims = {"tid": tid} if tid else {}
    return {"Authorization": "Bearer " + part({"alg": "none"}) + "." + part(claims) + ".c2ln"}


def call(method, url, tid=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {**bearer(tid), "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_scoped_handle_acts_on_its_tenant(fakegraph):
    tenant = fakegraph.add_tenant(A, domains=["alpha.example.com"], dataset="empty")
    assert tenant.tenant_id == A and fakegraph.tenant_id != A
    assert fakegraph.tenant("Alpha.Example.com").tenant_id == A
    added = tenant.add(SUMMARIES, {"feature": "registration"})
    status, listed = call("GET", fakegraph.beta_url + SUMMARIES, tid=A)
    assert (status, [o["id"] for o in listed["value"]]) == (200, [added[0]["id"]])
    assert call("GET", fakegraph.beta_url + SUMMARIES)[1]["value"] == []
    assert tenant.get(SUMMARIES, added[0]["id"])["feature"] == "registration"
    with pytest.raises(Exception):
        fakegraph.get(SUMMARIES, added[0]["id"])
    assert [o["id"] for o in tenant.list_objects(SUMMARIES)] == [added[0]["id"]]
    assert fakegraph.list_objects(SUMMARIES) == []
    # journal: the tenant's handle sees its requests; the default handle sees every tenant's
    assert tenant.request_count == 1 and tenant.last_request.tenant == A
    assert fakegraph.request_count == 2
    assert fakegraph.tenant(fakegraph.tenant_id).request_count == 1  # scoped to the default tenant
    # clock, faults and stubs are the tenant's
    tenant.advance_clock(3600)
    assert (tenant.now - fakegraph.now).total_seconds() == 3600
    tenant.fail(path="/beta" + SUMMARIES, status=503)
    assert call("GET", fakegraph.beta_url + SUMMARIES, tid=A)[0] == 503
    assert call("GET", fakegraph.beta_url + SUMMARIES)[0] == 200
    tenant.clear_faults()
    tenant.stub("GET", "/beta" + SUMMARIES, status=418, body={})
    assert call("GET", fakegraph.beta_url + SUMMARIES, tid=A)[0] == 418
    assert fakegraph.stubs() == []
    # the tenant's reset leaves the default tenant's objects and the tenant itself
    kept = fakegraph.add(SUMMARIES, {"feature": "reset"})
    tenant.reset()
    assert tenant.list_objects(SUMMARIES) == [] and tenant.now == fakegraph.now and tenant.stubs() == []
    assert tenant.requests() == []
    assert [o["id"] for o in fakegraph.list_objects(SUMMARIES)] == [kept[0]["id"]]


def test_the_next_test_starts_without_it(fakegraph):
    assert fakegraph.server.state.tenants.ids() == [fakegraph.tenant_id]
    with pytest.raises(Exception, match="no tenant"):
        fakegraph.tenant(A)
    again = fakegraph.add_tenant(A)  # its id is free again
    fakegraph.remove_tenant(A)
    with pytest.raises(Exception, match="no tenant"):
        again.list_objects(SUMMARIES)


def test_a_tenant_with_the_default_dataset(fakegraph):
    tenant = fakegraph.add_tenant()
    details = "userCredentialUsageDetails"
    assert len(tenant.list_objects(details)) == len(fakegraph.list_objects(details)) > 0
"""


def test_tenant_handles(pytester: pytest.Pytester):
    pytester.makepyfile(test_tenants=TESTS)
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)
