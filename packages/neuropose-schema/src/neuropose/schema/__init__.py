"""Versioned contracts shared by every NeuroPose package.

Every file NeuroPose writes has a model here with a ``schema_version``; value objects are
frozen and reject unknown keys. Load and save files with :mod:`neuropose.schema.io`; find the
files of a data directory with :class:`DataDirectory`.

Conventions written into every predictions file: ``poses3d`` in millimetres in the camera
frame (x right, y down, z forward), ``poses2d`` in pixels, times in seconds.
"""

# Exports load on first use (PEP 562): importing a submodule such as the error classes, or a
# package that only needs a few models, does not pay for building every pydantic model.
# ``__init__.pyi`` is the one list of exports: type checkers read it, and attach_stub parses it.
from __future__ import annotations

from neuropose.schema._lazy import attach_stub as _attach_stub

VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".mts"}
)
"""Lower-case file suffixes treated as videos by the daemon and the zip ingester."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neuropose-schema")
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return "0.0.0"


__getattr__, __dir__, __all__ = _attach_stub(__name__, __file__, {"__version__": _version})
