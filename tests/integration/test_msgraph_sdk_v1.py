"""The official v1.0 SDK (msgraph-sdk) on users and groups, as an app's test suite would drive it: create a
user, read it by id and by userPrincipalName, list with $filter and $top and page through every user with
the SDK's PageIterator, patch it, link it into a group with $ref, list and unlink, and delete it (its group
link goes with it). Served from the shipped pack (all of graph-docs) by the generic engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import PageIterator

from fakegraph.artifacts.paths import data_dir
from fakegraph.server import FakeGraph
from tests.integration.sdk import close, v1_client

PACK: Path = data_dir()  # the shipped pack: all of graph-docs


@pytest.fixture(scope="module")
def graph() -> Any:
    with FakeGraph(data=str(PACK)) as running:
        yield running


@pytest.fixture
async def client(graph: Any) -> AsyncIterator[GraphServiceClient]:
    graph.reset()
    made = v1_client(graph.v1_url)
    yield made
    await close(made)
    graph.check()


def _users(**query: Any) -> RequestConfiguration[Any]:
    parameters = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(**query)
    return RequestConfiguration(query_parameters=parameters)


async def _adele(client: GraphServiceClient) -> User:
    profile = PasswordProfile(force_change_password_next_sign_in=True, password="xWwvJ]6NMw+bWH-d")
    created = await client.users.post(
        User(
            account_enabled=True,
            display_name="Adele Vance",
            mail_nickname="adele",
            user_principal_name="AdeleV@contoso.example",
            password_profile=profile,
        )
    )
    assert created is not None
    assert created.id
    return created


async def test_create_read_by_id_and_by_user_principal_name(client):
    adele = await _adele(client)
    by_id = await client.users.by_user_id(adele.id).get()
    by_name = await client.users.by_user_id("adelev@contoso.example").get()
    assert by_id.id == by_name.id == adele.id
    assert (by_name.display_name, by_name.account_enabled) == ("Adele Vance", True)


async def test_list_with_filter_and_top_then_page_through_every_user(client, graph):
    """`$filter` finds the created user; `$top=3` pages, and PageIterator follows every nextLink to visit
    each stored user exactly once."""
    adele = await _adele(client)
    found = await client.users.get(_users(filter="startswith(displayName,'Adele V')", top=5))
    assert adele.id in [u.id for u in found.value]
    assert all(u.display_name.startswith("Adele V") for u in found.value)
    first = await client.users.get(_users(top=3, select=["id", "displayName"]))
    assert len(first.value) == 3
    assert first.odata_next_link
    seen: list[str] = []

    def collect(user: User) -> bool:
        seen.append(user.id)
        return True

    await PageIterator(first, client.request_adapter).iterate(collect)
    stored = [u["id"] for u in graph.state.store.all("microsoft.graph.user")]
    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen)) >= 4


async def test_patch_then_link_into_a_group_list_and_unlink(client):
    adele = await _adele(client)
    await client.users.by_user_id(adele.id).patch(User(job_title="Engineer", office_location="18/2111"))
    patched = await client.users.by_user_id(adele.id).get()
    assert (patched.job_title, patched.office_location) == ("Engineer", "18/2111")
    crew = await client.groups.post(
        Group(display_name="Crew", mail_enabled=False, mail_nickname="crew", security_enabled=True)
    )
    members = client.groups.by_group_id(crew.id).members
    link = ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{adele.id}")
    await members.ref.post(link)
    listed = await members.get()
    assert [(m.id, m.odata_type) for m in listed.value] == [(adele.id, "#microsoft.graph.user")]
    with pytest.raises(ODataError) as twice:
        await members.ref.post(link)
    assert twice.value.response_status_code == 400
    await members.by_directory_object_id(adele.id).ref.delete()
    assert (await members.get()).value == []


async def test_deleting_a_user_removes_its_group_link(client):
    adele = await _adele(client)
    crew = await client.groups.post(
        Group(display_name="Crew", mail_enabled=False, mail_nickname="crew", security_enabled=True)
    )
    members = client.groups.by_group_id(crew.id).members
    await members.ref.post(ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/users/{adele.id}"))
    await client.users.by_user_id(adele.id).delete()
    assert (await members.get()).value == []
    with pytest.raises(ODataError) as gone:
        await client.users.by_user_id(adele.id).get()
    assert gone.value.response_status_code == 404
    assert gone.value.error.code == "Request_ResourceNotFound"


async def test_a_group_read_with_its_members_expanded(client):
    """`$expand=members($select=id,displayName)` on one group and on the group list: the SDK reads the
    linked users, typed, with the nested selection."""
    crew = await client.groups.post(
        Group(display_name="Crew", mail_enabled=False, mail_nickname="crew", security_enabled=True)
    )
    made = [await _adele(client)]
    for n in range(2):
        made.append(
            await client.users.post(
                User(
                    account_enabled=True,
                    display_name=f"Member {n}",
                    mail_nickname=f"member{n}",
                    user_principal_name=f"member{n}@contoso.example",
                    password_profile=PasswordProfile(password="xWwvJ]6NMw+bWH-d"),
                )
            )
        )
    members = client.groups.by_group_id(crew.id).members
    for user in made:
        await members.ref.post(ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/users/{user.id}"))
    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
        expand=["members($select=id,displayName)"]
    )
    group = await client.groups.by_group_id(crew.id).get(RequestConfiguration(query_parameters=query))
    expected = sorted((u.id, u.display_name) for u in made)
    assert sorted((m.id, m.display_name) for m in group.members) == expected
    assert all(isinstance(m, User) and m.mail_nickname is None for m in group.members)
    listing = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
        filter="displayName eq 'Crew'", expand=["members"]
    )
    groups = await client.groups.get(RequestConfiguration(query_parameters=listing))
    assert [len(g.members) for g in groups.value] == [3]


async def test_page_iterator_over_a_thousand_users(client, graph):
    """A tenant of 1,000 more users: PageIterator follows every nextLink and visits each user once."""
    users = [{"id": f"00000000-0000-4000-8000-{n:012d}", "displayName": f"User {n:04d}"} for n in range(1000)]
    seeded = httpx.post(f"{graph.url}/_fakegraph/seed", json={"microsoft.graph.user": users})
    assert seeded.status_code == 201, seeded.text
    first = await client.users.get(_users(select=["id", "displayName"]))
    seen: list[str] = []

    def collect(user: User) -> bool:
        seen.append(user.id)
        return True

    iterator = PageIterator(first, client.request_adapter)
    await iterator.iterate(collect)
    stored = [u["id"] for u in graph.state.store.all("microsoft.graph.user")]
    assert len(stored) >= 1000
    assert sorted(seen) == sorted(stored)
    assert len(seen) == len(set(seen))
    assert len(first.value) == 100  # the default page size: ten pages and more
