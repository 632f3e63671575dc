"""The daemon's after-job hook through the real command: ``neuropose watch`` writes a session
report beside each job's results (daemon, estimator, analysis and CLI together)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from neuropose.schema import DataDirectory, io


@pytest.mark.slow
def test_watch_writes_a_report_beside_the_results(tmp_path):
    from neuropose.estimator.standin import build_standin_model
    from support.videos import write_video

    data = tmp_path / "data"
    env = {
        **os.environ,
        "NEUROPOSE_DATA_DIR": str(data),
        "NEUROPOSE_MODEL_DIR": str(tmp_path / "models"),
        "NEUROPOSE_MODEL": str(build_standin_model(tmp_path / "standin")),
        "NEUROPOSE_SKELETON": "smpl_24",
        "NEUROPOSE_NUM_AUG": "1",
        "NEUROPOSE_SETTLE_TIME_S": "0",
    }
    job = DataDirectory(data).job_inbox("walk")
    job.mkdir(parents=True)
    write_video(job / "trial.mp4", 12)
    watch = subprocess.run(
        [sys.executable, "-m", "neuropose.cli", "watch", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert watch.returncode == 0, watch.stderr
    layout = DataDirectory(data)
    report = layout.job_output("walk") / "trial.mp4.report.html"
    assert report.is_file(), watch.stderr
    entry = io.load_status(layout.status_path).jobs["walk"]
    assert entry.hook_error is None
    assert layout.relative(report) in entry.outputs
