"""``neuropose segment``, ``compare``, ``analyze`` and ``export``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Any

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
        typer.Option(help="none, root (hips-centred) or scale (centred and body-size normalised)."),
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
    from neuropose.analysis import features
    from neuropose.schema import Comparison

    if method not in ("exact", "fastdtw"):
        raise typer.BadParameter(f"--method must be exact or fastdtw, not {method!r}")
    if align not in ("none", "root", "scale"):
        raise typer.BadParameter(f"--align must be none, root or scale, not {align!r}")
    trials = []
    for argument, frames in ((a, a_range), (b, b_range)):
        predictions, path = load_results(argument)
        poses = features.person_trajectory(predictions, person)[
            _frames(frames, predictions.frame_count)
        ]
        if align != "none":
            poses = poses - poses.mean(axis=1, keepdims=True)
        if align == "scale":
            poses = poses / features.body_scale(poses)
        trials.append((poses, path, predictions.skeleton.name))
    (first, first_path, first_skeleton), (second, second_path, second_skeleton) = trials
    if first_skeleton != second_skeleton:
        from neuropose.schema import NeuroPoseError

        raise NeuroPoseError(
            f"{first_path} uses skeleton {first_skeleton} and {second_path} uses {second_skeleton}"
        )
    result = analysis.dtw_all(
        first, second, method=method, window=window, radius=radius, nan_policy=nan_policy
    )
    comparison = Comparison(
        reference=f"{first_path.name}{'[' + a_range + ']' if a_range else ''}",
        candidate=f"{second_path.name}{'[' + b_range + ']' if b_range else ''}",
        method=method,  # type: ignore[arg-type]
        distance=result.distance,
        normalized_distance=result.normalized_distance,
        path_length=len(result.path),
        window=window,
        preprocessing=(f"person {person}", f"align {align}", f"nan_policy {nan_policy}"),
    )
    if as_json:
        emit_json(comparison.model_dump(mode="json"))
        return
    unit = "body sizes" if align == "scale" else "mm"
    typer.echo(
        f"DTW ({method}) {comparison.reference} vs {comparison.candidate}: {comparison.distance:.1f} {unit} "
        f"over {comparison.path_length} steps ({comparison.normalized_distance:.2f} {unit} per step)"
    )


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
    require("neuropose.analysis")
    from neuropose.analysis import features
    from neuropose.schema import AnalysisReport, JointAngleSummary, io

    triplets = []
    for text in angle:
        parts = tuple(p.strip() for p in text.split(","))
        if len(parts) != 3:
            raise typer.BadParameter(
                f"--angle takes three joint names END,VERTEX,END, got {text!r}"
            )
        triplets.append(parts)
    predictions, path = load_results(results)
    angles = features.joint_angles(predictions, triplets, person=person)
    summaries = []
    for triplet, values in angles.items():
        stats = features.summary_statistics(values)
        summaries.append(
            JointAngleSummary(
                joints=triplet,
                mean_deg=stats["mean"],
                std_deg=stats["std"],
                min_deg=stats["min"],
                max_deg=stats["max"],
                valid_frames=int(stats["valid"] or 0),
            )
        )
    report = AnalysisReport(
        source_files=(path.name,), skeleton=predictions.skeleton.name, angles=tuple(summaries)
    )
    if output is not None:
        io.save(report, output)
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    for s in summaries:
        if s.mean_deg is None:
            typer.echo(f"{'-'.join(s.joints)}: no valid frame")
        else:
            typer.echo(
                f"{'-'.join(s.joints)}: mean {s.mean_deg:.1f} deg, sd {s.std_deg:.1f}, range {s.min_deg:.1f}-{s.max_deg:.1f} "
                f"({s.valid_frames} frames)"
            )


_CSV_COLUMNS = (
    "frame",
    "time_s",
    "person",
    "track_id",
    "joint",
    "x_mm",
    "y_mm",
    "z_mm",
    "u_px",
    "v_px",
)


def _write_csv(predictions: Any, handle: Any) -> None:
    writer = csv.writer(handle)
    writer.writerow(_CSV_COLUMNS)
    names = predictions.skeleton.joint_names
    times, tracks = predictions.times_s.tolist(), predictions.track_ids.tolist()
    p3, p2 = predictions.poses3d, predictions.poses2d
    for frame, count in enumerate(predictions.people_per_frame.tolist()):
        for person in range(count):
            track = tracks[frame][person]
            rows3, rows2 = p3[frame, person].tolist(), p2[frame, person].tolist()
            for joint, name in enumerate(names):
                x, y, z = rows3[joint]
                u, v = rows2[joint]
                writer.writerow(
                    (
                        frame,
                        repr(times[frame]),
                        person,
                        "" if track < 0 else track,
                        name,
                        repr(x),
                        repr(y),
                        repr(z),
                        repr(u),
                        repr(v),
                    )
                )


def export(
    results: ResultsArgument,
    fmt: Annotated[str, typer.Option("--format", help="json, csv (one row per joint) or npz.")],
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
        if output is None:
            _write_csv(predictions, sys.stdout)
            return
        with open(output, "w", newline="") as handle:
            _write_csv(predictions, handle)
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
