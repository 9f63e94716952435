"""The media test pages (tests/data/media: users, messages and attachments, profile photos, drives and drive
items, upload sessions; written for these tests), compiled into a pack once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakegraph.compiler import compile_docs
from tests.conftest import DATA

MEDIA_DOCS = DATA / "media"


@pytest.fixture(scope="session", name="media_pack")
def media_pack_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Import this into a test module to use the `media_pack` fixture there."""
    out = tmp_path_factory.mktemp("media-pack")
    compile_docs([MEDIA_DOCS], out, None)
    return out
