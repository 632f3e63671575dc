"""Errors raised by the analysis package: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = [
    "AnalysisError",
    "DTWInputError",
    "JointIndexError",
    "MissingPersonError",
    "NoCameraFrameError",
    "ShapeMismatchError",
    "SkeletonSupportError",
    "TimestampError",
    "UnknownAngleError",
    "UnknownJointError",
]


class AnalysisError(NeuroPoseError):
    """Root of the analysis package's errors."""


class UnknownJointError(AnalysisError, KeyError):
    """A joint name is not in the skeleton; the message lists the names it has."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class JointIndexError(AnalysisError, IndexError):
    """A joint index is outside ``0 .. joints - 1`` (negative indices are refused too)."""


class MissingPersonError(AnalysisError):
    """The requested person never appears in the predictions."""


class ShapeMismatchError(AnalysisError, ValueError):
    """Arrays that must match in shape (frames, joints, coordinates) do not."""


class TimestampError(AnalysisError, ValueError):
    """Frame times are unusable: not finite, going backwards, or never advancing."""


class DTWInputError(AnalysisError, ValueError):
    """A DTW argument is invalid (method, window, radius, NaN policy) or its inputs overflow."""


class UnknownAngleError(AnalysisError, KeyError):
    """A clinical angle name is not defined for the skeleton; the message lists those that are."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SkeletonSupportError(AnalysisError):
    """The skeleton lacks what a measure needs (joints, or the skeleton is unknown); the message names it."""


# Tracking, subject choice and cleaning (neuropose.analysis.tracking, .subject, .cleaning).
__all__ += ["CutoffTooHighError", "DuplicateTrackError", "MostlyMissingError", "NoTracksError"]


class NoCameraFrameError(AnalysisError):
    """Raised when a measure needs camera-frame positions that a hip-centred file cannot give."""


class DuplicateTrackError(AnalysisError, ValueError):
    """One track id appears in two person slots of the same frame; re-track the file."""


class NoTracksError(MissingPersonError):
    """No person was tracked, so there is no subject to choose; track the file first."""


class CutoffTooHighError(AnalysisError, ValueError):
    """The low-pass cutoff is at or above the Nyquist frequency of the output time grid."""


class MostlyMissingError(AnalysisError):
    """A joint is observed in too little of a time span to be analysed.

    Parameters
    ----------
    joint
        Name (or index) of the joint.
    start_s, end_s
        The span, seconds.
    observed, interpolated, missing
        Fractions of the span's samples, 0-1.
    min_observed
        The fraction of observed samples that was required.
    """

    def __init__(
        self,
        joint: str,
        start_s: float,
        end_s: float,
        observed: float,
        interpolated: float,
        missing: float,
        min_observed: float,
    ) -> None:
        self.joint = joint
        self.start_s = start_s
        self.end_s = end_s
        self.observed = observed
        self.interpolated = interpolated
        self.missing = missing
        self.min_observed = min_observed
        super().__init__(
            f"joint '{joint}' is observed in only {observed:.0%} of {start_s:.2f}-{end_s:.2f} s "
            f"({interpolated:.0%} interpolated, {missing:.0%} missing; at least "
            f"{min_observed:.0%} observed is required); choose another span or joint, or allow "
            f"gaps (allow_gaps=True, --allow-gaps) to analyse it anyway"
        )


__all__ += ["AmbiguousPersonError"]


class AmbiguousPersonError(AnalysisError, ValueError):
    """No person was named and the file holds several; the message lists them."""
