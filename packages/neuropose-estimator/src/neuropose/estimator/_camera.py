"""Pinhole intrinsics from a field of view, the way MeTRAbs builds them."""

from __future__ import annotations

import math

from neuropose.schema import CameraIntrinsics

__all__ = ["intrinsics_from_fov"]


def intrinsics_from_fov(width: int, height: int, fov_degrees: float) -> CameraIntrinsics:
    """Build the camera MeTRAbs assumes without calibration.

    The field of view spans the larger image side; the principal point is the image centre.

    Parameters
    ----------
    width, height
        Image size in pixels.
    fov_degrees
        Field of view over the larger side, in degrees.
    """
    focal = max(width, height) / 2.0 / math.tan(math.radians(fov_degrees) / 2.0)
    return CameraIntrinsics(
        fx=focal, fy=focal, cx=width / 2.0, cy=height / 2.0, source="fov", fov_degrees=fov_degrees
    )
