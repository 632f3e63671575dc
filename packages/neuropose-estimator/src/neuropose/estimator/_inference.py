"""Streaming, batched pose estimation over one video, with any backend."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from neuropose.estimator._backend import PoseBackend
from neuropose.estimator._batching import BatchFiller
from neuropose.estimator._buffers import PredictionBuffers
from neuropose.estimator._camera import intrinsics_from_fov
from neuropose.estimator._errors import EstimatorOptionError
from neuropose.estimator._hashing import sha256_file
from neuropose.estimator._loader import LoadedModel
from neuropose.estimator._runtime import PeakMemory, package_versions
from neuropose.estimator._video import FrameReader, VideoInfo
from neuropose.schema import (
    CameraIntrinsics,
    InferenceOptions,
    PerformanceMetrics,
    ProcessVideoResult,
    ProgressCallback,
    Provenance,
    VideoMetadata,
    VideoPredictions,
)

__all__ = ["Estimator"]

log = logging.getLogger(__name__)


class Estimator:
    """Run a pose backend over videos; satisfies ``neuropose.schema.EstimatorProtocol``.

    Parameters
    ----------
    backend
        A loaded backend (:func:`neuropose.estimator.load_estimator` picks and loads one from
        ``options.model``), or a MeTRAbs model from :func:`neuropose.estimator.load_model`,
        which is wrapped in the MeTRAbs backend with ``options``.
    options
        Inference options (default: the backend's own). ``options.model`` is not read: the
        model is handed in loaded. The predictions' provenance records the options with
        ``model`` set to the loaded model's name and ``device`` to the device that ran.
    intrinsics
        Calibrated camera; when given, ``options.fov_degrees`` builds no camera. A property of
        the recording, not an inference option, so it is not part of ``options``.

    Raises
    ------
    UnknownSkeletonError
        If a MeTRAbs model has no skeleton of the requested name; the message lists the valid
        ones.
    EstimatorError
        If the requested device does not exist.
    EstimatorOptionError
        If ``options`` differ from the backend's in the options the backend read at load.
    """

    def __init__(
        self,
        backend: PoseBackend | LoadedModel,
        options: InferenceOptions | None = None,
        *,
        intrinsics: CameraIntrinsics | None = None,
    ) -> None:
        if isinstance(backend, LoadedModel):
            from neuropose.estimator._metrabs import MetrabsBackend

            self.backend: PoseBackend = MetrabsBackend(backend, options)
        else:
            self.backend = backend
        backend = self.backend
        self.options = options or backend.options
        self.intrinsics = intrinsics
        read = ("device", backend.options_section)
        loaded, given = backend.options.model_dump(), self.options.model_dump()
        differing = [name for name in read if loaded[name] != given[name]]
        if differing:
            msg = (
                f"the {backend.name} backend was loaded with other {', '.join(differing)} "
                "options than these; load it with the options you run it with"
            )
            raise EstimatorOptionError(msg)
        self.device = backend.device
        self.skeleton = backend.skeleton
        self._model_load_time_s: float | None = backend.model.load_time_s

    def close(self) -> None:
        """Release the backend's model (safe to call twice); the estimator is unusable after."""
        self.backend.close()

    def __enter__(self) -> Estimator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def model_name(self) -> str:
        """Name of the loaded model (``metrabs_l``, ``blazepose-full``, a file name)."""
        return self.backend.model.name

    def _recorded_options(self) -> InferenceOptions:
        # Provenance says what ran: the loaded model's name and the device, not the request.
        resolved = {"model": self.backend.model.name, "device": self.device}
        return InferenceOptions.model_validate({**self.options.model_dump(), **resolved})

    def camera_for(self, width: int, height: int) -> CameraIntrinsics:
        """Return the camera a video of this size is taken to have (calibrated, else from fov)."""
        if self.intrinsics is not None:
            return self.intrinsics
        return intrinsics_from_fov(width, height, self.options.fov_degrees)

    def warm_up(self, info: VideoInfo) -> None:
        """Pay the backend's one-off costs for videos of this size, outside any measurement."""
        frames = np.zeros((self.options.batch_size, info.height, info.width, 3), np.uint8)
        self.backend.warm_up(frames, self.camera_for(info.width, info.height))

    def run_frames(
        self, frames: npt.NDArray[np.uint8], times_s: list[float], camera: CameraIntrinsics
    ) -> int:
        """Run the backend alone over frames decoded beforehand, in full batches.

        For measuring the model without decoding (benchmarks); starts a new video first.

        Parameters
        ----------
        frames
            ``(N, H, W, 3)`` uint8 RGB, consecutive frames of one video.
        times_s
            Their times, seconds.
        camera
            The intrinsics to use.

        Returns
        -------
        int
            People found, summed over the frames.
        """
        batch_size = self.options.batch_size
        batch = np.zeros((batch_size, *frames.shape[1:]), np.uint8)
        self.backend.start_video(camera)
        people = 0
        for start in range(0, len(frames), batch_size):
            chunk = frames[start : start + batch_size]
            batch[: len(chunk)] = chunk
            found = self.backend.estimate(batch, times_s[start : start + len(chunk)], camera)
            people += sum(poses.count for poses in found)
        return people

    def process_video(
        self, video: Path, *, progress: ProgressCallback | None = None
    ) -> ProcessVideoResult:
        """Estimate poses in every frame of a video.

        One thread decodes frames and another converts them into the next batch while the
        backend runs on the current one. Memory stays flat in the video's length: a short frame
        queue, two batch buffers, and prediction arrays. A video in which nobody is found gives
        predictions with zero people and a logged warning, not an error.

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
        backend = self.backend
        inference_s = 0.0
        latencies: list[float] = []
        started = time.perf_counter()
        # The filler converts frames a batch ahead, so the reader needs only a short queue.
        with (
            PeakMemory() as memory,
            FrameReader(video, queue_frames=4) as reader,
            BatchFiller(reader, self.options.batch_size) as filler,
        ):
            hasher.start()
            info = reader.info
            camera = self.camera_for(info.width, info.height)
            backend.start_video(camera)
            buffers = PredictionBuffers(
                self.skeleton.joint_count, backend.arrays, info.declared_frames or 256
            )
            for batch in filler:
                filled = len(batch.times_s)
                call_started = time.perf_counter()
                # Always a full batch (shapes stay fixed); only the real frames come back.
                outputs = backend.estimate(batch.frames, batch.times_s, camera)
                elapsed = time.perf_counter() - call_started
                filler.release(batch)
                inference_s += elapsed
                latencies.extend([elapsed / filled * 1000.0] * filled)
                for stamp, people in zip(batch.times_s, outputs, strict=True):
                    buffers.append(stamp, people)
                memory.sample()
                if progress is not None:
                    progress(buffers.count, info.declared_frames or None)
            decode_s = reader.decode_time_s
        hasher.join()
        wall_s = time.perf_counter() - started
        predictions = self._predictions(video, info, camera, buffers, hashed["sha256"])
        if predictions.frame_count and buffers.persons == 0:
            log.warning(
                "%s: nobody was found in any of its %d frames; the predictions hold zero people",
                video.name,
                predictions.frame_count,
            )
        frame_count = predictions.frame_count
        runtime = backend.runtime
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
            tensorflow_version=runtime.tensorflow_version,
            metal_active=runtime.metal_active,
            metal_version=runtime.metal_version,
        )
        # The load time belongs to the first run only.
        self._model_load_time_s = None
        return ProcessVideoResult(predictions=predictions, metrics=metrics)

    def _predictions(
        self,
        video: Path,
        info: VideoInfo,
        camera: CameraIntrinsics,
        buffers: PredictionBuffers,
        sha256: str,
    ) -> VideoPredictions:
        arrays: dict[str, Any] = buffers.arrays()
        times = arrays["times_s"]
        assert times is not None  # a required array
        frame_count = buffers.count
        step = float(np.median(np.diff(times))) if frame_count > 1 else 0.0
        step = step or (1.0 / info.fps if info.fps > 0 else 0.0)
        metadata = VideoMetadata(
            file_name=video.name,
            frame_count=frame_count,
            fps=info.fps,
            width=info.width,
            height=info.height,
            rotation_degrees=info.rotation_degrees,
            duration_s=float(times[-1] + step) if frame_count else 0.0,
            sha256=sha256,
        )
        backend = self.backend
        return VideoPredictions(
            metadata=metadata,
            skeleton=self.skeleton,
            camera=camera,
            provenance=Provenance(
                backend=backend.name,
                model_name=backend.model.name,
                model_sha256=backend.model.sha256,
                model_source=backend.model.source,
                package_versions=package_versions(backend.packages),
                parameters=self._recorded_options(),
            ),
            units=backend.units,
            **arrays,
        )
