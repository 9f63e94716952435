"""The journal's `path` filter: a path from its start, whole segments only, with or without the version.

`/users` (or `/v1.0/users`) matches `/v1.0/users`, `/v1.0/users?$top=2` and `/v1.0/users/42/manager`, but
not `/v1.0/usersX` nor `/v1.0/me/users`: a filter is never a substring test. Case and percent-encoding are
ignored, as Graph's routing ignores them. A filter with a `?` also compares the query string, from its start.
"""

from __future__ import annotations

from urllib.parse import unquote

from fakegraph.artifacts.contract import VERSIONS

_VERSIONS = tuple(f"/{v.lower()}" for v in VERSIONS)


def path_matches(wanted: str, raw_path: str) -> bool:
    """Whether a journal entry's raw path (with its query) is what the `path` filter `wanted` names."""
    want = unquote(wanted).lower()
    if not want.startswith("/"):
        want = "/" + want
    have = unquote(raw_path).lower()
    if "?" not in want:
        have = have.split("?", 1)[0]
    candidates = [have]
    for version in _VERSIONS:
        if have == version or have.startswith(version + "/"):
            candidates.append(have[len(version) :] or "/")
    return any(_prefix(want, c) for c in candidates)


def _prefix(want: str, have: str) -> bool:
    if not have.startswith(want):
        return False
    if len(have) == len(want) or want.endswith(("/", "?", "&")):
        return True
    return have[len(want)] in "/?&("
