"""The `Prefer` header's `odata.maxpagesize`: the page size a client asks for."""

from __future__ import annotations

from fakegraph.odata.evaluate import InvalidQuery

_DIGITS = frozenset("0123456789")


def max_page_size(prefer: str, limit: int) -> int | None:
    """The page size `Prefer: odata.maxpagesize=N` asks for (at most `limit`), None without one; a value
    that is not a positive integer in ASCII digits is a 400 naming it (`²` is a digit to Python's isdigit,
    not to int)."""
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip().lower() != "odata.maxpagesize":
            continue
        text = value.strip().strip('"')
        if not text or not set(text) <= _DIGITS or not text.strip("0"):
            shown = text if len(text) <= 40 else text[:40] + "..."
            raise InvalidQuery(
                f"The preference odata.maxpagesize must be a positive integer, not '{shown}'.",
                target="Prefer",
            )
        return limit if len(text) > len(str(limit)) else min(int(text), limit)
    return None
