"""The data directory's layout: the one place that spells its folder and file names.

The daemon writes this tree, and the command line and downstream pipelines read it without the
daemon installed, so the layout is a contract of the schema like the files inside it::

    in/<job>/                   jobs waiting (folders of videos)
    in/<video>                  a video dropped loose: the daemon makes it job <video stem>
    in/.adopt_<job>/            a loose video being wrapped into its job folder
    out/<job>/                  predictions (<video>.npz) and results.json
    out/<job>/inputs/           the job's input folder, once the job completed
    out/status.json             every job's lifecycle
    failed/<job>/               inputs of failed jobs; move one back to in/ to retry
    .neuropose.lock             one daemon per data directory
    .ingest_<token>/            a zip being unpacked (removed when the ingest ends)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DataDirectory"]

_INBOX = "in"
_OUTBOX = "out"
_FAILED = "failed"
_INPUTS = "inputs"
_STATUS = "status.json"
_RESULTS = "results.json"
_LOCK = ".neuropose.lock"
_STAGING_PREFIX = ".ingest_"
_ADOPTION_PREFIX = ".adopt_"
_PREDICTIONS_SUFFIX = ".npz"


@dataclass(frozen=True, slots=True)
class DataDirectory:
    """Paths inside a NeuroPose data directory (only paths: nothing is read or created here).

    Parameters
    ----------
    root
        The data directory (``Settings.data_dir``).

    Examples
    --------
    >>> layout = DataDirectory(Path("/srv/neuropose"))
    >>> layout.status_path.as_posix()
    '/srv/neuropose/out/status.json'
    >>> layout.results_path("patient_01").as_posix()
    '/srv/neuropose/out/patient_01/results.json'
    """

    root: Path

    @property
    def inbox(self) -> Path:
        """``in/``: jobs waiting to run, one folder of videos each."""
        return self.root / _INBOX

    @property
    def outbox(self) -> Path:
        """``out/``: results, the status file, and the inputs of completed jobs."""
        return self.root / _OUTBOX

    @property
    def failed(self) -> Path:
        """``failed/``: the inputs of failed jobs, kept for a retry."""
        return self.root / _FAILED

    @property
    def status_path(self) -> Path:
        """``out/status.json``: every job's lifecycle (:class:`~neuropose.schema.StatusFile`)."""
        return self.outbox / _STATUS

    @property
    def lock_path(self) -> Path:
        """``.neuropose.lock``: held by the one daemon running on this directory."""
        return self.root / _LOCK

    def job_inbox(self, job: str) -> Path:
        """``in/<job>/``: a job waiting to run (or running)."""
        return self.inbox / job

    def job_output(self, job: str) -> Path:
        """``out/<job>/``: a job's predictions and results."""
        return self.outbox / job

    def results_path(self, job: str) -> Path:
        """``out/<job>/results.json``: a finished job's :class:`~neuropose.schema.JobResults`."""
        return self.job_output(job) / _RESULTS

    def predictions_path(self, job: str, video: str) -> Path:
        """``out/<job>/<video>.npz``: the predictions of one video, by its file name."""
        return self.job_output(job) / f"{video}{_PREDICTIONS_SUFFIX}"

    def completed_inputs(self, job: str) -> Path:
        """``out/<job>/inputs/``: where a completed job's input folder is kept."""
        return self.job_output(job) / _INPUTS

    def failed_inputs(self, job: str) -> Path:
        """``failed/<job>/``: a failed job's input folder (``<job>.1``, ... if tried again)."""
        return self.failed / job

    def corrupt_status_path(self, stamp: str) -> Path:
        """``out/status.json.corrupt-<stamp>``: an unreadable status file, kept for inspection."""
        return self.status_path.with_name(f"{_STATUS}.corrupt-{stamp}")

    def staging_path(self, token: str) -> Path:
        """``.ingest_<token>/``: a hidden folder where a zip is unpacked before its jobs move in.

        It sits beside ``in/`` on the same file system, so moving a job into ``in/`` is one
        rename; pass ``"*"`` to get a glob pattern matching every staging folder.
        """
        return self.root / f"{_STAGING_PREFIX}{token}"

    def adoption_path(self, job: str) -> Path:
        """``in/.adopt_<job>/``: a hidden folder where a loose video is wrapped into job ``job``.

        The daemon moves a video dropped directly in ``in/`` into it, then renames it to
        ``in/<job>/``; hidden, so it is never taken for a job half-way. Pass ``"*"`` to get a
        glob pattern matching every such folder.
        """
        return self.inbox / f"{_ADOPTION_PREFIX}{job}"

    def adopted_job(self, folder: Path) -> str | None:
        """Return the job an adoption folder was made for, or ``None`` if it is not one."""
        name = Path(folder).name
        return name.removeprefix(_ADOPTION_PREFIX) if name.startswith(_ADOPTION_PREFIX) else None

    def create(self) -> None:
        """Create ``in/``, ``out/`` and ``failed/`` where they do not exist yet."""
        for folder in (self.inbox, self.outbox, self.failed):
            folder.mkdir(parents=True, exist_ok=True)

    def relative(self, path: Path) -> str:
        """``path`` relative to the data directory, as POSIX text (as ``status.json`` records it).

        Raises
        ------
        ValueError
            If ``path`` is not inside the data directory.
        """
        return Path(path).relative_to(self.root).as_posix()
