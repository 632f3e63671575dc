"""Each task's usual segmentation signal for a report, and how the report names a signal.

The signal itself is built by :func:`neuropose.analysis.segment.trajectory_signal` (what
``neuropose segment`` computes) from the report's trajectory, which may be cleaned and on its
own time grid; peaks are then found by :func:`neuropose.analysis.segment.segment_signal`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from neuropose.analysis._poses import FloatArray
from neuropose.analysis.report._angles import AngleSpec

if TYPE_CHECKING:
    from neuropose.schema import SegmentationConfig

__all__ = ["default_segmentation", "signal_label"]


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
