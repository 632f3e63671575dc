"""A failed job says what failed, how far it got and where its videos are now; a job's log lines."""

from __future__ import annotations

import logging

from daemon.conftest import make_job
from neuropose.daemon import Interfacer
from neuropose.schema import DataDirectory, JobStatus, io
from support.fake_estimator import FakeEstimator


def _entry(settings, name):
    return io.load_status(DataDirectory(settings.data_dir).status_path).jobs[name]


def test_the_error_names_where_the_video_is_now_and_agrees_with_progress(settings):
    layout = DataDirectory(settings.data_dir)
    # 84 frames, batches of 8, failing at frame 48: the estimator last reported 40 frames,
    # while the status is saved every 16 (32).
    folder = make_job(settings.data_dir, "job", {"v.mp4": b"FAIL" + b"b" * 80})
    Interfacer(settings, FakeEstimator(full_paths=True)).run(once=True)
    entry = _entry(settings, "job")
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    now = layout.failed_inputs("job") / "v.mp4"
    assert f"FakeVideoError: {now}: cannot decode frame 48" in entry.error
    assert str(folder) not in entry.error
    assert entry.frames_done == 40
    assert entry.frames_total == 84
    assert "(v.mp4: after 40 of 84 frames)" in entry.error
    assert entry.error.endswith(
        "its videos are now in failed/job (move that folder back to in/ to run the job again)"
    )


def test_a_failure_leaves_no_empty_folder_behind(settings):
    layout = DataDirectory(settings.data_dir)
    make_job(settings.data_dir, "bad", {"v.mp4": b"FAIL" + b"b" * 40})
    make_job(settings.data_dir, "empty", {}, {"notes.txt": b"no video"})
    Interfacer(settings, FakeEstimator()).run(once=True)
    assert not layout.job_output("bad").exists()
    assert not layout.job_output("empty").exists()
    assert sorted(p.name for p in layout.outbox.iterdir()) == ["status.json"]


def test_the_model_load_is_charged_once(settings):
    layout = DataDirectory(settings.data_dir)
    for name in ("a_first", "b_second"):
        make_job(settings.data_dir, name, {"v.mp4": b"x" * 20, "w.mp4": b"y" * 20})
    daemon = Interfacer(settings, FakeEstimator(load_time_s=2.5))
    daemon.run(once=True)
    loads = [
        video.metrics.model_load_time_s
        for name in ("a_first", "b_second")
        for video in io.load_job_results(layout.results_path(name)).videos
    ]
    assert loads == [2.5, 0.0, 0.0, 0.0]
    assert daemon.model_load_time_s == 2.5


def test_one_log_line_per_job_start_and_end_and_tracebacks_only_at_debug(settings, caplog):
    make_job(settings.data_dir, "good", {"v.mp4": b"x" * 40})
    make_job(settings.data_dir, "worse", {"v.mp4": b"FAIL" + b"b" * 40})
    with caplog.at_level(logging.DEBUG, logger="neuropose.daemon"):
        Interfacer(settings, FakeEstimator(load_time_s=1.5)).run(once=True)
    records = [r for r in caplog.records if r.name.startswith("neuropose.daemon")]
    about = {
        name: [r for r in records if f"job {name} " in r.getMessage()] for name in ("good", "worse")
    }
    good = [r for r in about["good"] if r.levelno >= logging.INFO]
    assert [r.getMessage().split(":")[0] for r in good] == [
        "job good started",
        "job good completed",
    ]
    finished = good[1].getMessage()
    assert "1 video(s), 40 frames in " in finished
    assert "frames/s, 1.5 s of it loading the model" in finished
    assert finished.endswith("results in out/good/results.json")
    worse = [r for r in about["worse"] if r.levelno >= logging.INFO]
    assert [r.levelname for r in worse] == ["INFO", "ERROR"]
    assert worse[1].getMessage().startswith("job worse failed after ")
    assert all(r.exc_info is None for r in records if r.levelno >= logging.INFO)
    tracebacks = [r for r in records if r.exc_info is not None]
    assert [r.levelno for r in tracebacks] == [logging.DEBUG]
    assert "model loaded in 1.5 s" in caplog.text
