"""Facts about the running process: devices, versions, memory."""

from __future__ import annotations

import platform
import sys
import threading
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from types import TracebackType

__all__ = ["PeakMemory", "metal_status", "package_versions", "resolve_device"]

# Every backend's numbers pass through these; each backend adds its own runtime's.
_REPORTED_PACKAGES = (
    "neuropose-schema",
    "neuropose-estimator",
    "numpy",
    "opencv-python-headless",
)


def package_versions(
    backend_packages: Iterable[str] = ("tensorflow", "tensorflow-metal"),
) -> dict[str, str]:
    """Versions of the packages that shape the numbers, plus Python's.

    Parameters
    ----------
    backend_packages
        The backend's own runtime distributions (TensorFlow for MeTRAbs, mediapipe for
        BlazePose); those not installed are left out.
    """
    found = {"python": platform.python_version()}
    for name in (*_REPORTED_PACKAGES, *backend_packages):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def metal_status() -> tuple[bool, str | None]:
    """Return whether tensorflow-metal is active (plugin installed and a GPU visible) and its version."""
    try:
        installed = version("tensorflow-metal")
    except PackageNotFoundError:
        return False, None
    if sys.platform != "darwin":
        return False, installed
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU")), installed


def resolve_device(requested: str) -> str:
    """Return the TensorFlow device to run on.

    Parameters
    ----------
    requested
        ``""`` for the first GPU if any, else the CPU; otherwise a device such as ``"/GPU:0"``.

    Raises
    ------
    ValueError
        If the requested device does not exist; the message lists the ones that do.
    """
    import tensorflow as tf

    logical = [d.name for d in tf.config.list_logical_devices()]
    if not requested:
        gpus = [name for name in logical if ":GPU:" in name]
        return "/GPU:0" if gpus else "/CPU:0"
    wanted = requested.upper().removeprefix("/DEVICE")
    if any(name.upper().endswith(wanted.lstrip("/")) for name in logical):
        return requested
    msg = f"device '{requested}' does not exist here; available: {', '.join(logical)}"
    raise ValueError(msg)


class PeakMemory:
    """Sample this process's resident memory in a thread and keep the highest value.

    Use as a context manager around the work to measure; ``peak_mb`` is in MiB.
    """

    def __init__(self, interval_s: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval_s = interval_s
        self._stop = threading.Event()
        self.peak_bytes = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, name="neuropose-rss", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.sample()

    def sample(self) -> None:
        """Take one reading now."""
        self.peak_bytes = max(self.peak_bytes, self._process.memory_info().rss)

    @property
    def peak_mb(self) -> float:
        """Highest resident memory seen, MiB."""
        return self.peak_bytes / 2**20

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
