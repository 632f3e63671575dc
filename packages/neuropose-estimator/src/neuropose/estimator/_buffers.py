"""Prediction arrays that grow with the video instead of a list of per-frame objects.

Which arrays there are, their dtypes, trailing axes and fills come from
``VideoPredictions.ARRAYS``; nothing here lists them again.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from neuropose.schema import VideoPredictions

__all__ = ["PredictionBuffers"]

_FRAME_TIMES = "times_s"


class PredictionBuffers:
    """Frame-major arrays with amortised doubling along frames and growth along persons.

    Parameters
    ----------
    joints
        Joints per person.
    optional
        Names of the optional arrays to keep (those the backend fills); the required arrays
        are always kept. An array the backend does not fill (``track_ids``) holds its fill.
    expected_frames
        Initial capacity (the container's frame count is a good guess).
    """

    def __init__(
        self, joints: int, optional: Collection[str] = (), expected_frames: int = 256
    ) -> None:
        capacity = max(expected_frames, 16)
        self.joints = joints
        self.count = 0
        self._specs = [
            spec for spec in VideoPredictions.ARRAYS if spec.required or spec.name in optional
        ]
        unknown = set(optional) - {spec.name for spec in self._specs}
        if unknown:
            raise ValueError(f"no optional predictions arrays named {sorted(unknown)}")
        self._sizes = {"frames": capacity, "persons": 0, "joints": joints}
        self._arrays: dict[str, np.ndarray] = {
            spec.name: spec.empty(self._sizes) for spec in self._specs
        }

    @property
    def persons(self) -> int:
        """Person slots so far (the most people seen in one frame)."""
        return self._sizes["persons"]

    def _grow(self, frames: int, persons: int) -> None:
        kept = self.count
        old_persons = self._sizes["persons"]
        self._sizes = {**self._sizes, "frames": frames, "persons": persons}
        for spec in self._specs:
            old = self._arrays[spec.name]
            new = spec.empty(self._sizes)
            if spec.per_person:
                new[:kept, :old_persons] = old[:kept]
            else:
                new[:kept] = old[:kept]
            self._arrays[spec.name] = new

    def append(self, time_s: float, people: Any) -> None:
        """Add one frame: its time and its people.

        Parameters
        ----------
        time_s
            Frame time in seconds.
        people
            An object with one attribute per kept per-person array, named like the array
            (a :class:`~neuropose.estimator._backend.FramePoses`), each ``(n, ...)`` for the
            ``n`` people of the frame; an attribute that is absent or ``None`` leaves the
            array's fill.
        """
        count = int(people.boxes.shape[0])
        capacity, persons = self._sizes["frames"], self._sizes["persons"]
        if self.count == capacity or count > persons:
            self._grow(capacity * 2 if self.count == capacity else capacity, max(count, persons))
        row = self.count
        for spec in self._specs:
            if spec.name == _FRAME_TIMES:
                self._arrays[spec.name][row] = time_s
            elif spec.per_person and count:
                values = getattr(people, spec.name, None)
                if values is not None:
                    self._arrays[spec.name][row, :count] = values
        self.count += 1

    def arrays(self) -> dict[str, np.ndarray | None]:
        """Trimmed arrays (views, no copy) of the frames so far; ``None`` for unkept ones."""
        n = self.count
        kept = {name: array[:n] for name, array in self._arrays.items()}
        return {spec.name: kept.get(spec.name) for spec in VideoPredictions.ARRAYS}
