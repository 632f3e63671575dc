"""A session with known movement for report tests: a video and predictions that belong together.

The subject (Berkeley MHAD markers) stands facing the camera and flexes the left elbow: the
angle at ``lelb`` between ``lsho1`` and ``lwri`` is exactly
``115 - 55 cos(2 pi t / period_s)`` degrees, so it peaks at ``(k + 1/2) period_s``. A second
person, when asked for, stands still beside them. The predictions carry the video's real
SHA-256, size and frame times (read with the estimator's own frame reader), so the report's
video checks and time matching see what a real run produces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from neuropose.schema import (
    NO_TRACK,
    CameraIntrinsics,
    Skeleton,
    VideoMetadata,
    VideoPredictions,
)
from support.predictions import BERKELEY_MHAD_43, standin_provenance
from support.videos import write_video

if TYPE_CHECKING:
    from neuropose.estimator._video import VideoInfo

_TEMPLATE = {
    "head": (0, -750, 0), "lhead": (60, -740, 0), "rhead": (-60, -740, 0),
    "rback": (-100, -400, 80), "backl": (0, -200, 100), "backt": (0, -450, 100),
    "lback": (100, -400, 80), "lside": (150, -250, 0), "bell": (0, -200, -60),
    "chest": (0, -450, -60), "rside": (-150, -250, 0),
    "lsho1": (180, -450, 0), "lsho2": (170, -470, 30), "larm": (185, -320, 0),
    "lelb": (180, -170, 0), "lwri": (180, 80, 0),
    "lhan1": (180, 150, 0), "lhan2": (200, 150, 0), "lhan3": (160, 150, 0),
    "rsho1": (-180, -450, 0), "rsho2": (-170, -470, 30), "rarm": (-185, -320, 0),
    "relb": (-180, -170, 0), "rwri": (-180, 80, 0),
    "rhan1": (-180, 150, 0), "rhan2": (-200, 150, 0), "rhan3": (-160, 150, 0),
    "lhipb": (100, 0, 60), "lhipf": (100, 0, -60), "lhipl": (140, 0, 0), "lleg": (120, 200, 0),
    "lkne": (110, 420, 0), "lank": (110, 850, 0), "lhee": (110, 900, 60), "lfoo": (110, 900, -120),
    "rhipb": (-100, 0, 60), "rhipf": (-100, 0, -60), "rhipl": (-140, 0, 0), "rleg": (-120, 200, 0),
    "rkne": (-110, 420, 0), "rank": (-110, 850, 0), "rhee": (-110, 900, 60),
    "rfoo": (-110, 900, -120),
}  # fmt: skip

_BONES = (
    ("head", "chest"), ("chest", "bell"), ("chest", "lsho1"), ("chest", "rsho1"),
    ("lsho1", "lelb"), ("lelb", "lwri"), ("lwri", "lhan1"), ("rsho1", "relb"), ("relb", "rwri"),
    ("rwri", "rhan1"), ("bell", "lhipl"), ("bell", "rhipl"), ("lhipl", "lkne"),
    ("lkne", "lank"), ("lank", "lfoo"), ("rhipl", "rkne"), ("rkne", "rank"), ("rank", "rfoo"),
)  # fmt: skip

FOREARM_MM = 250.0


def elbow_angle(t: np.ndarray, period_s: float) -> np.ndarray:
    """The subject's true left-elbow angle at times ``t``, degrees."""
    return 115.0 - 55.0 * np.cos(2 * np.pi * np.asarray(t) / period_s)


def skeleton() -> Skeleton:
    index = {name: i for i, name in enumerate(BERKELEY_MHAD_43)}
    return Skeleton(
        name="berkeley_mhad_43",
        joint_names=BERKELEY_MHAD_43,
        joint_edges=tuple((index[a], index[b]) for a, b in _BONES),
    )


def subject_poses(times: np.ndarray, period_s: float, offset_mm=(0.0, 0.0, 3000.0)) -> np.ndarray:
    """``(frames, 43, 3)`` mm: the template, left forearm swinging in the y-z plane."""
    base = np.array([_TEMPLATE[name] for name in BERKELEY_MHAD_43], np.float64)
    poses = np.repeat(base[None], len(times), axis=0)
    theta = np.radians(elbow_angle(times, period_s))
    # The upper arm points straight up from the elbow; the forearm is theta away from it.
    forearm = FOREARM_MM * np.stack([np.zeros_like(theta), -np.cos(theta), -np.sin(theta)], axis=1)
    names = list(BERKELEY_MHAD_43)
    elbow = poses[:, names.index("lelb")]
    wrist = elbow + forearm
    for hand in ("lwri", "lhan1", "lhan2", "lhan3"):
        poses[:, names.index(hand)] = wrist + (base[names.index(hand)] - base[names.index("lwri")])
    return poses + np.asarray(offset_mm)


def painter(width: int, height: int) -> Callable[[int], np.ndarray]:
    """Frames with some texture and motion, so the encoder has real work."""
    ramp = np.linspace(40, 200, width, dtype=np.float64)[None, :, None]
    background = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)

    def paint(index: int) -> np.ndarray:
        frame = background.copy()
        x = (7 * index) % max(width - 40, 1)
        frame[height // 3 : height // 3 + 40, x : x + 40] = (20, 180, 240)
        return frame

    return paint


def write_session_video(
    path: Path, seconds: float = 6.0, fps: float = 30.0, size=(640, 360)
) -> Path:
    width, height = size
    return write_video(path, round(seconds * fps), painter(width, height), fps=fps)


def read_times(video: Path) -> tuple[np.ndarray, VideoInfo]:
    """Frame times (seconds) and the video's facts, as the estimator's reader sees them.

    The tests that build sessions are skipped where the estimator is not installed (the
    analysis wheel's own test run); the workspace run covers them.
    """
    pytest.importorskip("neuropose.estimator", reason="sessions read videos as the estimator does")
    from neuropose.estimator._video import FrameReader

    with FrameReader(video) as reader:
        return np.array([frame.time_s for frame in reader], np.float64), reader.info


def session_predictions(
    video: Path,
    *,
    period_s: float = 1.5,
    second_person: bool = False,
    tracks: bool = False,
    swap_slots: bool = False,
) -> VideoPredictions:
    """Predictions of ``video`` with the flexing subject (and a still bystander).

    ``tracks`` gives the subject track id 0 and the bystander 1; ``swap_slots`` lists the
    bystander first in every other frame (detector order is arbitrary).
    """
    times, info = read_times(video)
    frames = len(times)
    people = [subject_poses(times, period_s)]
    if second_person:
        still = subject_poses(np.zeros(frames), period_s, offset_mm=(-900.0, 0.0, 3200.0))
        people.append(still)
    poses3d = np.stack(people, axis=1)  # (frames, persons, joints, 3)
    focal = 0.35 * info.height * 3000.0 / 500.0
    cx, cy = info.width / 2, info.height / 2
    poses2d = poses3d[..., :2] / poses3d[..., 2:3] * focal + np.array([cx, cy])
    low, high = poses2d.min(axis=2), poses2d.max(axis=2)
    boxes = np.concatenate([low, high - low, np.full((*low.shape[:2], 1), 0.95)], axis=-1)
    ids = np.broadcast_to(np.arange(len(people)), (frames, len(people))).copy()
    if swap_slots and len(people) > 1:
        odd = np.arange(frames) % 2 == 1
        for array in (poses3d, poses2d, boxes, ids):
            array[odd] = array[odd][:, ::-1]
    track_ids = ids if tracks else np.full(ids.shape, NO_TRACK)
    return VideoPredictions(
        metadata=VideoMetadata(
            file_name=video.name,
            frame_count=frames,
            fps=info.fps,
            width=info.width,
            height=info.height,
            rotation_degrees=info.rotation_degrees,
            duration_s=float(times[-1] + 1.0 / info.fps),
            sha256=hashlib.sha256(video.read_bytes()).hexdigest(),
        ),
        skeleton=skeleton(),
        camera=CameraIntrinsics(fx=focal, fy=focal, cx=cx, cy=cy, fov_degrees=55),
        provenance=standin_provenance(),
        times_s=times,
        boxes=boxes,
        poses3d=poses3d,
        poses2d=poses2d,
        track_ids=track_ids,
    )
