"""Zero-phase smoothing: no lag, NaN-aware, exact on lines."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck.filtering import zero_phase_smooth


def test_a_line_passes_unchanged_away_from_the_ends():
    x = np.arange(20, dtype=float)
    assert zero_phase_smooth(x, 2)[2:-2] == pytest.approx(x[2:-2])


def test_no_lag_on_a_symmetric_peak():
    t = np.linspace(-1, 1, 41)
    clean = np.exp(-(t**2) / 0.5)
    x = clean + np.where(np.arange(41) % 2 == 0, 0.05, -0.05)  # a peak + frame-to-frame jitter
    y = zero_phase_smooth(x, 2)
    assert int(np.argmax(y)) == 20
    assert np.abs(y - clean)[2:-2].max() < np.abs(x - clean).max() / 2


def test_nan_frames_stay_nan_and_are_left_out_of_the_means():
    x = np.array([1.0, np.nan, 3.0, 3.0, np.nan])
    y = zero_phase_smooth(x, 1)
    assert np.isnan(y[1]) and np.isnan(y[4])
    assert y[0] == pytest.approx(1.0) and y[2] == pytest.approx(3.0)


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), -1])
def test_bad_input(bad):
    with pytest.raises(ValueError):
        if isinstance(bad, int):
            zero_phase_smooth(np.zeros(3), bad)
        else:
            zero_phase_smooth(bad)
