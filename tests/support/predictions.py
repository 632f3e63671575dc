"""Build valid predictions in memory for tests and benchmarks."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np

from neuropose.schema import (
    NO_TRACK,
    CameraIntrinsics,
    InferenceOptions,
    Provenance,
    QualityFlag,
    RootTranslation,
    Skeleton,
    Units,
    VideoMetadata,
    VideoPredictions,
    flags_from_presence,
)

BERKELEY_MHAD_43 = (
    "head",
    "lhead",
    "rhead",
    "rback",
    "backl",
    "backt",
    "lback",
    "lside",
    "bell",
    "chest",
    "rside",
    "lsho1",
    "lsho2",
    "larm",
    "lelb",
    "lwri",
    "lhan1",
    "lhan2",
    "lhan3",
    "rsho1",
    "rsho2",
    "rarm",
    "relb",
    "rwri",
    "rhan1",
    "rhan2",
    "rhan3",
    "lhipb",
    "lhipf",
    "lhipl",
    "lleg",
    "lkne",
    "lank",
    "lhee",
    "lfoo",
    "rhipb",
    "rhipf",
    "rhipl",
    "rleg",
    "rkne",
    "rank",
    "rhee",
    "rfoo",
)


def skeleton(joints: int = 43) -> Skeleton:
    if joints == 43:
        names = BERKELEY_MHAD_43
        name = "berkeley_mhad_43"
    else:
        names = [f"j{i}" for i in range(joints)]
        name = f"test_{joints}"
    edges = tuple((i, i + 1) for i in range(len(names) - 1))
    return Skeleton(name=name, joint_names=tuple(names), joint_edges=edges)


def standin_provenance() -> Provenance:
    """The provenance every built test file carries: the stand-in model, one fixed instant."""
    return Provenance(
        model_name="metrabs_test",
        model_sha256=hashlib.sha256(b"model").hexdigest(),
        package_versions={"neuropose-schema": "0.1.0"},
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        parameters=InferenceOptions().with_overrides(
            {"model": "metrabs_test", "num_aug": 1, "device": "/CPU:0"}
        ),
    )


def make_predictions(
    frames: int = 10,
    people: int | list[int] = 1,
    joints: int = 43,
    *,
    fps: float = 30.0,
    seed: int = 0,
    confidence: bool = False,
    tracks: bool = False,
    root_translation: bool = False,
    quality_flags: bool = False,
) -> VideoPredictions:
    """Smooth random trajectories; ``people`` is a count for every frame or a per-frame list."""
    rng = np.random.default_rng(seed)
    counts = [people] * frames if isinstance(people, int) else list(people)
    assert len(counts) == frames
    slots = max(counts, default=0)
    t = np.arange(frames) / fps
    base = rng.normal(0, 300, (slots, joints, 3)) + np.array([0.0, 0.0, 3000.0])
    phase = rng.uniform(0, 2 * np.pi, (slots, joints, 3))
    p3 = base[None] + 80 * np.sin(2 * np.pi * 0.5 * t[:, None, None, None] + phase[None])
    p3 = p3 + rng.normal(0, 3, p3.shape)
    p2 = p3[..., :2] / p3[..., 2:3] * 1000.0 + np.array([960.0, 540.0])
    boxes = np.concatenate(
        [p2.min(axis=2), p2.max(axis=2) - p2.min(axis=2), np.full((frames, slots, 1), 0.9)],
        axis=-1,
    )
    present = np.arange(slots)[None, :] < np.array(counts)[:, None]
    p3[~present] = np.nan
    p2[~present] = np.nan
    boxes[~present] = np.nan
    track_ids = np.where(present, np.arange(slots)[None, :] if tracks else NO_TRACK, NO_TRACK)
    conf = None
    if confidence:
        conf = rng.uniform(0, 1, (frames, slots, joints))
        conf[~present] = np.nan
    root = None
    if root_translation:  # an estimated camera-frame origin, as hip-centred backends add
        root = p3.mean(axis=2)  # NaN in empty slots, as the format wants
    units = Units(root_translation_mm=RootTranslation.ESTIMATED) if root_translation else Units()
    flags = None
    if quality_flags:  # observed where a person is, one interpolated sample to tell them apart
        flags = flags_from_presence(np.broadcast_to(present[..., None], (frames, slots, joints)))
        if flags.size and present[0, 0]:
            flags[0, 0, -1] = QualityFlag.INTERPOLATED
    return VideoPredictions(
        metadata=VideoMetadata(
            file_name="trial.mp4",
            frame_count=frames,
            fps=fps,
            width=1920,
            height=1080,
            duration_s=frames / fps,
            sha256=hashlib.sha256(f"video{seed}".encode()).hexdigest(),
        ),
        skeleton=skeleton(joints),
        camera=CameraIntrinsics(fx=1000, fy=1000, cx=960, cy=540, fov_degrees=55),
        provenance=standin_provenance(),
        times_s=t,
        boxes=boxes,
        poses3d=p3,
        poses2d=p2,
        track_ids=track_ids,
        joint_confidence=conf,
        root_translation_mm=root,
        quality_flags=flags,
        units=units,
    )
