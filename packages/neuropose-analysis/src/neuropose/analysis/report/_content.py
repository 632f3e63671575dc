"""What a session report says, computed from the predictions: numbers only, no drawing.

:func:`build_report` runs the analysis a recipe describes (subject, optional cleaning, angles,
repetitions, gait steps, comparison) and returns the series the plots need together with
:attr:`ReportContent.data`, the JSON-ready numbers the page shows and embeds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from neuropose.analysis._errors import AnalysisError
from neuropose.analysis._poses import FloatArray
from neuropose.analysis.angles import joint_angle
from neuropose.analysis.report._angles import AngleSpec, angle_specs
from neuropose.analysis.report._measures import repetition_table
from neuropose.analysis.report._quality import (
    OBSERVED,
    QualityCodes,
    quality_from_flags,
    quality_section,
)
from neuropose.analysis.report._signals import (
    default_segmentation,
    signal_label,
)
from neuropose.analysis.report._subject import Subject, resolve_subject
from neuropose.analysis.reports import angle_summary
from neuropose.analysis.trajectories import joint_indices

if TYPE_CHECKING:
    from neuropose.schema import (
        GaitResult,
        Recipe,
        Repetition,
        SegmentationConfig,
        VideoPredictions,
    )

__all__ = ["REPORT_FORMAT", "MeasuredAngle", "ReportContent", "build_report", "json_ready"]

REPORT_FORMAT = {"name": "neuropose-session-report", "version": 1}
"""Name and version of the JSON embedded in every report (``#report-data``)."""


@dataclass(frozen=True)
class MeasuredAngle:
    """One angle over the session: what it is, its values (deg) and its joints' indices."""

    spec: AngleSpec
    values: FloatArray
    joints: tuple[int, int, int]


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, before it is drawn.

    Attributes
    ----------
    data
        The numbers of every table, JSON-ready (``NaN`` already ``None``); embedded in the
        page as ``<script type="application/json" id="report-data">``.
    times_s
        Time of each sample of the analysed trajectory, seconds.
    angles
        The measured angles, in degrees.
    signal, signal_unit, signal_text
        The segmented signal (or ``None``), its unit and description.
    repetitions
        Repetitions found, as frame indices into ``times_s`` and seconds.
    quality
        Per-sample quality codes of the analysed trajectory.
    joint_names
        The skeleton's joints.
    subject
        Whom the report follows.
    recipe
        The recipe as run (options given on the command line applied).
    recipe_text
        The recipe file's text, when one was given.
    """

    data: dict[str, Any]
    times_s: FloatArray
    angles: tuple[MeasuredAngle, ...]
    signal: FloatArray | None
    signal_unit: str
    signal_text: str
    repetitions: tuple[Repetition, ...]
    quality: QualityCodes
    joint_names: tuple[str, ...]
    subject: Subject
    recipe: Recipe
    recipe_text: str | None = None


def json_ready(value: Any) -> Any:
    """Copy ``value`` with every NaN or infinite float replaced by ``None`` (strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    # isinstance cannot tell the item types; any object is fine here, as each is recursed into.
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in cast("Mapping[object, object]", value).items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in cast("Sequence[object]", value)]
    if isinstance(value, np.generic):
        return json_ready(value.item())
    return value


def effective_recipe(
    recipe: Recipe | None,
    *,
    person: Literal["auto"] | int | None = None,
    task: str | None = None,
    compare: str | None = None,
) -> Recipe:
    """Apply the command line's options to a recipe (validated like a recipe file)."""
    from neuropose.schema import Recipe

    data = (recipe or Recipe()).model_dump(mode="json", exclude_unset=False)
    if task is not None:
        # The cleaning table keeps the cutoff it was read with: only a recipe file's own task
        # chooses a cutoff, so a command-line --task never changes a written cleaning step.
        data["task"] = task
    if person is not None:
        data["subject"] = {**data["subject"], "person": person}
    if compare is not None:
        data["comparison"] = {**(data.get("comparison") or {}), "reference": compare}
    return Recipe.model_validate(data)


def _session(
    predictions: VideoPredictions, source_name: str, video_facts: Mapping[str, Any]
) -> dict[str, Any]:
    meta, provenance = predictions.metadata, predictions.provenance
    times = np.asarray(predictions.times_s, np.float64)
    intervals = np.diff(times)
    positive = intervals[intervals > 0]
    return {
        "predictions_file": source_name,
        "video_file": meta.file_name,
        "video_sha256": meta.sha256,
        "frames": meta.frame_count,
        "duration_s": meta.duration_s,
        "nominal_fps": meta.fps,
        "measured_fps": float(1.0 / np.median(positive)) if positive.size else None,
        "variable_frame_rate": bool(
            positive.size and (positive.max() - positive.min()) > 0.1 * np.median(positive)
        ),
        "width": meta.width,
        "height": meta.height,
        "rotation_degrees": meta.rotation_degrees,
        "processed_at": provenance.created_at.isoformat(),
        "recorded_at": video_facts.get("recorded_at"),
        "model_name": provenance.model_name,
        "model_sha256": provenance.model_sha256,
        "model_source": provenance.model_source,
        "skeleton": predictions.skeleton.name,
        "joints": predictions.skeleton.joint_count,
        "units": predictions.units.model_dump(mode="json"),
        "camera": predictions.camera.model_dump(mode="json"),
        "package_versions": dict(provenance.package_versions),
        "inference_parameters": provenance.parameters.model_dump(mode="json"),
        "people_max": predictions.max_people,
    }


def _subject_data(subject: Subject) -> dict[str, Any]:
    return {
        "person": subject.person,
        "by": subject.by,
        "method": subject.method,
        "described": subject.describe(),
        "reason": subject.reason,
        "warnings": list(subject.warnings),
        "ranking": list(subject.ranking),
        "rule": subject.rule,
    }


def _clean(
    predictions: VideoPredictions, subject: Subject, poses: FloatArray, recipe: Recipe
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.uint8], dict[str, Any]]:
    """Run the recipe's cleaning on the subject's trajectory; return poses, times, flags, config."""
    from neuropose.analysis.cleaning import clean_trajectory

    confidence = None
    if predictions.joint_confidence is not None:
        mask = subject.slot_mask(predictions)
        confidence = np.full(poses.shape[:2], np.nan)
        rows, slots = np.nonzero(mask)
        confidence[rows] = predictions.joint_confidence[rows, slots]
    cleaned = clean_trajectory(
        poses, predictions.times_s, confidence=confidence, config=recipe.cleaning
    )
    config = cleaned.config.model_dump(mode="json") | {"rate_hz_used": cleaned.rate_hz}
    return cleaned.poses, cleaned.times_s, cleaned.flags, config


def _segmentation(
    recipe: Recipe,
    angles: tuple[MeasuredAngle, ...],
    poses: FloatArray,
    times: FloatArray,
    predictions: VideoPredictions,
) -> tuple[SegmentationConfig | None, str, FloatArray | None, str, tuple[Repetition, ...], str]:
    """Find repetitions; returns config, its origin, signal, unit, repetitions and a note."""
    from neuropose.analysis.segment import segment_signal, trajectory_signal

    if not recipe.segmentation.enabled:
        return None, "off", None, "", (), "segmentation is off in the recipe"
    config = recipe.segmentation.signal
    origin = "recipe"
    if config is None:
        origin = f"usual signal of the {recipe.task} task"
        config = default_segmentation(
            recipe.task, [a.spec for a in angles], [a.values for a in angles]
        )
    if config is None:
        note = (
            f"no repetition signal: skeleton '{predictions.skeleton.name}' has no angle to build "
            "one from; give [segmentation.signal] in a recipe"
        )
        return None, origin, None, "", (), note
    try:
        signal, unit = trajectory_signal(poses, times, predictions.skeleton, config)
    except AnalysisError as error:
        return config, origin, None, "", (), f"no repetition signal: {error}"
    try:
        repetitions = segment_signal(signal, times, config)
    except AnalysisError as error:
        return config, origin, signal, unit, (), f"no repetitions: {error}"
    note = "" if repetitions else "no repetition was found in the signal with these thresholds"
    return config, origin, signal, unit, repetitions, note


def _gait(
    predictions: VideoPredictions, poses: FloatArray, times: FloatArray, codes: QualityCodes
) -> dict[str, Any]:
    """Measure gait as ``neuropose gait`` does, on the analysed (possibly cleaned) trajectory.

    The trajectory is in the camera frame (a hip-centred file's joints placed there by its
    estimated root translation), as ``neuropose gait`` measures it.
    """
    from neuropose.analysis.gait import analyze_gait, with_frame_note

    try:
        result = analyze_gait(
            poses,
            times,
            predictions.skeleton,
            # Interpolated samples are not observations: events are not placed on them.
            observed=codes.codes == OBSERVED,
            source_file_name=predictions.metadata.file_name,
            source_video_sha256=predictions.metadata.sha256,
        )
    except AnalysisError as error:
        return {"available": False, "note": str(error)}
    return _gait_section(with_frame_note(result, predictions))


def _gait_section(result: GaitResult) -> dict[str, Any]:
    return {
        "available": bool(result.cycles),
        "method": result.method,
        "method_version": result.method_version,
        "heel_strikes": {side: len(found) for side, found in result.heel_strikes_s.items()},
        "cycles": len(result.cycles),
        "parameters": [statistic.model_dump(mode="json") for statistic in result.parameters],
        "notes": list(result.notes),
        "note": (
            "Heel strikes and toe offs are found from the feet's motion relative to the pelvis; "
            "lengths and speed are measured along the direction of travel (as neuropose gait)."
        ),
    }


def _compare(
    predictions: VideoPredictions,
    subject: Subject,
    reference: VideoPredictions,
    reference_name: str,
    source_name: str,
    recipe: Recipe,
) -> dict[str, Any]:
    """DTW of the subject's whole poses against the reference session's subject."""
    from neuropose.analysis._errors import ShapeMismatchError
    from neuropose.analysis.dtw import dtw_all
    from neuropose.analysis.normalize import align_poses
    from neuropose.schema import Comparison

    settings = recipe.comparison
    assert settings is not None
    if reference.skeleton.name != predictions.skeleton.name:
        raise ShapeMismatchError(
            f"{reference_name} uses skeleton {reference.skeleton.name} and {source_name} uses "
            f"{predictions.skeleton.name}; compare sessions estimated with the same skeleton"
        )
    reference_subject = resolve_subject(reference, "auto", recipe.subject.rule)
    result = dtw_all(
        align_poses(
            reference_subject.trajectory(reference), settings.align, skeleton=reference.skeleton
        ),
        align_poses(subject.trajectory(predictions), settings.align, skeleton=predictions.skeleton),
        method=settings.method,
        window=settings.window,
        radius=settings.radius,
        nan_policy=settings.nan_policy,
    )
    comparison = Comparison(
        reference=reference_name,
        candidate=source_name,
        method=settings.method,
        distance=result.distance,
        normalized_distance=result.normalized_distance,
        path_length=len(result.path),
        window=settings.window,
        preprocessing=(
            f"reference {reference_subject.describe()}",
            f"candidate {subject.describe()}",
            f"align {settings.align}",
            f"nan_policy {settings.nan_policy}",
        ),
    )
    return {
        **comparison.model_dump(mode="json"),
        "unit": "body sizes" if settings.align == "scale" else "mm",
        "reference_frames": reference.frame_count,
        "candidate_frames": predictions.frame_count,
    }


def build_report(
    predictions: VideoPredictions,
    *,
    source_name: str | None = None,
    recipe: Recipe | None = None,
    person: Literal["auto"] | int | None = None,
    task: str | None = None,
    reference: VideoPredictions | None = None,
    reference_name: str | None = None,
    recipe_text: str | None = None,
    video_facts: Mapping[str, Any] | None = None,
) -> ReportContent:
    """Run a report's analysis on one session.

    Parameters
    ----------
    predictions
        The session.
    source_name
        File name of the predictions, shown and recorded; defaults to the video's.
    recipe
        The steps and their parameters; the defaults of :class:`~neuropose.schema.Recipe`
        when ``None``.
    person, task
        Override the recipe's ``subject.person`` and ``task``.
    reference
        A session to compare with (overrides the recipe's ``comparison.reference``, whose
        other settings still apply); loaded from the recipe's path when ``None``.
    reference_name
        The reference's file name, shown and recorded.
    recipe_text
        The recipe file's text, embedded in the report.
    video_facts
        What the video container says (``recorded_at``), when the video was read.

    Returns
    -------
    ReportContent
        The numbers and series of the report.

    Raises
    ------
    MissingPersonError
        If the requested person never appears.
    ReportInputError
        For an angle the skeleton does not have.
    UnknownJointError
        For a segmentation joint the skeleton does not have.
    """
    from neuropose.schema import io

    source = source_name or predictions.metadata.file_name
    compare_label = None
    if reference is not None:
        compare_label = reference_name or reference.metadata.file_name
    recipe = effective_recipe(recipe, person=person, task=task, compare=compare_label)
    names = predictions.skeleton.joint_names
    subject = resolve_subject(predictions, recipe.subject.person, recipe.subject.rule)
    poses = subject.positions(predictions)
    times = np.asarray(predictions.times_s, np.float64)
    gaps, codes = quality_from_flags(subject.quality_flags(predictions), times, names)
    file_source = "raw" if predictions.provenance.cleaning is None else "cleaned_file"
    raw_quality = quality_section(gaps, codes, times, names, source=file_source)
    quality = raw_quality
    cleaning = None
    if recipe.cleaning is not None:
        poses, times, flags, cleaning = _clean(predictions, subject, poses, recipe)
        gaps, codes = quality_from_flags(flags, times, names)
        quality = quality_section(gaps, codes, times, names, source="cleaned")

    specs = angle_specs(
        predictions.skeleton.name,
        names,
        recipe.task,
        recipe.angles.names,
        [(angle.name, angle.joints) for angle in recipe.angles.custom],
    )
    angles: list[MeasuredAngle] = []
    for spec in specs:
        first, vertex, last = joint_indices(predictions.skeleton, spec.joints)
        values = joint_angle(poses, first, vertex, last)
        angles.append(MeasuredAngle(spec, values, (first, vertex, last)))
    measured = tuple(angles)

    config, origin, signal, unit, repetitions, note = _segmentation(
        recipe, measured, poses, times, predictions
    )
    table = repetition_table(
        repetitions, times, signal, [(a.spec, a.values, a.joints) for a in measured], codes
    )
    gait = None
    if recipe.measures_gait():
        gait = _gait(predictions, poses, times, codes)

    comparison = None
    if recipe.comparison is not None:
        if reference is None:
            path = Path(recipe.comparison.reference)
            reference = io.load_predictions(path)
            compare_label = path.name
        comparison = _compare(
            predictions, subject, reference, compare_label or "reference", source, recipe
        )

    data: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "generated_at": datetime.now(UTC).isoformat(),
        "generator": _generator(),
        "task": recipe.task,
        "recipe": recipe.model_dump(mode="json"),
        "recipe_toml": recipe_text,
        "session": _session(predictions, source, video_facts or {}),
        "subject": _subject_data(subject),
        "cleaning": cleaning,
        "quality": quality,
        "raw_quality": raw_quality if cleaning is not None else None,
        "angles": [
            {
                "name": a.spec.name,
                "label": a.spec.label,
                "joints": list(a.spec.joints),
                "unit": "deg",
                "kind": "included angle (180 = straight)",
                "summary": angle_summary(a.spec.joints, a.values).model_dump(mode="json"),
            }
            for a in measured
        ],
        "segmentation": None
        if config is None
        else {
            "config": config.model_dump(mode="json"),
            "origin": origin,
            "signal_unit": unit,
            "signal": signal_label(config),
            "repetitions": [rep.model_dump(mode="json") for rep in repetitions],
        },
        "segmentation_note": note,
        "repetitions": table,
        "gait": gait,
        "comparison": comparison,
        "overlay": None,
        "exports": [],
    }
    return ReportContent(
        data=json_ready(data),
        times_s=times,
        angles=measured,
        signal=signal,
        signal_unit=unit,
        signal_text=signal_label(config) if config is not None else "",
        repetitions=repetitions,
        quality=codes,
        joint_names=tuple(names),
        subject=subject,
        recipe=recipe,
        recipe_text=recipe_text,
    )


def _generator() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("neuropose-analysis")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        installed = "0.0.0"
    return {"neuropose-analysis": installed}
