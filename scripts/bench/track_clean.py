"""Time to track, choose the subject and clean a 30-minute, 2-person predictions file.

Builds 54,000 frames (30 min at 30 fps) of two people with 43 joints: a seated patient doing
a reaching task and a clinician walking about, who leaves the view for 20 s every 5 minutes;
the detector misses 2 % of detections and lists people in random order. The file is saved
with ``neuropose.schema.io.save_predictions`` (compressed ``.npz``) and loaded back, then

- tracking: :func:`neuropose.analysis.tracking.track_people` over the whole file;
- subject: :func:`neuropose.analysis.subject.choose_subject`;
- cleaning: the subject's trajectory (:func:`~neuropose.analysis.tracking.track_trajectory`)
  through :func:`neuropose.analysis.cleaning.clean_trajectory`;

each timed as the best of ``--repeats`` runs, after one warm-up run (the numba kernels of
cleaning are compiled once per machine and cached on disk; the warm-up time is printed).
Prints the times, their ratio to loading the file, and the identity scores against the
simulation's truth.

Goal (issue 15): tracking + cleaning <= 2 s on a 2-core CPU.

Run: ``uv run python scripts/bench/track_clean.py [--minutes M] [--repeats N]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from neuropose.analysis.cleaning import CleanedTrajectory, clean_trajectory, quality_summary
from neuropose.analysis.subject import choose_subject
from neuropose.analysis.tracking import TrackingResult, track_people, track_trajectory
from neuropose.schema import SubjectChoice, VideoPredictions, io
from support import scenes
from support.predictions import make_predictions

P = ParamSpec("P")
R = TypeVar("R")


def _timed(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def build(minutes: float, fps: float = 30.0, seed: int = 0) -> tuple[VideoPredictions, np.ndarray]:
    """The simulated file and its true identities ``(frames, 2)`` (-1 for empty slots)."""
    rng = np.random.default_rng(seed)
    frames = round(minutes * 60 * fps)
    times = np.arange(frames) / fps
    patient = scenes.Person(
        scenes.linear_path((-300, 0, 3000), (-300, 0, 3000), 0, 1), 0.9, 200, 0.5
    )
    period = 300.0  # the clinician's round: walk about, leave for 20 s, come back
    phase = times % period
    x = np.where(phase < 280, 900 + 500 * np.sin(2 * np.pi * phase / 30), 4500.0)
    clinician = scenes.Person(
        lambda t: np.stack([np.interp(t, times, x), 0 * t, 3400 + 0 * t], axis=1),
        1.08,
        walk_hz=1.0,
        arm_swing_mm=60,
    )
    people = (patient, clinician)
    clean = np.stack([scenes.body(person, times) for person in people])  # (2, F, J, 3)
    noisy = clean + rng.normal(0, 8, clean.shape)
    noisy[..., 2] += rng.normal(0, 25, clean.shape[:2])[..., None]
    image = scenes.project(noisy) + rng.normal(0, 1.5, (*clean.shape[:3], 2))
    visible = rng.random((2, frames)) >= 0.02
    visible[1] &= (image[1, :, 27, 0] > 0) & (image[1, :, 27, 0] < scenes.WIDTH)
    # Random detector order: sort each frame's people by a random key, present ones first.
    key = np.where(visible.T, rng.random((frames, 2)), 2.0)
    order = np.argsort(key, axis=1)  # (F, 2): person in each slot
    rows = np.arange(frames)[:, None]
    filled = visible.T[rows, order]
    p3 = np.where(filled[..., None, None], noisy.transpose(1, 0, 2, 3)[rows, order], np.nan)
    p2 = np.where(filled[..., None, None], image.transpose(1, 0, 2, 3)[rows, order], np.nan)
    low = np.where(filled[..., None], np.nan_to_num(p2).min(axis=2), np.nan)
    high = np.where(filled[..., None], np.nan_to_num(p2).max(axis=2), np.nan)
    score = np.clip(0.9 + rng.normal(0, 0.03, (frames, 2)), 0, 1)
    boxes = np.concatenate([low, high - low, score[..., None]], axis=-1)
    boxes[~filled] = np.nan
    truth = np.where(filled, order, -1)
    template = make_predictions(2, 1, 43)
    fields = {name: getattr(template, name) for name in type(template).model_fields}
    fields["metadata"] = template.metadata.model_copy(
        update={"frame_count": frames, "duration_s": frames / fps, "fps": fps}
    )
    fields.update(
        times_s=times,
        boxes=boxes.astype(np.float32),
        poses3d=p3.astype(np.float32),
        poses2d=p2.astype(np.float32),
        track_ids=np.full((frames, 2), -1, np.int32),
        joint_confidence=None,
    )
    return VideoPredictions(**fields), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    (predictions, truth), build_s = _timed(build, args.minutes)
    names = predictions.skeleton.joint_names
    edges = predictions.skeleton.joint_edges
    hips = scenes.HIP_JOINTS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.npz"
        io.save_predictions(predictions, path)
        size = path.stat().st_size / 1e6
        p, first_load = _timed(io.load_predictions, path)
        loads = [first_load] + [
            _timed(io.load_predictions, path)[1] for _ in range(args.repeats - 1)
        ]

    def track() -> TrackingResult:
        return track_people(
            p.times_s, p.boxes, p.poses2d, p.poses3d, joint_edges=edges, root_joints=hips
        )

    def subject(ids: npt.ArrayLike) -> SubjectChoice:
        return choose_subject(
            p.times_s,
            ids,
            p.boxes,
            p.poses3d,
            frame_size=(p.metadata.width, p.metadata.height),
            root_joints=hips,
            movement_joints=scenes.RIGHT_ARM,
        )

    def clean(ids: npt.ArrayLike, chosen: int) -> CleanedTrajectory:
        return clean_trajectory(track_trajectory(p.poses3d, ids, chosen), p.times_s)

    warm_start = time.perf_counter()
    result = track()
    choice = subject(result.track_ids)
    cleaned = clean(result.track_ids, choice.chosen)
    warm_s = time.perf_counter() - warm_start
    timings: dict[str, float] = {}
    for _ in range(args.repeats):
        result, track_s = _timed(track)
        choice, subject_s = _timed(subject, result.track_ids)
        cleaned, clean_s = _timed(clean, result.track_ids, choice.chosen)
        for label, seconds in (("track", track_s), ("subject", subject_s), ("clean", clean_s)):
            timings[label] = min(timings.get(label, np.inf), seconds)
    load_s = min(loads)
    total = timings["track"] + timings["clean"]
    score = scenes.identity_score(truth, result.track_ids)
    quality = quality_summary(cleaned.flags, cleaned.times_s, joint_names=names)
    summary = result.summary
    print(
        f"{p.frame_count} frames x {p.max_people} slots x {p.skeleton.joint_count} joints "
        f"({args.minutes:g} min at {p.metadata.fps:g} fps); built in {build_s:.1f} s; "
        f"file {size:.1f} MB"
    )
    print(f"{'step':28s} {'seconds':>8s} {'x load':>8s}")
    rows = [
        ("load (npz, validated)", load_s),
        ("track (3 passes)", timings["track"]),
        ("choose subject", timings["subject"]),
        ("clean subject (43 joints)", timings["clean"]),
        ("track + clean", total),
        ("track + subject + clean", total + timings["subject"]),
        ("first run (warm-up)", warm_s),
    ]
    for label, seconds in rows:
        print(f"{label:28s} {seconds:8.3f} {seconds / load_s:8.2f}")
    print(f"goal: track + clean <= 2 s: {'met' if total <= 2 else 'MISSED'} ({total:.2f} s)")
    print(
        f"tracks {summary.tracks} (true 2), tracklets {summary.tracklets}, online joins "
        f"{summary.online_joins}, stitches {summary.stitches}, unconfirmed "
        f"{summary.unconfirmed_detections}; identity switches {score.switches}, "
        f"IDF1 {score.idf1:.4f}"
    )
    patient = next(t for t, true in score.mapping.items() if true == 0)
    print(
        f"subject: track {choice.chosen} ({'the patient' if choice.chosen == patient else 'WRONG'}"
        f"); cleaned {quality.observed:.1%} observed, {quality.interpolated:.1%} interpolated, "
        f"{quality.missing:.1%} missing on a {cleaned.rate_hz:g} Hz grid"
    )


if __name__ == "__main__":
    main()
