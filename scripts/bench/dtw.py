"""Exact DTW against fastdtw, measured in one run.

Sequences are 72-dimensional (24 joints x 3, the SMPL skeleton) random walks, like pose
trajectories. Prints exact DTW and fastdtw (radius 1) times at 300 and 3000 frames, the speed
ratio (target at 300 frames: exact >= 10x faster than fastdtw), how far fastdtw's approximate
distance is from the exact one, and the all-pairs distance matrix for 50 trials on every core.

Run: ``uv run python scripts/bench/dtw.py``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neuropose.analysis.dtw import dtw, dtw_distance_matrix


def _walk(rng: np.random.Generator, frames: int, dims: int = 72) -> np.ndarray:
    return np.cumsum(rng.normal(0, 5, (frames, dims)), axis=0)


def _best_of(repeats: int, function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - started)
    return best, result


_FIRST_CALL = (
    "import time, numpy as np\n"
    "started = time.perf_counter()\n"
    "from neuropose.analysis.dtw import dtw\n"
    "dtw(np.zeros((5, 3)), np.ones((6, 3)))\n"
    "print(time.perf_counter() - started)\n"
)


def _first_call_s(cache: Path) -> float:
    """Seconds for import + first exact DTW in a fresh process using ``cache`` for numba."""
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL],
        env={**os.environ, "NUMBA_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        cold = _first_call_s(Path(cache))
        warm = _first_call_s(Path(cache))
    print(
        f"first exact DTW in a fresh process: {cold:.2f} s compiling, {warm:.2f} s once cached on disk"
    )
    rng = np.random.default_rng(0)
    dtw(_walk(rng, 10), _walk(rng, 10))  # compile (or load) before timing
    print(
        f"{'frames':>6s} {'exact s':>9s} {'fastdtw s':>10s} {'fastdtw/exact':>14s} {'fastdtw error':>14s}"
    )
    for frames in (300, 3000):
        a, b = _walk(rng, frames), _walk(rng, int(frames * 1.1))
        repeats = 3 if frames <= 300 else 1
        exact_s, exact = _best_of(repeats, dtw, a, b)
        fast_s, fast = _best_of(repeats, dtw, a, b, method="fastdtw", radius=1)
        error = (fast.distance - exact.distance) / exact.distance
        print(f"{frames:6d} {exact_s:9.3f} {fast_s:10.3f} {fast_s / exact_s:13.1f}x {error:+13.2%}")
    trials = [_walk(rng, int(rng.integers(250, 350))) for _ in range(args.trials)]
    pairs = args.trials * (args.trials - 1) // 2
    serial_s, serial = _best_of(1, dtw_distance_matrix, trials[:10], workers=1)
    parallel_s, matrix = _best_of(1, dtw_distance_matrix, trials)
    assert np.allclose(matrix[:10, :10], serial)
    print(
        f"all-pairs matrix, {args.trials} trials of 250-350 frames ({pairs} pairs): {parallel_s:.2f} s "
        f"on {os.cpu_count()} cores ({parallel_s / pairs * 1000:.1f} ms/pair; one core: "
        f"{serial_s / 45 * 1000:.1f} ms/pair)"
    )


if __name__ == "__main__":
    main()
