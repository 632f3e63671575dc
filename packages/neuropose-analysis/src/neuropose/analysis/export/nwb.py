"""Neurodata Without Borders files with the ndx-pose extension (``neuropose-analysis[nwb]``).

Layout, all in the ``behavior`` processing module:

- ``Skeletons``: one ``Skeleton`` per identity, named ``track_<id>`` (nodes = joint names,
  edges = bones). Its ``subject`` link is left for the lab to set.
- ``pose3d_track_<id>``: a ``PoseEstimation`` with one ``PoseEstimationSeries`` per joint,
  ``(frames, 3)`` float32 with ``unit="meters"`` and ``conversion=0.001`` (the stored numbers
  are our millimetres, bit for bit; ``data * conversion`` is metres), confidence per sample,
  timestamps from ``times_s`` (stored once and linked by the other series).
- ``pose2d_track_<id>``: the same for the 2D joints, in pixels.
- ``quality_flags_track_<id>``: a ``TimeSeries`` of ``(frames, joints)`` uint8 quality bits,
  when the data carry flags.

The camera is a ``CalibratedCamera`` device (intrinsic matrix and distortion) linked from every
``PoseEstimation``. Model, video and software provenance go into the description and
``source_software`` fields and into the file's ``was_generated_by``. Subject fields are left
empty for the lab to fill.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from neuropose.analysis.export._data import FLAG_BITS, ExportData, PersonSeries, software_versions
from neuropose.analysis.export._errors import ExportValueError
from neuropose.analysis.export._files import check_target, replace_from_temporary, require
from neuropose.schema import Frame3d

__all__ = ["write_nwb"]

_REFERENCE_3D = {
    Frame3d.CAMERA.value: (
        "camera frame of the source video: origin at the camera's optical centre, x to the "
        "image right, y to the image bottom, z along the viewing direction"
    ),
    Frame3d.HIP_CENTRED.value: (
        "hip-centred: origin at the person's hip midpoint, moving with the person; axes "
        "roughly the camera's (x to the image right, y to the image bottom, z away from the "
        "camera)"
    ),
}
_REFERENCE_2D = "image pixels: origin at the top-left corner, x to the right, y down"
_MAX_EDGE_INDEX = 255


def write_nwb(
    data: ExportData,
    path: Path | str,
    *,
    session_start_time: datetime | None = None,
    session_description: str | None = None,
    identifier: str | None = None,
    force: bool = False,
) -> Path:
    """Write an NWB file holding the poses of every identity (ndx-pose layout).

    Parameters
    ----------
    data
        Series to write, on the video's own frame times (no resampling: NWB keeps
        timestamps).
    path
        Output file, usually ``*.nwb``.
    session_start_time
        Start of the recording session (timezone-aware). ``None`` uses the time the predictions
        were made, and the session description says so: replace it with the real time.
    session_description
        ``None`` describes the video and model.
    identifier
        Unique file identifier; ``None`` derives a stable UUID from the video, model and
        identities.
    force
        Replace an existing file.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    MissingExtraError
        If pynwb or ndx-pose is not installed (``neuropose-analysis[nwb]``).
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    ExportValueError
        If there is no identity or frame, ``session_start_time`` has no timezone, or a bone
        joins a joint past index 255 (ndx-pose stores edges as uint8).
    """
    pynwb = require("pynwb", "nwb")
    ndx_pose = require("ndx_pose", "nwb")
    target = check_target(path, force)
    _check(data, session_start_time)
    start = session_start_time or data.created_at or datetime.now(UTC)
    nwbfile = pynwb.NWBFile(
        session_description=session_description or _session_description(data, session_start_time),
        identifier=identifier or _identifier(data),
        session_start_time=start,
        was_generated_by=[[name, version] for name, version in software_versions(data).items()],
        source_script="neuropose-analysis export",
        source_script_file_name="neuropose.analysis.export.nwb",
    )
    camera = ndx_pose.CalibratedCamera(
        name="camera",
        description=f"camera of {data.video_file}; intrinsics in pixels",
        intrinsic_matrix=np.asarray(data.camera_matrix, np.float32),
        distortion_coefficients=np.asarray(data.distortion, np.float32),
    )
    nwbfile.add_device(camera)
    behavior = nwbfile.create_processing_module(
        name="behavior", description="Pose estimates of the people in the video (NeuroPose)."
    )
    skeletons = [
        ndx_pose.Skeleton(
            name=f"track_{person.track_id}",
            nodes=list(data.joint_names),
            edges=np.asarray(data.joint_edges, np.uint8).reshape(-1, 2),
        )
        for person in data.identities
    ]
    behavior.add(ndx_pose.Skeletons(skeletons=skeletons))
    for person, skeleton in zip(data.identities, skeletons, strict=True):
        for dimensions in (3, 2):
            behavior.add(_pose_estimation(ndx_pose, data, person, skeleton, camera, dimensions))
        if person.flags is not None:
            behavior.add(_flags_series(pynwb, data, person, behavior))
    with replace_from_temporary(target) as temporary, pynwb.NWBHDF5IO(str(temporary), "w") as io:
        io.write(nwbfile)
    return target


def _check(data: ExportData, session_start_time: datetime | None) -> None:
    if not data.identities:
        raise ExportValueError("no identity to export: the data hold no person")
    if data.frame_count == 0:
        raise ExportValueError("no frame to export")
    if session_start_time is not None and session_start_time.tzinfo is None:
        raise ExportValueError("session_start_time must carry a timezone (NWB requires it)")
    for a, b in data.joint_edges:
        if max(a, b) > _MAX_EDGE_INDEX:
            raise ExportValueError(
                f"skeleton '{data.skeleton_name}' has a bone ({a}, {b}) past joint "
                f"{_MAX_EDGE_INDEX}; ndx-pose stores bone ends as uint8"
            )


def _pose_estimation(
    ndx_pose: Any,
    data: ExportData,
    person: PersonSeries,
    skeleton: Any,
    camera: Any,
    dimensions: int,
) -> Any:
    values = person.poses3d if dimensions == 3 else person.poses2d
    first: Any = None
    series: list[Any] = []
    for joint, name in enumerate(data.joint_names):
        kwargs: dict[str, Any] = {
            "name": name,
            "description": f"{name} of track {person.track_id}",
            "data": np.ascontiguousarray(values[:, joint, :]),
            "reference_frame": _REFERENCE_3D.get(data.frame3d, data.frame3d)
            if dimensions == 3
            else _REFERENCE_2D,
            # The first series stores the timestamps; the others link to them.
            "timestamps": data.times_s if first is None else first,
        }
        if dimensions == 3:
            kwargs.update(unit="meters", conversion=0.001)
        else:
            kwargs.update(unit="pixels")
        if person.confidence is not None:
            kwargs.update(
                confidence=np.ascontiguousarray(person.confidence[:, joint]),
                confidence_definition=f"per-joint confidence reported by {data.model_name}",
            )
        item = ndx_pose.PoseEstimationSeries(**kwargs)
        first = first or item
        series.append(item)
    return ndx_pose.PoseEstimation(
        name=f"pose{dimensions}d_track_{person.track_id}",
        pose_estimation_series=series,
        description=_estimation_description(data, person, dimensions),
        scorer=data.model_name,
        source_software="NeuroPose",
        source_software_version=software_versions(data).get("neuropose-estimator", "unknown"),
        skeleton=skeleton,
        device=camera,
    )


def _flags_series(pynwb: Any, data: ExportData, person: PersonSeries, behavior: Any) -> Any:
    timestamps = behavior[f"pose3d_track_{person.track_id}"].pose_estimation_series[
        data.joint_names[0]
    ]
    assert person.flags is not None
    bits = ", ".join(f"{value} = {name}" for name, value in FLAG_BITS)
    return pynwb.TimeSeries(
        name=f"quality_flags_track_{person.track_id}",
        data=np.ascontiguousarray(person.flags),
        unit="n.a.",
        timestamps=timestamps,
        description=(
            f"Per-sample quality bits of track {person.track_id}, one column per joint in "
            f"skeleton order ({', '.join(data.joint_names)}); bits: {bits}."
        ),
    )


def _estimation_description(data: ExportData, person: PersonSeries, dimensions: int) -> str:
    where = (
        "3D joints in the camera frame (stored in millimetres with conversion 0.001 to metres)"
        if dimensions == 3
        else "2D joints in image pixels"
    )
    identity = (
        f"track id {person.track_id}"
        if data.identities_from == "tracks"
        else f"person slot {person.track_id} (the file was not tracked: a slot can hold "
        "different people in different frames)"
    )
    return (
        f"{where} of {identity}, estimated by model {data.model_name} "
        f"(sha256 {data.model_sha256 or 'not recorded'}) on video {data.video_file} "
        f"(sha256 {data.video_sha256}); skeleton {data.skeleton_name}."
    )


def _session_description(data: ExportData, start: datetime | None) -> str:
    text = f"Pose estimates from video {data.video_file} by NeuroPose ({data.model_name})."
    if start is None:
        text += (
            " session_start_time is when the predictions were made, not when the video was "
            "recorded; replace it with the recording time."
        )
    return text


def _identifier(data: ExportData) -> str:
    key = "|".join(
        (data.video_sha256, data.model_sha256, data.skeleton_name, *map(str, data.track_ids))
    )
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"neuropose:{key}"))
