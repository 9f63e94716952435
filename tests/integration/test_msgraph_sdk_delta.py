"""Delta queries through the official SDKs, as an app's sync code drives them (ARCHITECTURE A18).

v1.0 (msgraph-sdk): the shipped pack has no v1.0 user delta page, so this serves our own small pages
(tests/data/delta, compiled here): `client.users.delta.get()` and its nextLinks until the deltaLink, then
users created, updated and deleted with the SDK, then `client.users.delta.with_url(delta_link).get()` gives
exactly those changes. beta (msgraph-beta-sdk) on the shipped pack: its documented `/users/delta`, with the
users written through v1.0 (one store serves both versions).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder
from msgraph_beta import GraphServiceClient as BetaServiceClient

from fakegraph.artifacts.paths import data_dir
from fakegraph.compiler import compile_docs
from fakegraph.server import FakeGraph
from tests.conftest import DATA
from tests.integration.sdk import SCOPES, FakeCredential, close, v1_client


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pack = tmp_path_factory.mktemp("delta-sdk-pack")
    compile_docs([DATA / "delta"], pack, None)
    with FakeGraph(data=str(pack), page_size=2) as running:  # small pages: the SDK follows nextLinks
        yield running


@pytest.fixture
async def client(graph: Any) -> AsyncIterator[GraphServiceClient]:
    graph.reset()
    made = v1_client(graph.v1_url)
    yield made
    await close(made)
    graph.check()


async def _sync(delta: DeltaRequestBuilder, **query: Any) -> tuple[list[User], str]:
    """A round as an app writes it: the first page, then each nextLink, until the deltaLink."""
    config = None
    if query:
        parameters = DeltaRequestBuilder.DeltaRequestBuilderGetQueryParameters(**query)
        config = RequestConfiguration(query_parameters=parameters)
    page = await delta.get(config)
    users: list[User] = []
    while True:
        assert page is not None
        users.extend(page.value or [])
        if page.odata_delta_link:
            assert page.odata_next_link is None
            return users, page.odata_delta_link
        assert page.odata_next_link
        page = await delta.with_url(page.odata_next_link).get()


async def test_users_delta_then_changes_then_the_delta_link_gives_exactly_those_changes(client, graph):
    users, delta_link = await _sync(client.users.delta)
    stored = sorted(u["id"] for u in graph.state.store.all("microsoft.graph.user"))
    assert sorted(u.id for u in users) == stored
    assert len(users) == 3  # the pages' sample tenant, two per page
    rosa, tom, ines = (
        next(u for u in users if u.display_name.startswith(n)) for n in ("Rosa", "Tom", "Ines")
    )
    ada = await client.users.post(
        User(display_name="Ada Lovelace", user_principal_name="ada@contoso.example")
    )
    assert ada is not None
    assert ada.id
    await client.users.by_user_id(tom.id).patch(User(job_title="Dispatcher"))
    await client.users.by_user_id(ines.id).delete()
    changed, next_link = await _sync(client.users.delta.with_url(delta_link))
    by_id = {u.id: u for u in changed}
    assert set(by_id) == {ada.id, tom.id, ines.id}
    assert by_id[ada.id].display_name == "Ada Lovelace"
    assert (by_id[tom.id].display_name, by_id[tom.id].job_title) == (tom.display_name, "Dispatcher")
    assert by_id[ines.id].additional_data == {"@removed": {"reason": "changed"}}
    assert rosa.id not in by_id
    nothing, _ = await _sync(client.users.delta.with_url(next_link))
    assert nothing == []


async def test_users_delta_with_select_tracks_the_selected_properties(client):
    users, delta_link = await _sync(client.users.delta, select=["displayName"])
    assert all(u.job_title is None and u.display_name for u in users)
    await client.users.by_user_id(users[0].id).patch(User(job_title="Not tracked"))
    await client.users.by_user_id(users[1].id).patch(User(display_name="Renamed"))
    changed, _ = await _sync(client.users.delta.with_url(delta_link))
    assert [(u.id, u.display_name, u.job_title) for u in changed] == [(users[1].id, "Renamed", None)]


async def test_a_delta_link_from_before_a_reset_is_a_410_the_sdk_raises(client, graph):
    _, delta_link = await _sync(client.users.delta)
    graph.reset()
    with pytest.raises(ODataError) as gone:
        await client.users.delta.with_url(delta_link).get()
    assert gone.value.response_status_code == 410
    assert gone.value.error.code == "resyncRequired"


@pytest.fixture(scope="module")
def shipped() -> Any:
    with FakeGraph(data=str(data_dir()), page_size=5) as running:
        yield running


async def test_beta_sdk_users_delta_on_the_shipped_pack(shipped):
    """The shipped pack documents `/users/delta` on beta only: the beta SDK pages through its users, and
    the deltaLink then answers a user created and one deleted through v1.0."""
    shipped.reset()
    beta = BetaServiceClient(credentials=FakeCredential(), scopes=SCOPES)
    beta.request_adapter.base_url = shipped.beta_url
    v1 = v1_client(shipped.v1_url)
    try:
        page = await beta.users.delta.get()
        seen = []
        while page.odata_next_link:
            seen.extend(page.value)
            page = await beta.users.delta.with_url(page.odata_next_link).get()
        seen.extend(page.value)
        stored = shipped.state.store.all("microsoft.graph.user")
        assert sorted(u.id for u in seen) == sorted(u["id"] for u in stored)
        made = await v1.users.post(
            User(
                account_enabled=True,
                display_name="Sync Probe",
                mail_nickname="probe",
                user_principal_name="probe@contoso.example",
            )
        )
        await v1.users.by_user_id(seen[0].id).delete()
        changed = await beta.users.delta.with_url(page.odata_delta_link).get()
        assert {(u.id, u.display_name) for u in changed.value if u.display_name} == {(made.id, "Sync Probe")}
        assert [u.id for u in changed.value if u.additional_data.get("@removed")] == [seen[0].id]
        assert changed.odata_delta_link
    finally:
        await close(beta)
        await close(v1)
    shipped.check()
