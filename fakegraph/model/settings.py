"""Server settings: one frozen record, from arguments or `FAKEGRAPH_*` environment variables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from fakegraph.artifacts.paths import data_dir
from fakegraph.model import tenancy
from fakegraph.model.clock import in_range

DEFAULT_CLOCK = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_SEED = 0
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_MEDIA_BYTES = 256 * 1024 * 1024
DEFAULT_PAGE_SIZE = 100
DELTA_LOG_SIZE = 100_000  # writes a deltaLink can reach back over (ARCHITECTURE A18)
# The tenant tokens without a `tid` (and any token when tenants are not told apart) act in (issue 16).
DEFAULT_TENANT_ID = "5f6a2b1c-9d3e-4f70-8a1b-2c3d4e5f6a7b"
SERVE_PORT = 8000  # `fakegraph serve`'s port when neither --port nor FAKEGRAPH_PORT names one


# Resource bounds (issue 15): each setting's smallest sensible value.
LIMITS = {  # integer settings and their least value
    "max_media_bytes": 0,
    "delta_log_size": 0,
    "max_expanded": 1,
    "journal_body_bytes": 0,
    "journal_bytes": 0,
    "max_errors": 1,
    "throttle_buckets": 1,
    "max_error_chars": 200,
    "max_connections": 1,
    "max_large_bodies": 1,
    "max_tenants": 1,
}
TIMEOUTS = ("idle_timeout", "header_timeout", "body_timeout")  # seconds: positive and finite


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int | None = None  # None: a free port in process (FakeGraph, the pytest plugin), 8000 for `serve`
    seed: int = DEFAULT_SEED
    dataset: str = "default"  # "default", "empty", or the path of a JSON dataset file
    clock: datetime = DEFAULT_CLOCK
    max_body_bytes: int = MAX_BODY_BYTES
    # The bytes media streams ($value, content) and unfinished upload sessions hold together; one larger
    # stream or declared upload is a 413, one that does not fit beside what is held a 507.
    max_media_bytes: int = MAX_MEDIA_BYTES
    page_size: int = DEFAULT_PAGE_SIZE  # server-side page size of collections (clients may ask for less)
    journal_size: int = 1000  # requests kept in the journal (0: off)
    delta_log_size: int = DELTA_LOG_SIZE  # changes kept for delta queries; an older deltaLink answers 410
    max_expanded: int = 10_000  # navigations read plus objects inlined by one request's $expand (then 400)
    journal_body_bytes: int = 64 * 1024  # each request or response body kept in the journal, truncated past
    journal_bytes: int = 16 * 1024 * 1024  # the whole journal: oldest entries go beyond this many bytes
    max_errors: int = 100  # unexpected server errors kept with their tracebacks (the rest are counted)
    throttle_buckets: int = 10_000  # (app, tenant) throttling windows kept; least recently used go first
    max_error_chars: int = 2000  # an error message longer than this keeps its start and end around "..."
    max_connections: int = 4096  # open connections; beyond, the longest-idle one is closed for a new one
    idle_timeout: float = 75.0  # seconds a connection may wait for a request (also from connecting)
    header_timeout: float = 20.0  # seconds for a request's headers to arrive once they have begun
    body_timeout: float = 60.0  # seconds for a request's body to arrive
    max_large_bodies: int = 2  # requests with bodies of 1 MiB or more handled at once (others wait)
    state_file: str = ""  # a SQLite file every acknowledged write goes to, replayed at start-up ("": none)
    tls: bool = False  # serve https with a throwaway CA (written to tls_dir)
    tls_names: tuple[str, ...] = ()  # extra names in the server certificate (a compose service name, say)
    tls_dir: str = ""  # where the CA and certificate go (default: a fresh temporary directory)
    throttle: str = ""  # "REQUESTS/SECONDS" per app and tenant, e.g. "5/10"; empty: off
    tenant_id: str = DEFAULT_TENANT_ID  # the default tenant: the dataset's, and that of tokens without a tid
    max_tenants: int = 100  # tenants one server holds, the default one included (each has its own store)
    tenant_domains: tuple[str, ...] = ()  # domain names of the default tenant (contoso.onmicrosoft.com)
    # Identity (ARCHITECTURE A24): apps registered at start (`CLIENT_ID:SECRET:ROLE,ROLE[:SCOPE,SCOPE]`),
    # the PEM file of the RSA key tokens are signed with ("": one made at start), the password users of the
    # dataset sign in with (a user created with passwordProfile.password uses that one), and whether Graph
    # calls need a token this server signed, holding a permission the operation's page documents.
    apps: tuple[str, ...] = ()
    signing_key: str = ""
    user_password: str = "fakegraph"
    enforce_permissions: bool = False
    admin_token: str = ""  # if set, /_fakegraph/ requires "Authorization: Bearer <admin_token>"
    log_level: str = "WARNING"
    data: Path = field(default_factory=data_dir)  # the pack served: what `fakegraph compile --out` wrote

    def __post_init__(self) -> None:
        if not isinstance(self.data, Path):  # FakeGraph(data="pack") and markers pass text
            object.__setattr__(self, "data", Path(self.data))
        for name, least in LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name} must be an integer of at least {least}, not {value!r}")
        # the default tenant (ARCHITECTURE A23): its id and domains in the case they are kept
        object.__setattr__(self, "tenant_id", _checked("tenant_id", tenancy.tenant_id, self.tenant_id))
        domains = tuple(_checked("tenant_domains", tenancy.domain, d) for d in self.tenant_domains)
        object.__setattr__(self, "tenant_domains", domains)
        for name in TIMEOUTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e9:
                raise ValueError(f"{name} must be a positive number of seconds, not {value!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **given: object) -> Settings:
        """Settings from `FAKEGRAPH_<FIELD>` variables (e.g. FAKEGRAPH_PAGE_SIZE); `given` values win."""
        values: dict[str, object] = {}
        for spec in fields(cls):
            raw = environ.get(f"FAKEGRAPH_{spec.name.upper()}")
            if raw is not None:
                values[spec.name] = convert(spec.name, raw)
        values.update({k: v for k, v in given.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


def _checked(name: str, check: Callable[[object], str], value: object) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off", "")


def truth(name: str, raw: str) -> bool:
    """A yes/no setting's text (any case): anything but the known words is an error, never silently off."""
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    known = ", ".join(w for w in (*TRUE_WORDS, *FALSE_WORDS) if w)
    raise ValueError(f"{name} must be one of {known} (or empty), not {raw!r}")


def convert(name: str, raw: str) -> object:
    """A setting from its text form; a clear ValueError names the setting when the text is wrong."""
    if name == "throttle" and raw:
        from fakegraph.model.throttle import parse_rate

        parse_rate(raw)
        return raw
    if name == "log_level":
        if raw.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {raw!r}")
        return raw.upper()
    if name == "data":
        return Path(raw)
    if name in {"tls", "enforce_permissions"}:
        return truth(name, raw)
    if name == "apps":  # specs separated by white space (a spec's roles are separated by commas)
        return tuple(raw.split())
    if name in {"tls_names", "tenant_domains"}:
        return tuple(n.strip() for n in raw.split(",") if n.strip())
    if name in {"port", "seed", "max_body_bytes", "page_size", "journal_size", *LIMITS}:
        return _integer(name, raw)
    if name in TIMEOUTS:
        return _seconds(name, raw)
    if name == "clock":
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"clock must be an ISO 8601 date and time, not {raw!r}") from exc
        return in_range(value)
    return raw


def _integer(name: str, raw: str) -> int:
    try:
        number = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from exc
    if name == "port" and not 0 <= number <= 65535:
        raise ValueError(f"port must be between 0 and 65535, not {number}")
    if name in LIMITS and number < LIMITS[name]:
        raise ValueError(f"{name} must be at least {LIMITS[name]}, not {number}")
    return number


def _seconds(name: str, raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if not 0 < seconds < 1e9:
        raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
    return seconds
