"""The one input every writer reads: per-identity series gathered from a predictions file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from neuropose.analysis.export._errors import ExportValueError, UnknownIdentityError
from neuropose.schema import NO_TRACK, Frame3d, QualityFlag, VideoPredictions

__all__ = [
    "FLAG_BITS",
    "MISSING_FLAG",
    "ExportData",
    "PersonSeries",
    "export_data",
    "software_versions",
]

FLAG_BITS: tuple[tuple[str, int], ...] = tuple(
    (flag.name.lower(), int(flag)) for flag in QualityFlag if flag.name is not None
)
"""Names and values of the per-sample quality bits (:class:`~neuropose.schema.QualityFlag`),
for the headers of the files the exporters write."""

_CAMERA_FRAME = Frame3d.CAMERA.value

OBSERVED_FLAG = int(QualityFlag.OBSERVED)
"""The quality bit for a measured value."""

INTERPOLATED_FLAG = int(QualityFlag.INTERPOLATED)
"""The quality bit for a value filled in across a short gap."""

MISSING_FLAG = int(QualityFlag.MISSING)
"""The quality bit for a sample with no value."""

REASON_FLAGS = int(QualityFlag.LOW_CONFIDENCE | QualityFlag.OUTLIER_REPLACED)
"""Bits saying why a raw value was discarded (low confidence, outlier)."""

ArrayT = TypeVar("ArrayT", bound=np.ndarray)


@dataclass(frozen=True, eq=False)
class PersonSeries:
    """Everything known about one identity, on the frame grid of its :class:`ExportData`.

    Attributes
    ----------
    track_id
        The identity's track id (the person slot when the file was not tracked).
    poses3d
        ``(frames, joints, 3)`` float32, millimetres, in the frame of reference the data's
        ``frame3d`` names (axes x right, y down, z forward); NaN where the person was not seen.
    poses2d
        ``(frames, joints, 2)`` float32, pixels; NaN where the person was not seen.
    confidence
        ``(frames, joints)`` float32 in 0..1, NaN where not seen, or ``None`` when the model
        gave none.
    flags
        ``(frames, joints)`` uint8 quality bits (see :data:`FLAG_BITS`), or ``None`` when the
        data carry none.
    """

    track_id: int
    poses3d: npt.NDArray[np.float32]
    poses2d: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32] | None = None
    flags: npt.NDArray[np.uint8] | None = None

    @property
    def present(self) -> npt.NDArray[np.bool_]:
        """``(frames,)``: True where any joint of this person has a 3D or 2D value."""
        seen = np.isfinite(self.poses3d).any(axis=(1, 2)) | np.isfinite(self.poses2d).any(
            axis=(1, 2)
        )
        return np.asarray(seen, np.bool_)


@dataclass(frozen=True, eq=False)
class ExportData:
    """Per-identity pose series plus the header facts the export formats record.

    Build it with :func:`export_data`; every writer in :mod:`neuropose.analysis.export` reads
    it. Arrays are read-only.

    Attributes
    ----------
    times_s
        ``(frames,)`` float64, seconds: the time of each frame.
    frame_index
        ``(frames,)`` int64: the frame number in the source video of each row (``0..n-1``
        for data taken straight from predictions; after resampling, the nearest source
        frame).
    joint_names
        One name per joint.
    joint_edges
        Pairs of joint indices forming the bones.
    identities
        One :class:`PersonSeries` per exported person, in increasing track id.
    identities_from
        ``"tracks"`` when identities come from the file's track ids, ``"slots"`` when the file
        was not tracked and person slot *k* was taken as identity *k* (slots are per-frame
        detector order, so the same slot may be different people in different frames).
    skeleton_name
        Skeleton name, for example ``"berkeley_mhad_43"``.
    video_file, video_sha256
        Base name and SHA-256 of the source video.
    nominal_fps
        Frame rate the video container declared, in frames per second.
    model_name, model_sha256
        The pose model and the digest of its files.
    package_versions
        Versions of the packages that produced the numbers.
    created_at
        When the predictions were made (UTC).
    frame3d
        The 3D poses' frame of reference, as the predictions file's ``units.frame3d`` words it
        (:class:`~neuropose.schema.Frame3d`): the camera frame (MeTRAbs), or hip-centred with
        the origin moving with the person (BlazePose). Every format's header records it.
    camera_matrix
        ``(3, 3)`` intrinsic matrix in pixels of the video's camera.
    distortion
        Five OpenCV distortion coefficients (k1, k2, p1, p2, k3).
    resampled_hz
        ``None`` for data on the video's own frame times; otherwise the rate of the uniform
        grid the series were linearly interpolated onto, in hertz.
    """

    times_s: npt.NDArray[np.float64]
    frame_index: npt.NDArray[np.int64]
    joint_names: tuple[str, ...]
    joint_edges: tuple[tuple[int, int], ...]
    identities: tuple[PersonSeries, ...]
    identities_from: Literal["tracks", "slots"]
    skeleton_name: str
    video_file: str
    video_sha256: str
    nominal_fps: float
    model_name: str
    model_sha256: str
    package_versions: dict[str, str] = field(default_factory=dict[str, str])
    created_at: datetime | None = None
    frame3d: str = _CAMERA_FRAME
    camera_matrix: npt.NDArray[np.float64] = field(default_factory=lambda: np.eye(3))
    distortion: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    resampled_hz: float | None = None

    @property
    def frame_count(self) -> int:
        """Number of rows on the time axis."""
        return int(self.times_s.shape[0])

    @property
    def joint_count(self) -> int:
        """Number of joints."""
        return len(self.joint_names)

    @property
    def track_ids(self) -> tuple[int, ...]:
        """The exported identities' track ids, in order."""
        return tuple(person.track_id for person in self.identities)

    @property
    def has_confidence(self) -> bool:
        """True when the identities carry per-joint confidence."""
        return any(person.confidence is not None for person in self.identities)

    @property
    def has_flags(self) -> bool:
        """True when the identities carry quality flags."""
        return any(person.flags is not None for person in self.identities)


def export_data(
    predictions: VideoPredictions,
    track_ids: Sequence[int] | None = None,
    flags: npt.ArrayLike | None = None,
) -> ExportData:
    """Gather per-identity series from predictions, once, for every writer.

    Parameters
    ----------
    predictions
        The predictions to export.
    track_ids
        Identities to export, by track id; ``None`` exports every identity in increasing id.
        In a file with no track ids at all, person slot *k* stands for identity *k*.
    flags
        ``(frames, persons, joints)`` uint8 quality bits aligned with the predictions' person
        slots. ``None`` takes the predictions' own ``quality_flags`` array when they carry one,
        and otherwise exports no flags. Frames where an identity is absent get
        :data:`MISSING_FLAG`.

    Returns
    -------
    ExportData
        The series with the header facts (video, model, software, camera).

    Raises
    ------
    UnknownIdentityError
        If a requested track id is not in the file.
    ExportValueError
        If ``flags`` has the wrong shape, or one track id occupies two slots of one frame.

    Notes
    -----
    In a tracked file, detections that the tracker left without an id (``NO_TRACK``) belong to
    no identity and are not exported.
    """
    frames, persons = (int(size) for size in predictions.track_ids.shape)
    joints = predictions.skeleton.joint_count
    present = predictions.person_mask
    tracked = bool(np.any(predictions.track_ids != NO_TRACK))
    ids = predictions.track_ids if tracked else np.where(present, np.arange(persons), NO_TRACK)
    available = sorted(int(i) for i in np.unique(ids) if i != NO_TRACK)
    wanted = available if track_ids is None else [int(i) for i in track_ids]
    for requested in wanted:
        if requested not in available:
            raise UnknownIdentityError(requested, available)
    if len(set(wanted)) != len(wanted):
        raise ExportValueError(f"track_ids repeat an identity: {list(wanted)}")
    flag_array = _flags_for(predictions, flags, (frames, persons, joints))
    identities = tuple(
        _gather(predictions, ids, flag_array, track_id) for track_id in sorted(wanted)
    )
    provenance = predictions.provenance
    camera = predictions.camera
    return ExportData(
        times_s=_frozen(np.asarray(predictions.times_s, np.float64)),
        frame_index=_frozen(np.arange(frames, dtype=np.int64)),
        joint_names=tuple(predictions.skeleton.joint_names),
        joint_edges=tuple((int(a), int(b)) for a, b in predictions.skeleton.joint_edges),
        identities=identities,
        identities_from="tracks" if tracked else "slots",
        skeleton_name=predictions.skeleton.name,
        video_file=predictions.metadata.file_name,
        video_sha256=predictions.metadata.sha256,
        nominal_fps=float(predictions.metadata.fps),
        model_name=provenance.model_name,
        model_sha256=provenance.model_sha256,
        package_versions=dict(provenance.package_versions),
        created_at=provenance.created_at,
        frame3d=predictions.units.frame3d.value,
        camera_matrix=_frozen(np.asarray(camera.as_matrix(), np.float64)),
        distortion=tuple(float(c) for c in camera.distortion),
    )


def _flags_for(
    predictions: VideoPredictions, flags: npt.ArrayLike | None, shape: tuple[int, int, int]
) -> npt.NDArray[np.uint8] | None:
    if flags is None:
        flags = getattr(predictions, "quality_flags", None)
        if flags is None:
            return None
    array = np.asarray(flags)
    if array.shape != shape:
        raise ExportValueError(
            f"flags must have shape (frames, persons, joints) = {shape}, got {array.shape}"
        )
    if array.dtype.kind not in "iu" or (array.size and (array.min() < 0 or array.max() > 255)):
        raise ExportValueError(f"flags must be uint8 bit fields (0..255), got dtype {array.dtype}")
    return array.astype(np.uint8, copy=False)


def _gather(
    predictions: VideoPredictions,
    ids: npt.NDArray[np.int32] | npt.NDArray[np.int64],
    flags: npt.NDArray[np.uint8] | None,
    track_id: int,
) -> PersonSeries:
    """Pick one identity's slot in every frame it appears in; NaN elsewhere."""
    frames = ids.shape[0]
    joints = predictions.skeleton.joint_count
    hits = ids == track_id
    per_frame = hits.sum(axis=1)
    if np.any(per_frame > 1):
        frame = int(np.argmax(per_frame > 1))
        raise ExportValueError(
            f"track id {track_id} occupies {int(per_frame[frame])} person slots in frame "
            f"{frame}; retrack the file (neuropose track) before exporting"
        )
    rows, slots = np.nonzero(hits)
    poses3d = np.full((frames, joints, 3), np.nan, np.float32)
    poses2d = np.full((frames, joints, 2), np.nan, np.float32)
    poses3d[rows] = predictions.poses3d[rows, slots]
    poses2d[rows] = predictions.poses2d[rows, slots]
    confidence = None
    if predictions.joint_confidence is not None:
        confidence = np.full((frames, joints), np.nan, np.float32)
        confidence[rows] = predictions.joint_confidence[rows, slots]
    person_flags = None
    if flags is not None:
        person_flags = np.full((frames, joints), MISSING_FLAG, np.uint8)
        person_flags[rows] = flags[rows, slots]
    return PersonSeries(
        track_id=track_id,
        poses3d=_frozen(poses3d),
        poses2d=_frozen(poses2d),
        confidence=None if confidence is None else _frozen(confidence),
        flags=None if person_flags is None else _frozen(person_flags),
    )


def _frozen(array: ArrayT) -> ArrayT:
    array.flags.writeable = False
    return array


def software_versions(data: ExportData) -> dict[str, str]:
    """Return the versions behind the numbers plus those of the exporting packages."""
    from importlib.metadata import PackageNotFoundError, version

    versions = dict(data.package_versions)
    for package in ("neuropose-analysis", "pynwb", "ndx-pose", "ezc3d", "pyarrow"):
        try:
            versions.setdefault(package, version(package))
        except PackageNotFoundError:
            continue
    return versions
