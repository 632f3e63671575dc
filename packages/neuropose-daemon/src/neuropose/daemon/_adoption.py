"""Making a video dropped loose in ``in/`` a one-video job: ``in/trial.mp4`` -> ``in/trial/``.

The video moves into a hidden folder inside ``in/`` (never taken for a job), which is then
renamed to the job's name: two renames on one file system, so the video is in ``in/`` at every
instant, and a crash in between leaves a folder that :func:`finish_adoptions` completes.
"""

from __future__ import annotations

import os
from collections.abc import Container
from pathlib import Path

from neuropose.daemon._places import free_job_name
from neuropose.schema import DataDirectory, io

__all__ = ["adopt", "finish_adoptions"]


def adopt(layout: DataDirectory, video: Path, known: Container[str]) -> str:
    """Move a loose video into a new job folder named after its stem; return the job's name.

    Parameters
    ----------
    layout
        The data directory.
    video
        A video directly in ``in/``.
    known
        Job names the status already uses (a new job never takes one).

    Raises
    ------
    OSError
        If a rename fails; the video is then where it was.
    NoFreeNameError
        If no name derived from the stem is free.
    """
    name = free_job_name(layout, video.stem, known)
    staging = layout.adoption_path(name)
    staging.mkdir()
    try:
        os.rename(video, staging / video.name)
    except OSError:
        staging.rmdir()
        raise
    os.rename(staging, layout.job_inbox(name))
    io.fsync_directory(layout.inbox)
    return name


def finish_adoptions(layout: DataDirectory, known: Container[str]) -> list[str]:
    """Complete the adoptions a crash interrupted; return the jobs they became.

    An adoption folder holding the video is renamed to its job's name (or the next free one);
    an empty one (the crash came before the video moved) is removed.
    """
    if not layout.inbox.is_dir():
        return []
    finished = []
    for folder in sorted(layout.inbox.glob(layout.adoption_path("*").name)):
        name = layout.adopted_job(folder)
        if name is None or not folder.is_dir():
            continue
        if not any(folder.iterdir()):
            folder.rmdir()
            continue
        target = name if not layout.job_inbox(name).exists() else free_job_name(layout, name, known)
        os.rename(folder, layout.job_inbox(target))
        finished.append(target)
    return finished
