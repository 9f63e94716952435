"""The documented embedding entry points (`fakegraph.app.create_app`), kept where the README names them;
they live in `fakegraph.http.app`."""

from __future__ import annotations

from fakegraph.http.app import STATE, create_app, create_server, handle, respond
from fakegraph.http.state import State, build_state

__all__ = ["STATE", "State", "build_state", "create_app", "create_server", "handle", "respond"]
