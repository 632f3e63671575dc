from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuropose.analysis import ShapeMismatchError
from neuropose.analysis.dtw import dtw, dtw_all, dtw_distance_matrix, dtw_per_joint, dtw_relation


def reference_dtw(a: np.ndarray, b: np.ndarray, window: int | None = None) -> float:
    """Textbook DTW: a double loop, nothing clever."""
    n, m = len(a), len(b)
    if window is not None:
        window = max(window, abs(n - m))
    big = math.inf
    table = [[big] * (m + 1) for _ in range(n + 1)]
    table[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if window is not None and abs(i - j) > window:
                continue
            cost = math.sqrt(
                sum((float(x) - float(y)) ** 2 for x, y in zip(a[i - 1], b[j - 1], strict=True))
            )
            table[i][j] = cost + min(table[i - 1][j], table[i][j - 1], table[i - 1][j - 1])
    return table[n][m]


def _path_cost(a: np.ndarray, b: np.ndarray, path: np.ndarray) -> float:
    return float(sum(np.linalg.norm(a[i] - b[j]) for i, j in path))


def _assert_valid_path(path: np.ndarray, n: int, m: int) -> None:
    assert tuple(path[0]) == (0, 0)
    assert tuple(path[-1]) == (n - 1, m - 1)
    steps = np.diff(path, axis=0)
    assert {tuple(s) for s in steps} <= {(1, 0), (0, 1), (1, 1)}


sequences = st.integers(1, 14).flatmap(
    lambda dims: st.tuples(
        arrays(
            np.float64, st.tuples(st.integers(1, 25), st.just(dims)), elements=st.floats(-1e3, 1e3)
        ),
        arrays(
            np.float64, st.tuples(st.integers(1, 25), st.just(dims)), elements=st.floats(-1e3, 1e3)
        ),
    )
)


@settings(max_examples=150, deadline=None)
@given(sequences, st.one_of(st.none(), st.integers(0, 6)))
def test_exact_dtw_equals_the_reference(pair, window):
    a, b = pair
    result = dtw(a, b, window=window)
    expected = reference_dtw(a, b, window)
    assert result.distance == pytest.approx(expected, rel=1e-9, abs=1e-9)
    _assert_valid_path(result.path, len(a), len(b))
    assert _path_cost(a, b, result.path) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    if window is not None:
        band = max(window, abs(len(a) - len(b)))
        assert np.all(np.abs(result.path[:, 0] - result.path[:, 1]) <= band)


@settings(max_examples=25, deadline=None)
@given(sequences)
def test_fastdtw_with_a_large_radius_agrees(pair):
    a, b = pair
    fast = dtw(a, b, method="fastdtw", radius=max(len(a), len(b)))
    assert fast.distance == pytest.approx(reference_dtw(a, b), rel=1e-9, abs=1e-9)


def test_known_warp():
    a = np.array([0.0, 1.0, 2.0, 3.0])
    b = np.array([0.0, 0.0, 1.0, 2.0, 2.0, 3.0])
    result = dtw(a, b)
    assert result.distance == 0.0
    assert result.path.tolist() == [[0, 0], [0, 1], [1, 2], [2, 3], [2, 4], [3, 5]]
    assert result.normalized_distance == 0.0


def test_pose_entry_points():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(12, 4, 3)), rng.normal(size=(9, 4, 3))
    whole = dtw_all(a, b)
    assert whole.distance == pytest.approx(reference_dtw(a.reshape(12, -1), b.reshape(9, -1)))
    per_joint = dtw_per_joint(a, b)
    assert len(per_joint) == 4
    assert per_joint[2].distance == pytest.approx(reference_dtw(a[:, 2], b[:, 2]))
    relation = dtw_relation(a, b, 1, 0)
    assert relation.distance == pytest.approx(reference_dtw(a[:, 1] - a[:, 0], b[:, 1] - b[:, 0]))
    with pytest.raises(ShapeMismatchError, match="same skeleton"):
        dtw_all(a, rng.normal(size=(9, 5, 3)))


def test_nan_policies_keep_original_indices():
    a = np.arange(8, dtype=float)[:, None]
    b = np.arange(8, dtype=float)[:, None]
    b[3] = np.nan
    assert math.isnan(dtw(a, b).distance)
    assert len(dtw(a, b).path) == 0
    interpolated = dtw(a, b, nan_policy="interpolate")
    assert interpolated.distance == 0.0
    dropped = dtw(a, b, nan_policy="drop")
    assert 3 not in dropped.path[:, 1]
    assert dropped.path[-1].tolist() == [7, 7]
    assert dropped.distance == pytest.approx(1.0)  # a[3] pairs with b[2] or b[4]


def test_distance_matrix_matches_pairwise_and_uses_processes():
    rng = np.random.default_rng(2)
    trials = [rng.normal(size=(int(rng.integers(5, 15)), 6)) for _ in range(5)]
    matrix = dtw_distance_matrix(trials, workers=2)
    assert matrix.shape == (5, 5)
    assert np.allclose(matrix, matrix.T)
    assert np.all(np.diag(matrix) == 0)
    assert matrix[1, 3] == pytest.approx(reference_dtw(trials[1], trials[3]))
    assert np.array_equal(matrix, dtw_distance_matrix(trials, workers=1))
