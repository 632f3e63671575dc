"""Streaming, batched MeTRAbs inference over one video."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neuropose.estimator._batching import BatchFiller
from neuropose.estimator._buffers import PredictionBuffers
from neuropose.estimator._camera import intrinsics_from_fov
from neuropose.estimator._errors import EstimatorError, UnknownSkeletonError
from neuropose.estimator._hashing import sha256_file
from neuropose.estimator._loader import LoadedModel
from neuropose.estimator._runtime import PeakMemory, metal_status, package_versions, resolve_device
from neuropose.estimator._video import FrameReader, VideoInfo
from neuropose.schema import (
    CameraIntrinsics,
    InferenceParameters,
    PerformanceMetrics,
    ProcessVideoResult,
    ProgressCallback,
    Provenance,
    Skeleton,
    VideoMetadata,
    VideoPredictions,
)

__all__ = ["Estimator", "EstimatorOptions"]


@dataclass(frozen=True, slots=True)
class EstimatorOptions:
    """How to run the model.

    Attributes
    ----------
    skeleton
        MeTRAbs skeleton to report (must be one the model has).
    batch_size
        Frames per model call. Every call has this many frames (the last batch is padded) so
        the graph is traced once per video size.
    num_aug
        Test-time augmentations per detection; cost grows about linearly with it.
    fov_degrees
        Field of view over the larger image side used when ``intrinsics`` is ``None``.
    intrinsics
        Calibrated camera; when given, ``fov_degrees`` is ignored.
    detector_threshold
        Person-detector confidence threshold, 0 to 1.
    max_detections
        People kept per frame; -1 keeps all.
    device
        TensorFlow device; ``""`` picks the first GPU, else the CPU.
    """

    skeleton: str = "berkeley_mhad_43"
    batch_size: int = 8
    num_aug: int = 5
    fov_degrees: float = 55.0
    intrinsics: CameraIntrinsics | None = None
    detector_threshold: float = 0.3
    max_detections: int = -1
    device: str = ""

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.num_aug < 1:
            raise ValueError(f"num_aug must be at least 1, got {self.num_aug}")
        if not 0 <= self.detector_threshold <= 1:
            raise ValueError(f"detector_threshold must be in [0, 1], got {self.detector_threshold}")
        if not 0 < self.fov_degrees < 180:
            raise ValueError(f"fov_degrees must be in (0, 180), got {self.fov_degrees}")


class Estimator:
    """Run a loaded MeTRAbs model over videos; satisfies ``neuropose.schema.EstimatorProtocol``.

    Parameters
    ----------
    model
        From :func:`neuropose.estimator.load_model`.
    options
        Inference options.

    Raises
    ------
    UnknownSkeletonError
        If the model has no skeleton of the requested name; the message lists the valid ones.
    EstimatorError
        If the requested device does not exist.
    """

    def __init__(self, model: LoadedModel, options: EstimatorOptions | None = None) -> None:
        self.model = model
        self.options = options or EstimatorOptions()
        if self.options.skeleton not in model.skeletons:
            valid = ", ".join(repr(s) for s in model.skeletons)
            msg = f"model '{model.name}' has no skeleton '{self.options.skeleton}'; valid: {valid}"
            raise UnknownSkeletonError(msg)
        try:
            self.device = resolve_device(self.options.device)
        except ValueError as error:
            raise EstimatorError(str(error)) from None
        names = model.model.per_skeleton_joint_names[self.options.skeleton].numpy()
        edges = model.model.per_skeleton_joint_edges[self.options.skeleton].numpy()
        self.skeleton = Skeleton(
            name=self.options.skeleton,
            joint_names=tuple(n.decode() for n in names),
            joint_edges=tuple((int(a), int(b)) for a, b in edges),
        )
        self._model_load_time_s: float | None = model.load_time_s
        self._warm_shapes: set[tuple[int, int]] = set()

    def _camera(self, info: VideoInfo) -> CameraIntrinsics:
        if self.options.intrinsics is not None:
            return self.options.intrinsics
        return intrinsics_from_fov(info.width, info.height, self.options.fov_degrees)

    def _call(self, frames: np.ndarray, camera: CameraIntrinsics) -> dict[str, Any]:
        import tensorflow as tf

        with tf.device(self.device):
            return self.model.model.detect_poses_batched(
                tf.constant(frames),
                intrinsic_matrix=tf.constant([camera.as_matrix()], tf.float32),
                distortion_coeffs=tf.constant([camera.distortion], tf.float32),
                default_fov_degrees=tf.constant(self.options.fov_degrees, tf.float32),
                num_aug=tf.constant(self.options.num_aug, tf.int32),
                skeleton=tf.constant(self.options.skeleton),
                detector_threshold=tf.constant(self.options.detector_threshold, tf.float32),
                max_detections=tf.constant(self.options.max_detections, tf.int32),
            )

    def run_model(
        self, frames: np.ndarray, camera: CameraIntrinsics
    ) -> list[tuple[np.ndarray, ...]]:
        """Run one batch ``(N, H, W, 3)`` uint8 RGB and split the ragged outputs per frame.

        Returns
        -------
        list of (boxes, poses3d, poses2d)
            One tuple per frame with shapes ``(n, 5)``, ``(n, J, 3)``, ``(n, J, 2)``.
        """
        result = self._call(frames, camera)
        lengths = result["boxes"].row_lengths().numpy()
        splits = np.cumsum(lengths)[:-1]
        boxes = np.split(result["boxes"].values.numpy(), splits)
        poses3d = np.split(result["poses3d"].values.numpy(), splits)
        poses2d = np.split(result["poses2d"].values.numpy(), splits)
        return list(zip(boxes, poses3d, poses2d, strict=True))

    def process_video(
        self, video: Path, *, progress: ProgressCallback | None = None
    ) -> ProcessVideoResult:
        """Estimate poses in every frame of a video.

        One thread decodes frames and another converts them into the next batch while the
        model runs on the current one. Memory stays flat in the video's length: a short frame
        queue, two batch buffers, and prediction arrays.

        Parameters
        ----------
        video
            Video file.
        progress
            Called as ``progress(frames_done, frames_total)`` after each batch.

        Returns
        -------
        ProcessVideoResult
            Predictions (validated) and performance metrics.

        Raises
        ------
        VideoOpenError
            Missing or unreadable file.
        VideoDecodeError
            Truncated or corrupt video, or one with no frames.
        """
        video = Path(video)
        hashed: dict[str, str] = {}
        hasher = threading.Thread(
            target=lambda: hashed.setdefault("sha256", sha256_file(video)), daemon=True
        )
        batch_size = self.options.batch_size
        inference_s = 0.0
        latencies: list[float] = []
        started = time.perf_counter()
        # The filler converts frames a batch ahead, so the reader needs only a short queue.
        with (
            PeakMemory() as memory,
            FrameReader(video, queue_frames=4) as reader,
            BatchFiller(reader, batch_size) as filler,
        ):
            hasher.start()
            info = reader.info
            camera = self._camera(info)
            buffers = PredictionBuffers(self.skeleton.joint_count, info.declared_frames or 256)
            for batch in filler:
                filled = len(batch.times_s)
                call_started = time.perf_counter()
                # Always a full batch (the graph is traced once); padding outputs are dropped.
                outputs = self.run_model(batch.frames, camera)[:filled]
                elapsed = time.perf_counter() - call_started
                filler.release(batch)
                inference_s += elapsed
                latencies.extend([elapsed / filled * 1000.0] * filled)
                for stamp, (boxes, poses3d, poses2d) in zip(batch.times_s, outputs, strict=True):
                    buffers.append(stamp, boxes, poses3d, poses2d)
                memory.sample()
                if progress is not None:
                    progress(buffers.count, info.declared_frames or None)
            decode_s = reader.decode_time_s
        hasher.join()
        wall_s = time.perf_counter() - started
        arrays = buffers.arrays()
        frame_count = buffers.count
        step = float(np.median(np.diff(arrays["times_s"]))) if frame_count > 1 else 0.0
        step = step or (1.0 / info.fps if info.fps > 0 else 0.0)
        metadata = VideoMetadata(
            file_name=video.name,
            frame_count=frame_count,
            fps=info.fps,
            width=info.width,
            height=info.height,
            rotation_degrees=info.rotation_degrees,  # type: ignore[arg-type]
            duration_s=float(arrays["times_s"][-1] + step) if frame_count else 0.0,
            sha256=hashed["sha256"],
        )
        metal_active, metal_version = metal_status()
        import tensorflow as tf

        predictions = VideoPredictions(
            metadata=metadata,
            skeleton=self.skeleton,
            camera=camera,
            provenance=Provenance(
                model_name=self.model.name,
                model_sha256=self.model.sha256,
                model_source=self.model.source,
                package_versions=package_versions(),
                parameters=InferenceParameters(
                    skeleton=self.options.skeleton,
                    batch_size=batch_size,
                    num_aug=self.options.num_aug,
                    detector_threshold=self.options.detector_threshold,
                    max_detections=self.options.max_detections,
                    fov_degrees=None if self.options.intrinsics else self.options.fov_degrees,
                    device=self.device,
                ),
            ),
            times_s=arrays["times_s"],
            boxes=arrays["boxes"],
            poses3d=arrays["poses3d"],
            poses2d=arrays["poses2d"],
            track_ids=arrays["track_ids"],
        )
        metrics = PerformanceMetrics(
            frame_count=frame_count,
            wall_time_s=wall_s,
            decode_time_s=decode_s,
            inference_time_s=inference_s,
            per_frame_latency_ms=tuple(latencies),
            throughput_fps=frame_count / wall_s if wall_s > 0 else 0.0,
            peak_rss_mb=memory.peak_mb,
            model_load_time_s=self._model_load_time_s,
            device=self.device,
            tensorflow_version=tf.__version__,
            metal_active=metal_active,
            metal_version=metal_version,
        )
        # The load time belongs to the first run only.
        self._model_load_time_s = None
        return ProcessVideoResult(predictions=predictions, metrics=metrics)
