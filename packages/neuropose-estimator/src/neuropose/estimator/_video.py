"""Decoding a video in a background thread into a bounded queue of RGB frames."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from neuropose.estimator._errors import VideoDecodeError, VideoOpenError
from neuropose.estimator._producer import BackgroundProducer, ClosesOnExit, Put

__all__ = ["DecodedFrame", "FrameReader", "VideoInfo"]


@dataclass(frozen=True, slots=True)
class VideoInfo:
    """What the container says about a video, after rotation.

    Attributes
    ----------
    path
        The video file.
    declared_frames
        Frame count from the container (may be an estimate; 0 when unknown).
    fps
        Nominal frame rate, frames per second.
    width, height
        Size of decoded (rotated) frames, pixels.
    rotation_degrees
        Clockwise rotation from the container's metadata that decoding applies.
    """

    path: Path
    declared_frames: int
    fps: float
    width: int
    height: int
    rotation_degrees: Literal[0, 90, 180, 270]


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    """One decoded frame: index, presentation time in seconds and the decoder's BGR pixels."""

    index: int
    time_s: float
    bgr: npt.NDArray[np.uint8]

    @property
    def rgb(self) -> npt.NDArray[np.uint8]:
        """``(H, W, 3)`` uint8 RGB, as a view: the channel swap happens in whatever copy follows.

        Swapping lazily saves the decoding thread a full-frame conversion, which matters when
        decoding shares the CPU with inference.
        """
        return self.bgr[..., ::-1]


def _open(path: Path) -> Any:
    import cv2

    if not path.exists():
        raise VideoOpenError(f"video {path} does not exist; check the path")
    if not path.is_file():
        raise VideoOpenError(f"{path} is not a file")
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        msg = (
            f"{path} cannot be opened as a video (unknown format, or the file is damaged or "
            "truncated before its index); re-export or re-copy it"
        )
        raise VideoOpenError(msg)
    # Phones store portrait video as landscape plus a rotation flag: apply it while decoding.
    capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return capture


class FrameReader(ClosesOnExit):
    """Iterate over a video's frames while a thread decodes ahead.

    Memory is bounded by ``queue_frames`` decoded frames, whatever the video's length.

    Parameters
    ----------
    path
        Video file.
    queue_frames
        Most decoded frames waiting for the consumer.

    Raises
    ------
    VideoOpenError
        If the file is missing or not a video.
    VideoDecodeError
        During iteration, if the video has no frames or stops decoding before its declared
        end; the error gives the number of frames decoded.
    """

    def __init__(self, path: Path, *, queue_frames: int = 16) -> None:
        import cv2

        self.path = Path(path)
        self._capture = _open(self.path)
        rotation = int(self._capture.get(cv2.CAP_PROP_ORIENTATION_META) or 0) % 360
        width = int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.decode_time_s = 0.0
        self._first = self._read_one()
        if self._first is not None:
            height, width = self._first[0].shape[:2]
        self.info = VideoInfo(
            path=self.path,
            declared_frames=max(int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT)), 0),
            fps=float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0),
            width=width,
            height=height,
            rotation_degrees=rotation if rotation in (90, 180, 270) else 0,
        )
        self._producer: BackgroundProducer[DecodedFrame] = BackgroundProducer(
            self._decode, name="neuropose-decode", maxsize=max(queue_frames, 1)
        )

    def _read_one(self) -> tuple[npt.NDArray[np.uint8], float] | None:
        """Decode the next frame (BGR) with its time in seconds (NaN when unknown)."""
        import cv2

        started = time.perf_counter()
        ok, frame = self._capture.read()
        if not ok or frame is None:
            self.decode_time_s += time.perf_counter() - started
            return None
        stamp = float(self._capture.get(cv2.CAP_PROP_POS_MSEC)) / 1000.0
        self.decode_time_s += time.perf_counter() - started
        return frame, stamp

    def _decode(self, put: Put[DecodedFrame]) -> None:
        index = 0
        last_time = -np.inf
        step = 1.0 / self.info.fps if self.info.fps > 0 else 1e-3
        decoded, self._first = self._first, None
        while decoded is not None:
            bgr, stamp = decoded
            # Some containers give no time, or a repeated one: step on from the last frame.
            if not np.isfinite(stamp) or stamp <= last_time:
                stamp = last_time + step if np.isfinite(last_time) else 0.0
            last_time = stamp
            if not put(DecodedFrame(index, stamp, bgr)):
                return
            index += 1
            decoded = self._read_one()
        problem = self._check_complete(index)
        if problem is not None:
            raise problem

    def _check_complete(self, decoded: int) -> VideoDecodeError | None:
        declared = self.info.declared_frames
        if decoded == 0:
            return VideoDecodeError(f"{self.path} holds no decodable frames", 0)
        # Containers' frame counts can be estimates, so allow a small shortfall.
        tolerance = max(2, declared // 100)
        if declared and decoded < declared - tolerance:
            msg = (
                f"{self.path} stopped decoding at frame {decoded} of the {declared} its "
                "container declares: the file is truncated or corrupt; re-copy or re-export it"
            )
            return VideoDecodeError(msg, decoded)
        return None

    def __iter__(self) -> Iterator[DecodedFrame]:
        return iter(self._producer)

    def close(self) -> None:
        """Stop the decoding thread and release the file."""
        self._producer.stop()
        self._capture.release()
