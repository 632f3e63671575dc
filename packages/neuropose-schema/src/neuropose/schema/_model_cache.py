"""The record kept beside each cached model (``<model_dir>/<name>/entry.json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from pydantic import Field

from neuropose.schema._base import PersistedModel, ValueModel

__all__ = ["CachedFile", "ModelCacheEntry"]


class CachedFile(ValueModel):
    """Size in bytes and SHA-256 of one file of a cached SavedModel."""

    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class ModelCacheEntry(PersistedModel):
    """What was put in the model cache, from where, and how to check it is still intact.

    Attributes
    ----------
    name
        Cache name (``metrabs_l`` or the name given at import).
    source
        Download address or the path it was imported from.
    archive_sha256
        SHA-256 of the ``.tar.gz`` it came from; ``None`` for a directory import.
    pinned
        True when ``archive_sha256`` matched a published hash; False when the hash was merely
        recorded on first download or import.
    content_sha256
        Digest of the extracted files (names, sizes and hashes): the model identity written
        into provenance when there is no archive hash.
    files
        Each file of the SavedModel, by path relative to the model folder.
    created_at
        When the entry was made (UTC).
    """

    KIND: ClassVar[str] = "model_cache_entry"

    name: str
    source: str
    archive_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    pinned: bool = False
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    files: dict[str, CachedFile]
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
