"""``neuropose gait``: clinical measures that need a whole trial of one person."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from neuropose.cli._context import emit_json, get, require
from neuropose.cli._inputs import load_results
from neuropose.cli._person import PERSON_HELP, choose_person

if TYPE_CHECKING:
    from neuropose.schema import GaitResult, VideoPredictions

__all__ = ["chosen_person", "register"]


def chosen_person(
    ctx: typer.Context, predictions: VideoPredictions, person: str
) -> tuple[VideoPredictions, int, str, tuple[str, ...]]:
    """Which person a measure follows, and how the output names that choice.

    The one place the measure commands turn ``--person auto|ID`` into a trajectory's owner
    (:func:`~neuropose.cli._person.choose_person`: the subject rule, or a track id).

    Returns
    -------
    predictions, person, label, notes
        The predictions to measure (tracked on load if the file had no ids), the track id,
        the id with the rule that chose it, and the warnings and quality line for the notes.
    """
    selection, quality = choose_person(get(ctx), predictions, person, say=False)
    notes = (*selection.warnings, quality)
    return selection.predictions, selection.person, selection.label, notes


def gait(
    ctx: typer.Context,
    results: Annotated[
        str, typer.Argument(help="Predictions file (.npz/.json) or a job's results.json[#video].")
    ],
    person: Annotated[str, typer.Option(help=PERSON_HELP)] = "auto",
    angle: Annotated[
        list[str] | None,
        typer.Option(
            "--angle",
            help="Clinical angle to measure per gait cycle (knee_flexion for both sides); "
            "repeatable.",
        ),
    ] = None,
    relative_prominence: Annotated[
        float,
        typer.Option(
            min=0.001, max=1.0, help="Event prominence as a fraction of the signal's range."
        ),
    ] = 0.3,
    min_event_interval_s: Annotated[
        float, typer.Option(min=0.05, help="Shortest time between two heel strikes, seconds.")
    ] = 0.5,
    max_stride_s: Annotated[
        float, typer.Option(min=0.1, help="Longest stride kept (longer: pause or turn), seconds.")
    ] = 2.5,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Save the gait result (JSON).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable output on stdout.")
    ] = False,
) -> None:
    """Gait events, cycles and spatiotemporal parameters (cadence, step length, speed ...)."""
    analysis = require("neuropose.analysis")
    from neuropose.schema import GaitConfig, io

    config = GaitConfig(
        relative_prominence=relative_prominence,
        min_event_interval_s=min_event_interval_s,
        max_stride_s=max_stride_s,
    )
    predictions, path = load_results(results)
    predictions, chosen, label, notes = chosen_person(ctx, predictions, person)
    result = analysis.gait_analysis(
        predictions, person=chosen, config=config, angles=tuple(angle or ()), source=path
    )
    result = result.model_copy(update={"person": label, "notes": (*notes, *result.notes)})
    if output is not None:
        io.save(result, output)
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _print_gait(result, path)


def _cell(mean: float | None, sd: float | None, count: int) -> str:
    if mean is None:
        return "-"
    spread = f" ± {sd:.3g}" if sd is not None else ""
    return f"{mean:.4g}{spread} (n={count})"


def _print_gait(result: GaitResult, path: Path) -> None:
    cycles = {side: sum(c.side == side for c in result.cycles) for side in ("left", "right")}
    typer.echo(
        f"gait of {result.person} in {path.name}: {cycles['left']} left and {cycles['right']} "
        f"right cycles, {100 * result.observed_fraction:.0f} % of frames observed"
    )
    typer.echo("mean ± sample SD (count)")
    by_name: dict[str, dict[str, str]] = {}
    units: dict[str, str] = {}
    for p in result.parameters:
        by_name.setdefault(p.name, {})[p.side] = _cell(p.mean, p.sd, p.count)
        units[p.name] = p.unit
    typer.echo(f"  {'parameter':38s} {'left':>24s} {'right':>24s} {'both':>24s}")
    for name, cells in by_name.items():
        label = f"{name} ({units[name]})"
        typer.echo(f"  {label:32s} {cells['left']:>24s} {cells['right']:>24s} {cells['both']:>24s}")


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(gait)
