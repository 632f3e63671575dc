"""Generate small test videos with known content (OpenCV writers, ffmpeg for metadata tricks)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

Painter = Callable[[int], np.ndarray]


def square_at(x: int, y: int, size: int = 16, width: int = 160, height: int = 120) -> np.ndarray:
    """A black BGR frame with one white square whose top-left corner is ``(x, y)``."""
    frame = np.zeros((height, width, 3), np.uint8)
    frame[y : y + size, x : x + size] = 255
    return frame


def moving_square(index: int, width: int = 160, height: int = 120) -> np.ndarray:
    """The square moves right by 2 px a frame in the left half; every 5th frame is empty."""
    if index % 5 == 4:
        return np.zeros((height, width, 3), np.uint8)
    return square_at(10 + (2 * index) % 40, 40, width=width, height=height)


def write_video(
    path: Path,
    frames: int,
    painter: Painter = moving_square,
    *,
    fps: float = 30.0,
    codec: str = "mp4v",
) -> Path:
    """Write ``frames`` frames painted by ``painter`` (BGR) with OpenCV."""
    import cv2

    first = painter(0)
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*codec), fps, (width, height))
    assert writer.isOpened(), f"OpenCV cannot write {codec} here"
    for index in range(frames):
        writer.write(painter(index))
    writer.release()
    return path


def ffmpeg() -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        pytest.fail("ffmpeg is needed for this test: run `bash scripts/test.sh` (installs it)")
    return found


def _run(*arguments: str) -> None:
    subprocess.run([ffmpeg(), "-v", "error", "-y", *arguments], check=True)


def with_rotation(source: Path, destination: Path, degrees: int) -> Path:
    """Copy ``source`` adding a container rotation flag (as phones record portrait video)."""
    _run("-i", str(source), "-c", "copy", "-metadata:s:v:0", f"rotate={degrees}", str(destination))
    return destination


def variable_frame_rate(source: Path, destination: Path, times_s: Sequence[float]) -> Path:
    """Re-time ``source`` so frame ``i`` is shown at ``times_s[i]`` (variable frame rate)."""
    # Commas inside a filter expression must be escaped from the filter-graph parser.
    points = "+".join(f"eq(N\\,{i})*{t!r}" for i, t in enumerate(times_s))
    _run(
        "-i", str(source),
        "-vf", f"setpts=({points})/TB",
        "-fps_mode", "passthrough",
        "-enc_time_base", "1:1000",
        "-c:v", "mpeg4", "-q:v", "2",
        "-video_track_timescale", "1000",
        str(destination),
    )  # fmt: skip
    return destination


def faststart_mp4(source: Path, destination: Path) -> Path:
    """Re-encode to MP4 with its index first, so a truncated copy still opens."""
    _run(
        "-i", str(source), "-c:v", "mpeg4", "-q:v", "2", "-movflags", "+faststart", str(destination)
    )
    return destination
