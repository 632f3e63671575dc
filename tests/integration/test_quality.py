"""The tree stays formatted, linted and type-checked: CI runs these with the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("command", [("check",), ("format", "--check")])
def test_ruff(command):
    result = _run(sys.executable, "-m", "ruff", *command, ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_pyright():
    pyright = shutil.which("pyright")
    assert pyright, "pyright is a dev dependency; run `uv sync --all-packages`"
    result = _run(pyright)
    assert result.returncode == 0, result.stdout[-5000:]
