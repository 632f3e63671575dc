"""``neuropose process``, ``benchmark``, ``sample-clip`` and ``model ...``."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from neuropose.cli._context import EXIT, Context, emit_json, get, require
from neuropose.cli._inference_flags import inference_flags
from neuropose.cli._progress import ProgressBar
from neuropose.cli._tracking import tracked

if TYPE_CHECKING:
    from neuropose.estimator import Estimator
    from neuropose.schema import Settings

__all__ = ["OFFLINE_MODEL", "LazyEstimator", "build_estimator", "register"]

JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]

OFFLINE_MODEL = "blazepose-full"
"""The model to suggest when MeTRAbs cannot be fetched: built from the package index alone."""


def _program() -> str:
    """How the user runs NeuroPose: the checkout's wrapper script, or the installed command."""
    script = Path(sys.prefix).parent / "scripts" / "neuropose.sh"
    if not script.is_file():
        return "neuropose"
    try:
        shown = script.relative_to(Path.cwd())
    except ValueError:
        shown = script
    return f"bash {shown}"


def _command_with_model(model: str) -> str:
    """Return the command line that was run with ``--model`` set to ``model``, ready to copy."""
    if Path(sys.argv[0]).name not in ("neuropose", "__main__.py"):
        return f"{_program()} process VIDEO --model {model}"
    kept: list[str] = []
    arguments = iter(sys.argv[1:])
    for argument in arguments:
        if argument == "--model":
            next(arguments, None)  # and its value
        elif not argument.startswith("--model="):
            kept.append(argument)
    return " ".join([_program(), shlex.join([*kept, "--model", model])])


def build_estimator(context: Context, settings: Settings) -> Estimator:
    """Load the configured model with its backend (downloading it with a progress bar if needed).

    Raises
    ------
    ModelNotFoundError
        When a MeTRAbs variant can be neither found in the cache nor downloaded, the message
        ends with the exact command that runs the offline model instead.
    """
    estimator = require("neuropose.estimator")
    store = estimator.ModelStore(settings.model_dir)
    options = settings.inference
    if options.model in store.variants and not store.get(options.model).usable:
        context.say(f"model {options.model} is not cached yet: fetching it into {store.root} ...")
    try:
        with ProgressBar("downloading model", quiet=context.verbosity < 0) as bar:
            loaded = estimator.load_estimator(options, store, progress=bar.callback)
    except estimator.ModelNotFoundError as error:
        variant = estimator.MODEL_VARIANTS.get(options.model)
        if not isinstance(variant, estimator.ModelVariant):
            raise
        msg = f"{error}. To run now, offline: {_command_with_model(OFFLINE_MODEL)}"
        raise estimator.ModelNotFoundError(msg) from None
    model = loaded.backend.model
    context.say(f"model {model.name} ({loaded.backend.name}) loaded in {model.load_time_s:.1f} s")
    return loaded


class LazyEstimator:
    """Load the model on the first video, once: the daemon takes its lock before paying for it."""

    def __init__(self, context: Context, settings: Settings) -> None:
        self._context = context
        self._settings = settings
        self._estimator: Estimator | None = None

    def process_video(self, video: Path, *, progress: Any = None) -> Any:
        """Satisfy ``EstimatorProtocol``, loading the model (with its backend) on first use."""
        if self._estimator is None:
            self._estimator = build_estimator(self._context, self._settings)
        return self._estimator.process_video(video, progress=progress)


def process(
    ctx: typer.Context,
    videos: Annotated[
        list[Path], typer.Argument(help="Video files, or folders: the videos directly inside.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the predictions files.")
    ] = Path(),
    fmt: Annotated[str, typer.Option("--format", help="npz (compact, fast) or json.")] = "npz",
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite predictions files that already exist.")
    ] = False,
    track: Annotated[
        bool,
        typer.Option(
            "--track/--no-track", help="Give each person a track id that follows them (default)."
        ),
    ] = True,
    as_json: JsonOption = False,
    inference: dict[str, Any] | None = None,
) -> None:
    """Estimate 3D poses in videos, without the daemon; one predictions file per video."""
    if fmt not in ("npz", "json"):
        raise typer.BadParameter(f"--format must be npz or json, not {fmt!r}")
    context = get(ctx)
    settings = context.settings(**(inference or {}))
    from neuropose.cli._video_inputs import checked_videos, output_paths, refuse_overwrite
    from neuropose.schema import NeuroPoseError, io

    # Every input and output is checked before the model loads (seconds), not after.
    videos = checked_videos(videos)
    targets = output_paths(videos, output, f".{fmt}")
    refuse_overwrite(targets, force=force)
    estimator = tracked(build_estimator(context, settings), track=track)
    output.mkdir(parents=True, exist_ok=True)
    report = []
    for video, target in zip(videos, targets, strict=True):
        try:
            with ProgressBar(video.name, quiet=context.verbosity < 0 or as_json) as bar:
                result = estimator.process_video(video, progress=bar.callback)
            io.save_predictions(result.predictions, target)
        except NeuroPoseError as error:
            typer.echo(f"error: {error}", err=True)
            report.append({"video": str(video), "error": str(error)})
            continue
        m = result.metrics
        if not as_json:  # a result: stdout, even with -q
            typer.echo(
                f"{video.name}: {m.frame_count} frames at {m.throughput_fps:.1f} frames/s -> {target}"
            )
        report.append(
            {
                "video": str(video),
                "output": str(target),
                "frames": m.frame_count,
                "throughput_fps": m.throughput_fps,
            }
        )
    if as_json:
        emit_json({"videos": report})
    if any("error" in r for r in report):
        raise typer.Exit(EXIT["failure"])


def benchmark(
    ctx: typer.Context,
    video: Annotated[Path, typer.Argument(help="Video to benchmark on.")],
    repeats: Annotated[
        int, typer.Option(min=1, help="Measured passes (one more is run first as warm-up).")
    ] = 3,
    compare_cpu: Annotated[
        bool, typer.Option("--compare-cpu", help="Also run on the CPU only and compare.")
    ] = False,
    as_json: JsonOption = False,
    inference: dict[str, Any] | None = None,
) -> None:
    """Measure speed (end to end, and the model alone) and memory over several passes of one video."""
    context = get(ctx)
    settings = context.settings(**(inference or {}))
    estimator_package = require("neuropose.estimator")
    from neuropose.schema import BenchmarkResult

    estimator = build_estimator(context, settings)
    context.say(f"benchmarking {video.name}: 1 warm-up pass and {repeats} measured")
    result, predictions = estimator_package.run_benchmark(estimator, video, repeats=repeats)
    if compare_cpu:
        context.say("running the same benchmark on the CPU only ...")
        comparison = estimator_package.compare_to_cpu(
            settings.inference.model,
            settings.model_dir,
            estimator.options,
            video,
            result,
            predictions,
            intrinsics=estimator.intrinsics,
            repeats=repeats,
        )
        result = BenchmarkResult.model_validate(
            {**result.model_dump(), "cpu_comparison": comparison.model_dump()}
        )
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    a = result.aggregate
    typer.echo(
        f"{a.passes} passes x {a.frames_per_pass} frames: {a.mean_throughput_fps:.2f} frames/s end to end; per-frame latency "
        f"mean {a.mean_latency_ms:.1f} ms, p50 {a.p50_latency_ms:.1f}, p95 {a.p95_latency_ms:.1f}, "
        f"p99 {a.p99_latency_ms:.1f}; peak memory {a.max_peak_rss_mb:.0f} MiB; device {result.passes[0].device}"
    )
    bare = result.model_only_throughput_fps
    if bare:
        typer.echo(
            f"model only: {bare:.2f} frames/s on frames decoded beforehand; end to end / model only: "
            f"{a.mean_throughput_fps / bare:.2f}"
        )
    if result.cpu_comparison is not None:
        c = result.cpu_comparison
        divergence = (
            "n/a"
            if c.max_poses3d_divergence_mm is None
            else f"{c.max_poses3d_divergence_mm:.3f} mm"
        )
        typer.echo(
            f"CPU: {c.cpu.mean_throughput_fps:.2f} frames/s; speed-up {c.speedup:.2f}x; largest poses3d difference "
            f"{divergence} over {c.frames_compared} frames"
        )


model_app = typer.Typer(
    help="Manage the model cache (download, offline import, verify).", no_args_is_help=True
)


def _store(ctx: typer.Context) -> Any:
    settings = get(ctx).settings()
    return require("neuropose.estimator").ModelStore(settings.model_dir)


@model_app.command("list")
def model_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show cached models and the downloadable variants."""
    estimator = require("neuropose.estimator")
    store = _store(ctx)
    cached = store.list()
    rows = [
        {
            "name": m.name,
            "backend": "blazepose" if m.task_file is not None else "metrabs",
            "usable": m.usable,
            "problem": m.problem,
            "pinned": bool(m.entry and m.entry.pinned),
            "sha256": (m.entry.archive_sha256 or m.entry.content_sha256) if m.entry else None,
            "source": m.entry.source if m.entry else None,
        }
        for m in cached
    ]
    variants = [
        {
            "name": v.name,
            "backend": "metrabs" if isinstance(v, estimator.ModelVariant) else "blazepose",
            "backbone": v.backbone,
            "crop_px": v.crop_px,
            "url": v.url,
            "sha256": v.sha256,
        }
        for v in estimator.MODEL_VARIANTS.values()
    ]
    if as_json:
        emit_json({"cache": str(store.root), "cached": rows, "variants": variants})
        return
    typer.echo(f"cache: {store.root}")
    for row in rows:
        state = "ok" if row["usable"] else f"BROKEN ({row['problem']})"
        pin = "pinned" if row["pinned"] else "unpinned"
        typer.echo(
            f"  {row['name']:24s} {row['backend']:9s} {state:10s} {pin:9s} {row['sha256'] or ''}"
        )
    if not rows:
        typer.echo("  (nothing cached)")
    typer.echo("downloadable: " + ", ".join(v["name"] for v in variants))


@model_app.command("download")
def model_download(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Variant name, e.g. metrabs_l or blazepose-full.")],
) -> None:
    """Download a variant into the cache (SHA-256 checked where published).

    blazepose-full is built from the package index when Google's storage is unreachable.
    """
    store = _store(ctx)
    with ProgressBar(f"downloading {name}", quiet=get(ctx).verbosity < 0) as bar:
        cached = store.download(name, progress=bar.callback)
    typer.echo(f"{cached.name} cached at {cached.path}")


@model_app.command("import")
def model_import(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A MeTRAbs .tar.gz archive or extracted SavedModel folder, or a BlazePose .task."
        ),
    ],
    name: Annotated[
        str | None, typer.Option(help="Cache name (default: from the archive name).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a cached model of the same name.")
    ] = False,
) -> None:
    """Import a model fetched elsewhere (the offline path)."""
    store = _store(ctx)
    chosen = store.name_for(path, name)
    existing = next((m for m in store.list() if m.name == chosen), None)
    if existing is not None and not force:
        from neuropose.cli._errors import OutputExistsError

        source = f" (from {existing.entry.source})" if existing.entry else ""
        raise OutputExistsError(
            f"a model named '{chosen}' is already cached{source}; use --force to replace it, "
            "or --name to import this one under another name"
        )
    cached = store.import_path(path, name)
    entry = cached.entry
    pin = (
        "matches the published SHA-256"
        if entry and entry.pinned
        else "no published SHA-256 to check against"
    )
    typer.echo(f"{cached.name} imported to {cached.path} ({pin})")


@model_app.command("verify")
def model_verify(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Cached model (default: all).")] = None,
) -> None:
    """Re-hash cached models against their records."""
    from neuropose.schema import NeuroPoseError

    store = _store(ctx)
    names = [name] if name else [m.name for m in store.list()]
    failed = False
    for each in names:
        try:
            store.verify(each)
            typer.echo(f"{each}: ok")
        except NeuroPoseError as error:
            typer.echo(f"{each}: {error}", err=True)
            failed = True
    if failed:
        raise typer.Exit(EXIT["failure"])


@model_app.command("remove")
def model_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Cached model to delete.")]
) -> None:
    """Delete a cached model."""
    _store(ctx).remove(name)
    typer.echo(f"{name} removed")


def sample_clip(
    output: Annotated[Path, typer.Argument(help="Video file to write (.mp4).")],
    frames: Annotated[int, typer.Option(min=1, help="Frames, at 30 per second.")] = 60,
    width: Annotated[int, typer.Option(min=64, help="Frame width, pixels.")] = 640,
    height: Annotated[int, typer.Option(min=64, help="Frame height, pixels.")] = 360,
) -> None:
    """Write a short video of a real person to try NeuroPose on (no video of your own needed).

    The person is NASA's public-domain portrait of astronaut Eileen Collins that ships with
    scikit-image, moved sideways, closer and tilting over a background without people; 10 of
    every 60 frames show the background alone.
    """
    if output.suffix.lower() != ".mp4":
        raise typer.BadParameter(f"the sample clip is an .mp4 file, not {output.name!r}")
    estimator = require("neuropose.estimator")
    output.parent.mkdir(parents=True, exist_ok=True)
    clip = estimator.sample_clip(output, frames=frames, width=width, height=height)
    typer.echo(
        f"{clip.path}: {len(clip.transforms)} frames, {clip.width}x{clip.height} at "
        f"{clip.fps:g} frames/s; the person is in {len(clip.person_frames)} of them"
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(inference_flags(process))
    app.command()(inference_flags(benchmark))
    app.command("sample-clip")(sample_clip)
    app.add_typer(model_app, name="model")
