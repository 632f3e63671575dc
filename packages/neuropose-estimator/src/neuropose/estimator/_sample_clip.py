"""A short video of a real person, made from a photograph that ships with scikit-image.

For trying NeuroPose without a video of one's own, and for tests that need a real person with
known motion. The person is NASA's portrait of astronaut Eileen Collins (``skimage.data.
astronaut``, public domain), pasted onto a photograph without people (``skimage.data.rocket``)
and moved by known similarity transforms: sideways, closer, and tilting. Some frames show the
background alone. Every transform is returned, so a pose found in one frame predicts where the
same landmarks must appear in any other frame.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from neuropose.estimator._errors import BackendUnavailableError, EstimatorError

__all__ = ["CYCLE_FRAMES", "FrameTransform", "SampleClip", "sample_clip", "sample_clip_plan"]

CYCLE_FRAMES = 60
"""Frames in one cycle of the motion; longer clips repeat it."""

_PHOTO_PX = 512  # the astronaut photograph is 512 x 512


@dataclass(frozen=True, slots=True)
class FrameTransform:
    """Where the photograph sits in one frame: scaled, turned about its centre, then moved.

    Attributes
    ----------
    scale
        Frame pixels per photograph pixel.
    angle_degrees
        Rotation, counter-clockwise as seen on screen.
    centre_x, centre_y
        Frame position of the photograph's centre, pixels.
    """

    scale: float
    angle_degrees: float
    centre_x: float
    centre_y: float

    def matrix(self) -> npt.NDArray[np.float64]:
        """``(3, 3)`` homogeneous matrix from photograph pixels to frame pixels."""
        angle = np.deg2rad(self.angle_degrees)
        cos, sin = self.scale * np.cos(angle), self.scale * np.sin(angle)
        half = _PHOTO_PX / 2.0
        # Screen y points down, so a counter-clockwise turn on screen has +sin in the x row.
        linear = np.array([[cos, sin], [-sin, cos]])
        offset = np.array([self.centre_x, self.centre_y]) - linear @ np.array([half, half])
        out = np.eye(3)
        out[:2, :2] = linear
        out[:2, 2] = offset
        return out

    def map_from(self, other: FrameTransform, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Move ``(..., 2)`` pixel positions seen in ``other``'s frame to this frame."""
        relative = self.matrix() @ np.linalg.inv(other.matrix())
        array = np.asarray(points, np.float64)
        return array @ relative[:2, :2].T + relative[:2, 2]


@dataclass(frozen=True, slots=True)
class SampleClip:
    """A sample clip on disk and the truth about each of its frames.

    Attributes
    ----------
    path
        The video file (MPEG-4 part 2 in an ``.mp4`` container, which any OpenCV reads).
    width, height
        Frame size, pixels.
    fps
        Constant frame rate, frames per second.
    transforms
        Per frame, where the photograph is, or ``None`` for a frame without the person.
    """

    path: Path
    width: int
    height: int
    fps: float
    transforms: tuple[FrameTransform | None, ...]

    @property
    def person_frames(self) -> tuple[int, ...]:
        """Indices of the frames that show the person."""
        return tuple(i for i, t in enumerate(self.transforms) if t is not None)

    @property
    def empty_frames(self) -> tuple[int, ...]:
        """Indices of the frames that show only the background."""
        return tuple(i for i, t in enumerate(self.transforms) if t is None)


def _ease(start: float, end: float, step: int, steps: int) -> float:
    return start + (end - start) * step / max(steps - 1, 1)


def _cycle_transform(phase: int, width: int, height: int) -> FrameTransform | None:
    """Return the transform at ``phase`` (0 to 59) of the motion cycle, sized to the frame."""
    base = 0.8 * height / _PHOTO_PX  # the photograph fills 80 % of the frame's height
    middle_y = height / 2.0
    if phase < 15:  # sideways, left to right
        x = _ease(0.3 * width, 0.6 * width, phase, 15)
        return FrameTransform(base, 0.0, x, middle_y)
    if phase < 20:
        return None
    if phase < 35:  # closer: grows by a quarter about the frame's centre
        scale = _ease(base * 0.85, base * 1.1, phase - 20, 15)
        return FrameTransform(scale, 0.0, 0.5 * width, middle_y)
    if phase < 40:
        return None
    # tilting from one side to the other while drifting back left
    angle = _ease(-8.0, 8.0, phase - 40, 20)
    x = _ease(0.55 * width, 0.4 * width, phase - 40, 20)
    return FrameTransform(base * 0.95, angle, x, middle_y)


def sample_clip_plan(
    frames: int = CYCLE_FRAMES, width: int = 640, height: int = 360
) -> tuple[FrameTransform | None, ...]:
    """Return the per-frame transforms :func:`sample_clip` uses, without rendering anything."""
    if frames < 1 or width < 64 or height < 64:
        msg = f"a sample clip needs at least 1 frame of 64 x 64 px, got {frames} of {width} x {height}"
        raise EstimatorError(msg)
    return tuple(_cycle_transform(i % CYCLE_FRAMES, width, height) for i in range(frames))


def _photographs() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    try:
        from skimage import data
    except ModuleNotFoundError:
        msg = (
            "the sample clip is made from scikit-image's photographs: "
            "pip install 'neuropose-estimator[blazepose]' (or scikit-image)"
        )
        raise BackendUnavailableError(msg) from None
    return data.astronaut(), data.rocket()


def _background(rocket: npt.NDArray[np.uint8], width: int, height: int) -> npt.NDArray[np.uint8]:
    """Scale the rocket photograph to cover the frame and crop its centre (BGR)."""
    import cv2

    scale = max(width / rocket.shape[1], height / rocket.shape[0])
    size = (round(rocket.shape[1] * scale), round(rocket.shape[0] * scale))
    resized = cv2.resize(rocket, size, interpolation=cv2.INTER_AREA)
    top = (resized.shape[0] - height) // 2
    left = (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top : top + height, left : left + width, ::-1], np.uint8)


def sample_clip(
    path: Path | str,
    *,
    frames: int = CYCLE_FRAMES,
    width: int = 640,
    height: int = 360,
    fps: float = 30.0,
) -> SampleClip:
    """Write a clip of a real person moving by known transforms, and describe every frame.

    Each 60-frame cycle (2 s at 30 fps) has 50 frames with the person: 15 moving sideways,
    15 coming closer, 20 tilting by up to 8 degrees, separated by two runs of 5 frames that
    show only the background. The file is written under a temporary name and renamed, so an
    interrupted run never leaves a partial clip at ``path``.

    Parameters
    ----------
    path
        Video file to create (``.mp4``); its folder must exist.
    frames
        Number of frames.
    width, height
        Frame size in pixels.
    fps
        Frame rate.

    Returns
    -------
    SampleClip
        The path and the per-frame transforms.

    Raises
    ------
    BackendUnavailableError
        If scikit-image is not installed.
    EstimatorError
        If the size is too small or OpenCV cannot write the file.
    """
    import cv2

    path = Path(path)
    plan = sample_clip_plan(frames, width, height)
    astronaut, rocket = _photographs()
    photo = np.ascontiguousarray(astronaut[..., ::-1])  # OpenCV writes BGR
    coverage = np.full(photo.shape[:2], 255, np.uint8)
    background = _background(rocket, width, height)
    handle, temporary = tempfile.mkstemp(suffix=".mp4", prefix=f".{path.stem}-", dir=path.parent)
    os.close(handle)
    writer = cv2.VideoWriter(temporary, cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    try:
        if not writer.isOpened():
            raise EstimatorError(f"OpenCV cannot write an MPEG-4 video at {path}")
        for transform in plan:
            frame = background.copy()
            if transform is not None:
                affine = transform.matrix()[:2]
                warped = cv2.warpAffine(photo, affine, (width, height), flags=cv2.INTER_LINEAR)
                mask = cv2.warpAffine(coverage, affine, (width, height), flags=cv2.INTER_LINEAR)
                alpha = mask[..., None].astype(np.float32) / 255.0
                frame = (warped * alpha + frame * (1.0 - alpha)).astype(np.uint8)
            writer.write(frame)
        writer.release()
        os.replace(temporary, path)
    except BaseException:
        writer.release()
        Path(temporary).unlink(missing_ok=True)
        raise
    return SampleClip(path, width, height, fps, plan)
