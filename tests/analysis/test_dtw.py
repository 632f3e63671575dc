from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from neuropose.analysis import DTWInputError, JointIndexError, ShapeMismatchError
from neuropose.analysis.dtw import dtw, dtw_all, dtw_distance_matrix, dtw_per_joint, dtw_relation


def in_band(i: int, j: int, n: int, m: int, window: int | None) -> bool:
    """tslearn's Sakoe-Chiba mask (sakoe_chiba_mask(n, m, radius=window)), from its definition.

    For n <= m, row i allows columns max(0, i - radius) .. i + (m - n) + radius; for n > m the
    same with the roles of rows and columns swapped.
    """
    if window is None:
        return True
    if n <= m:
        return i - window <= j <= i + (m - n) + window
    return j - window <= i <= j + (n - m) + window


def reference_dtw(a: np.ndarray, b: np.ndarray, window: int | None = None) -> float:
    """Textbook DTW: a double loop, nothing clever, inside tslearn's band."""
    n, m = len(a), len(b)
    big = math.inf
    table = [[big] * (m + 1) for _ in range(n + 1)]
    table[0][0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if not in_band(i - 1, j - 1, n, m, window):
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
    assert all(in_band(i, j, len(a), len(b), window) for i, j in result.path)


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


# ------------------------------------------------------------------ the band, against dtaidistance
unequal = st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(1, 4)).filter(
    lambda t: t[0] != t[1]
)


@settings(max_examples=200, deadline=None)
@given(unequal, st.integers(0, 8), st.integers(0, 2**32 - 1))
def test_windowed_dtw_on_unequal_lengths_equals_dtaidistance(shape, window, seed):
    # dtaidistance's window counts the diagonal (window=1 is lock-step); ours is tslearn's
    # radius, so ours + 1 is theirs. inner_dist="euclidean" sums Euclidean frame distances.
    from dtaidistance import dtw as dtai
    from dtaidistance import dtw_ndim

    n, m, dims = shape
    rng = np.random.default_rng(seed)
    a, b = rng.normal(0, 100, (n, dims)), rng.normal(0, 100, (m, dims))
    ours = dtw(a, b, window=window)
    if dims == 1:
        theirs = dtai.distance(a[:, 0], b[:, 0], window=window + 1, inner_dist="euclidean")
        python = dtai.distance(
            a[:, 0], b[:, 0], window=window + 1, inner_dist="euclidean", use_c=False
        )
        assert python == pytest.approx(theirs, rel=1e-12)
    else:
        theirs = dtw_ndim.distance(a, b, window=window + 1, inner_dist="euclidean")
    assert ours.distance == pytest.approx(theirs, rel=1e-11)
    assert ours.distance == pytest.approx(reference_dtw(a, b, window), rel=1e-11)
    assert all(in_band(i, j, n, m, window) for i, j in ours.path)


def test_the_band_is_widened_on_the_longer_sides_only():
    # n = 3, m = 6, window 0: tslearn allows 0 <= j - i <= 3 and never j < i.
    a = np.array([0.0, 0.0, 10.0])
    b = np.array([10.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    result = dtw(a, b, window=0)
    assert all(0 <= j - i <= 3 for i, j in result.path)
    assert result.distance == pytest.approx(reference_dtw(a[:, None], b[:, None], 0))


# ---------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": -1}, "window must be >= 0"),
        ({"window": True}, "window must be a whole number"),
        ({"window": 2.5}, "window must be a whole number"),
        ({"radius": -1}, "radius must be >= 0"),
        ({"method": "fastdtw", "window": 3}, "fastdtw has no Sakoe-Chiba window"),
        ({"method": "slow"}, "method must be 'exact' or 'fastdtw'"),
        ({"nan_policy": "ignore"}, "nan_policy must be"),
    ],
)
def test_invalid_options_are_named_errors(options, message):
    a, b = np.arange(5.0), np.arange(6.0)
    with pytest.raises(DTWInputError, match=message):
        dtw(a, b, **options)


def test_fastdtw_reports_its_radius_and_no_window():
    result = dtw(np.arange(5.0), np.arange(7.0), method="fastdtw", radius=2)
    assert result.window is None
    assert result.radius == 2


def test_infinite_values_are_refused():
    a = np.arange(6.0)[:, None].repeat(2, axis=1)
    a[3, 1] = np.inf
    with pytest.raises(DTWInputError, match=r"infinite value \(frame 3, value 1\)"):
        dtw(a, np.zeros((4, 2)))


def test_overflowing_inputs_raise_instead_of_crashing_the_interpreter():
    # Frame distances of 1e308-sized values overflow to infinity; the kernel used to index
    # out of bounds when tracing the path back through infinities (a segfault), so the call
    # runs in a child process whose death would fail this test instead of the suite.
    probe = (
        "import numpy as np\n"
        "from neuropose.analysis import DTWInputError\n"
        "from neuropose.analysis.dtw import dtw\n"
        "a = np.full((7, 3), 1e308); b = -np.full((9, 3), 1e308)\n"
        "for window in (None, 1):\n"
        "    try:\n"
        "        dtw(a, b, window=window)\n"
        "    except DTWInputError as error:\n"
        "        print('named:', error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("named: frame distances overflow to infinity") == 2


def test_interpolating_a_value_that_is_always_nan_is_a_named_error():
    a = np.random.default_rng(0).normal(size=(8, 3))
    b = a.copy()
    b[:, 1] = np.nan
    with pytest.raises(DTWInputError, match=r"value 1 of every frame of b is NaN"):
        dtw(a, b, nan_policy="interpolate")


def test_joint_indices_are_range_checked():
    poses = np.random.default_rng(0).normal(size=(6, 4, 3))
    with pytest.raises(JointIndexError, match=r"other=5 is not a joint index: the poses have 4"):
        dtw_relation(poses, poses, 0, 5)
    with pytest.raises(JointIndexError, match="joint=-1"):
        dtw_relation(poses, poses, -1, 0)


def test_windowed_memory_grows_with_the_window_not_with_the_lengths():
    # 200,000 frames each: a full cost or accumulation matrix would be 320 GB. The band of
    # width 11 needs about 18 MB.
    frames = 200_000
    t = np.linspace(0, 200, frames)
    a = np.stack([np.sin(t), np.cos(t)], axis=1)
    b = np.stack([np.sin(t + 0.001), np.cos(t + 0.001)], axis=1)
    result = dtw(a, b, window=5)
    assert len(result.path) >= frames
    # b is a one sample shift of a: warping pairs the shifted samples (the lock-step sum is 200).
    assert 0 <= result.distance <= 0.01 < np.linalg.norm(a - b, axis=1).sum()
    assert np.all(np.abs(result.path[:, 0] - result.path[:, 1]) <= 5)
