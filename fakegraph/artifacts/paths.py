"""Where the compiled artifacts live: a source checkout's top level, or the installed package's `_data`."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # fakegraph/


def data_dir() -> Path:
    """The directory holding `schemas/` and `fixtures/` (installed wheel first, then a source checkout)."""
    installed = _PACKAGE / "_data"
    if (installed / "schemas").is_dir():
        return installed
    return _PACKAGE.parent


def overrides_file() -> Path:
    return data_dir() / "fixtures" / "overrides.json"
