"""The interface every pose model implements, so one pipeline runs them all.

The :class:`~neuropose.estimator.Estimator` decodes a video, fills fixed-shape batches and
collects arrays; a backend only turns a batch of decoded frames into per-frame poses. A
backend also declares what its numbers mean: the skeleton, the units and frame of reference
written into the predictions file, the device it runs on, and which sub-model of
:class:`~neuropose.schema.InferenceOptions` it reads. Adding a model to NeuroPose is one
module implementing :class:`PoseBackend` and one entry in the model choice
(:func:`neuropose.estimator.load_estimator`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from neuropose.schema import CameraIntrinsics, InferenceOptions, Skeleton, Units

__all__ = ["FramePoses", "ModelIdentity", "PoseBackend", "RuntimeInfo", "no_people"]

FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FramePoses:
    """The people a backend found in one frame (``n`` of them, possibly zero).

    Each attribute is named after the predictions array it fills, so the pipeline copies it
    into that array's row without a table of its own.

    Attributes
    ----------
    boxes
        ``(n, 5)``: x, y, width, height in pixels and a score 0-1 (``Units.box`` says which).
    poses2d
        ``(n, J, 2)`` joint positions in pixels, origin at the top-left corner.
    poses3d
        ``(n, J, 3)`` joint positions in millimetres, in the backend's ``units.frame3d``.
    joint_confidence
        ``(n, J)`` per-joint score 0-1, or ``None`` when the model gives none.
    root_translation_mm
        ``(n, 3)`` estimated camera-frame position of the ``poses3d`` origin in millimetres,
        or ``None`` when ``poses3d`` is already camera-frame.
    """

    boxes: FloatArray
    poses2d: FloatArray
    poses3d: FloatArray
    joint_confidence: FloatArray | None = None
    root_translation_mm: FloatArray | None = None

    @property
    def count(self) -> int:
        """Number of people."""
        return int(self.boxes.shape[0])


def no_people(joints: int, *, confidence: bool = False, root: bool = False) -> FramePoses:
    """Return an empty :class:`FramePoses` with the right trailing shapes."""
    return FramePoses(
        boxes=np.zeros((0, 5), np.float32),
        poses2d=np.zeros((0, joints, 2), np.float32),
        poses3d=np.zeros((0, joints, 3), np.float32),
        joint_confidence=np.zeros((0, joints), np.float32) if confidence else None,
        root_translation_mm=np.zeros((0, 3), np.float32) if root else None,
    )


@dataclass(frozen=True, slots=True)
class ModelIdentity:
    """Which model a backend loaded, for the predictions' provenance.

    Attributes
    ----------
    name
        Cache or variant name (``metrabs_l``, ``blazepose-full``), or the file or folder name
        for a model given by path.
    sha256
        SHA-256 identifying the model's bytes: the MeTRAbs archive's (else the digest of the
        SavedModel's files), or the BlazePose ``.task`` file's own, whichever route built it.
    source
        Where it came from: a download address, a path, or how it was built.
    load_time_s
        Seconds spent loading it into memory.
    """

    name: str
    sha256: str
    source: str
    load_time_s: float


@dataclass(frozen=True, slots=True)
class RuntimeInfo:
    """The runtime a backend computes with, for the performance metrics.

    Attributes
    ----------
    tensorflow_version
        TensorFlow's version when the backend runs on TensorFlow, else ``"not used"``.
    metal_active
        True when TensorFlow runs on Apple's Metal GPU.
    metal_version
        The installed tensorflow-metal version, if any.
    """

    tensorflow_version: str = "not used"
    metal_active: bool = False
    metal_version: str | None = None


@runtime_checkable
class PoseBackend(Protocol):
    """A loaded pose model that estimates people in batches of decoded frames.

    Loading is the backend's constructor (each backend module has a ``load_*`` function that
    builds one from a resolved model and the inference options); what follows is the loaded
    object's side of the contract.

    Attributes
    ----------
    name
        The backend's name, recorded in provenance (``"metrabs"``, ``"blazepose"``).
    options_section
        The sub-model of :class:`~neuropose.schema.InferenceOptions` the backend reads
        (``"metrabs"``, ``"blazepose"``); the other sub-models mean nothing to it.
    options
        The inference options it was loaded with (its own section, and the common fields).
    model
        Which model was loaded (:class:`ModelIdentity`).
    skeleton
        The joints of every pose, in array order.
    units
        Units, frame of reference and meaning of the scores, written into every predictions
        file (``Units.frame3d``: camera frame for MeTRAbs, hip-centred for BlazePose).
    arrays
        Names of the optional prediction arrays every :class:`FramePoses` it returns fills
        (``joint_confidence``, ``root_translation_mm``); the others are ``None``.
    device
        The device it runs on (``/CPU:0``, ``/GPU:0``).
    runtime
        Runtime facts for the performance metrics.
    packages
        Distributions whose versions shape its numbers (for provenance).
    """

    # Read-only properties here, so that a plain attribute of any subtype satisfies them.
    @property
    def name(self) -> str: ...
    @property
    def options_section(self) -> str: ...
    @property
    def options(self) -> InferenceOptions: ...
    @property
    def model(self) -> ModelIdentity: ...
    @property
    def skeleton(self) -> Skeleton: ...
    @property
    def units(self) -> Units: ...
    @property
    def arrays(self) -> tuple[str, ...]: ...
    @property
    def device(self) -> str: ...
    @property
    def runtime(self) -> RuntimeInfo: ...
    @property
    def packages(self) -> tuple[str, ...]: ...

    def warm_up(self, frames: npt.NDArray[np.uint8], camera: CameraIntrinsics) -> None:
        """Pay one-off costs (graph tracing, allocations) on a batch shaped like the real ones.

        Leaves no state behind: the next video starts as if nothing had run.
        """
        ...

    def start_video(self, camera: CameraIntrinsics) -> None:
        """Forget everything about the previous video (tracking state, timestamps)."""
        ...

    def estimate(
        self,
        frames: npt.NDArray[np.uint8],
        times_s: Sequence[float],
        camera: CameraIntrinsics,
    ) -> list[FramePoses]:
        """Estimate poses in consecutive frames of the current video.

        Parameters
        ----------
        frames
            ``(N, H, W, 3)`` uint8 RGB. Only ``frames[:len(times_s)]`` are real: the last
            batch of a video is padded to the batch size (so shapes stay fixed), and the
            backend is told how many frames are real by the length of ``times_s``.
        times_s
            Presentation time of each real frame, seconds, increasing across calls until
            :meth:`start_video`.
        camera
            The intrinsics the video is taken to have.

        Returns
        -------
        list of FramePoses
            One per real frame, in order.
        """
        ...

    def close(self) -> None:
        """Release the model (safe to call twice)."""
        ...
