"""The MeTRAbs backend: a TensorFlow SavedModel with MeTRAbs' ``detect_poses_batched``.

Its 3D poses are in the camera frame (millimetres, x right, y down, z forward), lifted through
the video's intrinsics; it gives a detector score per person and no per-joint confidence. The
test stand-in (:mod:`neuropose.estimator.standin`) has the same signatures and runs here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.estimator._backend import FramePoses, ModelIdentity, RuntimeInfo
from neuropose.estimator._errors import EstimatorError, UnknownSkeletonError
from neuropose.estimator._loader import LoadedModel
from neuropose.estimator._runtime import metal_status, resolve_device
from neuropose.schema import CameraIntrinsics, InferenceOptions, Skeleton, Units

__all__ = ["MetrabsBackend"]


class MetrabsBackend:
    """Run a loaded MeTRAbs SavedModel on batches of frames; implements ``PoseBackend``.

    Parameters
    ----------
    model
        From :func:`neuropose.estimator.load_model`.
    options
        Inference options; the backend reads ``device``, ``fov_degrees`` and ``metrabs``.

    Raises
    ------
    UnknownSkeletonError
        If the model has no skeleton of the requested name; the message lists the valid ones.
    EstimatorError
        If the requested device does not exist.
    """

    name = "metrabs"
    options_section = "metrabs"
    arrays: tuple[str, ...] = ()
    packages = ("tensorflow", "tensorflow-metal")
    units = Units()

    def __init__(self, model: LoadedModel, options: InferenceOptions | None = None) -> None:
        self.loaded = model
        self.options = options or InferenceOptions()
        skeleton = self.options.metrabs.skeleton
        if skeleton not in model.skeletons:
            valid = ", ".join(repr(s) for s in model.skeletons)
            msg = f"model '{model.name}' has no skeleton '{skeleton}'; valid: {valid}"
            raise UnknownSkeletonError(msg)
        try:
            self.device = resolve_device(self.options.device)
        except ValueError as error:
            raise EstimatorError(str(error)) from None
        names = model.model.per_skeleton_joint_names[skeleton].numpy()
        edges = model.model.per_skeleton_joint_edges[skeleton].numpy()
        self.skeleton = Skeleton(
            name=skeleton,
            joint_names=tuple(n.decode() for n in names),
            joint_edges=tuple((int(a), int(b)) for a, b in edges),
        )
        self.model = ModelIdentity(model.name, model.sha256, model.source, model.load_time_s)
        import tensorflow as tf

        active, version = metal_status()
        self.runtime = RuntimeInfo(tf.__version__, active, version)

    def _call(self, frames: npt.NDArray[np.uint8], camera: CameraIntrinsics) -> dict[str, Any]:
        import tensorflow as tf

        metrabs = self.options.metrabs
        with tf.device(self.device):
            return self.loaded.model.detect_poses_batched(
                tf.constant(frames),
                intrinsic_matrix=tf.constant([camera.as_matrix()], tf.float32),
                distortion_coeffs=tf.constant([camera.distortion], tf.float32),
                default_fov_degrees=tf.constant(self.options.fov_degrees, tf.float32),
                num_aug=tf.constant(metrabs.num_aug, tf.int32),
                skeleton=tf.constant(metrabs.skeleton),
                detector_threshold=tf.constant(metrabs.detector_threshold, tf.float32),
                max_detections=tf.constant(metrabs.max_detections, tf.int32),
            )

    def warm_up(self, frames: npt.NDArray[np.uint8], camera: CameraIntrinsics) -> None:
        """Trace the graph for this batch shape (the first call of a shape pays for it)."""
        self._call(np.zeros_like(frames), camera)

    def start_video(self, camera: CameraIntrinsics) -> None:
        """Nothing to forget: MeTRAbs treats every frame on its own."""

    def estimate(
        self,
        frames: npt.NDArray[np.uint8],
        times_s: Sequence[float],
        camera: CameraIntrinsics,
    ) -> list[FramePoses]:
        """Run one full batch (the graph is traced once per shape) and keep the real frames.

        Returns
        -------
        list of FramePoses
            One per entry of ``times_s``; boxes ``(n, 5)``, poses ``(n, J, 3)`` and ``(n, J, 2)``.
        """
        result = self._call(frames, camera)
        lengths = result["boxes"].row_lengths().numpy()
        splits = np.cumsum(lengths)[:-1]
        boxes = np.split(result["boxes"].values.numpy(), splits)
        poses3d = np.split(result["poses3d"].values.numpy(), splits)
        poses2d = np.split(result["poses2d"].values.numpy(), splits)
        real = len(times_s)
        return [
            FramePoses(boxes=b, poses2d=p2, poses3d=p3)
            for b, p3, p2 in zip(boxes[:real], poses3d[:real], poses2d[:real], strict=True)
        ]

    def close(self) -> None:
        """Nothing to release early: TensorFlow frees the model with the object."""
