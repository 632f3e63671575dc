from __future__ import annotations

import hashlib
import io
import socket
import tarfile
import threading
from pathlib import Path

import pytest

from neuropose.estimator import (
    ModelDownloadError,
    ModelIntegrityError,
    ModelInterfaceError,
    ModelNotFoundError,
    ModelStore,
    ModelVariant,
    load_model,
)
from support.models import pack, serve


def _variant(base_url: str, sha256: str | None) -> dict[str, ModelVariant]:
    variant = ModelVariant(
        "metrabs_test", "metrabs_test_archive", "none", 64, sha256=sha256, base_url=base_url
    )
    return {"metrabs_test": variant}


def test_import_list_verify_remove(tmp_path, standin_archive):
    store = ModelStore(tmp_path / "models")
    cached = store.import_path(standin_archive)
    assert cached.name == "metrabs_standin"
    assert cached.usable
    assert cached.entry is not None
    assert cached.entry.archive_sha256 == hashlib.sha256(standin_archive.read_bytes()).hexdigest()
    assert not cached.entry.pinned
    assert [m.name for m in store.list()] == ["metrabs_standin"]
    store.verify("metrabs_standin")
    store.remove("metrabs_standin")
    assert store.list() == []
    with pytest.raises(ModelNotFoundError, match="metrabs_standin"):
        store.remove("metrabs_standin")


def test_importing_the_same_archive_again_reuses_the_extraction(tmp_path, standin_archive):
    store = ModelStore(tmp_path)
    first = store.import_path(standin_archive, name="m")
    marker = first.path.parent / "entry.json"
    before = marker.stat().st_mtime_ns
    again = store.import_path(standin_archive, name="m")
    assert again.path == first.path
    assert marker.stat().st_mtime_ns == before


def test_import_of_an_extracted_folder(tmp_path, standin_dir):
    store = ModelStore(tmp_path)
    cached = store.import_path(standin_dir, name="folder_model")
    assert cached.usable
    assert cached.entry is not None
    assert cached.entry.archive_sha256 is None


def test_verify_detects_a_changed_file(tmp_path, standin_archive):
    store = ModelStore(tmp_path)
    cached = store.import_path(standin_archive, name="m")
    target = cached.path / "saved_model.pb"
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"changed files: saved_model\.pb"):
        store.verify("m")


def test_half_extracted_entry_is_never_loaded(tmp_path, standin_archive):
    store = ModelStore(tmp_path)
    cached = store.import_path(standin_archive, name="m")
    variables = next((cached.path / "variables").glob("*.data-*"))
    variables.write_bytes(variables.read_bytes()[:10])
    assert store.get("m").problem == f"file variables/{variables.name} has the wrong size"
    with pytest.raises(ModelNotFoundError, match="wrong size"):
        load_model("m", store, allow_download=False)


def test_published_hash_mismatch_on_import(tmp_path, standin_archive):
    store = ModelStore(tmp_path, variants=_variant("http://127.0.0.1:9", "0" * 64))
    with pytest.raises(ModelIntegrityError, match="published as 0000"):
        store.import_path(standin_archive, name="metrabs_test")
    assert store.list() == []


def test_download_with_progress_and_pinned_hash(tmp_path, standin_archive):
    body = standin_archive.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    seen: list[tuple[int, int | None]] = []
    with serve(lambda path, n: body if path.endswith(".tar.gz") else None) as url:
        store = ModelStore(tmp_path, variants=_variant(url, digest))
        cached = store.ensure(
            "metrabs_test", progress=lambda done, total: seen.append((done, total))
        )
    assert cached.usable
    assert cached.entry is not None
    assert cached.entry.pinned
    assert seen[-1] == (len(body), len(body))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_hash_mismatch_is_retried_once(tmp_path, standin_archive):
    body = standin_archive.read_bytes()
    digest = hashlib.sha256(body).hexdigest()
    corrupted = body[:-1] + bytes([body[-1] ^ 1])
    with serve(lambda path, n: corrupted if n == 1 else body) as url:
        cached = ModelStore(tmp_path, variants=_variant(url, digest)).download("metrabs_test")
    assert cached.usable


def test_persistent_hash_mismatch_is_an_error(tmp_path, standin_archive):
    body = standin_archive.read_bytes()
    with serve(lambda path, n: body) as url:
        store = ModelStore(tmp_path, variants=_variant(url, "1" * 64))
        with pytest.raises(ModelIntegrityError, match="twice"):
            store.download("metrabs_test")
    assert store.list() == []


def test_unpinned_download_records_the_hash(tmp_path, standin_archive):
    body = standin_archive.read_bytes()
    with serve(lambda path, n: body) as url:
        cached = ModelStore(tmp_path, variants=_variant(url, None)).download("metrabs_test")
    assert cached.entry is not None
    assert cached.entry.archive_sha256 == hashlib.sha256(body).hexdigest()
    assert not cached.entry.pinned


def test_offline_without_cache_fails_fast_and_says_what_to_do(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = ModelStore(tmp_path / "cache", variants=_variant(f"http://127.0.0.1:{port}", None))
    with pytest.raises(ModelNotFoundError) as raised:
        load_model("metrabs_test", store)
    message = str(raised.value)
    assert f"127.0.0.1:{port}/metrabs_test_archive.tar.gz" in message
    assert str(tmp_path / "cache") in message
    assert "neuropose model import metrabs_test_archive.tar.gz" in message


def test_a_stalled_host_times_out(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    port = listener.getsockname()[1]
    store = ModelStore(tmp_path, variants=_variant(f"http://127.0.0.1:{port}", None), timeout_s=0.5)
    try:
        with pytest.raises(ModelDownloadError, match="timed out"):
            store.download("metrabs_test")
    finally:
        listener.close()
        for connection in accepted:
            connection.close()


def test_archive_escaping_its_folder_is_refused(tmp_path):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        data = b"x"
        info = tarfile.TarInfo("../../outside.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ModelIntegrityError, match="not a readable model archive"):
        ModelStore(tmp_path / "models").import_path(archive)
    assert not (tmp_path / "outside.txt").exists()
    assert not list((tmp_path / "models").iterdir())


def test_archive_without_saved_model(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "readme.txt").write_text("not a model")
    archive = pack(folder, tmp_path / "x.tar.gz")
    with pytest.raises(ModelNotFoundError, match="holds no SavedModel"):
        ModelStore(tmp_path / "models").import_path(archive)


def test_wrong_artefact_is_a_named_error(tmp_path):
    import tensorflow as tf

    class NotMetrabs(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def double(self, x):
            return 2 * x

    folder = tmp_path / "other"
    tf.saved_model.save(NotMetrabs(), str(folder))
    with pytest.raises(ModelInterfaceError, match="lacks detect_poses_batched"):
        load_model(folder, ModelStore(tmp_path / "models"))


def test_unknown_model_name_lists_choices(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"downloadable variants: metrabs_l, metrabs_s"):
        load_model("metrabs_q", ModelStore(tmp_path), allow_download=False)


def test_direct_path_loads(standin_dir, tmp_path):
    loaded = load_model(standin_dir, ModelStore(tmp_path))
    assert "smpl_24" in loaded.skeletons
    assert len(loaded.sha256) == 64
    assert not Path(tmp_path).joinpath("saved_model").exists()
