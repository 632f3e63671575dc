"""Loading a MeTRAbs SavedModel from the cache, a path or a variant name."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuropose.estimator._download import DownloadProgress
from neuropose.estimator._errors import ModelInterfaceError, ModelNotFoundError
from neuropose.estimator._hashing import digest_manifest, manifest
from neuropose.estimator._store import CachedModel, ModelStore

__all__ = ["REQUIRED_ATTRIBUTES", "LoadedModel", "load_model"]

REQUIRED_ATTRIBUTES = (
    "detect_poses_batched",
    "per_skeleton_joint_names",
    "per_skeleton_joint_edges",
)


@dataclass(frozen=True)
class LoadedModel:
    """A MeTRAbs model ready for inference, with where it came from.

    Attributes
    ----------
    model
        The object ``tf.saved_model.load`` returned.
    name
        Cache or variant name, or the folder name for a direct path.
    sha256
        Archive SHA-256 when known, else the digest of the SavedModel's files.
    source
        Download address or path.
    load_time_s
        Seconds spent importing TensorFlow (only the first load in a process pays it) and in
        ``tf.saved_model.load``.
    skeletons
        Skeleton names the model provides.
    """

    model: Any = field(repr=False)
    name: str
    sha256: str
    source: str
    load_time_s: float
    skeletons: tuple[str, ...]


def _load_saved_model(path: Path, name: str, sha256: str, source: str) -> LoadedModel:
    # Timed from before the import: the first load in a process waits for TensorFlow to import
    # (seconds), and that wait is part of what the run paid for its model (as for BlazePose).
    started = time.perf_counter()
    import tensorflow as tf

    try:
        model = tf.saved_model.load(str(path))
    except (OSError, ValueError, tf.errors.OpError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        msg = f"{path} could not be loaded as a TensorFlow SavedModel: {first_line}"
        raise ModelInterfaceError(msg) from error
    load_time = time.perf_counter() - started
    missing = [a for a in REQUIRED_ATTRIBUTES if not hasattr(model, a)]
    if missing:
        msg = (
            f"{path} is a SavedModel but not a MeTRAbs model: it lacks {', '.join(missing)}; "
            "import a MeTRAbs archive (neuropose model import)"
        )
        raise ModelInterfaceError(msg)
    skeletons = tuple(sorted(str(k) for k in model.per_skeleton_joint_names.keys()))  # noqa: SIM118
    return LoadedModel(model, name, sha256, source, load_time, skeletons)


def _from_cache(cached: CachedModel) -> LoadedModel:
    entry = cached.entry
    assert entry is not None  # a usable entry always has one
    if cached.task_file is not None:
        msg = (
            f"model '{cached.name}' is a BlazePose bundle ({cached.task_file}), not a MeTRAbs "
            "SavedModel; run it with the BlazePose backend"
        )
        raise ModelInterfaceError(msg)
    sha256 = entry.archive_sha256 or entry.content_sha256
    return _load_saved_model(cached.path, cached.name, sha256, entry.source)


def load_model(
    source: str | Path,
    store: ModelStore,
    *,
    allow_download: bool = True,
    progress: DownloadProgress | None = None,
) -> LoadedModel:
    """Load a MeTRAbs model.

    Parameters
    ----------
    source
        A SavedModel folder, a ``.tar.gz`` archive (imported into the cache first), the name
        of a cached model, or a variant name (downloaded when not cached).
    store
        The model cache.
    allow_download
        When False, a variant that is not cached is an error instead of a download.
    progress
        Receives download progress in bytes.

    Raises
    ------
    ModelNotFoundError
        Nothing usable by that name or path; the message lists what exists and how to import.
    ModelInterfaceError
        The artefact loads but is not a MeTRAbs model.
    """
    as_path = Path(source).expanduser()
    if as_path.is_dir():
        # Checked before TensorFlow loads: a wrong folder is named in one line, at once.
        found = [
            p for p in (as_path, *sorted(as_path.iterdir())) if (p / "saved_model.pb").is_file()
        ]
        if not found:
            raise ModelNotFoundError(
                f"{as_path} is not a SavedModel folder: it has no saved_model.pb (at its top or "
                "one folder down); give a MeTRAbs SavedModel folder or its .tar.gz archive"
            )
        files = manifest(found[0])
        return _load_saved_model(found[0], as_path.name, digest_manifest(files), str(as_path))
    if as_path.is_file():
        return _from_cache(store.import_path(as_path))
    name = str(source)
    if as_path.suffix in {".gz", ".tgz", ".task"} or "/" in name:
        raise ModelNotFoundError(f"model path {as_path} does not exist")
    cached = store.get(name)
    if cached.usable:
        return _from_cache(cached)
    if not allow_download:
        raise ModelNotFoundError(store.describe_missing(name, cached.problem))
    return _from_cache(store.ensure(name, progress))
