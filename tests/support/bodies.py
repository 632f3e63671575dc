"""Constructed bodies with known clinical angles, for berkeley_mhad_43, smpl_24 and blazepose_33.

A body is built in its own frame (X anterior, Y superior, Z to the person's right, pelvis
frame = identity) from the angles it should show, by composing rotations the way the angle
definitions describe them, then turned and moved by any rigid motion (the camera's view of it).
Nothing here calls the analysis code: the angles are inputs, so recovering them is a real test.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from neuropose.schema import BERKELEY_MHAD_43, BLAZEPOSE_33, SMPL_24, KnownSkeleton

SKELETONS: Mapping[str, KnownSkeleton] = {
    k.name: k for k in (BERKELEY_MHAD_43, SMPL_24, BLAZEPOSE_33)
}

LIMB_ANGLES = (
    "hip_flexion",
    "hip_abduction",
    "knee_flexion",
    "ankle_dorsiflexion",
    "shoulder_flexion",
    "shoulder_abduction",
    "elbow_flexion",
)
TRUNK_ANGLES = ("trunk_flexion", "trunk_lateral_flexion", "trunk_rotation")


def rx(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def ry(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def rz(degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def rotation_from_quaternion(q: np.ndarray) -> np.ndarray:
    w, x, y, z = np.asarray(q, float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


DOWN = np.array([0.0, -1.0, 0.0])
FORWARD = np.array([1.0, 0.0, 0.0])


def _side_sign(side: str) -> float:
    return 1.0 if side == "right" else -1.0


def expected_elevation(flexion: float, abduction: float) -> float:
    """Angle between the upper arm and the thorax's downward axis for the given Cardan angles.

    The arm points along ``(cos a sin f, -cos a cos f, -sin a)``; atan2 of its sideways and
    downward parts keeps full precision near 0 (arccos would not).
    """
    f, a = np.radians(flexion), np.radians(abduction)
    sideways = np.hypot(np.cos(a) * np.sin(f), np.sin(a))
    return float(np.degrees(np.arctan2(sideways, np.cos(a) * np.cos(f))))


def build_body(skeleton: str, angles: Mapping[str, float]) -> dict[str, np.ndarray]:
    """Joint positions (mm) in the body frame with the given angles (missing angles are 0)."""

    def angle(name: str) -> float:
        return float(angles.get(name, 0.0))

    trunk = (
        rz(-angle("trunk_flexion"))
        @ rx(angle("trunk_lateral_flexion"))
        @ ry(angle("trunk_rotation"))
    )
    joints: dict[str, np.ndarray] = {}
    hips: dict[str, np.ndarray] = {}
    shoulders: dict[str, np.ndarray] = {}
    if skeleton == "smpl_24":
        joints["pelvis"] = np.zeros(3)
        joints["spine1"] = np.array([0.0, 110.0, 0.0])
        joints["spine2"] = np.array([0.0, 180.0, -10.0])
        spine3 = np.array([0.0, 260.0, 0.0])
        joints["spine3"] = spine3
        joints["neck"] = spine3 + trunk @ np.array([0.0, 150.0, 0.0])
        joints["head"] = spine3 + trunk @ np.array([20.0, 250.0, 0.0])
        for side in ("left", "right"):
            z = _side_sign(side)
            joints[f"{side}_collar"] = spine3 + trunk @ np.array([0.0, 80.0, 70.0 * z])
            shoulders[side] = spine3 + trunk @ np.array([0.0, 100.0, 180.0 * z])
            hips[side] = np.array([0.0, -70.0, 90.0 * z])
    elif skeleton == "blazepose_33":
        centre = np.array([0.0, -70.0, 0.0])
        for side in ("left", "right"):
            z = _side_sign(side)
            hips[side] = np.array([0.0, -70.0, 100.0 * z])
            shoulders[side] = centre + trunk @ np.array([0.0, 500.0, 180.0 * z])
        joints["nose"] = centre + trunk @ np.array([80.0, 700.0, 0.0])
    elif skeleton == "berkeley_mhad_43":
        markers = {"lhipf": (60, 0, -110), "rhipf": (60, 0, 110)}
        markers |= {"lhipb": (-90, 0, -50), "rhipb": (-90, 0, 50)}
        joints |= {name: np.array(value, float) for name, value in markers.items()}
        centre = np.mean([joints[n] for n in markers], axis=0)
        for side in ("left", "right"):
            z = _side_sign(side)
            hips[side] = np.array([0.0, -80.0, 130.0 * z])
            shoulders[side] = centre + trunk @ np.array([0.0, 520.0, 180.0 * z])
    else:
        raise ValueError(skeleton)
    for side in ("left", "right"):
        s = _side_sign(side)
        thigh = rz(angle(f"hip_flexion_{side}")) @ rx(-s * angle(f"hip_abduction_{side}"))
        knee = hips[side] + 420.0 * thigh @ DOWN
        shank = thigh @ rz(-angle(f"knee_flexion_{side}"))
        ankle = knee + 400.0 * shank @ DOWN
        foot = shank @ rz(angle(f"ankle_dorsiflexion_{side}"))
        heel = ankle + foot @ np.array([-50.0, -60.0, 0.0])
        toe = ankle + foot @ np.array([150.0, -60.0, 0.0])
        arm = (
            trunk
            @ rz(angle(f"shoulder_flexion_{side}"))
            @ rx(-s * angle(f"shoulder_abduction_{side}"))
        )
        elbow = shoulders[side] + 280.0 * arm @ DOWN
        wrist = elbow + 250.0 * (arm @ rz(angle(f"elbow_flexion_{side}"))) @ DOWN
        if skeleton == "smpl_24":
            names = {"hip": "hip", "knee": "knee", "ankle": "ankle", "shoulder": "shoulder"}
            names |= {"elbow": "elbow", "wrist": "wrist"}
            prefix = f"{side}_"
            joints[f"{side}_foot"] = ankle + 140.0 * foot @ FORWARD
            joints[f"{side}_hand"] = (
                wrist + 80.0 * (arm @ rz(angle(f"elbow_flexion_{side}"))) @ DOWN
            )
        elif skeleton == "blazepose_33":
            names = {"hip": "hip", "knee": "knee", "ankle": "ankle", "shoulder": "shoulder"}
            names |= {"elbow": "elbow", "wrist": "wrist", "heel": "heel", "toe": "foot_index"}
            prefix = f"{side}_"
        else:
            names = {"hip": "hipl", "knee": "kne", "ankle": "ank", "shoulder": "sho1"}
            names |= {"elbow": "elb", "wrist": "wri", "heel": "hee", "toe": "foo"}
            prefix = side[0]
        points = {"hip": hips[side], "knee": knee, "ankle": ankle, "shoulder": shoulders[side]}
        points |= {"elbow": elbow, "wrist": wrist, "heel": heel, "toe": toe}
        for key, name in names.items():
            joints[prefix + name] = points[key]
    return joints


def body_array(
    skeleton: str,
    angles: Mapping[str, float],
    rotation: np.ndarray | None = None,
    translation: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """``(joints, 3)`` in the skeleton's order, turned by ``rotation`` and moved by ``translation``.

    Joints the angles do not use get arbitrary (seeded) positions near the body.
    """
    known = SKELETONS[skeleton]
    rng = np.random.default_rng(seed)
    placed = build_body(skeleton, angles)
    array = np.stack(
        [placed.get(name, rng.normal(0, 200, 3)) for name in known.skeleton.joint_names]
    )
    rotation = np.eye(3) if rotation is None else rotation
    translation = np.zeros(3) if translation is None else translation
    return array @ rotation.T + translation


def predictions_from_poses(poses: np.ndarray, times: np.ndarray, skeleton: str):
    """One-person predictions holding ``poses`` ((frames, joints, 3), camera frame, mm)."""
    from neuropose.schema import VideoPredictions
    from support.predictions import make_predictions

    frames = len(times)
    base = make_predictions(frames, 1, 43)
    p3 = np.asarray(poses, float)[:, None]
    p2 = p3[..., :2] / p3[..., 2:3] * 1000.0 + np.array([960.0, 540.0])
    boxes = np.concatenate(
        [p2.min(axis=2), p2.max(axis=2) - p2.min(axis=2), np.full((frames, 1, 1), 0.9)], axis=-1
    )
    boxes[~np.isfinite(p3).any(axis=(2, 3))] = np.nan  # a frame without the person
    fields = {name: getattr(base, name) for name in type(base).model_fields}
    duration = float(times[-1] - times[0]) if frames else 0.0
    metadata = base.metadata.model_copy(update={"frame_count": frames, "duration_s": duration})
    return VideoPredictions(
        **{
            **fields,
            "metadata": metadata,
            "skeleton": SKELETONS[skeleton].skeleton,
            "times_s": np.asarray(times, float),
            "poses3d": p3,
            "poses2d": p2,
            "boxes": boxes,
            "joint_confidence": None,
        }
    )


def hip_centred(predictions, *, with_root: bool = True):
    """The same single-person file as BlazePose writes it: poses relative to a moving origin.

    The origin is the mean of the joints (any per-frame point would do: poses plus
    ``root_translation_mm`` give back the camera-frame joints); ``with_root=False`` leaves the
    root translation out, as no BlazePose file of this version does.
    """
    from neuropose.schema import Frame3d, RootTranslation

    poses = np.asarray(predictions.poses3d, float)
    root = np.nanmean(poses, axis=2)  # (frames, persons, 3)
    units = predictions.units.model_copy(
        update={
            "frame3d": Frame3d.HIP_CENTRED,
            "root_translation_mm": RootTranslation.ESTIMATED if with_root else None,
        }
    )
    fields = {name: getattr(predictions, name) for name in type(predictions).model_fields}
    return type(predictions)(
        **{
            **fields,
            "units": units,
            "poses3d": poses - root[:, :, None],
            "root_translation_mm": root if with_root else None,
        }
    )
