"""Narrowing of raw values (before validation) to the shapes the code then reads.

``isinstance(value, dict)`` tells a type checker only ``dict[Unknown, Unknown]`` and
``isinstance(value, np.ndarray)`` an array of unknown dtype; these guards say what parsed JSON,
``.npz`` headers and their arrays really hold (string keys, values and dtypes of any type), which
validation checks afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    import numpy.typing as npt

__all__ = ["is_array", "is_json_array", "is_json_object"]


def is_json_object(value: object) -> TypeGuard[dict[str, Any]]:
    """Tell whether ``value`` is a JSON object (a ``dict``), typed as string-keyed."""
    return isinstance(value, dict)


def is_json_array(value: object) -> TypeGuard[list[Any]]:
    """Tell whether ``value`` is a JSON array (a ``list``)."""
    return isinstance(value, list)


def is_array(value: object) -> TypeGuard[npt.NDArray[Any]]:
    """Tell whether ``value`` is a numpy array (of any dtype and shape)."""
    # Imported here: the JSON guards run where numpy must not be loaded (``neuropose --help``).
    import numpy as np

    return isinstance(value, np.ndarray)
