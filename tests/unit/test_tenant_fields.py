"""Every field of `State` is either each tenant's own or shared by the server's tenants (http/tenants.py),
and a tenant state made by the registry holds that: its own parts new objects, the shared ones the root's."""

from __future__ import annotations

from dataclasses import fields

from fakegraph.http.state import State, build_state
from fakegraph.http.tenants import OWN, SHARED
from fakegraph.model.settings import Settings


def test_every_state_field_is_own_or_shared():
    names = {f.name for f in fields(State)}
    assert not OWN & SHARED
    assert names - OWN - SHARED == set(), "decide whether each tenant has its own or shares it"
    assert (OWN | SHARED) - names == set()


def test_a_tenant_state_shares_what_is_shared_and_owns_the_rest():
    root = build_state(Settings(dataset="empty"))
    tenant = root.tenants.create("aaaaaaaa-0000-4000-8000-00000000000a")
    for name in sorted(SHARED):
        assert getattr(tenant, name) is getattr(root, name), name
    for name in sorted(OWN - {"tenant_id", "ids_drawn", "tenants"}):
        assert getattr(tenant, name) is not getattr(root, name), name
    assert tenant.tenants is root.tenants
    assert (tenant.tenant_id, tenant.is_default, root.is_default) == (
        "aaaaaaaa-0000-4000-8000-00000000000a",
        False,
        True,
    )
    assert tenant.media._lock is tenant.store.locked()  # the tenant's media live under its own store's lock
