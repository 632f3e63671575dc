"""The backend interface: every backend honours the same contract, and the pipeline runs any.

The conformance tests run against each backend NeuroPose ships, as it loads them from
``options.model``: the stand-in SavedModel (MeTRAbs' signatures, so it runs through the MeTRAbs
backend), BlazePose (the real bundle, built offline from the package index once per machine)
and the real MeTRAbs when ``METRABS_TEST_MODEL`` names a local copy (its weights come from its
authors' server, which tests never reach).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from neuropose.estimator import (
    BACKENDS,
    CorruptBundleError,
    Estimator,
    EstimatorOptionError,
    FramePoses,
    ModelIdentity,
    ModelNotFoundError,
    ModelStore,
    NotAPoseModelError,
    PoseBackend,
    RuntimeInfo,
    backend_for,
    load_backend,
    load_estimator,
    run_benchmark,
)
from neuropose.estimator._hashing import sha256_file
from neuropose.schema import (
    BLAZEPOSE_33,
    BoxMeaning,
    CameraIntrinsics,
    Frame3d,
    InferenceOptions,
    RootTranslation,
    Skeleton,
    Units,
    VideoPredictions,
    io,
)
from support.real_person import blazepose_models, decode_rgb, real_person_clip
from support.videos import write_video

J = {name: i for i, name in enumerate(BLAZEPOSE_33.skeleton.joint_names)}
OPTIONAL = {spec.name for spec in VideoPredictions.ARRAYS if not spec.required}
PER_PERSON = {spec.name for spec in VideoPredictions.ARRAYS if spec.per_person}


@pytest.fixture(scope="module")
def blazepose_store() -> ModelStore:
    return ModelStore(blazepose_models())


@pytest.fixture(scope="module")
def clip_frames() -> tuple[np.ndarray, list[float]]:
    frames, times = decode_rgb(real_person_clip().path)
    return frames[:6], times[:6]


def _options(model: str, **flat: object) -> InferenceOptions:
    return InferenceOptions().with_overrides({"model": model, "batch_size": 4, **flat})


# The real MeTRAbs weights come from their authors' server, which tests never reach: give a
# local SavedModel folder or .tar.gz in this variable to include them.
REAL_METRABS = os.environ.get("METRABS_TEST_MODEL", "")


@pytest.fixture(params=["standin", "blazepose", "metrabs"])
def backend(request, standin_dir, tmp_path) -> Iterator[PoseBackend]:
    if request.param == "standin":
        options = _options(str(standin_dir), skeleton="smpl_24", num_aug=1)
        store = ModelStore(tmp_path / "models")
    elif request.param == "metrabs":
        if not REAL_METRABS:
            pytest.skip("set METRABS_TEST_MODEL to a MeTRAbs SavedModel folder or .tar.gz")
        options = _options(REAL_METRABS, num_aug=1)
        store = ModelStore(tmp_path / "models")
    else:
        options = _options("blazepose-full")
        store = request.getfixturevalue("blazepose_store")
    loaded = load_backend(options, store, allow_download=False)
    yield loaded
    loaded.close()
    loaded.close()  # twice is safe


# ------------------------------------------------------------------------- conformance
def test_a_backend_declares_what_its_numbers_mean(backend):
    assert isinstance(backend, PoseBackend)
    assert backend.name in BACKENDS
    # It reads exactly one sub-model of the options, named after itself.
    assert backend.options_section == backend.name
    assert isinstance(getattr(backend.options, backend.options_section), object)
    assert backend.options_section in InferenceOptions.model_fields
    assert isinstance(backend.skeleton, Skeleton)
    assert backend.skeleton.joint_count > 0
    assert isinstance(backend.units, Units)
    assert set(backend.arrays) <= OPTIONAL
    assert isinstance(backend.model, ModelIdentity)
    assert len(backend.model.sha256) == 64
    assert backend.model.source
    assert backend.model.load_time_s >= 0
    assert backend.device == "/CPU:0"
    assert isinstance(backend.runtime, RuntimeInfo)
    assert backend.packages


def test_the_frames_of_reference_are_declared(backend):
    if backend.name == "metrabs":
        assert backend.units.frame3d == Frame3d.CAMERA
        assert backend.units.box == BoxMeaning.DETECTOR
        assert backend.units.root_translation_mm is None
    else:
        assert backend.units.frame3d == Frame3d.HIP_CENTRED
        assert backend.units.box == BoxMeaning.LANDMARK_EXTENT
        assert backend.units.root_translation_mm == RootTranslation.ESTIMATED
        assert "visibility" in str(backend.units.joint_confidence)
        assert backend.skeleton == BLAZEPOSE_33.skeleton


def _check_frame(backend: PoseBackend, poses: FramePoses) -> None:
    n, joints = poses.count, backend.skeleton.joint_count
    shapes = {
        "boxes": (n, 5),
        "poses2d": (n, joints, 2),
        "poses3d": (n, joints, 3),
        "joint_confidence": (n, joints),
        "root_translation_mm": (n, 3),
    }
    # Every model output is named after the per-person predictions array it fills.
    assert set(shapes) == {f.name for f in dataclasses.fields(FramePoses)}
    assert set(shapes) <= PER_PERSON
    for name, shape in shapes.items():
        value = getattr(poses, name)
        if name in OPTIONAL and name not in backend.arrays:
            assert value is None, name
            continue
        assert value.shape == shape, name
        assert np.isfinite(value).all(), name  # a detected person never holds NaN
    if n:
        assert ((poses.boxes[:, 4] >= 0) & (poses.boxes[:, 4] <= 1)).all()


def test_a_padded_batch_gives_one_result_per_real_frame(backend, clip_frames):
    frames, times = clip_frames
    camera = CameraIntrinsics(fx=600, fy=600, cx=320, cy=180, fov_degrees=55)
    batch = np.zeros((4, *frames.shape[1:]), np.uint8)
    backend.warm_up(batch, camera)
    backend.start_video(camera)
    batch[:3] = frames[:3]  # the fourth slot is padding: three real frames
    first = backend.estimate(batch, times[:3], camera)
    assert len(first) == 3
    for poses in first:
        _check_frame(backend, poses)
    assert sum(p.count for p in first) >= 3  # the astronaut (or bright halves) in each
    # A frame with nobody gives zero people with the right trailing shapes.
    empty = backend.estimate(np.zeros_like(batch), times[3:4], camera)
    assert [p.count for p in empty] == [0]
    _check_frame(backend, empty[0])
    # start_video forgets the previous video: the same frames give the same poses again.
    backend.start_video(camera)
    again = backend.estimate(batch, times[:3], camera)
    for one, two in zip(first, again, strict=True):
        np.testing.assert_allclose(one.poses2d, two.poses2d, atol=1e-3)


def test_the_pipeline_writes_what_the_backend_declares(backend, tmp_path):
    video = real_person_clip().path
    estimator = Estimator(backend)
    predictions = estimator.process_video(video).predictions
    assert predictions.units == backend.units
    assert predictions.skeleton == backend.skeleton
    provenance = predictions.provenance
    assert provenance.backend == backend.name
    assert (provenance.model_name, provenance.model_sha256) == (
        backend.model.name,
        backend.model.sha256,
    )
    assert provenance.parameters.model == backend.model.name
    assert provenance.parameters.device == backend.device
    assert getattr(provenance.parameters, backend.options_section) == getattr(
        backend.options, backend.options_section
    )
    for package in backend.packages:
        if package != "tensorflow-metal":
            assert package in provenance.package_versions
    for name in OPTIONAL:
        assert (getattr(predictions, name) is not None) == (name in backend.arrays), name
    for suffix in ("npz", "json"):
        io.save_predictions(predictions, tmp_path / f"p.{suffix}")
        assert io.load_predictions(tmp_path / f"p.{suffix}").same_as(predictions)


def test_options_that_disagree_with_the_loaded_backend_are_refused(backend):
    section = backend.options_section
    leaf = next(
        leaf
        for leaf in InferenceOptions.leaves()
        if leaf.path.startswith(section + ".") and leaf.annotation is float
    )
    changed = backend.options.with_overrides({leaf.name: 0.11})
    with pytest.raises(EstimatorOptionError, match=f"other {section} options"):
        Estimator(backend, changed)
    # The common options are the estimator's own.
    assert (
        Estimator(backend, backend.options.with_overrides({"batch_size": 2})).options.batch_size
        == 2
    )


# ------------------------------------------------------------------------ model choice
def test_the_backend_is_chosen_from_names_and_files(tmp_path, standin_dir, standin_archive):
    store = ModelStore(tmp_path / "models")
    assert backend_for("metrabs_l", store) == "metrabs"
    assert backend_for("metrabs_s_256", store) == "metrabs"
    for name in ("blazepose-lite", "blazepose-full", "blazepose-heavy"):
        assert backend_for(name, store) == "blazepose"
    assert backend_for(str(standin_dir), store) == "metrabs"
    assert backend_for(str(standin_archive), store) == "metrabs"
    assert backend_for(str(tmp_path / "missing.task"), store) == "blazepose"
    assert backend_for(str(tmp_path / "pose.tflite"), store) == "blazepose"
    assert backend_for("something_unknown", store) == "metrabs"


@pytest.mark.slow
def test_every_way_of_naming_the_bundle_loads_blazepose(tmp_path, blazepose_store):
    cached = blazepose_store.get("blazepose-full")
    assert cached.task_file is not None
    assert cached.entry is not None
    task_sha = sha256_file(cached.task_file)
    # Built from the wheel: the archive hash is the wheel's, the model's identity the .task's.
    assert cached.entry.archive_sha256 != task_sha
    by_name = load_backend(_options("blazepose-full"), blazepose_store, allow_download=False)
    assert (by_name.name, by_name.model.name, by_name.model.sha256) == (
        "blazepose",
        "blazepose-full",
        task_sha,
    )
    assert "mediapipe==0.10.21" in by_name.model.source
    by_name.close()
    copy = tmp_path / "clinic.task"
    copy.write_bytes(cached.task_file.read_bytes())
    by_path = load_backend(_options(str(copy)), ModelStore(tmp_path / "empty"))
    assert (by_path.model.name, by_path.model.sha256) == ("clinic", task_sha)
    by_path.close()
    assert not (tmp_path / "empty").exists()  # a path is used in place, not imported


def test_bad_model_files_are_named_errors(tmp_path):
    store = ModelStore(tmp_path / "models")
    truncated = tmp_path / "pose_landmarker_full.task"
    truncated.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(CorruptBundleError, match=r"pose_landmarker_full\.task is not a readable"):
        load_estimator(_options(str(truncated)), store)
    lone = tmp_path / "pose_landmark_full.tflite"
    lone.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(64))
    with pytest.raises(NotAPoseModelError, match="single TFLite model"):
        load_estimator(_options(str(lone)), store)
    with pytest.raises(ModelNotFoundError, match=r"missing\.task does not exist"):
        load_estimator(_options(str(tmp_path / "missing.task")), store)
    with pytest.raises(ModelNotFoundError, match="blazepose-heavy' is not in the cache"):
        load_estimator(_options("blazepose-heavy"), store, allow_download=False)


@pytest.mark.slow
def test_blazepose_runs_on_the_cpu_only(blazepose_store):
    with pytest.raises(EstimatorOptionError, match="CPU only"):
        load_backend(_options("blazepose-full", device="/GPU:0"), blazepose_store)


# ----------------------------------------------------------------- the whole pipeline
class _Centroid:
    """A third backend, written here: one "person" at the centroid of bright pixels.

    It implements the protocol and nothing else, so the pipeline running it shows that the
    protocol is all the pipeline needs.
    """

    name = "centroid"
    options_section = "metrabs"
    options = InferenceOptions().with_overrides({"model": "centroid", "batch_size": 3})
    model = ModelIdentity("centroid", "0" * 64, "tests", 0.0)
    skeleton = Skeleton(name="one_point", joint_names=("centre",))
    units = Units()
    arrays = ("joint_confidence",)
    device = "/CPU:0"
    runtime = RuntimeInfo()
    packages = ("numpy",)

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []
        self.videos = 0

    def warm_up(self, frames: np.ndarray, camera: CameraIntrinsics) -> None:
        pass

    def start_video(self, camera: CameraIntrinsics) -> None:
        self.videos += 1

    def estimate(self, frames, times_s, camera) -> list[FramePoses]:
        self.calls.append((len(frames), len(times_s)))
        found = []
        for frame in frames[: len(times_s)]:
            ys, xs = np.nonzero(frame.max(axis=2) > 128)
            if len(xs) == 0:
                found.append(FramePoses(np.zeros((0, 5), np.float32), np.zeros((0, 1, 2), np.float32), np.zeros((0, 1, 3), np.float32), np.zeros((0, 1), np.float32)))  # fmt: skip
                continue
            u, v = xs.mean(), ys.mean()
            found.append(
                FramePoses(
                    boxes=np.array([[xs.min(), ys.min(), np.ptp(xs), np.ptp(ys), 1.0]], np.float32),
                    poses2d=np.array([[[u, v]]], np.float32),
                    poses3d=np.array([[[u, v, 1000.0]]], np.float32),
                    joint_confidence=np.ones((1, 1), np.float32),
                )
            )
        return found

    def close(self) -> None:
        pass


def test_the_pipeline_runs_any_backend_with_padded_batches(tmp_path):
    video = write_video(tmp_path / "square.mp4", 10)
    backend = _Centroid()
    assert isinstance(backend, PoseBackend)
    predictions = Estimator(backend).process_video(video).predictions
    # Ten frames in batches of three: the last batch holds one real frame and two of padding.
    assert backend.calls == [(3, 3), (3, 3), (3, 3), (3, 1)]
    assert backend.videos == 1
    assert predictions.people_per_frame.tolist() == [0 if i % 5 == 4 else 1 for i in range(10)]
    assert predictions.provenance.backend == "centroid"
    assert predictions.joint_confidence is not None
    assert predictions.root_translation_mm is None
    np.testing.assert_allclose(predictions.poses2d[0, 0, 0], [10 + 7.5, 40 + 7.5], atol=0.6)


def test_a_video_with_nobody_gives_zero_people_and_a_warning(tmp_path, caplog, make_estimator):
    video = write_video(tmp_path / "empty_room.mp4", 7, lambda i: np.zeros((120, 160, 3), np.uint8))
    with caplog.at_level(logging.WARNING, logger="neuropose.estimator"):
        predictions = make_estimator().process_video(video).predictions
    assert predictions.frame_count == 7
    assert predictions.max_people == 0
    assert predictions.poses3d.shape == (7, 0, 24, 3)
    assert "empty_room.mp4: nobody was found in any of its 7 frames" in caplog.text


@pytest.mark.slow
def test_blazepose_finds_the_real_person_through_the_pipeline(blazepose_store, tmp_path):
    clip = real_person_clip()
    with load_estimator(_options("blazepose-full", batch_size=8), blazepose_store) as estimator:
        result = estimator.process_video(clip.path)
    predictions = result.predictions
    people = predictions.people_per_frame
    found = int((people[list(clip.person_frames)] > 0).sum())
    phantom = int((people[list(clip.empty_frames)] > 0).sum())
    rate = found / len(clip.person_frames)
    print(f"\nBlazePose full through process_video: the person in {rate:.0%} of her frames, in "
          f"{phantom} of {len(clip.empty_frames)} empty ones; {result.metrics.throughput_fps:.1f} "
          "frames/s end to end (640x360)")  # fmt: skip
    assert rate >= 0.9
    assert phantom == 0
    for frame in np.flatnonzero(people):
        xy = predictions.poses2d[frame, 0]
        assert xy[J["nose"], 1] < xy[[J["left_hip"], J["right_hip"]], 1].mean(), frame
        # Hip-centred 3D: the hips' midpoint is the origin, the head above it (y down).
        world = predictions.poses3d[frame, 0]
        assert np.abs(world[[J["left_hip"], J["right_hip"]]].mean(axis=0)).max() < 30
        assert world[J["nose"], 1] < -300
    root = predictions.root_translation_mm
    assert root is not None
    assert np.isfinite(root[people > 0]).all()
    assert (root[people > 0][:, 0, 2] > 500).all()  # in front of the camera, in mm
    assert predictions.units.root_translation_mm == RootTranslation.ESTIMATED
    assert result.metrics.tensorflow_version == "not used"
    assert "mediapipe" in predictions.provenance.package_versions
    assert "tensorflow" not in predictions.provenance.package_versions


@pytest.mark.slow
def test_the_benchmark_measures_the_model_alone_too(blazepose_store):
    clip = real_person_clip()
    with load_estimator(_options("blazepose-full", batch_size=8), blazepose_store) as estimator:
        result, predictions = run_benchmark(estimator, clip.path, repeats=1)
    assert result.model_name == "blazepose-full"
    assert result.model_only_throughput_fps is not None
    assert result.model_only_throughput_fps > 0
    assert predictions.frame_count == 60


def test_load_estimator_is_the_one_entry_for_metrabs_paths(standin_archive, tmp_path):
    store = ModelStore(tmp_path / "models")
    options = _options(str(standin_archive), skeleton="coco_19", num_aug=1)
    estimator = load_estimator(options, store)
    assert estimator.backend.name == "metrabs"
    assert estimator.model_name == "metrabs_standin"
    assert estimator.skeleton.name == "coco_19"
    assert [m.name for m in store.list()] == ["metrabs_standin"]  # an archive is imported
    video = write_video(tmp_path / "v.mp4", 5)
    predictions = estimator.process_video(video).predictions
    assert predictions.provenance.backend == "metrabs"
    assert predictions.units == Units()
    assert Path(predictions.metadata.file_name) == Path("v.mp4")
