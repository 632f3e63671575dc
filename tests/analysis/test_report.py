from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from neuropose.analysis import angle_summary, compare_trials, joint_angles, segment_repetitions
from neuropose.analysis.report import (
    CONTENT_SECURITY_POLICY,
    ChromiumNotFoundError,
    JobReportError,
    MissingReportExtraError,
    ReportInputError,
    VideoMismatchError,
    find_chromium,
    job_report_hook,
    render_overlay,
    report_folder,
    resolve_subject,
    write_report,
)
from neuropose.schema import (
    NO_TRACK,
    CorruptFileError,
    DataDirectory,
    JobResults,
    PerformanceMetrics,
    Recipe,
    SchemaValidationError,
    VideoResult,
    load_recipe,
)
from neuropose.schema import (
    io as schema_io,
)
from support.browser import Browser
from support.sessions import elbow_angle, session_predictions, write_session_video
from support.videos import variable_frame_rate, with_rotation

PERIOD_S = 1.5
ELBOW = ("lsho1", "lelb", "lwri")


def report_data(html: Path) -> dict:
    """The JSON the page embeds, read back as any JSON reader would."""
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html.read_text(), re.S
    )
    assert found, "the page has no report-data block"
    return json.loads(found.group(1))


def png_images(html: Path) -> list[bytes]:
    return [
        base64.b64decode(match)
        for match in re.findall(r'src="data:image/png;base64,([^"]+)"', html.read_text())
    ]


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("session")
    video = write_session_video(folder / "reach.mp4", seconds=6.0)
    return video, session_predictions(video, period_s=PERIOD_S)


# ------------------------------------------------------------------------------ recipes
def test_recipe_file_is_validated_and_names_the_bad_key(tmp_path):
    recipe = tmp_path / "study.toml"
    recipe.write_text(
        'task = "reach"\n[segmentation.signal]\nextractor = "joint_angle"\n'
        'joints = ["lsho1", "lelb", "lwri"]\nmin_perod_s = 1.0\n'
    )
    with pytest.raises(SchemaValidationError, match=r"segmentation\.signal\.min_perod_s"):
        load_recipe(recipe)
    recipe.write_text('task = "walking"\n')
    with pytest.raises(SchemaValidationError, match=r"'task'.*'gait'"):
        load_recipe(recipe)
    recipe.write_text("[subject]\nperson = -2\n")
    with pytest.raises(SchemaValidationError, match=r"subject\.person"):
        load_recipe(recipe)
    recipe.write_text("task = \n")
    with pytest.raises(CorruptFileError, match="not valid TOML"):
        load_recipe(recipe)
    with pytest.raises(CorruptFileError, match="does not exist"):
        load_recipe(tmp_path / "missing.toml")


def test_recipe_resolves_its_reference_and_takes_the_tasks_cutoff(tmp_path):
    recipe = tmp_path / "lab" / "study.toml"
    recipe.parent.mkdir()
    recipe.write_text(
        'task = "sit-to-stand"\n[cleaning]\nmax_gap_s = 0.5\n'
        '[comparison]\nreference = "ref/healthy.npz"\nwindow = 30\n'
    )
    loaded = load_recipe(recipe)
    assert loaded.task == "sit_to_stand"
    assert loaded.comparison is not None
    assert Path(loaded.comparison.reference) == tmp_path / "lab" / "ref" / "healthy.npz"
    assert loaded.cleaning is not None
    assert loaded.cleaning.max_gap_s == 0.5
    assert loaded.cleaning.cutoff_hz == 6.0  # the sit-to-stand task's
    assert Recipe().cleaning is None
    assert Recipe().comparison is None
    assert Recipe(task="gait").measures_gait()
    assert not Recipe(task="reach").measures_gait()


# ------------------------------------------------------------- numbers equal the analysis
def test_report_numbers_equal_the_analysis_output(session, tmp_path):
    _, predictions = session
    files = write_report(predictions, tmp_path / "r.html", task="reach", overlay=False)
    data = report_data(files.html)
    assert data == json.loads(json.dumps(files.content.data))  # the page embeds what was computed

    expected = joint_angles(predictions, [ELBOW])[ELBOW]
    times = predictions.times_s
    # poses3d are stored as float32: the angle is exact to about 1e-5 degrees.
    np.testing.assert_allclose(expected, elbow_angle(times, PERIOD_S), atol=1e-4)
    by_name = {a["name"]: a for a in data["angles"]}
    assert by_name["elbow_left"]["joints"] == list(ELBOW)
    assert by_name["elbow_left"]["summary"] == angle_summary(ELBOW, expected).model_dump(
        mode="json"
    )

    # The reach task segments on the elbow that moves most; the analysis finds the same.
    segmentation = data["segmentation"]
    assert segmentation["config"]["joints"] == list(ELBOW)
    config = files.content.recipe.segmentation.signal
    assert config is None  # the task's usual signal, recorded in the report
    from neuropose.schema import SegmentationConfig

    reference = segment_repetitions(
        predictions, SegmentationConfig.model_validate(segmentation["config"])
    )
    assert segmentation["repetitions"] == [r.model_dump(mode="json") for r in reference.repetitions]
    peaks = [r["peak_s"] for r in segmentation["repetitions"]]
    assert len(peaks) == 4
    np.testing.assert_allclose(peaks, (np.arange(4) + 0.5) * PERIOD_S, atol=1.01 / 30)

    rows = data["repetitions"]["rows"]
    assert [row["start"] for row in rows] == [r.start for r in reference.repetitions]
    for row in rows:
        span = expected[row["start"] : row["end"]]
        elbow = row["angles"]["elbow_left"]
        assert elbow["range_of_motion_deg"] == pytest.approx(span.max() - span.min(), abs=1e-9)
        assert elbow["observed"] == 1.0
        speed = np.abs(np.gradient(expected, times))[row["start"] : row["end"]]
        assert elbow["peak_angular_speed_deg_s"] == pytest.approx(speed.max(), rel=1e-9)
        # The true peak speed is 55 * 2 pi / 1.5 = 230.4 deg/s; 30 fps differences see 229.5.
        assert elbow["peak_angular_speed_deg_s"] == pytest.approx(230.4, rel=0.01)
    durations = [row["duration_s"] for row in rows]
    assert data["repetitions"]["summary"]["duration_s"]["mean"] == pytest.approx(np.mean(durations))
    assert data["repetitions"]["summary"]["duration_s"]["sd"] == pytest.approx(
        np.std(durations, ddof=1)
    )
    # The table on the page shows those numbers.
    found = re.search(r'<table id="repetition-table">.*?</table>', files.html.read_text())
    assert found
    table = found.group(0)
    assert table.count("<tr>") == 1 + len(rows) + 2  # header, repetitions, mean and SD
    assert f"{rows[1]['angles']['elbow_left']['range_of_motion_deg']:.1f}" in table

    session_facts = data["session"]
    assert session_facts["video_sha256"] == predictions.metadata.sha256
    assert session_facts["model_sha256"] == predictions.provenance.model_sha256
    assert session_facts["skeleton"] == "berkeley_mhad_43"
    assert session_facts["units"]["poses3d"] == "mm"
    assert data["subject"]["described"] == "person slot 0 (slot 0)"
    assert data["quality"]["observed"] == 1.0
    assert data["quality"]["gaps"] == []
    assert data["overlay"] is None
    assert data["gait"] is None


def test_comparison_equals_compare_trials(session, tmp_path):
    _, predictions = session
    other = session_predictions(session[0], period_s=2.0)
    files = write_report(
        predictions, tmp_path / "c.html", reference=other, reference_name="healthy.npz"
    )
    shown = report_data(files.html)["comparison"]
    expected = compare_trials(other, predictions)
    assert shown["distance"] == pytest.approx(expected.distance, rel=1e-12)
    assert shown["normalized_distance"] == pytest.approx(expected.normalized_distance, rel=1e-12)
    assert shown["path_length"] == expected.path_length
    assert shown["reference"] == "healthy.npz"
    assert shown["unit"] == "mm"


def test_a_recipe_names_the_reference_session(session, tmp_path):
    _, predictions = session
    schema_io.save_predictions(predictions, tmp_path / "healthy.npz")
    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text('[comparison]\nreference = "healthy.npz"\nalign = "scale"\n')
    files = write_report(predictions, tmp_path / "r.html", recipe=load_recipe(recipe_file))
    shown = report_data(files.html)["comparison"]
    assert shown["reference"] == "healthy.npz"
    assert shown["distance"] == pytest.approx(0.0, abs=1e-9)  # the same session
    assert shown["unit"] == "body sizes"


def test_tracked_file_follows_the_subject_the_rule_chose(session, tmp_path):
    video, _ = session
    # The bystander is listed first in every other frame: slot 0 would mix the two people.
    predictions = session_predictions(
        video, period_s=PERIOD_S, second_person=True, tracks=True, swap_slots=True
    )
    data = write_report(predictions, tmp_path / "t.html", overlay=False).content.data
    subject = data["subject"]
    assert subject["person"] == 0
    assert subject["by"] == "track"
    assert subject["method"] == "subject rule"
    assert [row["track_id"] for row in subject["ranking"]] == [0, 1]
    assert "highest score" in subject["reason"]
    elbow = next(a for a in data["angles"] if a["name"] == "elbow_left")["summary"]
    assert elbow["min_deg"] == pytest.approx(60.0, abs=0.5)
    assert elbow["max_deg"] == pytest.approx(170.0, abs=0.5)
    asked = write_report(predictions, tmp_path / "t1.html", person=1, overlay=False)
    assert asked.content.data["subject"]["described"] == "track 1 (requested)"


def test_untracked_file_with_two_people_warns(session, tmp_path):
    predictions = session_predictions(session[0], second_person=True)
    data = write_report(predictions, tmp_path / "u.html").content.data
    assert data["subject"]["by"] == "slot"
    assert "no track ids" in data["subject"]["warnings"][0]
    assert "no track ids" in (tmp_path / "u.html").read_text()


def rebuilt(predictions, **arrays):
    """The same predictions with some arrays replaced, validated again."""
    header = predictions.model_dump(
        include={"metadata", "skeleton", "camera", "provenance", "units"}
    )
    fields = {name: array for name, array in predictions.arrays().items()}
    return type(predictions).model_validate({**header, **fields, **arrays})


def with_gap(predictions, start: int, stop: int):
    """The person is missing from frames ``[start, stop)``."""
    arrays = {
        name: np.array(getattr(predictions, name)) for name in ("poses3d", "poses2d", "boxes")
    }
    for array in arrays.values():
        array[start:stop] = np.nan
    track_ids = np.array(predictions.track_ids)
    track_ids[start:stop] = NO_TRACK
    return rebuilt(predictions, **arrays, track_ids=track_ids)


def test_gaps_are_reported_and_cleaning_fills_short_ones(session, tmp_path):
    _, predictions = session
    holed = with_gap(predictions, 30, 45)
    raw = write_report(holed, tmp_path / "g.html", overlay=False).content.data["quality"]
    assert raw["source"] == "raw"
    assert raw["observed"] == pytest.approx(1 - 15 / 180)
    assert raw["person_fraction"] == pytest.approx(1 - 15 / 180)
    (gap,) = raw["gaps"]
    assert gap["all_joints"]
    assert not gap["filled"]
    assert (gap["start_s"], gap["end_s"]) == (holed.times_s[30], holed.times_s[45])

    from neuropose.analysis.cleaning import clean_trajectory, quality_summary

    recipe = Recipe.model_validate({"cleaning": {"max_gap_s": 1.0, "cutoff_hz": None}})
    data = write_report(holed, tmp_path / "c.html", recipe=recipe).content.data
    quality = data["quality"]
    assert quality["source"] == "cleaned"
    assert data["raw_quality"]["observed"] == raw["observed"]
    cleaned = clean_trajectory(holed.poses3d[:, 0], holed.times_s, config=recipe.cleaning)
    summary = quality_summary(cleaned.flags, cleaned.times_s)
    assert quality["observed"] == pytest.approx(summary.observed)
    assert quality["interpolated"] == pytest.approx(summary.interpolated)
    assert summary.interpolated > 0
    assert quality["missing"] == pytest.approx(summary.missing)
    assert all(g["filled"] for g in quality["gaps"])


def test_a_file_cleaned_by_neuropose_clean_reports_its_own_quality_flags(session, tmp_path):
    from neuropose.analysis.cleaning import clean_predictions, person_flags, quality_summary
    from neuropose.schema import CleaningConfig, QualityFlag

    video, _ = session
    tracked = session_predictions(video, period_s=PERIOD_S, tracks=True)
    holed = with_gap(tracked, 30, 45)
    track = 0  # the subject's
    cleaned = clean_predictions(holed, track, CleaningConfig(max_gap_s=1.0, cutoff_hz=None))
    flags = person_flags(cleaned, track)
    assert np.any(flags & QualityFlag.INTERPOLATED)  # the gap was filled: its poses are finite
    quality = write_report(cleaned, tmp_path / "q.html", overlay=False).content.data["quality"]
    summary = quality_summary(flags, cleaned.times_s)
    assert quality["source"] == "cleaned_file"
    assert summary.interpolated > 0
    assert quality["interpolated"] == pytest.approx(summary.interpolated)
    assert quality["observed"] == pytest.approx(summary.observed)
    assert [g["filled"] for g in quality["gaps"]] == [True]


def test_hostile_text_is_escaped_and_survives_in_the_data(session, tmp_path):
    _, predictions = session
    hostile = "</script><script>alert(1)</script>&amp;.mp4"
    renamed = predictions.model_copy(
        update={"metadata": predictions.metadata.model_copy(update={"file_name": hostile})}
    )
    recipe_text = f'name = "{hostile}"\n'
    files = write_report(
        renamed, tmp_path / "h.html", recipe=Recipe(name=hostile), recipe_text=recipe_text
    )
    page = files.html.read_text()
    assert "<script>alert(1)" not in page
    assert page.count("<script") == 1  # only the data block
    assert f'content="{CONTENT_SECURITY_POLICY}"' in page
    data = report_data(files.html)
    assert data["session"]["video_file"] == hostile
    assert data["recipe_toml"] == recipe_text
    assert data["recipe"]["name"] == hostile


def test_every_plot_is_a_png_that_decodes(session, tmp_path):
    from PIL import Image

    _, predictions = session
    files = write_report(predictions, tmp_path / "p.html", task="gait")
    images = png_images(files.html)
    assert len(images) == 3  # quality, angles, repetition signal
    for payload in images:
        with Image.open(io.BytesIO(payload)) as image:
            image.load()
            assert image.format == "PNG"
            assert image.width >= 800
    # A seated arm task is not a walk: the gait section says so instead of inventing steps.
    gait = report_data(files.html)["gait"]
    assert gait["cycles"] == 0
    assert any("no full gait cycle" in note for note in gait["notes"])


def test_the_gait_section_holds_what_neuropose_gait_measures(tmp_path):
    from neuropose.analysis import gait_analysis
    from support.bodies import hip_centred, predictions_from_poses
    from support.walking import Walk, camera_rotation, walking_poses

    walk = Walk()
    times = np.arange(0, 12, 1 / 30)
    poses = walking_poses("berkeley_mhad_43", walk, times, camera=camera_rotation(3))
    predictions = predictions_from_poses(poses, times, "berkeley_mhad_43")
    files = write_report(predictions, tmp_path / "walk.html", task="gait")
    gait = report_data(files.html)["gait"]
    expected = gait_analysis(predictions)
    assert gait["parameters"] == [p.model_dump(mode="json") for p in expected.parameters]
    assert gait["cycles"] == len(expected.cycles) > 0
    cadence = {p["side"]: p["mean"] for p in gait["parameters"] if p["name"] == "cadence"}
    assert cadence["both"] == pytest.approx(walk.cadence_steps_min, rel=0.02)
    page = files.html.read_text()
    assert '<table id="gait-parameters"' in page
    assert "stride length (mm)" in page
    # As BlazePose writes it (hip-centred): the same figures, from the estimated root translation.
    centred = write_report(hip_centred(predictions), tmp_path / "centred.html", task="gait")
    found = report_data(centred.html)["gait"]["parameters"]
    for mine, theirs in zip(found, gait["parameters"], strict=True):
        assert mine["mean"] == pytest.approx(theirs["mean"], rel=1e-4, nan_ok=True)


def test_unknown_angle_names_are_refused(session, tmp_path):
    _, predictions = session
    recipe = Recipe.model_validate({"angles": {"names": ["elbow_left", "wrist_left"]}})
    with pytest.raises(ReportInputError, match=r"no angle named 'wrist_left'.*elbow_left"):
        write_report(predictions, tmp_path / "x.html", recipe=recipe)
    custom = Recipe.model_validate(
        {"angles": {"custom": [{"name": "odd", "joints": ["lsho1", "nope", "lwri"]}]}}
    )
    with pytest.raises(ReportInputError, match="nope"):
        write_report(predictions, tmp_path / "x.html", recipe=custom)


def test_recipe_exports_are_written_beside_the_report(session, tmp_path):
    _, predictions = session
    recipe = Recipe.model_validate({"exports": {"formats": ["csv", "mot"]}})
    files = write_report(predictions, tmp_path / "e.html", recipe=recipe)
    assert sorted(p.name for p in files.exports) == ["e.csv", "e.mot"]
    assert all(p.stat().st_size > 0 for p in files.exports)
    assert [e["file"] for e in report_data(files.html)["exports"]] == ["e.csv", "e.mot"]
    bad = Recipe.model_validate({"exports": {"formats": ["xls"]}})
    with pytest.raises(ReportInputError, match=r"exports\.formats.*xls"):
        write_report(predictions, tmp_path / "b.html", recipe=bad)


# ---------------------------------------------------------------------------------- overlay
def _decode(path: Path) -> tuple[list[float], tuple[int, int]]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times = [float((f.pts or 0) * (f.time_base or 0)) for f in container.decode(stream)]
        return times, (stream.codec_context.width, stream.codec_context.height)


def test_overlay_is_browser_h264_with_the_input_timing(session, tmp_path):
    video, predictions = session
    result = render_overlay(predictions, video, tmp_path / "o.mp4")
    assert result.frames == result.matched_frames == predictions.frame_count
    assert result.duration_s == pytest.approx(predictions.metadata.duration_s, abs=1e-6)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,pix_fmt,profile",
         "-of", "json", str(result.path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    stream = json.loads(probe)["streams"][0]
    assert (stream["codec_name"], stream["pix_fmt"]) == ("h264", "yuv420p")
    head = result.path.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # index first
    times, _ = _decode(result.path)
    np.testing.assert_allclose(times, predictions.times_s - predictions.times_s[0], atol=1e-4)


def test_overlay_matches_frames_by_time_in_a_variable_rate_video(session, tmp_path):
    # 30 fps that drops to 15 fps halfway, as phones do in dim light.
    source = write_session_video(tmp_path / "cfr.mp4", seconds=24 / 30)
    stamps = np.cumsum(np.r_[0.0, np.where(np.arange(23) < 12, 1 / 30, 1 / 15)])
    vfr = variable_frame_rate(source, tmp_path / "vfr.mp4", stamps.tolist())
    predictions = session_predictions(vfr)
    np.testing.assert_allclose(predictions.times_s, stamps, atol=1e-3)
    # Drop the predictions of the first 4 frames: those frames must stay bare, and no other.
    kept = {k: None if a is None else np.array(a)[4:] for k, a in predictions.arrays().items()}
    meta = predictions.metadata.model_copy(update={"frame_count": predictions.frame_count - 4})
    partial = rebuilt(predictions, metadata=meta.model_dump(), **kept)
    subject = resolve_subject(partial, "auto")
    result = render_overlay(partial, vfr, tmp_path / "vfr-overlay.mp4", subject=subject)
    assert result.frames == 24
    assert result.matched_frames == 20
    times, _ = _decode(result.path)
    np.testing.assert_allclose(times, stamps, atol=1e-3)
    # Matched by time, the bare frames are the first four (by index, they would be the last).
    yellow = [int(np.count_nonzero(subject_pixels(f))) for f in _frames(result.path)]
    assert all(count == 0 for count in yellow[:4])
    assert all(count > 200 for count in yellow[4:])


def _frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def subject_pixels(frame: np.ndarray) -> np.ndarray:
    """Where the subject's yellow (255, 214, 10) is drawn, allowing for compression."""
    r, g, b = (frame[..., k].astype(int) for k in range(3))
    return (r > 200) & (g > 195) & (b < 90)


def test_overlay_turns_rotated_video_upright(session, tmp_path):
    source, _ = session
    rotated = with_rotation(source, tmp_path / "portrait.mp4", 90)
    predictions = session_predictions(rotated)
    assert (predictions.metadata.width, predictions.metadata.height) == (360, 640)
    result = render_overlay(predictions, rotated, tmp_path / "upright.mp4", max_height=None)
    assert (result.width, result.height) == (360, 640)
    from support.real_person import decode_rgb

    upright, _ = decode_rgb(rotated)
    import av

    with av.open(str(result.path)) as container:
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    # Away from the drawn skeletons the overlay is the upright input (up to compression).
    rows = slice(0, 40)
    difference = np.abs(first[rows].astype(int) - upright[0][rows].astype(int)).mean()
    assert difference < 12, difference


def test_a_different_video_is_refused(session, tmp_path):
    _, predictions = session
    other = write_session_video(tmp_path / "other.mp4", seconds=1.0)
    with pytest.raises(VideoMismatchError, match="not the video these predictions"):
        render_overlay(predictions, other, tmp_path / "x.mp4")
    with pytest.raises(VideoMismatchError):
        write_report(predictions, tmp_path / "x.html", video=other)
    assert not (tmp_path / "x.html").exists()


def test_missing_extra_is_named(session, tmp_path, monkeypatch):
    video, predictions = session
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(MissingReportExtraError, match=r"neuropose-analysis\[report\]"):
        render_overlay(predictions, video, tmp_path / "x.mp4")


def test_pdf_without_chromium_says_how_to_install_it(session, tmp_path, monkeypatch):
    _, predictions = session
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("NEUROPOSE_CHROMIUM", raising=False)
    assert find_chromium() is None
    with pytest.raises(ChromiumNotFoundError, match="apt install chromium"):
        write_report(predictions, tmp_path / "x.html", pdf=True)
    assert (tmp_path / "x.html").is_file()  # the page is written before printing


# ---------------------------------------------------------------------------- many sessions
def _job(data_dir: Path, name: str, video: Path, predictions, broken: bool = False) -> Path:
    """A completed job as the daemon leaves it: inputs, predictions and results.json."""
    layout = DataDirectory(data_dir)
    inputs = layout.completed_inputs(name)
    inputs.mkdir(parents=True)
    (inputs / video.name).write_bytes(video.read_bytes())
    schema_io.save_predictions(predictions, layout.predictions_path(name, video.name))
    entries = [(video.name, layout.predictions_path(name, video.name).name)]
    if broken:
        entries.append(("gone.mp4", "gone.mp4.npz"))  # its predictions file is missing
    metrics = PerformanceMetrics(
        frame_count=predictions.frame_count,
        wall_time_s=1.0,
        decode_time_s=0.1,
        inference_time_s=0.9,
        throughput_fps=predictions.frame_count,
        peak_rss_mb=1.0,
        device="/CPU:0",
        tensorflow_version="none",
    )
    results = JobResults(
        job=name,
        videos=tuple(
            VideoResult(
                video=v, predictions_path=p, frame_count=predictions.frame_count, metrics=metrics
            )
            for v, p in entries
        ),
        started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        finished_at=datetime(2026, 1, 2, 3, 5, 5, tzinfo=UTC),
    )
    path = layout.results_path(name)
    schema_io.save(results, path)
    return path


def test_job_hook_writes_a_report_and_overlay_per_video(session, tmp_path):
    video, predictions = session
    results = _job(tmp_path, "patient_01", video, predictions)
    hook = job_report_hook(tmp_path)
    written = hook("patient_01", results)
    names = sorted(p.name for p in written)
    assert names == ["reach.mp4.report.html", "reach.mp4.report.overlay.mp4"]
    assert all(p.parent == results.parent for p in written)
    assert report_data(written[0])["overlay"]["matched_frames"] == predictions.frame_count

    broken = _job(tmp_path, "patient_02", video, predictions, broken=True)
    with pytest.raises(JobReportError, match=r"gone\.mp4") as caught:
        hook("patient_02", broken)
    assert sorted(p.name for p in caught.value.written) == names


def test_a_recipe_runs_over_a_folder_of_results(session, tmp_path):
    video, predictions = session
    folder = tmp_path / "results"
    (folder / "day1").mkdir(parents=True)
    schema_io.save_predictions(predictions, folder / "day1" / "a.npz")
    schema_io.save_predictions(predictions, folder / "b.json")
    (folder / "broken.npz").write_bytes(b"not a zip")
    (folder / "videos").mkdir()
    (folder / "videos" / video.name).write_bytes(video.read_bytes())
    recipe = Recipe.model_validate({"task": "reach", "overlay": {"embed_max_mb": 0}})
    outcomes = report_folder(folder, tmp_path / "out", recipe=recipe, recipe_text="task = 'reach'")
    assert sorted(p.relative_to(folder).as_posix() for p in outcomes) == [
        "b.json", "broken.npz", "day1/a.npz",
    ]  # fmt: skip
    assert isinstance(outcomes[folder / "broken.npz"], CorruptFileError)
    report = outcomes[folder / "day1" / "a.npz"]
    assert not isinstance(report, Exception), report
    assert report.html == tmp_path / "out" / "day1" / "a.npz.report.html"
    data = report_data(report.html)
    assert data["recipe_toml"] == "task = 'reach'"
    assert data["task"] == "reach"
    assert data["overlay"]["embedded"] is False  # found the video under the folder
    assert "data:video/mp4" not in report.html.read_text()


# --------------------------------------------------------------------- in a real browser
@pytest.mark.browser
@pytest.mark.parametrize("embedded", [True, False])
def test_report_opens_in_chromium_and_the_overlay_plays(session, tmp_path, embedded):
    video, predictions = session
    recipe = Recipe.model_validate({"overlay": {"embed_max_mb": 10 if embedded else 0}})
    files = write_report(predictions, tmp_path / "report.html", video=video, recipe=recipe)
    data = report_data(files.html)
    assert data["overlay"]["embedded"] is embedded
    with Browser(tmp_path / "profile") as browser:
        page = browser.open(files.html.as_uri())
        images = page.evaluate(
            "Promise.all(Array.from(document.images).map(i => i.decode().then("
            "() => [i.naturalWidth, i.naturalHeight], e => String(e))))"
        )
        assert len(images) == 3
        assert all(isinstance(size, list) and size[0] > 0 for size in images)
        state = page.evaluate(
            """new Promise(resolve => {
                const v = document.querySelector('video');
                const done = () => resolve({ready: v.readyState, duration: v.duration,
                                            error: v.error && v.error.message});
                if (v.readyState >= 3) { done(); return; }
                v.addEventListener('canplay', done); v.addEventListener('error', done);
                setTimeout(done, 20000);
            })"""
        )
        assert state["error"] is None, state
        assert state["ready"] >= 3, state
        assert state["duration"] == pytest.approx(predictions.metadata.duration_s, abs=1 / 30)
        in_page = page.evaluate("JSON.parse(document.getElementById('report-data').textContent)")
        assert in_page == data
        rows = page.evaluate("document.querySelectorAll('#repetition-table tbody tr').length")
        assert rows == len(data["repetitions"]["rows"]) + 2
        assert page.errors() == [], page.console


@pytest.mark.browser
def test_pdf_is_printed_by_chromium(session, tmp_path):
    _, predictions = session
    files = write_report(predictions, tmp_path / "report.html", pdf=True)
    assert files.pdf == tmp_path / "report.pdf"
    assert files.pdf is not None
    assert files.pdf.read_bytes()[:5] == b"%PDF-"
    assert files.pdf.stat().st_size > 20_000


@pytest.mark.browser
def test_the_console_check_sees_what_the_policy_blocks(tmp_path):
    # The same policy and a remote image: blocked before any request, and reported as an error.
    page_file = tmp_path / "blocked.html"
    page_file.write_text(
        f'<!doctype html><html><head><meta http-equiv="Content-Security-Policy" '
        f'content="{CONTENT_SECURITY_POLICY}"></head><body>'
        '<img src="https://example.com/x.png"><script>document.title = "ran"</script>'
        "</body></html>"
    )
    with Browser(tmp_path / "profile") as browser:
        page = browser.open(page_file.as_uri())
        assert page.evaluate("document.title") == ""  # inline scripts do not run
        errors = page.errors()
    assert any("Content Security Policy" in entry.text for entry in errors), errors
