"""The ``local`` batch engine: worker processes on this machine.

Each worker is a one-process :class:`~concurrent.futures.ProcessPoolExecutor` (spawn start
method: a fresh interpreter, no TensorFlow state copied from the driver). One pool per worker,
rather than one pool of N, is what confines a killed worker to its own video: a pool whose
process dies fails every call it holds, so a shared pool would fail the other workers' videos
too.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as wait_for
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import Any

from neuropose.cli._batch_jobs import VideoJob, VideoRecord, WorkerInfo, WorkerSetup
from neuropose.cli._batch_worker import run_video, start_worker
from neuropose.cli._errors import WorkerLostError

__all__ = ["LocalBackend"]

_PARENT_CHECK_S = 1.0


def _prepare_process(parent_pid: int) -> None:
    """Prepare a worker process: leave Ctrl-C to the driver, and die with it."""
    # Ctrl-C reaches the whole process group; the driver stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        # A driver killed outright cannot stop its workers; they notice and stop themselves.
        while os.getppid() == parent_pid:
            time.sleep(_PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="neuropose-parent-watch", daemon=True).start()


def _describe_exit(process: BaseProcess | None) -> str:
    if process is None:
        return "ended abruptly"
    # The pool's own thread reaps the process too; whichever of us loses the race reads no
    # code until the winner has stored it.
    deadline = time.monotonic() + 5
    process.join(timeout=5)
    while process.exitcode is None and time.monotonic() < deadline:
        time.sleep(0.05)
    code = process.exitcode
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            return f"process {process.pid} was killed by {signal.Signals(-code).name}"
    if code is not None:
        return f"process {process.pid} exited with code {code}"
    return f"process {process.pid} ended abruptly"


class LocalBackend:
    """Worker processes on this machine; see :class:`~neuropose.cli._batch_jobs.WorkerBackend`.

    Parameters
    ----------
    setup
        What each worker loads.
    """

    def __init__(self, setup: WorkerSetup) -> None:
        self._setup = setup
        self._context = multiprocessing.get_context("spawn")
        self._processes: dict[ProcessPoolExecutor, BaseProcess | None] = {}
        self._owners: dict[Future[Any], ProcessPoolExecutor] = {}

    def spawn(self) -> ProcessPoolExecutor:
        """Start one worker process (it imports nothing heavy until started)."""
        before = set(multiprocessing.active_children())
        pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=self._context,
            initializer=_prepare_process,
            initargs=(os.getpid(),),
        )
        # Submitting starts the process now, so it is known (to kill it, to read its exit code).
        pool.submit(os.getpid)
        started = [p for p in multiprocessing.active_children() if p not in before]
        self._processes[pool] = started[0] if len(started) == 1 else None
        return pool

    def _submit(self, pool: ProcessPoolExecutor, function: Any, argument: Any) -> Future[Any]:
        try:
            call = pool.submit(function, argument)
        except BrokenProcessPool:
            # The worker died between two calls: answer with a future that says so.
            call = Future()
            call.set_exception(BrokenProcessPool("the worker process is gone"))
        self._owners[call] = pool
        return call

    def call_start(self, worker: ProcessPoolExecutor) -> Future[Any]:
        """Ask the worker to load the model."""
        return self._submit(worker, start_worker, self._setup)

    def call_run(self, worker: ProcessPoolExecutor, job: VideoJob) -> Future[Any]:
        """Ask the worker to process ``job``."""
        return self._submit(worker, run_video, job)

    def wait(self, calls: Sequence[Future[Any]], timeout_s: float) -> list[Future[Any]]:
        """Return the finished calls, waiting up to ``timeout_s`` for the first."""
        done, _ = wait_for(calls, timeout=timeout_s, return_when=FIRST_COMPLETED)
        return list(done)

    def outcome(self, call: Future[Any]) -> WorkerInfo | VideoRecord:
        """Return the call's answer, or raise WorkerLostError if its process died."""
        pool = self._owners.pop(call)
        try:
            return call.result()
        except BrokenProcessPool:
            raise WorkerLostError(_describe_exit(self._processes.get(pool))) from None

    def discard(self, worker: ProcessPoolExecutor) -> None:
        """Stop a worker; one still working (or loading) is killed: outputs are atomic."""
        process = self._processes.pop(worker, None)
        busy = any(pool is worker and not call.done() for call, pool in self._owners.items())
        if busy and process is not None and process.is_alive():
            process.kill()
        for call in [call for call, pool in self._owners.items() if pool is worker]:
            del self._owners[call]
        worker.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop every worker."""
        for pool in list(self._processes):
            self.discard(pool)
