"""Send mail and find it in Sent Items through the official v1.0 SDK (msgraph-sdk), as an app's test suite
would: `users.by_user_id(u).send_mail.post(...)` and `me.send_mail.post(...)`, then the Sent Items folder by
its well-known name, the mailbox's messages, and a recipient's Inbox. Served from pages written for these
tests (tests/data/mail, tests/data/directory), compiled here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from msgraph import GraphServiceClient
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.message import Message
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.user import User
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

from fakegraph.compiler import compile_docs
from fakegraph.server import FakeGraph
from tests.conftest import DATA
from tests.integration.sdk import close, v1_client


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGraph]:
    pack = tmp_path_factory.mktemp("mail-pack")
    compile_docs([DATA / "mail", DATA / "directory"], pack, None)
    with FakeGraph(data=str(pack), dataset="empty") as running:
        yield running


@pytest.fixture
async def client(graph: FakeGraph) -> AsyncIterator[GraphServiceClient]:
    graph.reset()
    made = v1_client(graph.v1_url)
    yield made
    await close(made)
    graph.check()


async def _user(client: GraphServiceClient, name: str) -> User:
    address = f"{name.lower()}@contoso.example"
    made = await client.users.post(User(display_name=name, mail=address, user_principal_name=address))
    assert made is not None
    assert made.id
    return made


def _message(subject: str, *to: str) -> Message:
    return Message(
        subject=subject,
        body=ItemBody(content_type=BodyType.Text, content="Lunch at noon?"),
        to_recipients=[Recipient(email_address=EmailAddress(address=address)) for address in to],
    )


async def test_send_mail_then_find_it_in_sent_items(client, graph):
    ann = await _user(client, "Ann")
    body = SendMailPostRequestBody(message=_message("Lunch", "bo@fabrikam.example"), save_to_sent_items=True)
    await client.users.by_user_id(ann.id).send_mail.post(body)
    sent_items = client.users.by_user_id(ann.id).mail_folders.by_mail_folder_id("sentitems")
    listed = await sent_items.messages.get()
    assert listed is not None
    (sent,) = listed.value
    assert sent.subject == "Lunch"
    assert (sent.is_draft, sent.is_read) == (False, True)
    assert sent.from_.email_address.address == sent.sender.email_address.address == "ann@contoso.example"
    assert sent.sent_date_time == graph.state.clock.now()
    assert [r.email_address.address for r in sent.to_recipients] == ["bo@fabrikam.example"]
    folder = await sent_items.get()
    assert (folder.display_name, sent.parent_folder_id) == ("Sent Items", folder.id)
    mailbox = await client.users.by_user_id(ann.id).messages.get()
    assert [m.id for m in mailbox.value] == [sent.id]


async def test_me_send_mail_reaches_a_colleagues_inbox_and_not_saving_keeps_no_copy(client):
    ann, bo = await _user(client, "Ann"), await _user(client, "Bo")  # /me: the tenant's first user, Ann
    message = _message("Hello", bo.mail)
    await client.me.send_mail.post(SendMailPostRequestBody(message=message, save_to_sent_items=False))
    assert (await client.me.messages.get()).value == []
    inbox = await client.users.by_user_id(bo.id).mail_folders.by_mail_folder_id("inbox").messages.get()
    (received,) = inbox.value
    assert (received.subject, received.is_read) == ("Hello", False)
    assert received.from_.email_address.address == ann.mail


async def test_a_message_without_recipients_is_refused_with_graphs_error(client):
    ann = await _user(client, "Ann")
    with pytest.raises(ODataError) as refused:
        await client.users.by_user_id(ann.id).send_mail.post(SendMailPostRequestBody(message=_message("x")))
    assert refused.value.response_status_code == 400
    assert refused.value.error.code == "ErrorInvalidRecipients"
    with pytest.raises(ODataError) as missing:
        await client.users.by_user_id(ann.id).send_mail.post(SendMailPostRequestBody(save_to_sent_items=True))
    assert (missing.value.response_status_code, missing.value.error.code) == (400, "BadRequest")
    sent_items = client.users.by_user_id(ann.id).mail_folders.by_mail_folder_id("sentitems")
    assert (await sent_items.messages.get()).value == []
