"""``neuropose report`` and ``neuropose overlay``: the session report page and the overlay video."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

import typer

from neuropose.cli._context import emit_json, get, require
from neuropose.cli._errors import MissingExtraError
from neuropose.cli._inputs import load_results
from neuropose.cli._progress import ProgressBar

__all__ = ["register"]


def _report_package() -> ModuleType:
    """``neuropose.analysis.report``, or say which package or extra is missing."""
    require("neuropose.analysis")
    import neuropose.analysis.report as module

    if not module.report_extra_installed():
        raise MissingExtraError(
            "this command needs the report extra (PyAV, Pillow, matplotlib), which is not "
            'installed: pip install "neuropose-analysis[report]"'
        )
    return module


def _person(text: str | None) -> Literal["auto"] | int | None:
    if text is None or text == "auto":
        return text
    if text.isdigit():
        return int(text)
    raise typer.BadParameter(f"--person takes auto or a track id (a number >= 0), not {text!r}")


def _task(text: str | None) -> str | None:
    from neuropose.schema import REPORT_TASKS

    if text is None:
        return None
    task = text.replace("-", "_")
    if task not in REPORT_TASKS:
        choices = ", ".join(t.replace("_", "-") for t in REPORT_TASKS)
        raise typer.BadParameter(f"--task must be one of {choices}, not {text!r}")
    return task


def _recipe(path: Path | None) -> tuple[Any, str | None]:
    from neuropose.schema import load_recipe

    if path is None:
        return None, None
    recipe = load_recipe(path)  # validates, naming the bad key
    return recipe, path.read_text(encoding="utf-8")


def report(
    ctx: typer.Context,
    results: Annotated[
        str,
        typer.Argument(
            help="Predictions file (.npz/.json), a job's results.json[#video], or a folder of "
            "them (one report each)."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="HTML report to write; a folder when RESULTS is a folder."
        ),
    ],
    video: Annotated[
        Path | None,
        typer.Option(help="The session's video, for the overlay (must match the predictions)."),
    ] = None,
    videos: Annotated[
        Path | None,
        typer.Option(help="Folder RESULTS only: where to look for videos (default RESULTS)."),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option(help="auto (the subject rule; slot 0 in an untracked file) or a track id."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(help="gait, reach, sit-to-stand, tapping, tremor or generic."),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(help="Another session's predictions to compare with (DTW)."),
    ] = None,
    recipe: Annotated[
        Path | None, typer.Option(help="TOML recipe: the analysis steps and their parameters.")
    ] = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print it to PDF (Chromium).")] = False,
    no_overlay: Annotated[
        bool, typer.Option("--no-overlay", help="Do not render the overlay video.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="List the files written as JSON on stdout.")
    ] = False,
) -> None:
    """Write a session report: one self-contained HTML page (and overlay video, PDF)."""
    package = _report_package()
    state = get(ctx)
    chosen_person, chosen_task = _person(person), _task(task)
    loaded_recipe, recipe_text = _recipe(recipe)
    if Path(results).is_dir():
        if video is not None or compare is not None:
            raise typer.BadParameter(
                "with a folder of results, give videos with --videos and a reference in the "
                "recipe's [comparison] table"
            )
        _report_folder(package, state, Path(results), output, loaded_recipe, recipe_text,
                       videos, chosen_person, chosen_task, pdf, as_json)  # fmt: skip
        return
    predictions, path = load_results(results)
    reference = reference_path = None
    if compare is not None:
        reference, reference_path = load_results(compare)
    with ProgressBar("overlay", quiet=state.verbosity < 0 or as_json) as bar:
        files = package.write_report(
            predictions,
            output,
            source_name=path.name,
            video=video,
            recipe=loaded_recipe,
            recipe_text=recipe_text,
            person=chosen_person,
            task=chosen_task,
            reference=reference,
            reference_name=reference_path.name if reference_path else None,
            pdf=pdf,
            overlay=False if no_overlay else None,
            progress=bar.callback,
        )
    _say_written(state, files, as_json)


def _say_written(state: Any, files: Any, as_json: bool) -> None:
    if as_json:
        emit_json({"files": [str(p) for p in files.paths()], "timings_s": files.timings_s})
        return
    for path in files.paths():
        typer.echo(str(path))
    for warning in files.content.subject.warnings:
        state.say(f"warning: {warning}")


def _report_folder(
    package: ModuleType,
    state: Any,
    folder: Path,
    output: Path,
    recipe: Any,
    recipe_text: str | None,
    videos: Path | None,
    person: Literal["auto"] | int | None,
    task: str | None,
    pdf: bool,
    as_json: bool,
) -> None:
    output.mkdir(parents=True, exist_ok=True)

    def said(path: Path, outcome: Any) -> None:
        if isinstance(outcome, Exception):
            typer.echo(f"error: {path}: {outcome}", err=True)
        elif not as_json:
            typer.echo(str(outcome.html))

    outcomes = package.report_folder(
        folder, output, recipe=recipe, recipe_text=recipe_text, videos=videos, person=person,
        task=task, pdf=pdf, on_report=said,
    )  # fmt: skip
    failed = [path for path, outcome in outcomes.items() if isinstance(outcome, Exception)]
    if as_json:
        emit_json(
            {
                str(path): {"error": str(outcome)}
                if isinstance(outcome, Exception)
                else {"files": [str(p) for p in outcome.paths()]}
                for path, outcome in outcomes.items()
            }
        )
    state.say(f"{len(outcomes) - len(failed)} report(s) written, {len(failed)} failed")
    if not outcomes:
        raise typer.BadParameter(f"{folder} holds no predictions file (.npz or .json)")
    if failed:
        raise typer.Exit(1)


def overlay(
    ctx: typer.Context,
    results: Annotated[
        str, typer.Argument(help="Predictions file (.npz/.json) or a job's results.json[#video].")
    ],
    video: Annotated[Path, typer.Argument(help="The video the predictions were made from.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="MP4 file to write.")],
    person: Annotated[
        str | None,
        typer.Option(help="Highlight this person: auto (the subject rule) or a track id."),
    ] = "auto",
    max_height: Annotated[
        int, typer.Option(min=64, help="Scale taller videos down to this height, pixels.")
    ] = 720,
) -> None:
    """Draw every skeleton and its track id on the video (H.264 MP4 that browsers play)."""
    package = _report_package()
    state = get(ctx)
    predictions, _ = load_results(results)
    chosen = _person(person)
    subject = None if chosen is None else package.resolve_subject(predictions, chosen)
    with ProgressBar("overlay", quiet=state.verbosity < 0) as bar:
        result = package.render_overlay(
            predictions,
            video,
            output,
            subject=subject,
            max_height=max_height,
            progress=bar.callback,
        )
    state.say(
        f"{result.frames} frames ({result.matched_frames} with predictions), "
        f"{result.width}x{result.height}, {result.speed:.1f}x real time"
    )
    typer.echo(str(result.path))


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(report)
    app.command()(overlay)
