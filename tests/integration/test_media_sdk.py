"""Large files through the official v1.0 SDK (msgraph-sdk), as an app's test suite would drive it: open an
upload session on a message's attachments, upload a 10 MB file with msgraph-core's LargeFileUploadTask in
5 MiB slices, and read it back byte for byte; write and read a profile photo. Served from the shipped pack
(all of graph-docs) by the generic engine (ARCHITECTURE A21), and from the project's own media pages (an
attachment, and a drive item whose content is read through the fake's download redirect).

The task compares the session's expirationDateTime with the machine's clock, so the fake's mock clock is
started at the real time."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from kiota_abstractions.api_error import APIError
from kiota_abstractions.method import Method
from kiota_abstractions.request_information import RequestInformation
from msgraph import GraphServiceClient
from msgraph.generated.drives.item.items.item.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
    CreateUploadSessionPostRequestBody as DriveUploadSessionBody,
)
from msgraph.generated.models.attachment_item import AttachmentItem
from msgraph.generated.models.attachment_type import AttachmentType
from msgraph.generated.models.drive_item import DriveItem
from msgraph.generated.models.drive_item_uploadable_properties import DriveItemUploadableProperties
from msgraph.generated.models.file import File
from msgraph.generated.models.file_attachment import FileAttachment
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.events.item.attachments.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
    CreateUploadSessionPostRequestBody as EventUploadSessionBody,
)
from msgraph.generated.users.item.messages.item.attachments.create_upload_session.create_upload_session_post_request_body import (  # noqa: E501
    CreateUploadSessionPostRequestBody,
)
from msgraph_core.tasks.large_file_upload import LargeFileUploadTask

from fakegraph.artifacts.paths import data_dir
from fakegraph.server import FakeGraph
from tests.integration.media_pack import media_pack_fixture  # noqa: F401  (the `media_pack` fixture)
from tests.integration.sdk import close, v1_client

PACK: Path = data_dir()  # the shipped pack: all of graph-docs
TEN_MB = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def graph() -> Any:
    with FakeGraph(data=str(PACK), clock=datetime.now(UTC)) as running:
        yield running


@pytest.fixture
async def client(graph: Any) -> AsyncIterator[GraphServiceClient]:
    graph.reset()
    made = v1_client(graph.v1_url)
    yield made
    await close(made)
    graph.check()


async def raw_get(client: GraphServiceClient, url: str) -> bytes:
    """A GET through the SDK's request adapter (its middleware: retries, redirects), the body as bytes."""
    info = RequestInformation()
    info.http_method = Method.GET
    info.url = url
    found = await client.request_adapter.send_primitive_async(info, "bytes", {})
    assert isinstance(found, bytes)
    return found


async def upload_attachment(client: GraphServiceClient, base: str, message: Any, data: bytes) -> Any:
    """What the docs' large-attachment walkthrough does with the SDK: session, then the upload task."""
    attachments = client.me.messages.by_message_id(message).attachments
    session = await attachments.create_upload_session.post(
        CreateUploadSessionPostRequestBody(
            attachment_item=AttachmentItem(
                attachment_type=AttachmentType.File,
                name="report.bin",
                size=len(data),
                content_type="application/pdf",
            )
        )
    )
    assert session is not None
    assert session.upload_url.startswith(base.rsplit("/", 1)[0] + "/_media/uploads/")
    assert session.next_expected_ranges == [f"0-{len(data) - 1}"]
    task = LargeFileUploadTask(session, client.request_adapter, BytesIO(data), max_chunk_size=5 * 1024 * 1024)
    ranges: list[Any] = []
    result = await task.upload(ranges.append)
    return result, ranges


async def test_a_10_mb_attachment_uploads_with_the_sdk_task_and_reads_back_identical(client, graph):
    """LargeFileUploadTask sends the file in 5 MiB slices to the uploadUrl (no token needed); the last one
    creates the attachment on the message, whose raw `$value` is the file, byte for byte."""
    messages = await client.me.messages.get()
    message = messages.value[0].id
    data = os.urandom(TEN_MB)
    result, ranges = await upload_attachment(client, graph.v1_url, message, data)
    assert ranges  # the task reported each slice it sent
    assert result.item_response  # the last answer: the created attachment
    listed = await client.me.messages.by_message_id(message).attachments.get()
    uploaded = [a for a in listed.value if a.name == "report.bin"]
    assert [(type(a), a.size, a.content_type) for a in uploaded] == [
        (FileAttachment, TEN_MB, "application/pdf")
    ]
    raw = await raw_get(client, f"{graph.v1_url}/me/messages/{message}/attachments/{uploaded[0].id}/$value")
    assert raw == data
    fragments = list(reversed(graph.state.journal.entries("PUT", "/_media/uploads/")))
    assert [r.status for r in fragments][:2] == [202, 201]  # a slice, then the last one creating the item


async def test_an_event_attachment_uploads_then_goes_when_deleted(client, graph):
    """The same task on an event's attachments; deleting the attachment takes its bytes with it."""
    events = await client.me.events.get()
    event = events.value[0].id
    data = os.urandom(6 * 1024 * 1024 + 3)
    attachments = client.me.events.by_event_id(event).attachments
    session = await attachments.create_upload_session.post(
        EventUploadSessionBody(
            attachment_item=AttachmentItem(
                attachment_type=AttachmentType.File, name="minutes.bin", size=len(data)
            )
        )
    )
    await LargeFileUploadTask(session, client.request_adapter, BytesIO(data)).upload()
    attachment = next(a for a in (await attachments.get()).value if a.name == "minutes.bin")
    url = f"{graph.v1_url}/me/events/{event}/attachments/{attachment.id}/$value"
    assert await raw_get(client, url) == data
    await attachments.by_attachment_id(attachment.id).delete()
    with pytest.raises(APIError) as gone:
        await raw_get(client, url)
    assert gone.value.response_status_code == 404


async def test_a_profile_photo_round_trips_through_the_sdk(client):
    """PUT /me/photo/$value (documented as PATCH on v1.0) stores the bytes; GET answers them, not JSON; a
    photo never written is a 404."""
    photo = b"\xff\xd8\xff\xe0" + os.urandom(2048)
    with pytest.raises(ODataError) as none_yet:
        await client.me.photo.content.get()
    assert (none_yet.value.response_status_code, none_yet.value.error.code) == (404, "itemNotFound")
    await client.me.photo.content.put(photo)
    assert await client.me.photo.content.get() == photo


# --- the same, self-contained: the project's media pages (tests/data/media), compiled at test time -------


@pytest.fixture(scope="module")
def pages_graph(media_pack: Path) -> Any:
    with FakeGraph(data=str(media_pack), clock=datetime.now(UTC)) as running:
        yield running


@pytest.fixture
async def pages_client(pages_graph: Any) -> AsyncIterator[GraphServiceClient]:
    pages_graph.reset()
    made = v1_client(pages_graph.v1_url)
    yield made
    await close(made)
    pages_graph.check()


async def test_on_the_test_pages_a_10_mb_attachment_uploads_and_reads_back(pages_client, pages_graph):
    """The upload task against the project's own pages: the attachment's `$value` and its contentBytes, as
    the SDK reads them, are the file."""
    data = os.urandom(TEN_MB)
    attachments = pages_client.users.by_user_id("ada").messages.by_message_id("m1").attachments
    session = await attachments.create_upload_session.post(
        CreateUploadSessionPostRequestBody(
            attachment_item=AttachmentItem(attachment_type=AttachmentType.File, name="data.bin", size=TEN_MB)
        )
    )
    await LargeFileUploadTask(session, pages_client.request_adapter, BytesIO(data)).upload()
    listed = await attachments.get()
    assert [(a.name, a.size) for a in listed.value] == [("data.bin", TEN_MB)]
    url = f"{pages_graph.v1_url}/users/ada/messages/m1/attachments/{listed.value[0].id}/$value"
    assert await raw_get(pages_client, url) == data
    read = await attachments.by_attachment_id(listed.value[0].id).get()
    assert isinstance(read, FileAttachment)  # the upload made the attachment type that holds bytes
    assert read.content_bytes == data


async def test_on_the_test_pages_a_drive_item_uploads_and_downloads_through_the_redirect(pages_client):
    """A driveItem's content: the task uploads 10 MB into an existing item (the last slice answers the
    driveItem); `content.get()` follows the 302 to the fake's download URL (no token) and reads the file."""
    items = pages_client.drives.by_drive_id("d1").items
    item = await items.post(DriveItem(name="video.mp4", file=File()))
    data = os.urandom(TEN_MB)
    session = await items.by_drive_item_id(item.id).create_upload_session.post(
        DriveUploadSessionBody(item=DriveItemUploadableProperties(name="video.mp4"))
    )
    assert session.next_expected_ranges == ["0-"]  # no size declared: the first slice tells it
    task = LargeFileUploadTask(
        session, pages_client.request_adapter, BytesIO(data), parsable_factory=DriveItem
    )
    result = await task.upload()
    assert (result.item_response.id, result.item_response.size) == (item.id, TEN_MB)
    assert (await items.by_drive_item_id(item.id).get()).size == TEN_MB
    assert await items.by_drive_item_id(item.id).content.get() == data
    await items.by_drive_item_id(item.id).content.put(b"small now")
    assert await items.by_drive_item_id(item.id).content.get() == b"small now"
