"""Derivatives from timestamps: variable frame rates and repeated timestamps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuropose.analysis import (
    ShapeMismatchError,
    TimestampError,
    merge_repeated_times,
    speed,
    time_derivative,
)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 60))
def test_derivative_of_a_quadratic_is_exact_at_any_frame_times(seed, frames):
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(0.01, 0.1, frames))
    a, b, c = rng.normal(size=3)
    values = a * times**2 + b * times + c
    rates = time_derivative(values, times)
    # Second-order central differences are exact for a parabola inside; the ends are first
    # order (error a * step).
    np.testing.assert_allclose(rates[1:-1], 2 * a * times[1:-1] + b, rtol=1e-9, atol=1e-9)


def test_repeated_timestamps_share_one_finite_rate():
    times = np.array([0.0, 0.1, 0.2, 0.2, 0.3, 0.4])
    positions = np.stack([10 * times, np.zeros(6), np.zeros(6)], axis=1)
    positions[3] += 0.5  # the two frames at 0.2 s disagree slightly: their mean is the sample
    result = speed(positions, times)
    assert np.isfinite(result).all()
    assert result[2] == result[3]
    merged, unique, group = merge_repeated_times(positions, times)
    assert unique.tolist() == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert group.tolist() == [0, 1, 2, 2, 3, 4]
    assert merged[2, 0] == pytest.approx(2.25)


def test_broken_times_are_named():
    with pytest.raises(TimestampError, match="never advance"):
        time_derivative(np.arange(4.0), np.ones(4))
    with pytest.raises(TimestampError, match="goes backwards at frame 2"):
        time_derivative(np.arange(3.0), [0.0, 0.2, 0.1])
    with pytest.raises(TimestampError, match="frame 1 has time nan"):
        time_derivative(np.arange(3.0), [0.0, np.nan, 0.1])
    with pytest.raises(ShapeMismatchError, match="3 frame times for 4 frames"):
        time_derivative(np.arange(4.0), [0.0, 0.1, 0.2])
