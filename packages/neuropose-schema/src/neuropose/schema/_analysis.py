"""Saved analysis outputs: trial comparisons and kinematic summaries."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from neuropose.schema._base import PersistedModel, ValueModel

__all__ = ["AnalysisReport", "Comparison", "JointAngleSummary"]


class JointAngleSummary(ValueModel):
    """Summary statistics of one three-joint angle over a trial, in degrees.

    ``valid_frames`` counts frames where the angle was defined (person present, bones of
    non-zero length).
    """

    joints: tuple[str, str, str]
    mean_deg: float | None
    std_deg: float | None
    min_deg: float | None
    max_deg: float | None
    valid_frames: int = Field(ge=0)


class Comparison(ValueModel):
    """A DTW comparison between two trials.

    Attributes
    ----------
    reference, candidate
        File names (and optional repetition index) of the two trials.
    method
        ``"exact"`` or ``"fastdtw"``.
    distance
        Sum along the warping path of per-frame Euclidean distances between flattened poses, in
        millimetres after the stated preprocessing.
    normalized_distance
        ``distance`` divided by the path length, in millimetres per step.
    path_length
        Number of steps on the warping path.
    window
        Sakoe-Chiba band half-width in frames, if one was used.
    preprocessing
        What was done to the poses before comparing (``"root_relative"``, ``"procrustes"`` ...).
    """

    reference: str
    candidate: str
    method: Literal["exact", "fastdtw"]
    distance: float = Field(ge=0)
    normalized_distance: float = Field(ge=0)
    path_length: int = Field(ge=1)
    window: int | None = None
    preprocessing: tuple[str, ...] = ()


class AnalysisReport(PersistedModel):
    """A saved analysis of one or more trials (``neuropose analyze`` / ``compare --json``)."""

    KIND: ClassVar[str] = "analysis_report"

    source_files: tuple[str, ...]
    skeleton: str
    angles: tuple[JointAngleSummary, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    notes: tuple[str, ...] = ()
