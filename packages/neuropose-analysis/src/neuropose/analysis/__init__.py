"""Kinematic analysis of NeuroPose predictions, with no TensorFlow anywhere near it.

Functions take :class:`~neuropose.schema.VideoPredictions` or arrays shaped
``(frames, joints, 3)`` in millimetres (camera frame, +y down); angles are in degrees, times in
seconds. SciPy and fastdtw are imported only by the functions that use them.

Modules
-------
features
    Arrays from predictions, normalisation, resampling, Procrustes, joint angles, statistics.
dtw
    Exact and approximate dynamic time warping, per joint and between joints, distance matrices.
segment
    Repetition segmentation.
"""

from neuropose.analysis import dtw, features, segment
from neuropose.analysis._errors import (
    AnalysisError,
    MissingPersonError,
    ShapeMismatchError,
    UnknownJointError,
)
from neuropose.analysis.dtw import (
    DTWResult,
    dtw_all,
    dtw_distance_matrix,
    dtw_per_joint,
    dtw_relation,
)
from neuropose.analysis.features import joint_angles, person_trajectory, procrustes
from neuropose.analysis.segment import segment_repetitions

__all__ = [
    "AnalysisError",
    "DTWResult",
    "MissingPersonError",
    "ShapeMismatchError",
    "UnknownJointError",
    "dtw",
    "dtw_all",
    "dtw_distance_matrix",
    "dtw_per_joint",
    "dtw_relation",
    "features",
    "joint_angles",
    "person_trajectory",
    "procrustes",
    "segment",
    "segment_repetitions",
]
