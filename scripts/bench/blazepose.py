"""BlazePose (MediaPipe PoseLandmarker, VIDEO mode) model-only throughput at 640x360.

Decodes the real-person sample clip (scikit-image's astronaut, moved by known transforms; 50 of
every 60 frames show her) into memory, then times only the landmarker over it, several rounds,
and prints frames per second per round and the median. End-to-end throughput (decoding
overlapped with inference) comes with the backend integration.

The bundle comes from the model store: Google's ``.task`` where reachable, else built from the
pinned mediapipe wheel that pip fetches from the configured package index. It and the clip are
cached in ``$XDG_CACHE_HOME/neuropose-bench`` (outside the repository).

Run: ``uv run python scripts/bench/blazepose.py [--model blazepose-full|PATH.task]
[--num-poses 2] [--frames 300] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "neuropose-bench"


def _bundle(model: str) -> Path:
    from neuropose.estimator import ModelStore

    as_path = Path(model).expanduser()
    if as_path.is_file():
        return as_path
    cached = ModelStore(CACHE / "store").ensure(model)
    if cached.task_file is None:
        raise SystemExit(f"{model} is not a BlazePose bundle")
    return cached.task_file


def _frames(count: int) -> tuple[np.ndarray, list[float]]:
    from neuropose.estimator import FrameReader
    from neuropose.estimator._sample_clip import sample_clip

    path = CACHE / f"astronaut_640x360_{count}.mp4"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        sample_clip(path, frames=count)
    frames: list[np.ndarray] = []
    times: list[float] = []
    with FrameReader(path) as reader:
        for frame in reader:
            frames.append(np.ascontiguousarray(frame.rgb))
            times.append(frame.time_s)
    return np.stack(frames), times


def main() -> None:
    parser = argparse.ArgumentParser(description="BlazePose model-only throughput at 640x360.")
    parser.add_argument("--model", default="blazepose-full", help="variant name or .task path")
    parser.add_argument("--num-poses", type=int, default=2)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from neuropose.estimator._blazepose import BlazePoseRunner

    bundle = _bundle(args.model)
    frames, times = _frames(args.frames)
    print(
        f"BlazePose {bundle.name}, num_poses {args.num_poses}: model only on "
        f"{len(frames)} frames {frames.shape[2]}x{frames.shape[1]} (sample clip, {os.cpu_count()} CPUs)"
    )
    rates = []
    with BlazePoseRunner(bundle, num_poses=args.num_poses) as runner:
        runner.estimate(frames[:10], times[:10])  # first calls allocate; not timed
        for index in range(args.rounds):
            runner.reset()
            started = time.perf_counter()
            poses = runner.estimate(frames, times)
            elapsed = time.perf_counter() - started
            rates.append(len(frames) / elapsed)
            found = sum(p.count > 0 for p in poses)
            print(
                f"  round {index}: {rates[-1]:6.1f} frames/s ({elapsed / len(frames) * 1000:5.1f} ms "
                f"per frame), a person in {found} of {len(frames)} frames"
            )
    print(f"  median: {statistics.median(rates):.1f} frames/s (goal end to end: >= 30)")


if __name__ == "__main__":
    main()
