"""Errors raised by the daemon and the zip ingester: all are :class:`neuropose.schema.NeuroPoseError`."""

from __future__ import annotations

from neuropose.schema import NeuroPoseError

__all__ = [
    "ArchiveTooLargeError",
    "CorruptArchiveError",
    "DaemonAlreadyRunningError",
    "DaemonError",
    "EmptyArchiveError",
    "EncryptedMemberError",
    "IngestError",
    "InsufficientSpaceError",
    "InterruptedJobError",
    "JobCollisionError",
    "JobNameConflictError",
    "MonitorBindError",
    "NoFreeNameError",
    "NoVideosError",
    "SuspiciousCompressionError",
    "TooManyMembersError",
    "UnsafeMemberError",
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


class MonitorBindError(DaemonError):
    """The status page cannot listen on its address (port in use, not this machine's, privileged)."""


class NoFreeNameError(DaemonError, FileExistsError):
    """Every numbered variant of a folder name is taken where a job's folder should move.

    Also a :class:`FileExistsError`, so code that handles a failed move as an ``OSError`` keeps
    the job's inputs in place.
    """


class IngestError(DaemonError):
    """A zip was rejected; nothing was written."""


class CorruptArchiveError(IngestError):
    """The file is not a readable zip, or a member's data does not match its header."""


class UnsafeMemberError(IngestError):
    """A member path is absolute, climbs out with ``..``, is a link, or has control characters."""


class EncryptedMemberError(IngestError):
    """A member is encrypted."""


class EmptyArchiveError(IngestError):
    """The archive holds no video."""


class TooManyMembersError(IngestError):
    """The archive has more entries than allowed."""


class ArchiveTooLargeError(IngestError):
    """The declared uncompressed size is over the limit."""


class SuspiciousCompressionError(IngestError):
    """A video member compresses far better than video ever does (a zip bomb)."""


class JobCollisionError(IngestError):
    """Job names collide inside the archive or with existing jobs; lists every name."""


class InsufficientSpaceError(IngestError):
    """The data directory's disk cannot hold the extracted videos."""
