"""Performance measurements of an estimator run and of a benchmark."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from neuropose.schema._base import PersistedModel, ValueModel

__all__ = ["BenchmarkAggregate", "BenchmarkResult", "CpuComparison", "PerformanceMetrics"]

NonNegative = Field(ge=0)


class PerformanceMetrics(ValueModel):
    """How one ``process_video`` call performed.

    Attributes
    ----------
    frame_count
        Frames processed.
    wall_time_s
        Time from the first decoded frame request to the last prediction, in seconds.
    decode_time_s
        Time the decoding thread spent reading and converting frames, in seconds.
    inference_time_s
        Time spent inside model calls, in seconds.
    per_frame_latency_ms
        Model time of each frame's batch divided by the frames it held, in milliseconds.
    throughput_fps
        ``frame_count / wall_time_s``, frames per second.
    peak_rss_mb
        Highest resident memory of the process during the run, in MiB.
    model_load_time_s
        Seconds this video paid for loading the model: the load time for the run that loaded
        it (the model runtime's import included, when that load was the process's first),
        ``0.0`` when the model was already loaded (reused). ``None`` only where it is not
        known: files written before 0.2, whose later runs recorded ``None`` for a reuse.
    device
        TensorFlow device actually used (``"/CPU:0"``, ``"/GPU:0"``).
    tensorflow_version
        ``tf.__version__``.
    metal_active
        True when the tensorflow-metal plugin is loaded and a GPU is visible.
    metal_version
        Installed tensorflow-metal version, if any.
    """

    frame_count: int = NonNegative
    wall_time_s: float = NonNegative
    decode_time_s: float = NonNegative
    inference_time_s: float = NonNegative
    per_frame_latency_ms: tuple[float, ...] = ()
    throughput_fps: float = NonNegative
    peak_rss_mb: float = NonNegative
    model_load_time_s: float | None = None
    device: str
    tensorflow_version: str
    metal_active: bool = False
    metal_version: str | None = None


class BenchmarkAggregate(ValueModel):
    """Statistics over the measured (non-warm-up) passes of a benchmark.

    Latencies are per frame, in milliseconds; throughput in frames per second; memory in MiB.
    """

    passes: int = Field(ge=1)
    frames_per_pass: int = NonNegative
    mean_latency_ms: float = NonNegative
    p50_latency_ms: float = NonNegative
    p95_latency_ms: float = NonNegative
    p99_latency_ms: float = NonNegative
    mean_throughput_fps: float = NonNegative
    max_peak_rss_mb: float = NonNegative


class CpuComparison(ValueModel):
    """The same benchmark with GPUs hidden, for checking accelerator numerics and speed.

    Attributes
    ----------
    cpu
        Aggregate of the CPU-only run.
    speedup
        Accelerated mean throughput divided by CPU mean throughput.
    max_poses3d_divergence_mm
        Largest element-wise absolute difference of ``poses3d`` in millimetres, over frames where
        both runs found the same number of people; ``None`` when no frame qualified.
    frames_compared
        Number of frames that entered the divergence.
    """

    cpu: BenchmarkAggregate
    speedup: float = NonNegative
    max_poses3d_divergence_mm: float | None = None
    frames_compared: int = NonNegative


class BenchmarkResult(PersistedModel):
    """A saved benchmark run (``neuropose benchmark --json``).

    Attributes
    ----------
    video_file_name
        The benchmarked video's file name.
    model_name
        The model that ran.
    warmup_discarded
        True: a first pass (graph tracing, caches) ran and is not among ``passes``.
    passes
        Metrics of each measured pass of the whole pipeline (decoding overlapped with the model).
    aggregate
        Statistics over ``passes``.
    model_only_throughput_fps
        The model alone on frames decoded beforehand, frames per second (the median of one
        round per pass); ``aggregate.mean_throughput_fps`` divided by it says how well decoding
        hides behind inference. ``None`` in results saved before it was measured.
    cpu_comparison
        The same benchmark with GPUs hidden, when asked for.
    """

    KIND: ClassVar[str] = "benchmark_result"

    video_file_name: str
    model_name: str
    warmup_discarded: bool = True
    passes: tuple[PerformanceMetrics, ...]
    aggregate: BenchmarkAggregate
    model_only_throughput_fps: float | None = Field(default=None, ge=0)
    cpu_comparison: CpuComparison | None = None
