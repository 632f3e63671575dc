"""The array functions of the topic modules, through the package namespace."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from neuropose import analysis as f
from neuropose.analysis import MissingPersonError, ShapeMismatchError, UnknownJointError
from support.predictions import make_predictions


def test_trajectory_has_nan_where_the_person_is_missing():
    predictions = make_predictions(5, [1, 0, 2, 1, 0], 4, tracks=True)
    first = f.person_trajectory(predictions, 0)
    assert first.shape == (5, 4, 3)
    assert np.isnan(first[[1, 4]]).all()
    assert np.isfinite(first[[0, 2, 3]]).all()
    second = f.person_trajectory(predictions, 1)
    assert np.isfinite(second[2]).all()
    assert np.isnan(second[[0, 1, 3, 4]]).all()
    by_track = f.person_trajectory(predictions, 1, by="track")
    np.testing.assert_array_equal(by_track, second)
    with pytest.raises(MissingPersonError, match="person 3"):
        f.person_trajectory(predictions, 3)


def _elbow(angle_deg: float, upper: float = 300.0, lower: float = 250.0) -> np.ndarray:
    """Shoulder, elbow, wrist with the given elbow angle (degrees), in an arbitrary plane."""
    theta = np.radians(angle_deg)
    shoulder = np.array([0.0, -upper, 0.0])
    wrist = lower * np.array([np.sin(theta), -np.cos(theta), 0.0])
    return np.stack([shoulder, np.zeros(3), wrist])


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0, 180.0])
def test_joint_angle_is_exact_on_constructed_geometry(angle):
    rng = np.random.default_rng(int(angle))
    pose = _elbow(angle)
    # Any rotation and translation leaves the angle unchanged.
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    moved = pose @ q + rng.normal(size=3) * 1000
    result = f.joint_angle(np.stack([pose, moved]), 0, 1, 2)
    np.testing.assert_allclose(result, angle, atol=1e-9)


def test_degenerate_bones_give_nan_without_warnings():
    poses = np.stack([_elbow(90.0), np.zeros((3, 3)), np.full((3, 3), np.nan)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = f.joint_angle(poses, 0, 1, 2)
    assert result[0] == pytest.approx(90.0)
    assert np.isnan(result[1:]).all()


def test_joint_angles_by_name_and_unknown_name():
    predictions = make_predictions(6, 1, 43)
    angles = f.joint_angles(predictions, [("lsho1", "lelb", "lwri")])
    values = angles[("lsho1", "lelb", "lwri")]
    assert values.shape == (6,)
    assert np.all((values >= 0) & (values <= 180))
    with pytest.raises(
        UnknownJointError, match="has no joint 'elbow'; its joints are: head, lhead"
    ):
        f.joint_angles(predictions, [("lsho1", "elbow", "lwri")])


def test_root_relative_and_body_size():
    rng = np.random.default_rng(3)
    poses = rng.normal(size=(10, 5, 3)) * 100 + 2000
    relative = f.root_relative(poses, [0, 1])
    np.testing.assert_allclose(relative[:, [0, 1]].mean(axis=1), 0, atol=1e-9)
    normalized = f.normalize_body_size(poses)
    doubled = f.normalize_body_size(poses * 2)
    np.testing.assert_allclose(normalized, doubled, atol=1e-12)


def test_time_normalize_and_padding():
    series = np.linspace(0, 9, 10)[:, None]
    series[4] = np.nan
    resampled = f.time_normalize(series, 19)
    np.testing.assert_allclose(resampled[:, 0], np.linspace(0, 9, 19))
    padded = f.pad_to_length(np.ones((3, 2)), 5)
    assert np.isnan(padded[3:]).all()
    assert np.array_equal(f.pad_to_length(np.ones((3, 2)), 5, mode="edge"), np.ones((5, 2)))
    with pytest.raises(ShapeMismatchError):
        f.pad_to_length(np.ones((6, 2)), 5)


@pytest.mark.parametrize("per_frame", [False, True])
def test_procrustes_recovers_a_similarity_and_never_reflects(per_frame):
    rng = np.random.default_rng(4)
    target = rng.normal(size=(4, 6, 3)) * 100
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    if np.linalg.det(q) < 0:
        q[:, 0] *= -1
    source = (target - 50) @ q.T / 1.7
    result = f.procrustes(source, target, per_frame=per_frame)
    np.testing.assert_allclose(result.aligned, target, atol=1e-6)
    rotations = np.reshape(result.rotation, (-1, 3, 3))
    assert np.allclose(np.linalg.det(rotations), 1.0)
    # A mirrored pose cannot be matched by a rotation: the fit stays a rotation, with error.
    mirrored = target * np.array([-1.0, 1.0, 1.0])
    reflected = f.procrustes(mirrored, target, per_frame=per_frame)
    assert np.allclose(np.linalg.det(np.reshape(reflected.rotation, (-1, 3, 3))), 1.0)
    assert np.all(np.asarray(reflected.rmsd_mm) > 1.0)


def test_procrustes_on_unequal_lengths_is_a_named_error():
    with pytest.raises(ShapeMismatchError, match="time_normalize"):
        f.procrustes(np.zeros((5, 3, 3)), np.zeros((6, 3, 3)))


def test_summary_and_peaks():
    stats = f.summary_statistics([1.0, np.nan, 3.0])
    assert stats == {
        "mean": 2.0,
        "std": pytest.approx(np.sqrt(2)),
        "min": 1.0,
        "max": 3.0,
        "range": 2.0,
        "valid": 2,
    }
    assert f.summary_statistics([np.nan])["valid"] == 0
    signal = np.sin(np.linspace(0, 6 * np.pi, 300))
    signal[50] = np.nan
    peaks, _ = f.find_peaks(signal, prominence=0.5)
    assert len(peaks) == 3


def test_the_compatibility_module_reexports_the_same_functions():
    from neuropose.analysis import features

    assert features.__all__
    for name in features.__all__:
        assert getattr(features, name) is getattr(f, name), name


def test_every_topic_module_name_is_importable_from_the_package():
    for module in (
        f.trajectories,
        f.normalize,
        f.resample,
        f.alignment,
        f.angles,
        f.stats,
        f.compare,
        f.reports,
        f.frame_table,
    ):
        for name in module.__all__:
            assert getattr(f, name) is getattr(module, name), f"{module.__name__}.{name}"
            assert name in f.__all__, name


def test_time_normalize_uses_the_timestamps():
    # A phone video: 30 fps for the first second, 15 fps for the next. Resampling by frame
    # index put 0-100 % of the frames, not of the time, on the grid (a 22 % amplitude error
    # at the quarter of this movement); the timestamps put it right.
    times = np.concatenate([np.arange(0, 1, 1 / 30), np.arange(1, 2, 1 / 15)])
    values = np.sin(np.pi * times)[:, None]
    expected = np.sin(np.pi * np.linspace(times[0], times[-1], 101))
    resampled = f.time_normalize(values, 101, times)
    np.testing.assert_allclose(resampled[:, 0], expected, atol=0.01)
    by_frame = f.time_normalize(values, 101)
    assert np.abs(by_frame[:, 0] - expected).max() > 0.2
    # Repeated timestamps count once; broken ones are named.
    repeated = np.insert(times, 10, times[10])
    np.testing.assert_allclose(
        f.time_normalize(np.insert(values, 10, values[10], axis=0), 101, repeated), resampled
    )
    with pytest.raises(f.TimestampError, match="never advance"):
        f.time_normalize(values[:3], 5, np.zeros(3))


def test_joint_indices_out_of_range_are_named_errors():
    poses = np.random.default_rng(0).normal(size=(2, 4, 3))
    with pytest.raises(f.JointIndexError, match=r"last=-1 is not a joint index"):
        f.joint_angle(poses, 0, 1, -1)
    with pytest.raises(f.JointIndexError, match=r"vertex=4 is not a joint index"):
        f.joint_angle(poses, 0, 4, 1)
