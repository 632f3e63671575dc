from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from neuropose.cli._app import main
from neuropose.schema import io
from support.sessions import session_predictions, write_session_video


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("cli-session")
    video = write_session_video(folder / "reach.mp4", seconds=3.0)
    results = folder / "reach.mp4.npz"
    io.save_predictions(session_predictions(video), results)
    return video, results


def embedded(html: Path) -> dict:
    found = re.search(r'id="report-data">(.*?)</script>', html.read_text(), re.S)
    assert found
    return json.loads(found.group(1))


def test_report_writes_the_page_and_overlay(session, tmp_path, capsys):
    video, results = session
    out = tmp_path / "report.html"
    code = main(["report", str(results), "--video", str(video), "--task", "reach", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out.split()
    assert printed == [str(out), str(tmp_path / "report.overlay.mp4")]
    data = embedded(out)
    assert data["task"] == "reach"
    assert data["overlay"]["embedded"] is True
    assert data["session"]["predictions_file"] == "reach.mp4.npz"


def test_report_json_lists_files_and_timings(session, tmp_path, capsys):
    _, results = session
    out = tmp_path / "r.html"
    assert main(["report", str(results), "-o", str(out), "--json", "--person", "0"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["files"] == [str(out)]
    assert set(listed["timings_s"]) >= {"analysis", "plots", "page"}


def test_compare_is_shown(session, tmp_path, capsys):
    _, results = session
    out = tmp_path / "c.html"
    assert main(["report", str(results), "--compare", str(results), "-o", str(out)]) == 0
    comparison = embedded(out)["comparison"]
    assert comparison["distance"] == 0.0
    assert comparison["reference"] == "reach.mp4.npz"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--person", "someone"], "--person takes auto or a track id"),
        (["--task", "walking"], "--task must be one of gait, reach, sit-to-stand"),
    ],
)
def test_bad_options_are_usage_errors(session, tmp_path, capsys, arguments, message):
    _, results = session
    assert main(["report", str(results), "-o", str(tmp_path / "x.html"), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_a_bad_recipe_names_the_key(session, tmp_path, capsys):
    _, results = session
    recipe = tmp_path / "r.toml"
    recipe.write_text("[segmentation]\nenabeld = false\n")
    code = main(["report", str(results), "--recipe", str(recipe), "-o", str(tmp_path / "x.html")])
    assert code == 3
    assert "segmentation.enabeld" in capsys.readouterr().err


def test_a_video_that_is_not_the_sessions_is_an_input_error(session, tmp_path, capsys):
    _, results = session
    other = write_session_video(tmp_path / "other.mp4", seconds=1.0)
    code = main(["report", str(results), "--video", str(other), "-o", str(tmp_path / "x.html")])
    assert code == 3
    assert "not the video these predictions were made from" in capsys.readouterr().err


def test_recipe_over_a_folder_writes_one_report_each(session, tmp_path, capsys):
    video, results = session
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("s1.npz", "s2.npz"):
        (folder / name).write_bytes(results.read_bytes())
    (folder / video.name).write_bytes(video.read_bytes())
    recipe = tmp_path / "study.toml"
    recipe.write_text('name = "study"\ntask = "reach"\n[overlay]\nenabled = false\n')
    out = tmp_path / "reports"
    assert main(["report", str(folder), "--recipe", str(recipe), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.split() == [
        str(out / "s1.npz.report.html"),
        str(out / "s2.npz.report.html"),
    ]
    assert "2 report(s) written, 0 failed" in captured.err
    data = embedded(out / "s2.npz.report.html")
    assert data["recipe_toml"] == recipe.read_text()
    assert data["overlay"] is None
    (folder / "s3.npz").write_bytes(b"broken")
    assert main(["report", str(folder), "--recipe", str(recipe), "-o", str(out)]) == 1
    assert "s3.npz" in capsys.readouterr().err


def test_overlay_command(session, tmp_path, capsys):
    video, results = session
    out = tmp_path / "o.mp4"
    assert main(["overlay", str(results), str(video), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert "90 frames (90 with predictions), 640x360" in captured.err
    assert out.read_bytes()[4:8] == b"ftyp"


def test_missing_report_extra_exits_4(session, tmp_path, capsys, monkeypatch):
    import neuropose.analysis.report as report

    _, results = session
    monkeypatch.setattr(report, "report_extra_installed", lambda: False)
    assert main(["report", str(results), "-o", str(tmp_path / "x.html")]) == 4
    assert 'pip install "neuropose-analysis[report]"' in capsys.readouterr().err


@pytest.mark.browser
def test_pdf(session, tmp_path, capsys):
    _, results = session
    out = tmp_path / "r.html"
    assert main(["report", str(results), "-o", str(out), "--pdf"]) == 0
    assert capsys.readouterr().out.split() == [str(out), str(tmp_path / "r.pdf")]
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"


def test_pdf_without_chromium_says_how_to_get_it(session, tmp_path, capsys, monkeypatch):
    _, results = session
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("NEUROPOSE_CHROMIUM", raising=False)
    assert main(["report", str(results), "-o", str(tmp_path / "r.html"), "--pdf"]) == 3
    assert "sudo apt install chromium" in capsys.readouterr().err
