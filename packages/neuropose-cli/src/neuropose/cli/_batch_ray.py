"""The ``ray`` batch engine: Ray actors, on this machine or on the user's cluster.

Each worker is an actor holding one loaded model. Actors are created with ``max_restarts=0``:
when one dies, the scheduler sees the lost call, retries its video on another actor and asks for
a fresh actor, exactly as the local engine does with processes. Ray is an optional extra
(``neuropose-cli[ray]``), imported only when this engine starts.

Without an address, ``ray.init`` starts a private Ray instance on this machine with as many CPUs
as the workers take and without the dashboard, and is shut down at the end. With an address the run joins
the user's cluster and only disconnects at the end. Either way Ray's ``uv run`` integration is
turned off unless the user set ``RAY_ENABLE_UV_RUN_RUNTIME_ENV``: it would upload the current
folder (often a folder of videos) to every worker; the workers use the installed packages.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from typing import Any

from neuropose.cli._batch_jobs import VideoJob, VideoRecord, WorkerInfo, WorkerSetup
from neuropose.cli._batch_worker import run_video, start_worker, thread_environment
from neuropose.cli._errors import BatchEngineError, MissingExtraError, WorkerLostError

__all__ = ["RayBackend", "RayWorker", "preflight"]


class RayWorker:
    """The actor class: the shared worker body behind two remote methods."""

    def start(self, setup: WorkerSetup) -> WorkerInfo:
        """Load the model (see :func:`~neuropose.cli._batch_worker.start_worker`)."""
        return start_worker(setup)

    def run(self, job: VideoJob) -> VideoRecord:
        """Process one video (see :func:`~neuropose.cli._batch_worker.run_video`)."""
        return run_video(job)


def _check_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Refuse an address nothing answers on, at once: Ray itself retries for minutes.

    ``auto`` and addresses without a port are left to Ray.
    """
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as error:
        msg = (
            f"nothing answers at the Ray address {address} ({error.strerror or error}); "
            "check the address and that the cluster is up (`ray status` on its head node)"
        )
        raise BatchEngineError(msg) from None


def preflight(address: str | None) -> Any:
    """Check, before anything slow, that Ray is installed and the cluster answers; return ``ray``.

    Raises
    ------
    MissingExtraError
        Ray is not installed.
    BatchEngineError
        Nothing answers at ``address``.
    """
    ray = _import_ray()
    if address is not None:
        _check_reachable(address)
    return ray


def _import_ray() -> Any:
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
    except ModuleNotFoundError as error:
        if error.name != "ray":
            raise
        msg = '--engine ray needs Ray, which is not installed: pip install "neuropose-cli[ray]"'
        raise MissingExtraError(msg) from None
    return ray


class RayBackend:
    """Ray actors; see :class:`~neuropose.cli._batch_jobs.WorkerBackend`.

    Parameters
    ----------
    setup
        What each worker loads.
    address
        A running cluster (``ray://host:10001``, ``host:6379`` or ``auto``); ``None`` starts
        Ray on this machine with ``workers * setup.threads`` CPUs.
    workers
        Number of actors (sizes the local Ray instance).
    gpus_per_worker
        GPUs each actor reserves (fractions share a GPU).
    log_to_driver
        Show the workers' own output on this terminal.
    """

    def __init__(
        self,
        setup: WorkerSetup,
        *,
        address: str | None,
        workers: int,
        gpus_per_worker: float = 0.0,
        log_to_driver: bool = False,
    ) -> None:
        self._ray = ray = preflight(address)
        self._setup = setup
        try:
            ray.init(
                address=address,
                num_cpus=None if address else workers * setup.threads,
                include_dashboard=False,
                log_to_driver=log_to_driver,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = f"the Ray cluster at {address}" if address else "Ray on this machine"
            msg = f"could not start or reach {where}: {error}; check the address and `ray status`"
            raise BatchEngineError(msg) from None
        self._actor = ray.remote(RayWorker).options(
            num_cpus=setup.threads,
            num_gpus=gpus_per_worker,
            max_restarts=0,
            max_task_retries=0,
            # A worker process of its own, with its thread limits in place before TensorFlow.
            runtime_env={"env_vars": thread_environment(setup.threads)},
        )
        self._actors: list[Any] = []
        self._lost = (
            ray.exceptions.RayActorError,
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.NodeDiedError,
            ray.exceptions.OutOfMemoryError,
        )

    def spawn(self) -> Any:
        """Create one actor (Ray places it on a node with the resources free)."""
        actor = self._actor.remote()
        self._actors.append(actor)
        return actor

    def call_start(self, worker: Any) -> Any:
        """Ask the actor to load the model."""
        return worker.start.remote(self._setup)

    def call_run(self, worker: Any, job: VideoJob) -> Any:
        """Ask the actor to process ``job``."""
        return worker.run.remote(job)

    def wait(self, calls: Sequence[Any], timeout_s: float) -> list[Any]:
        """Return the finished calls, waiting up to ``timeout_s`` for the first."""
        ready, rest = self._ray.wait(list(calls), num_returns=1, timeout=timeout_s)
        if ready and rest:
            more, _ = self._ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        return ready

    def outcome(self, call: Any) -> WorkerInfo | VideoRecord:
        """Return the call's answer, or raise WorkerLostError if its actor died."""
        try:
            return self._ray.get(call)
        except self._lost as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise WorkerLostError(f"{type(error).__name__}: {first_line}") from None

    def discard(self, worker: Any) -> None:
        """Kill an actor, dead or alive."""
        if worker in self._actors:
            self._actors.remove(worker)
        self._ray.kill(worker, no_restart=True)

    def close(self) -> None:
        """Kill every actor and disconnect (a local Ray instance stops with it)."""
        try:
            for actor in list(self._actors):
                self.discard(actor)
        finally:
            self._ray.shutdown()
