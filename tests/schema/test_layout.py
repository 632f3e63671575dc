"""The data directory's layout is a contract: these are the names operators and scripts rely on.

This is the one test that spells the layout out; every other test goes through DataDirectory.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neuropose.schema import DataDirectory


@pytest.fixture
def layout(tmp_path: Path) -> DataDirectory:
    return DataDirectory(tmp_path)


def test_every_path_of_the_documented_layout(layout):
    relative = {
        "inbox": layout.inbox,
        "outbox": layout.outbox,
        "failed": layout.failed,
        "status": layout.status_path,
        "lock": layout.lock_path,
        "job_inbox": layout.job_inbox("p1"),
        "job_output": layout.job_output("p1"),
        "results": layout.results_path("p1"),
        "predictions": layout.predictions_path("p1", "walk.MOV"),
        "completed_inputs": layout.completed_inputs("p1"),
        "failed_inputs": layout.failed_inputs("p1"),
        "corrupt_status": layout.corrupt_status_path("20260101T000000"),
        "staging": layout.staging_path("abc"),
    }
    assert {key: layout.relative(path) for key, path in relative.items()} == {
        "inbox": "in",
        "outbox": "out",
        "failed": "failed",
        "status": "out/status.json",
        "lock": ".neuropose.lock",
        "job_inbox": "in/p1",
        "job_output": "out/p1",
        "results": "out/p1/results.json",
        "predictions": "out/p1/walk.MOV.npz",
        "completed_inputs": "out/p1/inputs",
        "failed_inputs": "failed/p1",
        "corrupt_status": "out/status.json.corrupt-20260101T000000",
        "staging": ".ingest_abc",
    }


def test_create_makes_the_three_folders_and_nothing_else(layout):
    layout.create()
    layout.create()  # idempotent
    assert sorted(p.name for p in layout.root.iterdir()) == ["failed", "in", "out"]


def test_staging_pattern_matches_staging_folders_only(layout):
    layout.staging_path("1234").mkdir()
    layout.create()
    assert [p.name for p in layout.root.glob(layout.staging_path("*").name)] == [".ingest_1234"]


def test_relative_refuses_a_path_outside(layout, tmp_path):
    with pytest.raises(ValueError, match="is not in the subpath"):
        layout.relative(tmp_path.parent / "elsewhere")


def test_is_a_frozen_value(layout, tmp_path):
    assert layout == DataDirectory(tmp_path)
    with pytest.raises(AttributeError):
        layout.root = tmp_path / "other"
