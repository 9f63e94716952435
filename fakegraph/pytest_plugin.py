"""pytest plugin (entry point `pytest11`): a session-wide fake Graph and a per-test handle, reset before
each test; a server exception fails the test that caused it.

    def test_report(fakegraph):
        response = requests.get(fakegraph.beta_url + "/reports/userCredentialUsageDetails",
                                headers={"Authorization": "Bearer x"})

Override `fakegraph_settings` in conftest.py, or mark a test:
`@pytest.mark.fakegraph(seed=7, dataset="empty")`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest

from fakegraph.identity.tokens import GRAPH_RESOURCE
from fakegraph.model.clock import parse_iso
from fakegraph.model.journal import Recorded
from fakegraph.model.settings import Settings

if TYPE_CHECKING:  # the server (and aiohttp) load with the first test that uses it, not in every session
    from fakegraph.http.state import State
    from fakegraph.identity.apps import App
    from fakegraph.server import FakeGraph

MARKER = "fakegraph"
_ACCESS_LEVEL = pytest.StashKey[int]()
_SERVED = pytest.StashKey[list["FakeGraph"]]()


ACCESS_LOGGER = "fakegraph.access"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("fakegraph")
    group.addoption(
        "--fakegraph-access-log",
        action="store_true",
        default=False,
        help="let the fake's access log (one INFO line per request, logger fakegraph.access) reach pytest's "
        "log capture; quiet by default",
    )
    group.addoption(
        "--fakegraph-report",
        nargs="?",
        const="",
        default=None,
        metavar="FILE",
        help="at the end of the session, print which operations of the pack the tests called (with status "
        "codes) and which requests no operation served; with FILE, also write the full report there as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(seed=..., dataset=..., clock=...): settings of this test's fake Graph"
    )
    if not config.getoption("fakegraph_access_log", default=False):
        # A suite logging at INFO (log_level = INFO) would otherwise get a line per request of the fake.
        import logging

        logger = logging.getLogger(ACCESS_LOGGER)
        config.stash[_ACCESS_LEVEL] = logger.level
        logger.setLevel(logging.WARNING)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _ACCESS_LEVEL in config.stash:
        import logging

        logging.getLogger(ACCESS_LOGGER).setLevel(config.stash[_ACCESS_LEVEL])


Filtered = Callable[[str | None, str | None], "list[Recorded]"]


class RequestCount(int):
    """A count of requests that can also be called with `requests`'s filters for a narrower count."""

    _requests: Filtered

    def __new__(cls, value: int, requests: Filtered) -> RequestCount:
        made = super().__new__(cls, value)
        made._requests = requests
        return made

    def __call__(self, method: str | None = None, path: str | None = None) -> int:
        return len(self._requests(method, path))


class Handle:
    """What a test gets: URLs, the store, the request journal and the clock of the fake Graph.

    The `fakegraph` fixture's handle acts on the default tenant, and its journal holds every tenant's
    requests. `add_tenant` (or `tenant`) gives a handle scoped to one tenant (ARCHITECTURE A23): its store,
    journal entries, clock, faults, stubs and reset are that tenant's alone."""

    def __init__(self, server: FakeGraph, tenant_id: str | None = None) -> None:
        self.server = server
        self._tenant = tenant_id  # None: the default tenant, with the whole server's journal

    @property
    def _state(self) -> State:
        state = self.server.state
        return state if self._tenant is None else state.tenants.get(self._tenant)

    @property
    def tenant_id(self) -> str:
        """The id of the tenant this handle acts on."""
        return self._tenant or self.server.state.tenant_id

    # tenants
    def add_tenant(
        self, tenant_id: str | None = None, *, domains: Sequence[str] = (), dataset: str = "default"
    ) -> Handle:
        """A new tenant with its own store (the server's dataset, or `dataset="empty"`), clock and ids (its
        id drawn from the seed when not given), and a handle scoped to it. Requests whose bearer token has
        its id as `tid` act in it; it is removed by the reset before the next test."""
        made = self.server.add_tenant(tenant_id, domains=domains, dataset=dataset)
        return Handle(self.server, made.tenant_id)

    def tenant(self, name: str) -> Handle:
        """A handle scoped to an existing tenant, named by id or domain (the default one's included)."""
        return Handle(self.server, self.server.tenant(name).tenant_id)

    def remove_tenant(self, name: str) -> None:
        self.server.state.tenants.remove(name)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def beta_url(self) -> str:
        return self.server.beta_url

    @property
    def v1_url(self) -> str:
        return self.server.v1_url

    # store
    def add(self, type_or_path: str, *objects: dict[str, Any]) -> list[dict[str, Any]]:
        """Add objects (validated; ids generated where missing) to a type given by name or collection path."""
        from fakegraph.http.admin import add_objects, resolve_type, seed_objects

        state = self._state
        return add_objects(state, seed_objects(state, {resolve_type(state, type_or_path): list(objects)}))

    def get(self, type_or_path: str, key: str) -> dict[str, Any]:
        from fakegraph.http.admin import resolve_type

        state = self._state
        return state.store.get(resolve_type(state, type_or_path), key)

    def list_objects(self, type_or_path: str) -> list[dict[str, Any]]:
        from fakegraph.http.admin import resolve_type

        state = self._state
        return state.store.all(resolve_type(state, type_or_path))

    # journal
    def requests(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        """Requests the fake received, newest first; `path` matches from the path's start, whole segments,
        with or without the version (`/users` matches `/v1.0/users/42`, not `/v1.0/me/users`)."""
        return self._state.journal.entries(method, path, tenant=self._tenant)

    @property
    def last_request(self) -> Recorded | None:
        entries = self.requests()
        return entries[0] if entries else None

    @property
    def request_count(self) -> RequestCount:
        """How many requests the fake received: `fakegraph.request_count == 2`, or filtered like `requests`,
        `fakegraph.request_count("POST", "/users") == 1`."""
        return RequestCount(len(self.requests()), self.requests)

    # faults
    def fail(
        self,
        path: str = "*",
        status: int = 503,
        *,
        method: str | None = None,
        count: int | None = None,
        retry_after: int | None = None,
        probability: float = 1.0,
    ) -> dict[str, Any]:
        """Answer matching requests (fnmatch on the path) with `status` and Graph's error body."""
        rule = {
            "kind": "status",
            "path": path,
            "status": status,
            "method": method,
            "count": count,
            "probability": probability,
            **({"retryAfter": retry_after} if retry_after is not None else {}),
        }
        return self._state.faults.add(rule).as_json()

    def delay(
        self, path: str = "*", milliseconds: int = 100, *, method: str | None = None, count: int | None = None
    ) -> dict[str, Any]:
        """Answer matching requests late."""
        rule = {"kind": "latency", "path": path, "latencyMs": milliseconds, "method": method, "count": count}
        return self._state.faults.add(rule).as_json()

    def drop(self, path: str = "*", *, method: str | None = None, count: int | None = None) -> dict[str, Any]:
        """Close the connection of matching requests without an answer."""
        return self._state.faults.add(
            {"kind": "drop", "path": path, "method": method, "count": count}
        ).as_json()

    def clear_faults(self) -> None:
        self._state.faults.clear()

    # stubs
    def stub(
        self,
        method: str | None,
        path: str,
        status: int = 200,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        query: dict[str, str] | None = None,
        body_contains: Any = None,
        regex: bool = False,
    ) -> dict[str, Any]:
        """Answer matching requests with `status`, `body` (JSON, or text) and `headers` before the engine
        does, `times` times or always. `path` is a template (`/v1.0/users/{id}`) or, with `regex=True`, a
        regular expression matched in full; `query` and `body_contains` narrow the match. Returns the stub
        (its `id`); the journal marks the answers it gives (`Recorded.stub`)."""
        rule: dict[str, Any] = {
            "method": method,
            ("pathRegex" if regex else "path"): path,
            "status": status,
            "body": body,
            "headers": headers or {},
            "times": times,
            "query": query or {},
            "bodyContains": body_contains,
        }
        return self._state.stubs.add(rule).as_json()

    def stubs(self) -> list[dict[str, Any]]:
        """The active stubs, oldest first, with how many times each answered (`fired`)."""
        return self._state.stubs.listing()

    def remove_stub(self, stub_id: str) -> None:
        self._state.stubs.remove(stub_id)

    def clear_stubs(self) -> None:
        self._state.stubs.clear()

    # identity
    def register_app(
        self,
        client_id: str | None = None,
        secret: str | None = None,
        *,
        roles: Sequence[str] = (),
        scopes: Sequence[str] = (),
        tenant: str | None = None,
        certificate: str | None = None,
        redirect_uris: Sequence[str] = (),
        display_name: str | None = None,
    ) -> App:
        """Register an app the fake's token endpoint will serve (until the next reset): its client id and
        secret (made when not given; no secret with a certificate), application permissions (`roles`) and
        delegated ones (`scopes`)."""
        from fakegraph.http.registrations import register

        given: dict[str, Any] = {"roles": list(roles), "scopes": list(scopes)}
        given["redirectUris"] = list(redirect_uris)
        for name, value in (
            ("clientId", client_id),
            ("secret", secret),
            ("tenantId", tenant),
            ("certificate", certificate),
            ("displayName", display_name),
        ):
            if value is not None:
                given[name] = value
        return register(self._state, given)

    def token(
        self,
        roles: Sequence[str] = (),
        *,
        scopes: Sequence[str] | None = None,
        user: str | None = None,
        tenant: str | None = None,
        client_id: str = "",
        expires_in: int = 3599,
        audience: str = GRAPH_RESOURCE,
    ) -> str:
        """A Graph access token the fake signed, without a flow: an application's holding `roles`, or, with
        `scopes` (or `user`), a user's (`user` by id or userPrincipalName; default the tenant's first)."""
        from fakegraph.http.registrations import mint

        return mint(
            self._state,
            tenant=tenant,
            client_id=client_id,
            roles=roles,
            scopes=scopes,
            user=user,
            expires_in=expires_in,
            audience=audience,
        )

    # clock
    @property
    def now(self) -> datetime:
        return self._state.clock.now()

    def set_clock(self, when: datetime | str) -> None:
        self._state.clock.set(parse_iso(when) if isinstance(when, str) else when)

    def advance_clock(self, seconds: float) -> datetime:
        return self._state.clock.advance(seconds)

    def reset(self) -> None:
        """The default handle: the whole fake back to its start (tenants added since removed). A tenant's
        handle: that tenant alone (its store, clock, ids, faults, stubs, media and journal entries)."""
        if self._tenant is None:
            self.server.reset()
        else:
            self._state.reset_tenant()


@pytest.fixture(scope="session")
def fakegraph_settings() -> Settings:
    """Settings of the session's fake Graph; override this fixture in conftest.py to change them."""
    return Settings()  # a free port


@pytest.fixture(scope="session")
def fakegraph_server(request: pytest.FixtureRequest, fakegraph_settings: Settings) -> Iterator[FakeGraph]:
    """The session's fake Graph, in a background thread (works with sync and async clients alike)."""
    from fakegraph.server import FakeGraph

    with FakeGraph(fakegraph_settings) as server:
        request.config.stash.setdefault(_SERVED, []).append(server)
        yield server


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """`--fakegraph-report[=FILE]`: the coverage report of the session's fake (http/coverage.py)."""
    target = config.getoption("fakegraph_report", default=None)
    if target is None:
        return
    servers = config.stash.get(_SERVED, [])
    if not servers:
        terminalreporter.write_sep("-", "fakegraph coverage: no test used the fake Graph")
        return
    import json
    from pathlib import Path

    from fakegraph.http.coverage import report, table

    data = report(servers[0].state)  # one session server (the fixture is session-scoped)
    terminalreporter.write_sep("-", "fakegraph coverage")
    for line in table(data):
        terminalreporter.write_line(line)
    if target:
        path = Path(target)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        terminalreporter.write_line(f"fakegraph coverage report written to {path}")


@pytest.fixture
def fakegraph(request: pytest.FixtureRequest, fakegraph_server: FakeGraph) -> Iterator[Handle]:
    """A clean fake Graph for this test: reset before it, checked for server exceptions after it."""
    from fakegraph.server import ServerError

    marker = request.node.get_closest_marker(MARKER)
    original = fakegraph_server.state.settings
    if marker is not None and marker.kwargs:
        changes = dict(marker.kwargs)
        known = {f.name for f in fields(original)}
        unknown = sorted(set(changes) - known)
        if unknown:  # a typo (`sed=7`) is named with what the marker takes
            pytest.fail(
                f"@pytest.mark.{MARKER}: unknown option {', '.join(unknown)}; "
                f"the options are {', '.join(sorted(known))}",
                pytrace=False,
            )
        if isinstance(changes.get("clock"), str):
            changes["clock"] = parse_iso(changes["clock"])
        fakegraph_server.state.reload(replace(original, **changes))
    else:
        fakegraph_server.reset()
    try:
        yield Handle(fakegraph_server)
        try:
            fakegraph_server.check()
        except ServerError as exc:
            pytest.fail(f"the fake Graph raised while serving this test: {exc}", pytrace=False)
    finally:
        if marker is not None and marker.kwargs:
            fakegraph_server.state.reload(original)
