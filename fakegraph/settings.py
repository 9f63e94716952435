"""Server settings: one frozen record, from arguments or `FAKEGRAPH_*` environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fakegraph.data import data_dir

DEFAULT_CLOCK = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_SEED = 0
MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    seed: int = DEFAULT_SEED
    dataset: str = "default"  # "default", "empty", or the path of a JSON dataset file
    clock: datetime = DEFAULT_CLOCK
    max_body_bytes: int = MAX_BODY_BYTES
    page_size: int = DEFAULT_PAGE_SIZE  # server-side page size of collections (clients may ask for less)
    journal_size: int = 1000  # requests kept in the journal (0: off)
    data: Path = field(default_factory=data_dir)
