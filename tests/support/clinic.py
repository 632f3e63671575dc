"""A clinician beside a patient: two people with known elbow angles, listed in random order.

The patient stands near the image centre with the right elbow at a known angle (170 degrees
by default) and swings that straight arm from the shoulder (the task); the clinician stands to
the left, arm bent at 90 degrees, nearly still. The detector lists the two in a random order
in every frame, so person slot 0 is either of them: what a reader of "slot 0" gets is a mix of
both angles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuropose.schema import NO_TRACK, VideoPredictions
from support import scenes
from support.predictions import make_predictions

RSHO, RELB, RWRI = 19, 22, 23
RIGHT_HAND = (24, 25, 26)
ELBOW = ("rsho1", "relb", "rwri")
"""The right elbow's included angle, as ``analyze --angle rsho1,relb,rwri`` names it."""


@dataclass(frozen=True)
class Clinic:
    predictions: VideoPredictions
    truth: np.ndarray  # (frames, 2): which person (0 patient, 1 clinician) each slot holds


def _person(
    t: np.ndarray, root_mm: tuple[float, float, float], elbow_deg: float, swing_rad: float, rng
) -> np.ndarray:
    """``(frames, 43, 3)`` mm: the template body at ``root_mm`` with its right arm set."""
    poses = np.repeat((scenes.TEMPLATE + np.asarray(root_mm))[None], t.size, axis=0)
    shoulder = poses[:, RSHO]
    phi = swing_rad * np.sin(2 * np.pi * 0.5 * t)  # the upper arm swings in the y-z plane
    upper = np.stack([0 * phi, np.cos(phi), np.sin(phi)], axis=1)
    bend = phi + np.pi - np.deg2rad(elbow_deg)  # forearm direction: elbow angle from the upper arm
    fore = np.stack([0 * bend, np.cos(bend), np.sin(bend)], axis=1)
    elbow = shoulder + 280.0 * upper
    wrist = elbow + 250.0 * fore
    poses[:, RSHO + 1] = shoulder + 90.0 * upper
    poses[:, RSHO + 2] = shoulder + 180.0 * upper
    poses[:, RELB] = elbow
    poses[:, RWRI] = wrist
    for k, joint in enumerate(RIGHT_HAND):
        poses[:, joint] = wrist + (40.0 + 15 * k) * fore
    return poses + rng.normal(0, 2.0, poses.shape)


def clinic(
    seconds: float = 6.0,
    fps: float = 30.0,
    *,
    patient_deg: float = 170.0,
    clinician_deg: float = 90.0,
    clinician_swing_rad: float = 0.0,
    patient_root_mm: tuple[float, float, float] = (150.0, 0.0, 3200.0),
    clinician_root_mm: tuple[float, float, float] = (-1100.0, 0.0, 3400.0),
    seed: int = 0,
) -> Clinic:
    """Build the scene as untracked predictions (track ids all ``NO_TRACK``).

    The clinician's arm swings by ``clinician_swing_rad`` (0: still); the patient's by 0.5 rad.
    """
    rng = np.random.default_rng(seed)
    frames = round(seconds * fps)
    t = np.arange(frames) / fps
    patient = _person(t, patient_root_mm, patient_deg, 0.5, rng)
    clinician = _person(t, clinician_root_mm, clinician_deg, clinician_swing_rad, rng)
    people = np.stack([patient, clinician], axis=1)  # (frames, 2, 43, 3)
    order = np.argsort(rng.random((frames, 2)), axis=1)  # shuffled detector order
    poses3d = np.take_along_axis(people, order[:, :, None, None], axis=1)
    poses2d = scenes.project(poses3d)
    low, high = poses2d.min(axis=2), poses2d.max(axis=2)
    boxes = np.concatenate([low, high - low, np.full((frames, 2, 1), 0.9)], axis=-1)
    template = make_predictions(2, 1, 43)
    fields = {name: getattr(template, name) for name in VideoPredictions.model_fields}
    fields.update(
        metadata=template.metadata.model_copy(
            update={"file_name": "clinic.mp4", "frame_count": frames, "duration_s": seconds}
        ),
        times_s=t,
        boxes=boxes.astype(np.float32),
        poses3d=poses3d.astype(np.float32),
        poses2d=poses2d.astype(np.float32),
        track_ids=np.full((frames, 2), NO_TRACK, np.int32),
        joint_confidence=None,
    )
    return Clinic(VideoPredictions(**fields), order)
