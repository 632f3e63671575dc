"""Data quality of the subject's trajectory: what was observed, filled in or missing, and where.

Every number comes from per-sample quality flags (:class:`~neuropose.schema.QualityFlag`): the
file's own (a raw file flags detected joints observed and the rest missing; a file cleaned by
``neuropose clean`` also flags what it interpolated), or those of the report's cleaning. They are
brought to one form here: a list of gaps ``(joint, start_s, end_s, filled)`` from
:func:`neuropose.analysis.cleaning.quality_summary`, and per sample a code 0 (observed),
1 (interpolated) or 2 (missing), so the report's table, plot and per-repetition fractions come
from the same flags either way.
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
    "quality_from_flags",
    "quality_section",
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


def quality_from_flags(
    flags: npt.ArrayLike, times_s: npt.ArrayLike, joint_names: Sequence[str]
) -> tuple[list[Gap], QualityCodes]:
    """Turn ``(samples, joints)`` quality flags into the report's gaps and per-sample codes.

    Parameters
    ----------
    flags
        ``uint8`` :class:`~neuropose.schema.QualityFlag` bits, one per sample and joint.
    times_s
        ``(samples,)`` seconds.
    joint_names
        Names along the joint axis.

    Returns
    -------
    gaps, codes
        Gaps by joint, then time (a gap at the end lasts one median frame interval past the last
        sample, as :func:`~neuropose.analysis.cleaning.quality_summary` counts it); codes 0
        observed, 1 interpolated, 2 missing.
    """
    from neuropose.analysis.cleaning import quality_summary
    from neuropose.schema import QualityFlag

    values = np.asarray(flags, np.uint8)
    codes = np.full(values.shape, MISSING, np.int8)
    codes[(values & QualityFlag.INTERPOLATED) != 0] = INTERPOLATED
    codes[(values & QualityFlag.OBSERVED) != 0] = OBSERVED
    summary = quality_summary(values, times_s, joint_names=joint_names)
    gaps = [Gap(g.joint, g.start_s, g.end_s, g.filled) for g in summary.gaps]
    return gaps, QualityCodes(codes)


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
        Which trajectory the numbers describe: ``"raw"`` (model output), ``"cleaned_file"`` (a
        file cleaned by ``neuropose clean``) or ``"cleaned"`` (the report's own cleaning).
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
