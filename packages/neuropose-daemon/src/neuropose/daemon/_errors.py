"""Errors raised by the daemon: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = [
    "DaemonAlreadyRunningError",
    "DaemonError",
    "InterruptedJobError",
    "JobNameConflictError",
    "NoVideosError",
]


class DaemonError(NeuroPoseError):
    """Root of the daemon's errors."""


class DaemonAlreadyRunningError(DaemonError):
    """Another daemon holds the data directory's lock."""


class NoVideosError(DaemonError):
    """A job folder holds no video file."""


class JobNameConflictError(DaemonError):
    """A new job has the name of a job whose results already exist."""


class InterruptedJobError(DaemonError):
    """The daemon stopped (signal, crash or kill) while the job was running."""
