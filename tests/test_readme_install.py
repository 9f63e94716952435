"""The README's install story: the first command installs only what serving needs; the SDK recipe's extra
holds what the recipe imports (the recipe itself runs in tests/plugin/test_pytest_plugin.py)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import packages_distributions

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def _commands() -> list[str]:
    head = README.split("\n## ", 1)[0]
    return [line.strip() for line in head.splitlines() if line.startswith("    ")]


def test_first_command_installs_for_serving_and_serves_second_runs_the_tests():
    first, second = _commands()[:2]
    assert "pip install . " in first + " "  # the project itself, no extras
    assert "[" not in first
    assert first.endswith("fakegraph serve")
    assert second.endswith("python -m pytest")
    assert "'.[dev]'" in second  # the test tools come with the second command


def test_the_serving_install_has_no_test_or_lint_tools():
    serving = {_name(r) for r in PROJECT["dependencies"]}
    assert serving == {"aiohttp", "jsonschema", "rfc3339-validator", "faker", "orjson", "trustme", "pyjwt"}


def test_the_sdk_extra_holds_what_the_async_recipe_needs():
    section = README.split("### With the official SDK (msgraph-beta-sdk)", 1)[1].split("\n### ", 1)[0]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    modules = set(re.findall(r"^(?:from|import) (\S+)", code, re.MULTILINE)) - {"time"}
    distributions = packages_distributions()
    needed = set()
    for module in modules:
        top, _, rest = module.partition(".")
        candidates = [d.lower() for d in distributions.get(top, [top])]
        if len(candidates) > 1:  # a namespace package (azure): the distribution named after the module
            candidates = [d for d in candidates if d == f"{top}-{rest.split('.')[0]}"]
        needed.update(candidates)
    assert needed
    sdk = {_name(r) for r in PROJECT["optional-dependencies"]["sdk"]}
    assert needed <= sdk, needed - sdk
    assert {"pytest", "pytest-asyncio"} <= sdk  # the async runner the recipe's pyproject block configures
    assert "`fakegraph[sdk]`" in README
