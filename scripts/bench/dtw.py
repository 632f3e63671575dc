"""Exact DTW against fastdtw, measured in one run.

Sequences are 72-dimensional (24 joints x 3, the SMPL skeleton) random walks, like pose
trajectories. Prints exact DTW and fastdtw (radius 1) times at 300 and 3000 frames, the speed
ratio (target at 300 frames: exact >= 10x faster than fastdtw), how far fastdtw's approximate
distance is from the exact one, the all-pairs distance matrix for 50 trials on every core, and
a windowed DTW of two 30-minute trials (54,000 frames each at 30 fps, one-second window): its
time and the peak memory it adds (resident set size sampled every millisecond in a fresh
process; goal: well under 1 GB), against the full n x m table an unbanded DTW would need.

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


_LONG_WINDOWED = """
import os, resource, sys, threading, time
import numpy as np
from neuropose.analysis.dtw import dtw

frames, window = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a = np.cumsum(rng.normal(0, 5, (frames, 72)), axis=0)
b = np.cumsum(rng.normal(0, 5, (frames, 72)), axis=0)
dtw(a[:50], b[:60], window=window)  # compile or load the kernel first


def rss() -> int:
    if os.path.exists("/proc/self/statm"):
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


baseline, peak, done = rss(), [0], threading.Event()


def sample() -> None:
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.001)


sampler = threading.Thread(target=sample)
sampler.start()
started = time.perf_counter()
result = dtw(a, b, window=window)
elapsed = time.perf_counter() - started
done.set()
sampler.join()
peak[0] = max(peak[0], rss())
print(elapsed, peak[0] - baseline, len(result.path))
"""


def _long_windowed(frames: int, window: int) -> tuple[float, int, int]:
    """Seconds, peak extra bytes and path length of a windowed DTW, in a fresh process."""
    result = subprocess.run(
        [sys.executable, "-c", _LONG_WINDOWED, str(frames), str(window)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds, extra, steps = result.stdout.split()
    return float(seconds), int(extra), int(steps)


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
    frames, window = 54_000, 30
    seconds, extra, steps = _long_windowed(frames, window)
    full_gb = frames * frames * 8 / 1e9
    print(
        f"windowed exact DTW, 2 x {frames} frames (30 min at 30 fps), window {window} frames "
        f"(1 s): {seconds:.2f} s, peak memory added {extra / 1e6:.0f} MB (goal < 1000 MB; one "
        f"full {frames} x {frames} float64 table would be {full_gb:.0f} GB), {steps} path steps"
    )


if __name__ == "__main__":
    main()
