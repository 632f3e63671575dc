"""Save and load times and sizes of a 30-minute predictions file, binary vs JSON.

Builds 54,000 frames (30 min at 30 fps) of one person with 43 joints, then saves and loads
(with full validation) the compressed ``.npz``, the raw ``.npz`` and the JSON form.
Prints absolute numbers and the ratios from this one run.

Targets (issue 2): compressed binary loads in <= 0.2 s, is <= 30 MB, and loads >= 30x faster
than JSON.

Run: ``uv run python scripts/bench/predictions_io.py [--frames N]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from neuropose.schema import io
from support.predictions import make_predictions


def _timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--frames", type=int, default=54_000)
    parser.add_argument("--repeats", type=int, default=3, help="best-of for binary loads")
    args = parser.parse_args()
    predictions = make_predictions(args.frames, 1, 43)
    results: dict[str, tuple[float, float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, name, kwargs in (
            ("npz (compressed)", "p.npz", {"compress": True}),
            ("npz (raw)", "raw.npz", {"compress": False}),
            ("json", "p.json", {}),
        ):
            path = Path(folder) / name
            _, save_s = _timed(io.save_predictions, predictions, path, **kwargs)
            repeats = 1 if label == "json" else args.repeats
            loads = []
            loaded = None
            for _ in range(repeats):
                loaded, load_s = _timed(io.load_predictions, path)
                loads.append(load_s)
            assert loaded is not None
            assert loaded.same_as(predictions), f"{label} did not round-trip exactly"
            results[label] = (save_s, min(loads), path.stat().st_size / 1e6)
    print(f"{args.frames} frames x 1 person x 43 joints")
    print(f"{'form':18s} {'save s':>8s} {'load s':>8s} {'MB':>8s}")
    for label, (save_s, load_s, size) in results.items():
        print(f"{label:18s} {save_s:8.3f} {load_s:8.3f} {size:8.1f}")
    json_load = results["json"][1]
    _, binary_load, binary_size = results["npz (compressed)"]
    print(f"JSON load / compressed npz load: {json_load / binary_load:.1f}x (target >= 30x)")
    print(f"JSON load / raw npz load:        {json_load / results['npz (raw)'][1]:.1f}x")
    print(f"compressed npz size / JSON size: {binary_size / results['json'][2]:.3f}")
    print(
        f"compressed npz: load {binary_load:.3f} s (target <= 0.2), {binary_size:.1f} MB "
        f"(target <= 30)"
    )


if __name__ == "__main__":
    main()
