"""The documentation site builds in strict mode (broken references and links fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_docs_build_strict(tmp_path):
    mkdocs = shutil.which("mkdocs")
    assert mkdocs, "mkdocs is in the docs dependency group; run `uv sync --all-packages`"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "api" / "analysis" / "index.html").exists()


def test_the_formats_page_lists_every_kind_at_its_current_version():
    import importlib
    import re

    from neuropose.schema._base import PersistedModel

    schema = importlib.import_module("neuropose.schema")

    text = (ROOT / "docs" / "formats.md").read_text()
    listed = {
        kind: int(version)
        for kind, version in re.findall(r"^\| `(\w+)` \|.*\| (\d+) \|$", text, re.M)
    }
    models = {
        model.KIND: model.CURRENT_VERSION
        for name in schema.__all__
        if isinstance(model := getattr(schema, name), type)
        and issubclass(model, PersistedModel)
        and model is not PersistedModel
    }
    assert listed == models
