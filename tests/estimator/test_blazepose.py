"""BlazePose: the offline bundle, the model store's BlazePose entries, and a real person on video.

The bundle is built once per machine through the real offline route (pip fetches the pinned
mediapipe wheel from the configured package index) and cached under
``$XDG_CACHE_HOME/neuropose-tests``. Google's own host is never contacted: every variant here
points its first route at a closed loopback port.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neuropose.estimator import (
    ModelDownloadError,
    ModelIntegrityError,
    ModelInterfaceError,
    ModelNotFoundError,
    ModelStore,
    intrinsics_from_fov,
    load_backend,
    load_model,
)
from neuropose.estimator._blazepose import (
    BlazePoseRunner,
    estimate_camera_translation,
    timestamps_to_ms,
)
from neuropose.estimator._blazepose_bundle import write_bundle
from neuropose.estimator._blazepose_fetch import _pip_download
from neuropose.estimator._errors import (
    CorruptBundleError,
    EstimatorError,
    EstimatorOptionError,
    NotAPoseModelError,
)
from neuropose.estimator._registry import BLAZEPOSE_VARIANTS, WheelSource
from neuropose.estimator._sample_clip import FrameTransform, sample_clip_plan
from neuropose.schema import InferenceOptions, SchemaError
from neuropose.schema._skeletons import BLAZEPOSE_33, KNOWN_SKELETONS, known_skeleton
from support.real_person import cache_dir, decode_rgb, real_person_clip

# Port 9 (discard) is closed on loopback: route 1 fails at once, as on a registry-only machine.
UNREACHABLE = "http://127.0.0.1:9/unreachable"
FULL = dataclasses.replace(BLAZEPOSE_VARIANTS["blazepose-full"], base_url=UNREACHABLE)
LITE = dataclasses.replace(BLAZEPOSE_VARIANTS["blazepose-lite"], base_url=UNREACHABLE)
_wheel = FULL.wheel
assert _wheel is not None
WHEEL: WheelSource = _wheel
NAMES = BLAZEPOSE_33.skeleton.joint_names
J = {name: i for i, name in enumerate(NAMES)}


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="session")
def bundle_store() -> ModelStore:
    """The store holding blazepose-full, built through pip on first use on this machine."""
    store = ModelStore(cache_dir() / "models", variants={"blazepose-full": FULL}, timeout_s=60)
    store.ensure("blazepose-full")
    return store


@pytest.fixture(scope="session")
def bundle(bundle_store: ModelStore) -> Path:
    task = bundle_store.get("blazepose-full").task_file
    assert task is not None
    return task


@pytest.fixture(scope="session")
def mediapipe_wheel() -> Path:
    """The pinned mediapipe 0.10.21 wheel (for its non-pose models), cached per machine."""
    folder = cache_dir() / "wheels" / "mediapipe-0.10.21"
    found = sorted(folder.glob("*.whl"))
    if found:
        return found[0]
    staging = folder.with_name(f".{folder.name}-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    wheel = _pip_download(WHEEL, staging / "wheel", timeout_s=60)
    folder.parent.mkdir(parents=True, exist_ok=True)
    wheel.parent.rename(folder)
    shutil.rmtree(staging, ignore_errors=True)
    return folder / wheel.name


@pytest.fixture(scope="module")
def on_clip(bundle: Path):
    """Run BlazePose once over the real-person clip; returns (clip, poses per frame, fps)."""
    clip = real_person_clip()
    frames, times = decode_rgb(clip.path)
    assert frames.shape == (60, 360, 640, 3)
    with BlazePoseRunner(bundle) as runner:
        runner.estimate(frames[:3], times[:3])  # warm-up, then start the video afresh
        runner.reset()
        started = time.perf_counter()
        poses = runner.estimate(frames, times)
        fps = len(frames) / (time.perf_counter() - started)
    return clip, poses, fps


def _wheel_bytes(members: dict[str, bytes]) -> bytes:
    """A minimal wheel named mediapipe 0.10.21 holding ``members``, for pip's local index."""
    info = "mediapipe-0.10.21.dist-info"
    files = {
        **members,
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: mediapipe\nVersion: 0.10.21\n",
        f"{info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: neuropose-tests\nRoot-Is-Purelib: false\n"
            b"Tag: cp311-cp311-manylinux_2_28_x86_64\n"
        ),
    }
    record = "".join(f"{name},,\n" for name in files) + f"{info}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for name, data in files.items():
            wheel.writestr(name, data)
        wheel.writestr(f"{info}/RECORD", record)
    return buffer.getvalue()


def _offline_pip(monkeypatch: pytest.MonkeyPatch, links: Path | None) -> None:
    """Point pip at a local folder only (or at nothing), ignoring this machine's pip config."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    if links is None:
        monkeypatch.delenv("PIP_FIND_LINKS", raising=False)
    else:
        monkeypatch.setenv("PIP_FIND_LINKS", str(links))


# ------------------------------------------------------------------------------ skeleton
def test_blazepose_33_matches_mediapipes_landmarks_and_connections():
    from neuropose.estimator._mediapipe import import_mediapipe

    import_mediapipe()
    from mediapipe.tasks.python.vision import PoseLandmark, PoseLandmarksConnections

    assert tuple(member.name.lower() for member in sorted(PoseLandmark)) == NAMES
    theirs = {frozenset((c.start, c.end)) for c in PoseLandmarksConnections.POSE_LANDMARKS}
    ours = {frozenset(edge) for edge in BLAZEPOSE_33.skeleton.joint_edges}
    assert ours == theirs


def test_known_skeletons_mirror_left_and_right():
    mirror = BLAZEPOSE_33.mirror()
    assert NAMES[mirror[J["left_heel"]]] == "right_heel"
    assert mirror[J["nose"]] == J["nose"]
    assert all(mirror[mirror[i]] == i for i in range(33))
    for known in KNOWN_SKELETONS.values():
        for left, right in known.left_right_pairs:
            names = known.skeleton.joint_names
            assert names[left] != names[right]
    mhad = known_skeleton("berkeley_mhad_43")
    assert mhad.skeleton.joint_count == 43
    assert ("lhee", "rhee") in {
        (mhad.skeleton.joint_names[a], mhad.skeleton.joint_names[b])
        for a, b in mhad.left_right_pairs
    }
    with pytest.raises(SchemaError, match="known: berkeley_mhad_43, blazepose_33"):
        known_skeleton("coco_17")


# ------------------------------------------------------------------- importing mediapipe
def test_mediapipe_loads_without_tensorflow():
    # MediaPipe would import TensorFlow (6 s, 600 MB) only for helpers it does not need here.
    code = (
        "import sys\n"
        "from neuropose.estimator._mediapipe import import_mediapipe, import_metadata_writers\n"
        "import_mediapipe(); import_metadata_writers()\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "import tensorflow\n"  # and it still imports normally afterwards
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)


def test_missing_mediapipe_names_the_extra(monkeypatch):
    from neuropose.estimator._errors import BackendUnavailableError
    from neuropose.estimator._mediapipe import import_mediapipe

    monkeypatch.setitem(sys.modules, "mediapipe", None)
    with pytest.raises(BackendUnavailableError, match=r"neuropose-estimator\[blazepose\]"):
        import_mediapipe()


# --------------------------------------------------------------------- getting the model
@pytest.mark.slow
def test_offline_build_is_pinned_deterministic_and_verifies(bundle_store, bundle):
    entry = bundle_store.verify("blazepose-full")
    assert entry.pinned
    assert entry.archive_sha256 == WHEEL.sha256
    assert "mediapipe==0.10.21" in entry.source
    for member in (WHEEL.detector, WHEEL.landmarker):
        recorded = entry.files[f"sources/{member.file_name}"]
        assert (recorded.size, recorded.sha256) == (member.size, member.sha256)
    # The same pinned inputs always give the same bundle bytes.
    assert entry.files[bundle.name].sha256 == FULL.bundle_sha256
    with zipfile.ZipFile(bundle) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
    # Uncompressed members start on 4-byte boundaries, so MediaPipe can map them in place.
    with bundle.open("rb") as handle:
        for info in infos:
            handle.seek(info.header_offset + 26)
            name_length, extra_length = struct.unpack("<HH", handle.read(4))
            assert (info.header_offset + 30 + name_length + extra_length) % 4 == 0


@pytest.mark.slow
def test_verify_checks_the_pinned_raw_models(tmp_path, bundle_store):
    store = ModelStore(tmp_path, variants={"blazepose-full": FULL})
    shutil.copytree(bundle_store.root / "blazepose-full", tmp_path / "blazepose-full")
    source = tmp_path / "blazepose-full" / "model" / "sources" / "pose_detection.tflite"
    data = bytearray(source.read_bytes())
    data[1000] ^= 0xFF
    source.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"changed files: sources/pose_detection\.tflite"):
        store.verify("blazepose-full")
    # Someone who also rewrites the entry's manifest still fails against the pin.
    entry_path = tmp_path / "blazepose-full" / "entry.json"
    entry = json.loads(entry_path.read_text())
    entry["files"]["sources/pose_detection.tflite"]["sha256"] = hashlib.sha256(data).hexdigest()
    entry_path.write_text(json.dumps(entry))
    with pytest.raises(ModelIntegrityError, match="differs from the pinned"):
        store.verify("blazepose-full")


@pytest.mark.slow
def test_import_of_a_task_file(tmp_path, bundle):
    store = ModelStore(tmp_path / "models")
    cached = store.import_path(bundle)
    assert cached.name == "blazepose-full"  # recognised by Google's file name
    assert cached.entry is not None
    assert cached.entry.pinned  # byte-identical to the bundle NeuroPose builds
    assert cached.task_file is not None
    assert cached.task_file.read_bytes() == bundle.read_bytes()
    store.verify("blazepose-full")
    renamed = tmp_path / "clinic_pose.task"
    shutil.copyfile(bundle, renamed)
    other = store.import_path(renamed)
    assert other.name == "clinic_pose"
    assert other.entry is not None
    assert not other.entry.pinned
    store.verify("clinic_pose")
    assert store.import_path(renamed).path == other.path  # the same file again is a no-op
    # load_model is MeTRAbs' own loader and says what the entry is; load_backend picks BlazePose.
    with pytest.raises(ModelInterfaceError, match="is a BlazePose bundle"):
        load_model("clinic_pose", store, allow_download=False)
    options = InferenceOptions().with_overrides({"model": "clinic_pose"})
    backend = load_backend(options, store, allow_download=False)
    assert (backend.name, backend.model.name) == ("blazepose", "clinic_pose")
    backend.close()


def test_import_refuses_what_is_not_a_pose_bundle(tmp_path):
    store = ModelStore(tmp_path / "models")
    lone = tmp_path / "pose_detection.tflite"
    lone.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(64))
    with pytest.raises(NotAPoseModelError, match="single TFLite model"):
        store.import_path(lone)
    truncated = tmp_path / "pose_landmarker_full.task"
    truncated.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(CorruptBundleError, match="not a readable MediaPipe Tasks bundle"):
        store.import_path(truncated)
    other = tmp_path / "hand_landmarker.task"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hand_detector.tflite", b"\x1c\x00\x00\x00TFL3")
        archive.writestr("hand_landmarks_detector.tflite", b"\x1c\x00\x00\x00TFL3")
    with pytest.raises(NotAPoseModelError, match=r"lacks pose_detector\.tflite"):
        store.import_path(other)
    assert store.list() == []


def test_neither_route_gives_one_error_naming_both_and_import(tmp_path, monkeypatch):
    _offline_pip(monkeypatch, links=None)
    store = ModelStore(tmp_path, variants={"blazepose-full": FULL, "blazepose-lite": LITE})
    with pytest.raises(ModelDownloadError) as raised:
        store.download("blazepose-full")
    message = str(raised.value)
    assert "(1) Google's bundle http://127.0.0.1:9/unreachable" in message
    assert "(2) offline build from mediapipe==0.10.21 through pip: pip could not fetch" in message
    assert "neuropose model import pose_landmarker_full.task" in message
    with pytest.raises(ModelNotFoundError, match=r"not cached in .* could not get blazepose-lite"):
        store.ensure("blazepose-lite")
    with pytest.raises(ModelDownloadError, match="only blazepose-full can be built offline"):
        store.download("blazepose-lite")
    assert [p.name for p in tmp_path.iterdir()] == []  # no scratch or staging left behind


def _fake_wheel_variant(links: Path, members: dict[str, bytes]) -> ModelStore:
    wheel = _wheel_bytes(members)
    (links / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(wheel)
    source = dataclasses.replace(WHEEL, sha256=hashlib.sha256(wheel).hexdigest())
    variant = dataclasses.replace(FULL, wheel=source)
    return ModelStore(links.parent / "models", variants={"blazepose-full": variant})


def test_a_wheel_whose_model_changed_is_refused(tmp_path, monkeypatch):
    links = tmp_path / "links"
    links.mkdir()
    _offline_pip(monkeypatch, links)
    store = _fake_wheel_variant(
        links,
        {
            WHEEL.detector.member: b"\x1c\x00\x00\x00TFL3 not the pinned detector",
            WHEEL.landmarker.member: b"\x1c\x00\x00\x00TFL3 not the pinned landmarker",
        },
    )
    with pytest.raises(ModelIntegrityError, match=r"pose_detection\.tflite in .* pinned: 2959046"):
        store.download("blazepose-full")
    assert store.list() == []


def test_a_wheel_without_the_models_is_refused(tmp_path, monkeypatch):
    links = tmp_path / "links"
    links.mkdir()
    _offline_pip(monkeypatch, links)
    store = _fake_wheel_variant(links, {"mediapipe/__init__.py": b""})
    with pytest.raises(
        ModelIntegrityError, match="does not contain mediapipe/modules/pose_detection"
    ):
        store.download("blazepose-full")


def test_pip_refuses_a_wheel_that_is_not_the_pinned_one(tmp_path, monkeypatch):
    links = tmp_path / "links"
    links.mkdir()
    _offline_pip(monkeypatch, links)
    (links / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl").write_bytes(
        _wheel_bytes({"mediapipe/__init__.py": b""})
    )
    store = ModelStore(tmp_path / "models", variants={"blazepose-full": FULL})
    with pytest.raises(ModelDownloadError, match=f"Expected sha256 {WHEEL.sha256} / Got"):
        store.download("blazepose-full")


# ---------------------------------------------------------------------------- timestamps
def test_timestamps_become_strictly_increasing_milliseconds():
    assert timestamps_to_ms([0.0, 0.0333, 0.0667, 0.1]) == [0, 33, 67, 100]
    # Variable frame rate survives: uneven gaps stay uneven.
    assert timestamps_to_ms([0.0, 0.010, 0.050, 0.051]) == [0, 10, 50, 51]
    # Frames within the same millisecond are sent 1 ms apart.
    assert timestamps_to_ms([0.1, 0.1, 0.1004, 0.2]) == [100, 101, 102, 200]
    assert timestamps_to_ms([0.5], previous_ms=500) == [501]
    with pytest.raises(EstimatorError, match="reset"):
        timestamps_to_ms([1.0, 0.5])
    with pytest.raises(EstimatorError, match="finite"):
        timestamps_to_ms([float("nan")])


# --------------------------------------------------------------------- a real person
@pytest.mark.slow
def test_the_person_is_found_where_present_and_nowhere_else(on_clip):
    clip, poses, fps = on_clip
    assert len(clip.person_frames) == 50
    assert len(clip.empty_frames) == 10
    found = [i for i in clip.person_frames if poses[i].count >= 1]
    phantom = [i for i in clip.empty_frames if poses[i].count > 0]
    rate = len(found) / len(clip.person_frames)
    print(f"\nBlazePose full on the astronaut clip: person found in {rate:.0%} of person frames, "
          f"in {len(phantom)} of {len(clip.empty_frames)} empty frames; {fps:.1f} fps (model only, 640x360)")  # fmt: skip
    assert rate >= 0.9
    assert phantom == []
    assert all(poses[i].count <= 1 for i in clip.person_frames)  # one astronaut, one pose


@pytest.mark.slow
def test_nose_above_hips_and_sides_the_right_way_round(on_clip):
    clip, poses, _ = on_clip
    checked = 0
    for i in clip.person_frames:
        if poses[i].count == 0:
            continue
        xy = poses[i].poses2d[0]
        hips_y = xy[[J["left_hip"], J["right_hip"]], 1].mean()
        assert xy[J["nose"], 1] < hips_y - 50, i
        # She faces the camera: her left side appears on the image's right.
        for part in ("shoulder", "hip", "eye", "ear", "elbow"):
            assert xy[J[f"left_{part}"], 0] > xy[J[f"right_{part}"], 0], (i, part)
        checked += 1
    assert checked >= 45


@pytest.mark.slow
def test_landmarks_follow_the_known_transform_of_frame_0(on_clip):
    clip, poses, _ = on_clip
    reference = poses[0]
    first = clip.transforms[0]
    assert reference.count == 1
    assert first is not None
    medians = []
    errors = []
    for i in clip.person_frames[1:]:
        transform = clip.transforms[i]
        assert transform is not None
        if poses[i].count == 0:
            continue
        confident = (reference.joint_confidence[0] > 0.9) & (poses[i].joint_confidence[0] > 0.9)
        predicted = transform.map_from(first, reference.poses2d[0])
        error = np.linalg.norm(predicted - poses[i].poses2d[0], axis=1)[confident]
        assert confident.sum() >= 10, i
        medians.append(float(np.median(error)))
        errors.extend(error.tolist())
    print(f"\n2D landmarks vs the known transform: median {np.median(errors):.1f} px, "
          f"worst frame median {max(medians):.1f} px, p90 {np.percentile(errors, 90):.1f} px")  # fmt: skip
    assert max(medians) <= 6.0
    assert np.median(errors) <= 3.0


@pytest.mark.slow
def test_world_landmarks_are_hip_centred_millimetres_with_y_down(on_clip):
    clip, poses, _ = on_clip
    for i in clip.person_frames:
        if poses[i].count == 0:
            continue
        world = poses[i].poses3d[0]
        hips = world[[J["left_hip"], J["right_hip"]]].mean(axis=0)
        assert np.abs(hips).max() < 30, i  # origin at the hip midpoint
        shoulders = np.linalg.norm(world[J["left_shoulder"]] - world[J["right_shoulder"]])
        assert 250 < shoulders < 500, i  # an adult's shoulders, in millimetres
        assert world[J["nose"], 1] < -300, i  # y points down: the head is well above the hips
        assert world[J["left_shoulder"], 0] > world[J["right_shoulder"], 0], i  # x to the right
        assert poses[i].boxes[0, 2] > 50
        assert 0 < poses[i].boxes[0, 4] <= 1


@pytest.mark.slow
def test_camera_translation_follows_the_motion(on_clip):
    clip, poses, _ = on_clip
    camera = intrinsics_from_fov(640, 360, 55.0)
    sideways = [i for i in range(15) if poses[i].count]
    estimates = {
        i: estimate_camera_translation(
            poses[i].poses2d, poses[i].poses3d, poses[i].joint_confidence, camera
        )
        for i in clip.person_frames
        if poses[i].count
    }
    assert all(e.estimated for e in estimates.values())
    tx = np.array([estimates[i].translation_mm[0, 0] for i in sideways])
    tz = np.array([estimates[i].translation_mm[0, 2] for i in sideways])
    transforms = [t for i in sideways if (t := clip.transforms[i]) is not None]
    assert len(transforms) == len(sideways)  # every frame of the person has its transform
    centre = np.array([transform.centre_x for transform in transforms])
    assert np.corrcoef(centre, tx)[0, 1] > 0.95
    # A shift of u pixels at depth z is u * z / f millimetres sideways.
    slope = np.polyfit(centre, tx, 1)[0]
    assert slope == pytest.approx(np.median(tz) / camera.fx, rel=0.3)
    closer = [estimates[i].translation_mm[0, 2] for i in range(20, 35) if i in estimates]
    assert np.mean(closer[-3:]) < np.mean(closer[:3])  # growing in the frame = coming closer
    assert all(np.isfinite(e.reprojection_error_px).all() for e in estimates.values())


def test_camera_translation_needs_enough_confident_landmarks():
    camera = intrinsics_from_fov(640, 360, 55.0)
    rng = np.random.default_rng(0)
    world = rng.normal(0, 300, (1, 33, 3))
    rotation_free = world + np.array([100.0, -50.0, 3000.0])
    image = rotation_free[..., :2] / rotation_free[..., 2:] * camera.fx + [camera.cx, camera.cy]
    exact = estimate_camera_translation(image, world, np.ones((1, 33)), camera)
    np.testing.assert_allclose(exact.translation_mm[0], [100.0, -50.0, 3000.0], atol=1.0)
    assert exact.reprojection_error_px[0] < 0.01
    sparse = np.zeros((1, 33))
    sparse[0, :5] = 1.0
    unusable = estimate_camera_translation(image, world, sparse, camera)
    assert np.isnan(unusable.translation_mm).all()


@pytest.mark.slow
def test_num_poses_bounds_the_people_reported(bundle):
    clip = real_person_clip()
    frames, _ = decode_rgb(clip.path)
    # Two astronauts side by side, the second mirrored, on the person-free background.
    import cv2

    photo = cv2.resize(frames[0][:, 100:540], (300, 270))
    pair = np.full((360, 640, 3), 90, np.uint8)
    pair[45:315, 10:310] = photo
    pair[45:315, 330:630] = photo[:, ::-1]
    batch = np.stack([pair] * 5)
    times = [i / 30 for i in range(5)]
    for limit, expected in ((1, 1), (2, 2)):
        with BlazePoseRunner(bundle, num_poses=limit) as runner:
            counts = [p.count for p in runner.estimate(batch, times)]
        assert counts == [expected] * 5, (limit, counts)


@pytest.mark.slow
def test_runner_keeps_time_across_batches_and_resets(bundle):
    frames = np.zeros((2, 64, 64, 3), np.uint8)
    with BlazePoseRunner(bundle) as runner:
        assert [p.count for p in runner.estimate(frames, [0.0, 0.0])] == [0, 0]
        runner.estimate(frames, [0.001, 0.04])  # continues after 1 ms, as sent
        with pytest.raises(EstimatorError, match="reset"):
            runner.estimate(frames, [0.0, 0.033])
        runner.reset()
        runner.estimate(frames, [0.0, 0.033])
        with pytest.raises(EstimatorError, match="2 frames but 1 times"):
            runner.estimate(frames, [1.0])
    with pytest.raises(EstimatorError, match="closed"):
        runner.estimate(frames, [2.0, 2.1])


# ------------------------------------------------------------------------------ bad input
@pytest.mark.slow
def test_a_corrupt_task_is_a_named_error(tmp_path, bundle):
    data = bytearray(bundle.read_bytes())
    truncated = tmp_path / "truncated.task"
    truncated.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(CorruptBundleError, match=r"truncated\.task"):
        BlazePoseRunner(truncated)
    data[len(data) // 2 : len(data) // 2 + 256] = bytes(256)
    damaged = tmp_path / "damaged.task"
    damaged.write_bytes(bytes(data))
    with pytest.raises(CorruptBundleError, match=r"damaged\.task"):
        BlazePoseRunner(damaged)


@pytest.mark.slow
def test_a_tflite_that_is_not_a_pose_model_is_a_named_error(tmp_path, mediapipe_wheel):
    with zipfile.ZipFile(mediapipe_wheel) as wheel:
        palm = wheel.read("mediapipe/modules/palm_detection/palm_detection_full.tflite")
        hand = wheel.read("mediapipe/modules/hand_landmark/hand_landmark_full.tflite")
        pose_detector = wheel.read(WHEEL.detector.member)
    hands = write_bundle(palm, hand, tmp_path / "hands.task")
    with pytest.raises(
        NotAPoseModelError, match=r"pose_detector\.tflite .* is not a BlazePose pose detector"
    ):
        BlazePoseRunner(hands)
    # A pose detector where the landmark model belongs is not a landmark model either.
    swapped = write_bundle(pose_detector, pose_detector, tmp_path / "two_detectors.task")
    with pytest.raises(NotAPoseModelError, match="is not a BlazePose pose landmark model"):
        BlazePoseRunner(swapped)
    lone = tmp_path / "hand_landmark_full.tflite"
    lone.write_bytes(hand)
    with pytest.raises(NotAPoseModelError, match="single TFLite model"):
        BlazePoseRunner(lone)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"num_poses": 0}, "num_poses must be an integer of at least 1, got 0"),
        ({"num_poses": -2}, "got -2"),
        ({"num_poses": 1.5}, "got 1.5"),
        ({"min_pose_detection_confidence": 1.5}, "min_pose_detection_confidence"),
        ({"min_tracking_confidence": -0.1}, "min_tracking_confidence"),
    ],
)
def test_bad_options_are_named_errors(tmp_path, options, match):
    # Options are checked before the model file is even opened.
    with pytest.raises(EstimatorOptionError, match=match):
        BlazePoseRunner(tmp_path / "missing.task", **options)


# ------------------------------------------------------------------------- sample clip
def test_the_sample_clip_plan():
    plan = sample_clip_plan()
    assert len(plan) == 60
    assert [i for i, t in enumerate(plan) if t is None] == [15, 16, 17, 18, 19, 35, 36, 37, 38, 39]
    assert len(sample_clip_plan(150)) == 150
    moved = FrameTransform(0.5, 10.0, 300.0, 200.0)
    start = FrameTransform(0.6, 0.0, 320.0, 180.0)
    points = np.array([[256.0, 256.0], [0.0, 0.0]])  # the photograph's centre and corner
    in_start = start.map_from(FrameTransform(1.0, 0.0, 256.0, 256.0), points)
    np.testing.assert_allclose(in_start[0], [320.0, 180.0])
    np.testing.assert_allclose(moved.map_from(start, in_start)[0], [300.0, 200.0])
    # A counter-clockwise turn on screen moves a point right of the centre upwards (smaller y).
    turned = FrameTransform(1.0, 90.0, 256.0, 256.0)
    np.testing.assert_allclose(
        turned.map_from(FrameTransform(1.0, 0.0, 256.0, 256.0), [[356.0, 256.0]]),
        [[256.0, 156.0]],
        atol=1e-9,
    )
    with pytest.raises(EstimatorError, match="64 x 64"):
        sample_clip_plan(10, 32, 32)


def test_the_real_person_clip_is_a_readable_video():
    clip = real_person_clip()
    frames, times = decode_rgb(clip.path)
    assert frames.shape == (60, 360, 640, 3)
    np.testing.assert_allclose(np.diff(times), 1 / 30, atol=1e-3)
    # The empty frames are the background alone; the person frames differ from it.
    empty = frames[list(clip.empty_frames)].astype(np.int16)
    assert np.abs(empty - empty[0]).mean() < 2.0
    person = frames[list(clip.person_frames)].astype(np.int16)
    assert np.abs(person - empty[0]).mean(axis=(1, 2, 3)).min() > 10.0
