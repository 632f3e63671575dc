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


def _person_filled(results: Path) -> np.ndarray:
    """Person 0's 3D poses (mm) of a one-video job, missing frames filled linearly by index."""
    predictions_path = io.load_job_results(results).videos[0].predictions_path
    poses = io.load_predictions(results.parent / predictions_path).poses3d[:, 0]
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
        assert "2 job(s) run" in watch.stderr

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
    compare = _neuropose(
        "compare", str(results), f"{other}#trial_02.mp4", "--align", "none", "--json", env=env
    )
    assert compare.returncode == 0, compare.stderr
    # The square moves, so raw positions differ between the trials; the distance must be the
    # textbook DTW of person 0 with its missing frames filled (the default nan_policy).
    expected = textbook_dtw(_person_filled(results), _person_filled(other))
    assert expected > 0
    assert json.loads(compare.stdout)["distance"] == pytest.approx(expected, rel=1e-9)

    csv_path = tmp_path / "trial.csv"
    export = _neuropose("export", str(results), "--format", "csv", "-o", str(csv_path), env=env)
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
    assert "no such video file" in missing.stderr

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
