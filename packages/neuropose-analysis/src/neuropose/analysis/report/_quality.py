"""Data quality of the subject's trajectory: what was observed, filled in or missing, and where.

Raw predictions know two states per joint and frame: observed (a value) or missing (NaN).
A cleaned trajectory adds a third, interpolated, reported by
:func:`neuropose.analysis.cleaning.quality_summary` as gaps. Both are brought to one form here:
a list of gaps ``(joint, start_s, end_s, filled)`` on the trajectory's time axis, and per
sample a code 0 (observed), 1 (interpolated) or 2 (missing) rasterised from them, so the
report's table, plot and per-repetition fractions come from the same numbers either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis._poses import FloatArray

__all__ = [
    "INTERPOLATED",
    "MISSING",
    "OBSERVED",
    "Gap",
    "QualityCodes",
    "codes_from_gaps",
    "quality_section",
    "raw_gaps",
]

OBSERVED, INTERPOLATED, MISSING = 0, 1, 2
"""Per-sample codes of :class:`QualityCodes`."""


@dataclass(frozen=True)
class Gap:
    """Samples ``[start_s, end_s)`` of one joint that were not observed."""

    joint: int
    start_s: float
    end_s: float
    filled: bool


@dataclass(frozen=True)
class QualityCodes:
    """``(samples, joints)`` int8 codes: 0 observed, 1 interpolated, 2 missing."""

    codes: npt.NDArray[np.int8]

    def observed_fraction(self, joints: Sequence[int], rows: slice = slice(None)) -> float:
        """Share of samples in ``rows`` where every joint of ``joints`` was observed."""
        block = self.codes[rows][:, list(joints)]
        if block.shape[0] == 0:
            return 0.0
        all_observed: npt.NDArray[np.bool_] = np.all(block == OBSERVED, axis=1)
        return float(np.mean(all_observed))


def _end_of_series(times: FloatArray) -> float:
    interval = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    return float(times[-1] + interval) if len(times) else 0.0


def raw_gaps(observed: npt.ArrayLike, times_s: npt.ArrayLike) -> list[Gap]:
    """Every run of missing samples of each joint of a raw trajectory.

    Parameters
    ----------
    observed
        ``(frames, joints)`` bool: True where the joint has a value.
    times_s
        ``(frames,)`` seconds.

    Returns
    -------
    list of Gap
        By joint, then time. A run ends at the next observed frame's time, or one median
        frame interval after the last frame (as cleaning's quality summary counts it).
    """
    mask = np.asarray(observed, bool)
    times = np.asarray(times_s, np.float64)
    bounds = np.append(times, _end_of_series(times))
    gaps: list[Gap] = []
    for joint in range(mask.shape[1]):
        edges = np.diff(np.concatenate([[0], (~mask[:, joint]).astype(np.int8), [0]]))
        starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        gaps += [
            Gap(joint, float(bounds[start]), float(bounds[stop]), False)
            for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)
        ]
    return gaps


def codes_from_gaps(gaps: Sequence[Gap], times_s: npt.ArrayLike, joints: int) -> QualityCodes:
    """Rasterise gaps onto the samples: a sample at ``t`` is in a gap when ``start_s <= t < end_s``."""
    times = np.asarray(times_s, np.float64)
    codes = np.zeros((len(times), joints), np.int8)
    for gap in gaps:
        first, stop = np.searchsorted(times, [gap.start_s, gap.end_s], side="left")
        codes[first:stop, gap.joint] = INTERPOLATED if gap.filled else MISSING
    return QualityCodes(codes)


def quality_section(
    gaps: Sequence[Gap],
    codes: QualityCodes,
    times_s: npt.ArrayLike,
    joint_names: Sequence[str],
    *,
    source: str,
) -> dict[str, Any]:
    """Gather the report's data-quality numbers (JSON-ready).

    Gaps shared by several joints (a person missing from a frame loses every joint at once)
    are listed once with the joints they cover.

    Parameters
    ----------
    gaps, codes
        The trajectory's gaps and per-sample codes.
    times_s
        The trajectory's sample times, seconds.
    joint_names
        Names along the joint axis.
    source
        ``"raw"`` or ``"cleaned"``: which trajectory the numbers describe.
    """
    values = codes.codes
    times = np.asarray(times_s, np.float64)
    samples, joints = values.shape
    total = max(values.size, 1)
    per_joint = [
        {
            "name": joint_names[j],
            "observed": float(np.mean(np.equal(values[:, j], OBSERVED))) if samples else 0.0,
            "interpolated": float(np.mean(np.equal(values[:, j], INTERPOLATED)))
            if samples
            else 0.0,
            "missing": float(np.mean(np.equal(values[:, j], MISSING))) if samples else 1.0,
        }
        for j in range(joints)
    ]
    grouped: dict[tuple[float, float, bool], list[int]] = {}
    for gap in gaps:
        grouped.setdefault((gap.start_s, gap.end_s, gap.filled), []).append(gap.joint)
    rows = [
        {
            "start_s": start,
            "end_s": end,
            "duration_s": end - start,
            "filled": filled,
            "all_joints": len(members) == joints,
            "joints": [joint_names[j] for j in members],
        }
        for (start, end, filled), members in sorted(grouped.items())
    ]
    seen: npt.NDArray[np.bool_] = np.any(values != MISSING, axis=1)  # any joint has a value
    return {
        "source": source,
        "samples": samples,
        "duration_s": _end_of_series(times) - float(times[0]) if samples else 0.0,
        "person_fraction": float(np.mean(seen)) if samples else 0.0,
        "observed": float(np.count_nonzero(values == OBSERVED) / total),
        "interpolated": float(np.count_nonzero(values == INTERPOLATED) / total),
        "missing": float(np.count_nonzero(values == MISSING) / total),
        "joints": per_joint,
        "gaps": rows,
    }
