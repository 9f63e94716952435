"""Raw query string → QueryOptions, checked against what the operation supports (ARCHITECTURE A9)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fakegraph.artifacts.errors import NotImplementedYet
from fakegraph.odata.evaluate import InvalidQuery
from fakegraph.odata.expand import Expansion, parse_expand
from fakegraph.odata.filter_ast import Node
from fakegraph.odata.filter_parser import FilterSyntaxError, parse_filter
from fakegraph.odata.search import Search, parse_search

OPTIONS = (
    "filter",
    "select",
    "orderby",
    "top",
    "skip",
    "count",
    "search",
    "expand",
    "skiptoken",
    "apply",
    "format",
)
# Graph expands navigation properties on nearly every resource, whether or not a page lists `$expand`: it is
# refused only where an operation's CSDL capabilities say so, or where the type has no such navigation.
STANDARD = frozenset({"filter", "select", "orderby", "top", "skip", "count", "expand"})
MAX_TOP = 999


@dataclass(frozen=True)
class QueryOptions:
    filter: Node | None = None
    filter_text: str = ""
    select: tuple[str, ...] | None = None
    orderby: tuple[tuple[str, bool], ...] = ()
    top: int | None = None
    skip: int = 0
    count: bool = False
    skiptoken: str | None = None
    search: Search | None = None
    search_text: str = ""
    expand: tuple[Expansion, ...] = ()
    kept: tuple[tuple[str, str], ...] = field(default=())  # every parameter but $skiptoken, for nextLink

    def signature(self) -> str:
        """What a $skiptoken is bound to: the query without the token."""
        return "&".join(f"{k}={v}" for k, v in sorted(self.kept))


def parse_query(
    pairs: Iterable[tuple[str, str]], *, version: str, supported: Mapping[str, bool] | None
) -> QueryOptions:
    """Parse system query options; on beta the `$` prefix is optional. `supported` None means the
    standard options are all allowed."""
    values: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    for raw_name, value in pairs:
        name = _option_name(raw_name, version)
        if name is None:
            kept.append((raw_name, value))
            continue
        if name in values:
            raise InvalidQuery(f"Query option '${name}' was specified more than once.")
        values[name] = value
        if name != "skiptoken":
            kept.append((raw_name, value))
    for name in values:
        _check_supported(name, supported)
    for name in ("apply", "format"):
        if name in values:
            raise NotImplementedYet(
                f"Query option '${name}' is documented for this request but not implemented by fakegraph."
            )
    return QueryOptions(
        filter=_filter(values.get("filter")),
        filter_text=values.get("filter", ""),
        select=_select(values.get("select")),
        orderby=_orderby(values.get("orderby")),
        top=_integer("top", values.get("top"), 1, MAX_TOP),
        skip=_integer("skip", values.get("skip"), 0, None) or 0,
        count=_count(values.get("count")),
        skiptoken=values.get("skiptoken"),
        search=parse_search(values["search"]) if "search" in values else None,
        search_text=values.get("search", ""),
        expand=parse_expand(values["expand"]) if "expand" in values else (),
        kept=tuple(kept),
    )


def _option_name(raw: str, version: str) -> str | None:
    name = raw.lower()
    if name.startswith("$"):
        bare = name[1:]
        if bare not in OPTIONS:
            raise InvalidQuery(f"Query option '{raw}' is not supported.")
        return bare
    return name if version == "beta" and name in OPTIONS else None


def _check_supported(name: str, supported: Mapping[str, bool] | None) -> None:
    if name == "skiptoken":
        return
    allowed = supported.get(name, False) if supported is not None else name in STANDARD
    if not allowed:
        raise InvalidQuery(f"Query option '${name}' is not supported for this request.")


def _filter(text: str | None) -> Node | None:
    if text is None:
        return None
    try:
        return parse_filter(text)
    except FilterSyntaxError as exc:
        raise InvalidQuery(f"Invalid $filter: {exc}.") from exc


def _select(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise InvalidQuery("$select needs at least one property.")
    return names


def _orderby(text: str | None) -> tuple[tuple[str, bool], ...]:
    if text is None:
        return ()
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in {"asc", "desc"}):
            raise InvalidQuery(f"Invalid $orderby clause '{part.strip()}'; use 'property [asc|desc]'.")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return tuple(keys)


def _integer(name: str, text: str | None, low: int, high: int | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError as exc:
        raise InvalidQuery(f"Invalid value '{text}' for ${name}: an integer is expected.") from exc
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidQuery(f"Invalid value '{text}' for ${name}: it must be {bound}.")
    return value


def _count(text: str | None) -> bool:
    if text is None:
        return False
    if text.lower() not in {"true", "false"}:
        raise InvalidQuery(f"Invalid value '{text}' for $count: true or false is expected.")
    return text.lower() == "true"
