"""The real command line, in subprocesses, from a zip of videos to analyses, with the status page up."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neuropose.schema import JobStatus, StatusFile, io
from support.textbook_dtw import textbook_dtw
from support.videos import write_video


def _neuropose(
    *arguments: str, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neuropose.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _person_filled(results: Path, track: int) -> np.ndarray:
    """One track's 3D poses (mm) of a one-video job, missing frames filled linearly by index."""
    predictions_path = io.load_job_results(results).videos[0].predictions_path
    predictions = io.load_predictions(results.parent / predictions_path)
    poses = np.full(predictions.poses3d[:, 0].shape, np.nan, np.float32)
    rows, slots = np.nonzero(predictions.track_ids == track)
    poses[rows] = predictions.poses3d[rows, slots]
    flat = poses.reshape(len(poses), -1).astype(np.float64)
    frames = np.arange(len(flat))
    seen = np.isfinite(flat).all(axis=1)
    columns = [np.interp(frames, frames[seen], flat[seen, k]) for k in range(flat.shape[1])]
    return np.stack(columns, axis=1)


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuropose.estimator.standin import build_standin_model

    return build_standin_model(tmp_path_factory.mktemp("model") / "standin")


@pytest.mark.slow
def test_ingest_watch_status_segment_compare_export_with_serve(tmp_path, standin):
    data = tmp_path / "data"
    env = {
        **os.environ,
        "NEUROPOSE_DATA_DIR": str(data),
        "NEUROPOSE_MODEL_DIR": str(tmp_path / "models"),
        "NEUROPOSE_MODEL": str(standin),
        "NEUROPOSE_SKELETON": "smpl_24",
        "NEUROPOSE_NUM_AUG": "1",
        "NEUROPOSE_BATCH_SIZE": "4",
        "NEUROPOSE_SETTLE_TIME_S": "0",
        "NEUROPOSE_POLL_INTERVAL_S": "0.2",
    }
    videos = tmp_path / "videos"
    videos.mkdir()
    archive = tmp_path / "session.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as bundle:
        for name, frames in (("trial_01.mp4", 24), ("trial_02.mp4", 30)):
            bundle.write(write_video(videos / name, frames), f"patient_001/{name}")
        bundle.writestr("patient_001/notes.txt", "not a video")

    ingest = _neuropose("ingest", str(archive), "--json", env=env)
    assert ingest.returncode == 0, ingest.stderr
    assert json.loads(ingest.stdout)["jobs"] == {
        "patient_001_trial_01": "patient_001/trial_01.mp4",
        "patient_001_trial_02": "patient_001/trial_02.mp4",
    }

    server = subprocess.Popen(
        [sys.executable, "-m", "neuropose.cli", "serve", "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        address = re.search(r"http://[\d.]+:\d+/", server.stderr.readline())
        assert address, "serve did not print its address"
        base = address.group(0)
        with urllib.request.urlopen(base + "health", timeout=10) as response:
            assert json.loads(response.read())["status_file"] == "missing"

        watch = _neuropose("watch", "--once", env=env)
        assert watch.returncode == 0, watch.stderr
        assert "2 job(s) run" in watch.stdout  # a result: stdout

        with urllib.request.urlopen(base + "status.json", timeout=10) as response:
            served = StatusFile.model_validate(json.loads(response.read()))
        with urllib.request.urlopen(base, timeout=10) as response:
            assert "patient_001_trial_02" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert {e.status for e in served.jobs.values()} == {JobStatus.COMPLETED}

    status = _neuropose("status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    jobs = json.loads(status.stdout)["jobs"]
    assert sorted(jobs) == ["patient_001_trial_01", "patient_001_trial_02"]
    results = data / "out" / "patient_001_trial_01" / "results.json"
    assert io.load_job_results(results).videos[0].frame_count == 24

    segment = _neuropose(
        "segment", str(results), "--extractor", "joint_axis", "-j", "head", "--axis", "x", "--min-period-s", "0.2",
        "-o", str(tmp_path / "seg.json"), "--json", env=env,
    )  # fmt: skip
    assert segment.returncode == 0, segment.stderr
    assert json.loads(segment.stdout)["config"]["extractor"] == "joint_axis"
    assert io.load_segmentation(tmp_path / "seg.json").source_file_name == "trial_01.mp4.npz"

    other = data / "out" / "patient_001_trial_02" / "results.json"
    # The square jumps back to the left at frame 20, which the tracker takes for a new person
    # (track 1); the trials differ after it (trial_01 ends at frame 24, trial_02 at 30).
    compare = _neuropose(
        "compare", str(results), f"{other}#trial_02.mp4", "--align", "none", "--person", "1",
        "--a-range", "20:24", "--b-range", "20:30", "--json", env=env,
    )  # fmt: skip
    assert compare.returncode == 0, compare.stderr
    # The distance must be the textbook DTW of that track with its missing frames filled (the
    # default nan_policy).
    expected = textbook_dtw(_person_filled(results, 1)[20:24], _person_filled(other, 1)[20:30])
    assert expected > 0
    assert json.loads(compare.stdout)["distance"] == pytest.approx(expected, rel=1e-9)

    csv_path = tmp_path / "trial.csv"
    export = _neuropose(
        "export", str(results), "--format", "csv", "-o", str(csv_path), "--person", "all", env=env
    )
    assert export.returncode == 0, export.stderr
    rows = csv_path.read_text().splitlines()
    # 24 frames, every 5th empty (the square leaves the frame), 24 joints per person.
    assert len(rows) == 1 + (24 - 4) * 24


@pytest.mark.slow
def test_process_and_its_errors(tmp_path, standin):
    env = {
        **os.environ,
        "NEUROPOSE_MODEL_DIR": str(tmp_path / "models"),
        "NEUROPOSE_MODEL": str(standin),
        "NEUROPOSE_DATA_DIR": str(tmp_path / "d"),
    }
    video = write_video(tmp_path / "clip.mp4", 10)
    done = _neuropose(
        "process",
        str(video),
        "-o",
        str(tmp_path / "out"),
        "--skeleton",
        "coco_19",
        "--num-aug",
        "1",
        "--json",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["videos"][0]["frames"] == 10
    assert io.load_predictions(tmp_path / "out" / "clip.npz").skeleton.name == "coco_19"

    missing = _neuropose("process", str(tmp_path / "nothere.mp4"), env=env)
    assert missing.returncode == 3
    assert "nothere.mp4 does not exist" in missing.stderr

    skeleton = _neuropose("process", str(video), "--skeleton", "h36m_99", env=env)
    assert skeleton.returncode == 3
    assert "no skeleton 'h36m_99'; valid:" in skeleton.stderr
    assert "Traceback" not in skeleton.stderr

    # Never a real download in tests: the offline download path is tested against loopback in
    # tests/estimator/test_store.py; here, a model that is neither cached nor downloadable.
    unknown = _neuropose("process", str(video), "--model", "metrabs_unknown", env=env)
    assert unknown.returncode == 3
    assert "neuropose model import" in unknown.stderr
    assert "downloadable variants: metrabs_l" in unknown.stderr


@pytest.mark.slow
def test_doctor_self_test_offline(tmp_path):
    env = {
        **os.environ,
        "NEUROPOSE_MODEL_DIR": str(tmp_path / "models"),
        "NEUROPOSE_DATA_DIR": str(tmp_path / "data"),
    }
    doctor = _neuropose("doctor", "--json", env=env)
    report = json.loads(doctor.stdout)
    checks = {c["check"]: c for c in report["checks"]}
    assert checks["pipeline self-test"]["ok"], checks["pipeline self-test"]["detail"]
    assert "not pose accuracy" in checks["pipeline self-test"]["detail"]
    assert checks["tensorflow"]["ok"]
    assert "TensorFlow 2." in checks["tensorflow"]["detail"]
    assert "not cached" in checks["model cache"]["detail"]
    assert not checks["model cache"]["ok"]  # what is missing is a failure, with its fix
    assert "neuropose model download metrabs_l" in checks["model cache"]["detail"]


# ------------------------------------------------------------------ BlazePose, a real person
BLAZEPOSE_NOSE, BLAZEPOSE_HIPS = 0, (23, 24)


@pytest.fixture(scope="module")
def blazepose_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The command line's environment with the real blazepose-full bundle cached (built offline)."""
    from support.real_person import blazepose_models

    scratch = tmp_path_factory.mktemp("blazepose")
    return {
        **os.environ,
        "NEUROPOSE_MODEL_DIR": str(blazepose_models()),
        "NEUROPOSE_DATA_DIR": str(scratch / "data"),
    }


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.slow
def test_process_with_blazepose_finds_the_real_person(tmp_path, blazepose_env):
    from support.real_person import real_person_clip

    clip = real_person_clip()
    done = _neuropose(
        "process", str(clip.path), "-o", str(tmp_path / "out"), "--model", "blazepose-full",
        "--json", env=blazepose_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)["videos"][0]
    predictions = io.load_predictions(Path(report["output"]))
    people = predictions.people_per_frame
    found = int((people[list(clip.person_frames)] > 0).sum())
    assert found >= 0.9 * len(clip.person_frames)
    assert (people[list(clip.empty_frames)] == 0).all()
    for frame in np.flatnonzero(people):
        xy = predictions.poses2d[frame, 0]
        assert xy[BLAZEPOSE_NOSE, 1] < xy[list(BLAZEPOSE_HIPS), 1].mean(), frame
    assert predictions.skeleton.name == "blazepose_33"
    assert predictions.units.frame3d.startswith("hip-centred")
    assert predictions.units.root_translation_mm is not None
    assert predictions.root_translation_mm is not None
    assert predictions.joint_confidence is not None
    assert predictions.provenance.backend == "blazepose"
    assert predictions.provenance.parameters.blazepose.num_poses == 2
    assert "nobody was found" not in done.stderr
    # MediaPipe's native start-up chatter stays off the terminal; ours is one line.
    assert "XNNPACK" not in done.stderr
    assert "Exception ignored" not in done.stderr

    usage = _neuropose("process", str(clip.path), "--model", "blazepose-full", "--num-poses", "0", env=blazepose_env)  # fmt: skip
    assert usage.returncode == 2
    assert "--num-poses" in usage.stderr


@pytest.mark.slow
def test_a_video_with_nobody_is_a_warning_not_an_error(tmp_path, blazepose_env):
    def room(index: int) -> np.ndarray:  # a still, empty scene: a gradient and a few boxes
        frame = np.tile(np.linspace(40, 200, 640, dtype=np.uint8)[None, :, None], (360, 1, 3))
        frame[200:300, 100:220] = (30, 90, 160)
        frame[50:120, 400:600] = (200, 200, 210)
        return frame

    video = write_video(tmp_path / "empty_room.mp4", 20, room)
    done = _neuropose("process", str(video), "-o", str(tmp_path / "out"), "--model", "blazepose-full", env=blazepose_env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "empty_room.mp4: nobody was found in any of its 20 frames" in done.stderr
    assert "error" not in done.stderr.lower()
    predictions = io.load_predictions(tmp_path / "out" / "empty_room.npz")
    assert predictions.frame_count == 20
    assert predictions.max_people == 0
    assert predictions.poses3d.shape == (20, 0, 33, 3)


@pytest.mark.slow
def test_a_bad_model_file_is_a_one_line_input_error(tmp_path, blazepose_env):
    from support.real_person import blazepose_models

    video = write_video(tmp_path / "clip.mp4", 4)
    bundle = next((blazepose_models() / "blazepose-full" / "model").glob("*.task"))
    truncated = tmp_path / "truncated.task"
    truncated.write_bytes(bundle.read_bytes()[: bundle.stat().st_size // 2])
    lone = tmp_path / "pose_landmark_full.tflite"
    lone.write_bytes((bundle.parent / "sources" / "pose_landmark_full.tflite").read_bytes())
    for model, expected in (
        (truncated, r"truncated\.task is not a readable MediaPipe Tasks bundle"),
        (lone, r"pose_landmark_full\.tflite is a single TFLite model; BlazePose needs"),
    ):
        done = _neuropose("process", str(video), "--model", str(model), env=blazepose_env)
        assert done.returncode == 3, done.stderr
        assert re.search(expected, _one_line_error(done.stderr)), done.stderr


_UNREACHABLE_METRABS = r"""
import dataclasses, sys
import neuropose.estimator._store as store
from neuropose.estimator._registry import MODEL_VARIANTS
# MeTRAbs' server made unreachable (a closed loopback port), as on a registry-only machine.
store.MODEL_VARIANTS = {
    name: dataclasses.replace(variant, base_url="http://127.0.0.1:9/unreachable")
    for name, variant in MODEL_VARIANTS.items()
}
from neuropose.cli import main
sys.argv = ["neuropose", *sys.argv[1:]]
sys.exit(main())
"""


@pytest.mark.slow
def test_when_metrabs_cannot_be_fetched_the_error_says_what_to_run(tmp_path):
    env = {
        **os.environ,
        "NEUROPOSE_MODEL_DIR": str(tmp_path / "models"),
        "NEUROPOSE_DATA_DIR": str(tmp_path / "data"),
    }
    video = write_video(tmp_path / "my_video.mp4", 4)
    done = subprocess.run(
        [sys.executable, "-c", _UNREACHABLE_METRABS, "process", str(video), "-o", "results/"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    # One progress line ("fetching it ..."), then the error on one line.
    progress, line = [line for line in done.stderr.splitlines() if line.strip()]
    assert progress.startswith("model metrabs_l is not cached yet: fetching it")
    assert line.startswith("error: ")
    assert "Traceback" not in done.stderr
    assert "model 'metrabs_l' is not cached" in line
    # The exact command to copy: the one that was run, with the offline model.
    assert line.endswith(f"process {video} -o results/ --model blazepose-full"), line


@pytest.mark.slow
def test_sample_clip_gives_a_newcomer_a_video(tmp_path):
    from neuropose.estimator import FrameReader

    env = {**os.environ, "NEUROPOSE_DATA_DIR": str(tmp_path / "data")}
    target = tmp_path / "videos" / "my_video.mp4"
    done = _neuropose("sample-clip", str(target), "--frames", "30", env=env)
    assert done.returncode == 0, done.stderr
    assert "30 frames, 640x360" in done.stdout
    assert "the person is in 25 of them" in done.stdout
    with FrameReader(target) as reader:
        assert sum(1 for _ in reader) == 30
    wrong = _neuropose("sample-clip", str(tmp_path / "clip.avi"), env=env)
    assert wrong.returncode == 2


@pytest.mark.slow
def test_watch_runs_blazepose_jobs(tmp_path, blazepose_env):
    from support.real_person import real_person_clip

    env = {**blazepose_env, "NEUROPOSE_DATA_DIR": str(tmp_path / "data"), "NEUROPOSE_MODEL": "blazepose-full", "NEUROPOSE_SETTLE_TIME_S": "0"}  # fmt: skip
    for folder in ("in", "out", "failed"):
        (tmp_path / "data" / folder).mkdir(parents=True)
    job = tmp_path / "data" / "in" / "astronaut"
    job.mkdir()
    (job / "clip.mp4").write_bytes(real_person_clip().path.read_bytes())
    watch = _neuropose("watch", "--once", env=env)
    assert watch.returncode == 0, watch.stderr
    results = tmp_path / "data" / "out" / "astronaut" / "results.json"
    entry = io.load_job_results(results).videos[0]
    predictions = io.load_predictions(results.parent / entry.predictions_path)
    assert predictions.provenance.backend == "blazepose"
    assert (predictions.people_per_frame > 0).sum() >= 45
