"""Unexpected server errors kept for a test to see: the last N with their tracebacks, and a count of the
ones no longer kept (a server answering thousands of 500s must not keep every traceback)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator


class ErrorLog:
    """A bounded, list-like record of exceptions (append, iterate, len, clear); `dropped` counts the older
    ones that were let go since the last clear."""

    def __init__(self, keep: int) -> None:
        self._lock = threading.Lock()
        self._items: deque[BaseException] = deque(maxlen=max(keep, 1))
        self.dropped = 0
        self.total = 0  # since the last clear, kept or not

    def append(self, error: BaseException) -> None:
        with self._lock:
            if len(self._items) == self._items.maxlen:
                self.dropped += 1
            self._items.append(error)
            self.total += 1

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.dropped = 0
            self.total = 0

    def __iter__(self) -> Iterator[BaseException]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        """Equal to a list holding the same exceptions, when none was dropped (`errors == []`)."""
        if isinstance(other, ErrorLog):
            return list(self) == list(other) and self.dropped == other.dropped
        if isinstance(other, list):
            return self.dropped == 0 and list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        more = f" (+{self.dropped} earlier not kept)" if self.dropped else ""
        return f"ErrorLog({list(self)!r}{more})"
