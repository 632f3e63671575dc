"""``neuropose batch``: inputs, naming, scheduling with retries, and both engines end to end.

The end-to-end tests run the real command on the stand-in SavedModel, imported from a
``.tar.gz`` through the real model store, and attack it: a corrupt video, a worker SIGKILLed
while it holds a video (found through the summary the run itself publishes), a driver killed
outright, a deleted output. They check that every good video is written exactly once, that
outputs equal what ``process`` writes, and that no worker process outlives a run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psutil
import pytest

from neuropose.cli._app import main
from neuropose.cli._batch import plan_jobs
from neuropose.cli._batch_jobs import VideoJob, VideoRecord, WorkerInfo
from neuropose.cli._batch_scheduler import MAX_ATTEMPTS, run_jobs
from neuropose.cli._batch_summary import SUMMARY_FILE, BatchLedger
from neuropose.cli._batch_worker import _existing_output
from neuropose.cli._errors import (
    BatchInputError,
    BatchWorkerError,
    ManifestError,
    WorkerLostError,
)
from neuropose.cli._manifest import BatchItem, collect_items
from neuropose.schema import (
    VIDEO_EXTENSIONS,
    BatchSummary,
    CorruptFileError,
    InferenceOptions,
    VideoPredictions,
    io,
)
from support.models import pack
from support.predictions import make_predictions
from support.videos import write_video

if TYPE_CHECKING:
    from neuropose.estimator import Estimator

FLAGS = ["--skeleton", "smpl_24", "--num-aug", "1", "--batch-size", "8"]
SLOW_FRAMES = 2400  # several seconds of work for the light stand-in: long enough to be killed in
SHORT_FRAMES = (20, 25, 30, 35)


# ------------------------------------------------------------------------------ inputs
def _touch(path: Path, content: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_folders_are_searched_recursively_skipping_hidden_and_non_videos(tmp_path):
    a = _touch(tmp_path / "p01" / "reach.mp4")
    b = _touch(tmp_path / "p02" / "deep" / "walk.MOV")
    _touch(tmp_path / "p02" / "notes.txt")
    _touch(tmp_path / ".cache" / "hidden.mp4")
    _touch(tmp_path / "p01" / ".partial.mp4")
    items = collect_items([tmp_path], VIDEO_EXTENSIONS)
    assert [item.video for item in items] == [a.resolve(), b.resolve()]


def test_a_video_named_twice_is_done_once_and_missing_paths_are_named(tmp_path):
    video = _touch(tmp_path / "v.mp4")
    assert len(collect_items([video, video, tmp_path], VIDEO_EXTENSIONS)) == 1
    with pytest.raises(BatchInputError, match=r"nope\.mp4.*nothere"):
        collect_items([tmp_path / "nope.mp4", tmp_path / "nothere"], VIDEO_EXTENSIONS)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchInputError, match="holds no video"):
        collect_items([tmp_path / "empty"], VIDEO_EXTENSIONS)


def test_csv_manifest_resolves_paths_from_its_folder(tmp_path):
    _touch(tmp_path / "videos" / "a.mp4")
    _touch(tmp_path / "videos" / "b.mp4")
    manifest = tmp_path / "videos" / "list.csv"
    manifest.write_text("video,output,subject\na.mp4,p01/reach,p01\nb.mp4,,p02\n\n")
    items = collect_items([manifest], VIDEO_EXTENSIONS)
    assert items == [
        BatchItem((tmp_path / "videos" / "a.mp4").resolve(), "p01/reach", "p01"),
        BatchItem((tmp_path / "videos" / "b.mp4").resolve(), None, "p02"),
    ]


def test_json_manifest_forms(tmp_path):
    _touch(tmp_path / "a.mp4")
    _touch(tmp_path / "b.mp4")
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(["a.mp4", {"video": "b.mp4", "output": "b.json"}]))
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"videos": [{"video": "a.mp4", "subject": "s1"}]}))
    assert [i.output for i in collect_items([listed], VIDEO_EXTENSIONS)] == [None, "b.json"]
    assert collect_items([wrapped], VIDEO_EXTENSIONS)[0].subject == "s1"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("m.csv", "video,camera\na.mp4,left\n", r"unknown columns 'camera'; allowed: video"),
        ("m.csv", "subject\np01\n", r"header row lacks the 'video' column"),
        ("m.json", '[{"subject": "p01"}]', r"entry 1 lacks the 'video' key"),
        ("m.csv", "video\n\n", r"lists no video"),
        ("m.csv", "video,output\n,x\n", r"row 2 has an empty 'video'"),
        ("m.csv", "video\nmissing.mp4\n", r"names videos that do not exist: .*missing\.mp4"),
        ("m.csv", "video,output\na.mp4,../escape\n", r"row 2: output name '\.\./escape'"),
        ("m.csv", "video,output\na.mp4,/abs/x\n", r"must be a relative path"),
        ("m.json", "{not json", r"is not valid JSON"),
        ("m.json", '{"rows": []}', r"must hold a list of videos"),
        ("m.json", "[3]", r"entry 1 is a int"),
        ("m.json", '[{"video": "a.mp4", "subject": 7}]', r"entry 1: subject must be text"),
    ],
)
def test_malformed_manifests_are_named(tmp_path, name, content, message):
    _touch(tmp_path / "a.mp4")
    manifest = tmp_path / name
    manifest.write_text(content)
    with pytest.raises(ManifestError, match=message) as raised:
        collect_items([manifest], VIDEO_EXTENSIONS)
    assert str(manifest) in str(raised.value)


def test_one_output_name_for_two_videos_is_refused(tmp_path):
    _touch(tmp_path / "a.mp4")
    _touch(tmp_path / "b.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text("video,output\na.mp4,same\nb.mp4,same\n")
    with pytest.raises(BatchInputError, match="'same' is given to two videos"):
        collect_items([manifest], VIDEO_EXTENSIONS)


def test_outputs_are_named_like_process_and_kept_apart(tmp_path):
    items = [
        BatchItem(Path("/data/p01/reach.mp4")),
        BatchItem(Path("/data/p02/reach.mp4")),
        BatchItem(Path("/data/p02/walk.mov")),
        BatchItem(Path("/data/p03/x.mp4"), output="p03/custom", subject="p03"),
        BatchItem(Path("/data/p03/y.mp4"), output="p03/as.json"),
    ]
    jobs = plan_jobs(items, tmp_path, "npz")
    names = [Path(job.output).relative_to(tmp_path.resolve()).as_posix() for job in jobs]
    assert names == ["p01_reach.npz", "p02_reach.npz", "walk.npz", "p03/custom.npz", "p03/as.json"]
    assert jobs[3].subject == "p03"
    assert [job.index for job in jobs] == [0, 1, 2, 3, 4]
    clash = [BatchItem(Path("/d/a.mp4")), BatchItem(Path("/d/b.mp4"), output="a")]
    with pytest.raises(BatchInputError, match="would both write"):
        plan_jobs(clash, tmp_path, "npz")


def test_batch_help_loads_nothing_heavy():
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['neuropose', 'batch', '--help']\n"
        "try:\n    runpy.run_module('neuropose.cli', run_name='__main__')\n"
        "except SystemExit as done:\n    assert done.code == 0, done.code\n"
        "heavy = [m for m in ('tensorflow', 'cv2', 'ray', 'neuropose.estimator') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert "--engine" in result.stdout
    assert result.stdout.strip().endswith("HEAVY []"), result.stdout[-300:]


def test_the_engine_options_are_checked(tmp_path, capsys):
    video = _touch(tmp_path / "a.mp4")
    base = ["batch", str(video), "-o", str(tmp_path / "out")]
    assert main([*base, "--engine", "spark"]) == 2
    assert main([*base, "--address", "auto"]) == 2  # needs --engine ray
    assert main([*base, "--engine", "ray", "--address", "auto"]) == 2  # needs --workers
    assert main([*base, "--format", "csv"]) == 2
    assert "--address needs --workers" in capsys.readouterr().err


def test_an_unreachable_ray_cluster_is_an_input_error_at_once(tmp_path, capsys):
    video = _touch(tmp_path / "a.mp4")
    command = ["batch", str(video), "-o", str(tmp_path / "out"), "--engine", "ray"]
    started = time.monotonic()
    assert main([*command, "--address", "127.0.0.1:1", "--workers", "1"]) == 3
    assert time.monotonic() - started < 30
    assert "nothing answers at the Ray address 127.0.0.1:1" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before anything was written


# ---------------------------------------------------------------- the up-to-date check
@dataclass
class _Options:
    options: InferenceOptions


def _estimator(overrides: dict[str, Any]) -> Estimator:
    """A stand-in estimator: the up-to-date check reads only its ``options``."""
    return cast("Estimator", _Options(InferenceOptions().with_overrides(overrides)))


def test_an_output_is_up_to_date_only_for_the_same_video_model_and_options(tmp_path):
    predictions = make_predictions(12, 1)
    output = tmp_path / "trial.npz"
    io.save_predictions(predictions, output)
    video = _touch(tmp_path / "trial.mp4", b"video0")  # make_predictions records its SHA-256
    model = hashlib.sha256(b"model").hexdigest()
    same = _estimator({"num_aug": 1, "device": "/GPU:0"})
    assert _existing_output(video, output, same, model) == (12, "output already up to date")

    other_model = hashlib.sha256(b"other").hexdigest()
    assert _existing_output(video, output, same, other_model)[0] is None
    changed = _estimator({"num_aug": 2})
    frames, note = _existing_output(video, output, changed, model)
    assert frames is None
    assert note == "existing output made with other inference options, redone"
    video.write_bytes(b"video0, re-exported")
    assert _existing_output(video, output, same, model)[1] == (
        "existing output made from another video, redone"
    )
    output.write_bytes(b"PK truncated")
    assert "unreadable" in (_existing_output(video, output, same, model)[1] or "")
    assert _existing_output(video, tmp_path / "none.npz", same, model) == (None, None)


# ------------------------------------------------------------------- the scheduler alone
class ScriptedBackend:
    """Answers every call at once: ``script(worker, job)`` returns a record or raises."""

    def __init__(
        self,
        script: Callable[[int, VideoJob], VideoRecord],
        start: Callable[[int], WorkerInfo] | None = None,
    ) -> None:
        self.script = script
        self.start = start or (lambda worker: WorkerInfo(f"host/{worker}", "m", "0" * 64))
        self.workers = itertools.count(1)
        self.calls: dict[object, Callable[[], Any]] = {}
        self.discarded: list[int] = []
        self.closed = False

    def spawn(self) -> int:
        return next(self.workers)

    def _call(self, answer: Callable[[], Any]) -> object:
        handle = object()
        self.calls[handle] = answer
        return handle

    def call_start(self, worker: int) -> object:
        return self._call(lambda: self.start(worker))

    def call_run(self, worker: int, job: VideoJob) -> object:
        return self._call(lambda: self.script(worker, job))

    def wait(self, calls: Sequence[object], timeout_s: float) -> list[object]:
        return list(calls)

    def outcome(self, call: object) -> Any:
        return self.calls.pop(call)()

    def discard(self, worker: int) -> None:
        self.discarded.append(worker)

    def close(self) -> None:
        self.closed = True


def _jobs(tmp_path: Path, count: int) -> list[VideoJob]:
    return [VideoJob(i, f"/v/{i}.mp4", str(tmp_path / f"{i}.npz")) for i in range(count)]


def _done(worker: int) -> VideoRecord:
    return VideoRecord("done", f"host/{worker}", time.time(), 1.0, 0.9, frames=10, fps=10.0)


def test_a_lost_worker_costs_one_retry_on_another_worker(tmp_path):
    killed: list[int] = []

    def script(worker: int, job: VideoJob) -> VideoRecord:
        if job.index == 1 and not killed:
            killed.append(worker)
            raise WorkerLostError(f"process {worker} was killed by SIGKILL")
        return _done(worker)

    backend = ScriptedBackend(script)
    jobs = _jobs(tmp_path, 4)
    ledger = BatchLedger(tmp_path, jobs, engine="test", workers=2)
    run_jobs(jobs, backend, 2, ledger, poll_s=0)
    videos = ledger.summary().model_dump(mode="json")["videos"]
    assert [v["status"] for v in videos] == ["done"] * 4
    assert videos[1]["attempts"] == 2
    assert videos[1]["worker"] != f"host/{killed[0]}"
    assert videos[1]["retries"] == [
        f"attempt 1 on host/{killed[0]} lost: process {killed[0]} was killed by SIGKILL"
    ]
    assert [v["attempts"] for v in videos if v is not videos[1]] == [1, 1, 1]
    assert backend.discarded[0] == killed[0]
    assert backend.closed
    ledger.save(finished=True)
    assert json.loads((tmp_path / SUMMARY_FILE).read_text())["counts"]["done"] == 4


def test_a_video_that_kills_every_worker_fails_alone(tmp_path):
    def script(worker: int, job: VideoJob) -> VideoRecord:
        if job.index == 0:
            raise WorkerLostError("process was killed by SIGSEGV")
        return _done(worker)

    jobs = _jobs(tmp_path, 3)
    ledger = BatchLedger(tmp_path, jobs, engine="test", workers=2)
    run_jobs(jobs, ScriptedBackend(script), 2, ledger, poll_s=0)
    first, *others = ledger.summary().model_dump(mode="json")["videos"]
    assert first["status"] == "failed"
    assert first["attempts"] == MAX_ATTEMPTS
    assert len(first["retries"]) == MAX_ATTEMPTS
    assert first["error"] == f"WorkerLostError: the worker died on each of {MAX_ATTEMPTS} attempts"
    assert [v["status"] for v in others] == ["done", "done"]


def test_a_model_that_does_not_load_stops_the_run_with_its_error(tmp_path):
    backend = ScriptedBackend(
        lambda worker, job: _done(worker),
        start=lambda worker: WorkerInfo(f"host/{worker}", error="ModelNotFoundError: gone"),
    )
    jobs = _jobs(tmp_path, 2)
    with pytest.raises(BatchWorkerError, match="could not load the model: ModelNotFoundError"):
        run_jobs(jobs, backend, 2, BatchLedger(tmp_path, jobs, engine="t", workers=2), poll_s=0)
    assert backend.closed


def test_workers_that_keep_dying_while_loading_stop_the_run(tmp_path):
    def start(worker: int) -> WorkerInfo:
        raise WorkerLostError("process exited with code 137")

    backend = ScriptedBackend(lambda worker, job: _done(worker), start=start)
    jobs = _jobs(tmp_path, 1)
    with pytest.raises(BatchWorkerError, match="died while loading the model"):
        run_jobs(jobs, backend, 1, BatchLedger(tmp_path, jobs, engine="t", workers=1), poll_s=0)
    assert backend.closed


# ------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuropose.estimator.standin import build_standin_model

    folder = build_standin_model(tmp_path_factory.mktemp("standin") / "saved_model")
    return pack(folder, tmp_path_factory.mktemp("archive") / "metrabs_standin.tar.gz")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A slow clip first (so it is handed out first), four short ones, and a corrupt one."""
    folder = tmp_path_factory.mktemp("clips")
    found = {"slow": write_video(folder / "slow.mp4", SLOW_FRAMES)}
    for name, frames in zip("abcd", SHORT_FRAMES, strict=True):
        found[name] = write_video(folder / f"{name}.mp4", frames)
    whole = write_video(folder / "whole.mp4", 60).read_bytes()
    found["corrupt"] = folder / "corrupt.mp4"
    found["corrupt"].write_bytes(whole[: len(whole) // 2])  # cut before the index
    (folder / "whole.mp4").unlink()
    return found


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Settings for every run of the module: one model cache, shared (as on a cluster)."""
    root = tmp_path_factory.mktemp("settings")
    values = {
        "NEUROPOSE_DATA_DIR": str(root / "data"),
        "NEUROPOSE_MODEL_DIR": str(root / "models"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in values.items():
            patch.setenv(key, value)
        yield values


@pytest.fixture(scope="module")
def processed(
    archive: Path, clips: dict[str, Path], environment: dict[str, str], tmp_path_factory
) -> dict[str, VideoPredictions]:
    """What ``process`` writes for every good clip, the reference for batch outputs."""
    out = tmp_path_factory.mktemp("process")
    good = [path for name, path in clips.items() if name != "corrupt"]
    assert (
        main(["-q", "process", *map(str, good), "-o", str(out), "--model", str(archive), *FLAGS])
        == 0
    )
    return {path.stem: io.load_predictions(out / f"{path.stem}.npz") for path in good}


def _batch(archive: Path, inputs: list[Path], out: Path, *extra: str) -> int:
    arguments = [str(path) for path in inputs]
    return main(
        ["-q", "batch", *arguments, "-o", str(out), "--model", str(archive), *FLAGS, *extra]
    )


def _summary(out: Path) -> dict[str, Any]:
    """The run's summary file, validated by its schema model."""
    return io.load(out / SUMMARY_FILE, BatchSummary).model_dump(mode="json")


def _by_stem(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {Path(v["video"]).stem: v for v in summary["videos"]}


def _same_but_when(a: VideoPredictions, b: VideoPredictions) -> bool:
    """Equal headers (all but the creation time) and bit-identical arrays."""
    moved = a.provenance.model_copy(update={"created_at": b.provenance.created_at})
    return a.model_copy(update={"provenance": moved}).same_as(b)


class OutputWatch(threading.Thread):
    """Record every distinct version (inode, mtime) of each file in a folder, every 20 ms."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder = folder
        self.versions: dict[str, set[tuple[int, int]]] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.look()

    def look(self) -> None:
        for path in self.folder.glob("*.npz"):
            try:
                status = path.stat()
            except FileNotFoundError:
                continue
            self.versions.setdefault(path.name, set()).add((status.st_ino, status.st_mtime_ns))

    def stop(self) -> dict[str, set[tuple[int, int]]]:
        self.done.set()
        self.join()
        self.look()
        return self.versions


class WorkerKiller(threading.Thread):
    """SIGKILL the worker holding ``stem`` once the run's summary has shown it there for ``after_s``."""

    def __init__(self, out: Path, stem: str, after_s: float, is_worker: Callable[[int], bool]):
        super().__init__(daemon=True)
        self.out, self.stem, self.after_s, self.is_worker = out, stem, after_s, is_worker
        self.killed: int | None = None
        self.output_existed: bool | None = None
        self.problem: str | None = None

    def run(self) -> None:
        seen = None
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline and self.killed is None:
            time.sleep(0.05)
            try:
                entry = _by_stem(_summary(self.out)).get(self.stem)
            except CorruptFileError:  # not written yet
                continue
            if entry is None or entry["status"] != "running":
                continue
            seen = seen or time.monotonic()
            if time.monotonic() - seen < self.after_s:
                continue
            pid = int(entry["worker"].rsplit("/", 1)[1])
            if not self.is_worker(pid):
                self.problem = f"pid {pid} of the summary is not a worker of this run"
                return
            self.output_existed = Path(entry["output"]).exists()
            os.kill(pid, signal.SIGKILL)
            self.killed = pid


def _local_worker(pid: int) -> bool:
    return pid in {child.pid for child in psutil.Process().children()}


def _spawned_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def _ray_processes() -> set[int]:
    found = set()
    for process in psutil.process_iter(["name", "cmdline"]):
        text = " ".join([process.info["name"] or "", *(process.info["cmdline"] or [])])
        if any(mark in text for mark in ("raylet", "gcs_server", "ray::", "default_worker.py")):
            found.add(process.pid)
    return found


def _ray_worker(pid: int) -> bool:
    try:
        return "ray::" in " ".join(psutil.Process(pid).cmdline()) or "default_worker" in " ".join(
            psutil.Process(pid).cmdline()
        )
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["local", "ray"])
def test_six_videos_one_corrupt_one_worker_killed(
    engine, archive, clips, processed, tmp_path, environment
):
    out = tmp_path / "out"
    out.mkdir()
    ray_before = _ray_processes()
    killer = WorkerKiller(out, "slow", 1.0, _local_worker if engine == "local" else _ray_worker)
    watch = OutputWatch(out)
    killer.start()
    watch.start()
    try:
        code = _batch(archive, list(clips.values()), out, "--engine", engine, "--workers", "2")
    finally:
        versions = watch.stop()
        killer.join(timeout=1)
    assert code == 1  # the corrupt video failed
    assert killer.problem is None, killer.problem
    assert killer.killed is not None, "the slow video was never seen running"
    assert killer.output_existed is False  # the kill came mid-video

    summary = _summary(out)
    videos = _by_stem(summary)
    assert summary["finished"] is True
    assert summary["counts"] == {"pending": 0, "running": 0, "done": 5, "skipped": 0, "failed": 1}
    slow = videos["slow"]
    assert slow["status"] == "done"
    assert slow["attempts"] == 2
    assert len(slow["retries"]) == 1
    assert f"/{killer.killed} lost" in slow["retries"][0]
    assert ("SIGKILL" if engine == "local" else "Actor") in slow["retries"][0]
    assert not slow["worker"].endswith(f"/{killer.killed}")
    corrupt = videos["corrupt"]
    assert corrupt["status"] == "failed"
    assert corrupt["attempts"] == 1
    assert "corrupt.mp4" in corrupt["error"]
    assert corrupt["error"].split(":")[0] in {"VideoOpenError", "VideoDecodeError"}
    for stem in "abcd":
        assert videos[stem]["status"] == "done"
        assert videos[stem]["attempts"] == 1
        assert videos[stem]["frames"] == SHORT_FRAMES["abcd".index(stem)]
    assert slow["frames"] == SLOW_FRAMES

    # Every good video written exactly once, nothing else left in the folder, and the same
    # predictions as `process` writes.
    assert sorted(versions) == sorted(f"{stem}.npz" for stem in processed)
    assert all(len(seen) == 1 for seen in versions.values()), versions
    assert sorted(p.name for p in out.iterdir()) == sorted([*versions, SUMMARY_FILE])
    for stem, reference in processed.items():
        assert _same_but_when(io.load_predictions(out / f"{stem}.npz"), reference), stem

    if engine == "local":
        assert not _spawned_children()
    else:
        deadline = time.monotonic() + 20
        while _ray_processes() - ray_before and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _ray_processes() - ray_before


@pytest.mark.slow
def test_rerun_redoes_only_the_missing_output(archive, clips, processed, tmp_path, environment):
    out = tmp_path / "out"
    short = [clips[name] for name in "abc"]
    assert _batch(archive, short, out, "--workers", "1") == 0
    before = {
        p.name: (p.stat().st_ino, io.load_predictions(p).provenance.created_at)
        for p in out.glob("*.npz")
    }
    (out / "b.npz").unlink()

    assert _batch(archive, short, out, "--workers", "1") == 0
    videos = _by_stem(_summary(out))
    assert {stem: v["status"] for stem, v in videos.items()} == {
        "a": "skipped",
        "b": "done",
        "c": "skipped",
    }
    assert videos["a"]["frames"] == SHORT_FRAMES[0]  # rebuilt from the output itself
    assert videos["a"]["note"] == "output already up to date"
    after = {
        p.name: (p.stat().st_ino, io.load_predictions(p).provenance.created_at)
        for p in out.glob("*.npz")
    }
    assert after["a.npz"] == before["a.npz"]
    assert after["c.npz"] == before["c.npz"]
    assert after["b.npz"][1] > before["b.npz"][1]
    assert _same_but_when(io.load_predictions(out / "b.npz"), processed["b"])

    assert _batch(archive, short, out, "--workers", "1", "--force") == 0
    assert {v["status"] for v in _summary(out)["videos"]} == {"done"}


@pytest.mark.slow
def test_a_run_killed_outright_resumes_without_redoing_anything(
    archive, clips, processed, tmp_path, environment
):
    out = tmp_path / "out"
    inputs = [clips["a"], clips["b"], clips["slow"], clips["c"]]
    command = [sys.executable, "-m", "neuropose.cli", "-q", "batch", *map(str, inputs)]
    command += ["-o", str(out), "--model", str(archive), "--workers", "1", *FLAGS]
    driver = subprocess.Popen(command, env={**os.environ, **environment})
    try:
        deadline = time.monotonic() + 300
        workers: set[int] = set()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            try:
                videos = _by_stem(_summary(out))
            except CorruptFileError:  # not written yet
                continue
            if videos["slow"]["status"] == "running":
                workers.add(int(videos["slow"]["worker"].rsplit("/", 1)[1]))
                break
        else:
            pytest.fail("the slow video was never seen running")
        assert {videos[s]["status"] for s in "ab"} == {"done"}
        driver.kill()
    finally:
        driver.kill()
        driver.wait()
    # The orphaned worker notices its driver is gone and stops by itself.
    deadline = time.monotonic() + 15
    while any(psutil.pid_exists(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(psutil.pid_exists(pid) for pid in workers)
    done_first = {p.name: p.stat().st_ino for p in out.glob("*.npz")}
    assert sorted(done_first) == ["a.npz", "b.npz"]

    assert _batch(archive, inputs, out, "--workers", "1") == 0
    videos = _by_stem(_summary(out))
    assert {s: videos[s]["status"] for s in ("a", "b", "slow", "c")} == {
        "a": "skipped",
        "b": "skipped",
        "slow": "done",
        "c": "done",
    }
    assert {name: (out / name).stat().st_ino for name in done_first} == done_first
    for stem in ("a", "b", "slow", "c"):
        assert _same_but_when(io.load_predictions(out / f"{stem}.npz"), processed[stem])
