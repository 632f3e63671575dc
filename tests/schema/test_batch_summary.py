"""``batch-summary.json`` is a versioned contract: it validates, round-trips and refuses drift."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from neuropose.schema import BatchSummary, BatchVideo, BatchVideoStatus, SchemaError, io


def _summary() -> BatchSummary:
    when = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    videos = (
        BatchVideo(video="/data/a.mp4", output="/out/a.npz", status="done", frames=300, fps=41.5),
        BatchVideo(video="/data/b.mp4", output="/out/b.npz", status="failed", error="E: bad"),
        BatchVideo(video="/data/c.mp4", output="/out/c.npz", status="pending"),
    )
    counts: dict[BatchVideoStatus, int] = {
        "pending": 1,
        "running": 0,
        "done": 1,
        "skipped": 0,
        "failed": 1,
    }
    return BatchSummary(
        engine="local",
        workers=2,
        started_at=when,
        updated_at=when,
        finished=False,
        counts=counts,
        videos=videos,
    )


def test_the_summary_round_trips_through_its_file(tmp_path):
    path = tmp_path / BatchSummary.FILE_NAME
    io.save(_summary(), path)
    assert io.load(path, BatchSummary) == _summary()
    assert json.loads(path.read_text())["schema_version"] == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["counts"].update(done=2), "counts .* do not match"),
        (lambda d: d["videos"][0].update(status="finished"), "videos.0.status"),
        (lambda d: d["videos"][0].update(frames=-1), "videos.0.frames"),
        (lambda d: d.update(schema_version=2), "upgrade neuropose-schema"),
    ],
)
def test_a_drifted_summary_is_refused_by_name(tmp_path, change, named):
    document = _summary().model_dump(mode="json")
    change(document)
    path = tmp_path / BatchSummary.FILE_NAME
    path.write_text(json.dumps(document))
    # SchemaError: a field that fails validation, or a version this package cannot read.
    with pytest.raises(SchemaError, match=named):
        io.load(path, BatchSummary)
