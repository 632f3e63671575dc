"""Time a session report of a 5-minute video, and the overlay video's encoding speed.

Builds a 640x360, 30 fps video of ``--seconds`` seconds (5 minutes by default) with two tracked
people, one flexing an elbow (tests/support/sessions.py), and its predictions. Then, in this
process (so first imports are counted, as in a fresh ``neuropose report``):

1. the report without the overlay: analysis, plots and page, against the goal of 20 s;
2. the overlay alone (decode, draw, H.264 encode) as a multiple of real time, against the
   goal of 2x on a 2-core CPU;
3. the whole report with the overlay embedded or linked, for reference.

Run: ``uv run python scripts/bench/report.py [--seconds S] [--size 640x360]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from support.sessions import session_predictions, write_session_video

REPORT_GOAL_S = 20.0
OVERLAY_GOAL_X = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    print(f"cores: {os.cpu_count()}; video: {args.seconds:g} s, {width}x{height}, 30 fps")
    with tempfile.TemporaryDirectory(prefix="neuropose-bench-report-") as folder:
        root = Path(folder)
        started = time.perf_counter()
        video = write_session_video(root / "session.mp4", args.seconds, size=(width, height))
        predictions = session_predictions(video, second_person=True, tracks=True)
        print(
            f"inputs: {predictions.frame_count} frames, 2 tracked people, built in "
            f"{time.perf_counter() - started:.1f} s (not counted)"
        )

        from neuropose.analysis.report import render_overlay, resolve_subject, write_report

        started = time.perf_counter()
        files = write_report(predictions, root / "report.html", task="reach", overlay=False)
        elapsed = time.perf_counter() - started
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in files.timings_s.items())
        verdict = "meets" if elapsed <= REPORT_GOAL_S else "MISSES"
        print(
            f"report without overlay: {elapsed:.2f} s ({stages}); {verdict} the goal of "
            f"<= {REPORT_GOAL_S:g} s; page {files.html.stat().st_size / 1e6:.2f} MB, "
            f"{len(files.content.repetitions)} repetitions"
        )

        subject = resolve_subject(predictions, "auto")
        result = render_overlay(predictions, video, root / "overlay.mp4", subject=subject)
        verdict = "meets" if result.speed >= OVERLAY_GOAL_X else "MISSES"
        print(
            f"overlay: {result.frames} frames in {result.elapsed_s:.1f} s = "
            f"{result.frames / result.elapsed_s:.0f} frames/s = {result.speed:.1f}x real time; "
            f"{verdict} the goal of >= {OVERLAY_GOAL_X:g}x; {result.size_bytes / 1e6:.1f} MB"
        )

        started = time.perf_counter()
        files = write_report(predictions, root / "full.html", video=video, task="reach")
        embedded = files.content.data["overlay"]["embedded"]
        print(
            f"report with overlay ({'embedded' if embedded else 'linked'}): "
            f"{time.perf_counter() - started:.1f} s"
        )


if __name__ == "__main__":
    main()
