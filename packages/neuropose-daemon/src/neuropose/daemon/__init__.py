"""The NeuroPose job daemon, its status page and its zip ingester.

Only the standard library and ``neuropose-schema``: the estimator is handed in as any object
satisfying :class:`neuropose.schema.EstimatorProtocol`, so this package never imports
TensorFlow.

Data directory::

    in/<job>/             jobs waiting (folders of videos)
    out/<job>/            predictions (<video>.npz) and results.json
    out/<job>/inputs/     the job's input folder, once the job completed
    out/status.json       every job's lifecycle
    failed/<job>/         inputs of failed jobs; move one back to in/ to retry
    .neuropose.lock       one daemon per data directory
"""

from neuropose.daemon._discovery import JobFolder, JobScanner, is_video
from neuropose.daemon._errors import (
    DaemonAlreadyRunningError,
    DaemonError,
    InterruptedJobError,
    JobNameConflictError,
    NoVideosError,
)
from neuropose.daemon._ingest import (
    ArchiveTooLargeError,
    CorruptArchiveError,
    EmptyArchiveError,
    EncryptedMemberError,
    IngestError,
    IngestLimits,
    IngestResult,
    InsufficientSpaceError,
    JobCollisionError,
    SuspiciousCompressionError,
    TooManyMembersError,
    UnsafeMemberError,
    ingest_zip,
    job_name_for,
)
from neuropose.daemon._interfacer import Interfacer
from neuropose.daemon._layout import DataDirectory
from neuropose.daemon._lock import DaemonLock
from neuropose.daemon._monitor import make_monitor, serve_monitor
from neuropose.daemon._status import StatusKeeper
from neuropose.schema import VIDEO_EXTENSIONS

__all__ = [
    "VIDEO_EXTENSIONS",
    "ArchiveTooLargeError",
    "CorruptArchiveError",
    "DaemonAlreadyRunningError",
    "DaemonError",
    "DaemonLock",
    "DataDirectory",
    "EmptyArchiveError",
    "EncryptedMemberError",
    "IngestError",
    "IngestLimits",
    "IngestResult",
    "InsufficientSpaceError",
    "Interfacer",
    "InterruptedJobError",
    "JobCollisionError",
    "JobFolder",
    "JobNameConflictError",
    "JobScanner",
    "NoVideosError",
    "StatusKeeper",
    "SuspiciousCompressionError",
    "TooManyMembersError",
    "UnsafeMemberError",
    "ingest_zip",
    "is_video",
    "job_name_for",
    "make_monitor",
    "serve_monitor",
]
