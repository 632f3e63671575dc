"""Errors raised by the exporters: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from neuropose.schema import NeuroPoseError

__all__ = [
    "ExportError",
    "ExportValueError",
    "MissingExtraError",
    "OutputExistsError",
    "UnknownFormatError",
    "UnknownIdentityError",
]


class ExportError(NeuroPoseError):
    """Root of the errors raised while exporting results to other tools' formats."""


class MissingExtraError(ExportError, ImportError):
    """A writer needs an optional library that is not installed.

    Parameters
    ----------
    library
        The import name that failed (``"pynwb"``).
    extra
        The ``neuropose-analysis`` extra that installs it (``"nwb"``).
    detail
        Anything more the user needs to know (for example that no build exists for the
        platform).
    """

    def __init__(self, library: str, extra: str, detail: str = "") -> None:
        self.library = library
        self.extra = extra
        advice = f'install it with: pip install "neuropose-analysis[{extra}]"'
        tail = f" ({detail})" if detail else ""
        super().__init__(f"this export needs {library}, which is not installed{tail}; {advice}")


class UnknownFormatError(ExportError, ValueError):
    """The requested export format is not one this package writes; the message lists them."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown export format {name!r}; choose one of: {', '.join(self.known)}")


class OutputExistsError(ExportError, FileExistsError):
    """The output file exists and overwriting was not asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists; pass force=True (--force) to replace it")


class UnknownIdentityError(ExportError, KeyError):
    """A requested track id is not in the predictions; the message lists those that are."""

    def __init__(self, requested: int, available: Iterable[int]) -> None:
        self.requested = requested
        self.available = tuple(available)
        listed = ", ".join(map(str, self.available)) or "none"
        super().__init__(f"no person with track id {requested}; the file has: {listed}")

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ExportValueError(ExportError, ValueError):
    """An input to an exporter has the wrong shape, length or value; the message names it."""
