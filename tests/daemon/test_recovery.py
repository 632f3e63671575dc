"""What a kill leaves behind is resolved at the next start: temporaries, and where folders are."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from daemon.conftest import make_job
from daemon.test_attack import RUNNER
from neuropose.daemon import Interfacer
from neuropose.schema import DataDirectory, JobStatus, JobStatusEntry, StatusFile, io
from support.fake_estimator import FakeEstimator


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_temporaries_of_killed_writers_are_removed_and_nothing_else(settings, caplog):
    layout = DataDirectory(settings.data_dir)
    make_job(settings.data_dir, "done", {"v.mp4": b"x" * 20})
    Interfacer(settings, FakeEstimator()).run(once=True)
    dead = _dead_pid()
    status_tmp = layout.outbox / f".status.json.{dead}-0123456789ab.tmp"
    results_tmp = layout.job_output("done") / f".results.json.{dead}-abcdefabcdef.tmp"
    old_style = layout.outbox / ".status.json.00aa11bb22cc.tmp"  # before the PID was in the name
    live = layout.outbox / f".status.json.{os.getpid()}-0123456789ab.tmp"  # a writer still at it
    fresh_old_style = layout.job_output("done") / ".results.json.ffeeddccbbaa.tmp"
    users = [
        layout.completed_inputs("done") / f".notes.{dead}-0123456789ab.tmp",  # inside inputs
        layout.outbox / "draft.tmp",
        layout.outbox / f".status.json.{dead}-xyz.tmp",  # not our token
    ]
    for path in [status_tmp, results_tmp, old_style, live, fresh_old_style, *users]:
        path.write_bytes(b"partial")
    an_hour_ago = time.time() - 3700
    os.utime(old_style, (an_hour_ago, an_hour_ago))
    Interfacer(settings, FakeEstimator()).run(once=True)
    assert not status_tmp.exists()
    assert not results_tmp.exists()
    assert not old_style.exists()
    assert live.exists()
    assert fresh_old_style.exists()  # an old-style name untouched for less than an hour
    assert all(path.exists() for path in users)
    assert "removed 3 temporary file(s) left by an interrupted write" in caplog.text


def test_every_temporary_name_atomic_write_makes_is_recognised(tmp_path):
    target = tmp_path / "status.json"
    made = io.temporary_path(target)
    parsed = io.TemporaryFile.parse(made)
    assert parsed is not None
    assert parsed.target == "status.json"
    assert parsed.pid == os.getpid()
    assert io.TemporaryFile.parse(tmp_path / "status.json") is None


def _write_status(settings, *entries: JobStatusEntry) -> None:
    layout = DataDirectory(settings.data_dir)
    layout.outbox.mkdir(parents=True, exist_ok=True)
    io.save(StatusFile(jobs={e.name: e for e in entries}), layout.status_path)


def test_a_job_moved_to_failed_before_the_status_was_saved_is_found_there(settings):
    layout = DataDirectory(settings.data_dir)
    layout.failed.mkdir(parents=True)
    older = layout.failed_inputs("job")
    older.mkdir()
    (older / "v.mp4").write_bytes(b"first attempt")
    time.sleep(0.02)
    newer = make_job(settings.data_dir, "job", {"v.mp4": b"second attempt"})
    os.rename(newer, layout.failed / "job.1")  # the kill came right after this move
    _write_status(
        settings,
        JobStatusEntry(name="job", status=JobStatus.PROCESSING, attempts=2, inputs_path="in/job"),
    )
    Interfacer(settings, FakeEstimator()).run(once=True)
    entry = io.load_status(layout.status_path).jobs["job"]
    assert entry.status == JobStatus.FAILED
    assert entry.inputs_path == "failed/job.1"
    assert entry.error is not None
    assert entry.error.startswith("InterruptedJobError")
    assert "its videos are now in failed/job.1" in entry.error


def test_entries_are_rebuilt_from_where_the_folders_are(settings):
    layout = DataDirectory(settings.data_dir)
    make_job(settings.data_dir, "done", {"v.mp4": b"x" * 20})
    make_job(settings.data_dir, "lost", {"v.mp4": b"y" * 20})
    Interfacer(settings, FakeEstimator()).run(once=True)
    # An entry lost track of its folder, and another finished job has no entry at all.
    entries = io.load_status(layout.status_path).jobs
    _write_status(
        settings,
        entries["done"].model_copy(update={"inputs_path": None}),
    )
    Interfacer(settings, FakeEstimator()).run(once=True)
    jobs = io.load_status(layout.status_path).jobs
    assert jobs["done"].inputs_path == "out/done/inputs"
    assert jobs["lost"].status == JobStatus.COMPLETED
    assert jobs["lost"].inputs_path == "out/lost/inputs"


def test_a_kill_right_after_the_move_to_failed_leaves_a_true_status(tmp_path):
    data, log = tmp_path / "data", tmp_path / "log"
    make_job(data, "bad", {"v.mp4": b"FAIL" + b"b" * 60})
    layout = DataDirectory(data)
    killed = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            str(data),
            str(log),
            "0",
            "--once",
            "--kill-after-failed-move",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    assert (layout.failed_inputs("bad") / "v.mp4").is_file()
    assert io.load_status(layout.status_path).jobs["bad"].status == JobStatus.PROCESSING
    again = subprocess.run(
        [sys.executable, str(RUNNER), str(data), str(log), "0", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    entry = io.load_status(layout.status_path).jobs["bad"]
    assert entry.status == JobStatus.FAILED
    assert entry.inputs_path == "failed/bad"
    assert entry.error is not None
    assert "its videos are now in failed/bad" in entry.error
