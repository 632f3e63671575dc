"""The model cache: download, import, verify, list and remove models.

Layout of the cache directory::

    <model_dir>/<name>/entry.json   what it is and where it came from (ModelCacheEntry)
    <model_dir>/<name>/model/       a MeTRAbs SavedModel, or a BlazePose bundle:
        pose_landmarker_<size>.task     the MediaPipe Tasks bundle
        sources/*.tflite                the pinned raw models it was built from (offline route)

An entry is built in a staging folder inside the cache and renamed into place in one step, with
``entry.json`` written last; a folder without a valid ``entry.json``, or whose files no longer
match it, is broken and is replaced, never loaded.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from neuropose.estimator._blazepose_bundle import check_bundle
from neuropose.estimator._blazepose_fetch import (
    SOURCES_FOLDER,
    ObtainedBundle,
    audit_entry,
    find_task_file,
    obtain_bundle,
)
from neuropose.estimator._download import DownloadProgress, download_verified
from neuropose.estimator._errors import (
    ModelDownloadError,
    ModelIntegrityError,
    ModelNotFoundError,
)
from neuropose.estimator._hashing import digest_manifest, manifest, sha256_file
from neuropose.estimator._registry import (
    MODEL_VARIANTS,
    AnyVariant,
    BlazePoseVariant,
    ModelVariant,
)
from neuropose.schema import ModelCacheEntry, NeuroPoseError, io

__all__ = ["CachedModel", "ModelStore"]

log = logging.getLogger(__name__)

_ENTRY = "entry.json"
_MODEL = "model"
_TASK = ".task"


@dataclass(frozen=True, slots=True)
class CachedModel:
    """One folder of the cache, usable or not.

    Attributes
    ----------
    name
        Folder name.
    path
        The model folder inside it: the SavedModel, or the folder holding a ``.task`` bundle.
    entry
        The recorded entry, or ``None`` when it is missing or unreadable.
    problem
        Why the entry is not usable, or ``None`` when the quick check passed.
    """

    name: str
    path: Path
    entry: ModelCacheEntry | None
    problem: str | None

    @property
    def usable(self) -> bool:
        """True when the quick check passed."""
        return self.problem is None

    @property
    def task_file(self) -> Path | None:
        """The MediaPipe Tasks bundle of a BlazePose entry; ``None`` for a SavedModel."""
        return find_task_file(self.path)


class ModelStore:
    """A model cache directory.

    Parameters
    ----------
    root
        Cache directory (``Settings.model_dir``); created on first write.
    variants
        Known downloadable variants by name (tests pass their own).
    timeout_s
        Network timeout for downloads, in seconds.
    """

    def __init__(
        self,
        root: Path,
        *,
        variants: Mapping[str, AnyVariant] | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.root = Path(root)
        self.variants = dict(MODEL_VARIANTS if variants is None else variants)
        self.timeout_s = timeout_s

    # ----------------------------------------------------------------- reading the cache
    def get(self, name: str) -> CachedModel:
        """Describe the cache folder ``name`` and check it quickly (entry, file sizes)."""
        folder = self.root / name
        model = folder / _MODEL
        if not folder.is_dir():
            return CachedModel(name, model, None, "not in the cache")
        try:
            entry = io.load(folder / _ENTRY, ModelCacheEntry)
        except NeuroPoseError as error:
            return CachedModel(name, model, None, f"unreadable entry ({error})")
        for relative, expected in entry.files.items():
            path = model / relative
            if not path.is_file():
                return CachedModel(name, model, entry, f"file {relative} is missing")
            if path.stat().st_size != expected.size:
                return CachedModel(name, model, entry, f"file {relative} has the wrong size")
        return CachedModel(name, model, entry, None)

    def list(self) -> list[CachedModel]:
        """Every folder of the cache, sorted by name, usable or not."""
        if not self.root.is_dir():
            return []
        names = sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )
        return [self.get(name) for name in names]

    def verify(self, name: str) -> ModelCacheEntry:
        """Re-hash every file of a cached model against its entry.

        Raises
        ------
        ModelNotFoundError
            If ``name`` is not cached.
        ModelIntegrityError
            If any file is missing, resized or changed, or the recorded archive hash differs
            from the published one. For a BlazePose bundle also: it is no longer a readable
            bundle, or (built offline) the wheel hash or a raw model kept beside it differs
            from its pin.
        """
        cached = self.get(name)
        if cached.entry is None:
            raise ModelNotFoundError(self.describe_missing(name, cached.problem))
        if cached.problem is not None:
            raise ModelIntegrityError(f"cached model '{name}' is broken: {cached.problem}")
        actual = manifest(cached.path)
        expected = cached.entry.files
        changed = sorted(
            set(actual) ^ set(expected)
            | {k for k in set(actual) & set(expected) if actual[k] != expected[k]}
        )
        if changed:
            shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
            msg = (
                f"cached model '{name}' at {cached.path} has changed files: {shown}; "
                f"remove it (neuropose model remove {name}) and download or import it again"
            )
            raise ModelIntegrityError(msg)
        variant = self.variants.get(name)
        if cached.task_file is not None:
            problem = audit_entry(
                cached.entry,
                cached.path,
                variant if isinstance(variant, BlazePoseVariant) else None,
            )
            if problem is not None:
                raise ModelIntegrityError(f"cached model '{name}' at {cached.path}: {problem}")
            return cached.entry
        published = variant.sha256 if variant else None
        archive = cached.entry.archive_sha256
        if published and archive and archive != published:
            msg = f"cached model '{name}' came from an archive with SHA-256 {archive}, not {published}"
            raise ModelIntegrityError(msg)
        return cached.entry

    def remove(self, name: str) -> None:
        """Delete a cached model.

        Raises
        ------
        ModelNotFoundError
            If there is no such folder.
        """
        folder = self.root / name
        if not folder.is_dir() or name.startswith("."):
            raise ModelNotFoundError(self.describe_missing(name, "not in the cache"))
        self._discard(folder)

    # ------------------------------------------------------------------ filling the cache
    def import_path(self, source: Path, name: str | None = None) -> CachedModel:
        """Copy a model fetched by other means into the cache (the offline path).

        Parameters
        ----------
        source
            A MeTRAbs ``.tar.gz`` archive or extracted SavedModel folder, or a MediaPipe
            PoseLandmarker bundle (``.task``).
        name
            Cache name; by default the variant whose archive file name matches
            (``pose_landmarker_full.task`` becomes ``blazepose-full``), else the file or
            folder name without its suffix.

        Raises
        ------
        ModelNotFoundError
            If ``source`` does not exist or holds no SavedModel.
        ModelIntegrityError
            If it is the archive of a variant with a published hash and the hash differs.
        CorruptBundleError, NotAPoseModelError
            If a ``.task`` is not a readable pose landmarker bundle.
        """
        source = Path(source).expanduser()
        if not source.exists():
            raise ModelNotFoundError(
                f"{source} does not exist; give the path of a model archive or folder"
            )
        if source.is_file() and source.suffix in (_TASK, ".tflite"):
            return self._import_task(source, name)
        if source.is_dir():
            return self._install(
                self._name_for(source, name), source, archive_sha256=None, origin=str(source)
            )
        digest = sha256_file(source)
        chosen = self._name_for(source, name)
        existing = self._already_imported(chosen, digest)
        if existing is not None:
            return existing
        return self._install(chosen, source, archive_sha256=digest, origin=str(source))

    def name_for(self, source: Path, name: str | None = None) -> str:
        """Return the cache name :meth:`import_path` gives ``source`` (``name`` when given).

        Raises
        ------
        ModelNotFoundError
            If the name cannot name a cache folder.
        """
        return self._name_for(Path(source).expanduser(), name)

    def download(self, name: str, progress: DownloadProgress | None = None) -> CachedModel:
        """Download a known variant into the cache, checking its hash.

        A hash mismatch is retried once (a corrupted transfer), then reported.

        Raises
        ------
        ModelNotFoundError
            If ``name`` is not a known variant.
        ModelDownloadError
            If the host cannot be reached; the message says how to import the model instead.
        ModelIntegrityError
            If the archive does not match the published SHA-256 twice in a row.
        """
        variant = self.variants.get(name)
        if variant is None:
            known = ", ".join(self._known_names())
            raise ModelNotFoundError(f"'{name}' is not a known model variant; known: {known}")
        self.root.mkdir(parents=True, exist_ok=True)
        if isinstance(variant, BlazePoseVariant):
            return self._download_bundle(variant, progress)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=self.root) as scratch:
            archive = Path(scratch) / variant.archive_file_name
            try:
                digest = download_verified(
                    name,
                    variant.url,
                    archive,
                    variant.sha256,
                    timeout_s=self.timeout_s,
                    progress=progress,
                )
            except ModelDownloadError as error:
                raise ModelDownloadError(f"{error}. {self._offline_advice(variant)}") from None
            return self._install(name, archive, archive_sha256=digest, origin=variant.url)

    def ensure(self, name: str, progress: DownloadProgress | None = None) -> CachedModel:
        """Return a usable cached model, downloading (or replacing a broken entry) as needed.

        Raises
        ------
        ModelNotFoundError
            If ``name`` is neither cached nor a known variant, or it cannot be downloaded; the
            message names the address tried, the cache folder, and the import command.
        """
        cached = self.get(name)
        if cached.usable:
            return cached
        if name not in self.variants:
            raise ModelNotFoundError(self.describe_missing(name, cached.problem))
        if cached.problem != "not in the cache":
            log.warning(
                "cached model %s is broken (%s); downloading it again", name, cached.problem
            )
        try:
            return self.download(name, progress)
        except ModelDownloadError as error:
            raise ModelNotFoundError(
                f"model '{name}' is not cached in {self.root} and {error}"
            ) from None

    # ------------------------------------------------------------------------ internals
    def _download_bundle(
        self, variant: BlazePoseVariant, progress: DownloadProgress | None
    ) -> CachedModel:
        with tempfile.TemporaryDirectory(prefix=".download-", dir=self.root) as scratch:
            obtained = obtain_bundle(
                variant, Path(scratch), timeout_s=self.timeout_s, progress=progress
            )
            return self._install_bundle(variant.name, obtained)

    def _already_imported(self, name: str, digest: str) -> CachedModel | None:
        # The same file again (e.g. --model path.tar.gz on every run): keep its extraction.
        existing = self.get(name)
        if (
            existing.usable
            and existing.entry is not None
            and existing.entry.archive_sha256 == digest
        ):
            return existing
        return None

    def _import_task(self, source: Path, name: str | None) -> CachedModel:
        check_bundle(source)
        digest = sha256_file(source)
        chosen = self._name_for(source, name)
        existing = self._already_imported(chosen, digest)
        if existing is not None:
            return existing
        variant = self.variants.get(chosen)
        published: set[str] = set()
        if isinstance(variant, BlazePoseVariant):
            published = {h for h in (variant.sha256, variant.bundle_sha256) if h}
            # Google publishes no hash today; when it does, a different file is refused.
            if variant.sha256 and digest not in published:
                msg = (
                    f"{source} has SHA-256 {digest}, but {chosen} is published as "
                    f"{variant.sha256}; fetch the bundle again"
                )
                raise ModelIntegrityError(msg)
        obtained = ObtainedBundle(source, digest, str(source), pinned=digest in published)
        return self._install_bundle(chosen, obtained)

    def _install_bundle(self, name: str, obtained: ObtainedBundle) -> CachedModel:
        variant = self.variants.get(name)
        file_name = (
            variant.archive_file_name
            if isinstance(variant, BlazePoseVariant)
            else obtained.task.with_suffix(_TASK).name
        )
        staging = self._staging()
        try:
            target = staging / _MODEL
            target.mkdir()
            shutil.copyfile(obtained.task, target / file_name)
            if obtained.sources:
                (target / SOURCES_FOLDER).mkdir()
                for source_name, path in obtained.sources.items():
                    shutil.copyfile(path, target / SOURCES_FOLDER / source_name)
            self._commit(
                name,
                staging,
                origin=obtained.origin,
                archive_sha256=obtained.archive_sha256,
                pinned=obtained.pinned,
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.get(name)

    def _known_names(self) -> list[str]:
        # MeTRAbs first (the default family), then BlazePose; alphabetical within each.
        return sorted(
            self.variants, key=lambda n: (isinstance(self.variants[n], BlazePoseVariant), n)
        )

    def _name_for(self, source: Path, name: str | None) -> str:
        if name:
            chosen = name
        else:
            by_archive = {v.archive_file_name: v.name for v in self.variants.values()}
            chosen = by_archive.get(source.name) or source.name.removesuffix(
                ".tar.gz"
            ).removesuffix(".tgz").removesuffix(_TASK)
        if chosen.startswith(".") or "/" in chosen or "\\" in chosen or not chosen.strip():
            raise ModelNotFoundError(f"'{chosen}' cannot name a cache entry; pass a plain name")
        return chosen

    def _install(
        self, name: str, source: Path, *, archive_sha256: str | None, origin: str
    ) -> CachedModel:
        variant = self.variants.get(name)
        published = variant.sha256 if variant else None
        if archive_sha256 and published and archive_sha256 != published:
            msg = (
                f"{source} has SHA-256 {archive_sha256}, but {name} is published as {published}; "
                "fetch the archive again"
            )
            raise ModelIntegrityError(msg)
        staging = self._staging()
        try:
            target = staging / _MODEL
            if source.is_dir():
                saved_model = _find_saved_model(source, source)
                shutil.copytree(saved_model, target)
            else:
                unpacked = staging / "unpacked"
                _safe_extract(source, unpacked)
                shutil.move(_find_saved_model(unpacked, source), target)
                shutil.rmtree(unpacked, ignore_errors=True)
            self._commit(
                name,
                staging,
                origin=origin,
                archive_sha256=archive_sha256,
                pinned=bool(published and archive_sha256 == published),
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return self.get(name)

    def _staging(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))

    def _commit(
        self, name: str, staging: Path, *, origin: str, archive_sha256: str | None, pinned: bool
    ) -> None:
        """Write the entry for a filled staging folder, then swap it in under ``name``."""
        files = manifest(staging / _MODEL)
        entry = ModelCacheEntry(
            name=name,
            source=origin,
            archive_sha256=archive_sha256,
            pinned=pinned,
            content_sha256=digest_manifest(files),
            files=files,
        )
        io.save(entry, staging / _ENTRY)
        final = self.root / name
        if final.exists():
            self._discard(final)
        staging.rename(final)

    def _discard(self, folder: Path) -> None:
        # Rename first so a crash mid-delete never leaves a half-deleted entry under its name.
        trash = folder.with_name(f".trash-{folder.name}-{id(folder):x}")
        folder.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)

    def _offline_advice(self, variant: ModelVariant) -> str:
        advice = (
            f"To work offline, fetch {variant.archive_file_name} on another machine and run "
            f"`neuropose model import {variant.archive_file_name}` (cache: {self.root})"
        )
        if "blazepose-full" in self.variants:
            advice += (
                "; or use the model blazepose-full, which is built from the package index "
                "when its own host is unreachable"
            )
        return advice

    def describe_missing(self, name: str, problem: str | None) -> str:
        """Explain that a model is missing: what is cached, what can be downloaded, how to import."""
        cached = ", ".join(m.name for m in self.list() if m.usable) or "none"
        known = ", ".join(self._known_names())
        return (
            f"model '{name}' is {problem or 'unusable'} in {self.root}; cached: {cached}; "
            f"downloadable variants: {known}; or import one with `neuropose model import PATH`"
        )


def _safe_extract(archive: Path, destination: Path) -> None:
    """Extract a tar archive, refusing links, devices and paths that leave ``destination``."""
    destination.mkdir(parents=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(destination, filter="data")
    except EOFError:
        msg = f"{archive} is truncated (its data ends before the archive does); fetch it again"
        raise ModelIntegrityError(msg) from None
    except (tarfile.TarError, OSError) as error:
        msg = f"{archive} is not a readable model archive ({error}); fetch it again"
        raise ModelIntegrityError(msg) from None


def _find_saved_model(folder: Path, origin: Path) -> Path:
    """Return the folder holding ``saved_model.pb`` (at the top or one level down)."""
    candidates = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]
    for candidate in candidates:
        if (candidate / "saved_model.pb").is_file():
            return candidate
    msg = f"{origin} holds no SavedModel (no saved_model.pb at its top or one folder down)"
    raise ModelNotFoundError(msg)
