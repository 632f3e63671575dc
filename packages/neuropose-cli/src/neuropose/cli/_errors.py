"""Errors raised by the command line itself: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = [
    "BatchEngineError",
    "BatchInputError",
    "BatchWorkerError",
    "CliError",
    "FrameRangeError",
    "ManifestError",
    "MissingExtraError",
    "OutputExistsError",
    "VideoChoiceError",
    "VideoInputError",
    "WorkerLostError",
]


class CliError(NeuroPoseError):
    """Root of the command line's own errors."""


class MissingExtraError(CliError):
    """The package a command needs is not installed; the message names the extra to install."""


class VideoChoiceError(CliError):
    """A job's ``results.json`` names several videos and none was picked, or not the one asked for."""


class BatchInputError(CliError):
    """A ``batch`` input is missing or unusable: a path, a folder without videos, an output name."""


class ManifestError(BatchInputError):
    """A ``batch`` manifest (CSV or JSON) is malformed; the message names the file and the row."""


class BatchEngineError(CliError):
    """A ``batch`` engine could not start: Ray did not start here, or its cluster is unreachable."""


class BatchWorkerError(CliError):
    """A ``batch`` worker could not start (the model does not load there, or it keeps dying)."""


class WorkerLostError(CliError):
    """A ``batch`` worker process ended while it held a video (killed, out of memory, node lost).

    The batch engines raise it and the scheduler catches it to retry the video elsewhere; it
    reaches the user only as a line in the summary.
    """


class VideoInputError(CliError):
    """Inputs of ``process`` that cannot be processed; the message names every one and why."""


class OutputExistsError(CliError):
    """A command would overwrite existing files (or write two outputs to one name); ``--force`` allows it."""


class FrameRangeError(CliError):
    """A frame range (``--a-range 50:10``) is reversed or outside the trial; the message gives the valid range."""
