"""Save and load times and sizes of a 30-minute predictions file, for each way of storing it.

Builds 54,000 frames (30 min at 30 fps) of one person with 43 joints (smooth motion plus 3 mm
jitter, the 2D pose the projection of the 3D pose, as MeTRAbs gives it), then saves and loads
(with full validation) every route and checks each round-trips bit for bit:

- ``npz`` (default): byte planes, deflated, the 2D pose stored as its residual against the
  projected 3D pose;
- ``npz, 2D as byte planes``: the encoding of files written before the residual existed;
- ``npz raw``: uncompressed arrays;
- ``json``: one object per frame.

Prints absolute numbers and ratios from this one run. Targets (issue 13): the default ``.npz``
is <= 25 MB and loads, validated, in <= 0.1 s.

Run: ``uv run python scripts/bench/predictions_io.py [--frames N] [--repeats N]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from neuropose.schema import VideoPredictions, io
from neuropose.schema._binary import write_npz
from support.predictions import make_predictions


def _timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def _bit_identical(a: VideoPredictions, b: VideoPredictions) -> bool:
    if a.header() != b.header():
        return False
    for name, array in a.arrays().items():
        other = b.arrays()[name]
        if array is None or other is None:
            if array is not other:
                return False
        elif array.tobytes(order="C") != np.ascontiguousarray(other).tobytes():
            return False
    return True


def _save_with(predictions: VideoPredictions, path: Path, *, project: bool, split: bool) -> None:
    io.atomic_write(
        path,
        lambda handle: write_npz(
            handle,
            predictions.header(),
            predictions.arrays(),
            compress=True,
            project=project,
            split=split,
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=54_000)
    parser.add_argument("--repeats", type=int, default=7, help="best-of for binary loads")
    args = parser.parse_args()
    predictions = make_predictions(args.frames, 1, 43)
    routes: list[tuple[str, str, Callable[[Path], None]]] = [
        ("npz (default)", "p.npz", lambda p: io.save_predictions(predictions, p)),
        (
            "npz, all deflated",
            "deflated.npz",
            lambda p: _save_with(predictions, p, project=True, split=False),
        ),
        (
            "npz, 2D as planes",
            "planes.npz",
            lambda p: _save_with(predictions, p, project=False, split=True),
        ),
        (
            "npz, 0.1 layout",
            "old.npz",
            lambda p: _save_with(predictions, p, project=False, split=False),
        ),
        ("npz raw", "raw.npz", lambda p: io.save_predictions(predictions, p, compress=False)),
        ("json", "p.json", lambda p: io.save_predictions(predictions, p)),
    ]
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, name, save in routes:
            path = Path(folder) / name
            _, save_s = _timed(save, path)
            loads = []
            loaded = None
            for _ in range(1 if label == "json" else args.repeats):
                loaded, load_s = _timed(io.load_predictions, path)
                loads.append(load_s)
            assert loaded is not None
            assert _bit_identical(loaded, predictions), f"{label} did not round-trip exactly"
            results[label] = (save_s, min(loads), path.stat().st_size / 1e6)
    json_load = results["json"][1]
    print(f"{args.frames} frames x 1 person x 43 joints; loads validated, best of {args.repeats}")
    print(f"{'route':20s} {'save s':>8s} {'load s':>8s} {'MB':>8s} {'JSON load / load':>17s}")
    for label, (save_s, load_s, size) in results.items():
        print(f"{label:20s} {save_s:8.3f} {load_s:8.3f} {size:8.1f} {json_load / load_s:16.1f}x")
    _, load_s, size = results["npz (default)"]
    print(
        f"default npz: {size:.1f} MB (target <= 25), load {load_s:.3f} s (target <= 0.1), "
        f"{json_load / load_s:.0f}x faster than JSON"
    )


if __name__ == "__main__":
    main()
