"""The fake's state: the model (store, clock, ids, journal, faults, throttle) of one served pack, with the
caches the serving path keeps over it (router, response cache, enum masks, query contexts, views).

One `State` per tenant: `build_state` makes the default tenant's from settings (the pack's catalogue, its
validators and its dataset), which hangs off the application (no module-level state); `state.tenants`
makes the others from it (http/tenants.py, ARCHITECTURE A23).
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fakegraph import behaviours
from fakegraph.artifacts.catalogue import Catalogue, load_catalogue, request_bodies
from fakegraph.artifacts.contract import JSONObject
from fakegraph.artifacts.errors import BadRequest, ConfigError, GraphError
from fakegraph.artifacts.namespaces import alias_from_overrides
from fakegraph.http import handlers, media
from fakegraph.http.responses import EnumMasks, Reply, ResponseCache
from fakegraph.http.routing import Router
from fakegraph.http.tenants import Tenants, tenant_seed
from fakegraph.identity.apps import App, from_json, parse_spec
from fakegraph.identity.service import Identity
from fakegraph.model import guids
from fakegraph.model.changes import ChangeLog
from fakegraph.model.clock import MockClock
from fakegraph.model.coverage import Coverage
from fakegraph.model.datasets import dataset_apps, load_dataset, sample_links
from fakegraph.model.durable import DurableStore
from fakegraph.model.errorlog import ErrorLog
from fakegraph.model.faults import Faults
from fakegraph.model.journal import Journal
from fakegraph.model.media import MediaStore, UploadSessions
from fakegraph.model.settings import Settings
from fakegraph.model.store import Store
from fakegraph.model.stubs import Stubs
from fakegraph.model.throttle import Throttle, parse_rate
from fakegraph.validation.validator import RequestValidator

Kind = Callable[["handlers.Call"], Awaitable[Reply]]


@dataclass
class State:
    """Everything one tenant of a fake Graph owns, and what it shares with the server's other tenants
    (http/tenants.py says which is which); the default tenant's hangs off the application."""

    settings: Settings
    catalogue: Catalogue
    router: Router
    store: Store
    clock: MockClock
    validators: dict[str, RequestValidator]
    masks: dict[str, EnumMasks]
    rng: random.Random
    media: MediaStore  # stream bytes kept beside objects (A21)
    uploads: UploadSessions  # unfinished upload sessions (A21)
    rng_lock: threading.Lock = field(default_factory=threading.Lock)
    # request-id values: unique, outside the seeded world (seeded from the OS once, not per request)
    request_ids: random.Random = field(default_factory=lambda: random.Random(os.urandom(16)))
    # authenticates $skiptokens (HMAC): drawn per server, so a token cannot be forged or outlive its run
    token_key: bytes = field(default_factory=lambda: os.urandom(32))
    errors: ErrorLog = field(default_factory=lambda: ErrorLog(100))  # the last max_errors, others counted
    derived: dict[Any, Any] = field(default_factory=dict)  # behaviours' caches (keyed by store generation)
    responses: ResponseCache = field(default_factory=ResponseCache)
    query_contexts: dict[Any, Any] = field(default_factory=dict)  # OData contexts per type and operation
    views: dict[Any, Any] = field(default_factory=dict)  # filtered, ordered query results per generation
    blanks: dict[str, Any] = field(default_factory=dict)  # every declared property as null, per schema
    examples: dict[tuple[str, str], Any] = field(default_factory=dict)  # (version, operation) → its answer
    documents: dict[str, bytes] = field(default_factory=dict)  # version → its $metadata, made on first use
    journal: Journal = field(default_factory=lambda: Journal(0))
    faults: Faults = field(default_factory=lambda: Faults(random.Random(0)))
    stubs: Stubs = field(default_factory=Stubs)  # canned answers given before the engine's
    coverage: Coverage = field(default_factory=Coverage)  # requests counted for the report; kept over resets
    throttle: Throttle | None = None
    changes: ChangeLog = field(default_factory=lambda: ChangeLog(0))  # what delta queries read (A18)
    # the signing key, apps and grants of the Entra endpoints (A24), shared by every tenant
    identity: Identity = field(default_factory=Identity)
    # what serves each endpoint kind: the generic handlers and the media ones (A21)
    kinds: dict[str, Kind] = field(default_factory=lambda: {**handlers.KINDS, **media.KINDS})

    ids_drawn: int = 0  # since the start or the last reset (a durable store logs it: ids continue)
    tenant_id: str = ""  # the tenant this state is (A23); the default tenant's is settings.tenant_id
    # every tenant of the server, shared by all their states (made below; a tenant's is set to the root's)
    tenants: Tenants = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.tenants = Tenants(self)

    @property
    def is_default(self) -> bool:
        """Whether this is the default tenant's state (the server's root)."""
        return self.tenants.root is self

    def seed(self) -> int | str:
        """What this tenant's ids and fault draws are seeded with: the server's seed for the default one."""
        return self.settings.seed if self.is_default else tenant_seed(self.settings.seed, self.tenant_id)

    def new_id(self) -> str:
        with self.rng_lock:
            self.ids_drawn += 1
            return guids.draw(self.rng)

    def new_request_id(self) -> str:
        return guids.draw(self.request_ids)

    def reset(self) -> None:
        """The default tenant's state: the whole server back to the dataset, seed, clock and tenants it
        started with (the tenants made since are removed; the journal, errors and throttle cleared). Another
        tenant's: `reset_tenant`."""
        if not self.is_default:
            self.reset_tenant()
            return
        self.reset_tenant(journal=False)
        self.errors.clear()
        self.journal.clear()
        if self.throttle is not None:
            self.throttle.clear()
        self.tenants.restore()
        self.identity.reset()  # apps registered since the start go, as do the refresh tokens and codes

    def reset_tenant(self, *, journal: bool = True) -> None:
        """This tenant alone back to its start: store, clock, ids, media, faults, stubs, cached answers and
        (with `journal`) its journal entries; the other tenants keep theirs."""
        self.store.reset()
        self.clock.reset()
        with self.rng_lock:
            self.rng.seed(self.seed())
            self.ids_drawn = 0
        self.clear_media()
        self.derived.clear()
        self.responses.clear()
        self.views.clear()
        if journal:
            self.journal.clear(self.tenant_id)
        self.faults = Faults(random.Random(self.seed()))
        self.stubs = Stubs()
        self.identity.forget_tenant(self.tenant_id, keep_started=True)  # apps registered since, grants

    def clear_media(self) -> None:
        """Forget every stream and upload session (a reset, or a state load, replaced the objects)."""
        self.uploads.clear()
        self.media.clear()

    def reload(self, settings: Settings) -> None:
        """Start over from other settings' pack, dataset, seed and clock (a pytest marker's, for one test),
        with the default tenant only; bad settings raise ConfigError and change nothing."""
        clock = _clock(settings)
        log_size = _log_size(settings)
        identity = build_identity(settings, self.identity)
        if settings.data != self.settings.data:
            pack = build_state(settings)  # another pack: its catalogue, routes, validators and dataset
            self.catalogue, self.router, self.validators = pack.catalogue, pack.router, pack.validators
            self.masks = pack.masks
            self.query_contexts.clear()
            self.blanks.clear()
            self.examples.clear()
            self.documents.clear()
        data = load_dataset(settings, self.catalogue.schemas.get("beta", {}), self.validators["beta"])
        self.settings = settings
        self.identity = identity
        self.tenant_id = settings.tenant_id
        self.media.limit = settings.max_media_bytes
        self.changes.limit = log_size
        self.store.load(data, links=signed_in_links(sample_links(settings), data, self.router))
        self.clock = clock
        self.reset()


def _clock(settings: Settings) -> MockClock:
    try:
        return MockClock(settings.clock)
    except ValueError as exc:
        raise ConfigError(f"clock: {exc}") from exc


def _log_size(settings: Settings) -> int:
    if settings.delta_log_size < 0:
        raise ConfigError(f"delta_log_size must be 0 or more, not {settings.delta_log_size}")
    return settings.delta_log_size


def signed_in_links(
    links: dict[tuple[str, str], list[str]], dataset: Mapping[str, list[JSONObject]], router: Router
) -> dict[tuple[str, str], list[str]]:
    """The sample tenant's links, those documented at `/me/...` given to the user `/me` names without a
    token (the first user of its type, ARCHITECTURE A14)."""
    if not any(parent == SIGNED_IN for _, parent in links):
        return links
    me = None
    for version in router.versions():
        try:
            me = router.resolve(version, [SIGNED_IN]).route.endpoints.get("GET")
        except BadRequest:
            continue
        if me is not None:
            break
    users = dataset.get(me.entity_type, []) if me is not None else []
    if not users:
        return {key: targets for key, targets in links.items() if key[1] != SIGNED_IN}
    first = str(users[0]["id"])
    out: dict[tuple[str, str], list[str]] = {}
    for (navigation, parent), targets in links.items():
        held = out.setdefault((navigation, first if parent == SIGNED_IN else parent), [])
        held.extend(t for t in targets if t not in held)
    return out


SIGNED_IN = "me"


def build_identity(settings: Settings, previous: Identity | None = None) -> Identity:
    """The identity service of the settings: their apps (`--app` and the dataset file's), their signing key
    (kept from `previous` when the key file is the same: making one takes a tenth of a second)."""
    apps: list[App] = []
    try:
        apps.extend(parse_spec(spec, settings.tenant_id) for spec in settings.apps)
        apps.extend(from_json(item, settings.tenant_id) for item in dataset_apps(settings))
        identity = Identity(settings.signing_key, apps)
    except (ValueError, KeyError, OverflowError) as exc:
        raise ConfigError(f"apps: {exc}") from exc
    if previous is not None and previous.key_file == settings.signing_key:
        identity.adopt_key(previous)
    return identity


def build_state(settings: Settings) -> State:
    clock = _clock(settings)  # before the dataset, whose events are spread over the clock's last 30 days
    catalogue = load_catalogue(settings.data)
    aliases = alias_from_overrides(settings.data / "fixtures" / "overrides.json")
    validators = {
        v: RequestValidator(s, aliases, request_bodies(catalogue, v), version=v)
        for v, s in catalogue.schemas.items()
    }
    made: list[State] = []  # the durable store logs how many ids the state has drawn
    store = (
        DurableStore(
            Path(settings.state_file), fingerprint(settings), lambda: made[0].ids_drawn if made else 0
        )
        if settings.state_file
        else Store()
    )
    media_store = MediaStore(store, settings.max_media_bytes)
    behaviours.prepare(store)
    router = Router(catalogue)
    dataset = load_dataset(settings, catalogue.schemas.get("beta", {}), validators["beta"])
    store.load(dataset, links=signed_in_links(sample_links(settings), dataset, router))
    state = State(
        settings=settings,
        catalogue=catalogue,
        router=router,
        store=store,
        clock=clock,
        validators=validators,
        masks={v: EnumMasks(s) for v, s in catalogue.schemas.items()},
        rng=random.Random(settings.seed),
        media=media_store,
        uploads=UploadSessions(media_store),
        journal=Journal(settings.journal_size, settings.journal_bytes, settings.journal_body_bytes),
        errors=ErrorLog(settings.max_errors),
        faults=Faults(random.Random(settings.seed)),
        throttle=(
            Throttle(*parse_rate(settings.throttle), buckets=settings.throttle_buckets)
            if settings.throttle
            else None
        ),
        changes=ChangeLog(_log_size(settings)),
        identity=build_identity(settings),
        tenant_id=settings.tenant_id,
    )
    made.append(state)
    if isinstance(store, DurableStore):
        _replay(state, store)
    return state


def fingerprint(settings: Settings) -> dict[str, str]:
    """What a durable state file must have been written under: what shapes the dataset and the ids."""
    return {
        "seed": str(settings.seed),
        "dataset": settings.dataset,
        "clock": settings.clock.isoformat(),
        "data": str(settings.data.resolve()),
    }


def _replay(state: State, store: DurableStore) -> None:
    """The writes the state file logged, on the dataset just loaded; ids continue where they were."""
    try:
        drawn = store.replay()
    except (GraphError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"state file {store.path} cannot be replayed: {exc}") from exc
    with state.rng_lock:
        for _ in range(drawn):
            guids.draw(state.rng)
        state.ids_drawn = drawn
