"""The house rules, read from the source: each folder is a layer that imports only the layers below it, the
pure layers never touch aiohttp or the HTTP layer, the compiler sees only the artifacts, and no two modules
import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fakegraph"
TOP = "(top)"  # the surfaces: cli, server, tls, pytest plugin, openapi and the documented entry points
# layer → the layers it may import (besides itself)
ALLOWED: dict[str, frozenset[str]] = {
    "artifacts": frozenset(),
    "compiler": frozenset({"artifacts"}),
    "odata": frozenset({"artifacts"}),
    "validation": frozenset({"artifacts"}),
    "model": frozenset({"artifacts", "odata", "validation"}),
    "behaviours": frozenset({"artifacts", "model", "odata"}),
    "identity": frozenset({"artifacts"}),
    "http": frozenset({"artifacts", "model", "odata", "validation", "behaviours", "identity"}),
    TOP: frozenset(
        {"artifacts", "compiler", "model", "odata", "validation", "behaviours", "identity", "http"}
    ),
}
PURE = frozenset(ALLOWED) - {"http", TOP}
SERVER_LIBRARIES = frozenset({"aiohttp", "multidict", "yarl"})


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return TOP


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, *, runtime_only: bool = False) -> set[str]:
    """Every module a source imports (lazy imports in functions included; `if TYPE_CHECKING:` blocks left
    out when only what runs counts). `from fakegraph.x import y` counts `fakegraph.x.y` when that is a
    module, and `fakegraph.x` only when some imported name is defined there."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if runtime_only and isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            named = [f"{node.module}.{alias.name}" for alias in node.names]
            submodules = [n for n in named if _is_module(n)]
            found.update(submodules)
            if len(submodules) < len(named):  # names defined in the module itself
                found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return found


def _is_module(name: str) -> bool:
    if not name.startswith("fakegraph"):
        return False
    relative = Path(*name.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").is_file() or (PACKAGE / relative / "__init__.py").is_file()


def package_modules() -> dict[str, str]:
    return {module_name(p): p.read_text(encoding="utf-8") for p in sorted(PACKAGE.rglob("*.py"))}


def layer_violations(modules: dict[str, str]) -> list[str]:
    """Each import that breaks the rules, as `module -> imported (why)`."""
    problems = []
    for module, source in modules.items():
        mine = layer_of(module)
        for imported in sorted(imports_of(source)):
            root = imported.split(".")[0]
            if root in SERVER_LIBRARIES and mine in PURE:
                problems.append(f"{module} -> {imported} (a pure layer imports a server library)")
            if root != "fakegraph" or imported == "fakegraph":
                continue
            theirs = layer_of(imported)
            if theirs != mine and theirs not in ALLOWED[mine]:
                problems.append(f"{module} -> {imported} ({mine} may not import {theirs})")
    return problems


def import_cycles(modules: dict[str, str]) -> list[list[str]]:
    """Strongly connected groups of more than one module in the runtime import graph (Tarjan)."""
    graph = {
        m: sorted(i for i in imports_of(s, runtime_only=True) if i in modules and i != m)
        for m, s in modules.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            connect(node)
    return groups


def test_every_module_belongs_to_a_known_layer():
    """Each folder of the package is one of the declared layers."""
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED) - {TOP}


def test_layers_import_only_the_layers_below_them():
    """No module imports a layer its own may not use; pure layers import no server library."""
    assert layer_violations(package_modules()) == []


def test_the_compiler_sees_only_the_artifacts():
    """The compiler's only fakegraph imports are its own modules and artifacts/."""
    modules = package_modules()
    seen = {
        layer_of(i)
        for m, s in modules.items()
        if layer_of(m) == "compiler"
        for i in imports_of(s)
        if i.startswith("fakegraph.")
    }
    assert seen <= {"compiler", "artifacts"}


def test_no_import_cycles():
    """The runtime import graph of the package has no cycle."""
    assert import_cycles(package_modules()) == []


@pytest.mark.parametrize(
    ("module", "line", "expected"),
    [
        ("fakegraph.odata.evaluate", "from aiohttp import web", "pure layer imports a server library"),
        ("fakegraph.model.store", "from fakegraph.http import handlers", "model may not import http"),
        ("fakegraph.compiler.build", "from fakegraph.model import store", "compiler may not import model"),
        ("fakegraph.artifacts.contract", "import fakegraph.validation.validator", "artifacts may not import"),
    ],
)
def test_the_rule_catches_a_forbidden_import(module, line, expected):
    """The check itself fails when a pure module imports aiohttp or a layer imports upwards."""
    modules = package_modules()
    modules[module] += f"\n{line}\n"
    assert any(expected in problem for problem in layer_violations(modules))


def test_the_cycle_check_catches_a_cycle():
    """A module importing one that imports it back is reported."""
    modules = package_modules()
    modules["fakegraph.model.clock"] += "\nfrom fakegraph.model import journal\n"
    assert ["fakegraph.model.clock", "fakegraph.model.journal"] in import_cycles(modules)
