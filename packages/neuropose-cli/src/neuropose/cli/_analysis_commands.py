"""``neuropose segment``, ``compare`` and ``analyze`` (``export`` is in ``_export_command``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from neuropose.cli._context import emit_json, get, require
from neuropose.cli._inputs import load_results
from neuropose.cli._person import (
    ALLOW_GAPS_HELP,
    PERSON_HELP,
    angle_joint_names,
    choose_person,
    observed_mask,
)

__all__ = ["register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ResultsArgument = Annotated[
    str, typer.Argument(help="Predictions file (.npz/.json) or a job's results.json[#video].")
]
PersonOption = Annotated[str, typer.Option(help=PERSON_HELP)]
AllowGapsOption = Annotated[bool, typer.Option("--allow-gaps", help=ALLOW_GAPS_HELP)]

if TYPE_CHECKING:
    from types import ModuleType

    from neuropose.schema import Segmentation, VideoPredictions


def segment(
    ctx: typer.Context,
    results: ResultsArgument,
    extractor: Annotated[
        str, typer.Option(help="joint_axis, joint_pair_distance, joint_speed or joint_angle.")
    ],
    joint: Annotated[
        list[str], typer.Option("--joint", "-j", help="Joint name; repeat as the extractor needs.")
    ],
    axis: Annotated[
        str | None, typer.Option(help="x, y or z, for joint_axis (camera frame, +y down).")
    ] = None,
    person: PersonOption = "auto",
    allow_gaps: AllowGapsOption = False,
    invert: Annotated[
        bool, typer.Option("--invert", help="Repetitions are dips, not peaks.")
    ] = False,
    smoothing_s: Annotated[
        float, typer.Option(min=0, help="Moving-average window, seconds.")
    ] = 0.0,
    baseline_s: Annotated[
        float,
        typer.Option(
            min=0,
            help="Moving-median baseline removed before peak finding, seconds (several "
            "repetitions long); 0 keeps the signal as it is.",
        ),
    ] = 10.0,
    min_period_s: Annotated[
        float, typer.Option(min=0.01, help="Shortest time between two peaks, seconds.")
    ] = 0.5,
    min_prominence: Annotated[
        float | None,
        typer.Option(help="Peak prominence in the signal's unit (default: relative to range)."),
    ] = None,
    relative_prominence: Annotated[
        float,
        typer.Option(
            min=0.001,
            max=1.0,
            help="Without --min-prominence: the fraction of the signal's 5-95 % range a peak "
            "must rise.",
        ),
    ] = 0.3,
    min_height: Annotated[
        float | None,
        typer.Option(help="Lowest peak value, signal's unit (after baseline removal and invert)."),
    ] = None,
    pad_s: Annotated[
        float, typer.Option(min=0, help="Seconds added before and after each repetition.")
    ] = 0.0,
    angle: Annotated[
        list[str] | None,
        typer.Option(
            "--angle",
            help="Clinical angle to measure per repetition (e.g. knee_flexion_left, or "
            "knee_flexion for both sides and their symmetry); repeatable.",
        ),
    ] = None,
    split: Annotated[
        Path | None,
        typer.Option(help="Write one predictions file (.npz) per repetition into this folder."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Save the segmentation (JSON).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Find the repetitions of a movement in a trial (valley to valley) and measure each one."""
    analysis = require("neuropose.analysis")
    from pydantic import ValidationError

    from neuropose.schema import SegmentationConfig, io

    try:
        config = SegmentationConfig.model_validate(
            {
                "extractor": extractor,
                "joints": tuple(joint),
                "axis": axis,
                "person": None,
                "invert": invert,
                "smoothing_s": smoothing_s,
                "baseline_window_s": baseline_s or None,
                "min_period_s": min_period_s,
                "min_prominence": min_prominence,
                "relative_prominence": relative_prominence,
                "min_height": min_height,
                "pad_s": pad_s,
            }
        )
    except ValidationError as error:
        problems = "; ".join(e["msg"] for e in error.errors())
        raise typer.BadParameter(problems) from None
    predictions, path = load_results(results)
    selection, quality = choose_person(
        get(ctx), predictions, person, joints=config.joints, allow_gaps=allow_gaps, say=False
    )
    predictions = selection.predictions
    config = config.model_copy(update={"person": selection.person})
    segmentation = analysis.segment_repetitions(
        predictions, config, source=path, angles=tuple(angle or ())
    )
    recorded = (f"person: {selection.label}", *selection.warnings, quality)
    segmentation = segmentation.model_copy(update={"notes": (*recorded, *segmentation.notes)})
    if output is not None:
        io.save(segmentation, output)
    if split is not None:
        _write_parts(analysis, predictions, segmentation, path, split)
    for note in segmentation.notes:
        typer.echo(f"note: {note}", err=True)
    if as_json:
        emit_json(segmentation.model_dump(mode="json"))
        return
    _print_segmentation(segmentation, path)


def _write_parts(
    analysis: ModuleType,
    predictions: VideoPredictions,
    segmentation: Segmentation,
    path: Path,
    folder: Path,
) -> None:
    from neuropose.schema import io

    parts = analysis.split_repetitions(predictions, segmentation.repetitions)
    folder.mkdir(parents=True, exist_ok=True)
    for k, part in enumerate(parts):
        target = folder / f"{path.stem}_rep{k:03d}.npz"
        io.save_predictions(part, target)
    typer.echo(f"wrote {len(parts)} repetition file(s) to {folder}", err=True)


def _value(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _print_segmentation(segmentation: object, path: Path) -> None:
    from neuropose.schema import Segmentation

    assert isinstance(segmentation, Segmentation)
    typer.echo(
        f"{len(segmentation.repetitions)} repetition(s) in {path.name} "
        f"({segmentation.signal_unit} signal, prominence threshold "
        f"{_value(segmentation.prominence_threshold, 3)} {segmentation.signal_unit})"
    )
    for k, r in enumerate(segmentation.repetitions):
        typer.echo(
            f"  {k}: frames [{r.start}, {r.end})  peak {r.peak}  {r.start_s:.2f}-{r.end_s:.2f} s"
        )
    for measures in segmentation.measures:
        typer.echo(f"repetition {measures.index}: {measures.duration_s:.2f} s")
        for q in measures.quantities:
            typer.echo(
                f"  {q.quantity}: range of motion {_value(q.range_of_motion)} {q.unit}, "
                f"peak velocity {_value(q.peak_velocity)} {q.velocity_unit}, "
                f"{100 * q.observed_fraction:.0f} % observed"
            )
        for sym in measures.symmetry:
            typer.echo(
                f"  {sym.quantity} symmetry index {_value(sym.symmetry_index_percent)} % "
                f"(left {_value(sym.left_range_of_motion)}, right "
                f"{_value(sym.right_range_of_motion)} {sym.unit}; positive: left moves more)"
            )


def _frames(text: str | None, total: int) -> slice:
    if not text:
        return slice(0, total)
    start_text, _, stop_text = text.partition(":")
    try:
        start = int(start_text) if start_text else 0
        stop = int(stop_text) if stop_text else total
    except ValueError:
        raise typer.BadParameter(f"frame range must look like START:END, got {text!r}") from None
    # Python would clamp or reverse a slice silently; a range the trial lacks is refused.
    if not 0 <= start < stop <= total:
        from neuropose.cli._errors import FrameRangeError

        problem = "is reversed or empty" if stop <= start else "is outside the trial"
        raise FrameRangeError(
            f"frame range {text} {problem}: the trial has {total} frames, so the valid range is "
            f"0:{total} (START:END with 0 <= START < END <= {total})"
        )
    return slice(start, stop)


def compare(
    ctx: typer.Context,
    a: Annotated[
        str, typer.Argument(help="Reference trial (predictions file or results.json[#video]).")
    ],
    b: Annotated[str, typer.Argument(help="Trial to compare.")],
    method: Annotated[str, typer.Option(help="exact or fastdtw.")] = "exact",
    window: Annotated[
        int | None, typer.Option(min=0, help="Sakoe-Chiba band half-width, frames (exact only).")
    ] = None,
    radius: Annotated[int, typer.Option(min=0, help="fastdtw radius.")] = 1,
    person: Annotated[
        str, typer.Option(help=PERSON_HELP + " auto chooses in each trial; an id is used in both.")
    ] = "auto",
    allow_gaps: AllowGapsOption = False,
    align: Annotated[
        str,
        typer.Option(
            help="none, root (each frame centred on the midpoint of the hips) or scale "
            "(centred and divided by body size)."
        ),
    ] = "root",
    a_range: Annotated[
        str | None, typer.Option(help="Frames START:END of A (e.g. one repetition).")
    ] = None,
    b_range: Annotated[str | None, typer.Option(help="Frames START:END of B.")] = None,
    nan_policy: Annotated[
        str, typer.Option(help="propagate, interpolate or drop frames without the person.")
    ] = "interpolate",
    as_json: JsonOption = False,
) -> None:
    """DTW distance between two trials (or parts of them), over whole poses."""
    analysis = require("neuropose.analysis")

    if method not in ("exact", "fastdtw"):
        raise typer.BadParameter(f"--method must be exact or fastdtw, not {method!r}")
    if align not in analysis.ALIGNMENTS:
        choices = ", ".join(analysis.ALIGNMENTS)
        raise typer.BadParameter(f"--align must be one of {choices}, not {align!r}")
    reference, reference_path = load_results(a)
    candidate, candidate_path = load_results(b)
    a_frames = _frames(a_range, reference.frame_count)
    b_frames = _frames(b_range, candidate.frame_count)
    first, _ = choose_person(get(ctx), reference, person, frames=a_frames, allow_gaps=allow_gaps)
    second, _ = choose_person(get(ctx), candidate, person, frames=b_frames, allow_gaps=allow_gaps)
    comparison = analysis.compare_trials(
        first.predictions,
        second.predictions,
        person=first.person,
        candidate_person=second.person,
        reference_frames=a_frames,
        candidate_frames=b_frames,
        align=align,
        method=method,
        window=window,
        radius=radius,
        nan_policy=nan_policy,
        reference_label=_label(reference_path, a_range),
        candidate_label=_label(candidate_path, b_range),
    )
    chosen = (f"reference person {first.label}", f"candidate person {second.label}")
    comparison = comparison.model_copy(
        update={"preprocessing": (*chosen, *comparison.preprocessing[2:])}
    )
    if as_json:
        emit_json(comparison.model_dump(mode="json"))
        return
    unit = "body sizes" if align == "scale" else "mm"
    typer.echo(
        f"DTW ({method}) {comparison.reference} vs {comparison.candidate}: {comparison.distance:.1f} {unit} "
        f"over {comparison.path_length} steps ({comparison.normalized_distance:.2f} {unit} per step)"
    )


def _label(path: Path, frames: str | None) -> str:
    return f"{path.name}[{frames}]" if frames else path.name


def analyze(
    ctx: typer.Context,
    results: Annotated[
        str | None,
        typer.Argument(
            help="Predictions file (.npz/.json) or a job's results.json[#video]; optional with "
            "--list-angles --skeleton."
        ),
    ] = None,
    angle: Annotated[
        list[str] | None,
        typer.Option(
            "--angle",
            help="A clinical angle (knee_flexion_left; knee_flexion for both sides; see "
            "--list-angles) or three joint names END,VERTEX,END; repeatable.",
        ),
    ] = None,
    list_angles: Annotated[
        bool,
        typer.Option("--list-angles", help="List the clinical angles the skeleton supports."),
    ] = False,
    skeleton: Annotated[
        str | None,
        typer.Option(help="Skeleton for --list-angles without RESULTS (e.g. smpl_24)."),
    ] = None,
    person: PersonOption = "auto",
    allow_gaps: AllowGapsOption = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Save the report (JSON).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Summarise joint angles (degrees) over a trial: clinical (signed, body frame) or three-joint."""
    analysis = require("neuropose.analysis")
    from neuropose.schema import io

    predictions, path = load_results(results) if results else (None, None)
    if list_angles:
        name = skeleton or (predictions.skeleton.name if predictions is not None else None)
        if name is None:
            raise typer.BadParameter("--list-angles needs RESULTS or --skeleton")
        _print_angles(analysis, name, as_json)
        return
    if predictions is None or path is None:
        raise typer.BadParameter("RESULTS is required (except for --list-angles --skeleton)")
    if not angle:
        raise typer.BadParameter("give at least one --angle (see --list-angles)")
    triplets, names = [], []
    for text in angle:
        parts = tuple(p.strip() for p in text.split(","))
        if len(parts) == 3:
            triplets.append(parts)
        elif len(parts) == 1 and parts[0]:
            names.append(parts[0])
        else:
            raise typer.BadParameter(
                f"--angle takes a clinical angle name or three joint names END,VERTEX,END, got {text!r}"
            )
    used = angle_joint_names(predictions, names, triplets)
    selection, quality = choose_person(
        get(ctx), predictions, person, joints=used, allow_gaps=allow_gaps
    )
    predictions, chosen = selection.predictions, selection.person
    if names:
        report = analysis.clinical_angle_report(
            predictions,
            names,
            person=chosen,
            source_name=path.name,
            triplets=triplets,
            observed=observed_mask(selection),
        )
        report = report.model_copy(update={"person": selection.label})
        summaries = report.three_joint_angles
    else:
        report = analysis.joint_angle_report(
            predictions, triplets, person=chosen, source_name=path.name
        )
        recorded = (f"person: {selection.label}", *selection.warnings, quality)
        report = report.model_copy(update={"notes": recorded})
        summaries = report.angles
    if output is not None:
        io.save(report, output)
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    for c in getattr(report, "angles", ()) if names else ():
        conv = c.convention
        if c.mean_deg is None:
            typer.echo(f"{conv.name}: no valid frame")
            continue
        typer.echo(
            f"{conv.name} ({conv.plane}, + = {conv.positive}): mean {c.mean_deg:.1f} deg, "
            f"sd {_value(c.sd_deg)}, range {c.min_deg:.1f} to {c.max_deg:.1f} "
            f"({c.valid_frames} frames, {100 * c.observed_fraction:.0f} % observed)"
        )
    for s in summaries:
        if s.mean_deg is None:
            typer.echo(f"{'-'.join(s.joints)}: no valid frame")
        else:
            typer.echo(
                f"{'-'.join(s.joints)}: mean {s.mean_deg:.1f} deg, sd {s.std_deg:.1f}, range {s.min_deg:.1f}-{s.max_deg:.1f} "
                f"({s.valid_frames} frames)"
            )


def _print_angles(analysis: ModuleType, skeleton: str, as_json: bool) -> None:
    definitions = analysis.angle_definitions(skeleton)
    if as_json:
        emit_json([d.convention().model_dump(mode="json") for d in definitions])
        return
    typer.echo(f"clinical angles of {skeleton} (degrees; frame: {analysis.BODY_FRAME}):")
    for d in definitions:
        typer.echo(f"  {d.name:28s} {d.plane:10s} + = {d.positive}")


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(segment)
    app.command()(compare)
    app.command()(analyze)
