"""``--person auto|ID``: which person an analysis command follows, and how much of them was seen.

Every analysis command turns its ``--person`` option into a :class:`PersonSelection` with
:func:`select_person`, analyses ``selection.predictions`` for ``selection.person`` and records
``selection.label`` (the id and the rule) in its output. A file without track ids is tracked in
memory first (the same tracker ``process`` runs), so the ids ``neuropose people`` lists for it
are the ids every other command accepts; nothing reads "slot 0".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import typer

from neuropose.cli._context import require

if TYPE_CHECKING:
    from neuropose.cli._context import Context
    from neuropose.schema import SubjectChoice, VideoPredictions

__all__ = [
    "ALLOW_GAPS_HELP",
    "PERSON_HELP",
    "PersonSelection",
    "angle_joint_names",
    "check_quality",
    "choose_person",
    "observed_mask",
    "parse_person",
    "select_person",
    "with_tracks",
]

PERSON_HELP = (
    "Who to analyse: auto (the subject rule picks the patient; see neuropose people) or a track id."
)
"""Help text of every analysis command's ``--person`` option."""

ALLOW_GAPS_HELP = (
    "Analyse even when a joint used is observed in less than half of the span (default: refuse)."
)
"""Help text of the ``--allow-gaps`` option."""


@dataclass(frozen=True)
class PersonSelection:
    """The person an analysis follows.

    Attributes
    ----------
    predictions
        The predictions to analyse: the file's own, or tracked in memory when it had no ids.
    person
        Track id (``by == "track"``) or person slot (``by == "slot"``, only for a file with
        one person and too few detections to track).
    by
        How ``person`` is read by the analysis functions.
    method
        ``"subject rule"``, ``"given"`` or ``"only person"``.
    choice
        The subject rule's ranking when it ran (``--person auto``), else ``None``.
    tracked_here
        True when the file had no track ids and was tracked in memory.
    """

    predictions: VideoPredictions
    person: int
    by: Literal["track", "slot"]
    method: str
    choice: SubjectChoice | None = None
    tracked_here: bool = False

    @property
    def label(self) -> str:
        """The id and the rule, as outputs record them: ``"track 1 (subject rule ... v1)"``."""
        if self.method == "subject rule" and self.choice is not None:
            config = self.choice.config
            how = f"chosen by the subject rule {config.rule} v{config.version}"
        elif self.method == "given":
            how = "given"
        else:
            how = "the only person, too briefly seen to track"
        if self.tracked_here:
            how += "; ids assigned on load, the file has none"
        return f"{self.by} {self.person} ({how})"

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the user must know: two tracks too close to tell apart, ids made on load."""
        found = []
        if self.choice is not None and self.choice.warning is not None:
            found.append(self.choice.warning.message)
        if self.tracked_here:
            found.append(
                f"{self.predictions.metadata.file_name} has no track ids: tracked on load with "
                "the default tracker; save them with neuropose track"
            )
        return tuple(found)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready record of the choice (``person`` key of the commands' ``--json``)."""
        chosen = None
        if self.choice is not None:
            chosen = next(row for row in self.choice.tracks if row.track_id == self.person)
        return {
            "id": self.person,
            "by": self.by,
            "method": self.method,
            "label": self.label,
            "rule": None if self.choice is None else self.choice.config.model_dump(mode="json"),
            "reason": None if chosen is None else chosen.reason,
            "warnings": list(self.warnings),
            "tracked_on_load": self.tracked_here,
        }

    def say(self, context: Context) -> None:
        """Print the choice on stderr (unless ``-q``) and its warnings (always)."""
        context.say(f"person: {self.label}")
        for warning in self.warnings:
            typer.echo(f"warning: {warning}", err=True)


def parse_person(text: str, *, allow_all: bool = False) -> Literal["auto", "all"] | int:
    """Read a ``--person`` value: ``auto``, a track id, or (for export) ``all``.

    Raises
    ------
    typer.BadParameter
        For anything else (a usage error, exit code 2).
    """
    value = text.strip().lower()
    if value == "auto" or (allow_all and value == "all"):
        return value
    if value.isdigit():
        return int(value)
    choices = "auto, all or a track id" if allow_all else "auto or a track id"
    raise typer.BadParameter(f"--person takes {choices} (0, 1, ...), not {text!r}")


def with_tracks(predictions: VideoPredictions) -> tuple[VideoPredictions, bool]:
    """Return the predictions with track ids (tracked in memory when the file has none).

    The second value says whether they were tracked here.
    """
    from neuropose.schema import NO_TRACK

    if bool((predictions.track_ids != NO_TRACK).any()):
        return predictions, False
    analysis = require("neuropose.analysis")
    tracked, _ = analysis.track_predictions(predictions)
    return tracked, True


def select_person(predictions: VideoPredictions, person: str) -> PersonSelection:
    """Decide whom an analysis follows, from a ``--person`` value.

    Parameters
    ----------
    predictions
        The loaded file.
    person
        ``"auto"``: the subject rule (:func:`neuropose.analysis.choose_subject_for`) picks
        among the tracks; a number: that track id.

    Returns
    -------
    PersonSelection
        With the predictions to analyse (tracked in memory if the file had no ids).

    Raises
    ------
    MissingPersonError
        If the track id never appears (the message lists the tracks), or nobody was tracked.
    typer.BadParameter
        If ``person`` is neither ``auto`` nor a number.
    """
    analysis = require("neuropose.analysis")
    wanted = parse_person(person)
    usable, tracked_here = with_tracks(predictions)
    ids = usable.track_ids
    tracks = sorted({int(i) for i in ids[ids >= 0].tolist()})
    if not tracks:
        if predictions.max_people == 1 and wanted in ("auto", 0):
            # One person, seen too briefly for the tracker to confirm a track: slot 0 is them.
            return PersonSelection(predictions, 0, "slot", "only person")
        raise analysis.NoTracksError(
            f"nobody in {predictions.metadata.file_name} was tracked (too few confident "
            "detections); there is no person to analyse"
        )
    if wanted == "auto":
        choice = analysis.choose_subject_for(usable)
        return PersonSelection(usable, choice.chosen, "track", "subject rule", choice, tracked_here)
    if wanted not in tracks:
        listed = ", ".join(map(str, tracks[:20]))
        raise analysis.MissingPersonError(
            f"track {wanted} is not in {predictions.metadata.file_name}; its tracks are "
            f"{listed} (neuropose people lists them)"
        )
    return PersonSelection(usable, int(wanted), "track", "given", None, tracked_here)


def check_quality(
    selection: PersonSelection,
    joints: Sequence[int] | None = None,
    *,
    frames: slice | None = None,
    allow_gaps: bool = False,
) -> str:
    """Refuse a mostly missing span of the chosen person and describe what was observed.

    Parameters
    ----------
    selection
        The person.
    joints
        Joint indices the analysis uses; all when ``None``.
    frames
        The frames analysed (``--a-range``); the whole trial when ``None``.
    allow_gaps
        Report but never refuse (``--allow-gaps``).

    Returns
    -------
    str
        One line: the shares of the samples observed, interpolated and missing.

    Raises
    ------
    MostlyMissingError
        Naming the joint and the time span, when a joint is observed in less than half of it.
    """
    analysis = require("neuropose.analysis")
    predictions = selection.predictions
    flags = analysis.person_flags(predictions, selection.person, by=selection.by)
    times = predictions.times_s
    span = range(predictions.frame_count)[frames or slice(None)]
    if len(span) == 0:
        return "quality: no frames selected"
    start_s, end_s = float(times[span[0]]), float(times[span[-1]])
    report = analysis.check_observed(
        flags,
        times,
        joints=joints,
        start_s=start_s,
        end_s=end_s,
        allow_gaps=allow_gaps,
        joint_names=predictions.skeleton.joint_names,
    )
    count = max(len(report), 1)
    observed = sum(q.observed for q in report) / count
    interpolated = sum(q.interpolated for q in report) / count
    missing = sum(q.missing for q in report) / count
    return (
        f"quality of {selection.by} {selection.person} over {start_s:.2f}-{end_s:.2f} s "
        f"({len(report)} joints used): {observed:.0%} observed, {interpolated:.0%} filled "
        f"(interpolated), {missing:.0%} missing"
    )


def angle_joint_names(
    predictions: VideoPredictions,
    names: Sequence[str] = (),
    triplets: Sequence[Sequence[str]] = (),
) -> tuple[str, ...]:
    """Return the joints that clinical angles ``names`` and three-joint ``triplets`` read."""
    analysis = require("neuropose.analysis")
    skeleton = predictions.skeleton.name
    found: list[str] = [joint for triplet in triplets for joint in triplet]
    for definition in analysis.expand_angle_names(skeleton, names) if names else ():
        found.extend(analysis.angle_joints(skeleton, definition.name))
    return tuple(dict.fromkeys(found))


def choose_person(
    context: Context,
    predictions: VideoPredictions,
    person: str,
    *,
    joints: Sequence[str] | None = None,
    frames: slice | None = None,
    allow_gaps: bool = False,
    say: bool = True,
) -> tuple[PersonSelection, str]:
    """Select the person (:func:`select_person`) and check their data (:func:`check_quality`).

    Parameters
    ----------
    context
        For the messages on stderr.
    predictions, person
        As :func:`select_person`.
    joints
        Names of the joints the analysis reads; all when ``None``.
    frames, allow_gaps
        As :func:`check_quality`.
    say
        Print the choice, its warnings and the quality line on stderr (commands that print
        their output's notes anyway pass False and add them to the notes).

    Returns
    -------
    selection, quality
        The person and the quality line.
    """
    selection = select_person(predictions, person)
    indices = None
    if joints is not None:
        indices = require("neuropose.analysis").joint_indices(predictions.skeleton, joints)
    quality = check_quality(selection, indices, frames=frames, allow_gaps=allow_gaps)
    if say:
        selection.say(context)
        context.say(quality)
    return selection, quality


def observed_mask(selection: PersonSelection) -> Any:
    """Return ``(frames, joints)`` booleans: the person's samples flagged observed."""
    from neuropose.schema import QualityFlag

    analysis = require("neuropose.analysis")
    flags = analysis.person_flags(selection.predictions, selection.person, by=selection.by)
    return (flags & QualityFlag.OBSERVED.value) != 0
