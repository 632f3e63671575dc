"""``neuropose export``: predictions into the formats other tools read (NWB, OpenSim, C3D ...).

The formats, their writers and the extras they need are :data:`neuropose.analysis.export.FORMATS`;
this command picks the people (``--person auto|ID|all``), optionally cleans them (``--cleaned``)
and hands the result to the format's writer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neuropose.cli._context import get, require
from neuropose.cli._inputs import load_results
from neuropose.cli._people_commands import (
    CutoffOption,
    MaxGapOption,
    ResultsArgument,
    TaskOption,
    cleaning_config,
    output_target,
)
from neuropose.cli._person import parse_person, select_person, with_tracks

if TYPE_CHECKING:
    from neuropose.schema import SubjectChoice, VideoPredictions

__all__ = ["register"]


def _format(name: str) -> Any:
    """Return the format called ``name``; a usage error lists the formats, a missing extra exits 4."""
    export = require("neuropose.analysis").export
    try:
        spec = export.get_format(name)
    except export.UnknownFormatError as error:
        raise typer.BadParameter(str(error), param_hint="--format") from None
    if not spec.available:
        from neuropose.cli._errors import MissingExtraError

        raise MissingExtraError(
            f"--format {spec.name} needs {spec.module}, which is not installed: "
            f'pip install "neuropose-analysis[{spec.extra}]"'
        )
    return spec


def _people(
    predictions: VideoPredictions, person: str, context: Any
) -> tuple[VideoPredictions, list[int] | None, SubjectChoice | None]:
    """Return the predictions to export, their track ids (None: every one) and the choice."""
    if parse_person(person, allow_all=True) == "all":
        usable, tracked_here = with_tracks(predictions)
        if tracked_here:
            context.say(f"{predictions.metadata.file_name} has no track ids: tracked on load")
        return usable, None, None
    selection = select_person(predictions, person)
    selection.say(context)
    if selection.by == "slot":  # one person, too briefly seen to track: the file as it is
        return predictions, None, None
    return selection.predictions, [selection.person], selection.choice


def export(
    ctx: typer.Context,
    results: ResultsArgument,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="nwb, trc, mot, c3d, parquet, csv (long table: one row per frame, person and "
            "joint), json or npz (the predictions file itself).",
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Destination (default: the input's name with the new suffix)."
        ),
    ] = None,
    person: Annotated[
        str,
        typer.Option(
            help="Who to export: auto (the subject rule's choice), a track id, or all. json and "
            "npz copy the whole file unless --cleaned."
        ),
    ] = "auto",
    cleaned: Annotated[
        bool,
        typer.Option(
            "--cleaned", help="Clean the people first (as neuropose clean), with quality flags."
        ),
    ] = False,
    task: TaskOption = None,
    cutoff_hz: CutoffOption = None,
    max_gap_s: MaxGapOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the destination if it exists (never the input)."),
    ] = False,
) -> None:
    """Write predictions in a format other tools read, with identities and quality flags."""
    spec = _format(fmt)
    config = cleaning_config(task, cutoff_hz, max_gap_s) if cleaned else None
    predictions, path = load_results(results)
    target = output or path.with_suffix(spec.suffix)
    output_target(target, path, force=force, suffixes=(spec.suffix,))
    analysis = require("neuropose.analysis")
    context = get(ctx)
    if spec.takes == "predictions" and not cleaned:
        spec.writer(predictions, target, force=True)  # the file itself, every field kept
        typer.echo(f"wrote {target}")  # a result: stdout
        return
    usable, ids, choice = _people(predictions, person, context)
    if config is not None:
        wanted = ids if ids is not None else _track_ids(usable)
        usable = analysis.clean_predictions(usable, wanted, config, subject=choice)
    if spec.takes == "predictions":
        spec.writer(usable, target, force=True)
    elif spec.takes == "angles":
        times, angles, names = _angle_columns(analysis, usable, ids)
        spec.writer(target, times, angles, names, force=True)
    else:
        spec.writer(analysis.export.export_data(usable, track_ids=ids), target, force=True)
    typer.echo(f"wrote {target}")


def _track_ids(predictions: VideoPredictions) -> list[int]:
    ids = predictions.track_ids
    return sorted({int(i) for i in ids[ids >= 0].tolist()})


def _angle_columns(
    analysis: Any, predictions: VideoPredictions, ids: list[int] | None
) -> tuple[Any, Any, list[str]]:
    """Clinical angles (degrees) of each exported person, one column per angle and person."""
    import numpy as np

    tracked = bool((predictions.track_ids >= 0).any())
    people = ids if ids is not None else (_track_ids(predictions) if tracked else [0])
    columns, names = [], []
    for track in people:
        poses = analysis.person_trajectory(predictions, track, by="track" if tracked else "slot")
        values = analysis.clinical_angle_values(poses, predictions.skeleton)
        for name, series in values.items():
            columns.append(series)
            names.append(name if len(people) == 1 else f"track{track}_{name}")
    return predictions.times_s, np.stack(columns, axis=1), names


def register(app: typer.Typer) -> None:
    """Add this command to the application."""
    app.command()(export)
