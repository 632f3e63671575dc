"""A background thread that produces items into a bounded queue for one consumer."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar, cast

__all__ = ["BackgroundProducer", "ClosesOnExit", "Put"]

T = TypeVar("T")
SelfT = TypeVar("SelfT", bound="ClosesOnExit")
Put = Callable[[T], bool]
"""Hands an item to the consumer; returns False once the consumer has stopped listening."""

_END = object()


class BackgroundProducer(Generic[T]):
    """Run ``produce(put)`` in a daemon thread and iterate over what it puts.

    An exception raised by ``produce`` is re-raised in the consuming thread, after the items put
    before it. :meth:`stop` makes every further ``put`` return False, so a producer blocked on
    a full queue winds down instead of hanging.

    Parameters
    ----------
    produce
        The work; it calls ``put(item)`` for each item and should return when ``put`` is False.
    name
        Thread name (shown in debuggers and thread dumps).
    maxsize
        Most items waiting for the consumer; 0 means unbounded.
    """

    def __init__(self, produce: Callable[[Put[T]], None], *, name: str, maxsize: int = 0) -> None:
        self._produce = produce
        self._queue: queue.Queue[object] = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def _run(self) -> None:
        try:
            self._produce(self._put)
        except Exception as error:
            self._put(error)
        finally:
            self._put(_END)

    def __iter__(self) -> Iterator[T]:
        if self._started:
            raise RuntimeError("a BackgroundProducer can be iterated only once")
        self._started = True
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)  # everything else on the queue was put as a T

    def stop(self) -> None:
        """Tell the producer to stop and wait (up to 10 s) for its thread to end."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class ClosesOnExit:
    """Mixin: ``with obj:`` calls ``obj.close()`` on the way out, whatever happened."""

    def close(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    def __enter__(self: SelfT) -> SelfT:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
