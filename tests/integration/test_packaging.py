"""Mechanical guards for the dependency rule: wheels, imports, fresh installs.

The rule is written in docs/architecture.md, section "The dependency rule".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schema", "estimator", "daemon", "analysis", "cli")
HEAVY = ("tensorflow", "cv2", "tensorflow_hub")
FIRST_PARTY = {f"neuropose-{name}" for name in PACKAGES}


def _uv() -> str:
    uv = shutil.which("uv")
    assert uv, "uv is not on PATH; install it with `pip install uv` (see README)"
    return uv


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [_uv(), "build", "--all-packages", "--no-sources", "--wheel", "-o", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    found = {}
    for wheel in out.glob("*.whl"):
        name = wheel.name.split("-")[0].replace("_", "-")
        found[name] = wheel
    assert set(found) == FIRST_PARTY, f"built {sorted(found)}"
    return found


def _requires(wheel: Path) -> dict[str, str]:
    """Map each Requires-Dist name to its full requirement line."""
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(metadata).decode())
    result = {}
    for line in message.get_all("Requires-Dist") or []:
        name = re.split(r"[\s;<>=!~\[(]", line, maxsplit=1)[0].lower().replace("_", "-")
        result.setdefault(name, "")
        result[name] += line + "\n"
    return result


@pytest.mark.slow
def test_wheels_depend_on_no_first_party_package_but_the_schema(wheels):
    for name, wheel in wheels.items():
        requires = _requires(wheel)
        # An extra that gathers the package's own extras (``all = ["pkg[a,b]"]``) names the
        # package itself: that is no dependency on another distribution.
        first_party = {r for r in requires if r in FIRST_PARTY and r != name}
        if name == "neuropose-schema":
            assert not first_party
            assert set(requires) == {"pydantic", "numpy"}
        elif name == "neuropose-cli":
            core = {r for r, line in requires.items() if "extra ==" not in line}
            assert core & FIRST_PARTY == {"neuropose-schema"}
            assert "extra ==" in requires["neuropose-estimator"]
        else:
            assert first_party == {"neuropose-schema"}, f"{name}: {first_party}"
        if name != "neuropose-schema":
            assert "~=0.1.0" in requires["neuropose-schema"], f"{name}: not a compatible range"


@pytest.mark.slow
def test_the_cli_extras_bring_what_its_commands_need(wheels):
    # `neuropose report`, `export --format nwb|c3d|parquet` and the daemon's report hook are CLI
    # commands: `pip install "neuropose-cli[all]"` (the README's lab install) must bring the
    # analysis extras they import, not only the bare analysis package.
    lines = _requires(wheels["neuropose-cli"])["neuropose-analysis"].splitlines()
    for extra in ("analysis", "all"):
        (line,) = [entry for entry in lines if f"extra == '{extra}'" in entry]
        assert line.startswith("neuropose-analysis[all]"), line


@pytest.mark.slow
def test_only_the_estimator_wheel_requires_tensorflow_or_opencv(wheels):
    heavy = {"tensorflow", "tensorflow-metal", "tensorflow-hub", "opencv-python-headless"}
    for name, wheel in wheels.items():
        core = {r for r, line in _requires(wheel).items() if "extra ==" not in line}
        if name == "neuropose-estimator":
            assert {"tensorflow", "opencv-python-headless"} <= core
            assert "platform_machine == 'arm64'" in _requires(wheel)["tensorflow-metal"]
        else:
            assert not core & heavy, f"{name} requires {core & heavy}"


def _loaded_after(statement: str) -> list[str]:
    probe = (
        f"{statement}\nimport sys, json\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "statement",
    [
        "import neuropose.schema, neuropose.schema.io",
        "import neuropose.daemon",
        "import neuropose.analysis",
        "import neuropose.cli",
        "import neuropose.estimator",
    ],
)
def test_importing_loads_neither_tensorflow_nor_opencv(statement):
    # The estimator too: TensorFlow and OpenCV load when a model or video is opened, not at import.
    assert _loaded_after(statement) == []


def test_analysis_defers_scipy_numba_and_fastdtw():
    probe = (
        "import sys, neuropose.analysis\n"
        "print([m for m in ('scipy', 'numba', 'fastdtw') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_guard_notices_a_heavy_import(tmp_path):
    """The probe really sees a module that an import pulls in (so the guard can fail)."""
    (tmp_path / "pulls_heavy.py").write_text("import cv2\n")
    statement = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import pulls_heavy"
    assert _loaded_after(statement) == ["cv2"]


@pytest.mark.slow
def test_schema_and_analysis_wheels_work_in_a_fresh_venv_without_tensorflow(wheels, tmp_path):
    uv = _uv()
    venv = tmp_path / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(python),
            str(wheels["neuropose-schema"]),
            str(wheels["neuropose-analysis"]),
        ],
        check=True,
        capture_output=True,
    )
    script = (
        "import sys, numpy as np\n"
        "import neuropose.schema, neuropose.analysis\n"
        "assert 'tensorflow' not in sys.modules\n"
        "from importlib.util import find_spec\n"
        "print(find_spec('tensorflow') is None, find_spec('cv2') is None)\n"
    )
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
