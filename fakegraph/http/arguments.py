"""Function arguments written without their quotes: `getCredentialUsageSummary(period=D7)`.

OData reads a bare word in an argument list as a reference to a parameter alias, and Graph answers a request
whose word names no alias with 400 `BadRequest` "The parameter 'period=D7' is not in scope." (the argument as
written; observed for `filterByCurrentUser(on=AllowedRequestor)` in msgraph-sdk-dotnet#1279). The fake says
so when the path would be served with that word quoted, instead of "Resource not found for the segment".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fakegraph.artifacts.errors import BadRequest

_CALL = re.compile(r"^([^()]+)\((.*)\)$", re.DOTALL)
_BARE_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERALS = {"true", "false", "null", "inf", "nan"}  # OData literals a bare word may be


def _bare(value: str) -> bool:
    word = value.strip()
    return bool(_BARE_WORD.match(word)) and word.lower() not in _LITERALS


def check_unquoted(decoded: list[str], matches: Callable[[list[str]], bool]) -> None:
    """Raise Graph's BadRequest if some call's bare-word argument is what keeps `decoded` from matching.
    `matches(segments)` says whether the router serves those (decoded) segments."""
    quoted = list(decoded)
    offending: list[str] = []
    for index, segment in enumerate(decoded):
        call = _CALL.match(segment)
        if call is None:
            continue
        args = []
        for arg in call.group(2).split(","):
            name, equals, value = arg.partition("=")
            if equals and _bare(value):
                offending.append(arg.strip())
                args.append(f"{name}='{value.strip()}'")
            else:
                args.append(arg)
        quoted[index] = f"{call.group(1)}({','.join(args)})"
    if offending and matches(quoted):
        raise BadRequest(f"The parameter '{offending[0]}' is not in scope.")
