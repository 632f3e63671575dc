from __future__ import annotations

import hashlib
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from neuropose.daemon import (
    ArchiveTooLargeError,
    CorruptArchiveError,
    EmptyArchiveError,
    EncryptedMemberError,
    IngestLimits,
    InsufficientSpaceError,
    JobCollisionError,
    SuspiciousCompressionError,
    TooManyMembersError,
    UnsafeMemberError,
    ingest_zip,
    job_name_for,
)
from neuropose.schema import DataDirectory

VIDEO = bytes(range(256)) * 40  # incompressible enough to look like video


def _zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _snapshot(root: Path) -> dict[str, str]:
    """Every path below ``root`` with a hash of its bytes: "byte for byte unchanged"."""
    result = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        result[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return result


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    layout = DataDirectory(tmp_path / "data")
    layout.job_inbox("existing_job").mkdir(parents=True)
    (layout.job_inbox("existing_job") / "old.mp4").write_bytes(b"old video")
    layout.outbox.mkdir()
    return layout.root


def test_videos_become_flattened_jobs(tmp_path, data_dir):
    archive = _zip(
        tmp_path / "a.zip",
        {
            "patient_001/trial_01.mp4": VIDEO,
            "patient_001/trial 02 (left).MOV": VIDEO[:100],
            "__MACOSX/patient_001/._trial_01.mp4": b"meta",
            "patient_001/.DS_Store": b"x",
            "patient_001/notes.txt": b"notes",
        },
    )
    result = ingest_zip(archive, data_dir)
    assert result.jobs == {
        "patient_001_trial_01": "patient_001/trial_01.mp4",
        "patient_001_trial_02_left": "patient_001/trial 02 (left).MOV",
    }
    assert result.skipped == {
        "__MACOSX/patient_001/._trial_01.mp4": "macOS metadata",
        "patient_001/.DS_Store": "hidden file",
        "patient_001/notes.txt": "not a video",
    }
    layout = DataDirectory(data_dir)
    assert (layout.job_inbox("patient_001_trial_01") / "trial_01.mp4").read_bytes() == VIDEO
    assert not list(data_dir.glob(layout.staging_path("*").name))


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("patient_001/trial_01.mp4", "patient_001_trial_01"),
        ("a b/c;d.mp4", "a_b_c_d"),
        ("x.mp4", "x"),
        ("données/é.mp4", "donn_es"),
    ],
)
def test_job_names(member, expected):
    assert job_name_for(member) == expected


def _with_raw_name(path: Path, name: bytes) -> Path:
    """A zip whose single member's name is the given raw bytes (zipfile would refuse to write it)."""
    placeholder = b"P" * len(name)
    _zip(path, {placeholder.decode(): VIDEO}, compression=zipfile.ZIP_STORED)
    path.write_bytes(path.read_bytes().replace(placeholder, name))
    return path


def _symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("link.mp4")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return path


def _encrypted_zip(path: Path) -> Path:
    _zip(path, {"secret.mp4": VIDEO}, compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # Set the "encrypted" bit in the local header (offset 6) and the central directory (offset 8).
    data[6] |= 1
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1
    path.write_bytes(bytes(data))
    return path


def _lying_bomb(path: Path) -> Path:
    """A member of 2 MB of zeros whose headers claim 5x its compressed size: the data lies."""
    payload = b"\0" * 2_000_000
    _zip(path, {"bomb.mp4": payload})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        compressed = archive.infolist()[0].compress_size
    claimed = compressed * 5  # passes the size and ratio checks; only extraction can tell
    struct.pack_into("<I", data, 22, claimed)  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, claimed)
    path.write_bytes(bytes(data))
    return path


HOSTILE = {
    "absolute path": (
        lambda p: _zip(p, {"/etc/cron.d/evil.mp4": VIDEO}),
        UnsafeMemberError,
        "absolute",
    ),
    "windows absolute path": (
        lambda p: _zip(p, {"C:/evil.mp4": VIDEO}),
        UnsafeMemberError,
        "absolute",
    ),
    "dot dot": (
        lambda p: _zip(p, {"videos/../../evil.mp4": VIDEO}),
        UnsafeMemberError,
        r"climbs out",
    ),
    "backslash dot dot": (
        lambda p: _zip(p, {"videos\\..\\..\\evil.mp4": VIDEO}),
        UnsafeMemberError,
        r"climbs out",
    ),
    "symlink": (_symlink_zip, UnsafeMemberError, "symbolic link"),
    "NUL in name": (
        lambda p: _with_raw_name(p, b"ok.mp4\0.txt"),
        UnsafeMemberError,
        "NUL or control",
    ),
    "control character": (
        lambda p: _with_raw_name(p, b"a\x1b[31m.mp4"),
        UnsafeMemberError,
        "NUL or control",
    ),
    "encrypted": (_encrypted_zip, EncryptedMemberError, "encrypted"),
    "no videos": (
        lambda p: _zip(p, {"readme.txt": b"hi", "__MACOSX/x.mp4": VIDEO}),
        EmptyArchiveError,
        "holds no video",
    ),
    "empty archive": (lambda p: _zip(p, {}), EmptyArchiveError, "holds no video"),
    "too many members": (
        lambda p: _zip(p, {f"v{i}.mp4": VIDEO[:10] for i in range(6)}),
        TooManyMembersError,
        "6 entries; the limit is 5",
    ),
    "declared size over limit": (
        lambda p: _zip(p, {"a.mp4": VIDEO, "b.mp4": VIDEO}),
        ArchiveTooLargeError,
        "limit is 15000",
    ),
    "implausible ratio": (
        lambda p: _zip(p, {"zeros.mp4": b"\0" * 100_000}),
        SuspiciousCompressionError,
        "zip bomb",
    ),
    "bomb with lying headers": (_lying_bomb, CorruptArchiveError, r"bomb\.mp4"),
    "not a zip": (
        lambda p: (p.write_bytes(b"not a zip at all"), p)[1],
        CorruptArchiveError,
        "not a readable zip",
    ),
    "truncated zip": (
        lambda p: (p.write_bytes(_zip(p, {"a.mp4": VIDEO}).read_bytes()[:200]), p)[1],
        CorruptArchiveError,
        "not a readable zip",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_archives_are_rejected_and_change_nothing(tmp_path, data_dir, case):
    build, error, message = HOSTILE[case]
    archive = build(tmp_path / "hostile.zip")
    before = _snapshot(data_dir)
    limits = IngestLimits(max_members=5, max_total_bytes=15_000, max_compression_ratio=50)
    with pytest.raises(error, match=message) as raised:
        ingest_zip(archive, data_dir, limits=limits)
    assert "hostile.zip" in str(raised.value)
    assert _snapshot(data_dir) == before
    assert not (tmp_path / "etc").exists()


def test_collisions_are_reported_together(tmp_path, data_dir):
    archive = _zip(
        tmp_path / "c.zip",
        {"a/b.mp4": VIDEO, "a_b.mp4": VIDEO, "existing_job.mp4": VIDEO, "fresh.mp4": VIDEO},
    )
    before = _snapshot(data_dir)
    with pytest.raises(JobCollisionError) as raised:
        ingest_zip(archive, data_dir)
    message = str(raised.value)
    assert "a_b (from a/b.mp4, a_b.mp4)" in message
    assert "existing_job (already waiting in in/)" in message
    assert _snapshot(data_dir) == before


def test_force_replaces_waiting_jobs(tmp_path, data_dir):
    archive = _zip(tmp_path / "f.zip", {"existing_job.mp4": VIDEO})
    result = ingest_zip(archive, data_dir, force=True)
    assert result.replaced == ("existing_job",)
    waiting = DataDirectory(data_dir).job_inbox("existing_job")
    assert sorted(p.name for p in waiting.iterdir()) == ["existing_job.mp4"]


def test_completed_jobs_are_never_replaced(tmp_path, data_dir):
    layout = DataDirectory(data_dir)
    layout.job_output("done").mkdir()
    layout.results_path("done").write_text("{}")
    with pytest.raises(JobCollisionError, match="already completed"):
        ingest_zip(_zip(tmp_path / "d.zip", {"done.mp4": VIDEO}), data_dir, force=True)


def test_failure_after_some_renames_rolls_everything_back(tmp_path, data_dir, monkeypatch):
    archive = _zip(
        tmp_path / "r.zip",
        {"a.mp4": VIDEO, "b.mp4": VIDEO, "c.mp4": VIDEO, "existing_job.mp4": VIDEO},
    )
    before = _snapshot(data_dir)
    real_rename = Path.rename
    calls = {"n": 0}

    def flaky_rename(self, target):
        if self.parent.name == "jobs":
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError("simulated failure on the third job")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", flaky_rename)
    with pytest.raises(OSError, match="third job"):
        ingest_zip(archive, data_dir, force=True)
    assert _snapshot(data_dir) == before


def test_not_enough_disk_space(tmp_path, data_dir, monkeypatch):
    archive = _zip(tmp_path / "s.zip", {"a.mp4": VIDEO})
    monkeypatch.setattr("shutil.disk_usage", lambda path: type("U", (), {"free": 10})())
    before = _snapshot(data_dir)
    with pytest.raises(InsufficientSpaceError, match="has 10 free"):
        ingest_zip(archive, data_dir)
    assert _snapshot(data_dir) == before
