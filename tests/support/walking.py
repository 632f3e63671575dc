"""A synthetic walker with known cadence, step length, speed, stance and double support.

The walker moves straight at a constant speed. Each foot is flat on the ground during stance
(60 % of the stride) and swings forward by one stride length during swing, leaving the ground
at the pelvis' speed and landing faster than the pelvis (as real heels do: 1-1.5 m/s at
contact), so the heel is furthest ahead of the pelvis exactly at heel strike and the toe
furthest behind exactly at toe off. The body around the feet is the standing body of
:mod:`support.bodies`, carried along with the pelvis, which sways sideways and bobs once per
step. The camera sees it all through any rigid motion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from support.bodies import SKELETONS, build_body, rotation_from_quaternion

STANCE = 0.6
FOOT_LENGTH = 200.0
STEP_WIDTH = 200.0


@dataclass(frozen=True)
class Walk:
    """The truth of a synthetic walk."""

    speed_mm_s: float = 1200.0
    stride_s: float = 1.1
    heading_deg: float = 30.0

    @property
    def stride_length_mm(self) -> float:
        return self.speed_mm_s * self.stride_s

    @property
    def step_length_mm(self) -> float:
        return self.stride_length_mm / 2

    @property
    def cadence_steps_min(self) -> float:
        return 120.0 / self.stride_s


def _swing_fraction(phase: np.ndarray) -> np.ndarray:
    """Share of the stride covered at swing phase 0-1: velocity 0.4 at 0 and 0.5 at 1 (in L/Ts)."""
    return 0.4 * phase + 0.05 * phase**2 + 3.3 * (phase**2 / 2 - phase**3 / 3)


def _foot(walk: Walk, times: np.ndarray, first_strike_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Forward position (mm, along the walk) and height of a heel over time."""
    stride = walk.stride_s
    cycles = np.floor((times - first_strike_s) / stride)
    phase_in_cycle = (times - first_strike_s) / stride - cycles
    base = cycles * walk.stride_length_mm + walk.speed_mm_s * first_strike_s
    swing = phase_in_cycle >= STANCE
    swing_phase = np.clip((phase_in_cycle - STANCE) / (1 - STANCE), 0, 1)
    forward = base + np.where(swing, _swing_fraction(swing_phase), 0.0) * walk.stride_length_mm
    height = np.where(swing, 60.0 * np.sin(np.pi * swing_phase), 0.0)
    return forward, height


def walking_poses(
    skeleton: str,
    walk: Walk,
    times: np.ndarray,
    *,
    camera: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """``(frames, joints, 3)`` camera-frame poses of the walk at the given times."""
    known = SKELETONS[skeleton].skeleton
    standing = build_body(skeleton, {})
    rng = np.random.default_rng(seed)
    names = known.joint_names
    body = np.stack([standing.get(n, rng.normal(0, 150, 3)) for n in names])
    heading = np.radians(walk.heading_deg)
    # World: Y up; the walk goes along `ahead` in the horizontal plane.
    ahead = np.array([np.cos(heading), 0.0, np.sin(heading)])
    right = np.array([-np.sin(heading), 0.0, np.cos(heading)])
    to_world = np.stack([ahead, [0.0, 1.0, 0.0], right], axis=1)  # body axes as columns
    pelvis = (
        walk.speed_mm_s * times[:, None] * ahead
        + 950.0 * np.array([0.0, 1.0, 0.0])
        + 15.0 * np.sin(2 * np.pi * times / walk.stride_s)[:, None] * right
        + 10.0 * np.cos(4 * np.pi * times / walk.stride_s)[:, None] * np.array([0.0, 1.0, 0.0])
    )
    poses = pelvis[:, None, :] + (body @ to_world.T)[None]
    feet = _foot_names(skeleton)
    for side, offset_s, lateral in (("left", 0.0, -1.0), ("right", walk.stride_s / 2, 1.0)):
        forward, height = _foot(walk, times, offset_s - 2 * walk.stride_s)
        heel = (
            forward[:, None] * ahead
            + lateral * STEP_WIDTH / 2 * right
            + height[:, None] * np.array([0.0, 1.0, 0.0])
            + np.array([0.0, 40.0, 0.0])
        )
        toe = heel + FOOT_LENGTH * ahead
        heel_name, toe_name = feet[side]
        poses[:, names.index(heel_name)] = heel
        poses[:, names.index(toe_name)] = toe
    rotation = np.eye(3) if camera is None else camera
    return poses @ rotation.T + np.array([100.0, 300.0, 4000.0])


def _foot_names(skeleton: str) -> dict[str, tuple[str, str]]:
    if skeleton == "smpl_24":
        return {s: (f"{s}_ankle", f"{s}_foot") for s in ("left", "right")}
    if skeleton == "blazepose_33":
        return {s: (f"{s}_heel", f"{s}_foot_index") for s in ("left", "right")}
    return {"left": ("lhee", "lfoo"), "right": ("rhee", "rfoo")}


def camera_rotation(seed: int) -> np.ndarray:
    """A seeded arbitrary camera orientation."""
    return rotation_from_quaternion(np.random.default_rng(seed).normal(size=4))


def vfr_times(duration_s: float, seed: int = 0) -> np.ndarray:
    """A phone's timestamps: 30 fps, then 15 fps from halfway, jittered, with repeated stamps."""
    rng = np.random.default_rng(seed)
    first = np.arange(0, duration_s / 2, 1 / 30)
    second = np.arange(first[-1] + 1 / 15, duration_s, 1 / 15)
    times = np.concatenate([first, second]) + rng.uniform(-0.004, 0.004, len(first) + len(second))
    times = np.sort(np.maximum(times, 0.0))
    repeat = rng.choice(np.arange(5, len(times) - 5), size=6, replace=False)
    times[repeat] = times[repeat - 1]  # the same stamp on two frames, as VFR files do
    return times
