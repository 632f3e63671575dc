"""``neuropose watch``, ``serve``, ``ingest`` and ``status``."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from neuropose.cli._context import EXIT, emit_json, get, require
from neuropose.cli._estimator_commands import LazyEstimator
from neuropose.cli._inference_flags import inference_flags
from neuropose.cli._tracking import tracked

__all__ = ["register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
DataDirOption = Annotated[Path | None, typer.Option(help="Data directory (default from settings).")]

_REPORT_INSTALL = 'pip install "neuropose-analysis[report]"'


def _report_hook(data_dir: Path) -> Callable[[str, Path], Sequence[Path]] | None:
    """Build the analysis package's after-job report writer; ``None`` when not installed."""
    try:
        report = importlib.import_module("neuropose.analysis.report")
    except ModuleNotFoundError:
        return None
    if not report.report_extra_installed():
        return None
    return report.job_report_hook(data_dir)


def watch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Process what is waiting in in/, then exit.")
    ] = False,
    data_dir: DataDirOption = None,
    track: Annotated[
        bool,
        typer.Option(
            "--track/--no-track", help="Give each person a track id that follows them (default)."
        ),
    ] = True,
    reports: Annotated[
        bool,
        typer.Option(
            "--reports/--no-reports",
            help="Write VIDEO.report.html next to each finished job's results (default).",
        ),
    ] = True,
    inference: dict[str, Any] | None = None,
) -> None:
    """Run the daemon on the data directory: jobs in in/, results in out/, status in out/status.json."""
    context = get(ctx)
    settings = context.settings(data_dir=data_dir, **(inference or {}))
    daemon = require("neuropose.daemon")
    hook = _report_hook(settings.data_dir) if reports else None
    if reports and hook is None:
        context.say(f"reports off: {_REPORT_INSTALL}")
    interfacer = daemon.Interfacer(
        settings, tracked(LazyEstimator(context, settings), track=track), on_job_completed=hook
    )
    interfacer.install_signal_handlers()
    context.say(
        f"watching {interfacer.layout.inbox} (Ctrl-C finishes the current job, twice stops at once)"
    )
    processed = interfacer.run(once=once)
    failed = sorted(
        name for name, outcome in interfacer.outcomes.items() if outcome.value == "failed"
    )
    # The run's result: stdout, even with -q.
    typer.echo(f"{processed} job(s) run" + (f", failed: {', '.join(failed)}" if failed else ""))
    # For scripts, --once reports failed jobs in its exit code; a service's jobs failing is
    # not the service failing (and must not make a supervisor restart it).
    if once and failed:
        raise typer.Exit(EXIT["failure"])


def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default 127.0.0.1: this machine only).")
    ] = None,
    port: Annotated[int | None, typer.Option(min=0, max=65535, help="Port (default 8765).")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Serve the read-only status page (http://127.0.0.1:8765/ by default)."""
    context = get(ctx)
    settings = context.settings(monitor_host=host, monitor_port=port, data_dir=data_dir)
    daemon = require("neuropose.daemon")
    daemon.serve_monitor(
        settings.data_dir,
        host=settings.monitor_host,
        port=settings.monitor_port,
        stale_after_s=settings.stale_after_s,
        on_ready=lambda host, port: typer.echo(
            f"status page on http://{host}:{port}/ (Ctrl-C stops)", err=True
        ),
    )


def ingest(
    ctx: typer.Context,
    archive: Annotated[Path, typer.Argument(help="Zip of videos; each video becomes one job.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace jobs of the same name waiting in in/.")
    ] = False,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stage a zip of videos as job folders in in/, all or nothing."""
    settings = get(ctx).settings(data_dir=data_dir)
    daemon = require("neuropose.daemon")
    limits = daemon.IngestLimits(
        max_members=settings.ingest_max_members,
        max_total_bytes=settings.ingest_max_total_bytes,
        max_compression_ratio=settings.ingest_max_compression_ratio,
    )
    result = daemon.ingest_zip(archive, settings.data_dir, force=force, limits=limits)
    if as_json:
        emit_json(
            {"jobs": result.jobs, "skipped": result.skipped, "replaced": list(result.replaced)}
        )
        return
    for name, member in result.jobs.items():
        typer.echo(f"job {name}  <- {member}")
    for member, why in result.skipped.items():
        typer.echo(f"skipped {member} ({why})", err=True)


def status(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print every job of out/status.json."""
    from neuropose.schema import DataDirectory, StatusFile, io

    settings = get(ctx).settings(data_dir=data_dir)
    path = DataDirectory(settings.data_dir).status_path
    if not path.exists():
        if as_json:  # the documented document, with no jobs: scripts parse one shape
            emit_json(StatusFile().model_dump(mode="json"))
            return
        typer.echo(f"no status file at {path}: the daemon has not run on this data directory yet")
        return
    document = io.load_status(path)
    if as_json:
        emit_json(document.model_dump(mode="json"))
        return
    for entry in sorted(document.jobs.values(), key=lambda e: e.name):
        line = f"{entry.name:32s} {entry.status.value:10s} {entry.percent_complete:5.1f}%  videos {entry.videos_done}/{entry.videos_total}"
        if entry.error:
            line += f"  {entry.error}"
        typer.echo(line)
    if not document.jobs:
        typer.echo("no jobs yet")


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(inference_flags(watch))
    app.command()(serve)
    app.command()(ingest)
    app.command()(status)
