from __future__ import annotations

import errno
import json
import os
from datetime import UTC, datetime

import pytest

from daemon.conftest import make_job
from neuropose.daemon import DaemonAlreadyRunningError, DaemonLock, Interfacer, JobScanner
from neuropose.daemon import _status as status_module
from neuropose.schema import DataDirectory, JobResults, JobStatus, JobStatusEntry, StatusFile, io
from support.fake_estimator import FakeEstimator


def _status(settings):
    return io.load_status(DataDirectory(settings.data_dir).status_path).jobs


def test_jobs_complete_and_inputs_move_beside_results(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(
        data,
        "patient_01",
        {"a.mp4": b"x" * 40, "B.MOV": b"y" * 24},
        {".DS_Store": b"", "notes.txt": b"n"},
    )
    make_job(data, "patient_02", {"c.avi": b"z" * 10})
    estimator = FakeEstimator()
    assert Interfacer(settings, estimator).run(once=True) == 2
    jobs = _status(settings)
    first = jobs["patient_01"]
    assert first.status == JobStatus.COMPLETED
    assert first.videos_total == first.videos_done == 2
    assert first.percent_complete == 100.0
    assert first.ignored_files == (".DS_Store", "notes.txt")
    assert first.results_path == layout.relative(layout.results_path("patient_01"))
    assert first.inputs_path == layout.relative(layout.completed_inputs("patient_01"))
    assert sorted(p.name for p in layout.completed_inputs("patient_01").iterdir()) == [
        ".DS_Store",
        "B.MOV",
        "a.mp4",
        "notes.txt",
    ]
    assert not layout.job_inbox("patient_01").exists()
    results = io.load_job_results(layout.results_path("patient_01"))
    assert [v.video for v in results.videos] == ["B.MOV", "a.mp4"]
    predictions = io.load_predictions(
        layout.job_output("patient_01") / results.videos[1].predictions_path
    )
    assert predictions.frame_count == 40
    assert jobs["patient_02"].status == JobStatus.COMPLETED


def test_progress_is_checkpointed_every_n_frames(settings, monkeypatch):
    make_job(settings.data_dir, "long", {"v.mp4": b"x" * 70})
    saved: list[tuple[int, int | None, float]] = []
    original = status_module.StatusKeeper.save

    def recording_save(self):
        entry = self.jobs.get("long")
        if entry and entry.status == JobStatus.PROCESSING:
            saved.append((entry.frames_done, entry.frames_total, entry.percent_complete))
        return original(self)

    monkeypatch.setattr(status_module.StatusKeeper, "save", recording_save)
    Interfacer(settings, FakeEstimator(batch=8)).run(once=True)
    frames = [f for f, total, _ in saved if total == 70]
    # One write per 16 frames and one at the end of the video, not one per batch of 8.
    assert sorted(set(frames)) == [16, 32, 48, 64, 70]
    assert len(frames) <= 6
    percents = [p for _, _, p in saved]
    assert percents == sorted(percents)


def test_a_video_failing_midway_keeps_the_others_predictions(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "job", {"1_good.mp4": b"g" * 30, "2_bad.mp4": b"FAIL" + b"b" * 60})
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = _status(settings)["job"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith("FakeVideoError: 2_bad.mp4: cannot decode frame")
    assert entry.inputs_path == layout.relative(layout.failed_inputs("job"))
    assert sorted(p.name for p in layout.failed_inputs("job").iterdir()) == [
        "1_good.mp4",
        "2_bad.mp4",
    ]
    assert layout.predictions_path("job", "1_good.mp4").is_file()
    assert not layout.results_path("job").exists()


def test_a_failed_job_moved_back_runs_again(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "job", {"v.mp4": b"FAIL" + b"b" * 40})
    Interfacer(settings, FakeEstimator()).run(once=True)
    (layout.failed_inputs("job") / "v.mp4").write_bytes(b"fixed" * 8)
    os.rename(layout.failed_inputs("job"), layout.job_inbox("job"))
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = _status(settings)["job"]
    assert entry.status == JobStatus.COMPLETED
    assert entry.attempts == 2
    assert entry.error is None


def test_failed_names_get_a_numeric_suffix(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    for _ in range(2):
        make_job(data, "job", {"v.mp4": b"FAIL" * 10})
        Interfacer(settings, FakeEstimator()).run(once=True)
    assert sorted(p.name for p in layout.failed.iterdir()) == ["job", "job.1"]
    assert _status(settings)["job"].inputs_path == layout.relative(layout.failed_inputs("job.1"))


def test_job_without_videos_fails_and_keeps_its_files(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "empty", {}, {"notes.txt": b"hello"})
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = _status(settings)["empty"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith(
        "NoVideosError: job folder empty holds no video file (accepted: .avi"
    )
    assert (layout.failed_inputs("empty") / "notes.txt").read_bytes() == b"hello"


def test_reused_name_of_a_completed_job_is_refused_without_loss(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "job", {"v.mp4": b"first" * 5})
    Interfacer(settings, FakeEstimator()).run(once=True)
    make_job(data, "job", {"v.mp4": b"second" * 5})
    estimator = FakeEstimator()
    Interfacer(settings, estimator).run(once=True)
    assert estimator.calls == []
    entry = _status(settings)["job"]
    assert entry.error is not None
    assert entry.error.startswith("JobNameConflictError")
    assert (layout.failed_inputs("job") / "v.mp4").read_bytes() == b"second" * 5
    assert (layout.completed_inputs("job") / "v.mp4").read_bytes() == b"first" * 5


def test_disk_full_while_saving_predictions(settings, monkeypatch):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "job", {"v.mp4": b"x" * 20})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("neuropose.schema.io.save_predictions", full)
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = _status(settings)["job"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith("OSError: [Errno 28] No space left on device")
    assert (layout.failed_inputs("job") / "v.mp4").is_file()


def test_disk_full_while_saving_status_keeps_the_old_file_and_goes_on(settings, monkeypatch):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "first", {"v.mp4": b"x" * 20})
    Interfacer(settings, FakeEstimator()).run(once=True)
    before = layout.status_path.read_bytes()
    make_job(data, "second", {"v.mp4": b"y" * 20})

    real_save = io.save

    def full_for_status(document, path):
        if path == layout.status_path:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(document, path)

    monkeypatch.setattr("neuropose.schema.io.save", full_for_status)
    daemon = Interfacer(settings, FakeEstimator())
    daemon.run(once=True)
    assert daemon.status.save_failures > 0
    assert layout.status_path.read_bytes() == before
    assert (layout.completed_inputs("second") / "v.mp4").is_file()  # the work itself completed


def test_unwritable_output_fails_the_job_only(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "job", {"v.mp4": b"x" * 20})
    layout.outbox.mkdir(parents=True)
    layout.job_output("job").write_text("a file where the job's output folder should go")
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = _status(settings)["job"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith("FileExistsError")
    assert (layout.failed_inputs("job") / "v.mp4").is_file()


def test_second_daemon_is_refused_with_the_pid(settings):
    settings.data_dir.mkdir(parents=True)
    with (
        DaemonLock(DataDirectory(settings.data_dir).lock_path),
        pytest.raises(DaemonAlreadyRunningError, match=rf"PID {os.getpid()}"),
    ):
        Interfacer(settings, FakeEstimator()).run(once=True)


def test_corrupt_status_is_set_aside_and_rebuilt(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "done", {"v.mp4": b"x" * 20})
    Interfacer(settings, FakeEstimator()).run(once=True)
    layout.status_path.write_text('{"schema_version": 1, "jobs": {"do')
    make_job(data, "new", {"v.mp4": b"y" * 20})
    estimator = FakeEstimator()
    Interfacer(settings, estimator).run(once=True)
    aside = list(layout.outbox.glob(layout.corrupt_status_path("*").name))
    assert len(aside) == 1
    assert aside[0].read_text() == '{"schema_version": 1, "jobs": {"do'
    jobs = _status(settings)
    assert jobs["done"].status == JobStatus.COMPLETED
    assert jobs["new"].status == JobStatus.COMPLETED
    assert [p.parent.name for p in estimator.calls] == ["new"]


def _write_status(settings, entries):
    layout = DataDirectory(settings.data_dir)
    layout.outbox.mkdir(parents=True, exist_ok=True)
    io.save(StatusFile(jobs={e.name: e for e in entries}), layout.status_path)


def test_interrupted_job_is_quarantined_on_restart(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "crashed", {"v.mp4": b"x" * 20})
    _write_status(
        settings, [JobStatusEntry(name="crashed", status=JobStatus.PROCESSING, attempts=1)]
    )
    estimator = FakeEstimator()
    Interfacer(settings, estimator).run(once=True)
    entry = _status(settings)["crashed"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith(
        "InterruptedJobError: the daemon stopped while this job was running"
    )
    assert (layout.failed_inputs("crashed") / "v.mp4").is_file()
    assert estimator.calls == []


def test_job_whose_results_were_written_before_the_crash_completes_without_rerun(settings):
    data = settings.data_dir
    layout = DataDirectory(data)
    make_job(data, "almost", {"v.mp4": b"x" * 20})
    layout.job_output("almost").mkdir(parents=True)
    now = datetime.now(UTC)
    io.save(
        JobResults(job="almost", videos=(), started_at=now, finished_at=now),
        layout.results_path("almost"),
    )
    _write_status(settings, [JobStatusEntry(name="almost", status=JobStatus.PROCESSING)])
    estimator = FakeEstimator()
    Interfacer(settings, estimator).run(once=True)
    assert _status(settings)["almost"].status == JobStatus.COMPLETED
    assert (layout.completed_inputs("almost") / "v.mp4").is_file()
    assert estimator.calls == []


def test_scanner_waits_for_a_copy_to_settle(tmp_path):
    inbox = DataDirectory(tmp_path).inbox
    folder = inbox / "job"
    folder.mkdir(parents=True)
    video = folder / "v.mp4"
    video.write_bytes(b"x")
    now = {"t": video.stat().st_mtime}
    scanner = JobScanner(inbox, settle_time_s=5.0, clock=lambda: now["t"])
    assert scanner.ready() == ([], ["job"])  # just written
    now["t"] += 6
    with open(video, "ab") as handle:  # the copy goes on, keeping... a fresh mtime
        handle.write(b"more")
    os.utime(video, (now["t"] - 10, now["t"] - 10))  # ... or preserving an old one (cp -p)
    os.utime(folder, (now["t"] - 10, now["t"] - 10))
    assert scanner.ready()[0] == []  # size changed since the last scan
    ready, waiting = scanner.ready()
    assert [job.name for job in ready] == ["job"]
    assert waiting == []


def test_status_json_is_valid_json_with_entries_named(settings):
    make_job(settings.data_dir, "j", {"v.mp4": b"x" * 9})
    Interfacer(settings, FakeEstimator()).run(once=True)
    raw = json.loads(DataDirectory(settings.data_dir).status_path.read_text())
    assert raw["schema_version"] == 1
    assert raw["jobs"]["j"]["name"] == "j"
    assert raw["daemon_pid"] == os.getpid()
