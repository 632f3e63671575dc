"""Importing MediaPipe on demand, without the TensorFlow it would otherwise pull in."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any

from neuropose.estimator._errors import BackendUnavailableError

__all__ = ["import_mediapipe", "import_metadata_writers", "native_logs_hidden"]

_lock = threading.Lock()
_INSTALL_HINT = (
    "BlazePose needs the optional MediaPipe packages: "
    "pip install 'neuropose-estimator[blazepose]' (or uv sync, which installs the dev group)"
)
# The parser-version module that mediapipe 1.2's metadata writers import but its wheels omit.
_VERSION_MODULE = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"


@contextlib.contextmanager
def _tensorflow_hidden() -> Iterator[None]:
    """Make ``import tensorflow`` fail inside the block, unless TensorFlow is already loaded."""
    hide = "tensorflow" not in sys.modules
    if hide:
        # ``None`` in sys.modules makes ``import tensorflow`` raise ModuleNotFoundError (the
        # documented way to block an import, which sys.modules' type does not admit).
        modules: dict[str, Any] = sys.modules
        modules["tensorflow"] = None
    try:
        yield
    finally:
        if hide:
            del sys.modules["tensorflow"]


def import_mediapipe() -> Any:
    """Import and return the ``mediapipe`` package.

    MediaPipe's Python layer imports TensorFlow whenever it is installed, only to reach a
    documentation helper and a file-system shim it does not need for local files. TensorFlow
    is always installed next to NeuroPose (MeTRAbs needs it), and that import costs about 6 s and
    600 MB per process, so it is hidden for the duration of MediaPipe's first import unless
    something else already loaded it; MediaPipe then uses its built-in fallbacks.

    Raises
    ------
    BackendUnavailableError
        If mediapipe is not installed; the message names the extra to install.
    """
    with _lock:
        loaded = sys.modules.get("mediapipe")
        if loaded is not None:
            return loaded
        try:
            with _tensorflow_hidden():
                import mediapipe
                from mediapipe.tasks.python import vision  # noqa: F401 - under the same guard
        except ModuleNotFoundError as error:
            if error.name is not None and error.name.startswith("mediapipe"):
                raise BackendUnavailableError(_INSTALL_HINT) from None
            raise
        return mediapipe


def _provide_parser_version_module() -> None:
    """Stand in for the compiled module that reports the metadata parser version.

    mediapipe 0.10.x shipped it; 1.2.x imports it from its metadata writers but no longer ships
    it. Its one function returns the oldest metadata parser that can read a given metadata
    buffer; for the fields NeuroPose writes (image properties and normalisation, both part of
    the first schema release) that is "1.0.0", which is what 0.10.21's compiled module returns
    for the same buffers.
    """
    parents = (
        "mediapipe.tasks.cc",
        "mediapipe.tasks.cc.metadata",
        "mediapipe.tasks.cc.metadata.python",
    )
    for name in parents:
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = []  # a package, so the child import below resolves
            sys.modules[name] = module
    version = types.ModuleType(_VERSION_MODULE)
    vars(version)["GetMinimumMetadataParserVersion"] = lambda _buffer: "1.0.0"
    sys.modules[_VERSION_MODULE] = version
    vars(sys.modules[parents[-1]])["_pywrap_metadata_version"] = version


def import_metadata_writers() -> tuple[Any, Any, Any]:
    """Return mediapipe's ``metadata_writer``, ``writer_utils`` and ``model_asset_bundle_utils``.

    Raises
    ------
    BackendUnavailableError
        If mediapipe is not installed.
    """
    import_mediapipe()
    with _lock, _tensorflow_hidden():
        try:
            importlib.import_module(_VERSION_MODULE)
        except ModuleNotFoundError:
            _provide_parser_version_module()
        # The writers' file helpers also try TensorFlow first; plain files are all we need.
        from mediapipe.tasks.python.metadata.metadata_writers import (
            metadata_writer,
            model_asset_bundle_utils,
            writer_utils,
        )
    return metadata_writer, writer_utils, model_asset_bundle_utils


def _native_logs_wanted() -> bool:
    """Tell whether the user asked for TensorFlow's C++ logs (``TF_CPP_MIN_LOG_LEVEL`` 0 or 1)."""
    level = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "").strip()
    return level in ("0", "1")


@contextlib.contextmanager
def native_logs_hidden() -> Iterator[None]:
    """Send what native code writes to the process's stderr to nowhere, inside the block.

    MediaPipe's C++ layers (LiteRT, XNNPACK, absl logging) print dozens of start-up lines per
    landmarker (model loading, delegates, one-off alignment notices) straight to file
    descriptor 2, bypassing Python. They say nothing a user can act on and bury NeuroPose's own
    one-line messages, so they are hidden while a landmarker is created and runs its first
    frame, unless ``TF_CPP_MIN_LOG_LEVEL`` (TensorFlow Lite's log level, which ``neuropose -v``
    sets to 0) asks for them. Python exceptions pass through unchanged; text written by other
    threads meanwhile is hidden too, so the blocks are kept short.
    """
    if _native_logs_wanted():
        yield
        return
    with contextlib.suppress(AttributeError, ValueError):  # no stderr, or a closed one
        sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as sink:
            os.dup2(sink.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
