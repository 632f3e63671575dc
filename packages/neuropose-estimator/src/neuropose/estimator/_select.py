"""Choosing the backend for the model the inference options name, and loading it.

``options.model`` may be a MeTRAbs variant (``metrabs_l``), a BlazePose variant
(``blazepose-lite``, ``blazepose-full``, ``blazepose-heavy``), the name of anything in the model
cache, or a path: a SavedModel folder or ``.tar.gz`` archive (MeTRAbs), or a ``.task`` bundle
(BlazePose; a lone ``.tflite`` is refused with a named error). The backend is decided from names
and files alone, before anything heavy is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from neuropose.estimator._backend import ModelIdentity, PoseBackend
from neuropose.estimator._blazepose_bundle import check_bundle
from neuropose.estimator._blazepose_fetch import find_task_file
from neuropose.estimator._download import DownloadProgress
from neuropose.estimator._errors import ModelInterfaceError, ModelNotFoundError
from neuropose.estimator._hashing import sha256_file
from neuropose.estimator._registry import BlazePoseVariant
from neuropose.estimator._store import ModelStore
from neuropose.schema import CameraIntrinsics, InferenceOptions

if TYPE_CHECKING:
    from neuropose.estimator._inference import Estimator

__all__ = ["BACKENDS", "backend_for", "load_backend", "load_estimator"]

BACKENDS = ("metrabs", "blazepose")
"""The backends NeuroPose can run, by the name recorded in provenance."""

_BUNDLE_SUFFIXES = (".task", ".tflite")


def backend_for(source: str, store: ModelStore) -> str:
    """Return the name of the backend that runs ``source`` (one of :data:`BACKENDS`).

    Nothing is loaded or downloaded: the decision comes from the path's suffix, what a folder
    holds, the cache entry of that name, or the variant of that name.
    """
    path = Path(source).expanduser()
    if path.suffix.lower() in _BUNDLE_SUFFIXES:
        return "blazepose"
    if path.is_dir():
        bundle_only = find_task_file(path) is not None and not (path / "saved_model.pb").exists()
        return "blazepose" if bundle_only else "metrabs"
    if path.exists():
        return "metrabs"
    if store.get(source).task_file is not None:
        return "blazepose"
    if isinstance(store.variants.get(source), BlazePoseVariant):
        return "blazepose"
    return "metrabs"


def _bundle(
    source: str, store: ModelStore, progress: DownloadProgress | None, allow_download: bool
) -> tuple[Path, ModelIdentity]:
    """Find (fetching if allowed) the ``.task`` of ``source`` and say what it is."""
    path = Path(source).expanduser()
    if path.is_dir():
        task = find_task_file(path)
        assert task is not None  # backend_for chose BlazePose because there is one
        path = task
    if path.is_file():
        # The named container errors (corrupt zip, lone .tflite) come before any hashing.
        check_bundle(path)
        return path, ModelIdentity(path.stem, sha256_file(path), str(path.resolve()), 0.0)
    if path.suffix.lower() in _BUNDLE_SUFFIXES:
        raise ModelNotFoundError(f"model file {path} does not exist; check the path")
    cached = store.get(source)
    if not cached.usable:
        if not allow_download:
            raise ModelNotFoundError(store.describe_missing(source, cached.problem))
        cached = store.ensure(source, progress)
    task, entry = cached.task_file, cached.entry
    if task is None or entry is None:
        msg = f"cached model '{source}' at {cached.path} holds no .task bundle; remove and fetch it again"
        raise ModelInterfaceError(msg)
    # The bundle's own hash identifies the model, however it was obtained (a bundle built from
    # the wheel records the wheel's hash as its archive hash, which is not the model's).
    recorded = entry.files.get(task.relative_to(cached.path).as_posix())
    sha256 = recorded.sha256 if recorded is not None else sha256_file(task)
    return task, ModelIdentity(source, sha256, entry.source, 0.0)


def load_backend(
    options: InferenceOptions,
    store: ModelStore,
    *,
    progress: DownloadProgress | None = None,
    allow_download: bool = True,
) -> PoseBackend:
    """Load the backend running ``options.model``, with its options.

    Parameters
    ----------
    options
        Inference options; ``model`` picks the model (see the module notes) and the backend
        reads the common fields and its own sub-model.
    store
        The model cache.
    progress
        Receives download progress in bytes.
    allow_download
        When False, a variant that is not cached is an error instead of a download.

    Raises
    ------
    ModelNotFoundError
        Nothing usable by that name or path; the message lists what exists and how to get it.
    ModelInterfaceError
        The artefact is not a model of its backend (subclasses for a corrupt ``.task``,
        :class:`~neuropose.estimator.CorruptBundleError`, and a ``.tflite`` or bundle that is not
        BlazePose, :class:`~neuropose.estimator.NotAPoseModelError`).
    BackendUnavailableError
        The backend's optional packages are not installed.
    EstimatorError
        An option the backend cannot honour (unknown skeleton, missing device).
    """
    source = options.model
    if backend_for(source, store) == "blazepose":
        from neuropose.estimator._blazepose_backend import BlazePoseBackend

        task, identity = _bundle(source, store, progress, allow_download)
        return BlazePoseBackend(task, identity, options)
    from neuropose.estimator._loader import load_model
    from neuropose.estimator._metrabs import MetrabsBackend

    model = load_model(source, store, allow_download=allow_download, progress=progress)
    return MetrabsBackend(model, options)


def load_estimator(
    options: InferenceOptions,
    store: ModelStore,
    *,
    progress: DownloadProgress | None = None,
    allow_download: bool = True,
    intrinsics: CameraIntrinsics | None = None,
) -> Estimator:
    """Load the model ``options.model`` names with the backend that runs it, ready for videos.

    Parameters
    ----------
    options
        Inference options, taken whole: ``model`` (a ``metrabs_*`` or ``blazepose-*`` variant,
        a cached name, or a path to a SavedModel folder, ``.tar.gz`` or ``.task``), the common
        fields, and the backend's own sub-model.
    store
        The model cache (``ModelStore(settings.model_dir)``).
    progress
        Receives download progress in bytes, when the model is fetched.
    allow_download
        When False, a variant that is not cached is an error instead of a download.
    intrinsics
        A calibrated camera for every video; by default one is built from
        ``options.fov_degrees``.

    Returns
    -------
    Estimator
        Runs the backend over videos (``process_video``).

    Raises
    ------
    ModelNotFoundError, ModelInterfaceError, BackendUnavailableError, EstimatorError
        As :func:`load_backend`.

    Examples
    --------
    >>> options = InferenceOptions().with_overrides({"model": "blazepose-full"})
    >>> estimator = load_estimator(options, ModelStore(settings.model_dir))  # doctest: +SKIP
    >>> result = estimator.process_video(Path("trial.mp4"))                  # doctest: +SKIP
    """
    from neuropose.estimator._inference import Estimator

    backend = load_backend(options, store, progress=progress, allow_download=allow_download)
    return Estimator(backend, options, intrinsics=intrinsics)
