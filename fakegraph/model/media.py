"""Media streams and upload sessions (ARCHITECTURE A21): the bytes the fake holds beside its objects.

`MediaStore` keeps what was written to an item's stream (its `$value`, or a stream property such as a
driveItem's `content`) with its content type, keyed by the item's type, key and stream. A stream goes when
its item, or the item it hangs from, is deleted (the store tells it), and on reset.

`UploadSessions` keeps the unfinished uploads: what the session was opened for, the fragments received so
far (in order, as Graph takes them), and when it expires on the mock clock. An upload declares its size up
front or with its first fragment; that size is reserved until the upload ends.

Both draw on one budget, `Settings.max_media_bytes`: one stream or upload larger than the budget is a 413,
one that does not fit beside what is held is a 507 `quotaLimitReached`, as a full drive answers.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import (
    InsufficientStorage,
    InvalidRequest,
    ItemNotFound,
    PayloadTooLarge,
    RangeNotSatisfiable,
)
from fakegraph.model.store import Store

Item = tuple[str, str]  # (type, key) of an object
StreamKey = tuple[str, str, str]  # (type, key, stream): `$value` or the stream property's name
MAX_UPLOAD_SESSIONS = 100  # open (and recently completed) upload sessions kept at once


@dataclass(frozen=True)
class Stream:
    data: bytes
    content_type: str
    token: str  # names this content in a download URL; a new write gets a new one


class MediaStore:
    """Stream bytes by item, within a byte budget shared with the upload sessions' reservations. It takes
    the store's lock, so the store can tell it of deletions while holding it."""

    def __init__(self, store: Store, limit: int) -> None:
        self.limit = limit
        self._lock = store.locked()
        self._streams: dict[StreamKey, Stream] = {}
        self._by_item: dict[Item, set[StreamKey]] = {}  # an item (or one it hangs from) → its streams
        self._items_of: dict[StreamKey, tuple[Item, ...]] = {}
        self._tokens: dict[str, StreamKey] = {}
        self._held = 0  # bytes of the streams
        self._reserved = 0  # bytes promised to unfinished uploads
        store.watch_deletions(self._forget)

    def locked(self) -> AbstractContextManager[Any]:
        """The lock media and sessions are kept under (the store's own)."""
        return self._lock

    @property
    def held(self) -> int:
        """The bytes streams hold and unfinished uploads have reserved."""
        return self._held + self._reserved

    def check_size(self, size: int) -> None:
        """A 413 if `size` bytes are more than one stream or upload may ever hold."""
        if size > self.limit:
            raise PayloadTooLarge(
                f"{size} bytes exceed the {self.limit} bytes this fake holds for media "
                "(Settings.max_media_bytes, --max-media-bytes)."
            )

    def check(self, size: int, *, freed: int = 0) -> None:
        """A 413 if `size` bytes can never be held, a 507 if they do not fit beside what is (less `freed`)."""
        self.check_size(size)
        with self._lock:
            if self._held + self._reserved - freed + size > self.limit:
                raise InsufficientStorage(
                    f"{size} more bytes do not fit: media streams and upload sessions hold "
                    f"{self._held + self._reserved} of the {self.limit} bytes allowed "
                    "(Settings.max_media_bytes). Delete streams, or finish or cancel upload sessions."
                )

    def reserve(self, size: int) -> None:
        with self._lock:
            self.check(size)
            self._reserved += size

    def release(self, size: int) -> None:
        with self._lock:
            self._reserved = max(0, self._reserved - size)

    def put(self, key: StreamKey, stream: Stream, items: tuple[Item, ...]) -> None:
        """Keep `stream` as the content of `key`, replacing what was there; it goes when any of `items` is
        deleted. A 413/507 (and nothing changes) when it does not fit."""
        with self._lock:
            old = self._streams.get(key)
            self.check(len(stream.data), freed=len(old.data) if old is not None else 0)
            self._drop(key)
            self._streams[key] = stream
            self._held += len(stream.data)
            self._tokens[stream.token] = key
            self._items_of[key] = items
            for item in items:
                self._by_item.setdefault(item, set()).add(key)

    def get(self, key: StreamKey) -> Stream | None:
        with self._lock:
            return self._streams.get(key)

    def by_token(self, token: str) -> Stream | None:
        with self._lock:
            key = self._tokens.get(token)
            return self._streams.get(key) if key is not None else None

    def remove(self, key: StreamKey) -> bool:
        with self._lock:
            return self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._streams.clear()
            self._by_item.clear()
            self._items_of.clear()
            self._tokens.clear()
            self._held = self._reserved = 0

    def _drop(self, key: StreamKey) -> bool:
        gone = self._streams.pop(key, None)
        if gone is None:
            return False
        self._held -= len(gone.data)
        self._tokens.pop(gone.token, None)
        for item in self._items_of.pop(key, ()):
            held = self._by_item.get(item)
            if held is not None:
                held.discard(key)
                if not held:
                    del self._by_item[item]
        return True

    def _forget(self, entity_type: str, key: str) -> None:
        """The store deleted an object: the streams of it and of what hangs from it go too."""
        for stream in list(self._by_item.get((entity_type, key), ())):
            self._drop(stream)


@dataclass(frozen=True)
class UploadTarget:
    """What an upload session's last fragment does: `create` an item in a collection (a message's
    attachments) or write the `stream` of an existing item (a driveItem's content)."""

    mode: str  # "create" | "stream"
    version: str
    entity: str  # the type the item is stored as
    stream: str  # the stream written: `$value` or the stream property's name
    binary: str | None  # the item's base64 property that holds its content, if its type has one
    parent: tuple[str, str, str] | None = None  # create: the parent (type, key, navigation), if any
    key: str = ""  # stream: the item's key
    properties: JSONObject = field(default_factory=dict)  # create: what the session declared of the item
    context: str = ""  # the `@odata.context` of the answer
    collection_url: str = ""  # create: the collection's URL, for the Location header
    status: int = 201


@dataclass(frozen=True)
class Completion:
    """How an upload ended, kept until the session expires: the last fragment, sent again, answers the same
    (a client that lost the answer learns it)."""

    status: int
    start: int
    end: int
    digest: bytes
    item: Item


@dataclass
class UploadSession:
    id: str
    target: UploadTarget
    expires: datetime
    total: int | None  # the file's size: declared when the session was opened, else by the first fragment
    received: int = 0  # bytes received, all from the start of the file (fragments come in order)
    chunks: list[bytes] = field(default_factory=list)
    reserved: int = 0
    completion: Completion | None = None

    def next_ranges(self) -> list[str]:
        """The bytes still missing, as `start-end` (zero-based, inclusive; `start-` while the size is not
        known): the uploadSession resource's format."""
        if self.completion is not None:
            return []
        if self.total is None:
            return [f"{self.received}-"]
        return [f"{self.received}-{self.total - 1}"]

    def is_replay(self, start: int, end: int, data: bytes) -> bool:
        done = self.completion
        return done is not None and (start, end) == (done.start, done.end) and digest(data) == done.digest

    def check_fragment(self, start: int, end: int, total: int, length: int) -> None:
        """Whether bytes `start`-`end` of a `total`-byte file, `length` of them sent, can be taken now; the
        Graph error otherwise (and nothing changes)."""
        if length != end - start + 1:
            raise InvalidRequest(
                f"The Content-Length ({length}) does not match the Content-Range (bytes {start}-{end} is "
                f"{end - start + 1} bytes)."
            )
        if self.total is not None and total != self.total:
            raise InvalidRequest(
                f"The Content-Range declares a file of {total} bytes; this upload session is for "
                f"{self.total} bytes."
            )
        if end >= total:
            raise RangeNotSatisfiable(
                f"The fragment bytes {start}-{end} ends past the last byte of the file ({total - 1})."
            )
        expected = self.next_ranges()
        if self.completion is not None or start < self.received:
            raise RangeNotSatisfiable(
                "Uploaded fragment overlaps with existing data. "
                + (f"The next expected range is {expected[0]}." if expected else "The upload is complete."),
                inner_code="fragmentOverlap",
            )
        if start > self.received:
            raise RangeNotSatisfiable(
                f"Uploaded fragment is out of order: bytes must come in order; the next expected range is "
                f"{expected[0]}.",
                inner_code="fragmentOutOfOrder",
            )

    def add(self, data: bytes) -> bool:
        """Take a checked fragment; True when it was the last."""
        self.chunks.append(data)
        self.received += len(data)
        return self.total is not None and self.received == self.total


def digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class UploadSessions:
    """The upload sessions, at most MAX_UPLOAD_SESSIONS: an expired one is gone (as Graph cleans them up),
    and its reservation with it; a finished one (kept only to answer a resend of its last fragment) makes
    room for a new one. Kept under the media's lock: a test thread may reset while the server serves."""

    def __init__(self, media: MediaStore) -> None:
        self._media = media
        self._lock = media.locked()
        self._sessions: dict[str, UploadSession] = {}

    def open(self, session: UploadSession, now: datetime) -> None:
        """Keep a new session, reserving its declared size: a 413/507 (and nothing kept) when it cannot."""
        with self._lock:
            self._expire(now)
            finished = [s.id for s in self._sessions.values() if s.completion is not None]
            while len(self._sessions) >= MAX_UPLOAD_SESSIONS and finished:
                self._sessions.pop(finished.pop(0))
            if len(self._sessions) >= MAX_UPLOAD_SESSIONS:
                raise InsufficientStorage(
                    f"This fake keeps at most {MAX_UPLOAD_SESSIONS} unfinished upload sessions; finish one, "
                    "cancel one (DELETE its uploadUrl), or let them expire (advance the mock clock)."
                )
            if session.total is not None:
                self._media.reserve(session.total)
                session.reserved = session.total
            self._sessions[session.id] = session

    def find(self, session_id: str, now: datetime) -> UploadSession:
        with self._lock:
            self._expire(now)
            found = self._sessions.get(session_id)
        if found is None:
            raise ItemNotFound(
                "The upload session does not exist: it was never created here, expired, was cancelled, or "
                "the fake was reset."
            )
        return found

    def size(self, session: UploadSession, total: int) -> None:
        """A session opened without a size learns it from its first fragment (reserved from then on)."""
        with self._lock:
            if session.total is None:
                self._media.reserve(total)
                session.total = session.reserved = total

    def unreserve(self, session: UploadSession) -> bytes:
        """The whole file of a session whose last fragment arrived, its reservation given back (the bytes
        are about to be stored where they belong)."""
        with self._lock:
            self._media.release(session.reserved)
            session.reserved = 0
            content, session.chunks = b"".join(session.chunks), []
        return content

    def finish(self, session: UploadSession, completion: Completion) -> None:
        """The upload ended: the session stays, without its bytes, to answer a resend of its last fragment."""
        session.chunks = []
        session.completion = completion

    def cancel(self, session_id: str) -> None:
        with self._lock:
            session = self._sessions.pop(session_id, None)
            if session is not None:
                self._media.release(session.reserved)

    def clear(self) -> None:
        with self._lock:
            self._sessions.clear()

    def __len__(self) -> int:
        return len(self._sessions)

    def _expire(self, now: datetime) -> None:
        for gone in [s for s in self._sessions.values() if s.expires <= now]:
            self.cancel(gone.id)
