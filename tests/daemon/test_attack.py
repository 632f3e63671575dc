"""Kill the daemon at random moments, restart it, and check nothing is ever lost or run twice."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from neuropose.schema import DataDirectory, JobStatus, io

RUNNER = Path(__file__).resolve().parents[1] / "support" / "daemon_runner.py"


def _start(data: Path, log: Path, seconds_per_frame: float, *extra: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), str(data), str(log), str(seconds_per_frame), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "started"
    return process


def _add_jobs(
    data: Path, rng: random.Random, first: int, count: int, originals: dict[tuple[str, str], bytes]
) -> None:
    for number in range(first, first + count):
        name = f"job_{number:03d}"
        folder = DataDirectory(data).job_inbox(name)
        folder.mkdir(parents=True)
        for video in range(rng.randint(1, 3)):
            content = (b"FAIL" if rng.random() < 0.1 else b"") + rng.randbytes(rng.randint(16, 160))
            (folder / f"v{video}.mp4").write_bytes(content)
            originals[(name, f"v{video}.mp4")] = content


def _check_invariants(data: Path, log: Path, originals: dict[tuple[str, str], bytes]) -> None:
    layout = DataDirectory(data)
    if layout.status_path.exists():
        io.load_status(layout.status_path)  # valid JSON and valid contents
    for job in {job for job, _ in originals}:
        if layout.results_path(job).exists():
            io.load_job_results(layout.results_path(job))
    for (job, video), content in originals.items():
        places = [layout.job_inbox(job) / video, layout.completed_inputs(job) / video]
        places += [
            folder / video
            for folder in layout.failed.glob(f"{job}*")
            if folder.name == job or folder.name.startswith(f"{job}.")
        ]
        found = [p for p in places if p.exists()]
        assert len(found) == 1, f"{job}/{video} is in {found}"
        assert found[0].read_bytes() == content, f"{job}/{video} changed"
    if log.exists():
        runs = Counter(log.read_text().split())
        twice = [video for video, count in runs.items() if count > 1]
        assert not twice, f"processed more than once: {twice}"


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing(tmp_path):
    data, log = tmp_path / "data", tmp_path / "processed.log"
    rng = random.Random(20261123)
    originals: dict[tuple[str, str], bytes] = {}
    _add_jobs(data, rng, 0, 10, originals)
    kills = 0
    for round_number in range(10):
        process = _start(data, log, 0.002)
        time.sleep(rng.uniform(0.05, 0.8))
        process.kill()
        process.wait()
        kills += 1
        _check_invariants(data, log, originals)
        _add_jobs(data, rng, 10 + 3 * round_number, 3, originals)
    final = _start(data, log, 0.0, "--once")
    assert final.wait(timeout=120) == 0, final.stderr.read() if final.stderr else ""
    _check_invariants(data, log, originals)
    outbox = DataDirectory(data).outbox
    leftovers = [p for p in outbox.rglob("*") if io.TemporaryFile.parse(p)]
    assert not leftovers, f"temporaries left by killed writes: {leftovers}"
    jobs = io.load_status(DataDirectory(data).status_path).jobs
    names = {job for job, _ in originals}
    assert set(jobs) == names
    outcomes = Counter(entry.status for entry in jobs.values())
    assert set(outcomes) <= {JobStatus.COMPLETED, JobStatus.FAILED}
    for entry in jobs.values():
        if entry.status == JobStatus.FAILED:
            assert entry.error is not None
            assert entry.error.split(":")[0] in {"InterruptedJobError", "FakeVideoError"}
        else:
            results = io.load_job_results(DataDirectory(data).results_path(entry.name))
            assert len(results.videos) == entry.videos_total
    print(f"{kills} kills, {len(names)} jobs, {len(originals)} videos: {dict(outcomes)}")
    assert outcomes[JobStatus.COMPLETED] > 0


def _job(data: Path, name: str, size: int) -> None:
    folder = DataDirectory(data).job_inbox(name)
    folder.mkdir(parents=True)
    (folder / "v.mp4").write_bytes(b"x" * size)


def _wait_for_processing(data: Path, name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            entry = io.load_status(DataDirectory(data).status_path).jobs.get(name)
        except Exception:
            entry = None
        if entry is not None and entry.status == JobStatus.PROCESSING and entry.frames_done > 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"{name} never started")


def test_sigterm_finishes_the_current_job_then_stops(tmp_path):
    data, log = tmp_path / "data", tmp_path / "log"
    _job(data, "a_first", 300)
    _job(data, "b_second", 300)
    process = _start(data, log, 0.004)
    _wait_for_processing(data, "a_first")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    jobs = io.load_status(DataDirectory(data).status_path).jobs
    assert jobs["a_first"].status == JobStatus.COMPLETED
    assert (DataDirectory(data).job_inbox("b_second") / "v.mp4").exists()
    assert jobs.get("b_second") is None or jobs["b_second"].status == JobStatus.PENDING


def test_a_second_signal_stops_at_once_and_records_the_interruption(tmp_path):
    data, log = tmp_path / "data", tmp_path / "log"
    _job(data, "long", 400)
    process = _start(data, log, 0.01)
    _wait_for_processing(data, "long")
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) != 0
    entry = io.load_status(DataDirectory(data).status_path).jobs["long"]
    assert entry.status == JobStatus.FAILED
    assert entry.error is not None
    assert entry.error.startswith("InterruptedJobError: stopped at once by a second SIGINT")
    assert f"(v.mp4: after {entry.frames_done} of 400 frames)" in entry.error
    assert "its videos are now in failed/long" in entry.error
    assert (DataDirectory(data).failed_inputs("long") / "v.mp4").exists()


def test_idle_polling_costs_almost_no_cpu(tmp_path):
    data, log = tmp_path / "data", tmp_path / "log"
    process = _start(data, log, 0.0)
    try:
        watcher = psutil.Process(process.pid)
        time.sleep(0.5)
        before = sum(watcher.cpu_times()[:2])
        time.sleep(2.0)
        used = sum(watcher.cpu_times()[:2]) - before
    finally:
        process.kill()
        process.wait()
    # 40 scans of an empty in/ at a 0.05 s interval; the default interval is 2 s.
    assert used < 0.25, f"idle daemon used {used:.2f} s of CPU in 2 s"


def test_second_daemon_process_is_refused(tmp_path):
    data, log = tmp_path / "data", tmp_path / "log"
    first = _start(data, log, 0.0)
    try:
        second = subprocess.run(
            [sys.executable, str(RUNNER), str(data), str(log), "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        first.kill()
        first.wait()
    assert second.returncode != 0
    assert f"(PID {first.pid}) is already running" in second.stderr
