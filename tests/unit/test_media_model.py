"""The upload session's fragment rules and the media budget (model/media), without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fakegraph.artifacts.errors import (
    InsufficientStorage,
    InvalidRequest,
    ItemNotFound,
    PayloadTooLarge,
    RangeNotSatisfiable,
)
from fakegraph.model.media import MediaStore, Stream, UploadSession, UploadSessions, UploadTarget
from fakegraph.model.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TARGET = UploadTarget("stream", "v1.0", "microsoft.graph.driveItem", "content", None, key="i1")


def session(total: int | None = 10) -> UploadSession:
    return UploadSession("s1", TARGET, NOW + timedelta(hours=1), total)


def test_fragments_come_in_order_and_the_last_completes():
    upload = session()
    upload.check_fragment(0, 3, 10, 4)
    assert not upload.add(b"0123")
    assert upload.next_ranges() == ["4-9"]
    upload.check_fragment(4, 9, 10, 6)
    assert upload.add(b"456789")


@pytest.mark.parametrize(
    ("start", "end", "total", "length", "error", "inner"),
    [
        (0, 3, 10, 4, RangeNotSatisfiable, "fragmentOverlap"),  # bytes already received
        (2, 5, 10, 4, RangeNotSatisfiable, "fragmentOverlap"),  # overlapping the received ones
        (6, 9, 10, 4, RangeNotSatisfiable, "fragmentOutOfOrder"),  # leaving a gap
        (4, 10, 10, 7, RangeNotSatisfiable, None),  # past the last byte
        (4, 9, 12, 6, InvalidRequest, None),  # another file size
        (4, 9, 10, 5, InvalidRequest, None),  # Content-Length not the range's length
    ],
)
def test_a_fragment_that_cannot_be_taken_names_why(start, end, total, length, error, inner):
    upload = session()
    upload.add(b"0123")
    with pytest.raises(error) as refused:
        upload.check_fragment(start, end, total, length)
    assert refused.value.inner_code == inner
    assert (upload.received, upload.next_ranges()) == (4, ["4-9"])


def test_a_session_without_a_size_learns_it_from_its_first_fragment():
    store = Store()
    sessions = UploadSessions(MediaStore(store, 100))
    upload = session(total=None)
    sessions.open(upload, NOW)
    assert upload.next_ranges() == ["0-"]
    with pytest.raises(PayloadTooLarge):
        sessions.size(upload, 101)
    sessions.size(upload, 50)
    assert (upload.total, upload.next_ranges()) == (50, ["0-49"])


def test_the_budget_counts_streams_and_reservations_and_deleted_items_give_theirs_back():
    store = Store()
    media = MediaStore(store, 100)
    store.insert("t", "k", {"id": "k"})
    media.put(("t", "k", "$value"), Stream(b"x" * 60, "text/plain", "tok"), (("t", "k"),))
    with pytest.raises(InsufficientStorage):
        media.reserve(41)
    media.reserve(40)
    assert media.held == 100
    store.delete("t", "k")  # the store tells the media store
    assert (media.held, media.by_token("tok")) == (40, None)


def test_an_expired_session_is_gone_with_its_reservation():
    store = Store()
    media = MediaStore(store, 100)
    sessions = UploadSessions(media)
    sessions.open(session(total=30), NOW)
    assert media.held == 30
    with pytest.raises(ItemNotFound):
        sessions.find("s1", NOW + timedelta(hours=2))
    assert (media.held, len(sessions)) == (0, 0)


def test_the_response_cache_keeps_no_large_answer():
    """A media stream read is not kept by the GET cache: it would hold a copy of every large file read."""
    from fakegraph.http.responses import CachedResponse, Reply, ResponseCache

    cache = ResponseCache(body_limit=10)
    cache.put(("small",), CachedResponse((1, NOW), Reply(200, b"0123456789", {})))
    cache.put(("large",), CachedResponse((1, NOW), Reply(200, b"0123456789A", {})))
    assert cache.get(("small",)) is not None
    assert cache.get(("large",)) is None


def test_max_media_bytes_is_a_setting():
    from fakegraph.model.settings import MAX_MEDIA_BYTES, Settings

    assert Settings().max_media_bytes == MAX_MEDIA_BYTES == 256 * 1024 * 1024
    assert Settings.from_env({"FAKEGRAPH_MAX_MEDIA_BYTES": "1000"}).max_media_bytes == 1000
    with pytest.raises(ValueError, match="max_media_bytes must be an integer"):
        Settings.from_env({"FAKEGRAPH_MAX_MEDIA_BYTES": "lots"})
