"""Kinematic analysis of NeuroPose predictions, with no TensorFlow anywhere near it.

Functions take :class:`~neuropose.schema.VideoPredictions` or arrays shaped
``(frames, joints, 3)`` in millimetres (camera frame, +y down); angles are in degrees, times in
seconds. SciPy, numba and fastdtw are imported only by the functions that use them. Every public
function is importable from here and from its topic module.

Modules
-------
tracking
    Identity tracking: a track id that follows each person through the video.
subject
    Which track is the patient: the documented subject rule.
cleaning
    Confidence gate, outliers, uniform time grid, gap filling, low-pass; per-sample quality
    flags.
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
clinical_angles
    Signed clinical angles (flexion, abduction, rotation) in ISB-style body frames, per skeleton.
kinematics
    Derivatives over the timestamps (variable frame rates, repeated timestamps).
measures
    Per-repetition (and per-gait-cycle) range of motion, duration, peak velocity, symmetry.
gait
    Heel strikes, toe offs, gait cycles and spatiotemporal parameters.
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
report
    Session reports (HTML/PDF) built from a recipe.
export
    Exports other tools read: NWB, OpenSim TRC/MOT, C3D, Parquet, CSV.
features
    The 0.1.0 module of the same name, kept for compatibility.
"""

from neuropose.analysis import (
    alignment,
    angles,
    cleaning,
    clinical_angles,
    compare,
    dtw,
    export,
    features,
    frame_table,
    gait,
    kinematics,
    measures,
    normalize,
    report,
    reports,
    resample,
    segment,
    stats,
    subject,
    tracking,
    trajectories,
)
from neuropose.analysis._errors import (
    AmbiguousPersonError,
    AnalysisError,
    CutoffTooHighError,
    DTWInputError,
    DuplicateTrackError,
    JointIndexError,
    MissingPersonError,
    MostlyMissingError,
    NoCameraFrameError,
    NoTracksError,
    ShapeMismatchError,
    SkeletonSupportError,
    TimestampError,
    UnknownAngleError,
    UnknownJointError,
)
from neuropose.analysis.alignment import ProcrustesResult, procrustes
from neuropose.analysis.angles import joint_angle, joint_angles
from neuropose.analysis.cleaning import (
    CleanedTrajectory,
    check_observed,
    clean_predictions,
    clean_trajectory,
    person_flags,
    quality_summary,
)
from neuropose.analysis.clinical_angles import (
    ANGLE_SKELETONS,
    BODY_FRAME,
    AngleDefinition,
    angle_definitions,
    angle_joints,
    clinical_angle_report,
    clinical_angle_values,
    expand_angle_names,
)
from neuropose.analysis.compare import compare_trials
from neuropose.analysis.dtw import (
    METHODS,
    NAN_POLICIES,
    DTWResult,
    dtw_all,
    dtw_distance_matrix,
    dtw_per_joint,
    dtw_relation,
)
from neuropose.analysis.frame_table import frame_table_columns, write_frame_table
from neuropose.analysis.gait import (
    GAIT_METHOD,
    GAIT_METHOD_VERSION,
    HIP_CENTRED_NOTE,
    GaitEvents,
    analyze_gait,
    gait_analysis,
    gait_cycles,
    gait_events,
    gait_joints,
    with_frame_note,
)
from neuropose.analysis.kinematics import (
    check_times,
    merge_repeated_times,
    speed,
    time_derivative,
)
from neuropose.analysis.measures import (
    MeasuredSeries,
    Span,
    angle_series,
    observed_frames,
    repetition_measures,
    segmentation_series,
    symmetry_index,
)
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
from neuropose.analysis.segment import (
    SignalSegmentation,
    extract_signal,
    find_repetitions,
    remove_baseline,
    segment_repetitions,
    segment_signal,
    smooth,
    split_repetitions,
)
from neuropose.analysis.stats import find_peaks, summary_statistics
from neuropose.analysis.subject import choose_subject, choose_subject_for
from neuropose.analysis.tracking import (
    TrackingResult,
    hip_joints,
    root_positions,
    track_people,
    track_predictions,
    track_trajectory,
    tracking_config_for,
)
from neuropose.analysis.trajectories import (
    PersonBy,
    camera_frame_trajectory,
    joint_indices,
    person_label,
    person_trajectory,
    person_values,
    resolve_person,
)

__all__ = [
    "ALIGNMENTS",
    "ANGLE_SKELETONS",
    "BODY_FRAME",
    "GAIT_METHOD",
    "GAIT_METHOD_VERSION",
    "HIP_CENTRED_NOTE",
    "METHODS",
    "NAN_POLICIES",
    "Alignment",
    "AmbiguousPersonError",
    "AnalysisError",
    "AngleDefinition",
    "CleanedTrajectory",
    "CutoffTooHighError",
    "DTWInputError",
    "DTWResult",
    "DuplicateTrackError",
    "GaitEvents",
    "JointIndexError",
    "MeasuredSeries",
    "MissingPersonError",
    "MostlyMissingError",
    "NoCameraFrameError",
    "NoTracksError",
    "PersonBy",
    "ProcrustesResult",
    "ShapeMismatchError",
    "SignalSegmentation",
    "SkeletonSupportError",
    "Span",
    "TimestampError",
    "TrackingResult",
    "UnknownAngleError",
    "UnknownJointError",
    "align_poses",
    "alignment",
    "analyze_gait",
    "angle_definitions",
    "angle_joints",
    "angle_series",
    "angle_summary",
    "angles",
    "body_scale",
    "camera_frame_trajectory",
    "check_observed",
    "check_times",
    "choose_subject",
    "choose_subject_for",
    "clean_predictions",
    "clean_trajectory",
    "cleaning",
    "clinical_angle_report",
    "clinical_angle_values",
    "clinical_angles",
    "compare",
    "compare_trials",
    "dtw",
    "dtw_all",
    "dtw_distance_matrix",
    "dtw_per_joint",
    "dtw_relation",
    "expand_angle_names",
    "export",
    "extract_signal",
    "features",
    "find_peaks",
    "find_repetitions",
    "frame_table",
    "frame_table_columns",
    "gait",
    "gait_analysis",
    "gait_cycles",
    "gait_events",
    "gait_joints",
    "hip_joints",
    "interpolate_gaps",
    "joint_angle",
    "joint_angle_report",
    "joint_angles",
    "joint_indices",
    "kinematics",
    "measures",
    "merge_repeated_times",
    "normalize",
    "normalize_body_size",
    "observed_frames",
    "pad_to_length",
    "person_flags",
    "person_label",
    "person_trajectory",
    "person_values",
    "procrustes",
    "quality_summary",
    "remove_baseline",
    "repetition_measures",
    "report",
    "reports",
    "resample",
    "resolve_person",
    "root_positions",
    "root_relative",
    "segment",
    "segment_repetitions",
    "segment_signal",
    "segmentation_series",
    "smooth",
    "speed",
    "split_repetitions",
    "stats",
    "subject",
    "summary_statistics",
    "symmetry_index",
    "time_derivative",
    "time_normalize",
    "track_people",
    "track_predictions",
    "track_trajectory",
    "tracking",
    "tracking_config_for",
    "trajectories",
    "with_frame_note",
    "write_frame_table",
]
