"""``neuropose segment``, ``compare``, ``analyze`` and ``export``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from neuropose.cli._context import emit_json, require
from neuropose.cli._inputs import load_results

__all__ = ["register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ResultsArgument = Annotated[
    str, typer.Argument(help="Predictions file (.npz/.json) or a job's results.json[#video].")
]


def segment(
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
    person: Annotated[int, typer.Option(min=0, help="Person slot.")] = 0,
    invert: Annotated[
        bool, typer.Option("--invert", help="Repetitions are dips, not peaks.")
    ] = False,
    smoothing_s: Annotated[
        float, typer.Option(min=0, help="Moving-average window, seconds.")
    ] = 0.0,
    min_period_s: Annotated[
        float, typer.Option(min=0.01, help="Shortest repetition, seconds.")
    ] = 0.5,
    min_prominence: Annotated[
        float | None, typer.Option(help="Peak prominence in the signal's unit.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Save the segmentation (JSON).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Find the repetitions of a movement in a trial (valley to valley)."""
    analysis = require("neuropose.analysis")
    from neuropose.schema import SegmentationConfig, io

    config = SegmentationConfig.model_validate(
        {
            "extractor": extractor,
            "joints": tuple(joint),
            "axis": axis,
            "person": person,
            "invert": invert,
            "smoothing_s": smoothing_s,
            "min_period_s": min_period_s,
            "min_prominence": min_prominence,
        }
    )
    predictions, path = load_results(results)
    segmentation = analysis.segment_repetitions(predictions, config, source=path)
    if output is not None:
        io.save(segmentation, output)
    if as_json:
        emit_json(segmentation.model_dump(mode="json"))
        return
    typer.echo(
        f"{len(segmentation.repetitions)} repetition(s) in {path.name} ({segmentation.signal_unit} signal)"
    )
    for k, r in enumerate(segmentation.repetitions):
        typer.echo(
            f"  {k}: frames [{r.start}, {r.end})  peak {r.peak}  {r.start_s:.2f}-{r.end_s:.2f} s"
        )


def _frames(text: str | None, total: int) -> slice:
    if not text:
        return slice(0, total)
    start, _, stop = text.partition(":")
    try:
        return slice(int(start) if start else 0, int(stop) if stop else total)
    except ValueError:
        raise typer.BadParameter(f"frame range must look like START:END, got {text!r}") from None


def compare(
    a: Annotated[
        str, typer.Argument(help="Reference trial (predictions file or results.json[#video]).")
    ],
    b: Annotated[str, typer.Argument(help="Trial to compare.")],
    method: Annotated[str, typer.Option(help="exact or fastdtw.")] = "exact",
    window: Annotated[
        int | None, typer.Option(min=0, help="Sakoe-Chiba band half-width, frames (exact only).")
    ] = None,
    radius: Annotated[int, typer.Option(min=0, help="fastdtw radius.")] = 1,
    person: Annotated[int, typer.Option(min=0, help="Person slot in both trials.")] = 0,
    align: Annotated[
        str,
        typer.Option(
            help="none, root (each frame centred on its joints' mean) or scale (centred and "
            "divided by body size)."
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
    comparison = analysis.compare_trials(
        reference,
        candidate,
        person=person,
        reference_frames=_frames(a_range, reference.frame_count),
        candidate_frames=_frames(b_range, candidate.frame_count),
        align=align,
        method=method,
        window=window,
        radius=radius,
        nan_policy=nan_policy,
        reference_label=_label(reference_path, a_range),
        candidate_label=_label(candidate_path, b_range),
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
    results: ResultsArgument,
    angle: Annotated[
        list[str], typer.Option("--angle", help="Three joint names END,VERTEX,END; repeatable.")
    ],
    person: Annotated[int, typer.Option(min=0, help="Person slot.")] = 0,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Save the report (JSON).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Summarise joint angles (degrees) over a trial."""
    analysis = require("neuropose.analysis")
    from neuropose.schema import io

    triplets = []
    for text in angle:
        parts = tuple(p.strip() for p in text.split(","))
        if len(parts) != 3:
            raise typer.BadParameter(
                f"--angle takes three joint names END,VERTEX,END, got {text!r}"
            )
        triplets.append(parts)
    predictions, path = load_results(results)
    report = analysis.joint_angle_report(
        predictions, triplets, person=person, source_name=path.name
    )
    if output is not None:
        io.save(report, output)
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    for s in report.angles:
        if s.mean_deg is None:
            typer.echo(f"{'-'.join(s.joints)}: no valid frame")
        else:
            typer.echo(
                f"{'-'.join(s.joints)}: mean {s.mean_deg:.1f} deg, sd {s.std_deg:.1f}, range {s.min_deg:.1f}-{s.max_deg:.1f} "
                f"({s.valid_frames} frames)"
            )


def export(
    results: ResultsArgument,
    fmt: Annotated[
        str,
        typer.Option("--format", help="json, csv (one row per frame, person and joint) or npz."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Destination (CSV: default stdout).")
    ] = None,
) -> None:
    """Convert predictions between formats."""
    from neuropose.schema import io

    if fmt not in ("json", "csv", "npz"):
        raise typer.BadParameter(f"--format must be json, csv or npz, not {fmt!r}")
    predictions, path = load_results(results)
    if fmt == "csv":
        analysis = require("neuropose.analysis")
        if output is None:
            analysis.write_frame_table(predictions, sys.stdout)
            return
        with open(output, "w", newline="") as handle:
            analysis.write_frame_table(predictions, handle)
    else:
        target = output or path.with_suffix(f".{fmt}")
        io.save_predictions(predictions, target, format=fmt)  # type: ignore[arg-type]
        output = target
    typer.echo(f"wrote {output}", err=True)


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(segment)
    app.command()(compare)
    app.command()(analyze)
    app.command()(export)
