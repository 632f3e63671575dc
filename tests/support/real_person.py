"""A video of a real person with known motion, made once per machine and cached outside the repo.

The clip is :func:`neuropose.estimator.sample_clip` (scikit-image's astronaut photograph moved
by known transforms over a person-free background). It is cached under
``$XDG_CACHE_HOME/neuropose-tests`` (``~/.cache/neuropose-tests``), keyed by the generator's
source and parameters, so an edited generator never serves a stale clip.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import os
from pathlib import Path

import numpy as np

from neuropose.estimator import ModelStore, _sample_clip
from neuropose.estimator._registry import BLAZEPOSE_VARIANTS, BlazePoseVariant
from neuropose.estimator._sample_clip import SampleClip, sample_clip, sample_clip_plan
from neuropose.estimator._video import FrameReader


def cache_dir() -> Path:
    """The per-machine cache of test inputs (outside the repository)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "neuropose-tests"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Port 9 (discard) is closed on loopback: Google's host "fails" at once, as on a machine that
# reaches only the package registry, so the bundle is always built through pip.
UNREACHABLE = "http://127.0.0.1:9/unreachable"
OFFLINE_FULL: BlazePoseVariant = dataclasses.replace(
    BLAZEPOSE_VARIANTS["blazepose-full"], base_url=UNREACHABLE
)
"""blazepose-full with Google's host made unreachable: only the package-index route remains."""


def blazepose_models() -> Path:
    """The model folder holding ``blazepose-full``, built through pip on first use per machine.

    Point ``NEUROPOSE_MODEL_DIR`` at it to run the real bundle from the command line: the
    entry is then cached and usable, so nothing is downloaded.
    """
    store = ModelStore(
        cache_dir() / "models", variants={"blazepose-full": OFFLINE_FULL}, timeout_s=60
    )
    store.ensure("blazepose-full")
    return store.root


def real_person_clip(
    frames: int = 60, width: int = 640, height: int = 360, fps: float = 30.0
) -> SampleClip:
    """Return the real-person clip, writing it first if this machine has no copy yet.

    Returns
    -------
    SampleClip
        The video path, and per frame the transform of the photograph or ``None`` for the
        frames that show only the background.
    """
    from importlib.metadata import version

    generator = hashlib.sha256(inspect.getsource(_sample_clip).encode()).hexdigest()[:12]
    name = f"astronaut-{frames}f-{width}x{height}-{fps:g}fps-{generator}-skimage{version('scikit-image')}"
    path = cache_dir() / f"{name}.mp4"
    if path.is_file():
        return SampleClip(path, width, height, fps, sample_clip_plan(frames, width, height))
    # sample_clip writes under a temporary name and renames, so a concurrent or interrupted
    # run never leaves a partial file under this name.
    return sample_clip(path, frames=frames, width=width, height=height, fps=fps)


def decode_rgb(path: Path) -> tuple[np.ndarray, list[float]]:
    """Decode a whole (short) video with the estimator's reader: ``(N, H, W, 3)`` RGB and times."""
    frames: list[np.ndarray] = []
    times: list[float] = []
    with FrameReader(path) as reader:
        for frame in reader:
            frames.append(np.ascontiguousarray(frame.rgb))
            times.append(frame.time_s)
    return np.stack(frames), times
