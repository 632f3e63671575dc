"""Synthetic multi-person scenes with known identities, and identity metrics to score trackers.

A scene is a set of people whose roots follow given paths in the camera frame (mm, +y down,
z forward), each with a body of its own size built from one 43-joint template, moving its arms
(a clinical task) and its legs (walking). The detector is simulated: a person is detected
unless hidden (an explicit interval, or its root projects outside the image), poses get noise,
and the people of a frame are listed in a random order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from support.predictions import BERKELEY_MHAD_43

WIDTH, HEIGHT = 1920, 1080
FOCAL, CX, CY = 1000.0, 960.0, 540.0
ARM_JOINTS = tuple(range(11, 27))  # lsho1 .. rhan3
RIGHT_ARM = tuple(range(19, 27))  # rsho1 .. rhan3
LEG_JOINTS = tuple(range(27, 43))  # lhipb .. rfoo
HIP_JOINTS = (27, 28, 29, 35, 36, 37)
EDGES = (
    (0, 1), (0, 2), (0, 9), (9, 5), (5, 4), (5, 3), (5, 6), (9, 8), (8, 7), (8, 10),
    (9, 11), (11, 12), (12, 13), (13, 14), (14, 15), (15, 16), (15, 17), (15, 18),
    (9, 19), (19, 20), (20, 21), (21, 22), (22, 23), (23, 24), (23, 25), (23, 26),
    (8, 27), (27, 28), (27, 29), (28, 30), (30, 31), (31, 32), (32, 33), (32, 34),
    (8, 35), (35, 36), (35, 37), (36, 38), (38, 39), (39, 40), (40, 41), (40, 42),
)  # fmt: skip


def _template() -> np.ndarray:
    """Joint offsets from the hips of a 1.75 m person, mm (x right, y down, z forward)."""
    rng = np.random.default_rng(1234)
    offsets = np.zeros((43, 3))
    offsets[0:3] = [[0, -750, 0], [-80, -720, 0], [80, -720, 0]]  # head
    offsets[3:11] = rng.uniform([-120, -450, -60], [120, -150, 60], (8, 3))  # trunk
    for side, base in ((-1, 11), (1, 19)):  # arms hang from the shoulders
        for k in range(8):
            offsets[base + k] = [side * (180 + 10 * k), -500 + 75 * k, 20 * (k % 2)]
    for side, base in ((-1, 27), (1, 35)):  # legs
        offsets[base : base + 3] = [[side * 90, 0, -30], [side * 110, 0, 40], [side * 130, 10, 0]]
        for k in range(5):
            offsets[base + 3 + k] = [side * 110, 180 + 170 * k, 40 * (k == 4)]
    return offsets


TEMPLATE = _template()


@dataclass(frozen=True)
class Person:
    """One simulated person.

    ``path(t)`` gives the root (hips) position in mm for times ``t`` (shape ``(n,)`` in,
    ``(n, 3)`` out). ``arm_amplitude_mm``/``arm_hz`` move the right arm forward and back (the
    task); ``walk_hz`` swings the legs and, by ``arm_swing_mm``, the arms (0: standing still).
    ``hidden`` lists ``(start_s, end_s)`` intervals when the detector misses the person.
    """

    path: Callable[[np.ndarray], np.ndarray]
    scale: float = 1.0
    arm_amplitude_mm: float = 0.0
    arm_hz: float = 1.0
    walk_hz: float = 0.0
    arm_swing_mm: float = 150.0
    hidden: Sequence[tuple[float, float]] = ()
    score: float = 0.9


@dataclass(frozen=True)
class Scene:
    times_s: np.ndarray
    boxes: np.ndarray
    poses2d: np.ndarray
    poses3d: np.ndarray
    truth: np.ndarray  # (frames, slots) true person index, -1 for empty slots, -2 for ghosts
    clean3d: np.ndarray  # (people, frames, joints, 3) noise-free poses
    joint_edges: tuple[tuple[int, int], ...] = EDGES
    root_joints: tuple[int, ...] = HIP_JOINTS
    joint_names: tuple[str, ...] = BERKELEY_MHAD_43
    frame_size: tuple[int, int] = (WIDTH, HEIGHT)
    extra: dict[str, object] = field(default_factory=dict)


def linear_path(start: Sequence[float], end: Sequence[float], t0: float, t1: float):
    """Root moving at constant velocity from ``start`` at ``t0`` to ``end`` at ``t1``."""
    a, b = np.asarray(start, float), np.asarray(end, float)

    def path(t: np.ndarray) -> np.ndarray:
        u = np.clip((t - t0) / (t1 - t0), 0, 1)[:, None]
        return a + (b - a) * u

    return path


def waypoint_path(times: Sequence[float], points: Sequence[Sequence[float]]):
    """Root moving piecewise linearly through ``points`` at ``times``."""
    ts, ps = np.asarray(times, float), np.asarray(points, float)

    def path(t: np.ndarray) -> np.ndarray:
        return np.stack([np.interp(t, ts, ps[:, k]) for k in range(3)], axis=1)

    return path


def body(person: Person, t: np.ndarray) -> np.ndarray:
    """Noise-free ``(frames, joints, 3)`` poses of a person at times ``t``."""
    poses = np.broadcast_to(TEMPLATE * person.scale, (t.size, 43, 3)).copy()
    if person.arm_amplitude_mm:
        swing = person.arm_amplitude_mm * np.sin(2 * np.pi * person.arm_hz * t)
        reach = np.linspace(0.2, 1.0, len(RIGHT_ARM))  # the hand moves most
        poses[:, RIGHT_ARM, 2] += swing[:, None] * reach
        poses[:, RIGHT_ARM, 1] -= 0.3 * np.abs(swing)[:, None] * reach
    if person.walk_hz:
        phase = np.sin(2 * np.pi * person.walk_hz * t)
        poses[:, LEG_JOINTS[:8], 2] += 250 * phase[:, None] * np.linspace(0, 1, 8)
        poses[:, LEG_JOINTS[8:], 2] -= 250 * phase[:, None] * np.linspace(0, 1, 8)
        swing = person.arm_swing_mm * phase[:, None] * np.linspace(0, 1, 8)
        poses[:, ARM_JOINTS[:8], 2] -= swing
        if not person.arm_amplitude_mm:
            poses[:, ARM_JOINTS[8:], 2] += swing
    return poses + person.path(t)[:, None, :]


def project(poses3d: np.ndarray) -> np.ndarray:
    """Pinhole projection to px with the scene's camera."""
    return poses3d[..., :2] / poses3d[..., 2:3] * FOCAL + np.array([CX, CY])


def make_scene(
    people: Sequence[Person],
    *,
    duration_s: float = 10.0,
    fps: float = 30.0,
    seed: int = 0,
    noise_mm: float = 8.0,
    depth_jitter_mm: float = 25.0,
    noise_px: float = 1.5,
    shuffle: bool = True,
    vfr: bool = False,
    miss_rate: float = 0.0,
    ghost_rate: float = 0.0,
) -> Scene:
    """Simulate detections of ``people``; see the module docstring.

    ``miss_rate`` is the chance that the detector misses a visible person in a frame;
    ``ghost_rate`` the chance per frame of a spurious one-frame detection (a random body with a
    low score), whose true id is -2: it should get no track.
    """
    rng = np.random.default_rng(seed)
    count = round(duration_s * fps)
    times = np.arange(count) / fps
    if vfr:  # phone-like timing: intervals vary by +-40 % around the nominal one
        times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.6, 1.4, count - 1) / fps)])
    clean = np.stack([body(person, times) for person in people])  # (people, F, J, 3)
    noisy = clean + rng.normal(0, noise_mm, clean.shape)
    noisy[..., 2] += rng.normal(0, depth_jitter_mm, clean.shape[:2])[..., None]
    image = project(noisy) + rng.normal(0, noise_px, (*clean.shape[:3], 2))
    visible = np.ones((len(people), count), bool)
    for k, person in enumerate(people):
        for start, end in person.hidden:
            visible[k] &= ~((times >= start) & (times < end))
        root = project(person.path(times))
        visible[k] &= (root[:, 0] > 0) & (root[:, 0] < WIDTH)
    visible &= rng.random(visible.shape) >= miss_rate
    ghosts = rng.random(count) < ghost_rate
    ghost_roots = rng.uniform([-2000, -200, 2500], [2000, 200, 5000], (count, 3))
    ghost_poses = TEMPLATE * rng.uniform(0.7, 1.2, (count, 1, 1)) + ghost_roots[:, None]
    slots = max(1, int((visible.sum(axis=0) + ghosts).max()))
    boxes = np.full((count, slots, 5), np.nan)
    p3 = np.full((count, slots, 43, 3), np.nan)
    p2 = np.full((count, slots, 43, 2), np.nan)
    truth = np.full((count, slots), -1)
    for f in range(count):
        order = np.concatenate([np.flatnonzero(visible[:, f]), [-2] if ghosts[f] else []])
        if shuffle:
            order = rng.permutation(order)
        for slot, k in enumerate(order.astype(int).tolist()):
            if k == -2:
                pose3, pose2, base = ghost_poses[f], project(ghost_poses[f]), 0.45
            else:
                pose3, pose2, base = noisy[k, f], image[k, f], people[k].score
            low, high = pose2.min(axis=0), pose2.max(axis=0)
            pad = 0.05 * (high - low)
            score = np.clip(base + rng.normal(0, 0.03), 0, 1)
            boxes[f, slot] = [*(low - pad), *(high - low + 2 * pad), score]
            p3[f, slot] = pose3
            p2[f, slot] = pose2
            truth[f, slot] = k
    return Scene(
        times_s=times,
        boxes=boxes.astype(np.float32),
        poses2d=p2.astype(np.float32),
        poses3d=p3.astype(np.float32),
        truth=truth,
        clean3d=clean,
    )


@dataclass(frozen=True)
class IdentityScore:
    idf1: float
    switches: int
    fragments: int
    mapping: dict[int, int]  # predicted id -> true id
    impure: int  # predicted ids that cover more than one true person


def identity_score(truth: np.ndarray, predicted: np.ndarray) -> IdentityScore:
    """IDF1 (Ristani et al. 2016), identity switches and fragments over the same detections.

    Every detection of a person has a true id (``truth >= 0``); a predicted id of -1 is a
    detection the tracker left unidentified (a miss for IDF1). Ghost detections (``truth ==
    -2``) should stay unidentified; an id given to one is a false positive for IDF1. True and predicted ids are matched one to one
    to maximise the detections they share (IDTP); ``IDF1 = 2 IDTP / (true + predicted)``.
    A switch is a change of predicted id between consecutive identified detections of one true
    person; a fragment is a return to identification after an unidentified detection.
    """
    present = truth >= 0
    identified = (truth != -1) & (predicted >= 0)
    true_ids = np.unique(truth[present])
    predicted_ids = np.unique(predicted[identified])
    shared = np.zeros((true_ids.size, predicted_ids.size))
    both = present & (predicted >= 0)
    np.add.at(
        shared,
        (np.searchsorted(true_ids, truth[both]), np.searchsorted(predicted_ids, predicted[both])),
        1,
    )
    rows, cols = linear_sum_assignment(shared, maximize=True)
    idtp = shared[rows, cols].sum()
    idf1 = 2 * idtp / (present.sum() + identified.sum())
    switches = fragments = 0
    for true_id in true_ids:
        frames, slots = np.nonzero(truth == true_id)
        sequence = predicted[frames, slots]
        labelled = sequence[sequence >= 0]
        switches += int(np.count_nonzero(np.diff(labelled) != 0))
        fragments += int(np.count_nonzero((sequence[1:] >= 0) & (sequence[:-1] < 0)))
    impure = int(np.count_nonzero((shared > 0).sum(axis=0) > 1))
    mapping = {int(predicted_ids[c]): int(true_ids[r]) for r, c in zip(rows, cols, strict=True)}
    return IdentityScore(float(idf1), switches, fragments, mapping, impure)


# Scenes used by the tracking and subject tests -------------------------------------------


def crossing(seed: int = 0, occlusion_s: float = 0.0, **kwargs: Any) -> Scene:
    """Two people walk past each other at different depths and cross in the image at 5 s;
    the one behind (person 1) is fully hidden for ``occlusion_s`` around the crossing."""
    hidden = ((5.0 - occlusion_s / 2, 5.0 + occlusion_s / 2),) if occlusion_s else ()
    people = [
        Person(linear_path((-2000, 0, 3500), (2000, 0, 3500), 0, 10), 1.0, walk_hz=1.0),
        Person(
            linear_path((2500, 0, 4500), (-2500, 0, 4500), 0, 10), 0.88, walk_hz=1.1, hidden=hidden
        ),
    ]
    return make_scene(people, seed=seed, **kwargs)


def leave_and_return(seed: int = 0, **kwargs: Any) -> Scene:
    """A seated patient works with the right arm while a clinician walks out of view (about
    3-8 s) and comes back."""
    people = [
        Person(linear_path((-300, 0, 3000), (-300, 0, 3000), 0, 1), 0.9, 150, 0.8),
        Person(
            waypoint_path((0, 1, 4, 7, 10, 12), [(700, 0, 3200), (700, 0, 3200), (3600, 0, 3200),
                          (3600, 0, 3200), (900, 0, 3200), (900, 0, 3200)]),
            1.1,
            walk_hz=1.0,
        ),
    ]  # fmt: skip
    return make_scene(people, duration_s=12.0, seed=seed, **kwargs)


def three_people(seed: int = 0, **kwargs: Any) -> Scene:
    """Everything at once: a walker passes behind a seated patient (hidden 0.5 s), a third
    person leaves the view (about 4-9 s), returns and is hidden 0.5 s as the walker passes in
    front; listed in random order."""
    people = [
        Person(linear_path((-300, 0, 2800), (-300, 0, 2800), 0, 1), 0.92, 120, 0.7),
        Person(
            linear_path((-2200, 0, 3600), (2200, 0, 3600), 0, 12),
            1.1,
            walk_hz=1.0,
            hidden=((4.7, 5.2),),
        ),
        Person(
            waypoint_path((0, 2, 5, 9, 12), [(2000, 0, 4600), (2000, 0, 4600), (4800, 0, 4600),
                          (4800, 0, 4600), (1200, 0, 4600)]),
            0.8,
            walk_hz=1.2,
            hidden=((10.78, 11.28),),
        ),
    ]  # fmt: skip
    return make_scene(people, duration_s=12.0, seed=seed, **kwargs)


def track(scene: Scene, **config: Any):
    """Track a scene's detections as the tracker sees a file: boxes, 2D and 3D joints, bones."""
    from neuropose.analysis.tracking import track_people
    from neuropose.schema import TrackingConfig

    return track_people(
        scene.times_s,
        scene.boxes,
        scene.poses2d,
        scene.poses3d,
        joint_edges=scene.joint_edges,
        root_joints=scene.root_joints,
        config=TrackingConfig(**config) if config else None,
    )
