"""``neuropose doctor``: check an installation offline, end to end."""

from __future__ import annotations

import platform
import shutil
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any

import typer

from neuropose.cli._context import EXIT, emit_json, get

__all__ = ["register"]


def _check(name: str, function: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = function()
        ok = True
    except Exception as error:
        detail, ok = f"{type(error).__name__}: {error}", False
    return {
        "check": name,
        "ok": ok,
        "detail": detail,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _packages() -> str:
    found = []
    for name in (
        "neuropose-schema",
        "neuropose-estimator",
        "neuropose-daemon",
        "neuropose-analysis",
        "neuropose-cli",
        "tensorflow",
        "tensorflow-metal",
        "mediapipe",
        "opencv-python-headless",
        "numpy",
    ):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}; " + "; ".join(found)


def _tensorflow() -> str:
    import tensorflow as tf

    from neuropose.estimator import metal_status

    devices = ", ".join(d.name for d in tf.config.list_logical_devices()) or "none"
    metal, metal_version = metal_status()
    on_mac = platform.system() == "Darwin" and platform.machine() == "arm64"
    if metal:
        accel = f"Metal active (tensorflow-metal {metal_version})"
    elif on_mac:
        accel = "Metal NOT active: install neuropose-estimator on Python 3.11 or 3.12 for tensorflow-metal"
    else:
        accel = "GPU" if tf.config.list_physical_devices("GPU") else "CPU only"
    return f"TensorFlow {tf.__version__}; devices: {devices}; {accel}"


def _model_cache(model_dir: Path, model: str) -> str:
    """Say what is cached; fail, with the command that fixes it, when the configured model is not."""
    from neuropose.estimator import MODEL_VARIANTS, ModelNotFoundError, ModelStore, backend_for
    from neuropose.schema import InferenceOptions

    store = ModelStore(model_dir)
    cached = store.list()
    usable = [m.name for m in cached if m.usable]
    broken = [f"{m.name} ({m.problem})" for m in cached if not m.usable]
    text = f"{model_dir}: cached: {', '.join(usable) or 'nothing'}"
    if broken:
        text += f"; broken: {', '.join(broken)}"
    backend = backend_for(model, store)
    if model in usable or Path(model).exists():
        return text + f"; the configured model {model!r} runs on the {backend} backend"
    default = " (the default)" if model == InferenceOptions().model else ""
    if model in MODEL_VARIANTS:
        fix = (
            f"run `neuropose model download {model}`, or offline `neuropose model import "
            f"{MODEL_VARIANTS[model].archive_file_name}` with the archive fetched elsewhere"
        )
    else:
        fix = "run `neuropose model import PATH` with the model's archive or folder"
    raise ModelNotFoundError(
        f"{text}; the configured model {model!r}{default} ({backend}) is not cached: {fix}"
    )


def _blazepose(model_dir: Path) -> str:
    """Run a cached BlazePose bundle over the real-person sample clip, offline."""
    try:
        installed = version("mediapipe")
    except PackageNotFoundError:
        return "not installed (optional: pip install 'neuropose-estimator[blazepose]')"
    from neuropose.estimator import ModelStore, load_estimator, sample_clip
    from neuropose.schema import InferenceOptions

    bundles = [m.name for m in ModelStore(model_dir).list() if m.usable and m.task_file]
    if not bundles:
        return (
            f"mediapipe {installed}; no BlazePose bundle cached, nothing to test "
            "(neuropose model download blazepose-full)"
        )
    name = "blazepose-full" if "blazepose-full" in bundles else bundles[0]
    with tempfile.TemporaryDirectory(prefix="neuropose-doctor-") as scratch:
        clip = sample_clip(Path(scratch) / "person.mp4")
        options = InferenceOptions().with_overrides({"model": name})
        store = ModelStore(model_dir)
        with load_estimator(options, store, allow_download=False) as estimator:
            people = estimator.process_video(clip.path).predictions.people_per_frame
    found = int((people[list(clip.person_frames)] > 0).sum())
    phantom = int((people[list(clip.empty_frames)] > 0).sum())
    detail = (
        f"mediapipe {installed}; {name} on the real-person sample clip: the person found in "
        f"{found} of the {len(clip.person_frames)} frames that show her, and in {phantom} of "
        f"the {len(clip.empty_frames)} that do not"
    )
    if found < 0.9 * len(clip.person_frames) or phantom:
        raise RuntimeError(detail)
    return detail


def _data_dir(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    probe = data_dir / ".neuropose-doctor"
    probe.write_bytes(b"ok")
    probe.unlink()
    free = shutil.disk_usage(data_dir).free / 1024**3
    if free < 5:
        raise OSError(f"{data_dir} has only {free:.1f} GiB free")
    return f"{data_dir}: writable, {free:.0f} GiB free"


def _self_test() -> str:
    import cv2
    import numpy as np

    from neuropose.estimator import Estimator, ModelStore, load_model
    from neuropose.estimator.standin import build_standin_model
    from neuropose.schema import InferenceOptions, io

    with tempfile.TemporaryDirectory(prefix="neuropose-doctor-") as scratch:
        folder = Path(scratch)
        model = load_model(build_standin_model(folder / "standin"), ModelStore(folder / "models"))
        video = folder / "clip.mp4"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 30.0, (160, 120))
        for index in range(12):
            frame = np.zeros((120, 160, 3), np.uint8)
            frame[40:56, 10 + 3 * index : 26 + 3 * index] = 255
            writer.write(frame)
        writer.release()
        options = InferenceOptions().with_overrides(
            {"skeleton": "smpl_24", "batch_size": 4, "num_aug": 1}
        )
        result = Estimator(model, options).process_video(video)
        io.save_predictions(result.predictions, folder / "p.npz")
        loaded = io.load_predictions(folder / "p.npz")
        if loaded.frame_count != 12 or loaded.people_per_frame.tolist() != [1] * 12:
            raise RuntimeError(
                f"self-test predictions are wrong: {loaded.people_per_frame.tolist()}"
            )
    return (
        "plumbing test passed: generated clip -> generated stand-in model -> predictions -> saved and reloaded. "
        "This checks the installation, not pose accuracy (no real model was used)."
    )


def doctor(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Check this installation offline: packages, TensorFlow and its device, model cache, data directory, self-tests."""
    context = get(ctx)
    settings = context.settings()
    checks = [
        _check("packages", _packages),
        _check("data directory", lambda: _data_dir(settings.data_dir)),
    ]
    try:
        import neuropose.estimator  # noqa: F401
    except ModuleNotFoundError:
        checks.append(
            {
                "check": "estimator",
                "ok": False,
                "detail": 'not installed: pip install "neuropose-cli[estimator]"',
                "seconds": 0,
            }
        )
    else:
        checks.append(_check("tensorflow", _tensorflow))
        checks.append(
            _check(
                "model cache",
                lambda: _model_cache(settings.model_dir, settings.inference.model),
            )
        )
        checks.append(_check("pipeline self-test", _self_test))
        checks.append(_check("blazepose", lambda: _blazepose(settings.model_dir)))
    if as_json:
        emit_json({"ok": all(c["ok"] for c in checks), "checks": checks})
    else:
        for c in checks:
            typer.echo(f"[{'ok' if c['ok'] else 'FAIL'}] {c['check']}: {c['detail']}")
    if not all(c["ok"] for c in checks):
        raise typer.Exit(EXIT["failure"])


def register(app: typer.Typer) -> None:
    """Add this command to the application."""
    app.command()(doctor)
