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
stay as MediaPipe gives them. Offline, where the frames after the one in hand can be waited for,
``formcheck analyze`` and the accuracy benchmark pass every measurement through :class:`CentredSmoother`: a
centred moving average over ``2 * half_window + 1`` frames (no lag), released ``half_window`` frames late so
memory stays bounded. :func:`zero_phase_smooth` applies the same rule to a whole series.

The rule, per metric and frame ``i``: ``y[i] = mean(x[i - r .. i + r])`` with the largest ``r <= half_window``
for which every frame in ``i - r .. i + r`` has a finite value of that metric, a person and the same
calibration state as frame ``i``. The window is always symmetric (it shrinks near a gap, a calibration switch
or the ends of the video rather than leaning to one side), so a step keeps its timing and a peak its frame; a
NaN value stays NaN and no mean reaches across a frame without a person.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

from formcheck.types import Measurement

FloatArray = NDArray[np.float64]
T = TypeVar("T")

#: Frames on each side of the centred window ``formcheck analyze`` uses (5 frames, the measured setting above).
OFFLINE_HALF_WINDOW = 2


def _reach(usable: Sequence[bool], centre: int, half_window: int) -> int:
    """Largest ``r <= half_window`` with ``usable[centre - r .. centre + r]`` all true; -1 if the centre is not."""
    if not usable[centre]:
        return -1
    r = 0
    while (r < half_window and centre - r - 1 >= 0 and centre + r + 1 < len(usable)
           and usable[centre - r - 1] and usable[centre + r + 1]):
        r += 1
    return r


def zero_phase_smooth(values: FloatArray, half_width: int = OFFLINE_HALF_WINDOW) -> FloatArray:
    """Centred moving average over up to ``2 * half_width + 1`` samples: no lag, for offline series.

    The rule of :class:`CentredSmoother` on one series: ``y[i] = mean(x[i - r .. i + r])``, ``r`` the largest
    ``<= half_width`` with only finite samples in the window. NaN samples (no person) stay NaN and end every
    window that reaches them; near the ends the window shrinks symmetrically. Assumes evenly spaced samples.

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
    finite = [bool(v) for v in np.isfinite(x)]
    out = np.full_like(x, np.nan)
    for i in range(x.size):
        r = _reach(finite, i, half_width)
        if r >= 0:
            out[i] = float(np.mean(x[i - r:i + r + 1]))
    return out


@dataclass(frozen=True)
class Measured(Generic[T]):
    """One frame's measurement on its way through :class:`CentredSmoother`, with what travels with it.

    Attributes:
        measurement: the frame's measurement (raw on the way in, smoothed on the way out).
        calibrating: the person's neutral was still being learnt in this frame (the angles are raw, not
            relative to it); frames on either side of that switch are never averaged together.
        payload: anything that must stay in step with the measurement, e.g. the frame and its pose for the
            overlay; the smoother never looks at it.
    """

    measurement: Measurement
    calibrating: bool = False
    payload: T | None = None


class CentredSmoother(Generic[T]):
    """Zero-phase smoothing of a stream of measurements with a fixed delay of ``half_window`` frames.

    ``update`` takes each frame's :class:`Measured` in order and returns the one from ``half_window`` frames
    earlier with its metric values (``measurement.angles``) replaced by the centred average (see the module
    docstring); visibility, view, detection, the calibration flag and the payload pass through unchanged.
    It returns None for the first ``half_window`` frames; :meth:`flush` returns the last ones at the end of
    the stream (end of file or Ctrl-C), so every frame that goes in comes out, once, in order. Memory: the
    ``half_window + 1`` frames waiting and the raw measurements of the ``half_window`` frames before them.

    Args:
        half_window: frames on each side of the window (and the delay); 0 passes every frame straight through.
    """

    def __init__(self, half_window: int = OFFLINE_HALF_WINDOW) -> None:
        if half_window < 0:
            raise ValueError(f"half_window must be >= 0, got {half_window}")
        self.half_window = half_window
        self._past: deque[Measured[T]] = deque(maxlen=half_window if half_window else 1)
        self._waiting: deque[Measured[T]] = deque()

    @property
    def delay_frames(self) -> int:
        """Frames between a frame going in and its smoothed measurement coming out."""
        return self.half_window

    def update(self, item: Measured[T]) -> Measured[T] | None:
        """Adds the newest frame; returns the frame ``half_window`` frames back, smoothed, once there is one."""
        self._waiting.append(item)
        if len(self._waiting) <= self.half_window:
            return None
        return self._release()

    def flush(self) -> list[Measured[T]]:
        """The frames still waiting, smoothed with the frames there are; the smoother is empty afterwards."""
        out = []
        while self._waiting:
            out.append(self._release())
        self._past.clear()
        return out

    def _release(self) -> Measured[T]:
        window = [*self._past, *self._waiting]
        centre = len(self._past)
        smoothed = self._smooth(window, centre)
        item = self._waiting.popleft()
        if self.half_window:
            self._past.append(Measured(item.measurement, item.calibrating))  # raw values, no payload kept
        return smoothed

    def _smooth(self, window: list[Measured[T]], centre: int) -> Measured[T]:
        item = window[centre]
        m = item.measurement
        if self.half_window == 0 or not m.detected:
            return item
        same_state = [w.measurement.detected and w.calibrating == item.calibrating for w in window]
        angles = {}
        for name, value in m.angles.items():
            values = [w.measurement.angles.get(name, math.nan) for w in window]
            usable = [ok and math.isfinite(v) for ok, v in zip(same_state, values, strict=True)]
            r = _reach(usable, centre, self.half_window)
            angles[name] = value if r <= 0 else math.fsum(values[centre - r:centre + r + 1]) / (2 * r + 1)
        return replace(item, measurement=replace(m, angles=angles))
