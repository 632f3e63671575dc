"""``neuropose gait``, and the measures of ``segment`` and ``analyze``, from the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from neuropose.cli._app import main
from neuropose.schema import AngleReport, GaitResult, io
from support.bodies import body_array, predictions_from_poses
from support.predictions import make_predictions
from support.walking import Walk, camera_rotation, walking_poses


@pytest.fixture
def walk_file(tmp_path):
    times = np.arange(0, 15, 1 / 30)
    poses = walking_poses("blazepose_33", Walk(), times, camera=camera_rotation(11))
    path = tmp_path / "walk.npz"
    io.save_predictions(predictions_from_poses(poses, times, "blazepose_33"), path)
    return path


def test_gait_json_recovers_the_walk(walk_file, tmp_path, capsys):
    out = tmp_path / "gait.json"
    assert main(["gait", str(walk_file), "--json", "-o", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    stats = {(p["name"], p["side"]): p for p in printed["parameters"]}
    walk = Walk()
    assert stats[("cadence", "both")]["mean"] == pytest.approx(walk.cadence_steps_min, rel=0.02)
    assert stats[("step_length", "left")]["mean"] == pytest.approx(walk.step_length_mm, rel=0.02)
    assert stats[("gait_speed", "right")]["mean"] == pytest.approx(1.2, rel=0.02)
    assert stats[("gait_speed", "right")]["unit"] == "m/s"
    # The file has no track ids: tracked on load, its one walker is track 0.
    assert printed["person"].startswith("track 0 (chosen by the subject rule")
    assert io.load(out, GaitResult).model_dump(mode="json") == printed


def test_gait_table_names_units_and_the_sd(walk_file, capsys):
    assert main(["gait", str(walk_file), "--angle", "knee_flexion"]) == 0
    text = capsys.readouterr().out
    assert "mean ± sample SD (count)" in text
    assert "cadence (steps/min)" in text
    assert "step_length (mm)" in text


def test_gait_on_a_skeleton_without_feet_is_an_input_error(tmp_path, capsys):
    path = tmp_path / "p.npz"
    io.save_predictions(make_predictions(30, 1, 5), path)
    assert main(["gait", str(path)]) == 3
    assert "gait analysis is not defined for skeleton 'test_5'" in capsys.readouterr().err


def _knee_trial(tmp_path):
    period = 1.2
    times = np.arange(0, 6 * period, 1 / 30)
    bend = 30.0 * (1 - np.cos(2 * np.pi * times / period))
    poses = np.stack(
        [
            body_array(
                "smpl_24",
                {"knee_flexion_left": a, "knee_flexion_right": a / 2},
                translation=np.array([0.0, 0.0, 3000.0]),
            )
            for a in bend
        ]
    )
    path = tmp_path / "knees.npz"
    io.save_predictions(predictions_from_poses(poses, times, "smpl_24"), path)
    return path


def test_segment_measures_pads_and_splits(tmp_path, capsys):
    path = _knee_trial(tmp_path)
    out, parts = tmp_path / "seg.json", tmp_path / "parts"
    code = main(
        [
            "segment", str(path), "--extractor", "joint_angle",
            "-j", "left_hip", "-j", "left_knee", "-j", "left_ankle", "--invert",
            "--angle", "knee_flexion", "--pad-s", "0.1", "--split", str(parts), "-o", str(out),
        ]
    )  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "6 repetition(s)" in captured.out
    assert "knee_flexion_left: range of motion 60.0 deg" in captured.out
    assert "knee_flexion symmetry index 66.7 %" in captured.out
    segmentation = io.load_segmentation(out)
    assert segmentation.config.pad_s == 0.1
    assert len(segmentation.measures) == 6
    files = sorted(parts.glob("*.npz"))
    assert [f.name for f in files][:2] == ["knees_rep000.npz", "knees_rep001.npz"]
    assert len(files) == 6
    first = io.load_predictions(files[1])
    assert first.frame_count == segmentation.repetitions[1].end - segmentation.repetitions[1].start


def test_segment_says_why_nothing_was_found(tmp_path, capsys):
    path = _knee_trial(tmp_path)
    code = main(
        [
            "segment", str(path), "--extractor", "joint_axis", "-j", "left_knee",
            "--axis", "y", "--min-prominence", "5000",
        ]
    )  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "0 repetition(s)" in captured.out
    assert "note: no repetition found" in captured.err
    assert "the prominence threshold is 5000 mm" in captured.err


def test_segment_refuses_repeated_joints_as_a_usage_error(tmp_path, capsys):
    path = _knee_trial(tmp_path)
    code = main(
        ["segment", str(path), "--extractor", "joint_pair_distance", "-j", "neck", "-j", "neck"]
    )
    assert code == 2
    assert "neck is repeated" in capsys.readouterr().err


def test_analyze_clinical_angles_and_listing(tmp_path, capsys):
    path = _knee_trial(tmp_path)
    assert main(["analyze", str(path), "--angle", "knee_flexion_left", "--json"]) == 0
    report = AngleReport.model_validate(json.loads(capsys.readouterr().out))
    (summary,) = report.angles
    assert summary.convention.name == "knee_flexion_left"
    assert summary.max_deg == pytest.approx(60.0, abs=0.1)
    assert summary.min_deg == pytest.approx(0.0, abs=0.1)
    assert (
        main(
            [
                "analyze",
                str(path),
                "--angle",
                "knee_flexion",
                "--angle",
                "left_hip,left_knee,left_ankle",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "knee_flexion_right (sagittal, + = flexion" in text
    assert "left_hip-left_knee-left_ankle: mean" in text
    assert main(["analyze", "--list-angles", "--skeleton", "blazepose_33"]) == 0
    listing = capsys.readouterr().out
    assert "trunk_rotation" in listing
    assert "trunk_flexion " not in listing
    assert main(["analyze", str(path), "--list-angles", "--json"]) == 0
    names = [a["name"] for a in json.loads(capsys.readouterr().out)]
    assert "trunk_flexion" in names
    assert main(["analyze", str(path), "--angle", "knee_twist_left"]) == 3
    assert "no clinical angle 'knee_twist_left'" in capsys.readouterr().err


def test_compare_refuses_a_window_with_fastdtw(tmp_path, capsys):
    a = tmp_path / "a.npz"
    io.save_predictions(make_predictions(20, 1, 43, seed=1), a)
    assert main(["compare", str(a), str(a), "--method", "fastdtw", "--window", "3"]) == 3
    assert "fastdtw has no Sakoe-Chiba window" in capsys.readouterr().err
