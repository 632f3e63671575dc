"""Streaming, batched MeTRAbs inference over one video."""

from __future__ import annotations

import threading
import time
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
    InferenceOptions,
    PerformanceMetrics,
    ProcessVideoResult,
    ProgressCallback,
    Provenance,
    Skeleton,
    VideoMetadata,
    VideoPredictions,
)

__all__ = ["Estimator"]


class Estimator:
    """Run a loaded MeTRAbs model over videos; satisfies ``neuropose.schema.EstimatorProtocol``.

    Parameters
    ----------
    model
        From :func:`neuropose.estimator.load_model`.
    options
        Inference options (default: every option at its default). ``options.model`` is not
        read: the model is handed in loaded. The predictions' provenance records the options
        with ``model`` set to the loaded model's name and ``device`` to the device that ran.
    intrinsics
        Calibrated camera; when given, ``options.fov_degrees`` builds no camera. A property of
        the recording, not an inference option, so it is not part of ``options``.

    Raises
    ------
    UnknownSkeletonError
        If the model has no skeleton of the requested name; the message lists the valid ones.
    EstimatorError
        If the requested device does not exist.
    """

    def __init__(
        self,
        model: LoadedModel,
        options: InferenceOptions | None = None,
        *,
        intrinsics: CameraIntrinsics | None = None,
    ) -> None:
        self.model = model
        self.options = options or InferenceOptions()
        self.intrinsics = intrinsics
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
        self._model_load_time_s: float | None = model.load_time_s
        self._warm_shapes: set[tuple[int, int]] = set()

    def _recorded_options(self) -> InferenceOptions:
        # Provenance says what ran: the loaded model's name and the resolved device, not the request.
        resolved = {"model": self.model.name, "device": self.device}
        return InferenceOptions.model_validate({**self.options.model_dump(), **resolved})

    def _camera(self, info: VideoInfo) -> CameraIntrinsics:
        if self.intrinsics is not None:
            return self.intrinsics
        return intrinsics_from_fov(info.width, info.height, self.options.fov_degrees)

    def _call(self, frames: np.ndarray, camera: CameraIntrinsics) -> dict[str, Any]:
        import tensorflow as tf

        metrabs = self.options.metrabs
        with tf.device(self.device):
            return self.model.model.detect_poses_batched(
                tf.constant(frames),
                intrinsic_matrix=tf.constant([camera.as_matrix()], tf.float32),
                distortion_coeffs=tf.constant([camera.distortion], tf.float32),
                default_fov_degrees=tf.constant(self.options.fov_degrees, tf.float32),
                num_aug=tf.constant(metrabs.num_aug, tf.int32),
                skeleton=tf.constant(metrabs.skeleton),
                detector_threshold=tf.constant(metrabs.detector_threshold, tf.float32),
                max_detections=tf.constant(metrabs.max_detections, tf.int32),
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
                parameters=self._recorded_options(),
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
