from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from neuropose.cli._app import main
from neuropose.cli._context import MissingExtraError, require
from neuropose.schema import JobStatus, JobStatusEntry, StatusFile, io
from support.predictions import make_predictions
from support.textbook_dtw import textbook_dtw


@pytest.mark.parametrize(
    "arguments",
    [["--help"], ["process", "--help"], ["model", "import", "--help"], ["watch", "--help"]],
)
def test_help_loads_nothing_heavy(arguments):
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['neuropose', *{arguments!r}]\n"
        "try:\n    runpy.run_module('neuropose.cli', run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "heavy = [m for m in ('tensorflow', 'cv2', 'numpy', 'scipy', 'neuropose.estimator') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith("HEAVY []"), result.stdout[-300:]


def test_version_lists_every_installed_distribution(capsys):
    assert main(["--version"]) == 0
    printed = capsys.readouterr().out
    for name in (
        "neuropose-schema",
        "neuropose-estimator",
        "neuropose-daemon",
        "neuropose-analysis",
        "neuropose-cli",
    ):
        assert f"{name} 0.1.0" in printed


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["process", "--frobnicate"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_bad_setting_is_an_input_error(monkeypatch, capsys):
    monkeypatch.setenv("NEUROPOSE_BATCH_SIZE", "lots")
    assert main(["status"]) == 3
    assert "NEUROPOSE_BATCH_SIZE" in capsys.readouterr().err


def test_missing_config_file(tmp_path, capsys):
    assert main(["--config", str(tmp_path / "nope.toml"), "status"]) == 3
    assert "nope.toml does not exist" in capsys.readouterr().err


def test_missing_package_names_the_extra():
    with pytest.raises(MissingExtraError, match=r'pip install "neuropose-cli\[all\]"'):
        require("neuropose.nonexistent")


def test_status_table_and_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEUROPOSE_DATA_DIR", str(tmp_path))
    (tmp_path / "out").mkdir()
    entry = JobStatusEntry(name="p1", status=JobStatus.FAILED, error="NoVideosError: none")
    io.save(StatusFile(jobs={"p1": entry}), tmp_path / "out" / "status.json")
    assert main(["status"]) == 0
    assert "p1" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["jobs"]["p1"]["status"] == "failed"


def test_export_csv_and_analyze(tmp_path, capsys):
    predictions = make_predictions(4, [1, 0, 2, 1], 43)
    source = tmp_path / "p.npz"
    io.save_predictions(predictions, source)
    assert main(["export", str(source), "--format", "csv", "-o", str(tmp_path / "p.csv")]) == 0
    lines = (tmp_path / "p.csv").read_text().splitlines()
    # The long table of the subject (--person auto): the file had no track ids, so it was
    # tracked on load; the second person, seen once, never became a track.
    assert lines[0] == "frame,time_s,track_id,joint,x_mm,y_mm,z_mm,u_px,v_px,confidence,flag"
    assert len(lines) == 1 + 43 * 3
    first = lines[1].split(",")
    assert np.float32(first[4]) == predictions.poses3d[0, 0, 0, 0]  # float32, written to 6 decimals
    assert main(["export", str(source), "--format", "json", "-o", str(tmp_path / "p.json")]) == 0
    assert io.load_predictions(tmp_path / "p.json").same_as(predictions)
    capsys.readouterr()
    assert main(["analyze", str(source), "--angle", "lsho1,lelb,lwri", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["angles"][0]["joints"] == ["lsho1", "lelb", "lwri"]
    assert report["angles"][0]["valid_frames"] == 3


def test_unknown_joint_is_an_input_error(tmp_path, capsys):
    source = tmp_path / "p.npz"
    io.save_predictions(make_predictions(30, 1, 43), source)
    code = main(["segment", str(source), "--extractor", "joint_axis", "-j", "wrist", "--axis", "y"])
    assert code == 3
    assert "has no joint 'wrist'; its joints are: head" in capsys.readouterr().err


def test_compare_json(tmp_path, capsys):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    io.save_predictions(make_predictions(20, 1, 43, seed=1), a)
    io.save_predictions(make_predictions(25, 1, 43, seed=1), b)
    assert main(["compare", str(a), str(b), "--json", "--a-range", "0:10"]) == 0
    comparison = json.loads(capsys.readouterr().out)
    assert comparison["method"] == "exact"
    assert comparison["reference"] == "a.npz[0:10]"
    # Independently: person 0, frames 0-9 of A, every frame centred on the midpoint of the
    # hips (--align root: lhipb, lhipf, lhipl, rhipb, rhipf, rhipl), then the textbook DTW
    # over flattened poses.
    hips = [27, 28, 29, 35, 36, 37]
    assert all("hip" in make_predictions(1).skeleton.joint_names[k] for k in hips)
    first = io.load_predictions(a).poses3d[:10, 0].astype("float64")
    second = io.load_predictions(b).poses3d[:, 0].astype("float64")
    expected = textbook_dtw(
        first - first[:, hips].mean(axis=1, keepdims=True),
        second - second[:, hips].mean(axis=1, keepdims=True),
    )
    assert expected > 0
    assert comparison["distance"] == pytest.approx(expected, rel=1e-9)
    assert comparison["normalized_distance"] == pytest.approx(
        expected / comparison["path_length"], rel=1e-9
    )
