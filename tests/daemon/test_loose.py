"""A video dropped loose in in/ (not in a job folder) becomes a one-video job, never ignored."""

from __future__ import annotations

import os

from daemon.conftest import make_job
from neuropose.daemon import Interfacer, JobScanner
from neuropose.schema import DataDirectory, JobStatus, io
from support.fake_estimator import FakeEstimator


def test_a_loose_video_becomes_a_job_named_after_it(settings):
    layout = DataDirectory(settings.data_dir)
    layout.create()
    (layout.inbox / "trial.MP4").write_bytes(b"x" * 30)
    (layout.inbox / "notes.txt").write_bytes(b"not a video")
    estimator = FakeEstimator()
    assert Interfacer(settings, estimator).run(once=True) == 1
    entry = io.load_status(layout.status_path).jobs["trial"]
    assert entry.status == JobStatus.COMPLETED
    assert (layout.completed_inputs("trial") / "trial.MP4").read_bytes() == b"x" * 30
    assert layout.predictions_path("trial", "trial.MP4").is_file()
    assert (layout.inbox / "notes.txt").is_file()  # not a video: left where it is


def test_a_loose_video_takes_a_free_name(settings):
    layout = DataDirectory(settings.data_dir)
    make_job(settings.data_dir, "trial", {"a.mp4": b"a" * 20})
    (layout.inbox / "trial.mp4").write_bytes(b"b" * 20)
    Interfacer(settings, FakeEstimator()).run(once=True)
    jobs = io.load_status(layout.status_path).jobs
    assert {jobs["trial"].status, jobs["trial.1"].status} == {JobStatus.COMPLETED}
    assert (layout.completed_inputs("trial.1") / "trial.mp4").read_bytes() == b"b" * 20


def test_a_loose_video_waits_for_the_same_settle_rule(tmp_path):
    inbox = DataDirectory(tmp_path).inbox
    inbox.mkdir()
    video = inbox / "v.mp4"
    video.write_bytes(b"x")
    now = {"t": video.stat().st_mtime}
    scanner = JobScanner(inbox, settle_time_s=5.0, clock=lambda: now["t"])
    assert scanner.loose() == ([], ["v.mp4"])  # just written
    now["t"] += 6
    with open(video, "ab") as handle:  # still copying, with its original time kept
        handle.write(b"more")
    os.utime(video, (now["t"] - 10, now["t"] - 10))
    assert scanner.loose() == ([], ["v.mp4"])  # changed since the last scan
    assert scanner.loose() == ([video], [])


def test_an_interrupted_adoption_is_finished_at_start(settings):
    layout = DataDirectory(settings.data_dir)
    layout.create()
    staging = layout.adoption_path("clip")
    staging.mkdir()
    (staging / "clip.mp4").write_bytes(b"c" * 20)  # killed between the two renames
    layout.adoption_path("gone").mkdir()  # killed before the video moved in
    Interfacer(settings, FakeEstimator()).run(once=True)
    assert io.load_status(layout.status_path).jobs["clip"].status == JobStatus.COMPLETED
    assert (layout.completed_inputs("clip") / "clip.mp4").is_file()
    assert sorted(p.name for p in layout.inbox.iterdir()) == []
