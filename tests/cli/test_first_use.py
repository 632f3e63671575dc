"""What a new user meets first: input checks, output names, overwrites, output streams, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from neuropose.cli import _estimator_commands
from neuropose.cli._app import main
from neuropose.cli._terminal import NATIVE_QUIET_ENV
from neuropose.schema import StatusFile, io
from support.fake_estimator import FakeEstimator
from support.predictions import make_predictions
from support.videos import write_video

# Lines native libraries print: absl/glog ("I0000 00:00:..." and the pre-init warning), TensorFlow,
# CUDA, OpenCV ("[ WARN:0@0.01] ...") and ffmpeg ("[mov,mp4,... @ 0x55...] moov atom not found").
NATIVE = re.compile(
    r"^[IWEF]\d{4} |absl::|cuInit|cudart|oneDNN|tensorflow/|^\[ ?WARN|^\[[\w,]+ @ 0x", re.M
)


def _neuropose(*arguments: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    # As a user's shell would have it: none of the variables the CLI sets for itself.
    inherited = {k: v for k, v in os.environ.items() if k not in NATIVE_QUIET_ENV}
    return subprocess.run(
        [sys.executable, "-m", "neuropose.cli", *arguments],
        env={**inherited, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture
def fake_model(monkeypatch) -> list[Path]:
    """Replace the model by the fast fake estimator; returns the videos it was given."""
    estimator = FakeEstimator()
    monkeypatch.setattr(_estimator_commands, "build_estimator", lambda context, settings: estimator)
    return estimator.calls


@pytest.fixture
def no_model(monkeypatch) -> None:
    def refuse(context, settings):
        raise AssertionError("the model must not load before the inputs are checked")

    monkeypatch.setattr(_estimator_commands, "build_estimator", refuse)


# ------------------------------------------------------------------------------ inputs
def test_every_bad_input_is_named_at_once_before_the_model_loads(tmp_path, no_model, capsys):
    import cv2  # noqa: F401 - imported once beforehand: the check's own time is measured

    good = write_video(tmp_path / "good.mp4", 5)
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    truncated = tmp_path / "cut.mp4"
    data = write_video(tmp_path / "whole.mp4", 60).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    (tmp_path / "empty").mkdir()
    started = time.perf_counter()
    code = main(
        [
            "process",
            str(good),
            str(tmp_path / "missing.mp4"),
            str(tmp_path / "junk.mp4"),
            str(truncated),
            str(tmp_path / "empty"),
        ]
    )
    elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 3
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert err.count("\n") == 1
    assert err.startswith("error: 4 of 5 inputs cannot be processed")
    for name in (
        "missing.mp4 does not exist",
        "junk.mp4 cannot be opened",
        "cut.mp4 cannot be",
        "empty is a folder",
    ):
        assert name in err
    assert "good.mp4" not in err


def test_a_folder_stands_for_the_videos_inside(tmp_path, fake_model, capsys):
    folder = tmp_path / "session"
    folder.mkdir()
    for name in ("b.mp4", "a.MOV"):
        write_video(folder / name, 4)
    (folder / "notes.txt").write_text("not a video")
    assert main(["process", str(folder), "-o", str(tmp_path / "out")]) == 0
    assert [p.name for p in fake_model] == ["a.MOV", "b.mp4"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.npz", "b.npz"]


def test_same_stem_inputs_get_distinct_outputs_and_nothing_is_overwritten(
    tmp_path, fake_model, capsys
):
    first = write_video((tmp_path / "cam1").mkdir() or tmp_path / "cam1" / "trial.mp4", 4)
    second = write_video((tmp_path / "cam2").mkdir() or tmp_path / "cam2" / "trial.mp4", 6)
    out = tmp_path / "out"
    assert main(["process", str(first), str(second), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"-> {out / 'cam1_trial.npz'}" in printed
    assert f"-> {out / 'cam2_trial.npz'}" in printed
    # The fake model's output depends on the file: two files, two different outputs.
    assert not io.load_predictions(out / "cam1_trial.npz").same_as(
        io.load_predictions(out / "cam2_trial.npz")
    )
    assert main(["process", str(second), str(first), "-o", str(out)]) == 3
    err = capsys.readouterr().err
    assert f"{out / 'cam1_trial.npz'}" in err
    assert f"{out / 'cam2_trial.npz'}" in err
    assert "already exist; use --force" in err
    assert "--force" in err
    assert main(["process", str(first), str(second), "-o", str(out), "--force"]) == 0


def test_same_stem_side_by_side_takes_the_extension(tmp_path, fake_model, capsys):
    videos = [write_video(tmp_path / name, 3) for name in ("trial.mp4", "trial.avi")]
    assert main(["process", *map(str, videos), "-o", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "trial_avi.npz",
        "trial_mp4.npz",
    ]


# -------------------------------------------------------------------------- overwrites
def test_export_without_output_refuses_to_overwrite(tmp_path, capsys):
    source = tmp_path / "a.npz"
    io.save_predictions(make_predictions(5, 1, 43), source)
    assert main(["export", str(source), "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'a.json'}"
    before = (tmp_path / "a.json").read_bytes()
    assert main(["export", str(source), "--format", "json"]) == 3
    assert "a.json already exists; use --force" in capsys.readouterr().err
    assert (tmp_path / "a.json").read_bytes() == before
    assert main(["export", str(source), "--format", "npz"]) == 3  # would replace its own input
    assert main(["export", str(source), "--format", "json", "--force"]) == 0


def test_model_import_over_a_cached_name_refuses(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROPOSE_MODEL_DIR", str(tmp_path / "models"))
    for name in ("one", "two"):
        folder = tmp_path / name / "mymodel"
        folder.mkdir(parents=True)
        (folder / "saved_model.pb").write_bytes(name.encode())
    assert main(["model", "import", str(tmp_path / "one" / "mymodel")]) == 0
    capsys.readouterr()
    assert main(["model", "import", str(tmp_path / "two" / "mymodel")]) == 3
    err = capsys.readouterr().err
    assert "a model named 'mymodel' is already cached" in err
    assert "--force" in err
    cached = tmp_path / "models" / "mymodel" / "model" / "saved_model.pb"
    assert cached.read_bytes() == b"one"
    assert main(["model", "import", str(tmp_path / "two" / "mymodel"), "--force"]) == 0
    assert cached.read_bytes() == b"two"


# ---------------------------------------------------------------------- smaller items
def test_status_json_before_the_daemon_ever_ran(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROPOSE_DATA_DIR", str(tmp_path / "never"))
    assert main(["status", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == StatusFile().model_dump(mode="json")
    assert StatusFile.model_validate(printed).jobs == {}


@pytest.mark.parametrize(
    ("frames", "problem"), [("50:10", "is reversed or empty"), ("0:500", "is outside the trial")]
)
def test_compare_refuses_ranges_the_trial_lacks(tmp_path, capsys, frames, problem):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    io.save_predictions(make_predictions(120, 1, 43, seed=1), a)
    io.save_predictions(make_predictions(90, 1, 43, seed=2), b)
    assert main(["compare", str(a), str(b), "--a-range", frames]) == 3
    err = capsys.readouterr().err
    assert f"frame range {frames} {problem}" in err
    assert "the trial has 120 frames, so the valid range is 0:120" in err


def test_doctor_says_the_default_model_is_not_cached_and_how_to_fix_it(tmp_path):
    from neuropose.cli._doctor import _model_cache
    from neuropose.estimator import ModelNotFoundError

    with pytest.raises(ModelNotFoundError) as raised:
        _model_cache(tmp_path / "models", "metrabs_l")
    message = str(raised.value)
    assert "cached: nothing" in message
    assert "'metrabs_l' (the default)" in message
    assert "is not cached" in message
    assert "neuropose model download metrabs_l" in message
    model = tmp_path / "my_savedmodel"
    model.mkdir()
    assert "runs on the" in _model_cache(tmp_path / "models", str(model))


def test_quiet_hides_logs_but_never_results(tmp_path):
    source = tmp_path / "a.npz"
    io.save_predictions(make_predictions(5, 1, 43), source)
    done = _neuropose("-q", "export", str(source), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {tmp_path / 'a.json'}"
    assert done.stderr == ""


# ---------------------------------------------------------- native libraries' output
def test_damaged_videos_give_one_line_and_no_native_warnings(tmp_path):
    (tmp_path / "junk.mp4").write_bytes(b"not a video")
    data = write_video(tmp_path / "whole.mp4", 60).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    done = _neuropose("process", str(tmp_path / "junk.mp4"), str(tmp_path / "cut.mp4"))
    assert done.returncode == 3
    assert not NATIVE.search(done.stderr), done.stderr
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: 2 of 2 inputs")
    verbose = _neuropose("-v", "process", str(tmp_path / "cut.mp4"))
    assert NATIVE.search(verbose.stderr), "-v shows what ffmpeg and OpenCV say"


def test_a_folder_that_is_not_a_model_is_one_line(tmp_path):
    video = write_video(tmp_path / "clip.mp4", 4)
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a model")
    done = _neuropose(
        "process",
        str(video),
        "--model",
        str(folder),
        env={"NEUROPOSE_MODEL_DIR": str(tmp_path / "m")},
    )
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"error: {folder} is not a SavedModel folder: it has no saved_model.pb" in done.stderr


def test_a_truncated_model_archive_is_one_line(tmp_path):
    video = write_video(tmp_path / "clip.mp4", 4)
    payload = tmp_path / "payload"
    payload.mkdir()
    (payload / "saved_model.pb").write_bytes(os.urandom(300_000))
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(payload, arcname="model")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:100_000])
    done = _neuropose(
        "process", str(video), "--model", str(cut), env={"NEUROPOSE_MODEL_DIR": str(tmp_path / "m")}
    )
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"error: {cut} is truncated" in done.stderr


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuropose.estimator.standin import build_standin_model

    return build_standin_model(tmp_path_factory.mktemp("model") / "standin")


@pytest.mark.slow
def test_a_real_run_prints_nothing_from_native_libraries(tmp_path, standin):
    video = write_video(tmp_path / "clip.mp4", 10)
    env = {"NEUROPOSE_MODEL": str(standin), "NEUROPOSE_MODEL_DIR": str(tmp_path / "m")}
    out = tmp_path / "out"
    quiet = _neuropose("-q", "process", str(video), "-o", str(out), "--num-aug", "1", env=env)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # TensorFlow and absl load here, and say nothing
    assert "clip.mp4: 10 frames at " in quiet.stdout
    assert f"-> {out / 'clip.npz'}" in quiet.stdout
    normal = _neuropose("process", str(video), "-o", str(out), "--force", "--num-aug", "1", env=env)
    assert normal.returncode == 0, normal.stderr
    assert not NATIVE.search(normal.stderr), normal.stderr
    assert "loaded in" in normal.stderr  # our own log line stays


@pytest.mark.parametrize(
    ("verbosity", "shown", "hidden"),
    [
        (-1, ["job x failed"], ["job x started", "Traceback", "retracing"]),
        (0, ["job x started", "job x failed"], ["Traceback", "retracing"]),
        (1, ["job x started", "job x failed", "Traceback", "retracing"], ["chatter"]),
    ],
)
def test_log_lines_by_verbosity(capsys, verbosity, shown, hidden):
    import logging

    from neuropose.cli._terminal import configure_logging, settings_restored

    daemon = logging.getLogger("neuropose.daemon._interfacer")
    library = logging.getLogger("tensorflow")
    with settings_restored():
        configure_logging(verbosity)
        daemon.info("job x started")
        daemon.error("job x failed")
        try:
            raise ValueError("corrupt video")
        except ValueError as error:
            daemon.debug("traceback of job x", exc_info=error)
        library.warning("5 calls triggered tf.function retracing")
        library.debug("chatter")
    err = capsys.readouterr().err
    for text in shown:
        assert text in err
    for text in hidden:
        assert text not in err
