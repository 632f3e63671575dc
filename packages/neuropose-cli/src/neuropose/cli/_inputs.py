"""Turning a RESULTS argument into predictions: a predictions file or a job's results.json."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neuropose.schema import VideoPredictions

__all__ = ["load_results"]


def load_results(argument: str) -> tuple[VideoPredictions, Path]:
    """Load predictions named by ``argument``.

    ``argument`` is a ``.npz`` or ``.json`` predictions file, or a job's ``results.json``
    (optionally ``results.json#video.mp4`` to pick one of several videos).

    Returns
    -------
    predictions, path
        The predictions and the file they came from.

    Raises
    ------
    NeuroPoseError
        When the file is missing or invalid (a :mod:`neuropose.schema` error), or
        :class:`VideoChoiceError` when the job has several videos and none was chosen.
    """
    from neuropose.cli._errors import VideoChoiceError
    from neuropose.schema import io

    path_text, _, video = argument.partition("#")
    path = Path(path_text)
    if path.suffix == ".json" and path.is_file() and _is_job_results(path):
        results = io.load_job_results(path)
        names = [v.video for v in results.videos]
        chosen = [v for v in results.videos if v.video == video] if video else list(results.videos)
        if len(chosen) != 1:
            msg = (
                f"{path} lists {len(names)} videos ({', '.join(names)}); pick one as {path}#VIDEO"
                if not video
                else f"{path} has no video {video!r}; it lists: {', '.join(names)}"
            )
            raise VideoChoiceError(msg)
        target = path.parent / chosen[0].predictions_path
        return io.load_predictions(target), target
    return io.load_predictions(path), path


def _is_job_results(path: Path) -> bool:
    # Our writer emits fields in model order, so a job's results start with "job" and "videos";
    # peeking avoids reading a large predictions JSON twice.
    with open(path, "rb") as handle:
        head = handle.read(1024)
    return b'"job"' in head and b'"metadata"' not in head
