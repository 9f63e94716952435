"""Media streams and upload sessions (ARCHITECTURE A21) on the project's own media pages (tests/data/media,
compiled at test time): `$value` and `content` streams read and written with their content type, a drive
item's content served through a download URL that needs no token, streams going with their item and on
reset, upload sessions taking a file in ordered fragments, and every malformed or misplaced fragment
refused with a Graph 4xx that changes nothing."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest

from fakegraph.model.media import MAX_UPLOAD_SESSIONS
from tests.integration.conftest import AUTH, JSON, state_of
from tests.integration.media_pack import media_pack_fixture  # noqa: F401  (the `media_pack` fixture)

V1 = "/v1.0"
MESSAGE = f"{V1}/users/ada/messages/m1"
PHOTO = f"{V1}/users/ada/photo/$value"
ITEMS = f"{V1}/drives/d1/items"


@pytest.fixture
async def graph(make_client: Any, media_pack: Any) -> Any:
    return await make_client(data=media_pack)


def local(url: str) -> str:
    """The path (and query) of an absolute URL the fake handed out, for the test client."""
    return url[url.index("/", len("http://")) :]


async def put_bytes(client: Any, path: str, data: bytes, kind: str, **headers: str) -> Any:
    return await client.put(path, data=data, headers={**AUTH, "Content-Type": kind, **headers})


async def error_of(response: Any) -> tuple[int, str]:
    body = await response.json()
    return response.status, body["error"]["code"]


# --- streams --------------------------------------------------------------------------------------------


async def test_a_photo_put_then_read_back_with_its_content_type(graph):
    """PUT `$value` stores the bytes and their Content-Type; GET answers them as they are, not as JSON; a
    second PUT replaces them."""
    jpeg = b"\xff\xd8\xff\xe0" + os.urandom(500)
    written = await put_bytes(graph, PHOTO, jpeg, "image/jpeg")
    assert written.status == 200  # the documented status of the page
    read = await graph.get(PHOTO, headers=AUTH)
    assert (read.status, read.headers["Content-Type"], await read.read()) == (200, "image/jpeg", jpeg)
    await put_bytes(graph, PHOTO, b"PNG!", "image/png")
    read = await graph.get(PHOTO, headers=AUTH)
    assert (read.headers["Content-Type"], await read.read()) == ("image/png", b"PNG!")


async def test_a_stream_never_written_answers_as_documented_or_404(graph):
    """A photo nobody wrote is a 404 `itemNotFound`; a message's `$value` never written answers what its
    page documents (the MIME text, as text/plain)."""
    missing = await graph.get(PHOTO, headers=AUTH)
    assert await error_of(missing) == (404, "itemNotFound")
    mime = await graph.get(f"{MESSAGE}/$value", headers=AUTH)
    assert mime.status == 200
    assert mime.headers["Content-Type"] == "text/plain"
    assert (await mime.read()).startswith(b"Subject: Engine notes")


async def test_a_stream_needs_its_item(graph):
    """The `$value` of an attachment that does not exist, or of a user that does not, is a 404."""
    assert (await graph.get(f"{MESSAGE}/attachments/nope/$value", headers=AUTH)).status == 404
    assert (await graph.get(f"{V1}/users/nobody/photo/$value", headers=AUTH)).status == 404
    assert (await put_bytes(graph, f"{V1}/users/nobody/photo/$value", b"x", "image/png")).status == 404


async def test_an_attachment_s_raw_content_is_its_content_bytes(graph):
    """A file attachment posted with base64 `contentBytes` reads back raw at `$value` with its content
    type; a PUT of `$value` rewrites `contentBytes` and `size`."""
    text = b"first draft\n"
    posted = await graph.post(
        f"{MESSAGE}/attachments",
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "draft.txt",
            "contentType": "text/plain",
            "contentBytes": base64.b64encode(text).decode(),
        },
        headers=JSON,
    )
    assert posted.status == 201, await posted.text()
    value = f"{MESSAGE}/attachments/{(await posted.json())['id']}/$value"
    read = await graph.get(value, headers=AUTH)
    assert (read.status, read.headers["Content-Type"], await read.read()) == (200, "text/plain", text)
    written = await put_bytes(graph, value, b"second draft, longer\n", "text/markdown")
    assert written.status == 204  # no write of `$value` is documented here: PUT answers 204
    item = await (await graph.get(value.removesuffix("/$value"), headers=AUTH)).json()
    assert base64.b64decode(item["contentBytes"]) == b"second draft, longer\n"
    assert (item["size"], item["contentType"]) == (21, "text/markdown")


async def test_drive_item_content_redirects_to_a_download_url_without_a_token(graph):
    """PUT `content` answers the driveItem (its size follows the bytes); GET `content` answers 302 to a
    download URL the fake serves to a client without a token; a new write makes that URL stale."""
    created = await graph.post(ITEMS, json={"name": "notes.txt", "file": {}}, headers=JSON)
    item = (await created.json())["id"]
    content = f"{ITEMS}/{item}/content"
    written = await put_bytes(graph, content, b"hello, drive", "text/plain")
    assert written.status == 200
    assert {k: v for k, v in (await written.json()).items() if k in {"id", "size"}} == {
        "id": item,
        "size": 12,
    }
    redirect = await graph.get(content, headers=AUTH, allow_redirects=False)
    assert redirect.status == 302
    download = local(redirect.headers["Location"])
    assert download.startswith("/_media/downloads/")
    fetched = await graph.get(download)  # no Authorization header
    assert (fetched.status, fetched.headers["Content-Type"], await fetched.read()) == (
        200,
        "text/plain",
        b"hello, drive",
    )
    await put_bytes(graph, content, b"changed", "text/plain")
    assert await error_of(await graph.get(download)) == (404, "itemNotFound")


async def test_streams_go_with_their_item_and_on_reset(graph):
    """Deleting an item, or the item a stream hangs from (a user's photo), drops the bytes; so does a
    reset; the media budget is given back each time."""
    state = state_of(graph)
    await put_bytes(graph, PHOTO, b"photo bytes", "image/png")
    created = await graph.post(ITEMS, json={"name": "a.bin"}, headers=JSON)
    content = f"{ITEMS}/{(await created.json())['id']}/content"
    await put_bytes(graph, content, b"0123456789", OCTET)
    download = local((await graph.get(content, headers=AUTH, allow_redirects=False)).headers["Location"])
    assert state.media.held == 21
    assert (await graph.delete(content.removesuffix("/content"), headers=AUTH)).status == 204
    assert (await graph.get(download)).status == 404
    assert state.media.held == 11
    assert (await graph.delete(f"{V1}/users/ada", headers=AUTH)).status == 204
    assert state.media.held == 0
    assert (await graph.post("/_fakegraph/reset")).status == 204
    assert await error_of(await graph.get(PHOTO, headers=AUTH)) == (404, "itemNotFound")  # ada is back, bare


async def test_a_reset_forgets_streams_and_sessions(graph):
    state = state_of(graph)
    await put_bytes(graph, PHOTO, b"photo", "image/png")
    session = await open_attachment_session(graph, 10)
    assert (await graph.post("/_fakegraph/reset")).status == 204
    assert (state.media.held, len(state.uploads)) == (0, 0)
    assert (await graph.get(PHOTO, headers=AUTH)).status == 404
    assert await error_of(
        await graph.put(local(session["uploadUrl"]), data=b"0", headers=frag(0, 0, 10))
    ) == (
        404,
        "itemNotFound",
    )


async def test_a_stream_larger_than_the_budget_is_413_and_one_that_does_not_fit_507(make_client, media_pack):
    """Settings.max_media_bytes bounds the bytes held: one stream above it is a 413, one that does not fit
    beside what is held a 507 `quotaLimitReached`; neither changes anything. A body above
    Settings.max_body_bytes is aiohttp's 413, as for any request."""
    graph = await make_client(data=media_pack, max_media_bytes=1000, max_body_bytes=5000)
    assert await error_of(await put_bytes(graph, PHOTO, b"x" * 1001, "image/png")) == (
        413,
        "RequestEntityTooLarge",
    )
    assert (await put_bytes(graph, PHOTO, b"y" * 800, "image/png")).status == 200
    created = await graph.post(ITEMS, json={"name": "big.bin"}, headers=JSON)
    content = f"{ITEMS}/{(await created.json())['id']}/content"
    assert await error_of(await put_bytes(graph, content, b"z" * 300, OCTET)) == (507, "quotaLimitReached")
    assert await (await graph.get(PHOTO, headers=AUTH)).read() == b"y" * 800
    assert (await put_bytes(graph, PHOTO, b"w" * 900, "image/png")).status == 200  # a replacement fits
    assert (await put_bytes(graph, content, b"q" * 6000, OCTET)).status == 413


# --- upload sessions -----------------------------------------------------------------------------------

OCTET = "application/octet-stream"


def frag(start: int, end: int, total: int, length: int | None = None) -> dict[str, str]:
    """The headers of a fragment PUT: no Authorization, as Graph's pre-authenticated upload URLs take."""
    count = end - start + 1 if length is None else length
    return {
        "Content-Range": f"bytes {start}-{end}/{total}",
        "Content-Length": str(count),
        "Content-Type": OCTET,
    }


async def open_attachment_session(client: Any, size: int, name: str = "engine.bin") -> Any:
    response = await client.post(
        f"{MESSAGE}/attachments/createUploadSession",
        json={
            "AttachmentItem": {
                "attachmentType": "file",
                "name": name,
                "size": size,
                "contentType": "text/csv",
            }
        },
        headers=JSON,
    )
    assert response.status == 201, await response.text()
    return await response.json()


async def attachments(client: Any) -> list[Any]:
    listed = await client.get(f"{MESSAGE}/attachments", headers=AUTH)
    return list((await listed.json())["value"])


async def test_an_upload_session_takes_fragments_in_order_and_creates_the_attachment(graph):
    """The session answers its uploadUrl, expiry (a day on the mock clock) and the range expected; each
    fragment (sent without a token) answers 202 and the next range; the last answers 201 with the
    attachment (name, size and content type as declared; its content left out) and its Location. The
    attachment then holds the bytes in contentBytes, and its `$value` is the file."""
    data = os.urandom(10_000)
    session = await open_attachment_session(graph, len(data))
    assert session["expirationDateTime"] == "2026-01-02T00:00:00Z"
    assert session["nextExpectedRanges"] == ["0-9999"]
    url = local(session["uploadUrl"])
    assert url.startswith("/_media/uploads/")
    first = await graph.put(url, data=data[:4000], headers=frag(0, 3999, 10_000))
    assert (first.status, (await first.json())["nextExpectedRanges"]) == (202, ["4000-9999"])
    status = await graph.get(url)
    assert (await status.json())["nextExpectedRanges"] == ["4000-9999"]
    last = await graph.put(url, data=data[4000:], headers=frag(4000, 9999, 10_000))
    assert last.status == 201, await last.text()
    made = await last.json()
    assert (made["name"], made["size"], made["contentType"]) == ("engine.bin", 10_000, "text/csv")
    assert made["@odata.type"] == "#microsoft.graph.fileAttachment"  # the attachment type holding bytes
    assert "contentBytes" not in made
    read = await (await graph.get(f"{MESSAGE}/attachments/{made['id']}", headers=AUTH)).json()
    assert base64.b64decode(read["contentBytes"]) == data
    assert last.headers["Location"].endswith(f"/users('ada')/messages('m1')/attachments/{made['id']}")
    raw = await graph.get(f"{MESSAGE}/attachments/{made['id']}/$value", headers=AUTH)
    assert await raw.read() == data
    assert [a["id"] for a in await attachments(graph)] == [made["id"]]


async def test_the_last_fragment_sent_again_answers_the_same(graph):
    """A client that lost the last answer (the SDK's upload task sends its last slice twice) gets the same
    item again, and no second attachment is made; any other fragment of a finished upload is a 416."""
    data = os.urandom(300)
    url = local((await open_attachment_session(graph, 300))["uploadUrl"])
    await graph.put(url, data=data[:100], headers=frag(0, 99, 300))
    done = await (await graph.put(url, data=data[100:], headers=frag(100, 299, 300))).json()
    again = await graph.put(url, data=data[100:], headers=frag(100, 299, 300))
    assert (again.status, (await again.json())["id"]) == (201, done["id"])
    assert await error_of(await graph.put(url, data=data[:100], headers=frag(0, 99, 300))) == (
        416,
        "invalidRange",
    )
    changed = await graph.put(url, data=os.urandom(200), headers=frag(100, 299, 300))
    assert changed.status == 416
    assert len(await attachments(graph)) == 1


async def test_a_drive_item_upload_session_replaces_its_content(graph):
    """A session opened on an existing item (no body: the size comes with the first fragment) writes its
    content when complete: 200 with the driveItem, whose size follows; its content reads back whole."""
    created = await graph.post(ITEMS, json={"name": "video.bin", "file": {}}, headers=JSON)
    item = (await created.json())["id"]
    opened = await graph.post(f"{ITEMS}/{item}/createUploadSession", headers=AUTH)
    assert opened.status == 200, await opened.text()
    session = await opened.json()
    assert session["nextExpectedRanges"] == ["0-"]
    url = local(session["uploadUrl"])
    data = os.urandom(5000)
    assert (await graph.put(url, data=data[:2048], headers=frag(0, 2047, 5000))).status == 202
    done = await graph.put(url, data=data[2048:], headers=frag(2048, 4999, 5000))
    assert done.status == 200
    assert {k: v for k, v in (await done.json()).items() if k in {"id", "size"}} == {"id": item, "size": 5000}
    download = await graph.get(f"{ITEMS}/{item}/content", headers=AUTH)  # the client follows the redirect
    assert await download.read() == data


async def test_delete_on_the_upload_url_cancels_the_session(graph):
    state = state_of(graph)
    session = await open_attachment_session(graph, 100)
    url = local(session["uploadUrl"])
    assert state.media.held == 100  # the declared size is reserved
    assert (await graph.delete(url)).status == 204
    assert state.media.held == 0
    assert await error_of(await graph.put(url, data=b"0" * 100, headers=frag(0, 99, 100))) == (
        404,
        "itemNotFound",
    )
    assert await attachments(graph) == []


async def test_a_session_expires_on_the_mock_clock(graph):
    url = local((await open_attachment_session(graph, 100))["uploadUrl"])
    await graph.post("/_fakegraph/clock", json={"advanceSeconds": 24 * 3600})
    assert await error_of(await graph.put(url, data=b"0" * 100, headers=frag(0, 99, 100))) == (
        404,
        "itemNotFound",
    )
    assert state_of(graph).media.held == 0


async def test_the_upload_url_needs_no_admin_or_bearer_token(make_client, media_pack):
    """The upload URL is not part of the control plane: an admin token does not guard it."""
    graph = await make_client(data=media_pack, admin_token="secret")
    url = local((await open_attachment_session(graph, 4))["uploadUrl"])
    assert (await graph.put(url, data=b"abcd", headers=frag(0, 3, 4))).status == 201


# --- bad input: Graph-shaped 4xx, nothing changes -------------------------------------------------------


async def expect_unchanged(graph: Any, url: str, expected: list[str]) -> None:
    """The session still expects what it did, and no attachment was made."""
    status = await graph.get(url)
    assert (await status.json())["nextExpectedRanges"] == expected
    assert await attachments(graph) == []


@pytest.mark.parametrize(
    ("headers", "length", "status", "code"),
    [
        (frag(100, 119, 120), 20, 416, "invalidRange"),  # out of order: 100 is not the next byte
        (frag(0, 9, 120), 10, 416, "invalidRange"),  # overlapping what was received
        (frag(10, 120, 120), 111, 416, "invalidRange"),  # past the declared size's last byte
        (frag(10, 29, 200), 20, 400, "invalidRequest"),  # a file size other than the declared one
        (frag(10, 29, 120, length=15), 15, 400, "invalidRequest"),  # Content-Length disagrees with the range
        ({"Content-Range": "bytes=10-29/120", "Content-Type": OCTET}, 20, 400, "invalidRequest"),
        ({"Content-Range": "10-29/120", "Content-Type": OCTET}, 20, 400, "invalidRequest"),
        ({"Content-Range": "bytes 29-10/120", "Content-Type": OCTET}, 20, 400, "invalidRequest"),
        ({"Content-Range": "bytes 10-29/*", "Content-Type": OCTET}, 20, 400, "invalidRequest"),
        ({"Content-Type": OCTET}, 20, 400, "invalidRequest"),  # no Content-Range
    ],
)
async def test_a_fragment_that_cannot_be_taken_is_refused_and_changes_nothing(
    graph, headers, length, status, code
):
    url = local((await open_attachment_session(graph, 120))["uploadUrl"])
    assert (await graph.put(url, data=b"a" * 10, headers=frag(0, 9, 120))).status == 202
    refused = await graph.put(url, data=b"b" * length, headers=headers)
    assert await error_of(refused) == (status, code)
    await expect_unchanged(graph, url, ["10-119"])
    rest = await graph.put(url, data=b"c" * 110, headers=frag(10, 119, 120))  # the upload still completes
    assert rest.status == 201


async def test_an_overlap_names_the_next_expected_range(graph):
    url = local((await open_attachment_session(graph, 50))["uploadUrl"])
    await graph.put(url, data=b"a" * 20, headers=frag(0, 19, 50))
    body = await (await graph.put(url, data=b"a" * 20, headers=frag(0, 19, 50))).json()
    assert body["error"]["innerError"]["code"] == "fragmentOverlap"
    assert "20-49" in body["error"]["message"]


async def test_a_1_gb_declared_upload_is_413_and_opens_no_session(graph):
    state = state_of(graph)
    response = await graph.post(
        f"{MESSAGE}/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "huge.iso", "size": 1024**3}},
        headers=JSON,
    )
    assert await error_of(response) == (413, "RequestEntityTooLarge")
    assert "max_media_bytes" in (await response.json())["error"]["message"]
    assert (len(state.uploads), state.media.held) == (0, 0)


async def test_a_1_gb_file_announced_by_its_first_fragment_is_413(graph):
    """A session opened without a size learns it from the first Content-Range: 1 GB is refused there."""
    created = await graph.post(ITEMS, json={"name": "huge.iso"}, headers=JSON)
    item = (await created.json())["id"]
    url = local(
        (await (await graph.post(f"{ITEMS}/{item}/createUploadSession", headers=AUTH)).json())["uploadUrl"]
    )
    refused = await graph.put(url, data=b"a" * 10, headers=frag(0, 9, 1024**3))
    assert await error_of(refused) == (413, "RequestEntityTooLarge")
    assert (await (await graph.get(url)).json())["nextExpectedRanges"] == ["0-"]
    assert state_of(graph).media.held == 0


@pytest.mark.parametrize(
    "item",
    [
        {"attachmentType": "file", "name": "empty.txt", "size": 0},
        {"attachmentType": "file", "name": "negative.txt", "size": -5},
        {"attachmentType": "file", "name": "text.txt", "size": "ten"},
    ],
)
async def test_a_session_declaring_no_usable_size_is_400(graph, item):
    response = await graph.post(
        f"{MESSAGE}/attachments/createUploadSession", json={"AttachmentItem": item}, headers=JSON
    )
    assert response.status == 400
    assert len(state_of(graph).uploads) == 0


async def test_a_session_on_a_missing_message_is_404(graph):
    response = await graph.post(
        f"{V1}/users/ada/messages/nope/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "a", "size": 10}},
        headers=JSON,
    )
    assert response.status == 404
    assert len(state_of(graph).uploads) == 0


async def test_a_forged_or_unknown_upload_url_is_404(graph):
    await open_attachment_session(graph, 10)
    for url in ("/_media/uploads/00000000-0000-4000-8000-000000000000", "/_media/uploads/x", "/_media/other"):
        assert await error_of(await graph.put(url, data=b"0" * 10, headers=frag(0, 9, 10))) == (
            404,
            "itemNotFound",
        )
    assert await error_of(await graph.get("/_media/downloads/forged")) == (404, "itemNotFound")
    assert (await graph.post(local((await open_attachment_session(graph, 10))["uploadUrl"]))).status == 405
    assert await attachments(graph) == []


async def test_sessions_are_bounded_by_count_and_bytes(make_client, media_pack):
    """Declared sizes are reserved against Settings.max_media_bytes (507 beyond it), and at most
    MAX_UPLOAD_SESSIONS are open at once (507 for one more)."""
    graph = await make_client(data=media_pack, max_media_bytes=1000)
    await open_attachment_session(graph, 600)
    crowded = await graph.post(
        f"{MESSAGE}/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "b", "size": 600}},
        headers=JSON,
    )
    assert await error_of(crowded) == (507, "quotaLimitReached")
    for _ in range(MAX_UPLOAD_SESSIONS - 1):
        await open_attachment_session(graph, 1)
    extra = await graph.post(
        f"{MESSAGE}/attachments/createUploadSession",
        json={"AttachmentItem": {"attachmentType": "file", "name": "c", "size": 1}},
        headers=JSON,
    )
    assert await error_of(extra) == (507, "quotaLimitReached")
    assert len(state_of(graph).uploads) == MAX_UPLOAD_SESSIONS


async def test_a_finished_session_makes_room_for_a_new_one(graph):
    """Finished sessions are kept only to answer a resend of their last fragment: at the count limit the
    oldest finished one goes, and its URL is then unknown."""
    urls = [local((await open_attachment_session(graph, 1))["uploadUrl"]) for _ in range(MAX_UPLOAD_SESSIONS)]
    assert (await graph.put(urls[5], data=b"x", headers=frag(0, 0, 1))).status == 201
    await open_attachment_session(graph, 1)
    assert (await graph.put(urls[5], data=b"x", headers=frag(0, 0, 1))).status == 404
    assert (await graph.put(urls[6], data=b"y", headers=frag(0, 0, 1))).status == 201


async def test_a_fragment_larger_than_max_body_bytes_is_taken(make_client, media_pack):
    """Fragments are bounded by the declared size and the media budget, not by Settings.max_body_bytes
    (the SDK's task sends 5 MiB slices; the default body limit is 4 MiB)."""
    graph = await make_client(data=media_pack, max_body_bytes=1024)
    data = os.urandom(3000)
    url = local((await open_attachment_session(graph, 3000))["uploadUrl"])
    assert (await graph.put(url, data=data, headers=frag(0, 2999, 3000))).status == 201
    assert [a["size"] for a in await attachments(graph)] == [3000]


# --- the shipped pack, and the other surfaces -------------------------------------------------------------


async def test_an_upload_into_an_item_no_page_reads_is_taken(client):
    """v1.0 documents createUploadSession on print documents but no read of them: the session opens with
    the documented status; the last fragment answers 200 (the bytes go nowhere: nothing could read them)."""
    path = f"{V1}/print/printers/p1/jobs/7/documents/doc1/createUploadSession"
    body = {"properties": {"documentName": "a.pdf", "contentType": "application/pdf", "size": 6}}
    opened = await client.post(path, json=body, headers=JSON)
    assert opened.status == 200, await opened.text()
    url = local((await opened.json())["uploadUrl"])
    assert (await client.put(url, data=b"%PDF", headers=frag(0, 3, 6))).status == 202
    done = await client.put(url, data=b"-1", headers=frag(4, 5, 6))
    assert (done.status, await done.read()) == (200, b"")
    assert state_of(client).media.held == 0


def test_the_openapi_document_describes_streams_as_bytes(media_pack):
    from fakegraph.artifacts.catalogue import load_catalogue
    from fakegraph.openapi import document

    paths = document(load_catalogue(media_pack), "v1.0", "http://fake")["paths"]
    photo = paths["/users/{id}/photo/$value"]
    assert list(photo["get"]["responses"]["200"]["content"]) == ["application/octet-stream"]
    assert list(photo["put"]["requestBody"]["content"]) == ["application/octet-stream"]
    assert "post" in paths["/users/{id}/messages/{id}/attachments/createUploadSession"]


async def test_the_documented_patch_of_a_photo_writes_it(client):
    """v1.0 documents `PATCH /me/photo/$value` (its page shows PUT too): both write the bytes, GET (not
    documented on v1.0) reads them."""
    patched = await put_bytes(client, f"{V1}/me/photo/$value", b"", "image/jpeg")  # PUT first: empty is fine
    assert patched.status == 200
    written = await client.patch(
        f"{V1}/me/photo/$value", data=b"\xff\xd8jpeg", headers={**AUTH, "Content-Type": "image/jpeg"}
    )
    assert written.status == 200
    read = await client.get(f"{V1}/me/photo/$value", headers=AUTH)
    assert (read.headers["Content-Type"], await read.read()) == ("image/jpeg", b"\xff\xd8jpeg")
