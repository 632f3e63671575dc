"""One daemon per data directory: an exclusive ``flock`` on ``.neuropose.lock``."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from neuropose.daemon._errors import DaemonAlreadyRunningError

__all__ = ["DaemonLock"]


class DaemonLock:
    """Hold the data directory's lock for the life of the daemon.

    The kernel releases a ``flock`` when the process exits, even on SIGKILL, so a crashed daemon
    never leaves a stale lock behind. The file holds the owner's PID for the error message.

    Raises
    ------
    DaemonAlreadyRunningError
        On entry, if another process holds the lock; the message names its PID.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`DaemonAlreadyRunningError`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            msg = (
                f"another NeuroPose daemon (PID {owner}) is already running on "
                f"{self.path.parent}; stop it first, or use another data directory"
            )
            raise DaemonAlreadyRunningError(msg) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        """Give the lock back (also done by the kernel when the process dies)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DaemonLock:
        self.acquire()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
