"""`$expand`: the navigation properties to inline, each with its own query options (OData 4.01 §5.1.3).

`members`, `members($select=id,displayName;$top=5)`, `attachments/microsoft.graph.fileAttachment` (a cast
of what the navigation holds), `microsoft.graph.eventMessage/event` (a navigation of a derived type), `*`.
A nested `$expand` (`sessions($expand=segments)`) is taken to a bounded depth, and `$levels=n|max` is the
same navigation expanded again below itself (`manager($levels=max)`: a chain of managers) to that depth. The
bounds on length, count and depth bound what one request can make the server read.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakegraph.odata.evaluate import InvalidQuery

MAX_EXPAND_LENGTH = 4096  # characters of one $expand value
MAX_EXPANSIONS = 32  # navigation properties one $expand names
MAX_DEPTH = 3  # levels of nested $expand
NESTED = frozenset({"select", "filter", "top", "skip", "orderby", "count", "expand"})


@dataclass(frozen=True)
class Expansion:
    """One navigation property to expand: its name, a type cast (`nav/microsoft.graph.user`) and the
    query options given in its parentheses, as (option name without `$`, value) pairs."""

    name: str
    cast: str = ""
    options: tuple[tuple[str, str], ...] = ()
    owner: str = ""  # the derived type that declares the navigation (`microsoft.graph.eventMessage/event`)


def parse_expand(text: str, depth: int = 1) -> tuple[Expansion, ...]:
    """The expansions a `$expand` value names, in order; a 400 naming what is malformed. `depth`: how deep
    this `$expand` is nested."""
    if depth > MAX_DEPTH:
        raise InvalidQuery(f"Invalid $expand: it nests more than {MAX_DEPTH} levels of navigations.")
    if len(text) > MAX_EXPAND_LENGTH:
        raise InvalidQuery(f"Invalid $expand: it is longer than {MAX_EXPAND_LENGTH} characters.")
    items = _split(text, ",", "$expand")
    if not items or any(not item.strip() for item in items):
        raise InvalidQuery("Invalid $expand: it names an empty navigation property.")
    if len(items) > MAX_EXPANSIONS:
        raise InvalidQuery(f"Invalid $expand: it names more than {MAX_EXPANSIONS} navigation properties.")
    found: list[Expansion] = []
    seen: set[str] = set()
    for item in items:
        expansion = _expansion(item.strip(), depth)
        if expansion.name.lower() in seen:
            raise InvalidQuery(f"Invalid $expand: '{expansion.name}' is expanded more than once.")
        seen.add(expansion.name.lower())
        found.append(expansion)
    return tuple(found)


def _qualified(text: str) -> bool:
    return "." in text and all(p.replace("_", "a").isalnum() for p in text.split("."))


def _expansion(item: str, depth: int) -> Expansion:
    path, paren, rest = item.partition("(")
    path = path.strip()
    if paren and not rest.endswith(")"):
        raise InvalidQuery(f"Invalid $expand: '{item}' has unbalanced parentheses.")
    parts = path.split("/")
    owner = parts.pop(0) if len(parts) > 1 and _qualified(parts[0]) else ""
    name, cast = parts[0], "/".join(parts[1:])
    if not name or not (name == "*" or name.replace("_", "a").isalnum()) or "/" in cast:
        raise InvalidQuery(f"Invalid $expand: '{path}' is not a navigation property name.")
    if cast and (name == "*" or not _qualified(cast)):
        raise InvalidQuery(f"Invalid $expand: '{path}' is not a navigation property with a type cast.")
    options: list[tuple[str, str]] = []
    levels = 1
    if paren:
        if name == "*":
            raise InvalidQuery("Invalid $expand: '*' takes no query options.")
        options, levels = _options(rest[:-1], name, depth)
    if levels > 1:  # the same navigation, with the same selection, expanded below itself
        if any(k == "expand" for k, _ in options):
            raise InvalidQuery(f"Invalid $expand: '{name}(...)' takes $levels or $expand, not both.")
        kept = [f"${k}={v}" for k, v in options if k == "select"]
        options.append(("expand", f"{name}({';'.join([*kept, f'$levels={levels - 1}'])})"))
    return Expansion(name, cast, tuple(options), owner)


def _options(inner: str, name: str, depth: int) -> tuple[list[tuple[str, str]], int]:
    """The query options in an expansion's parentheses, and the levels `$levels` asks for (1 without)."""
    options: list[tuple[str, str]] = []
    levels = 1
    for part in _split(inner, ";", f"$expand of '{name}'"):
        option, equals, value = part.strip().partition("=")
        bare = option.strip().lower().lstrip("$")
        if not equals or not option.strip().startswith("$"):
            raise InvalidQuery(f"Invalid $expand: '{part.strip()}' in '{name}(...)' is not '$option=value'.")
        if bare == "levels":
            levels = _levels(value.strip(), name, depth)
            continue
        if bare == "expand":
            parse_expand(value.strip(), depth + 1)  # checked here: a bad nested one fails the whole
        if bare not in NESTED:
            raise InvalidQuery(
                f"Query option '${bare}' is not supported inside $expand; "
                f"supported: {', '.join('$' + n for n in sorted(NESTED))}."
            )
        if any(bare == seen for seen, _ in options):
            raise InvalidQuery(f"Query option '${bare}' was specified more than once in '{name}(...)'.")
        options.append((bare, value.strip()))
    return options, levels


def _levels(text: str, name: str, depth: int) -> int:
    """How many levels `$levels` asks for: a positive number, or `max` (as deep as the bound allows)."""
    room = MAX_DEPTH - depth + 1
    if text.lower() == "max":
        return room
    if not text.isdigit() or int(text) < 1:
        raise InvalidQuery(f"Invalid $expand: $levels in '{name}(...)' is a positive number or max.")
    if int(text) > room:
        raise InvalidQuery(f"Invalid $expand: it nests more than {MAX_DEPTH} levels of navigations.")
    return int(text)


def _split(text: str, separator: str, where: str) -> list[str]:
    """`text` split at `separator` outside parentheses and quoted strings."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for index, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise InvalidQuery(f"Invalid {where}: a ')' closes nothing.")
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if depth != 0 or quoted:
        raise InvalidQuery(f"Invalid {where}: unbalanced parentheses or quotes.")
    parts.append(text[start:])
    return parts
