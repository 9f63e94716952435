"""What the fake was asked, counted for the coverage report: (method, path, status) → requests.

Counting is cheap on the serving path (one dict update); what each path means (which operation served it) is
worked out when the report is made (http/coverage.py). Unlike the journal, counts survive `reset`, so a pytest
session's report spans its tests; distinct (method, path, status) keys are bounded, the rest only counted.
"""

from __future__ import annotations

import threading
from collections import Counter

MAX_KEYS = 50_000


class Coverage:
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self.max_keys = max_keys
        self.overflow = 0  # requests whose (method, path, status) came after the bound was reached

    def count(self, method: str, raw_path: str, status: int) -> None:
        key = (method, raw_path.split("?", 1)[0], status)
        with self._lock:
            if key in self._counts or len(self._counts) < self.max_keys:
                self._counts[key] += 1
            else:
                self.overflow += 1

    def counts(self) -> dict[tuple[str, str, int], int]:
        with self._lock:
            return dict(self._counts)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self.overflow = 0
