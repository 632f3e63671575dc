"""The ``report`` extra's libraries: imported when a report needs them, named when missing."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from neuropose.analysis.report._errors import MissingReportExtraError

__all__ = ["REPORT_LIBRARIES", "report_extra_installed", "require_report_library"]

REPORT_LIBRARIES = ("av", "PIL", "matplotlib")
"""Import names of what ``neuropose-analysis[report]`` installs: PyAV, Pillow, matplotlib."""


def require_report_library(name: str) -> ModuleType:
    """Import ``name`` (one of :data:`REPORT_LIBRARIES`) or raise :class:`MissingReportExtraError`."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name and name.split(".", maxsplit=1)[0] == error.name.split(".")[0]:
            raise MissingReportExtraError(name) from None
        raise


def report_extra_installed() -> bool:
    """Tell whether every library of the ``report`` extra can be imported (without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in REPORT_LIBRARIES)
