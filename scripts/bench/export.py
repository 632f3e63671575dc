"""Export a 30-minute predictions file to every format and print the seconds each takes.

Builds 54,000 frames (30 min at 30 fps) of one tracked person with 43 joints, per-joint
confidence and quality flags, then writes each format of ``neuropose.analysis.export.FORMATS``
to a temporary directory. For each format it prints the import time of the library the format
needs, the first write in this process (includes one-off work such as loading compiled code)
and the best of ``--repeats`` further writes, plus the file size.

Goal (issue 17): <= 5 s per format, Parquet <= 1 s, on a 2-core CPU.

Run: ``uv run python scripts/bench/export.py [--frames N] [--repeats R]``
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from neuropose.analysis.export import FORMATS, ExportData, ExportFormat, export_data
from neuropose.schema import VideoPredictions
from support.predictions import make_predictions

_LIBRARIES = {"nwb": ("pynwb", "ndx_pose"), "c3d": ("ezc3d",), "parquet": ("pyarrow.parquet",)}
_GOALS = {"parquet": 1.0}
_DEFAULT_GOAL = 5.0


def _write(
    spec: ExportFormat,
    target: Path,
    data: ExportData,
    predictions: VideoPredictions,
    angles: np.ndarray,
) -> None:
    if spec.takes == "series":
        spec.writer(data, target, force=True)
    elif spec.takes == "angles":
        spec.writer(target, data.times_s, angles, [f"angle{i}" for i in range(10)], force=True)
    else:
        spec.writer(predictions, target, force=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=54_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    predictions = make_predictions(args.frames, 1, 43, confidence=True, tracks=True)
    flags = np.ones((*predictions.track_ids.shape, 43), np.uint8)
    start = time.perf_counter()
    data = export_data(predictions, flags=flags)
    gather_s = time.perf_counter() - start
    angles = np.random.default_rng(0).uniform(0, 180, (args.frames, 10))
    print(f"{args.frames} frames x 1 person x 43 joints; export_data {gather_s:.3f} s")
    print(f"{'format':8s} {'import s':>9s} {'first s':>8s} {'best s':>8s} {'MB':>7s}  goal")
    with tempfile.TemporaryDirectory() as folder:
        for name, spec in FORMATS.items():
            if not spec.available:
                print(f"{name:8s} skipped: {spec.module} is not installed")
                continue
            start = time.perf_counter()
            for module in _LIBRARIES.get(name, ()):
                importlib.import_module(module)
            import_s = time.perf_counter() - start
            target = Path(folder) / f"bench{spec.suffix}"
            start = time.perf_counter()
            _write(spec, target, data, predictions, angles)
            first_s = time.perf_counter() - start
            runs = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                _write(spec, target, data, predictions, angles)
                runs.append(time.perf_counter() - start)
            best = min(runs) if runs else first_s
            goal = _GOALS.get(name, _DEFAULT_GOAL)
            verdict = "ok" if best <= goal else "SLOW"
            size = target.stat().st_size / 1e6
            print(
                f"{name:8s} {import_s:9.3f} {first_s:8.3f} {best:8.3f} {size:7.1f}  "
                f"<= {goal:g} s {verdict}"
            )


if __name__ == "__main__":
    main()
