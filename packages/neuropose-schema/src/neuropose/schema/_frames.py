"""The per-frame view of predictions: one object per frame, one per detected person."""

from __future__ import annotations

import math

from pydantic import Field, field_validator

from neuropose.schema._base import ValueModel

__all__ = ["FramePrediction", "PersonPrediction"]


def _all_finite(values: tuple[float, ...], what: str) -> None:
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{what} holds NaN or infinity; a detected person has finite values")


class PersonPrediction(ValueModel):
    """One detected person in one frame.

    Attributes
    ----------
    box
        Detector box ``(x, y, width, height, confidence)``: pixels, then a score from 0 to 1.
    poses3d
        One ``(x, y, z)`` per joint in millimetres, camera frame (x right, y down, z forward).
    poses2d
        One ``(x, y)`` per joint in pixels.
    track_id
        Identity of this person across frames, or ``None`` when no tracker ran.
    joint_confidence
        Optional per-joint confidence from 0 to 1 (MeTRAbs itself gives none).
    """

    box: tuple[float, float, float, float, float]
    poses3d: tuple[tuple[float, float, float], ...]
    poses2d: tuple[tuple[float, float], ...]
    track_id: int | None = Field(default=None, ge=0)
    joint_confidence: tuple[float, ...] | None = None

    @field_validator("box")
    @classmethod
    def _box_finite(cls, box: tuple[float, ...]) -> tuple[float, ...]:
        _all_finite(box, "box")
        return box

    @field_validator("poses3d", "poses2d")
    @classmethod
    def _joints_finite(cls, joints: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
        for joint in joints:
            _all_finite(joint, "a joint coordinate")
        return joints

    @field_validator("joint_confidence")
    @classmethod
    def _confidence_finite(cls, confidence: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if confidence is not None:
            _all_finite(confidence, "joint_confidence")
        return confidence


class FramePrediction(ValueModel):
    """Everything detected in one frame.

    Attributes
    ----------
    index
        Zero-based frame index in decoding order.
    time_s
        Presentation time of the frame in seconds from the start of the video.
    people
        Detected people; empty when nobody was found (which is not an error).
    """

    index: int = Field(ge=0)
    time_s: float = Field(allow_inf_nan=False)
    people: tuple[PersonPrediction, ...] = ()
