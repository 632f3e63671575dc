"""Kinematic analysis of NeuroPose predictions, with no TensorFlow anywhere near it.

Functions take :class:`~neuropose.schema.VideoPredictions` or arrays shaped
``(frames, joints, 3)`` in millimetres (camera frame, +y down); angles are in degrees, times in
seconds. SciPy, numba and fastdtw are imported only by the functions that use them. Every public
function is importable from here and from its topic module.

Modules
-------
trajectories
    Arrays from predictions: one person's joints over time, joint names to indices.
normalize
    Root-relative poses, body size, and the alignments used to compare trials.
resample
    Gap filling, time normalisation (0-100 % of a movement), padding.
alignment
    Procrustes (similarity) alignment of pose sequences.
angles
    Three-joint angles.
stats
    NaN-aware summary statistics and peak finding.
dtw
    Exact and approximate dynamic time warping, per joint and between joints, distance matrices.
compare
    Comparing two trials by DTW (``neuropose compare``).
segment
    Repetition segmentation.
reports
    Joint-angle summaries as an :class:`~neuropose.schema.AnalysisReport` (``neuropose analyze``).
frame_table
    The predictions as a long CSV table (``neuropose export --format csv``).
features
    The 0.1.0 module of the same name, kept for compatibility.
"""

from neuropose.analysis import (
    alignment,
    angles,
    compare,
    dtw,
    features,
    frame_table,
    normalize,
    reports,
    resample,
    segment,
    stats,
    trajectories,
)
from neuropose.analysis._errors import (
    AnalysisError,
    MissingPersonError,
    ShapeMismatchError,
    UnknownJointError,
)
from neuropose.analysis.alignment import ProcrustesResult, procrustes
from neuropose.analysis.angles import joint_angle, joint_angles
from neuropose.analysis.compare import compare_trials
from neuropose.analysis.dtw import (
    DTWResult,
    dtw_all,
    dtw_distance_matrix,
    dtw_per_joint,
    dtw_relation,
)
from neuropose.analysis.frame_table import frame_table_columns, write_frame_table
from neuropose.analysis.normalize import (
    ALIGNMENTS,
    Alignment,
    align_poses,
    body_scale,
    normalize_body_size,
    root_relative,
)
from neuropose.analysis.reports import angle_summary, joint_angle_report
from neuropose.analysis.resample import interpolate_gaps, pad_to_length, time_normalize
from neuropose.analysis.segment import segment_repetitions
from neuropose.analysis.stats import find_peaks, summary_statistics
from neuropose.analysis.trajectories import joint_indices, person_trajectory

__all__ = [
    "ALIGNMENTS",
    "Alignment",
    "AnalysisError",
    "DTWResult",
    "MissingPersonError",
    "ProcrustesResult",
    "ShapeMismatchError",
    "UnknownJointError",
    "align_poses",
    "alignment",
    "angle_summary",
    "angles",
    "body_scale",
    "compare",
    "compare_trials",
    "dtw",
    "dtw_all",
    "dtw_distance_matrix",
    "dtw_per_joint",
    "dtw_relation",
    "features",
    "find_peaks",
    "frame_table",
    "frame_table_columns",
    "interpolate_gaps",
    "joint_angle",
    "joint_angle_report",
    "joint_angles",
    "joint_indices",
    "normalize",
    "normalize_body_size",
    "pad_to_length",
    "person_trajectory",
    "procrustes",
    "reports",
    "resample",
    "root_relative",
    "segment",
    "segment_repetitions",
    "stats",
    "summary_statistics",
    "time_normalize",
    "trajectories",
    "write_frame_table",
]
