"""Measures per repetition, and the step table of a walk, as the report's tables show them.

Per repetition ``[start, end)``: duration (s), the segmented signal's range (its unit), and for
each measured angle its range of motion (deg), peak angular speed (deg/s) and the share of the
repetition's samples in which the angle's three joints were observed. Angular speed is a
central difference on the sample times, so variable frame rates are handled; two samples with
the same time give no speed (NaN) rather than an infinite one. Standard deviations across
repetitions are sample standard deviations (``ddof=1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from neuropose.analysis._poses import FloatArray
from neuropose.analysis.report._angles import AngleSpec
from neuropose.analysis.report._quality import QualityCodes

if TYPE_CHECKING:
    from neuropose.schema import Repetition

__all__ = ["angular_speed", "repetition_table"]


def angular_speed(values_deg: npt.ArrayLike, times_s: npt.ArrayLike) -> FloatArray:
    """Absolute rate of change of an angle, deg/s, by central differences on the sample times.

    The first and last samples use one-sided differences. A difference across a missing value
    or between samples with the same time is NaN.
    """
    values = np.asarray(values_deg, np.float64)
    times = np.asarray(times_s, np.float64)
    speed = np.full(values.shape, np.nan)
    if len(values) < 2:
        return speed
    with np.errstate(divide="ignore", invalid="ignore"):
        span = times[2:] - times[:-2]
        speed[1:-1] = np.where(span > 0, (values[2:] - values[:-2]) / span, np.nan)
        first, last = times[1] - times[0], times[-1] - times[-2]
        speed[0] = (values[1] - values[0]) / first if first > 0 else np.nan
        speed[-1] = (values[-1] - values[-2]) / last if last > 0 else np.nan
    return np.abs(speed)


def _range(values: FloatArray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite.max() - finite.min()) if finite.size else None


def _peak(values: FloatArray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else None


def _mean_sd(values: Sequence[float | None]) -> dict[str, float | int | None]:
    known = np.array([v for v in values if v is not None], np.float64)
    return {
        "mean": float(known.mean()) if known.size else None,
        "sd": float(known.std(ddof=1)) if known.size > 1 else None,
        "count": int(known.size),
    }


def repetition_table(
    repetitions: Sequence[Repetition],
    times_s: npt.ArrayLike,
    signal: npt.ArrayLike | None,
    angles: Sequence[tuple[AngleSpec, FloatArray, Sequence[int]]],
    quality: QualityCodes,
) -> dict[str, Any]:
    """Rows per repetition and their mean, SD and count (JSON-ready).

    Parameters
    ----------
    repetitions
        The repetitions, with frame indices into ``times_s``.
    times_s
        Sample times, seconds.
    signal
        The segmented signal (its range per repetition is reported), or ``None``.
    angles
        ``(spec, values in degrees, joint indices)`` of each measured angle.
    quality
        Per-sample quality codes of the trajectory the angles came from.
    """
    times = np.asarray(times_s, np.float64)
    speeds = [angular_speed(values, times) for _, values, _ in angles]
    rows: list[dict[str, Any]] = []
    for index, rep in enumerate(repetitions):
        span = slice(rep.start, rep.end)
        per_angle = {}
        for (spec, values, joints), speed in zip(angles, speeds, strict=True):
            per_angle[spec.name] = {
                "range_of_motion_deg": _range(values[span]),
                "peak_angular_speed_deg_s": _peak(speed[span]),
                "observed": quality.observed_fraction(joints, span),
            }
        rows.append(
            {
                "index": index,
                "start": rep.start,
                "peak": rep.peak,
                "end": rep.end,
                "start_s": rep.start_s,
                "peak_s": rep.peak_s,
                "end_s": rep.end_s,
                "duration_s": rep.end_s - rep.start_s,
                "signal_range": None
                if signal is None
                else _range(np.asarray(signal, np.float64)[span]),
                "angles": per_angle,
            }
        )
    summary: dict[str, Any] = {
        "duration_s": _mean_sd([row["duration_s"] for row in rows]),
        "signal_range": _mean_sd([row["signal_range"] for row in rows]),
        "angles": {
            spec.name: {
                measure: _mean_sd([row["angles"][spec.name][measure] for row in rows])
                for measure in ("range_of_motion_deg", "peak_angular_speed_deg_s", "observed")
            }
            for spec, _, _ in angles
        },
    }
    return {"rows": rows, "summary": summary}
