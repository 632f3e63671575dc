"""``neuropose batch``: many videos, one model load per worker, resumable, local or on Ray.

The driver (this module) expands the inputs, names the outputs as ``process`` does, brings the
model into the cache once, and hands the videos to a scheduler that runs them on workers of the
chosen engine. Workers write the predictions files themselves (atomically) and skip videos whose
output is already up to date, so a rerun after an interrupt redoes nothing that was finished.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neuropose.cli._batch_jobs import VideoJob, WorkerBackend, WorkerSetup
from neuropose.cli._context import EXIT, Context, emit_json, get, require
from neuropose.cli._manifest import OUTPUT_SUFFIXES, BatchItem
from neuropose.cli._progress import ProgressBar

if TYPE_CHECKING:
    from neuropose.schema import BatchSummary, InferenceOptions, Settings

__all__ = ["ENGINES", "batch", "default_workers", "plan_jobs", "register"]

ENGINES = ("local", "ray")
"""Batch engines: worker processes on this machine, or Ray actors (this machine or a cluster)."""

FORMATS = ("npz", "json")
"""Predictions formats an output may have (as ``process --format``)."""


def default_workers(videos: int) -> int:
    """Workers when ``--workers`` is not given: one per CPU core, no more than there are videos."""
    return max(1, min(os.cpu_count() or 1, videos))


def plan_jobs(items: Sequence[BatchItem], output_dir: Path, fmt: str) -> list[VideoJob]:
    """Give every video its output file in ``output_dir``.

    A manifest's output name is used as given (with ``.fmt`` appended unless it ends in
    ``.npz`` or ``.json``); other videos get the name ``process`` gives them
    (:func:`~neuropose.cli._video_inputs.output_paths`: the stem, with parent folders in front
    where stems clash).

    Raises
    ------
    BatchInputError
        Two videos would write the same output file.
    """
    from neuropose.cli._errors import BatchInputError
    from neuropose.cli._video_inputs import output_paths

    root = output_dir.resolve()
    unnamed = [item.video for item in items if item.output is None]
    defaults = iter(output_paths(unnamed, root, f".{fmt}"))
    jobs: list[VideoJob] = []
    claimed: dict[Path, Path] = {}
    for index, item in enumerate(items):
        if item.output is None:
            target = next(defaults)
        else:
            name = item.output
            if PurePosixPath(name).suffix.lower() not in OUTPUT_SUFFIXES:
                name = f"{name}.{fmt}"
            target = root / name
        other = claimed.setdefault(target, item.video)
        if other != item.video:
            msg = f"{other} and {item.video} would both write {target}; name one in a manifest"
            raise BatchInputError(msg)
        jobs.append(VideoJob(index, str(item.video), str(target), item.subject))
    return jobs


def _fetch_model(context: Context, settings: Settings) -> InferenceOptions:
    """Bring the model into the cache once, here, so workers only read it.

    A variant is downloaded and a ``.tar.gz`` imported by the driver: several workers doing so
    at once would race on the same cache entry. Workers are then pointed at an imported
    archive's cache entry by name, which loads the same model (same name, SHA-256 and source in
    the provenance) without each of them hashing the archive again.

    Returns
    -------
    InferenceOptions
        The options to hand to the workers.
    """
    estimator = require("neuropose.estimator")
    store = estimator.ModelStore(settings.model_dir)
    options = settings.inference
    path = Path(options.model).expanduser()
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return options.with_overrides({"model": store.import_path(path).name})
    if (
        not path.exists()
        and options.model in store.variants
        and not store.get(options.model).usable
    ):
        with ProgressBar(f"downloading {options.model}", quiet=context.verbosity < 0) as bar:
            store.ensure(options.model, bar.callback)
    return options


def _backend(
    engine: str,
    setup: WorkerSetup,
    *,
    address: str | None,
    workers: int,
    gpus_per_worker: float,
    verbosity: int,
) -> WorkerBackend:
    if engine == "ray":
        from neuropose.cli._batch_ray import RayBackend

        return RayBackend(
            setup,
            address=address,
            workers=workers,
            gpus_per_worker=gpus_per_worker,
            log_to_driver=verbosity > 0,
        )
    from neuropose.cli._batch_local import LocalBackend

    return LocalBackend(setup)


def _check_engine_options(
    engine: str, fmt: str, address: str | None, workers: int | None, gpus_per_worker: float
) -> None:
    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if engine != "ray" and (address is not None or gpus_per_worker):
        raise typer.BadParameter("--address and --gpus-per-worker need --engine ray")
    if address is not None and workers is None:
        # Ray cannot tell how many models a cluster's memory holds; the user can.
        raise typer.BadParameter("--address needs --workers (how many models the cluster runs)")


def batch(
    ctx: typer.Context,
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Videos, folders of videos (searched recursively), or manifests (.csv, .json)."
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Folder for the predictions files and batch-summary.json."
        ),
    ],
    fmt: Annotated[str, typer.Option("--format", help="npz (compact, fast) or json.")] = "npz",
    engine: Annotated[
        str,
        typer.Option(help="local (processes on this machine) or ray (needs neuropose-cli[ray])."),
    ] = "local",
    address: Annotated[
        str | None, typer.Option(help="Ray cluster to join (host:port, ray://host:10001, auto).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Workers, each holding one model. Default: CPU cores, at most one per video.",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="TensorFlow threads per worker. Default: CPU cores / workers (1 on a cluster).",
        ),
    ] = None,
    gpus_per_worker: Annotated[
        float, typer.Option(min=0, help="GPUs each Ray worker reserves; fractions share a GPU.")
    ] = 0.0,
    force: Annotated[
        bool, typer.Option("--force", help="Redo videos whose output is already up to date.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary on stdout.")] = False,
    inference: dict[str, Any] | None = None,
) -> None:
    """Estimate poses in many videos with one model load per worker; rerun to resume."""
    _check_engine_options(engine, fmt, address, workers, gpus_per_worker)
    context = get(ctx)
    settings = context.settings(**(inference or {}))
    from neuropose.cli._batch_scheduler import run_jobs
    from neuropose.cli._batch_summary import BatchLedger
    from neuropose.cli._manifest import collect_items
    from neuropose.schema import VIDEO_EXTENSIONS

    if engine == "ray":
        from neuropose.cli._batch_ray import preflight

        preflight(address)
    jobs = plan_jobs(collect_items(inputs, VIDEO_EXTENSIONS), output, fmt)
    for folder in sorted({Path(job.output).parent for job in jobs}):
        folder.mkdir(parents=True, exist_ok=True)
    options = _fetch_model(context, settings)
    count = min(workers, len(jobs)) if workers else default_workers(len(jobs))
    cores = os.cpu_count() or 1
    setup = WorkerSetup(
        options=options.model_dump(mode="json"),
        model_dir=str(Path(settings.model_dir).resolve()),
        threads=threads or (1 if address else max(1, cores // count)),
        force=force,
    )
    quiet = context.verbosity < 0 or as_json
    with ProgressBar(f"{len(jobs)} videos, {count} {engine} workers", quiet=quiet) as bar:
        ledger = BatchLedger(
            output.resolve(),
            jobs,
            engine=engine,
            workers=count,
            on_change=lambda state: bar.update(state.settled, state.total),
        )
        try:
            backend = _backend(
                engine,
                setup,
                address=address,
                workers=count,
                gpus_per_worker=gpus_per_worker,
                verbosity=context.verbosity,
            )
            run_jobs(jobs, backend, count, ledger)
        finally:
            ledger.save(finished=ledger.settled == ledger.total, force=True)
    _report(context, ledger.summary(), as_json)


def _report(context: Context, summary: BatchSummary, as_json: bool) -> None:
    counts = summary.counts
    for video in summary.videos:
        if video.status == "failed":
            typer.echo(f"error: {video.video}: {video.error}", err=True)
        elif video.retries:
            context.say(f"{video.video}: retried after {'; '.join(video.retries)}")
    context.say(
        f"{counts['done']} done, {counts['skipped']} already up to date, {counts['failed']} failed"
    )
    if as_json:
        emit_json(summary.model_dump(mode="json"))
    if counts["failed"]:
        raise typer.Exit(EXIT["failure"])


def register(app: typer.Typer) -> None:
    """Add ``batch`` to the application."""
    from neuropose.cli._inference_flags import inference_flags

    app.command()(inference_flags(batch))
