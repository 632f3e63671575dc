"""Prediction arrays that grow with the video instead of a list of per-frame objects."""

from __future__ import annotations

import numpy as np

from neuropose.schema import NO_TRACK

__all__ = ["PredictionBuffers"]


class PredictionBuffers:
    """Frame-major arrays with amortised doubling along frames and growth along persons.

    Parameters
    ----------
    joints
        Joints per person.
    expected_frames
        Initial capacity (the container's frame count is a good guess).
    """

    def __init__(self, joints: int, expected_frames: int = 256) -> None:
        capacity = max(expected_frames, 16)
        self.joints = joints
        self.count = 0
        self.times_s = np.zeros(capacity)
        self.boxes = np.full((capacity, 0, 5), np.nan, np.float32)
        self.poses3d = np.full((capacity, 0, joints, 3), np.nan, np.float32)
        self.poses2d = np.full((capacity, 0, joints, 2), np.nan, np.float32)
        self.track_ids = np.full((capacity, 0), NO_TRACK, np.int32)

    def _grow(self, frames: int, persons: int) -> None:
        kept = self.count

        def regrow(old: np.ndarray, fill: float) -> np.ndarray:
            new = np.full((frames, persons, *old.shape[2:]), fill, old.dtype)
            new[:kept, : old.shape[1]] = old[:kept]
            return new

        times = np.zeros(frames)
        times[:kept] = self.times_s[:kept]
        self.times_s = times
        self.boxes = regrow(self.boxes, np.nan)
        self.poses3d = regrow(self.poses3d, np.nan)
        self.poses2d = regrow(self.poses2d, np.nan)
        self.track_ids = regrow(self.track_ids, NO_TRACK)

    def append(
        self, time_s: float, boxes: np.ndarray, poses3d: np.ndarray, poses2d: np.ndarray
    ) -> None:
        """Add one frame's detections (``n`` people: ``(n, 5)``, ``(n, J, 3)``, ``(n, J, 2)``)."""
        people = boxes.shape[0]
        capacity, persons = self.boxes.shape[:2]
        if self.count == capacity or people > persons:
            self._grow(capacity * 2 if self.count == capacity else capacity, max(people, persons))
        row = self.count
        self.times_s[row] = time_s
        self.boxes[row, :people] = boxes
        self.poses3d[row, :people] = poses3d
        self.poses2d[row, :people] = poses2d
        self.count += 1

    def arrays(self) -> dict[str, np.ndarray]:
        """Trimmed arrays (views, no copy) holding the frames appended so far."""
        n = self.count
        return {
            "times_s": self.times_s[:n],
            "boxes": self.boxes[:n],
            "poses3d": self.poses3d[:n],
            "poses2d": self.poses2d[:n],
            "track_ids": self.track_ids[:n],
        }
