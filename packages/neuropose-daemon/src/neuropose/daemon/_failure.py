"""The text of a failed job's error: what went wrong, how far it got, where its videos are now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from neuropose.schema import DataDirectory

__all__ = ["Progress", "failure_text"]


@dataclass
class Progress:
    """The last progress an estimator reported for the running video (not only the saved one).

    Attributes
    ----------
    video
        File name of the video being processed, ``None`` before the first.
    frames_done, frames_total
        Frames processed, and frames in the video (``None`` when unknown).
    """

    video: str | None = None
    frames_done: int = 0
    frames_total: int | None = None


def _relocated(text: str, old: Path, new: Path) -> str:
    """Replace the job folder's old path in ``text`` by its new one."""
    for spelling in dict.fromkeys((str(old), str(old.resolve()))):
        # Not where the old name only starts a longer one (in/job in in/job2).
        text = re.sub(rf"{re.escape(spelling)}(?![\w-])", lambda _: str(new), text)
    return text


def failure_text(
    error: BaseException,
    layout: DataDirectory,
    *,
    old_folder: Path,
    inputs: Path | None,
    progress: Progress,
) -> str:
    """Compose ``"<ExceptionType>: <message> (<video>: after N of M frames); where the videos are"``.

    Parameters
    ----------
    error
        What failed.
    layout
        The data directory.
    old_folder
        Where the job's folder was when it ran (``in/<job>``); the message's mentions of it
        are replaced by ``inputs``, so the error names where the video is now.
    inputs
        Where the job's folder is now, ``None`` if it is nowhere in the data directory.
    progress
        The estimator's last report, so the frame count in the error is the one it reached.
    """
    message = str(error) if inputs is None else _relocated(str(error), old_folder, inputs)
    text = f"{type(error).__name__}: {message}"
    if progress.video is not None:
        of = f" of {progress.frames_total}" if progress.frames_total else ""
        text += f" ({progress.video}: after {progress.frames_done}{of} frames)"
    if inputs is None:
        return text + "; its videos are in no folder of the data directory"
    where = layout.relative(inputs)
    if inputs.parent == layout.failed:
        return text + (
            f"; its videos are now in {where} (move that folder back to {layout.inbox.name}/ "
            "to run the job again)"
        )
    return text + f"; its videos are still in {where}"
