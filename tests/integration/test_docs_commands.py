"""Every ``neuropose`` command shown in README.md and docs/*.md runs, so the docs cannot rot.

The ```bash blocks are read, each line that runs ``neuropose`` (after ``VAR=value``
assignments) becomes a test case, and it runs in a folder that holds what the examples name:
``a.npz`` and ``b.npz`` (predictions in the default skeleton), a job's
``out/job/results.json``, ``trial.mp4`` and ``session.zip`` (generated videos). Commands that only
need results files run in-process; those that run a model use the stand-in model on the
generated video (slow). Every other example is skipped with its reason (``pytest -ra`` lists
them); an example whose command is not classified here fails, so a new one gets a decision.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neuropose.cli._app import main
from neuropose.schema import (
    InferenceOptions,
    JobResults,
    PerformanceMetrics,
    VideoResult,
    io,
    known_skeleton,
)
from support.predictions import make_predictions
from support.videos import write_video

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

RESULTS_ONLY = {"segment", "compare", "analyze", "export", "status", "ingest", "sample-clip"}
"""Commands that need only results files or videos the test builds: run in-process."""
WITH_MODEL = {"process", "benchmark"}
"""Commands that run a model: run with the stand-in model on a generated video (slow)."""
SKIPPED = {
    "doctor": "exits 1 until the configured model is cached; its self-test runs in "
    "test_end_to_end.py::test_doctor_self_test_offline",
    "watch": "runs until stopped; test_end_to_end.py runs `watch --once`",
    "serve": "serves until stopped; tests/daemon/test_monitor.py and test_end_to_end.py serve",
    "model": "download needs the network; import needs the published archive (its SHA-256 "
    "is checked); tests/estimator/test_store.py covers both offline",
    "report": "needs the report extra and the session's video; tests/analysis run it",
    "batch": "these examples address a Ray cluster",
    "overlay": "needs the report extra and the session's video; tests/analysis run it",
    "gait": "needs heel and toe joints (blazepose_33); tests/analysis run it",
}
"""Commands whose examples are not run, and why."""
BLAZEPOSE = "needs the BlazePose bundle (Google's storage or the package index)"


@dataclass(frozen=True)
class Example:
    document: str
    line: str
    env: dict[str, str]
    argv: list[str]

    @property
    def command(self) -> str:
        words = [word for word in self.argv if not word.startswith("-")]
        return words[0] if words else ""


def _examples() -> list[Example]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
            for line in block.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                env = {}
                while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                    name, _, value = words.pop(0).partition("=")
                    env[name] = value
                if words and words[0] == "neuropose":
                    relative = document.relative_to(ROOT).as_posix()
                    found.append(Example(relative, line.strip(), env, words[1:]))
    return found


EXAMPLES = _examples()


def _skip_reason(example: Example) -> str | None:
    if any(word.startswith("blazepose") for word in example.argv):
        return BLAZEPOSE
    if any(re.fullmatch(r"\[.*\]", word) for word in example.argv):
        return "shows optional flags in [brackets]"
    return SKIPPED.get(example.command)


def _cases(kind: set[str], marks: tuple[pytest.MarkDecorator, ...] = ()) -> list[object]:
    cases = []
    for example in EXAMPLES:
        if example.command not in kind:
            continue
        reason = _skip_reason(example)
        own = (*marks, pytest.mark.skip(reason=reason)) if reason else marks
        cases.append(pytest.param(example, marks=own, id=f"{example.document}: {example.line}"))
    return cases


def test_every_documented_command_is_run_or_skipped_with_a_reason():
    assert len(EXAMPLES) >= 15
    unknown = [
        f"{e.document}: {e.line}"
        for e in EXAMPLES
        if e.command not in RESULTS_ONLY | WITH_MODEL | set(SKIPPED)
    ]
    assert not unknown, "classify these documented commands in this test:\n" + "\n".join(unknown)
    run = [e for e in EXAMPLES if _skip_reason(e) is None]
    assert {e.command for e in run} >= {"segment", "compare", "analyze", "export", "process"}


def _results_folder(folder: Path) -> None:
    """What the examples name: two trials, a finished job, a video and a zip of videos."""
    default = known_skeleton(InferenceOptions().metrabs.skeleton).skeleton
    for name, seed in (("a.npz", 1), ("b.npz", 2)):
        predictions = make_predictions(150, 1, 43, seed=seed)
        assert predictions.skeleton.joint_names == default.joint_names
        io.save_predictions(predictions, folder / name)
    job = folder / "out" / "job"
    job.mkdir(parents=True)
    predictions = make_predictions(150, 1, 43, seed=3)
    io.save_predictions(predictions, job / "trial.mp4.npz")
    metrics = PerformanceMetrics(
        frame_count=150,
        wall_time_s=1.0,
        decode_time_s=0.1,
        inference_time_s=0.8,
        throughput_fps=150.0,
        peak_rss_mb=100.0,
        device="/CPU:0",
        tensorflow_version="none",
    )
    now = datetime.now(UTC)
    io.save(
        JobResults(
            job="job",
            videos=(
                VideoResult(
                    video="trial.mp4",
                    predictions_path="trial.mp4.npz",
                    frame_count=150,
                    metrics=metrics,
                ),
            ),
            started_at=now,
            finished_at=now,
        ),
        job / "results.json",
    )
    write_video(folder / "trial.mp4", 12)
    with zipfile.ZipFile(folder / "session.zip", "w") as bundle:
        for name in ("walk.mp4", "reach.mp4"):
            bundle.write(write_video(folder / name, 6), f"patient_01/{name}")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs-examples")
    _results_folder(folder)
    return folder


@pytest.fixture
def sandbox(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the template per example (ingest twice would collide), as the cwd."""
    folder = tmp_path / "work"
    shutil.copytree(template, folder)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("NEUROPOSE_DATA_DIR", str(folder / "data"))
    monkeypatch.setenv("NEUROPOSE_MODEL_DIR", str(folder / "models"))
    return folder


@pytest.mark.parametrize("example", _cases(RESULTS_ONLY))
def test_documented_command_runs_on_results(example: Example, sandbox: Path, monkeypatch, capsys):
    for name, value in example.env.items():
        monkeypatch.setenv(name, value)
    code = main(example.argv)
    captured = capsys.readouterr()
    assert code == 0, f"{example.document}: `{example.line}` exited {code}: {captured.err}"


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuropose.estimator.standin import build_standin_model

    return build_standin_model(tmp_path_factory.mktemp("model") / "standin")


@pytest.mark.slow
@pytest.mark.parametrize("example", _cases(WITH_MODEL))
def test_documented_command_runs_with_the_standin_model(
    example: Example, sandbox: Path, standin: Path
):
    env = {**os.environ, "NEUROPOSE_MODEL": str(standin), **example.env}
    done = subprocess.run(
        [sys.executable, "-m", "neuropose.cli", *example.argv],
        cwd=sandbox,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{example.document}: `{example.line}`: {done.stderr[-2000:]}"


@pytest.mark.parametrize("example", _cases(set(SKIPPED)))
def test_documented_command_not_run_here(example: Example):
    """Listed so that ``pytest -rs`` shows every example not run and why."""
    raise AssertionError(f"{example.line} should have been skipped")
