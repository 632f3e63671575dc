"""Reports: joint-angle summaries of a trial, as a saved :class:`~neuropose.schema.AnalysisReport`.

This is what ``neuropose analyze`` computes. Angles are in degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy.typing as npt

from neuropose.analysis.angles import joint_angles
from neuropose.analysis.stats import summary_statistics

if TYPE_CHECKING:
    from neuropose.schema import AnalysisReport, JointAngleSummary, VideoPredictions

__all__ = ["angle_summary", "joint_angle_report"]


def angle_summary(joints: tuple[str, str, str], angles_deg: npt.ArrayLike) -> JointAngleSummary:
    """Summarise one angle's values over a trial.

    Parameters
    ----------
    joints
        ``(end, vertex, end)`` joint names the angle was measured at.
    angles_deg
        The angle per frame, degrees; NaN where it is undefined.

    Returns
    -------
    JointAngleSummary
        Mean, sample standard deviation (``ddof=1``; 0 for a single value), minimum and
        maximum in degrees over the frames where the angle is defined, and their count; the
        statistics are ``None`` when no frame is.
    """
    from neuropose.schema import JointAngleSummary

    stats = summary_statistics(angles_deg)
    return JointAngleSummary(
        joints=joints,
        mean_deg=stats["mean"],
        std_deg=stats["std"],
        min_deg=stats["min"],
        max_deg=stats["max"],
        valid_frames=int(stats["valid"] or 0),
    )


def joint_angle_report(
    predictions: VideoPredictions,
    triplets: Sequence[tuple[str, str, str]],
    *,
    person: int | None = None,
    source_name: str | None = None,
) -> AnalysisReport:
    """Summarise three-joint angles over a trial, by joint names of the file's skeleton.

    Parameters
    ----------
    predictions
        The trial.
    triplets
        ``(end, vertex, end)`` joint names, e.g. ``("lsho1", "lelb", "lwri")`` for the left
        elbow; one summary each, in this order.
    person
        Track id (a person slot in a file without track ids); ``None`` for the file's only
        person (refused when it holds several).
    source_name
        File name recorded as the report's source; defaults to the video's file name.

    Raises
    ------
    UnknownJointError
        When a name is not in the skeleton (the message lists the valid names).
    MissingPersonError
        If the person never appears.
    """
    from neuropose.analysis.trajectories import person_label
    from neuropose.schema import AnalysisReport

    angles = joint_angles(predictions, triplets, person=person)
    return AnalysisReport(
        source_files=(source_name or predictions.metadata.file_name,),
        skeleton=predictions.skeleton.name,
        angles=tuple(angle_summary(joints, values) for joints, values in angles.items()),
        notes=(f"person: {person_label(predictions, person)}",),
    )
