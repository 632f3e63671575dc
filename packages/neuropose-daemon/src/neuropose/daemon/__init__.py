"""The NeuroPose job daemon, its status page and its zip ingester.

Only the standard library and ``neuropose-schema``: the estimator is handed in as any object
satisfying :class:`neuropose.schema.EstimatorProtocol`, so this package never imports
TensorFlow.

The data directory's layout (``in/``, ``out/``, ``failed/``, ``out/status.json`` ...) is
:class:`neuropose.schema.DataDirectory`, re-exported here.
"""

from neuropose.daemon._discovery import JobFolder, JobScanner, is_video
from neuropose.daemon._errors import (
    ArchiveTooLargeError,
    CorruptArchiveError,
    DaemonAlreadyRunningError,
    DaemonError,
    EmptyArchiveError,
    EncryptedMemberError,
    IngestError,
    InsufficientSpaceError,
    InterruptedJobError,
    JobCollisionError,
    JobNameConflictError,
    MonitorBindError,
    NoFreeNameError,
    NoVideosError,
    SuspiciousCompressionError,
    TooManyMembersError,
    UnsafeMemberError,
)
from neuropose.daemon._ingest import IngestLimits, IngestResult, ingest_zip, job_name_for
from neuropose.daemon._interfacer import Interfacer
from neuropose.daemon._lock import DaemonLock
from neuropose.daemon._monitor import make_monitor, serve_monitor
from neuropose.daemon._status import StatusKeeper
from neuropose.schema import VIDEO_EXTENSIONS, DataDirectory

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
    "MonitorBindError",
    "NoFreeNameError",
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
