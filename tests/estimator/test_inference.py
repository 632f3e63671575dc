from __future__ import annotations

import hashlib
import subprocess
import threading

import numpy as np
import pytest

from neuropose.estimator import (
    EstimatorError,
    UnknownSkeletonError,
    VideoDecodeError,
    VideoOpenError,
)
from neuropose.schema import CameraIntrinsics, EstimatorProtocol, io
from support.videos import (
    faststart_mp4,
    ffmpeg,
    moving_square,
    square_at,
    variable_frame_rate,
    with_rotation,
    write_video,
)

SQUARE = 16


def test_estimator_satisfies_the_daemon_protocol(make_estimator):
    assert isinstance(make_estimator(), EstimatorProtocol)


def test_moving_square_video(tmp_path, make_estimator):
    video = write_video(tmp_path / "trial.mp4", 22)
    calls: list[tuple[int, int | None]] = []
    result = make_estimator(batch_size=4).process_video(
        video, progress=lambda done, total: calls.append((done, total))
    )
    predictions, metrics = result.predictions, result.metrics
    assert predictions.frame_count == 22
    # Every 5th frame is black: nobody there, which is an empty frame, not a failure.
    expected_people = [0 if i % 5 == 4 else 1 for i in range(22)]
    assert predictions.people_per_frame.tolist() == expected_people
    for index in (0, 3, 7, 21):
        x_left = 10 + (2 * index) % 40
        centre = (x_left + (SQUARE - 1) / 2, 40 + (SQUARE - 1) / 2)
        joint0 = predictions.poses2d[index, 0, 0]
        assert abs(joint0[0] - centre[0]) < 1.0, (index, joint0, centre)
        assert abs(joint0[1] - centre[1]) < 1.0
    # 3D joints project back onto the 2D joints through the recorded camera.
    camera = predictions.camera
    p3 = predictions.poses3d[0, 0]
    projected = np.stack(
        [p3[:, 0] / p3[:, 2] * camera.fx + camera.cx, p3[:, 1] / p3[:, 2] * camera.fy + camera.cy],
        -1,
    )
    np.testing.assert_allclose(projected, predictions.poses2d[0, 0], atol=1e-3)
    assert predictions.skeleton.name == "smpl_24"
    assert predictions.skeleton.joint_count == 24
    np.testing.assert_allclose(predictions.times_s, np.arange(22) / 30, atol=1e-3)
    assert predictions.metadata.sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
    assert predictions.metadata.width == 160
    assert predictions.metadata.rotation_degrees == 0
    # Provenance records the options whole, as they ran.
    recorded = predictions.provenance.parameters
    assert recorded.batch_size == 4
    assert (recorded.metrabs.skeleton, recorded.metrabs.num_aug) == ("smpl_24", 1)
    assert (recorded.model, recorded.device) == ("standin", "/CPU:0")
    assert predictions.provenance.model_name == "standin"
    assert "tensorflow" in predictions.provenance.package_versions
    assert calls == [(4, 22), (8, 22), (12, 22), (16, 22), (20, 22), (22, 22)]
    assert metrics.frame_count == 22
    assert len(metrics.per_frame_latency_ms) == 22
    assert metrics.inference_time_s > 0
    assert metrics.decode_time_s > 0
    assert metrics.peak_rss_mb > 50
    assert metrics.device == "/CPU:0"
    # The result saves and reloads as it is.
    io.save_predictions(predictions, tmp_path / "p.npz")
    assert io.load_predictions(tmp_path / "p.npz").same_as(predictions)


def test_batch_size_does_not_change_results(tmp_path, make_estimator):
    video = write_video(tmp_path / "v.mp4", 9)
    one = make_estimator(batch_size=1).process_video(video).predictions
    eight = make_estimator(batch_size=8).process_video(video).predictions
    for name in ("boxes", "poses3d", "poses2d", "times_s"):
        np.testing.assert_array_equal(getattr(one, name), getattr(eight, name), err_msg=name)


def test_two_people_left_to_right(tmp_path, make_estimator):
    def two(index: int) -> np.ndarray:
        frame = square_at(20, 30)
        frame[60:76, 120:136] = 255
        return frame

    predictions = (
        make_estimator().process_video(write_video(tmp_path / "two.mp4", 3, two)).predictions
    )
    assert predictions.people_per_frame.tolist() == [2, 2, 2]
    assert predictions.poses2d[0, 0, 0, 0] < predictions.poses2d[0, 1, 0, 0]


def test_rotation_flag_is_honoured(tmp_path, make_estimator):
    source = write_video(tmp_path / "landscape.mp4", 3, lambda i: square_at(10, 40))
    rotated = with_rotation(source, tmp_path / "phone.mp4", 90)
    predictions = make_estimator().process_video(rotated).predictions
    assert (predictions.metadata.width, predictions.metadata.height) == (120, 160)
    assert predictions.metadata.rotation_degrees in (90, 270)
    # Where ffmpeg itself displays the square is where the joints must be.
    raw = subprocess.run(
        [
            ffmpeg(),
            "-v",
            "error",
            "-i",
            str(rotated),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    shown = np.frombuffer(raw, np.uint8).reshape(160, 120)
    ys, xs = np.nonzero(shown > 128)
    joint0 = predictions.poses2d[0, 0, 0]
    assert abs(joint0[0] - xs.mean()) < 1.5
    assert abs(joint0[1] - ys.mean()) < 1.5


def test_variable_frame_rate_keeps_each_timestamp(tmp_path, make_estimator):
    times = [0.0, 0.033, 0.066, 0.2, 0.233, 0.5, 0.6, 0.61, 0.7, 0.9, 1.0, 1.3]
    source = write_video(tmp_path / "cfr.mp4", len(times))
    vfr = variable_frame_rate(source, tmp_path / "vfr.mp4", times)
    predictions = make_estimator().process_video(vfr).predictions
    np.testing.assert_allclose(predictions.times_s, times, atol=1.5e-3)


def test_truncated_video_names_the_frame_reached(tmp_path, make_estimator):
    complete = faststart_mp4(write_video(tmp_path / "a.mp4", 40), tmp_path / "fast.mp4")
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(complete.read_bytes()[: complete.stat().st_size * 2 // 3])
    with pytest.raises(
        VideoDecodeError, match=r"truncated\.mp4 stopped decoding at frame \d+ of the 40"
    ) as raised:
        make_estimator().process_video(truncated)
    assert 0 < raised.value.frames_decoded < 40


def test_zero_frame_video(tmp_path, make_estimator):
    import cv2

    empty = tmp_path / "empty.mp4"
    cv2.VideoWriter(str(empty), cv2.VideoWriter.fourcc(*"mp4v"), 30, (160, 120)).release()
    with pytest.raises((VideoOpenError, VideoDecodeError), match=r"empty\.mp4"):
        make_estimator().process_video(empty)


@pytest.mark.parametrize("content", [None, b"this is not a video", b""])
def test_missing_or_non_video_files(tmp_path, make_estimator, content):
    path = tmp_path / "clip.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(VideoOpenError, match=r"clip\.mp4"):
        make_estimator().process_video(path)


def test_mjpg_avi_is_read(tmp_path, make_estimator):
    video = write_video(tmp_path / "m.avi", 6, moving_square, codec="MJPG")
    assert make_estimator().process_video(video).predictions.frame_count == 6


def test_calibrated_camera_is_used_and_the_options_are_recorded_as_set(tmp_path, make_estimator):
    camera = CameraIntrinsics(fx=150, fy=140, cx=70, cy=65, source="calibration")
    video = write_video(tmp_path / "v.mp4", 5)
    predictions = make_estimator(intrinsics=camera).process_video(video).predictions
    assert predictions.camera == camera
    p3 = predictions.poses3d[0, 0]
    projected = np.stack([p3[:, 0] / p3[:, 2] * 150 + 70, p3[:, 1] / p3[:, 2] * 140 + 65], -1)
    np.testing.assert_allclose(projected, predictions.poses2d[0, 0], atol=1e-3)
    # The field of view is recorded as set; camera.source says it built no camera.
    assert predictions.provenance.parameters.fov_degrees == 55.0


def test_unknown_skeleton_lists_valid_ones(make_estimator):
    with pytest.raises(UnknownSkeletonError, match=r"no skeleton 'h36m_17'; valid: .*'smpl_24'"):
        make_estimator(skeleton="h36m_17")


def test_missing_device_is_named(make_estimator):
    with pytest.raises(
        EstimatorError, match=r"device '/GPU:3' does not exist here; available: .*CPU:0"
    ):
        make_estimator(device="/GPU:3")


def test_failure_midway_stops_the_decoder(tmp_path, make_estimator):
    video = write_video(tmp_path / "v.mp4", 60)

    def explode(done: int, total: int | None) -> None:
        if done >= 8:
            raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        make_estimator(batch_size=4).process_video(video, progress=explode)
    alive = [t.name for t in threading.enumerate() if t.is_alive()]
    assert "neuropose-decode" not in alive
    assert "neuropose-batch" not in alive
