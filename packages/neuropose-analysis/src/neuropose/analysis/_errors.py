"""Errors raised by the analysis package: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = ["AnalysisError", "MissingPersonError", "ShapeMismatchError", "UnknownJointError"]


class AnalysisError(NeuroPoseError):
    """Root of the analysis package's errors."""


class UnknownJointError(AnalysisError, KeyError):
    """A joint name is not in the skeleton; the message lists the names it has."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class MissingPersonError(AnalysisError):
    """The requested person never appears in the predictions."""


class ShapeMismatchError(AnalysisError, ValueError):
    """Arrays that must match in shape (frames, joints, coordinates) do not."""
