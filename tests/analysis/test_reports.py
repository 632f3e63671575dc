"""joint_angle_report: the report ``neuropose analyze`` prints and saves."""

from __future__ import annotations

import numpy as np
import pytest

from neuropose.analysis import UnknownJointError, angle_summary, joint_angle_report
from neuropose.schema import io
from support.predictions import make_predictions


def _angle_deg(poses: np.ndarray, first: int, vertex: int, last: int) -> np.ndarray:
    """The included angle from its definition, arccos of the normalised dot product."""
    u, v = poses[:, first] - poses[:, vertex], poses[:, last] - poses[:, vertex]
    cosine = np.sum(u * v, axis=1) / (np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1))
    return np.degrees(np.arccos(np.clip(cosine, -1, 1)))


def test_report_summarises_each_angle(tmp_path):
    predictions = make_predictions(9, [1, 1, 0, 1, 1, 1, 0, 1, 1], 43)
    names = predictions.skeleton.joint_names
    triplets = [("lsho1", "lelb", "lwri"), ("rhipb", "rkne", "rank")]
    report = joint_angle_report(predictions, triplets, source_name="p.npz")
    assert report.source_files == ("p.npz",)
    assert report.skeleton == "berkeley_mhad_43"
    poses = np.asarray(predictions.poses3d[:, 0], dtype=np.float64)
    present = predictions.person_mask[:, 0]
    for summary, triplet in zip(report.angles, triplets, strict=True):
        expected = _angle_deg(poses[present], *(names.index(n) for n in triplet))
        assert summary.joints == triplet
        assert summary.valid_frames == 7
        assert summary.mean_deg == pytest.approx(expected.mean(), abs=1e-6)
        assert summary.std_deg == pytest.approx(expected.std(ddof=1), abs=1e-6)
        assert summary.min_deg == pytest.approx(expected.min(), abs=1e-6)
        assert summary.max_deg == pytest.approx(expected.max(), abs=1e-6)
    io.save(report, tmp_path / "report.json")
    assert io.load_analysis_report(tmp_path / "report.json") == report


def test_source_defaults_to_the_video_and_unknown_joints_are_named():
    predictions = make_predictions(3, 1, 43)
    report = joint_angle_report(predictions, [("lsho1", "lelb", "lwri")])
    assert report.source_files == ("trial.mp4",)
    with pytest.raises(UnknownJointError, match="no joint 'elbow'"):
        joint_angle_report(predictions, [("lsho1", "elbow", "lwri")])


def test_an_angle_never_defined_has_no_statistics():
    summary = angle_summary(("a", "b", "c"), [np.nan, np.nan])
    assert summary.valid_frames == 0
    assert summary.mean_deg is None
    assert summary.std_deg is None
