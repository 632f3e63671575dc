"""Range checks for joint indices given by position along the joint axis."""

from __future__ import annotations

import operator

from neuropose.analysis._errors import JointIndexError

__all__ = ["check_joint_indices"]


def check_joint_indices(joint_count: int, **indices: int) -> None:
    """Refuse indices outside ``0 .. joint_count - 1``, naming the argument.

    Negative indices are refused rather than counted from the end: ``-1`` for "the last joint"
    is far more often a bug (an unset value) than an intent.

    Raises
    ------
    JointIndexError
        For the first index out of range, or one that is not an integer.
    """
    for name, value in indices.items():
        try:
            index = operator.index(value)
        except TypeError:
            raise JointIndexError(f"{name} must be an integer joint index, got {value!r}") from None
        if not 0 <= index < joint_count:
            raise JointIndexError(
                f"{name}={index} is not a joint index: the poses have {joint_count} joints "
                f"(0 to {joint_count - 1}); map names with joint_indices()"
            )
