"""What reaches the terminal: results on stdout, our logs on stderr, native libraries nowhere.

TensorFlow, absl, CUDA (``cuInit`` failures on machines without a GPU), OpenCV, ffmpeg and
MediaPipe's glog write from C++ straight to file descriptor 2, past Python's ``sys.stderr``;
some of it (absl's "All log messages before absl::InitializeLog()" line) ignores every
setting. So, unless ``-v``: their log-level variables are set before any of them loads, and
descriptor 2 is pointed at ``/dev/null`` for the command's run while ``sys.stderr`` keeps
writing to the real terminal. Python-level chatter of those libraries (the ``tensorflow`` and
``absl`` loggers, warnings) is filtered by logging level instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

__all__ = [
    "NATIVE_QUIET_ENV",
    "configure_logging",
    "native_output_hidden",
    "quiet_native_libraries",
    "settings_restored",
]

NATIVE_QUIET_ENV: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ log, errors included (cuInit, cudart)
    "GLOG_minloglevel": "3",  # glog, as MediaPipe uses it
    "OPENCV_LOG_LEVEL": "SILENT",  # OpenCV's own warnings ("can't be used to capture by name")
    "OPENCV_FFMPEG_LOGLEVEL": "-8",  # ffmpeg inside OpenCV: AV_LOG_QUIET ("moov atom not found")
}
"""Environment variables that quiet native libraries, set (where unset) before they load."""

_OURS = "neuropose"
_FORMAT = "%(levelname)s %(name)s: %(message)s"


def quiet_native_libraries(verbosity: int) -> None:
    """Set :data:`NATIVE_QUIET_ENV` where the user has not, unless ``-v`` (verbosity > 0)."""
    if verbosity > 0:
        return
    for name, value in NATIVE_QUIET_ENV.items():
        os.environ.setdefault(name, value)


@contextlib.contextmanager
def native_output_hidden(hide: bool) -> Iterator[None]:
    """Send what is written to descriptor 2 by native code to ``/dev/null`` for the block.

    ``sys.stderr`` is swapped for a stream on a duplicate of the original descriptor, so our
    own messages, progress bars and logs still reach the terminal. Nothing is done when
    ``hide`` is false or ``sys.stderr`` is not descriptor 2 (a test capturing output).
    """
    original = sys.stderr
    try:
        is_descriptor_2 = hide and original.fileno() == 2
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        is_descriptor_2 = False
    if not is_descriptor_2:
        yield
        return
    original.flush()
    saved = os.dup(2)
    stream: IO[str] = open(  # noqa: SIM115 - closed in the finally below
        saved,
        "w",
        buffering=1,
        encoding=getattr(original, "encoding", None) or "utf-8",
        errors=getattr(original, "errors", None) or "backslashreplace",
        closefd=True,
    )
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = stream
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
        os.dup2(stream.fileno(), 2)
        sys.stderr = original
        stream.close()


class _CurrentStderr(logging.StreamHandler):
    """A handler writing to whatever ``sys.stderr`` is when a record is emitted."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


class _LevelByOrigin(logging.Filter):
    """Our loggers at one level, every library's at another."""

    def __init__(self, ours: int, others: int) -> None:
        super().__init__()
        self.ours = ours
        self.others = others

    def filter(self, record: logging.LogRecord) -> bool:
        mine = record.name == _OURS or record.name.startswith(_OURS + ".")
        return record.levelno >= (self.ours if mine else self.others)


def configure_logging(verbosity: int) -> None:
    """Route log records to stderr by verbosity.

    ``-q`` (-1): errors only. Default (0): our INFO lines (a job started, a job finished) and
    libraries' errors. ``-v`` (1): our DEBUG records (tracebacks of expected failures) and
    libraries' warnings. ``-vv``: everything. Python warnings become log records, so a
    library's deprecation notice is shown only with ``-v``.
    """
    ours, others = {
        -1: (logging.ERROR, logging.ERROR),
        0: (logging.INFO, logging.ERROR),
        1: (logging.DEBUG, logging.WARNING),
    }.get(max(-1, min(verbosity, 2)), (logging.DEBUG, logging.DEBUG))
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _CurrentStderr)), None)
    if handler is None:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(handler)
    handler.filters = [_LevelByOrigin(ours, others)]
    logging.getLogger(_OURS).setLevel(ours)
    root.setLevel(min(ours, others))
    logging.captureWarnings(True)


@contextlib.contextmanager
def settings_restored() -> Iterator[None]:
    """Undo :func:`configure_logging` and :func:`quiet_native_libraries` after the block.

    A command runs once per process, so this matters only to callers running several in one
    (tests): each starts from the same logging and environment.
    """
    root, ours = logging.getLogger(), logging.getLogger(_OURS)
    levels = (root.level, ours.level)
    handlers = list(root.handlers)
    environment = {name: os.environ.get(name) for name in NATIVE_QUIET_ENV}
    try:
        yield
    finally:
        logging.captureWarnings(False)
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])
        for name, value in environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
