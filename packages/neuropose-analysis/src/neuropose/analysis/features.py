"""Compatibility module: the functions of 0.1.0's ``features``, now in modules by topic.

Code written against 0.1.0 (``from neuropose.analysis import features``) keeps working; new code
imports from :mod:`neuropose.analysis` or the topic modules (:mod:`~neuropose.analysis.trajectories`,
:mod:`~neuropose.analysis.normalize`, :mod:`~neuropose.analysis.resample`,
:mod:`~neuropose.analysis.alignment`, :mod:`~neuropose.analysis.angles`,
:mod:`~neuropose.analysis.stats`).
"""

from neuropose.analysis.alignment import ProcrustesResult, procrustes
from neuropose.analysis.angles import joint_angle, joint_angles
from neuropose.analysis.normalize import body_scale, normalize_body_size, root_relative
from neuropose.analysis.resample import interpolate_gaps, pad_to_length, time_normalize
from neuropose.analysis.stats import find_peaks, summary_statistics
from neuropose.analysis.trajectories import joint_indices, person_trajectory

__all__ = [
    "ProcrustesResult",
    "body_scale",
    "find_peaks",
    "interpolate_gaps",
    "joint_angle",
    "joint_angles",
    "joint_indices",
    "normalize_body_size",
    "pad_to_length",
    "person_trajectory",
    "procrustes",
    "root_relative",
    "summary_statistics",
    "time_normalize",
]
