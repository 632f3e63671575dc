"""Comparing two trials: one person's poses, aligned, by dynamic time warping.

This is what ``neuropose compare`` computes; the result is a
:class:`~neuropose.schema.Comparison`, ready to print or save in an
:class:`~neuropose.schema.AnalysisReport`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neuropose.analysis._errors import ShapeMismatchError
from neuropose.analysis.dtw import Method, NanPolicy, dtw_all
from neuropose.analysis.normalize import Alignment, align_poses
from neuropose.analysis.trajectories import person_label, person_trajectory

if TYPE_CHECKING:
    from neuropose.schema import Comparison, VideoPredictions

__all__ = ["compare_trials"]


def compare_trials(
    reference: VideoPredictions,
    candidate: VideoPredictions,
    *,
    person: int | None = None,
    candidate_person: int | None = None,
    reference_frames: slice | None = None,
    candidate_frames: slice | None = None,
    align: Alignment = "root",
    method: Method = "exact",
    window: int | None = None,
    radius: int = 1,
    nan_policy: NanPolicy = "interpolate",
    reference_label: str | None = None,
    candidate_label: str | None = None,
) -> Comparison:
    """DTW distance between one person's whole poses in two trials (or parts of them).

    Each trial's poses (``(frames, joints, 3)``, mm) are cut to the requested frames, aligned
    with :func:`~neuropose.analysis.normalize.align_poses`, then compared with
    :func:`~neuropose.analysis.dtw.dtw_all` (each frame is the flattened pose).

    Parameters
    ----------
    reference, candidate
        The two trials; they must use the same skeleton.
    person
        The person in the reference trial: a track id (a person slot in a file without track
        ids); ``None`` for the trial's only person (refused when it holds several).
    candidate_person
        The person in the candidate trial, read likewise; ``person`` when ``None``.
    reference_frames, candidate_frames
        Frames to compare (``slice(start, stop)``, e.g. one repetition); all by default.
    align
        ``"none"`` (mm), ``"root"`` (each frame centred on its joints' mean, mm) or
        ``"scale"`` (centred, then divided by body size: body sizes).
    method, window, radius, nan_policy
        As for :func:`~neuropose.analysis.dtw.dtw`; ``window`` is in frames.
    reference_label, candidate_label
        Names recorded in the result; default the trials' video file names.

    Returns
    -------
    Comparison
        Distance and distance per path step in the unit ``align`` gives, path length, window,
        and the preprocessing applied (person, alignment, NaN policy).

    Raises
    ------
    ShapeMismatchError
        If the trials use different skeletons, or a selected part is empty.
    MissingPersonError
        If the person never appears in a trial.
    AnalysisError
        If ``align`` is not ``"none"``, ``"root"`` or ``"scale"``.
    """
    from neuropose.schema import Comparison

    if reference.skeleton.name != candidate.skeleton.name:
        raise ShapeMismatchError(
            f"{reference.metadata.file_name} uses skeleton {reference.skeleton.name} and "
            f"{candidate.metadata.file_name} uses {candidate.skeleton.name}; compare trials "
            "estimated with the same skeleton"
        )
    other = person if candidate_person is None else candidate_person
    first = align_poses(
        person_trajectory(reference, person)[reference_frames or slice(None)],
        align,
        skeleton=reference.skeleton,
    )
    second = align_poses(
        person_trajectory(candidate, other)[candidate_frames or slice(None)],
        align,
        skeleton=candidate.skeleton,
    )
    result = dtw_all(
        first, second, method=method, window=window, radius=radius, nan_policy=nan_policy
    )
    return Comparison(
        reference=reference_label or reference.metadata.file_name,
        candidate=candidate_label or candidate.metadata.file_name,
        method=method,
        distance=result.distance,
        normalized_distance=result.normalized_distance,
        path_length=len(result.path),
        window=window,
        preprocessing=(
            f"reference person {person_label(reference, person)}",
            f"candidate person {person_label(candidate, other)}",
            f"align {align}",
            f"nan_policy {nan_policy}",
        ),
    )
