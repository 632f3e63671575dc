import pytest
from pydantic import ValidationError

from neuropose.schema import (
    CameraIntrinsics,
    JobStatus,
    JobStatusEntry,
    Repetition,
    SegmentationConfig,
    Skeleton,
    StatusFile,
)


def test_value_objects_are_frozen_and_strict():
    skeleton = Skeleton(name="s", joint_names=("a", "b"), joint_edges=((0, 1),))
    with pytest.raises(ValidationError):
        skeleton.name = "t"
    with pytest.raises(ValidationError, match="extra"):
        Skeleton(name="s", joint_names=("a",), colour="red")  # pyright: ignore[reportCallIssue]  # unknown field on purpose: validation must reject it


def test_skeleton_checks():
    with pytest.raises(ValidationError, match="repeat: a"):
        Skeleton(name="s", joint_names=("a", "b", "a"))
    with pytest.raises(ValidationError, match=r"edge \(0, 5\)"):
        Skeleton(name="s", joint_names=("a", "b"), joint_edges=((0, 5),))
    skeleton = Skeleton(name="s", joint_names=("a", "b"))
    with pytest.raises(KeyError, match="has no joint 'c'; its joints are: a, b"):
        skeleton.index_of("c")


def test_camera_from_fov_needs_the_fov():
    with pytest.raises(ValidationError, match="fov_degrees"):
        CameraIntrinsics(fx=1, fy=1, cx=0, cy=0)


def test_status_keys_must_match_names():
    entry = JobStatusEntry(name="a", status=JobStatus.PENDING)
    with pytest.raises(ValidationError, match="jobs\\['b'\\]"):
        StatusFile(jobs={"b": entry})


def test_segmentation_config_joint_counts():
    with pytest.raises(ValidationError, match="takes 3 joint"):
        SegmentationConfig(extractor="joint_angle", joints=("a", "b"))
    with pytest.raises(ValidationError, match="needs axis"):
        SegmentationConfig(extractor="joint_axis", joints=("a",))
    with pytest.raises(ValidationError, match="start <= peak < end"):
        Repetition(start=5, peak=3, end=9, start_s=0, peak_s=0, end_s=0)
