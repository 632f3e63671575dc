"""``track``, ``people``, ``clean``, ``export`` and ``--person`` on files with two people."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from neuropose.analysis import export as export_package
from neuropose.analysis import joint_angle, joint_indices, person_trajectory
from neuropose.cli._app import main
from neuropose.cli._tracking import TrackingEstimator, tracked
from neuropose.schema import (
    NO_TRACK,
    CleaningConfig,
    QualityFlag,
    TrackingConfig,
    VideoPredictions,
    io,
)
from support.clinic import ELBOW, clinic
from support.fake_estimator import FakeEstimator
from support.predictions import make_predictions

PATIENT_TRACK, CLINICIAN_TRACK = 1, 0  # ids by first appearance, left to right


@pytest.fixture
def clinic_file(tmp_path):
    path = tmp_path / "clinic.npz"
    io.save_predictions(clinic().predictions, path)
    return path


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ the case of the issue
def test_analyze_reports_the_patient_not_a_mix_of_both(clinic_file, capsys):
    predictions = io.load_predictions(clinic_file)
    # What reading "slot 0" gave: either person, frame by frame.
    old = joint_angle(
        person_trajectory(predictions, 0, by="slot"), *joint_indices(predictions.skeleton, ELBOW)
    )
    assert abs(np.nanmean(old) - 170.0) > 20

    assert main(["analyze", str(clinic_file), "--angle", ",".join(ELBOW), "--json"]) == 0
    report = _json(capsys)
    assert report["angles"][0]["mean_deg"] == pytest.approx(170.0, abs=1.0)
    person = report["notes"][0]
    assert person.startswith(f"person: track {PATIENT_TRACK} (chosen by the subject rule")
    assert "coverage_confidence_movement v1" in person
    assert any("100% observed" in note for note in report["notes"])

    # The clinician, asked for by id.
    assert main(["analyze", str(clinic_file), "--angle", ",".join(ELBOW), "--person", "0"]) == 0
    out = capsys.readouterr()
    assert float(out.out.split("mean ")[1].split(" deg")[0]) == pytest.approx(90.0, abs=1.0)
    assert f"person: track {CLINICIAN_TRACK} (given" in out.err


def test_people_chooses_the_patient_and_explains(clinic_file, capsys):
    assert main(["people", str(clinic_file), "--json"]) == 0
    listing = _json(capsys)
    assert listing["chosen"] == PATIENT_TRACK
    assert listing["tracked_on_load"] is True
    assert listing["warning"] is None
    rows = {row["track_id"]: row for row in listing["tracks"]}
    assert set(rows) == {0, 1}
    assert rows[PATIENT_TRACK]["chosen"]
    assert not rows[CLINICIAN_TRACK]["chosen"]
    assert rows[PATIENT_TRACK]["coverage"] == pytest.approx(1.0)
    assert rows[PATIENT_TRACK]["movement"] > 2 * rows[CLINICIAN_TRACK]["movement"]
    assert rows[PATIENT_TRACK]["reason"].startswith("highest score")
    assert listing["rule"]["rule"] == "coverage_confidence_movement"

    assert main(["people", str(clinic_file)]) == 0
    text = capsys.readouterr().out
    assert "2 track(s) in clinic.mp4" in text
    assert "yes: highest score" in text


def test_people_warns_naming_both_when_two_tracks_tie(tmp_path, capsys):
    # Two people alike, equally far from the centre, moving alike: the rule cannot tell.
    twins = clinic(
        clinician_deg=170.0,
        clinician_swing_rad=0.5,
        patient_root_mm=(800.0, 0.0, 3300.0),
        clinician_root_mm=(-800.0, 0.0, 3300.0),
    ).predictions
    path = tmp_path / "twins.npz"
    io.save_predictions(twins, path)
    assert main(["people", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    listing = json.loads(captured.out)
    assert listing["warning"] is not None
    assert sorted(listing["warning"]["track_ids"]) == [0, 1]
    assert "tracks 0 and 1 score within 10%" in captured.err.replace(
        "tracks 1 and 0", "tracks 0 and 1"
    )


# ------------------------------------------------------------------------------- track
def test_track_writes_ids_flags_and_the_tracker_into_a_new_file(clinic_file, tmp_path, capsys):
    out = tmp_path / "tracked.npz"
    assert main(["track", str(clinic_file), "-o", str(out), "--json"]) == 0
    summary = _json(capsys)
    assert summary["tracks"] == 2
    assert summary["config"]["method"] == "hungarian_online_stitch"
    tracked_file = io.load_predictions(out)
    assert tracked_file.provenance.tracking == TrackingConfig()
    assert set(np.unique(tracked_file.track_ids).tolist()) == {0, 1}
    truth = clinic().truth  # the patient is person 0 of the scene, track 1 of the file
    assert np.array_equal(tracked_file.track_ids == PATIENT_TRACK, truth == 0)
    assert tracked_file.quality_flags is not None
    assert np.all(tracked_file.quality_flags == QualityFlag.OBSERVED)

    # Never over the input, and never over a file without --force.
    assert main(["track", str(clinic_file), "-o", str(clinic_file), "--force"]) == 3
    assert "raw data are never overwritten" in capsys.readouterr().err
    assert main(["track", str(clinic_file), "-o", str(out)]) == 3
    assert "already exists; use --force" in capsys.readouterr().err
    assert main(["track", str(clinic_file), "-o", str(tmp_path / "t.csv")]) == 2


# ------------------------------------------------------------------------------- clean
def test_clean_writes_the_subject_alone_on_a_uniform_grid(clinic_file, tmp_path, capsys):
    predictions = io.load_predictions(clinic_file)
    times = np.array(predictions.times_s)
    times[1::2] += 0.004  # variable frame rate
    fields = {name: getattr(predictions, name) for name in VideoPredictions.model_fields}
    vfr = tmp_path / "vfr.npz"
    io.save_predictions(VideoPredictions(**{**fields, "times_s": times}), vfr)
    before = vfr.read_bytes()
    out = tmp_path / "clean.npz"
    code = main(
        ["clean", str(vfr), "-o", str(out), "--task", "reach", "--max-gap-s", "0.2", "--json"]
    )
    assert code == 0
    report = _json(capsys)
    assert report["person"]["id"] == PATIENT_TRACK
    assert report["config"]["cutoff_hz"] == 6.0
    cleaned = io.load_predictions(out)
    assert vfr.read_bytes() == before  # raw data untouched
    assert cleaned.max_people == 1
    assert set(np.unique(cleaned.track_ids).tolist()) == {PATIENT_TRACK}
    assert np.allclose(np.diff(cleaned.times_s), np.median(np.diff(times)))
    assert cleaned.provenance.cleaning == CleaningConfig(task="reach", max_gap_s=0.2)
    assert cleaned.provenance.subject is not None
    assert cleaned.provenance.subject.chosen == PATIENT_TRACK
    assert cleaned.quality_flags is not None
    assert np.all(cleaned.quality_flags & (QualityFlag.OBSERVED | QualityFlag.INTERPOLATED))
    angle = joint_angle(person_trajectory(cleaned), *joint_indices(cleaned.skeleton, ELBOW))
    assert np.nanmean(angle) == pytest.approx(170.0, abs=1.0)

    assert main(["clean", str(vfr), "-o", str(vfr), "--force"]) == 3
    assert main(["clean", str(vfr), "-o", str(out)]) == 3
    assert main(["clean", str(vfr), "-o", str(out), "--force", "--cutoff-hz", "none"]) == 0
    cleaning = io.load_predictions(out).provenance.cleaning
    assert cleaning is not None
    assert cleaning.cutoff_hz is None
    assert main(["clean", str(vfr), "-o", str(out), "--force", "--task", "swimming"]) == 2
    assert main(["clean", str(vfr), "-o", str(out), "--force", "--cutoff-hz", "fast"]) == 2
    assert main(["clean", str(vfr), "-o", str(out), "--force", "--person", "7"]) == 3
    assert "track 7 is not in clinic.mp4; its tracks are 0, 1" in capsys.readouterr().err


# ---------------------------------------------------------------------- quality refusals
def test_a_mostly_missing_person_is_refused_unless_gaps_are_allowed(tmp_path, capsys):
    counts = [1] * 20 + [0] * 40  # seen for the first third only
    path = tmp_path / "brief.npz"
    io.save_predictions(make_predictions(60, counts, 43, tracks=True), path)
    angle = ["--angle", "lsho1,lelb,lwri"]
    assert main(["analyze", str(path), *angle]) == 3
    err = capsys.readouterr().err
    assert "is observed in only 33% of 0.00-1.97 s" in err
    assert "--allow-gaps" in err
    assert main(["analyze", str(path), *angle, "--allow-gaps", "--json"]) == 0
    report = _json(capsys)
    assert report["angles"][0]["valid_frames"] == 20
    assert "33% observed" in report["notes"][-1]
    segment = ["segment", str(path), "--extractor", "joint_axis", "-j", "lwri", "--axis", "y"]
    assert main(segment) == 3
    assert main([*segment, "--allow-gaps"]) == 0
    capsys.readouterr()
    assert main(["compare", str(path), str(path)]) == 3
    assert main(["compare", str(path), str(path), "--allow-gaps", "--json"]) == 0
    preprocessing = _json(capsys)["preprocessing"]
    assert preprocessing[0].startswith("reference person track 0 (chosen by the subject rule")


def test_an_untracked_file_with_two_people_is_tracked_on_load(tmp_path, capsys):
    from neuropose.analysis import track_predictions

    predictions = make_predictions(30, 2, 43, seed=3)
    path = tmp_path / "two.npz"
    io.save_predictions(predictions, path)
    tracked_here, _ = track_predictions(predictions)
    slot = int(np.flatnonzero(tracked_here.track_ids[0] == 1)[0])
    indices = joint_indices(predictions.skeleton, ("lsho1", "lelb", "lwri"))
    expected = np.nanmean(joint_angle(person_trajectory(predictions, slot, by="slot"), *indices))
    args = ["analyze", str(path), "--angle", "lsho1,lelb,lwri", "--json"]
    assert main([*args, "--person", "1"]) == 0
    report = _json(capsys)
    assert report["angles"][0]["mean_deg"] == pytest.approx(expected, rel=1e-9)
    assert report["notes"][0].startswith("person: track 1 (given; ids assigned on load")
    assert any("has no track ids: tracked on load" in note for note in report["notes"])


# ------------------------------------------------------------------------------ export
def test_export_all_people_to_parquet_keeps_both_ids(clinic_file, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "both.parquet"
    assert main(["export", str(clinic_file), "--format", "parquet", "-o", str(out)]) == 0
    table = pq.read_table(out).to_pandas()
    assert set(table["track_id"].unique()) == {PATIENT_TRACK}  # auto: the subject
    assert (
        main(["export", str(clinic_file), "--format", "parquet", "-o", str(out), "--person", "all"])
        == 3
    )  # exists
    capsys.readouterr()
    code = main(
        [
            "export",
            str(clinic_file),
            "--format",
            "parquet",
            "-o",
            str(out),
            "--person",
            "all",
            "--force",
        ]
    )
    assert code == 0
    table = pq.read_table(out).to_pandas()
    assert set(table["track_id"].unique()) == {0, 1}
    assert len(table) == 2 * 180 * 43
    assert set(table["flag"].unique()) == {int(QualityFlag.OBSERVED)}


def test_export_cleaned_csv_carries_the_flags(clinic_file, tmp_path):
    out = tmp_path / "clean.csv"
    assert main(["export", str(clinic_file), "--format", "csv", "-o", str(out), "--cleaned"]) == 0
    lines = out.read_text().splitlines()
    header = lines[0].split(",")
    flags = {int(line.split(",")[header.index("flag")]) for line in lines[1:]}
    tracks = {int(line.split(",")[header.index("track_id")]) for line in lines[1:]}
    assert tracks == {PATIENT_TRACK}
    assert flags <= {1, 5, 8, 12}  # observed, or interpolated (some after an outlier)
    assert 1 in flags


def test_export_mot_writes_the_subjects_clinical_angles(clinic_file, tmp_path):
    out = tmp_path / "angles.mot"
    assert main(["export", str(clinic_file), "--format", "mot", "-o", str(out)]) == 0
    text = out.read_text().splitlines()
    assert "inDegrees=yes" in text
    columns = text[text.index("endheader") + 1].split("\t")
    assert columns[0] == "time"
    assert "elbow_flexion_right" in columns
    rows = np.array(
        [[float(v) for v in line.split("\t")] for line in text[text.index("endheader") + 2 :]]
    )
    # The patient's elbow is nearly straight: 10 degrees of flexion from 170 included.
    flexion = rows[:, columns.index("elbow_flexion_right")]
    assert np.nanmean(flexion) == pytest.approx(10.0, abs=2.0)


def test_export_format_errors(clinic_file, tmp_path, capsys, monkeypatch):
    out = tmp_path / "x.out"
    assert main(["export", str(clinic_file), "--format", "xlsx", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown export format 'xlsx'" in err
    assert "nwb, trc, mot, c3d, parquet, csv, json, npz" in err
    missing = dataclasses.replace(export_package.FORMATS["c3d"], module="no_such_module_here")
    monkeypatch.setitem(export_package.FORMATS, "c3d", missing)
    assert main(["export", str(clinic_file), "--format", "c3d", "-o", str(tmp_path / "a.c3d")]) == 4
    assert 'pip install "neuropose-analysis[c3d]"' in capsys.readouterr().err
    assert not (tmp_path / "a.c3d").exists()


# ---------------------------------------------------------- process and watch track by default
def test_the_tracking_wrapper_gives_results_track_ids(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x" * 40)
    inner = FakeEstimator()
    wrapped = tracked(inner)
    assert isinstance(wrapped, TrackingEstimator)
    assert wrapped.batch == inner.batch  # everything else is the wrapped estimator's
    result = wrapped.process_video(video)
    predictions = result.predictions
    assert np.all(predictions.track_ids[predictions.person_mask] == 0)
    assert predictions.provenance.tracking == TrackingConfig()
    assert predictions.quality_flags is not None
    assert tracked(inner, track=False) is inner
    assert inner.process_video(video).predictions.track_ids.max() == NO_TRACK


def test_hip_centred_files_are_tracked_without_the_3d_root():
    from neuropose.analysis import tracking_config_for
    from neuropose.schema import Frame3d, Units

    predictions = make_predictions(3, 1, 5)
    assert tracking_config_for(predictions).root3d_weight == 1.0
    hip_centred = predictions.model_copy(update={"units": Units(frame3d=Frame3d.HIP_CENTRED)})
    assert tracking_config_for(hip_centred).root3d_weight == 0.0


def test_process_has_a_no_track_flag():
    from typer.testing import CliRunner

    from neuropose.cli._app import app

    for command in ("process", "watch"):
        shown = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
        assert "--no-track" in shown.output


def test_a_joint_gated_out_for_two_seconds_stays_missing_in_the_cleaned_file(tmp_path, capsys):
    from neuropose.analysis import track_predictions

    tracked_file, _ = track_predictions(clinic().predictions)
    patient = np.asarray(tracked_file.track_ids == PATIENT_TRACK)
    confidence = np.where(tracked_file.person_mask[..., None], 0.9, np.nan)
    confidence = np.repeat(confidence, 43, axis=2).astype(np.float32)
    hidden = np.zeros_like(patient)
    hidden[60:120] = patient[60:120]  # 2 s of the patient's right wrist below the gate
    confidence[hidden, 23] = 0.1
    fields = {name: getattr(tracked_file, name) for name in VideoPredictions.model_fields}
    source = tmp_path / "gated.npz"
    io.save_predictions(VideoPredictions(**{**fields, "joint_confidence": confidence}), source)
    out = tmp_path / "clean.json"
    assert main(["clean", str(source), "-o", str(out), "--person", str(PATIENT_TRACK)]) == 0
    cleaned = io.load_predictions(out)
    assert cleaned.quality_flags is not None
    wrist = cleaned.quality_flags[:, 0, 23]
    gated = wrist == QualityFlag.MISSING | QualityFlag.LOW_CONFIDENCE
    assert 55 <= gated.sum() <= 60  # the gap, less nothing: it is longer than max_gap_s
    assert np.isnan(cleaned.poses3d[gated, 0, 23]).all()
    assert np.isfinite(cleaned.poses3d[gated, 0, 22]).all()  # the elbow was seen all along
    assert cleaned.person_mask.all()  # the person is there, without the wrist
    capsys.readouterr()
    assert main(["people", str(out), "--json"]) == 0
    assert _json(capsys)["chosen"] == PATIENT_TRACK
    assert main(["analyze", str(out), "--angle", ",".join(ELBOW), "--json"]) == 0
    report = _json(capsys)
    assert report["angles"][0]["valid_frames"] == cleaned.frame_count - int(gated.sum())
    assert report["angles"][0]["mean_deg"] == pytest.approx(170.0, abs=1.0)
    assert any("missing" in note and "% missing" in note for note in report["notes"])
