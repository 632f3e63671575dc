"""SHA-256 of files and of folder trees."""

from __future__ import annotations

import hashlib
from pathlib import Path

from neuropose.schema import CachedFile

__all__ = ["digest_manifest", "manifest", "sha256_file"]

_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Return the SHA-256 of a file's bytes as lowercase hex (how a video's digest is recorded)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest(folder: Path) -> dict[str, CachedFile]:
    """Map every regular file below ``folder`` (POSIX relative path) to its size and hash."""
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file())
    return {
        p.relative_to(folder).as_posix(): CachedFile(size=p.stat().st_size, sha256=sha256_file(p))
        for p in files
    }


def digest_manifest(files: dict[str, CachedFile]) -> str:
    """Return one SHA-256 that identifies a whole folder from its manifest."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{files[name].size}\0{files[name].sha256}\n".encode())
    return digest.hexdigest()
