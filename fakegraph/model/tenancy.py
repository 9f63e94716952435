"""What names a tenant (ARCHITECTURE A23): its id, a GUID, and its domain names (contoso.onmicrosoft.com)."""

from __future__ import annotations

import re

from fakegraph.model.guids import is_guid

MAX_DOMAINS = 100  # domain names one tenant may have
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")


def tenant_id(text: object) -> str:
    """A tenant id as kept (lower case); a ValueError saying what is wrong when `text` is not a GUID."""
    if not is_guid(text):
        shown = text if not isinstance(text, str) or len(text) <= 80 else text[:77] + "..."
        raise ValueError(f"a tenant id must be a GUID (8-4-4-4-12 hex digits), not {shown!r}")
    return str(text).lower()


def domain(text: object) -> str:
    """A domain name as kept (lower case): dot-separated labels of letters, digits and inner hyphens, at most
    253 characters; a ValueError saying what is wrong otherwise."""
    if not isinstance(text, str) or len(text) > 253 or _DOMAIN.fullmatch(text) is None:
        shown = text if not isinstance(text, str) or len(text) <= 80 else text[:77] + "..."
        raise ValueError(f"a tenant's domain must be a name like contoso.onmicrosoft.com, not {shown!r}")
    return text.lower()
