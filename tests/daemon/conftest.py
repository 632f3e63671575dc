from __future__ import annotations

from pathlib import Path

import pytest

from neuropose.schema import DataDirectory, Settings


def make_job(
    data: Path, name: str, videos: dict[str, bytes], extra: dict[str, bytes] | None = None
) -> Path:
    folder = DataDirectory(data).job_inbox(name)
    folder.mkdir(parents=True)
    for file_name, content in {**videos, **(extra or {})}.items():
        (folder / file_name).write_bytes(content)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        model_dir=tmp_path / "models",
        poll_interval_s=0.01,
        settle_time_s=0.0,
        status_checkpoint_every_frames=16,
    )
