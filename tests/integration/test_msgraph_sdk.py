"""The official Python SDK (msgraph-beta-sdk) against fakegraph: the README recipe, and recovery from
throttling through its retry handler."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from msgraph_beta import GraphServiceClient

from fakegraph.server import FakeGraph


class FakeCredential:
    """Any object with get_token works as the SDK's credential; the token may be anything non-empty."""

    def __init__(self, token: str = "fake-token") -> None:
        self.token = token

    def get_token(self, *_scopes: str, **_kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


@pytest.fixture
async def sdk() -> AsyncIterator[Callable[..., GraphServiceClient]]:
    """Makes SDK clients pointed at a base URL, and closes their HTTP clients after the test."""
    made: list[GraphServiceClient] = []

    def make(base_url: str, token: str = "fake-token") -> GraphServiceClient:
        scopes = ["https://graph.microsoft.com/.default"]
        client = GraphServiceClient(credentials=FakeCredential(token), scopes=scopes)
        client.request_adapter.base_url = base_url  # no trailing slash
        made.append(client)
        return client

    yield make
    for client in made:
        http = client.request_adapter._http_client
        await http.aclose()
        # msgraph-core's AsyncGraphTransport.aclose() does nothing: close the transport it wraps, or its
        # pooled sockets leak until garbage collection.
        inner = getattr(http._transport, "transport", None)
        if inner is not None:
            await inner.aclose()


async def test_readme_recipe_reads_the_reports(fakegraph, sdk):
    """The README recipe: the SDK reads both report functions and a paged list from the fake."""
    client = sdk(fakegraph.beta_url)
    summary = await client.reports.get_credential_usage_summary_with_period("D30").get()
    assert summary.value
    assert all(row.successful_activity_count is not None for row in summary.value)
    counts = await client.reports.get_credential_user_registration_count.get()
    assert counts.value[0].total_user_count == 40
    registration = counts.value[0].user_registration_counts
    assert {c.registration_status.value for c in registration} == {
        "registered",
        "enabled",
        "capable",
        "mfaRegistered",
    }
    details = await client.reports.credential_user_registration_details.get()
    assert len(details.value) == 40
    assert fakegraph.last_request.path.startswith("/beta/reports/credentialUserRegistrationDetails")


async def test_sdk_errors_carry_graphs_error_body(fakegraph, sdk):
    """A 400 reaches the SDK as ODataError with Graph's code and message."""
    from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError

    client = sdk(fakegraph.beta_url)
    with pytest.raises(ODataError) as caught:
        await client.reports.get_credential_usage_summary_with_period("D2").get()
    error = caught.value
    assert error.response_status_code == 400
    assert error.error.code == "BadRequest"
    assert "D1, D7, D30" in error.error.message
    assert error.error.inner_error.request_id


def _jwt(claims: dict[str, str]) -> str:
    def part(value: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}.sig"


async def test_sdk_retry_handler_recovers_from_throttling(sdk):
    """With throttling at 2 requests per second, the SDK's retry handler waits out the 429 and succeeds."""
    with FakeGraph(throttle="2/1", dataset="empty") as graph:
        client = sdk(graph.beta_url, _jwt({"appid": "app-1", "tid": "tenant-1"}))
        for _ in range(4):
            result = await client.reports.get_credential_user_registration_count.get()
            assert result.value[0].total_user_count == 0
        statuses = [entry.status for entry in reversed(graph.state.journal.entries())]
        assert 429 in statuses
        assert statuses[-1] == 200
        retried = [e for e in graph.state.journal.entries() if "Retry-Attempt" in e.request_headers]
        assert retried
        graph.check()


async def test_throttling_is_per_app_and_tenant():
    """Another app (or tenant) in the token has its own window."""
    import aiohttp

    with FakeGraph(throttle="1/60", dataset="empty") as graph:
        url = graph.beta_url + "/reports/getCredentialUserRegistrationCount"
        async with aiohttp.ClientSession() as session:

            async def status(token: str) -> tuple[int, str | None]:
                async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
                    return response.status, response.headers.get("Retry-After")

            a, b = _jwt({"appid": "a", "tid": "t"}), _jwt({"appid": "b", "tid": "t"})
            assert (await status(a))[0] == 200
            throttled = await status(a)
            assert throttled[0] == 429
            assert 1 <= int(throttled[1] or 0) <= 60
            assert (await status(b))[0] == 200
            assert (await status("opaque"))[0] == 200
            assert (await status("other-opaque"))[0] == 429  # tokens without claims share one bucket


async def test_sdk_creates_and_manages_a_managed_tenant_summary(fakegraph, sdk):
    """The SDK's own model (tenant_id, tenant_display_name) is created, then listed, counted, read by id at
    the real path, patched and deleted; reads return the values as given."""
    from msgraph_beta.generated.models.managed_tenants.credential_user_registrations_summary import (
        CredentialUserRegistrationsSummary,
    )

    client = sdk(fakegraph.beta_url)
    summaries = client.tenant_relationships.managed_tenants.credential_user_registrations_summaries
    before = (await summaries.count.get()) or 0
    created = await summaries.post(
        CredentialUserRegistrationsSummary(
            tenant_id="38227791-5c8a-4b3e-9d2f-0a1b2c3d4e5f",
            tenant_display_name="Contoso",
            total_user_count=9,
            mfa_registered_user_count=3,
            security_defaults_enabled=True,
        )
    )
    assert created is not None
    assert created.id
    assert (created.tenant_id, created.tenant_display_name) == (
        "38227791-5c8a-4b3e-9d2f-0a1b2c3d4e5f",
        "Contoso",
    )
    listed = await summaries.get()
    mine = [s for s in listed.value if s.id == created.id]
    assert [(s.tenant_id, s.tenant_display_name) for s in mine] == [(created.tenant_id, "Contoso")]
    assert await summaries.count.get() == before + 1
    item = summaries.by_credential_user_registrations_summary_id(created.id)
    got = await item.get()
    assert (got.tenant_id, got.tenant_display_name, got.total_user_count) == (created.tenant_id, "Contoso", 9)
    assert fakegraph.last_request.path == (
        f"/beta/tenantRelationships/managedTenants/credentialUserRegistrationsSummaries/{created.id}"
    )
    await item.patch(CredentialUserRegistrationsSummary(total_user_count=12))
    assert (await item.get()).total_user_count == 12
    await item.delete()
    assert await summaries.count.get() == before
    assert fakegraph.last_request.status == 200
