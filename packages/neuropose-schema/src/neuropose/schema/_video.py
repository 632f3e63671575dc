"""Facts about an input video and the camera model used to lift it to 3D."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from neuropose.schema._base import ValueModel

__all__ = [
    "BoxMeaning",
    "CameraIntrinsics",
    "Frame3d",
    "RootTranslation",
    "Units",
    "VideoMetadata",
]

Sha256Hex = str


class VideoMetadata(ValueModel):
    """What the estimator read from a video container.

    Attributes
    ----------
    file_name
        Base name of the video file (no directories: paths may identify a subject's site).
    frame_count
        Frames actually decoded.
    fps
        Nominal frame rate declared by the container, in frames per second. Variable frame rate
        videos are common; use the per-frame timestamps for timing, not this.
    width, height
        Frame size in pixels *after* the container's rotation was applied.
    rotation_degrees
        Clockwise rotation the container asked for and that was applied before inference.
    duration_s
        Time from the first frame to the end of the last one, in seconds.
    sha256
        SHA-256 of the video file's bytes, as 64 lowercase hex digits.
    """

    file_name: str
    frame_count: int = Field(ge=0)
    fps: float = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    rotation_degrees: Literal[0, 90, 180, 270] = 0
    duration_s: float = Field(ge=0)
    sha256: Sha256Hex = Field(pattern=r"^[0-9a-f]{64}$")


class CameraIntrinsics(ValueModel):
    """The pinhole camera the 3D poses are expressed in, in pixels.

    When the user gives no calibration, MeTRAbs builds the camera from a field of view over the
    larger image side with the principal point at the centre; ``source`` says which was used.

    Attributes
    ----------
    fx, fy
        Focal lengths in pixels.
    cx, cy
        Principal point in pixels.
    distortion
        Five OpenCV distortion coefficients (k1, k2, p1, p2, k3).
    source
        ``"fov"`` when derived from ``fov_degrees``, ``"calibration"`` when supplied.
    fov_degrees
        The field of view used when ``source == "fov"``.
    """

    fx: float = Field(gt=0)
    fy: float = Field(gt=0)
    cx: float
    cy: float
    distortion: tuple[float, float, float, float, float] = (0.0, 0.0, 0.0, 0.0, 0.0)
    source: Literal["fov", "calibration"] = "fov"
    fov_degrees: float | None = Field(default=None, gt=0, lt=180)

    @model_validator(mode="after")
    def _fov_given_when_derived(self) -> CameraIntrinsics:
        if self.source == "fov" and self.fov_degrees is None:
            raise ValueError("fov_degrees is required when source is 'fov'")
        return self

    def as_matrix(self) -> list[list[float]]:
        """Return the 3x3 intrinsic matrix as nested lists (row-major)."""
        return [[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]]


class Frame3d(StrEnum):
    """The frame of reference a predictions file's ``poses3d`` is in (``Units.frame3d``)."""

    CAMERA = "camera: x right, y down, z forward"
    """The camera frame: the origin is the camera (MeTRAbs)."""
    HIP_CENTRED = (
        "hip-centred: origin at the hip midpoint; axes roughly the camera's: x right, y down, "
        "z away from the camera"
    )
    """Centred on each person's hips, so the origin moves with the person (BlazePose)."""


class BoxMeaning(StrEnum):
    """What the five values of a box are (``Units.box``)."""

    DETECTOR = "px: x, y, width, height, detector confidence"
    """A person detector's box and score (MeTRAbs)."""
    LANDMARK_EXTENT = (
        "px: x, y, width, height of the landmarks within the frame, mean landmark presence"
    )
    """The extent of the 2D landmarks clipped to the frame, and their mean presence (BlazePose)."""


class RootTranslation(StrEnum):
    """How a file's ``root_translation_mm`` array was obtained (``Units.root_translation_mm``)."""

    ESTIMATED = (
        "estimated, not measured: camera-frame position (x right, y down, z forward) of the "
        "poses3d origin in mm, fitted from the 2D and 3D joints through the file's camera"
    )
    """Fitted from the 2D/3D joint pairs (a perspective-n-point solve), not measured."""


class Units(ValueModel):
    """Units and frames written into every predictions file so nobody has to guess them.

    The defaults are MeTRAbs' conventions, which every file written before other backends
    existed follows, so older files read the same without a migration.

    Attributes
    ----------
    poses3d, poses2d, time
        Units of the 3D joints (mm), the 2D joints (px) and the frame times (s).
    frame3d
        Frame of reference of ``poses3d`` (:class:`Frame3d`).
    box
        What the five values of a box are (:class:`BoxMeaning`).
    joint_confidence
        Which score of the model the ``joint_confidence`` array holds (BlazePose: MediaPipe's
        landmark ``visibility``), or ``None`` when the file has no such array.
    root_translation_mm
        How the ``root_translation_mm`` array was obtained (:class:`RootTranslation`), or
        ``None`` when the file has no such array.
    """

    poses3d: Literal["mm"] = "mm"
    poses2d: Literal["px"] = "px"
    time: Literal["s"] = "s"
    frame3d: Frame3d = Frame3d.CAMERA
    box: BoxMeaning = BoxMeaning.DETECTOR
    joint_confidence: str | None = None
    root_translation_mm: RootTranslation | None = None
