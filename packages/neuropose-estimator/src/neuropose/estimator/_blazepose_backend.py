"""The BlazePose backend: MediaPipe's PoseLandmarker behind the common backend interface.

MediaPipe's VIDEO mode takes one frame at a time, in time order; the pipeline hands it the
filler thread's batches and the runner feeds their real frames one by one with their own
timestamps. What each array holds (see :mod:`neuropose.estimator._blazepose`):

- ``poses3d``: world landmarks in mm, **hip-centred** (``Units.frame3d`` says so in the file);
- ``root_translation_mm``: where that origin sits in the camera frame, *estimated* by fitting
  the 2D landmarks to the 3D ones through the file's camera (``Units.root_translation_mm``
  flags it as estimated);
- ``joint_confidence``: MediaPipe's landmark ``visibility``;
- ``boxes``: the landmarks' extent in the frame, and their mean ``presence``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from neuropose.estimator._backend import FramePoses, ModelIdentity, RuntimeInfo, no_people
from neuropose.estimator._blazepose import (
    BLAZEPOSE_FRAME3D,
    BlazePosePoses,
    BlazePoseRunner,
    estimate_camera_translation,
)
from neuropose.estimator._errors import EstimatorOptionError
from neuropose.schema import (
    BLAZEPOSE_33,
    BoxMeaning,
    CameraIntrinsics,
    InferenceOptions,
    RootTranslation,
    Units,
)

__all__ = ["JOINT_CONFIDENCE_SOURCE", "BlazePoseBackend"]

JOINT_CONFIDENCE_SOURCE = (
    "MediaPipe landmark visibility (0-1): likelihood that the landmark is in the frame and "
    "not occluded"
)
"""What ``joint_confidence`` holds in a BlazePose file (``Units.joint_confidence``)."""

_CPU = "/CPU:0"
# Frame times for warming up: two frames a video-frame apart, as a real video sends them.
_WARM_UP_TIMES_S = (0.0, 1.0 / 30.0)


def _is_cpu(device: str) -> bool:
    return device.strip().upper().removeprefix("/DEVICE").lstrip("/") in ("", "CPU:0", "CPU")


class BlazePoseBackend:
    """BlazePose through MediaPipe Tasks; implements ``PoseBackend``.

    Parameters
    ----------
    task
        The pose landmarker bundle (``.task``).
    identity
        Name, SHA-256 (of the ``.task`` file itself) and source, for provenance; its
        ``load_time_s`` is replaced by the time this constructor takes.
    options
        Inference options; the backend reads ``device`` (CPU only) and ``blazepose``.

    Raises
    ------
    EstimatorOptionError
        If a device other than the CPU is requested.
    CorruptBundleError, NotAPoseModelError
        If ``task`` is not a readable BlazePose bundle.
    BackendUnavailableError
        If mediapipe is not installed.
    """

    name = "blazepose"
    options_section = "blazepose"
    arrays: tuple[str, ...] = ("joint_confidence", "root_translation_mm")
    packages = ("mediapipe",)
    skeleton = BLAZEPOSE_33.skeleton
    units = Units(
        frame3d=BLAZEPOSE_FRAME3D,
        box=BoxMeaning.LANDMARK_EXTENT,
        joint_confidence=JOINT_CONFIDENCE_SOURCE,
        root_translation_mm=RootTranslation.ESTIMATED,
    )
    runtime = RuntimeInfo()
    device = _CPU

    def __init__(
        self, task: Path, identity: ModelIdentity, options: InferenceOptions | None = None
    ) -> None:
        self.options = options or InferenceOptions()
        if not _is_cpu(self.options.device):
            msg = (
                f"BlazePose runs on the CPU only (MediaPipe's CPU delegate); device "
                f"'{self.options.device}' was requested: leave --device empty or use /CPU:0"
            )
            raise EstimatorOptionError(msg)
        chosen = self.options.blazepose
        self._runner = BlazePoseRunner(
            Path(task),
            num_poses=chosen.num_poses,
            min_pose_detection_confidence=chosen.min_pose_detection_confidence,
            min_pose_presence_confidence=chosen.min_pose_presence_confidence,
            min_tracking_confidence=chosen.min_tracking_confidence,
        )
        self.model = ModelIdentity(
            identity.name, identity.sha256, identity.source, self._runner.load_time_s
        )
        # A fresh runner holds no state, so the first video needs no reset.
        self._fresh = True

    def warm_up(self, frames: npt.NDArray[np.uint8], camera: CameraIntrinsics) -> None:
        """Run two frames (first calls allocate), then forget them."""
        count = min(len(frames), len(_WARM_UP_TIMES_S))
        self.start_video(camera)
        self._runner.estimate(frames[:count], _WARM_UP_TIMES_S[:count])
        self._fresh = False

    def start_video(self, camera: CameraIntrinsics) -> None:
        """Start tracking afresh, with timestamps from zero."""
        if not self._fresh:
            self._runner.reset()
        self._fresh = False

    def estimate(
        self,
        frames: npt.NDArray[np.uint8],
        times_s: Sequence[float],
        camera: CameraIntrinsics,
    ) -> list[FramePoses]:
        """Feed the real frames to the landmarker one by one, in time order.

        Returns
        -------
        list of FramePoses
            One per entry of ``times_s``, with ``joint_confidence`` and ``root_translation_mm``.
        """
        self._fresh = False
        found = self._runner.estimate(frames[: len(times_s)], times_s)
        return [self._frame(poses, camera) for poses in found]

    def _frame(self, poses: BlazePosePoses, camera: CameraIntrinsics) -> FramePoses:
        if poses.count == 0:
            return no_people(self.skeleton.joint_count, confidence=True, root=True)
        # Every detected person must have finite values; MediaPipe always sets visibility for
        # pose landmarks, and a missing one is taken as "not visible".
        confidence = np.nan_to_num(poses.joint_confidence, nan=0.0)
        return FramePoses(
            boxes=poses.boxes,
            poses2d=poses.poses2d,
            poses3d=poses.poses3d,
            joint_confidence=confidence,
            root_translation_mm=_root_translation(poses, confidence, camera),
        )

    def close(self) -> None:
        """Release MediaPipe's graph."""
        self._runner.close()


def _root_translation(
    poses: BlazePosePoses, confidence: npt.NDArray[np.float32], camera: CameraIntrinsics
) -> npt.NDArray[np.float32]:
    """Camera-frame position of each person's hip-centred origin, in mm (an estimate).

    The confident landmarks give the fit; a person with too few of them (mostly out of frame
    or hidden) is fitted on all 33, which MediaPipe always places, rather than left without a
    value: a detected person never holds NaN in a predictions file.
    """
    fit = estimate_camera_translation(poses.poses2d, poses.poses3d, confidence, camera)
    translation = fit.translation_mm
    missing = ~np.isfinite(translation).all(axis=1)
    if missing.any():
        again = estimate_camera_translation(
            poses.poses2d[missing],
            poses.poses3d[missing],
            np.ones_like(confidence[missing]),
            camera,
        )
        translation = translation.copy()
        translation[missing] = again.translation_mm
    return translation.astype(np.float32)
