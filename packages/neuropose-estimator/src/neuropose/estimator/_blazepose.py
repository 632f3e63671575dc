"""Running BlazePose (MediaPipe Tasks PoseLandmarker, VIDEO mode) over batches of frames.

What comes out, per person, and in which units and frames:

- ``poses2d``: the 33 image landmarks in pixels (x right, y down, origin at the top-left
  corner). Landmarks MediaPipe places outside the frame (legs below the bottom edge) keep their
  out-of-frame coordinates.
- ``poses3d``: the 33 *world* landmarks in millimetres (MediaPipe gives metres). Their origin
  is the midpoint of the hips, not the camera; the axes are roughly parallel to the camera's
  (x towards the image's right, y down, z away from the camera), so a nose above the hips has
  a negative y. :func:`estimate_camera_translation` estimates where that origin sits in the
  camera frame, and the small rotation between the two.
- ``joint_confidence``: MediaPipe's per-landmark ``visibility`` (0 to 1), the likelihood that
  the landmark is in the frame and not hidden. ``presence`` (in the frame at all) stays high
  for a wrist hidden behind the torso, so it would overstate trust in occluded joints; it is
  kept as a separate array.
- ``boxes``: ``x, y, width, height`` in pixels of the landmarks' extent clipped to the frame,
  then a score: the mean ``presence`` of the 33 landmarks (PoseLandmarker reports no
  per-person score).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.estimator._blazepose_bundle import check_pose_models
from neuropose.estimator._errors import EstimatorError, EstimatorOptionError, NotAPoseModelError
from neuropose.estimator._mediapipe import import_mediapipe, native_logs_hidden
from neuropose.schema import CameraIntrinsics, Frame3d

__all__ = [
    "BLAZEPOSE_FRAME3D",
    "BlazePosePoses",
    "BlazePoseRunner",
    "TranslationEstimate",
    "estimate_camera_translation",
    "timestamps_to_ms",
]

BLAZEPOSE_FRAME3D = Frame3d.HIP_CENTRED
"""The frame of reference of BlazePose's ``poses3d`` (the schema's words for the file)."""

# MediaPipe's landmark count; the names and bones are the schema's ``blazepose_33`` skeleton,
# in the same order.
_JOINTS = 33
_MM_PER_M = 1000.0

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class BlazePosePoses:
    """The people BlazePose found in one frame (``n`` of them, possibly zero).

    Attributes
    ----------
    boxes
        ``(n, 5)``: x, y, width, height in pixels, and the mean landmark presence.
    poses2d
        ``(n, 33, 2)`` image landmarks in pixels.
    poses3d
        ``(n, 33, 3)`` world landmarks in millimetres, hip-centred (see the module notes).
    joint_confidence
        ``(n, 33)`` MediaPipe ``visibility``, 0 to 1.
    presence
        ``(n, 33)`` MediaPipe ``presence``, 0 to 1.
    """

    boxes: FloatArray
    poses2d: FloatArray
    poses3d: FloatArray
    joint_confidence: FloatArray
    presence: FloatArray

    @property
    def count(self) -> int:
        """Number of people."""
        return int(self.boxes.shape[0])


def timestamps_to_ms(times_s: Sequence[float], previous_ms: int | None = None) -> list[int]:
    """Turn frame times in seconds into the strictly increasing milliseconds VIDEO mode needs.

    Times are rounded to the nearest millisecond, so variable-frame-rate timing survives. Two
    frames that round to the same millisecond (or less than 1 ms apart) are sent 1 ms apart:
    MediaPipe rejects a timestamp that is not larger than the previous one.

    Parameters
    ----------
    times_s
        Presentation times of consecutive frames, in seconds.
    previous_ms
        Timestamp sent for the frame before the first one, if any.

    Raises
    ------
    EstimatorError
        If a time lies more than 1 ms before the previous frame's: a new video started without
        :meth:`BlazePoseRunner.reset`, or frames are out of order.
    """
    stamps: list[int] = []
    last = previous_ms
    for time_s in times_s:
        if not np.isfinite(time_s):
            raise EstimatorError(f"frame time {time_s} s is not a finite number")
        stamp = round(time_s * 1000.0)
        if last is not None and stamp <= last:
            if stamp < last - 1:
                msg = (
                    f"frame time {time_s:.4f} s comes before the previous frame "
                    f"({last / 1000.0:.4f} s); call reset() before each new video"
                )
                raise EstimatorError(msg)
            stamp = last + 1
        stamps.append(stamp)
        last = stamp
    return stamps


class BlazePoseRunner:
    """A MediaPipe PoseLandmarker in VIDEO mode: frames in time order, tracking across them.

    Parameters
    ----------
    task
        A pose landmarker bundle (``.task``).
    num_poses
        Most people reported per frame (at least 1); 2 covers a patient and a clinician.
    min_pose_detection_confidence
        Score the person detector needs to start a pose, 0 to 1.
    min_pose_presence_confidence
        Presence score a pose needs to be kept, 0 to 1.
    min_tracking_confidence
        Below this, tracking a pose from the previous frame gives way to a fresh detection.

    Raises
    ------
    EstimatorOptionError
        If ``num_poses`` is below 1 or a confidence is outside 0 to 1.
    CorruptBundleError, NotAPoseModelError
        If ``task`` is not a readable BlazePose bundle.
    BackendUnavailableError
        If mediapipe is not installed.
    """

    skeleton_name: str = "blazepose_33"
    frame3d: Frame3d = BLAZEPOSE_FRAME3D

    def __init__(
        self,
        task: Path,
        *,
        num_poses: int = 2,
        min_pose_detection_confidence: float = 0.5,
        min_pose_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if isinstance(num_poses, bool) or not isinstance(num_poses, int) or num_poses < 1:
            raise EstimatorOptionError(
                f"num_poses must be an integer of at least 1, got {num_poses!r}"
            )
        confidences = {
            "min_pose_detection_confidence": min_pose_detection_confidence,
            "min_pose_presence_confidence": min_pose_presence_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        for name, value in confidences.items():
            if not 0.0 <= value <= 1.0:
                raise EstimatorOptionError(f"{name} must be between 0 and 1, got {value}")
        self.task = Path(task)
        self.num_poses = num_poses
        self._confidences = confidences
        started = time.perf_counter()
        check_pose_models(self.task)
        self._landmarker: Any = self._create()
        self.load_time_s = time.perf_counter() - started
        self._last_ms: int | None = None

    def _create(self) -> Any:
        import_mediapipe()
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.task)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.num_poses,
            output_segmentation_masks=False,
            **self._confidences,
        )
        try:
            with native_logs_hidden():
                landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as error:
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            msg = f"MediaPipe could not load {self.task} as a pose landmarker: {first}"
            raise NotAPoseModelError(msg) from None
        # Closed with the runner, or at the latest when the interpreter exits.
        self._closer = weakref.finalize(self, _close_quietly, landmarker)
        self._first_frame = True
        return landmarker

    def reset(self) -> None:
        """Forget tracking state and timestamps; call between videos."""
        self.close()
        self._landmarker = self._create()
        self._last_ms = None

    def estimate(
        self, frames: npt.NDArray[np.uint8], times_s: Sequence[float]
    ) -> list[BlazePosePoses]:
        """Estimate poses in consecutive frames of one video.

        Parameters
        ----------
        frames
            ``(N, H, W, 3)`` uint8 RGB (or a sequence of ``(H, W, 3)`` frames).
        times_s
            Presentation time of each frame in seconds, increasing across calls until
            :meth:`reset`.

        Returns
        -------
        list of BlazePosePoses
            One per frame, in order.

        Raises
        ------
        EstimatorError
            If shapes or times are invalid, or the runner is closed.
        """
        if self._landmarker is None:
            raise EstimatorError("this BlazePose runner is closed; create a new one")
        if len(frames) != len(times_s):
            raise EstimatorError(f"{len(frames)} frames but {len(times_s)} times")
        stamps = timestamps_to_ms(times_s, self._last_ms)
        mp = import_mediapipe()
        results: list[BlazePosePoses] = []
        for frame, stamp in zip(frames, stamps, strict=True):
            if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
                msg = f"frames must be (H, W, 3) uint8 RGB, got {frame.shape} {frame.dtype}"
                raise EstimatorError(msg)
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
            if self._first_frame:  # the first frame prints one-off native notices
                with native_logs_hidden():
                    detected = self._landmarker.detect_for_video(image, stamp)
                self._first_frame = False
            else:
                detected = self._landmarker.detect_for_video(image, stamp)
            self._last_ms = stamp
            results.append(_convert(detected, frame.shape[1], frame.shape[0]))
        return results

    def close(self) -> None:
        """Release MediaPipe's graph (safe to call twice)."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            with native_logs_hidden():
                self._closer()  # closes it, once

    def __enter__(self) -> BlazePoseRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _close_quietly(landmarker: Any) -> None:
    """Close a landmarker, also when the interpreter is already shutting down.

    At exit, Python shuts down every thread-pool executor before running finalizers, and
    MediaPipe's close goes through one; the process is ending anyway, so the graph is left to
    the operating system instead of printing a traceback (twice: its ``__del__`` would retry).
    """
    try:
        landmarker.close()
    except RuntimeError:
        landmarker._handle = None


def _values(landmarks: Sequence[Any]) -> FloatArray:
    """``(33, 5)``: x, y, z, visibility, presence of one pose's landmarks."""
    rows = [
        (
            lm.x,
            lm.y,
            lm.z,
            np.nan if lm.visibility is None else lm.visibility,
            np.nan if lm.presence is None else lm.presence,
        )
        for lm in landmarks
    ]
    return np.asarray(rows, np.float32).reshape(_JOINTS, 5)


def _convert(result: Any, width: int, height: int) -> BlazePosePoses:
    image = [_values(pose) for pose in result.pose_landmarks]
    world = [_values(pose) for pose in result.pose_world_landmarks]
    count = len(image)
    if count == 0:
        return BlazePosePoses(
            boxes=np.zeros((0, 5), np.float32),
            poses2d=np.zeros((0, _JOINTS, 2), np.float32),
            poses3d=np.zeros((0, _JOINTS, 3), np.float32),
            joint_confidence=np.zeros((0, _JOINTS), np.float32),
            presence=np.zeros((0, _JOINTS), np.float32),
        )
    stacked = np.stack(image)
    poses2d = stacked[..., :2] * np.asarray([width, height], np.float32)
    poses3d = np.stack(world)[..., :3] * np.float32(_MM_PER_M)
    visibility = stacked[..., 3]
    presence = stacked[..., 4]
    low = np.clip(poses2d.min(axis=1), 0, [width, height])
    high = np.clip(poses2d.max(axis=1), 0, [width, height])
    boxes = np.concatenate([low, high - low, presence.mean(axis=1, keepdims=True)], axis=1)
    return BlazePosePoses(
        boxes=boxes.astype(np.float32),
        poses2d=poses2d.astype(np.float32),
        poses3d=poses3d.astype(np.float32),
        joint_confidence=visibility.astype(np.float32),
        presence=presence.astype(np.float32),
    )


# --------------------------------------------------------------- camera-frame translation
@dataclass(frozen=True, slots=True)
class TranslationEstimate:
    """Where each person's hip-centred 3D pose sits in the camera frame: an estimate.

    ``camera_point = rotation @ world_point + translation_mm``. Not a measurement: it comes
    from fitting the 2D landmarks with the 3D ones through an assumed camera, so its depth is
    only as good as the intrinsics and BlazePose's body proportions.

    Attributes
    ----------
    translation_mm
        ``(n, 3)`` position of the hip midpoint in the camera frame (x right, y down,
        z forward), millimetres; NaN where too few landmarks were confident.
    rotation
        ``(n, 3, 3)`` rotation from BlazePose's world axes to the camera's.
    reprojection_error_px
        ``(n,)`` root-mean-square distance between the 2D landmarks and the fitted 3D ones
        projected back, over the landmarks used, pixels.
    estimated
        Always True: a flag for whoever stores it.
    """

    translation_mm: FloatArray
    rotation: FloatArray
    reprojection_error_px: FloatArray
    estimated: bool = True


def _linear_translation(
    points2d: np.ndarray, points3d: np.ndarray, camera: CameraIntrinsics
) -> np.ndarray:
    """Least-squares translation with the rotation fixed to identity (a starting guess)."""
    u = points2d[:, 0] - camera.cx
    v = points2d[:, 1] - camera.cy
    x, y, z = points3d[:, 0], points3d[:, 1], points3d[:, 2]
    ones = np.ones_like(u)
    zeros = np.zeros_like(u)
    # u = fx (X + tx) / (Z + tz) rearranges to fx tx - u tz = u Z - fx X (and the same for v).
    rows = np.concatenate(
        [
            np.stack([camera.fx * ones, zeros, -u], axis=1),
            np.stack([zeros, camera.fy * ones, -v], axis=1),
        ]
    )
    rhs = np.concatenate([u * z - camera.fx * x, v * z - camera.fy * y])
    solution, *_ = np.linalg.lstsq(rows, rhs, rcond=None)
    return solution


def estimate_camera_translation(
    poses2d: npt.ArrayLike,
    poses3d_mm: npt.ArrayLike,
    joint_confidence: npt.ArrayLike,
    camera: CameraIntrinsics,
    *,
    min_confidence: float = 0.5,
    min_joints: int = 6,
) -> TranslationEstimate:
    """Estimate each person's camera-frame pose from its 2D/3D landmark pairs (PnP).

    Parameters
    ----------
    poses2d
        ``(n, J, 2)`` pixels.
    poses3d_mm
        ``(n, J, 3)`` hip-centred world landmarks, millimetres.
    joint_confidence
        ``(n, J)``; landmarks below ``min_confidence`` are not used.
    camera
        The intrinsics the video is assumed to have (distortion included).
    min_confidence
        Confidence a landmark needs to take part.
    min_joints
        Fewest usable landmarks for an estimate; fewer gives NaN.

    Returns
    -------
    TranslationEstimate
        Flagged as estimated.
    """
    import cv2

    points2d = np.asarray(poses2d, np.float64)
    points3d = np.asarray(poses3d_mm, np.float64)
    confidence = np.asarray(joint_confidence, np.float64)
    count = points2d.shape[0]
    translation = np.full((count, 3), np.nan, np.float32)
    rotation = np.full((count, 3, 3), np.nan, np.float32)
    error = np.full(count, np.nan, np.float32)
    matrix = np.asarray(camera.as_matrix(), np.float64)
    distortion = np.asarray(camera.distortion, np.float64)
    for person in range(count):
        use = (
            (confidence[person] >= min_confidence)
            & np.isfinite(points2d[person]).all(axis=1)
            & np.isfinite(points3d[person]).all(axis=1)
        )
        if use.sum() < max(min_joints, 4):
            continue
        image_points = points2d[person, use]
        world_points = points3d[person, use]
        guess = _linear_translation(image_points, world_points, camera)
        rvec = np.zeros((3, 1))
        tvec = guess.reshape(3, 1).copy()
        ok, rvec, tvec = cv2.solvePnP(
            world_points,
            image_points,
            matrix,
            distortion,
            rvec=rvec,
            tvec=tvec,
            useExtrinsicGuess=True,
            flags=cv2.SOLVEPNP_ITERATIVE,
        )
        if not ok or float(tvec[2, 0]) <= 0:
            # The refinement can slide behind the camera on flat poses: keep the linear guess.
            rvec = np.zeros((3, 1))
            tvec = guess.reshape(3, 1)
        projected, _ = cv2.projectPoints(world_points, rvec, tvec, matrix, distortion)
        residual = projected.reshape(-1, 2) - image_points
        translation[person] = tvec.ravel()
        rotation[person] = cv2.Rodrigues(rvec)[0]
        error[person] = float(np.sqrt(np.mean(np.sum(residual**2, axis=1))))
    return TranslationEstimate(translation, rotation, error)
