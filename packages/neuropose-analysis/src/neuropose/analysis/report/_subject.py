"""Who the report is about: the person followed, how they were found, and their trajectory.

In a tracked file (track ids present) the subject is a track: the one asked for, or the one
the subject rule of :func:`neuropose.analysis.subject.choose_subject` picks. A file without
track ids can only be read by person slot, so slot 0 (the first person the detector listed
in each frame) is used and the report says so, with a warning when several people appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from neuropose.analysis._poses import FloatArray
from neuropose.analysis.trajectories import camera_frame_trajectory, person_trajectory

if TYPE_CHECKING:
    from neuropose.schema import SubjectConfig, VideoPredictions

__all__ = ["Subject", "resolve_subject"]


@dataclass(frozen=True)
class Subject:
    """The person a report follows.

    Attributes
    ----------
    person
        Track id (``by == "track"``) or person slot (``by == "slot"``).
    by
        How ``person`` is read.
    method
        ``"requested"`` (given by the user), ``"subject rule"`` (chosen among the tracks) or
        ``"slot 0"`` (the file has no track ids).
    reason
        Why this person, in words.
    warnings
        Anything the reader must know (close scores, several people in an untracked file).
    ranking
        The subject rule's row for every track (JSON-ready), when the rule ran.
    rule
        The rule's name, version and parameters (JSON-ready), when it ran.
    """

    person: int
    by: Literal["track", "slot"]
    method: str
    reason: str
    warnings: tuple[str, ...] = ()
    ranking: tuple[dict[str, Any], ...] = ()
    rule: dict[str, Any] | None = field(default=None)

    def describe(self) -> str:
        """One line: ``"track 3 (subject rule)"`` or ``"person slot 0 (slot 0)"``."""
        what = "track" if self.by == "track" else "person slot"
        return f"{what} {self.person} ({self.method})"

    def trajectory(self, predictions: VideoPredictions) -> FloatArray:
        """Return the person's ``(frames, joints, 3)`` poses as the file holds them, NaN where unseen."""
        return person_trajectory(predictions, self.person, by=self.by)

    def positions(self, predictions: VideoPredictions) -> FloatArray:
        """Return the person's ``(frames, joints, 3)`` joints in the camera frame, millimetres.

        A hip-centred (BlazePose) file's joints are placed there by its estimated root
        translation (:func:`~neuropose.analysis.camera_frame_trajectory`), so heights, speeds
        and gait lengths mean what they mean for MeTRAbs.
        """
        return camera_frame_trajectory(predictions, self.person, by=self.by)

    def quality_flags(self, predictions: VideoPredictions) -> npt.NDArray[np.uint8]:
        """``(frames, joints)`` quality flags of this person, ``MISSING`` where unseen."""
        from neuropose.analysis.cleaning import person_flags

        return person_flags(predictions, self.person, by=self.by)

    def slot_mask(self, predictions: VideoPredictions) -> np.ndarray:
        """``(frames, persons)`` bool: where this person sits in each frame."""
        if self.by == "track":
            return np.asarray(predictions.track_ids == self.person)
        present = predictions.person_mask
        mask = np.zeros(present.shape, bool)
        if self.person < present.shape[1]:
            mask[:, self.person] = present[:, self.person]
        return mask


def _tracked(predictions: VideoPredictions) -> bool:
    from neuropose.schema import NO_TRACK

    return bool(np.any(predictions.track_ids != NO_TRACK))


def resolve_subject(
    predictions: VideoPredictions, person: Literal["auto"] | int, rule: SubjectConfig | None = None
) -> Subject:
    """Decide whom the report follows.

    Parameters
    ----------
    predictions
        The session.
    person
        ``"auto"``, or a track id (tracked file) / person slot (untracked file).
    rule
        The subject rule's configuration (a ``SubjectConfig``) for ``"auto"``; ``None`` for
        its defaults.

    Raises
    ------
    MissingPersonError
        If the requested person never appears.
    """
    tracked = _tracked(predictions)
    by: Literal["track", "slot"] = "track" if tracked else "slot"
    if person != "auto":
        subject = Subject(int(person), by, "requested", f"asked for {by} {person}")
        subject.trajectory(predictions)  # raises MissingPersonError naming what exists
        return subject
    if not tracked:
        warnings: tuple[str, ...] = ()
        if predictions.max_people > 1:
            crowded = int(np.count_nonzero(predictions.people_per_frame > 1))
            warnings = (
                f"{crowded} frame(s) show more than one person and this file has no track ids: "
                "slot 0 may be a different person from one frame to the next; track the file "
                "first (neuropose track) so the report can follow one identity",
            )
        subject = Subject(
            0,
            "slot",
            "slot 0",
            "this file has no track ids, so person slot 0 is used: the first person the "
            "detector listed in each frame",
            warnings,
        )
        subject.trajectory(predictions)
        return subject
    return _by_rule(predictions, rule)


def _by_rule(predictions: VideoPredictions, rule: SubjectConfig | None) -> Subject:
    from neuropose.analysis.subject import choose_subject_for

    choice = choose_subject_for(predictions, config=rule)
    chosen = next(row for row in choice.tracks if row.track_id == choice.chosen)
    warnings = (choice.warning.message,) if choice.warning is not None else ()
    return Subject(
        choice.chosen,
        "track",
        "subject rule",
        chosen.reason,
        warnings,
        tuple(row.model_dump(mode="json") for row in choice.tracks),
        choice.config.model_dump(mode="json"),
    )
