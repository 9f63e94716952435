"""The wheel ships schemas/ and fixtures/, and the installed package finds them without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hatchling.builders.wheel import WheelBuilder

    out = tmp_path_factory.mktemp("dist")
    return Path(next(iter(WheelBuilder(str(REPO)).build(directory=str(out), versions=["standard"]))))


def test_wheel_contains_the_compiled_artifacts(wheel):
    """Every committed schema and fixture is inside the wheel under fakegraph/_data."""
    names = set(zipfile.ZipFile(wheel).namelist())
    committed = [
        p.relative_to(REPO).as_posix() for d in ("schemas", "fixtures") for p in (REPO / d).rglob("*.json")
    ]
    assert committed
    assert {f"fakegraph/_data/{name}" for name in committed} <= names
    assert not any(name.startswith("tests/") for name in names)


def test_installed_package_finds_its_data(wheel, tmp_path):
    """Unpacked away from the checkout, `data_dir()` points at the packaged `_data`."""
    zipfile.ZipFile(wheel).extractall(tmp_path)
    code = "from fakegraph.artifacts.paths import data_dir; print(data_dir())"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert Path(out.stdout.strip()) == tmp_path / "fakegraph" / "_data"
    assert (Path(out.stdout.strip()) / "fixtures" / "beta" / "operations.json").is_file()
