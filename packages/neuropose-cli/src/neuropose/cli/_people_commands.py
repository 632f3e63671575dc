"""``neuropose track``, ``people`` and ``clean``: identities, the subject, and clean data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neuropose.cli._context import emit_json, get, require
from neuropose.cli._inputs import load_results
from neuropose.cli._person import PERSON_HELP, select_person

if TYPE_CHECKING:
    from neuropose.schema import CleaningConfig, SubjectChoice

__all__ = [
    "CutoffOption",
    "MaxGapOption",
    "ResultsArgument",
    "TaskOption",
    "cleaning_config",
    "output_target",
    "register",
]

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
ResultsArgument = Annotated[
    str, typer.Argument(help="Predictions file (.npz/.json) or a job's results.json[#video].")
]
PREDICTIONS_SUFFIXES = (".npz", ".json")


def output_target(output: Path, source: Path, *, force: bool, suffixes: tuple[str, ...]) -> Path:
    """Check that ``output`` may be written: the right suffix, not the input, not in the way.

    Raises
    ------
    typer.BadParameter
        If the suffix is not one of ``suffixes`` (a usage error).
    OutputExistsError
        If ``output`` is the input file (raw data are never overwritten, even with
        ``--force``), or exists and ``force`` is False.
    """
    from neuropose.cli._errors import OutputExistsError

    if output.suffix.lower() not in suffixes:
        raise typer.BadParameter(
            f"-o {output.name}: the file name must end in {' or '.join(suffixes)}"
        )
    if output.resolve() == source.resolve():
        raise OutputExistsError(
            f"{output} is the input file; raw data are never overwritten: write to another file"
        )
    if output.exists() and not force:
        raise OutputExistsError(
            f"{output} already exists; use --force to replace it, or -o to choose another file"
        )
    return output


def track(
    ctx: typer.Context,
    results: ResultsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Tracked predictions file (.npz or .json).")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Replace OUT if it exists (never the input).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """(Re)track a predictions file: a track id that follows each person, saved to a new file."""
    analysis = require("neuropose.analysis")
    from neuropose.schema import io

    predictions, path = load_results(results)
    target = output_target(output, path, force=force, suffixes=PREDICTIONS_SUFFIXES)
    tracked, summary = analysis.track_predictions(predictions)
    io.save_predictions(tracked, target)
    if as_json:
        emit_json({"input": str(path), "output": str(target), **summary.model_dump(mode="json")})
        return
    get(ctx).say(
        f"tracker {summary.config.method} v{summary.config.version}: {summary.detections} "
        f"detections in {summary.tracklets} tracklets, {summary.online_joins} joined online, "
        f"{summary.stitches} stitched, {summary.unconfirmed_detections} left untracked"
    )
    typer.echo(f"{summary.tracks} track(s) -> {target}")  # a result: stdout


def people(
    results: ResultsArgument,
    as_json: JsonOption = False,
) -> None:
    """List the tracks of a file (time seen, coverage, confidence, score) and which is the subject."""
    selection = select_person(load_results(results)[0], "auto")
    choice = selection.choice
    if choice is None:  # one person, seen too briefly to track
        raise require("neuropose.analysis").NoTracksError(
            f"nobody in {selection.predictions.metadata.file_name} was tracked (too few "
            "confident detections); there are no tracks to list"
        )
    for warning in selection.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if as_json:
        emit_json(_people_json(selection.predictions.metadata.file_name, choice, selection))
        return
    config = choice.config
    typer.echo(
        f"{len(choice.tracks)} track(s) in {selection.predictions.metadata.file_name}; subject "
        f"rule {config.rule} v{config.version}: score = coverage x confidence x movement"
    )
    typer.echo(
        f"  {'id':>4s} {'first_s':>8s} {'last_s':>8s} {'coverage':>8s} {'confid.':>8s} "
        f"{'mm/s':>8s} {'score':>9s}  chosen"
    )
    for row in choice.tracks:
        typer.echo(
            f"  {row.track_id:4d} {row.first_s:8.2f} {row.last_s:8.2f} {row.coverage:8.2f} "
            f"{row.mean_confidence:8.2f} {row.movement:8.0f} {row.score:9.4g}  "
            f"{'yes' if row.chosen else 'no'}: {row.reason}"
        )


def _people_json(name: str, choice: SubjectChoice, selection: Any) -> dict[str, Any]:
    tracking = selection.predictions.provenance.tracking
    return {
        "file": name,
        "chosen": choice.chosen,
        "rule": choice.config.model_dump(mode="json"),
        "warning": None if choice.warning is None else choice.warning.model_dump(mode="json"),
        "tracked_on_load": selection.tracked_here,
        "tracking": None if tracking is None else tracking.model_dump(mode="json"),
        "tracks": [row.model_dump(mode="json") for row in choice.tracks],
    }


def cleaning_config(
    task: str | None, cutoff_hz: str | None, max_gap_s: float | None
) -> CleaningConfig:
    """Build the cleaning configuration from the command-line options (usage errors if bad)."""
    from pydantic import ValidationError

    from neuropose.schema import CleaningConfig

    given: dict[str, Any] = {"task": task}
    if cutoff_hz is not None:
        text = cutoff_hz.strip().lower()
        if text == "none":
            given["cutoff_hz"] = None
        else:
            try:
                given["cutoff_hz"] = float(text)
            except ValueError:
                raise typer.BadParameter(
                    f"--cutoff-hz takes a frequency in Hz or none, not {cutoff_hz!r}"
                ) from None
    if max_gap_s is not None:
        given["max_gap_s"] = max_gap_s
    try:
        return CleaningConfig.model_validate(given)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise typer.BadParameter(problems) from None


TaskOption = Annotated[
    str | None,
    typer.Option(
        help="Clinical task setting the low-pass cutoff: gait, reach, sit_to_stand (6 Hz), "
        "tapping (12 Hz) or tremor (none)."
    ),
]
CutoffOption = Annotated[
    str | None,
    typer.Option(
        "--cutoff-hz",
        help="Low-pass cutoff in Hz, or none for no filter (default: from --task, else 6).",
    ),
]
MaxGapOption = Annotated[
    float | None,
    typer.Option(
        "--max-gap-s", min=0, help="Longest gap filled by interpolation, seconds (default 0.33)."
    ),
]


def clean(
    ctx: typer.Context,
    results: ResultsArgument,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Cleaned predictions file (.npz or .json).")
    ],
    person: Annotated[str, typer.Option(help=PERSON_HELP)] = "auto",
    task: TaskOption = None,
    cutoff_hz: CutoffOption = None,
    max_gap_s: MaxGapOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace OUT if it exists (never the input).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Clean one person: confidence gate, outliers, uniform time grid, short-gap fill, low-pass.

    Writes a new predictions file holding that person alone, with a quality flag on every
    sample (observed, low confidence, outlier replaced, interpolated, missing); the cleaning
    configuration and the subject choice are recorded in its provenance.
    """
    analysis = require("neuropose.analysis")
    from neuropose.schema import io

    config = cleaning_config(task, cutoff_hz, max_gap_s)
    predictions, path = load_results(results)
    target = output_target(output, path, force=force, suffixes=PREDICTIONS_SUFFIXES)
    selection = select_person(predictions, person)
    if selection.by != "track":
        raise analysis.NoTracksError(
            f"the person in {predictions.metadata.file_name} was seen too briefly to track; "
            "there is nothing to clean"
        )
    selection.say(get(ctx))
    cleaned = analysis.clean_predictions(
        selection.predictions, selection.person, config, subject=selection.choice
    )
    io.save_predictions(cleaned, target)
    flags = analysis.person_flags(cleaned, selection.person)
    summary = analysis.quality_summary(
        flags, cleaned.times_s, joint_names=cleaned.skeleton.joint_names
    )
    if as_json:
        emit_json(
            {
                "input": str(path),
                "output": str(target),
                "person": selection.as_json(),
                "config": config.model_dump(mode="json"),
                "rate_hz": cleaned.metadata.fps,
                "quality": summary.model_dump(mode="json", exclude={"gaps"}),
                "gaps": len(summary.gaps),
            }
        )
        return
    get(ctx).say(
        f"cleaning {config.method} v{config.version}: cutoff "
        f"{'none' if config.cutoff_hz is None else f'{config.cutoff_hz:g} Hz'}, gaps up to "
        f"{config.max_gap_s:g} s filled, grid {cleaned.metadata.fps:.3f} Hz"
    )
    typer.echo(
        f"{selection.by} {selection.person}: {summary.samples} samples, "
        f"{summary.observed:.1%} observed, {summary.interpolated:.1%} interpolated, "
        f"{summary.missing:.1%} missing -> {target}"
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(track)
    app.command()(people)
    app.command()(clean)
