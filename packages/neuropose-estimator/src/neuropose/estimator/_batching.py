"""Filling fixed-shape RGB batches in a background thread, double-buffered.

While the model runs on one batch, this thread converts the next frames into the other buffer,
so the model never waits for a colour conversion or a copy.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from neuropose.estimator._errors import EstimatorError
from neuropose.estimator._producer import BackgroundProducer, ClosesOnExit, Put
from neuropose.estimator._video import FrameReader

__all__ = ["Batch", "BatchFiller"]


@dataclass(frozen=True, slots=True)
class Batch:
    """``frames[:len(times_s)]`` hold real frames; the rest of the buffer is padding."""

    frames: npt.NDArray[np.uint8]
    times_s: tuple[float, ...]


class BatchFiller(ClosesOnExit):
    """Yield full ``(batch_size, H, W, 3)`` uint8 RGB batches from a :class:`FrameReader`.

    Each yielded batch must be handed back with :meth:`release` before it can be refilled; two
    buffers circulate, so memory is two batches whatever the video's length.

    Raises
    ------
    EstimatorError
        During iteration, if a frame's size differs from the first frame's.
    VideoDecodeError
        During iteration, from the reader.
    """

    def __init__(self, reader: FrameReader, batch_size: int, *, buffers: int = 2) -> None:
        self._reader = reader
        self._batch_size = batch_size
        shape = (batch_size, reader.info.height, reader.info.width, 3)
        self._free: queue.Queue[npt.NDArray[np.uint8]] = queue.Queue()
        for _ in range(buffers):
            self._free.put(np.zeros(shape, np.uint8))
        # Two buffers circulate, so at most two batches wait: no bound needed on this queue.
        self._producer: BackgroundProducer[Batch] = BackgroundProducer(
            self._fill, name="neuropose-batch"
        )

    def _take_buffer(self) -> npt.NDArray[np.uint8] | None:
        while not self._producer.stopped:
            try:
                return self._free.get(timeout=0.1)
            except queue.Empty:
                continue
        return None

    def _fill(self, put: Put[Batch]) -> None:
        import cv2

        buffer: npt.NDArray[np.uint8] | None = None
        times: list[float] = []
        for frame in self._reader:
            if buffer is None:
                buffer = self._take_buffer()
                if buffer is None:
                    return
            if frame.bgr.shape != buffer.shape[1:]:
                got, want = frame.bgr.shape, buffer.shape[1:]
                msg = (
                    f"{self._reader.path}: frame {frame.index} is {got[1]}x{got[0]} px but the video "
                    f"started at {want[1]}x{want[0]}; videos that change size are not supported"
                )
                raise EstimatorError(msg)
            # One vectorised pass swaps BGR to RGB and fills the slot in place.
            cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB, dst=buffer[len(times)])
            times.append(frame.time_s)
            if len(times) == self._batch_size:
                if not put(Batch(buffer, tuple(times))):
                    return
                buffer, times = None, []
        if buffer is not None and times:
            put(Batch(buffer, tuple(times)))

    def __iter__(self) -> Iterator[Batch]:
        return iter(self._producer)

    def release(self, batch: Batch) -> None:
        """Give a batch's buffer back for refilling (after the model is done with it)."""
        self._free.put(batch.frames)

    def close(self) -> None:
        """Stop filling (the reader is closed by its owner)."""
        self._producer.stop()
        self._reader.close()
