"""compare_trials: the comparison ``neuropose compare`` prints, checked against its definition."""

from __future__ import annotations

import numpy as np
import pytest

from neuropose.analysis import (
    AnalysisError,
    MissingPersonError,
    ShapeMismatchError,
    align_poses,
    compare_trials,
)
from neuropose.schema import Skeleton, VideoPredictions
from support.predictions import make_predictions
from support.textbook_dtw import textbook_dtw


def _poses(predictions: VideoPredictions, frames: slice = slice(None)) -> np.ndarray:
    return np.asarray(predictions.poses3d[frames, 0], dtype=np.float64)


def _centred(poses: np.ndarray) -> np.ndarray:
    return poses - poses.mean(axis=1, keepdims=True)


def _body_size(poses: np.ndarray) -> float:
    """Median over frames of the RMS distance of the joints to their mean, written out."""
    sizes = [np.sqrt(np.mean(np.sum((p - p.mean(axis=0)) ** 2, axis=1))) for p in poses]
    return float(np.median(sizes))


@pytest.mark.parametrize("align", ["none", "root", "scale"])
def test_distance_is_the_textbook_dtw_of_the_aligned_poses(align):
    a = make_predictions(12, 1, 5, seed=1)
    b = make_predictions(15, 1, 5, seed=2)
    first, second = _poses(a, slice(2, 10)), _poses(b)
    if align != "none":
        first, second = _centred(first), _centred(second)
    if align == "scale":
        first, second = first / _body_size(first), second / _body_size(second)
    expected = textbook_dtw(first, second)
    comparison = compare_trials(a, b, reference_frames=slice(2, 10), align=align)
    assert expected > 0
    assert comparison.distance == pytest.approx(expected, rel=1e-9)
    assert comparison.normalized_distance == pytest.approx(expected / comparison.path_length)
    assert comparison.reference == "trial.mp4"
    assert comparison.preprocessing == (
        "reference person slot 0",
        "candidate person slot 0",
        f"align {align}",
        "nan_policy interpolate",
    )


def test_labels_window_and_method_are_recorded():
    a = make_predictions(10, 1, 5, seed=1)
    comparison = compare_trials(
        a, a, window=2, reference_label="a.npz[0:10]", candidate_label="b.npz"
    )
    assert (comparison.reference, comparison.candidate) == ("a.npz[0:10]", "b.npz")
    assert comparison.window == 2
    assert comparison.method == "exact"
    assert comparison.distance == 0.0


def test_root_alignment_ignores_where_the_person_stands():
    a = make_predictions(10, 1, 5, seed=1)
    moved = a.model_copy(update={"poses3d": a.poses3d + np.float32(500.0)})
    # Only float32 rounding of the shifted values remains (about 2e-4 mm each near 3 m).
    assert compare_trials(a, moved, align="root").distance == pytest.approx(0.0, abs=0.01)
    assert compare_trials(a, moved, align="none").distance > 1000


def test_align_poses_scale_is_unitless():
    poses = _poses(make_predictions(8, 1, 5, seed=4))
    np.testing.assert_allclose(align_poses(poses * 3, "scale"), align_poses(poses, "scale"))
    with pytest.raises(AnalysisError, match="align must be one of none, root, scale, not 'hips'"):
        align_poses(poses, "hips")  # pyright: ignore[reportArgumentType]  # wrong on purpose: it must be refused


def test_different_skeletons_are_refused():
    a = make_predictions(6, 1, 5)
    other = Skeleton(name="other_5", joint_names=a.skeleton.joint_names, joint_edges=())
    b = a.model_copy(update={"skeleton": other})
    with pytest.raises(
        ShapeMismatchError, match=r"uses skeleton test_5 and trial\.mp4 uses other_5"
    ):
        compare_trials(a, b)


def test_a_missing_person_is_named():
    a = make_predictions(6, 1, 5)
    with pytest.raises(MissingPersonError, match="person 1"):
        compare_trials(a, a, person=1)
