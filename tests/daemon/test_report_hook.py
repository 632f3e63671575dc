"""The after-job hook (session reports) and the status page's /files route."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.conftest import make_job
from neuropose.daemon import Interfacer, make_monitor
from neuropose.schema import DataDirectory, JobStatus, JobStatusEntry, StatusFile, io
from support.fake_estimator import FakeEstimator
from support.models import running

HOSTILE = "<script>x</script>"
VIDEO = bytes(range(256)) * 40  # 10240 bytes, every offset distinguishable


def _status(settings):
    return io.load_status(DataDirectory(settings.data_dir).status_path).jobs


def test_hook_outputs_are_recorded(settings):
    make_job(settings.data_dir, "walk", {"a.mp4": b"x" * 20})
    calls: list[tuple[str, Path]] = []

    def hook(job: str, results: Path) -> list[Path]:
        calls.append((job, results))
        report = results.parent / "a.mp4.report.html"
        report.write_text("<html>report</html>")
        return [report]

    assert Interfacer(settings, FakeEstimator(), on_job_completed=hook).run(once=True) == 1
    layout = DataDirectory(settings.data_dir)
    assert calls == [("walk", layout.results_path("walk"))]
    entry = _status(settings)["walk"]
    assert entry.status == JobStatus.COMPLETED
    assert entry.outputs == ("out/walk/a.mp4.report.html",)
    assert (layout.root / entry.outputs[0]).read_text() == "<html>report</html>"
    assert entry.hook_error is None


def test_failing_hook_leaves_job_completed_with_hook_error(settings, caplog):
    make_job(settings.data_dir, "walk", {"a.mp4": b"x" * 20})

    def hook(job: str, results: Path) -> list[Path]:
        raise RuntimeError("no codec")

    interfacer = Interfacer(settings, FakeEstimator(), on_job_completed=hook)
    assert interfacer.run(once=True) == 1
    entry = _status(settings)["walk"]
    assert interfacer.outcomes["walk"] == JobStatus.COMPLETED
    assert entry.status == JobStatus.COMPLETED
    assert entry.hook_error == "RuntimeError: no codec"
    assert entry.outputs == ()
    assert DataDirectory(settings.data_dir).results_path("walk").is_file()
    assert "no codec" in caplog.text


def test_hook_path_outside_data_dir_is_a_hook_error(settings, tmp_path):
    make_job(settings.data_dir, "walk", {"a.mp4": b"x" * 20})
    Interfacer(settings, FakeEstimator(), on_job_completed=lambda j, r: [tmp_path / "x"]).run(
        once=True
    )
    entry = _status(settings)["walk"]
    assert entry.status == JobStatus.COMPLETED
    assert entry.hook_error is not None
    assert entry.hook_error.startswith("ValueError")


def test_old_status_entries_without_the_new_fields_still_load():
    entry = JobStatusEntry.model_validate({"name": "a", "status": "completed"})
    assert entry.outputs == ()
    assert entry.hook_error is None


# ------------------------------------------------------------------------- monitor
@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    layout = DataDirectory(tmp_path)
    for job in ("walk", HOSTILE):
        folder = layout.job_output(job)
        folder.mkdir(parents=True)
        (folder / "v.mp4.report.html").write_text("<h1>report</h1>")
        (folder / "v.mp4.report.overlay.mp4").write_bytes(VIDEO)
    (layout.outbox / "walk" / "secret.json").write_text("{}")
    jobs = {
        job: JobStatusEntry(
            name=job,
            status=JobStatus.COMPLETED,
            outputs=(f"out/{job}/v.mp4.report.html", f"out/{job}/v.mp4.report.overlay.mp4"),
            hook_error="ValueError: <b>bad</b>" if job == HOSTILE else None,
        )
        for job in ("walk", HOSTILE)
    }
    io.save(StatusFile(jobs=jobs), layout.status_path)
    return tmp_path


@pytest.fixture
def base_url(data_dir: Path) -> Iterator[str]:
    with running(make_monitor(data_dir, port=0, stale_after_s=60)) as url:
        yield url


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_files_serves_listed_outputs_with_their_type(base_url):
    code, headers, body = _get(f"{base_url}/files/walk/v.mp4.report.html")
    assert code == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == b"<h1>report</h1>"
    assert "media-src 'self' data:" in headers["Content-Security-Policy"]
    assert "base-uri 'none'" in headers["Content-Security-Policy"]
    code, headers, body = _get(f"{base_url}/files/walk/v.mp4.report.overlay.mp4")
    assert (code, headers["Content-Type"], headers["Accept-Ranges"]) == (200, "video/mp4", "bytes")
    assert body == VIDEO


@pytest.mark.parametrize(
    ("spec", "first", "last"), [("bytes=100-199", 100, 199), ("bytes=10000-", 10000, 10239)]
)
def test_files_answers_a_range_with_206(base_url, spec, first, last):
    code, headers, body = _get(
        f"{base_url}/files/walk/v.mp4.report.overlay.mp4", headers={"Range": spec}
    )
    assert code == 206
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(VIDEO)}"
    assert body == VIDEO[first : last + 1]


def test_files_refuses_a_range_past_the_end(base_url):
    code, headers, _ = _get(
        f"{base_url}/files/walk/v.mp4.report.overlay.mp4", headers={"Range": "bytes=99999-"}
    )
    assert code == 416
    assert headers["Content-Range"] == f"bytes */{len(VIDEO)}"


@pytest.mark.parametrize(
    "path",
    [
        "/files/walk/secret.json",  # exists, not listed
        "/files/walk/..",
        "/files/walk/%2E%2E",
        "/files/walk/..%2Fwalk%2Fsecret.json",
        "/files/../out/status.json",
        "/files/nobody/v.mp4.report.html",
        "/files/walk",
        "/files/walk/v.mp4.report.html/extra",
    ],
)
def test_files_refuses_anything_not_listed(base_url, path):
    code, _, _ = _get(base_url + path)
    assert code == 404


def test_page_links_reports_escaped(base_url):
    code, _, body = _get(f"{base_url}/")
    page = body.decode()
    assert code == 200
    assert '<a href="/files/walk/v.mp4.report.html">v.mp4.report.html</a>' in page
    assert "/files/%3Cscript%3Ex%3C%2Fscript%3E/v.mp4.report.html" in page
    assert HOSTILE not in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page
    assert "overlay.mp4<" not in page  # only HTML outputs are linked
    code, _, body = _get(f"{base_url}/files/%3Cscript%3Ex%3C%2Fscript%3E/v.mp4.report.html")
    assert (code, body) == (200, b"<h1>report</h1>")
