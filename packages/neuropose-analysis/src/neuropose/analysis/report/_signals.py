"""The 1-D signal a report segments into repetitions, and each task's usual choice of it.

:func:`neuropose.analysis.segment.extract_signal` builds the signal from a predictions file
by person slot; a report follows a track and may work on a cleaned trajectory on its own time
grid, so :func:`signal_from_poses` builds the same four signals from a ``(frames, joints, 3)``
array. Peaks are then found by :func:`neuropose.analysis.segment.segment_signal`, unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from neuropose.analysis._poses import FloatArray
from neuropose.analysis.angles import joint_angle
from neuropose.analysis.report._angles import AngleSpec
from neuropose.analysis.trajectories import joint_indices

if TYPE_CHECKING:
    from neuropose.schema import SegmentationConfig, Skeleton

__all__ = ["SIGNAL_UNITS", "default_segmentation", "signal_from_poses", "signal_label"]

SIGNAL_UNITS = {
    "joint_axis": "mm",
    "joint_pair_distance": "mm",
    "joint_speed": "mm/s",
    "joint_angle": "deg",
}
"""Unit of each segmentation extractor's signal."""

_AXES = {"x": 0, "y": 1, "z": 2}


def signal_from_poses(
    poses: npt.ArrayLike, times_s: npt.ArrayLike, skeleton: Skeleton, config: SegmentationConfig
) -> tuple[FloatArray, str]:
    """Build the signal ``config`` describes from one person's ``(frames, joints, 3)`` poses (mm).

    Returns
    -------
    signal, unit
        One value per frame (NaN where the joints are missing) and its unit.

    Raises
    ------
    UnknownJointError
        If a joint name is not in the skeleton.
    """
    array = np.asarray(poses, np.float64)
    joints = joint_indices(skeleton, config.joints)
    if config.extractor == "joint_axis":
        signal = array[:, joints[0], _AXES[config.axis or "y"]]
    elif config.extractor == "joint_pair_distance":
        signal = np.linalg.norm(array[:, joints[0]] - array[:, joints[1]], axis=-1)
    elif config.extractor == "joint_speed":
        times = np.asarray(times_s, np.float64)
        signal = np.zeros(len(times))
        if len(times) >= 2:
            signal = np.linalg.norm(np.gradient(array[:, joints[0]], times, axis=0), axis=-1)
    else:
        signal = joint_angle(array, *joints)
    return np.asarray(signal, np.float64), SIGNAL_UNITS[config.extractor]


def signal_label(config: SegmentationConfig) -> str:
    """Readable description of a segmentation signal: ``"joint angle at lelb (lsho1-lelb-lwri)"``."""
    joints = config.joints
    if config.extractor == "joint_axis":
        text = f"{config.axis} coordinate of {joints[0]} (camera frame, +y down)"
    elif config.extractor == "joint_pair_distance":
        text = f"distance {joints[0]}-{joints[1]}"
    elif config.extractor == "joint_speed":
        text = f"speed of {joints[0]}"
    else:
        text = f"angle at {joints[1]} ({'-'.join(joints)})"
    return text + (", inverted" if config.invert else "")


def _widest(specs: Sequence[AngleSpec], series: Sequence[FloatArray]) -> AngleSpec | None:
    """Find the angle whose 5th-95th percentile range is widest (the one that moves most)."""
    best, best_range = None, -1.0
    for spec, values in zip(specs, series, strict=True):
        finite = values[np.isfinite(values)]
        if finite.size < 2:
            continue
        low, high = np.percentile(finite, [5, 95])
        if high - low > best_range:
            best, best_range = spec, float(high - low)
    return best


def default_segmentation(
    task: str, specs: Sequence[AngleSpec], series: Sequence[FloatArray]
) -> SegmentationConfig | None:
    """Choose the signal a task is usually segmented on, from the angles being measured.

    - ``reach``, ``tapping``, ``tremor``: the elbow angle that moves most (any angle if no
      elbow is measured); repetitions at least 1.0, 0.15 and 0.1 s apart.
    - ``sit_to_stand``: the height of the hip (its camera ``y``, inverted since +y is down),
      repetitions at least 2 s apart.
    - ``gait``: the distance between the ankles, whose peaks are steps, at least 0.3 s apart.
    - ``generic``: the measured angle that moves most, repetitions at least 0.5 s apart.

    Returns
    -------
    SegmentationConfig or None
        ``None`` when the angles give nothing to build the signal from.
    """
    from neuropose.schema import SegmentationConfig

    by_name = {spec.name: spec for spec in specs}
    if task == "sit_to_stand":
        hip = by_name.get("hip_left") or by_name.get("hip_right")
        if hip is not None:
            return SegmentationConfig(
                extractor="joint_axis",
                joints=(hip.joints[1],),
                axis="y",
                invert=True,
                smoothing_s=0.2,
                min_period_s=2.0,
            )
    if task == "gait":
        left, right = by_name.get("knee_left"), by_name.get("knee_right")
        if left is not None and right is not None:
            return SegmentationConfig(
                extractor="joint_pair_distance",
                joints=(left.joints[2], right.joints[2]),
                smoothing_s=0.05,
                min_period_s=0.3,
            )
    periods = {"reach": 1.0, "tapping": 0.15, "tremor": 0.1}
    candidates = list(zip(specs, series, strict=True))
    if task in periods:
        elbows = [(s, v) for s, v in candidates if s.name.startswith("elbow")]
        candidates = elbows or candidates
    widest = _widest([s for s, _ in candidates], [v for _, v in candidates])
    if widest is None:
        return None
    return SegmentationConfig(
        extractor="joint_angle",
        joints=widest.joints,
        smoothing_s=0.1 if task in ("reach", "generic") else 0.0,
        min_period_s=periods.get(task, 0.5),
    )
