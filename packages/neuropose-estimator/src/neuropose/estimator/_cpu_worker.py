"""Subprocess entry point for :func:`compare_to_cpu`: a benchmark with GPUs hidden."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argument: str) -> None:
    """Run the benchmark described by the JSON ``argument`` on the CPU and save the results."""
    import tensorflow as tf

    # Hide accelerators before TensorFlow creates any device.
    tf.config.set_visible_devices([], "GPU")

    from neuropose.estimator._benchmark import run_benchmark
    from neuropose.estimator._select import load_estimator
    from neuropose.estimator._store import ModelStore
    from neuropose.schema import CameraIntrinsics, InferenceOptions, io

    request = json.loads(argument)
    camera = request["intrinsics"]
    options = InferenceOptions.model_validate({**request["options"], "model": request["model"]})
    intrinsics = CameraIntrinsics.model_validate(camera) if camera else None
    estimator = load_estimator(
        options,
        ModelStore(Path(request["model_dir"])),
        allow_download=False,
        intrinsics=intrinsics,
    )
    result, predictions = run_benchmark(
        estimator, Path(request["video"]), repeats=request["repeats"]
    )
    out = Path(request["out"])
    io.save(result, out / "benchmark.json")
    io.save_predictions(predictions, out / "predictions.npz")


if __name__ == "__main__":
    main(sys.argv[1])
