"""Where a job's files are: the folders of the data directory are the truth, not the status."""

from __future__ import annotations

import re
from collections.abc import Container
from pathlib import Path

from neuropose.daemon._errors import NoFreeNameError
from neuropose.schema import DataDirectory, JobStatus, NeuroPoseError, io

__all__ = [
    "failed_folders",
    "free_job_name",
    "locate_inputs",
    "remove_stale_temporaries",
    "results_complete",
]

_MAX_SUFFIX = 10_000


def results_complete(layout: DataDirectory, name: str) -> bool:
    """Tell whether job ``name``'s ``results.json`` exists and is valid."""
    path = layout.results_path(name)
    if not path.is_file():
        return False
    try:
        io.load_job_results(path)
    except NeuroPoseError:
        return False
    return True


def failed_folders(layout: DataDirectory, name: str) -> list[Path]:
    """``failed/<name>`` and ``failed/<name>.<n>``, the most recently moved there first."""
    if not layout.failed.is_dir():
        return []
    pattern = re.compile(rf"{re.escape(name)}(\.\d+)?")
    found = [p for p in layout.failed.iterdir() if p.is_dir() and pattern.fullmatch(p.name)]

    def moved_at(folder: Path) -> tuple[int, int]:
        # A rename sets the folder's ctime; the numeric suffix breaks ties (higher is newer).
        suffix = folder.name[len(name) + 1 :]
        return folder.stat().st_ctime_ns, int(suffix) if suffix else 0

    return sorted(found, key=moved_at, reverse=True)


def locate_inputs(layout: DataDirectory, name: str, status: JobStatus) -> Path | None:
    """Find job ``name``'s input folder, looking first where its status says it should be.

    Returns
    -------
    Path or None
        ``in/<name>``, ``out/<name>/inputs`` or a ``failed/<name>[.n]`` folder; ``None`` when
        the folder is nowhere in the data directory (someone removed it).
    """
    waiting = layout.job_inbox(name)
    completed = layout.completed_inputs(name)
    failed = failed_folders(layout, name)
    if status == JobStatus.COMPLETED:
        order = [completed, *failed, waiting]
    elif status == JobStatus.FAILED:
        order = [*failed, waiting, completed]
    else:
        order = [waiting, *failed, completed]
    return next((folder for folder in order if folder.is_dir()), None)


def free_job_name(layout: DataDirectory, stem: str, known: Container[str]) -> str:
    """Return ``stem``, or ``stem.1``, ``stem.2`` ...: the first name no job has used.

    A name is used when the status knows it (``known``) or any folder of the data directory
    carries it.

    Raises
    ------
    NoFreeNameError
        If the first 10,000 names are all used.
    """
    for suffix in range(_MAX_SUFFIX):
        name = stem if suffix == 0 else f"{stem}.{suffix}"
        used = (
            name in known
            or layout.job_inbox(name).exists()
            or layout.adoption_path(name).exists()
            or layout.job_output(name).exists()
            or bool(failed_folders(layout, name))
        )
        if not used:
            return name
    raise NoFreeNameError(f"no free job name for {stem}: {_MAX_SUFFIX} variants are used")


def remove_stale_temporaries(layout: DataDirectory) -> list[Path]:
    """Delete temporary files our own atomic writes left in ``out/`` when they were killed.

    Only files named like :func:`neuropose.schema.io.temporary_path`'s whose writer process is
    gone, in ``out/`` and each job's output folder; never inside a job's inputs.
    """
    folders = [layout.outbox]
    if layout.outbox.is_dir():
        folders += sorted(p for p in layout.outbox.iterdir() if p.is_dir())
    return [path for folder in folders for path in io.remove_stale_temporaries(folder)]
