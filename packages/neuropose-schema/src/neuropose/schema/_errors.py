"""The NeuroPose exception tree.

Every error a NeuroPose package raises on purpose derives from :class:`NeuroPoseError`, so a
caller can catch one type at the top of a program and still tell failures apart lower down.
Messages name the file or value at fault and say what to do about it.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ConfigError",
    "CorruptFileError",
    "NeuroPoseError",
    "SchemaError",
    "SchemaValidationError",
    "UnsupportedSchemaVersionError",
]


class NeuroPoseError(Exception):
    """Root of every error that NeuroPose raises deliberately."""


class SchemaError(NeuroPoseError):
    """A file or value does not match a NeuroPose contract."""


class CorruptFileError(SchemaError):
    """A file cannot be parsed at all (truncated, not JSON, not a NeuroPose archive).

    Parameters
    ----------
    path
        The file that could not be read.
    reason
        What went wrong, in words an operator can act on.
    """

    def __init__(self, path: Path | str | None, reason: str) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}{reason}")


class SchemaValidationError(SchemaError):
    """A file parsed, but a field has the wrong type, shape, dtype or value.

    Parameters
    ----------
    path
        The file being loaded, or ``None`` for an in-memory value.
    field
        Dotted location of the offending field (``"frames.12.people.0.poses3d"``).
    reason
        What is wrong with it.
    """

    def __init__(self, path: Path | str | None, field: str, reason: str) -> None:
        self.path = Path(path) if path is not None else None
        self.field = field
        self.reason = reason
        where = f"{self.path}: " if self.path is not None else ""
        super().__init__(f"{where}field '{field}': {reason}")


class UnsupportedSchemaVersionError(SchemaError):
    """A file declares a ``schema_version`` this package cannot read.

    Raised for versions newer than the installed ``neuropose-schema`` knows (upgrade it) and
    for versions with no registered migration.
    """

    def __init__(self, path: Path | str | None, kind: str, found: object, supported: int) -> None:
        self.path = Path(path) if path is not None else None
        self.kind = kind
        self.found = found
        self.supported = supported
        where = f"{self.path}: " if self.path is not None else ""
        if isinstance(found, int) and found > supported:
            advice = (
                f"it was written by a newer NeuroPose; upgrade neuropose-schema "
                f"(this one reads {kind} up to version {supported})"
            )
        else:
            advice = f"this neuropose-schema reads {kind} versions 1 to {supported}"
        super().__init__(f"{where}{kind} schema_version {found!r} is not supported: {advice}")


class ConfigError(NeuroPoseError):
    """A settings file or ``NEUROPOSE_*`` environment variable is invalid."""
