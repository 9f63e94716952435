"""Actions with effects (ARCHITECTURE A19) over plain HTTP, on pages written for these tests
(tests/data/mail, tests/data/directory; compiled here): `sendMail` files the message in Sent Items and
delivers it, `message: send` sends a draft, well-known folder names address a mailbox's folders, the
membership actions read the `members` links, and deleted directory objects wait in deleted items for a
restore. Bad input is a Graph-shaped 400 that changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from fakegraph.compiler import compile_docs
from tests.conftest import DATA
from tests.integration.conftest import AUTH, JSON, ClientFactory, state_of

V1 = "/v1.0"
NOW = "2026-01-01T00:00:00Z"  # the default mock clock


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("actions-pack")
    compile_docs([DATA / "mail", DATA / "directory"], out, None)
    return out


@pytest.fixture
async def api(make_client: ClientFactory, pack: Path) -> TestClient[Any, Any]:
    return await make_client(data=pack, dataset="empty")


async def _post(api: TestClient[Any, Any], path: str, body: Any, status: int = 201) -> Any:
    response = await api.post(V1 + path, json=body, headers=JSON)
    assert response.status == status, await response.text()
    return await response.json() if response.content_length else None


async def _get(api: TestClient[Any, Any], path: str, status: int = 200) -> Any:
    response = await api.get(V1 + path, headers=AUTH)
    assert response.status == status, await response.text()
    return await response.json()


async def _user(api: TestClient[Any, Any], name: str) -> str:
    address = f"{name.lower()}@contoso.example"
    body = {"displayName": name, "mail": address, "userPrincipalName": address, "accountEnabled": True}
    return str((await _post(api, "/users", body))["id"])


def _mail(subject: str = "Figures", *to: str, **more: Any) -> dict[str, Any]:
    recipients = [{"emailAddress": {"address": a}} for a in to or ("someone@fabrikam.example",)]
    body = {"contentType": "text", "content": "The figures are in.\nSee you."}
    return {"subject": subject, "body": body, "toRecipients": recipients, **more}


def _snapshot(api: TestClient[Any, Any]) -> Any:
    store = state_of(api).store
    return store.dump(), store.relations(), store.binned(["microsoft.graph.user", "microsoft.graph.group"])


# --- sendMail ------------------------------------------------------------------------------------------


async def test_send_mail_files_the_message_in_sent_items_with_what_graph_sets(api):
    """202 and no body; the message is in Sent Items (by well-known name in any case, and by the folder's
    id) and in the mailbox's messages, with a new id, the clock's time, the sender as from and sender,
    isDraft false, and a bodyPreview of its text."""
    ann = await _user(api, "Ann")
    response = await api.post(f"{V1}/users/{ann}/sendMail", json={"message": _mail()}, headers=JSON)
    assert (response.status, await response.read()) == (202, b"")
    (sent,) = (await _get(api, f"/users/{ann}/mailFolders/sentitems/messages"))["value"]
    me = {"emailAddress": {"name": "Ann", "address": "ann@contoso.example"}}
    assert sent["subject"] == "Figures"
    assert (sent["from"], sent["sender"], sent["isDraft"], sent["isRead"]) == (me, me, False, True)
    assert sent["sentDateTime"] == sent["createdDateTime"] == NOW
    assert sent["bodyPreview"] == "The figures are in. See you."
    assert sent["toRecipients"] == [{"emailAddress": {"address": "someone@fabrikam.example"}}]
    folder = await _get(api, f"/users/{ann}/mailFolders/SentItems")
    assert (folder["displayName"], sent["parentFolderId"]) == ("Sent Items", folder["id"])
    by_id = await _get(api, f"/users/{ann}/mailFolders/{folder['id']}/messages")
    mailbox = await _get(api, f"/users/{ann}/messages")
    assert [m["id"] for m in by_id["value"]] == [m["id"] for m in mailbox["value"]] == [sent["id"]]
    for path in (f"/users/{ann}/messages/{sent['id']}", f"/me/mailFolders/sentitems/messages/{sent['id']}"):
        assert (await _get(api, path))["id"] == sent["id"]


async def test_me_send_mail_and_a_second_message_keep_one_sent_items_folder(api):
    ann = await _user(api, "Ann")  # the first user: /me without a token's oid
    await _post(api, "/me/sendMail", {"message": _mail("One")}, 202)
    await _post(api, f"/users/{ann}/sendMail", {"message": _mail("Two"), "saveToSentItems": True}, 202)
    folders = (await _get(api, "/me/mailFolders"))["value"]
    assert [f["displayName"] for f in folders] == ["Sent Items"]
    listed = (await _get(api, "/me/mailFolders/sentitems/messages"))["value"]
    assert sorted(m["subject"] for m in listed) == ["One", "Two"]
    assert len({m["id"] for m in listed}) == 2


async def test_parameters_are_read_in_any_case_as_graph_reads_them(api):
    """The SDKs send `Message` and `SaveToSentItems`, as Graph's metadata spells them."""
    ann = await _user(api, "Ann")
    await _post(api, f"/users/{ann}/sendMail", {"Message": _mail("Cased"), "SaveToSentItems": False}, 202)
    assert (await _get(api, f"/users/{ann}/messages"))["value"] == []
    await _post(api, f"/users/{ann}/sendMail", {"MESSAGE": _mail("Kept")}, 202)
    assert [m["subject"] for m in (await _get(api, f"/users/{ann}/messages"))["value"]] == ["Kept"]


async def test_save_to_sent_items_false_keeps_nothing(api):
    ann = await _user(api, "Ann")
    before = _snapshot(api)
    await _post(api, f"/users/{ann}/sendMail", {"message": _mail(), "saveToSentItems": False}, 202)
    assert _snapshot(api) == before


async def test_recipients_in_the_tenant_find_it_unread_in_their_inbox_without_the_bcc_line(api):
    ann, bo = await _user(api, "Ann"), await _user(api, "Bo")
    message = _mail(
        "Hello", "BO@contoso.example", bccRecipients=[{"emailAddress": {"address": "x@y.example"}}]
    )
    await _post(api, f"/users/{ann}/sendMail", {"message": message, "saveToSentItems": False}, 202)
    (received,) = (await _get(api, f"/users/{bo}/mailFolders/inbox/messages"))["value"]
    assert (received["subject"], received["isRead"], received["bccRecipients"]) == ("Hello", False, None)
    assert received["from"]["emailAddress"]["address"] == "ann@contoso.example"
    assert received["receivedDateTime"] == NOW
    assert (await _get(api, f"/users/{ann}/messages"))["value"] == []


BAD_BODIES = [
    ({}, "BadRequest", "message"),
    ({"message": None}, "BadRequest", "message"),
    ({"message": {"subject": "no one"}}, "ErrorInvalidRecipients", "recipients"),
    ({"message": _mail(toRecipients=[])}, "ErrorInvalidRecipients", "recipients"),
    ({"message": _mail(toRecipients=["bo@contoso.example"])}, "BadRequest", "toRecipients"),
    ({"message": _mail(toRecipients=[{"address": "bo@contoso.example"}])}, "BadRequest", "address"),
    ({"message": _mail(toRecipients=[{"emailAddress": {}}])}, "ErrorInvalidRecipients", "emailAddress"),
    ({"message": _mail("x", "not an address")}, "ErrorInvalidRecipients", "not an address"),
    ({"message": _mail(subject=5)}, "BadRequest", "subject"),
    ({"message": _mail(), "saveToSentItems": "yes"}, "BadRequest", "saveToSentItems"),
    ({"message": _mail(), "urgent": True}, "BadRequest", "urgent"),
    ({"message": "hello"}, "BadRequest", "message"),
]


@pytest.mark.parametrize(("body", "code", "named"), BAD_BODIES)
async def test_a_bad_send_mail_body_is_a_400_naming_it_and_changes_nothing(api, body, code, named):
    ann = await _user(api, "Ann")
    before = _snapshot(api)
    response = await api.post(f"{V1}/users/{ann}/sendMail", json=body, headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == code
    assert named in error["message"]
    assert _snapshot(api) == before


async def test_send_mail_as_a_user_the_tenant_lacks_is_a_404(api):
    response = await api.post(f"{V1}/users/nobody/sendMail", json={"message": _mail()}, headers=JSON)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "Request_ResourceNotFound"


async def test_attachments_sent_with_the_message_are_its_attachments(api):
    ann = await _user(api, "Ann")
    attachment = {"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "aGk="}
    await _post(api, f"/users/{ann}/sendMail", {"message": _mail(attachments=[attachment])}, 202)
    (sent,) = (await _get(api, f"/users/{ann}/messages"))["value"]
    assert sent["hasAttachments"] is True
    (attached,) = (await _get(api, f"/users/{ann}/messages/{sent['id']}/attachments"))["value"]
    assert (attached["@odata.type"], attached["name"]) == ("#microsoft.graph.fileAttachment", "a.txt")


# --- drafts and well-known folders ---------------------------------------------------------------------


async def test_a_sent_draft_moves_from_drafts_to_sent_items_under_its_id(api):
    ann, bo = await _user(api, "Ann"), await _user(api, "Bo")
    draft = await _post(
        api, f"/users/{ann}/mailFolders/drafts/messages", _mail("Draft", "bo@contoso.example")
    )
    drafts = await _get(api, f"/users/{ann}/mailFolders/drafts")
    assert drafts["displayName"] == "Drafts"
    await _post(api, f"/users/{ann}/messages/{draft['id']}/send", None, 202)
    assert (await _get(api, f"/users/{ann}/mailFolders/drafts/messages"))["value"] == []
    (sent,) = (await _get(api, f"/users/{ann}/mailFolders/sentitems/messages"))["value"]
    assert (sent["id"], sent["isDraft"], sent["sentDateTime"]) == (draft["id"], False, NOW)
    assert sent["sender"]["emailAddress"]["address"] == "ann@contoso.example"
    assert (await _get(api, f"/users/{ann}/messages/{draft['id']}"))["parentFolderId"] != drafts["id"]
    assert len((await _get(api, f"/users/{bo}/mailFolders/inbox/messages"))["value"]) == 1
    again = await api.post(f"{V1}/users/{ann}/messages/{draft['id']}/send", headers=AUTH)
    assert again.status == 400


async def test_a_draft_without_recipients_is_not_sent(api):
    ann = await _user(api, "Ann")
    draft = await _post(api, "/me/messages", {"subject": "nobody"})
    before = _snapshot(api)
    response = await api.post(f"{V1}/me/messages/{draft['id']}/send", headers=AUTH)
    assert (response.status, (await response.json())["error"]["code"]) == (400, "ErrorInvalidRecipients")
    assert _snapshot(api) == before
    assert (await _get(api, f"/users/{ann}/messages/{draft['id']}"))["subject"] == "nobody"


async def test_well_known_folder_names_address_each_users_own_folder(api):
    ann, bo = await _user(api, "Ann"), await _user(api, "Bo")
    ann_inbox = await _get(api, f"/users/{ann}/mailFolders/inbox")
    assert (await _get(api, f"/users/{ann}/mailFolders/INBOX"))["id"] == ann_inbox["id"]
    assert (await _get(api, f"/users/{bo}/mailFolders/Inbox"))["id"] != ann_inbox["id"]
    assert ann_inbox["displayName"] == "Inbox"
    assert ann_inbox["parentFolderId"] == (await _get(api, f"/users/{ann}/mailFolders/msgfolderroot"))["id"]
    await _get(api, f"/users/{ann}/mailFolders/nosuchfolder", 404)
    await _get(api, "/users/nobody/mailFolders/inbox", 404)


async def test_deleting_a_user_takes_their_folders_and_mail(api):
    ann = await _user(api, "Ann")
    await _post(api, f"/users/{ann}/sendMail", {"message": _mail()}, 202)
    store = state_of(api).store
    assert store.count("microsoft.graph.message") == 1
    response = await api.delete(f"{V1}/users/{ann}", headers=AUTH)
    assert response.status == 204
    assert (store.count("microsoft.graph.message"), store.count("microsoft.graph.mailFolder")) == (0, 0)


# --- memberships ---------------------------------------------------------------------------------------


async def _group(api: TestClient[Any, Any], name: str, *, security: bool) -> str:
    body = {
        "displayName": name,
        "mailNickname": name.lower(),
        "securityEnabled": security,
        "mailEnabled": False,
    }
    return str((await _post(api, "/groups", body))["id"])


async def _add(api: TestClient[Any, Any], group: str, member: str) -> None:
    link = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{member}"}
    await _post(api, f"/groups/{group}/members/$ref", link, 204)


async def _ids(api: TestClient[Any, Any], path: str, body: Any) -> list[str]:
    answer = await _post(api, path, body, 200)
    assert answer["@odata.context"].endswith("/v1.0/$metadata#Collection(Edm.String)")
    return list(answer["value"])


async def _nested(api: TestClient[Any, Any]) -> tuple[str, str, str, str, str]:
    """ann ∈ team (security) ∈ all (not security); ann ∈ lab (security); bo in nothing."""
    ann, bo = await _user(api, "Ann"), await _user(api, "Bo")
    team, everyone = await _group(api, "Team", security=True), await _group(api, "All", security=False)
    lab = await _group(api, "Lab", security=True)
    await _add(api, team, ann)
    await _add(api, everyone, team)
    await _add(api, lab, ann)
    return ann, bo, team, everyone, lab


async def test_get_member_groups_follows_nested_groups_and_filters_security_groups(api):
    ann, bo, team, everyone, lab = await _nested(api)
    every = {"securityEnabledOnly": False}
    for path in (
        f"/users/{ann}/getMemberGroups",
        "/me/getMemberGroups",
        f"/directoryObjects/{ann}/getMemberGroups",
    ):
        assert sorted(await _ids(api, path, every)) == sorted([team, everyone, lab])
    secure = await _ids(api, "/users/ann@contoso.example/getMemberGroups", {"securityEnabledOnly": True})
    assert sorted(secure) == sorted([team, lab])
    assert await _ids(api, f"/groups/{team}/getMemberGroups", every) == [everyone]
    assert await _ids(api, f"/users/{bo}/getMemberGroups", every) == []
    assert sorted(await _ids(api, f"/users/{ann}/getMemberObjects", every)) == sorted([team, everyone, lab])


async def test_memberships_follow_the_links_as_they_change(api):
    ann, _, team, everyone, lab = await _nested(api)
    response = await api.delete(f"{V1}/groups/{team}/members/{ann}/$ref", headers=AUTH)
    assert response.status == 204
    assert await _ids(api, f"/users/{ann}/getMemberGroups", {"securityEnabledOnly": False}) == [lab]
    await _add(api, lab, team)
    groups = await _ids(api, f"/groups/{team}/getMemberGroups", {"securityEnabledOnly": False})
    assert sorted(groups) == sorted([everyone, lab])


async def test_check_member_groups_and_objects_keep_the_given_ids_it_belongs_to(api):
    ann, bo, _, everyone, lab = await _nested(api)
    given = [lab, "00000000-0000-0000-0000-000000000000", everyone, bo]
    assert await _ids(api, f"/users/{ann}/checkMemberGroups", {"groupIds": given}) == [lab, everyone]
    assert await _ids(api, f"/users/{ann}/checkMemberObjects", {"ids": given}) == [lab, everyone]
    assert await _ids(api, f"/groups/{lab}/checkMemberGroups", {"groupIds": given}) == []


@pytest.mark.parametrize(
    ("action", "body", "named"),
    [
        ("checkMemberGroups", {}, "groupIds"),
        ("checkMemberGroups", {"groupIds": None}, "groupIds"),
        ("checkMemberGroups", {"groupIds": [f"g{i}" for i in range(21)]}, "20"),
        ("checkMemberGroups", {"groupIds": [1, 2]}, "groupIds"),
        ("checkMemberObjects", {"ids": "abc"}, "ids"),
        ("getMemberGroups", {"securityEnabledOnly": "yes"}, "securityEnabledOnly"),
        ("getMemberObjects", {"securityEnabled": True}, "securityEnabled"),
    ],
)
async def test_a_bad_membership_body_is_a_400_naming_it(api, action, body, named):
    ann = await _user(api, "Ann")
    response = await api.post(f"{V1}/users/{ann}/{action}", json=body, headers=JSON)
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["code"], named in error["message"]) == ("BadRequest", True)


async def test_memberships_of_an_object_the_tenant_lacks_are_a_404(api):
    response = await api.post(f"{V1}/directoryObjects/nobody/getMemberGroups", json={}, headers=JSON)
    assert response.status == 404


# --- deleted items and restore -------------------------------------------------------------------------


async def test_a_deleted_user_waits_in_deleted_items_and_a_restore_brings_it_back_with_its_groups(api):
    ann, _, team, everyone, lab = await _nested(api)
    assert (await api.delete(f"{V1}/users/{ann}", headers=AUTH)).status == 204
    await _get(api, f"/users/{ann}", 404)
    assert (await _get(api, f"/groups/{team}/members"))["value"] == []
    deleted = await _get(api, "/directory/deletedItems/microsoft.graph.user")
    assert deleted["@odata.context"].endswith("$metadata#Collection(microsoft.graph.directoryObject)")
    (item,) = deleted["value"]
    assert (item["id"], item["@odata.type"], item["deletedDateTime"]) == (ann, "#microsoft.graph.user", NOW)
    assert (await _get(api, "/directory/deletedItems/microsoft.graph.group"))["value"] == []
    restored = await _post(api, f"/directory/deletedItems/{ann}/restore", None, 200)
    assert restored["@odata.context"].endswith("$metadata#directoryObjects/$entity")
    assert (restored["id"], restored["@odata.type"], restored["displayName"]) == (
        ann,
        "#microsoft.graph.user",
        "Ann",
    )
    assert restored["deletedDateTime"] is None
    assert (await _get(api, f"/users/{ann}"))["deletedDateTime"] is None
    assert [m["id"] for m in (await _get(api, f"/groups/{team}/members"))["value"]] == [ann]
    assert sorted(await _ids(api, f"/users/{ann}/getMemberGroups", {})) == sorted([team, everyone, lab])
    assert (await _get(api, "/directory/deletedItems/microsoft.graph.user"))["value"] == []
    again = await api.post(f"{V1}/directory/deletedItems/{ann}/restore", headers=AUTH)
    assert again.status == 404


async def test_a_restored_user_gets_its_mailbox_back(api):
    ann = await _user(api, "Ann")
    await _post(api, f"/users/{ann}/sendMail", {"message": _mail()}, 202)
    await api.delete(f"{V1}/users/{ann}", headers=AUTH)
    await _post(api, f"/directory/deletedItems/{ann}/restore", None, 200)
    (sent,) = (await _get(api, f"/users/{ann}/mailFolders/sentitems/messages"))["value"]
    assert [m["id"] for m in (await _get(api, f"/users/{ann}/messages"))["value"]] == [sent["id"]]


async def test_deleted_groups_and_applications_are_listed_by_their_type_and_restored(api):
    ann, _, team, everyone, _ = await _nested(api)
    app = (await _post(api, "/applications", {"displayName": "Portal"}))["id"]
    for path in (f"/groups/{team}", f"/applications/{app}"):
        assert (await api.delete(V1 + path, headers=AUTH)).status == 204
    (group,) = (await _get(api, "/directory/deletedItems/microsoft.graph.group"))["value"]
    (application,) = (await _get(api, "/directory/deletedItems/microsoft.graph.application"))["value"]
    assert (group["id"], application["id"]) == (team, app)
    assert await _ids(api, f"/users/{ann}/getMemberGroups", {}) != []  # lab still holds ann
    await _post(api, f"/directory/deletedItems/{team}/restore", None, 200)
    assert [m["id"] for m in (await _get(api, f"/groups/{team}/members"))["value"]] == [ann]
    assert await _ids(api, f"/groups/{team}/getMemberGroups", {}) == [everyone]
    restored = await _post(api, f"/directory/deletedItems/{app}/restore", None, 200)
    assert restored["@odata.type"] == "#microsoft.graph.application"


async def test_restoring_an_id_that_is_taken_again_is_refused_and_changes_nothing(api):
    ann = await _user(api, "Ann")
    await api.delete(f"{V1}/users/{ann}", headers=AUTH)
    body = {"id": ann, "displayName": "Other", "userPrincipalName": "other@contoso.example"}
    await _post(api, "/users", body)
    before = _snapshot(api)
    response = await api.post(f"{V1}/directory/deletedItems/{ann}/restore", headers=AUTH)
    assert response.status == 409
    assert _snapshot(api) == before


async def test_a_reset_empties_deleted_items(api):
    ann = await _user(api, "Ann")
    await api.delete(f"{V1}/users/{ann}", headers=AUTH)
    response = await api.post("/_fakegraph/reset", headers=AUTH)
    assert response.status in {200, 204}
    assert (await _get(api, "/directory/deletedItems/microsoft.graph.user"))["value"] == []
    assert (await api.post(f"{V1}/directory/deletedItems/{ann}/restore", headers=AUTH)).status == 404
