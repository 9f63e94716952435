"""Tenants (ARCHITECTURE A23): one server, several tenants, each with its own store, mock clock, seeded ids,
media and upload sessions, delta log, faults and stubs; one journal tagged with the tenant of each request.

The root `State` (what `build_state` makes) is the default tenant, `Settings.tenant_id`. Every other tenant is
a `State` made from it by `Tenants.create`: it shares everything the pack and the server own (settings,
catalogue, router, validators, caches of pack-derived answers, the journal, recorded errors, coverage, the
throttle, the request-id generator and the $skiptoken key) and has its own copy of the rest (`OWN`). A unit
test checks that every field of `State` is in `OWN` or `SHARED`, so a new field is a decision, not a leak.

`tenant_of` is the one place a request's tenant is chosen (the seam the token endpoint will verify through).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fakegraph import behaviours
from fakegraph.artifacts.errors import BadRequest, Conflict, NotFound
from fakegraph.http import media as media_urls
from fakegraph.http.responses import ResponseCache
from fakegraph.identity.tokens import Rejected
from fakegraph.model import guids, tenancy
from fakegraph.model.changes import ChangeLog
from fakegraph.model.clock import MockClock
from fakegraph.model.faults import Faults
from fakegraph.model.media import MediaStore, UploadSessions
from fakegraph.model.store import Store
from fakegraph.model.stubs import Stubs
from fakegraph.model.throttle import token_claims

if TYPE_CHECKING:
    from fakegraph.http.handlers import GraphRequest
    from fakegraph.http.state import State

DATASETS = ("default", "empty")  # what a new tenant's store starts with: the server's dataset, or nothing

# The fields of State each tenant has its own of; every other field is shared with the default tenant.
OWN = frozenset(
    {
        "tenant_id",
        "store",
        "clock",
        "rng",
        "rng_lock",
        "ids_drawn",
        "media",
        "uploads",
        "changes",
        "derived",  # behaviours' caches, keyed by store generation: generations of two stores may be equal
        "responses",  # cached GET answers, stamped with the store generation and the clock
        "views",  # filtered and ordered results, keyed by store generation
        "faults",
        "stubs",
        "tenants",  # not copied: set to the one registry after the state is made
    }
)
SHARED = frozenset(
    {
        "settings",
        "catalogue",
        "router",
        "validators",
        "masks",
        "request_ids",
        "token_key",
        "errors",
        "query_contexts",  # per version, type and operation: from the pack (and the shared token key)
        "blanks",
        "examples",  # documented answers: from the pack
        "documents",
        "journal",  # one, bounded; each entry names its tenant
        "coverage",
        "throttle",  # its windows are keyed by (app, tid) already
        "kinds",
        "identity",  # the signing key and the apps of every tenant (each app names its tenant)
    }
)


def tenant_seed(seed: int, tenant_id: str) -> str:
    """The seed of a tenant's ids and fault draws: its own, and the same in every run with that seed."""
    return f"{seed}/{tenant_id}"


class Tenants:
    """The tenants of one server, shared by the root state and every tenant state. Reads (`state_of`,
    `resolve`) take no lock: dict reads are atomic and a request racing a removal acts on the removed
    tenant's state, which nothing else sees."""

    def __init__(self, root: State) -> None:
        self.root = root
        self._lock = threading.RLock()
        self._states: dict[str, State] = {}  # id → state, the default tenant excluded
        self._domains: dict[str, str] = {}  # domain → id, the default tenant's (its settings) excluded
        self._made: dict[str, tuple[tuple[str, ...], str]] = {}  # id → (domains, dataset)
        self._rng = random.Random(tenant_seed(root.settings.seed, "tenants"))

    # --- looking up --------------------------------------------------------------------------------------

    def resolve(self, name: str) -> str | None:
        """The id of the tenant `name` names: its id (a GUID, any case) or one of its domains (any case)."""
        if not isinstance(name, str):
            return None
        key = name.lower()
        root = self.root
        if key == root.tenant_id or key in root.settings.tenant_domains:
            return root.tenant_id
        if key in self._states:
            return key
        return self._domains.get(key)

    def state_of(self, tenant_id: str | None) -> State:
        """The state of the tenant with this id; the default tenant's for None or an id no tenant has."""
        if not self._states or not isinstance(tenant_id, str):
            return self.root
        return self._states.get(tenant_id.lower(), self.root)

    def get(self, name: str) -> State:
        """The state of the tenant named by id or domain; a 404 naming it when there is none."""
        found = self.resolve(name)
        if found is None:
            shown = name if len(name) <= 80 else name[:77] + "..."
            raise NotFound(f"There is no tenant '{shown}' in this fake (GET /_fakegraph/tenants lists them).")
        return self.state_of(found)

    def ids(self) -> list[str]:
        """The default tenant's id, then the others' in the order they were made."""
        return [self.root.tenant_id, *self._states]

    def __len__(self) -> int:
        return 1 + len(self._states)

    @property
    def several(self) -> bool:
        """Whether any tenant besides the default one exists."""
        return bool(self._states)

    def describe(self, tenant_id: str) -> dict[str, Any]:
        """A tenant as the control plane shows it."""
        root = self.root
        if tenant_id == root.tenant_id:
            domains, dataset = root.settings.tenant_domains, root.settings.dataset
        else:
            domains, dataset = self._made[tenant_id]
        return {
            "id": tenant_id,
            "domains": list(domains),
            "dataset": dataset,
            "isDefault": tenant_id == root.tenant_id,
        }

    def listing(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.describe(t) for t in self.ids()]

    # --- making and removing -----------------------------------------------------------------------------

    def create(
        self, tenant_id: str | None = None, domains: Sequence[str] = (), dataset: str = "default"
    ) -> State:
        """A new tenant whose store holds the server's dataset (`dataset="empty"`: nothing), its clock at the
        server's start and its ids drawn from its own seed. Bad input is a 400, an id or domain some tenant
        has a 409, one tenant more than `Settings.max_tenants` a 400 naming the limit."""
        if dataset not in DATASETS:
            shown = _shown(dataset)
            raise BadRequest(f"'dataset' must be 'default' or 'empty', not {shown}.", target="dataset")
        if isinstance(domains, str) or not isinstance(domains, Sequence):
            raise BadRequest("'domains' must be an array of domain names.", target="domains")
        if len(domains) > tenancy.MAX_DOMAINS:
            raise BadRequest(f"A tenant has at most {tenancy.MAX_DOMAINS} domains.", target="domains")
        try:
            chosen = None if tenant_id is None else tenancy.tenant_id(tenant_id)
        except ValueError as exc:
            raise BadRequest(f"{_sentence(exc)}", target="id") from exc
        try:
            names = tuple(dict.fromkeys(tenancy.domain(d) for d in domains))
        except ValueError as exc:
            raise BadRequest(f"{_sentence(exc)}", target="domains") from exc
        with self._lock:
            limit = self.root.settings.max_tenants
            if len(self) >= limit:
                raise BadRequest(
                    f"This fake holds at most {limit} tenants, the default one included "
                    "(Settings.max_tenants, --max-tenants); remove one (DELETE /_fakegraph/tenants/{id}) or "
                    "reset the fake first."
                )
            if chosen is None:
                chosen = guids.draw(self._rng)
                while self.resolve(chosen) is not None:  # pragma: no cover - a GUID drawn twice
                    chosen = guids.draw(self._rng)
            elif self.resolve(chosen) is not None:
                raise Conflict(f"A tenant with id '{chosen}' exists already.", target="id")
            for name in names:
                if self.resolve(name) is not None:
                    raise Conflict(f"The domain '{name}' is a domain of another tenant.", target="domains")
            state = self._made_state(chosen, dataset)
            self._states[chosen] = state
            self._made[chosen] = (names, dataset)
            self._domains.update(dict.fromkeys(names, chosen))
            return state

    def remove(self, tenant_id: str) -> None:
        """Forget a tenant (by id or domain) and everything it holds; the default tenant stays (a 400)."""
        with self._lock:
            found = self.get(tenant_id).tenant_id
            if found == self.root.tenant_id:
                raise BadRequest("The default tenant cannot be removed; POST /_fakegraph/reset to reset it.")
            self._states.pop(found)
            names, _ = self._made.pop(found)
            for name in names:
                self._domains.pop(name, None)
        self.root.identity.forget_tenant(found)  # its apps and grants go with it

    def restore(self) -> None:
        """Back to the tenants of the start: the default one only (a full reset, or other settings)."""
        with self._lock:
            self._states.clear()
            self._domains.clear()
            self._made.clear()
            self._rng.seed(tenant_seed(self.root.settings.seed, "tenants"))

    def _made_state(self, tenant_id: str, dataset: str) -> State:
        root = self.root
        settings = root.settings
        store = Store()
        media = MediaStore(store, settings.max_media_bytes)
        behaviours.prepare(store)
        # the objects and links the default tenant started with (copied: each store owns its objects)
        objects, links = root.store.baseline() if dataset == "default" else ({}, {})
        store.load(objects, links=links)
        seed = tenant_seed(settings.seed, tenant_id)
        own: dict[str, Any] = {
            "tenant_id": tenant_id,
            "store": store,
            "clock": MockClock(settings.clock),
            "rng": random.Random(seed),
            "rng_lock": threading.Lock(),
            "ids_drawn": 0,
            "media": media,
            "uploads": UploadSessions(media),
            "changes": ChangeLog(root.changes.limit),
            "derived": {},
            "responses": ResponseCache(),
            "views": {},
            "faults": Faults(random.Random(seed)),
            "stubs": Stubs(),
        }
        state = dataclasses.replace(root, **own)
        state.tenants = self
        return state


def _sentence(exc: ValueError) -> str:
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def tenant_of(request: GraphRequest, state: State) -> State:
    """The state of the tenant a (non-control-plane) request acts in; chosen once per request.

    A media URL (`/_media/...`) names its tenant in its path (it carries no token, as Graph's
    pre-authenticated URLs do not). Any other request acts in the tenant of its bearer token's `tid` claim;
    a token without one, not a JWT, or with a tid no tenant has acts in the default tenant."""
    if not state.tenants.several:  # one tenant: nothing to choose
        return state
    if media_urls.is_media_path(request.raw_path):
        return state.tenants.state_of(media_urls.url_tenant(request.raw_path))
    # Without enforce_permissions any bearer token is taken, and so is its tid. With it, a token names a
    # tenant other than the default only once its signature is checked (so a forged tid reaches none of that
    # tenant's faults, stubs or journal); http/bearer then checks the rest (ARCHITECTURE A24).
    authorization = request.headers.get("Authorization", "")
    tid = token_claims(authorization).get("tid")
    chosen = state.tenants.state_of(tid if isinstance(tid, str) else None)
    if (
        chosen is not state.tenants.root
        and state.settings.enforce_permissions
        and not _signed(state, authorization)
    ):
        return state.tenants.root  # where bearer answers its 401
    return chosen


def _signed(state: State, authorization: str) -> bool:
    """Whether a bearer token carries this server's signature (checked once per token, then cached)."""
    _, _, token = authorization.partition(" ")
    try:
        state.identity.claims_of(token.strip())
    except Rejected:
        return False
    return True
