"""Neutral-pose calibration: angles relative to the person's own neutral.

People's neutral differs (posture, and how the camera sees them: an oblique camera turns the shoulder line
and the hip line alike). :class:`NeutralCalibration` collects the first ``duration_s`` of frames with a
person in view, takes the median of each metric as that person's neutral, and from then on reports each
calibrated metric minus its neutral. Metrics that are not angles against a neutral (e.g. hip flexion,
which is absolute) pass through unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from formcheck.geometry import METRICS_BY_NAME
from formcheck.types import Measurement


class NeutralCalibration:
    """Learns the neutral from the first ``duration_s`` seconds with a person in view, then applies it.

    ``update(measurement)`` returns the measurement with calibrated angles (unchanged until the neutral is
    known). ``reset()`` starts over (e.g. the live coach's ``c`` key).
    """

    def __init__(self, duration_s: float = 2.0) -> None:
        if not duration_s > 0:
            raise ValueError("calibration duration must be positive")
        self.duration_s = duration_s
        self.reset()

    def reset(self) -> None:
        self._samples: dict[str, list[float]] = {}
        self._start_ms: int | None = None
        self.neutral: dict[str, float] | None = None

    @property
    def is_ready(self) -> bool:
        return self.neutral is not None

    def update(self, m: Measurement) -> Measurement:
        if self.neutral is None and m.detected:
            if self._start_ms is None:
                self._start_ms = m.timestamp_ms
            for name, value in m.angles.items():
                if math.isfinite(value):
                    self._samples.setdefault(name, []).append(value)
            if m.timestamp_ms - self._start_ms >= self.duration_s * 1000:
                self.neutral = {
                    name: float(np.median(values)) for name, values in self._samples.items()
                    if name in METRICS_BY_NAME and METRICS_BY_NAME[name].relative_to_neutral
                }
        return self.apply(m)

    def learn(self, measurements: Sequence[Measurement]) -> bool:
        """Sets the neutral from chosen frames instead of the first ``duration_s`` seconds: each calibrated
        metric's median over them (NaN ignored), as :meth:`update` does. Returns whether any had a person."""
        samples: dict[str, list[float]] = {}
        seen = False
        for m in measurements:
            if not m.detected:
                continue
            seen = True
            for name, value in m.angles.items():
                if math.isfinite(value) and name in METRICS_BY_NAME and METRICS_BY_NAME[name].relative_to_neutral:
                    samples.setdefault(name, []).append(value)
        if not seen:
            return False
        self.neutral = {name: float(np.median(values)) for name, values in samples.items()}
        self._samples = {}
        self._start_ms = None
        return True

    def apply(self, m: Measurement) -> Measurement:
        """``m`` with each calibrated metric minus its neutral (as is while the neutral is unknown)."""
        if self.neutral is None:
            return m
        angles = {name: value - self.neutral.get(name, 0.0) for name, value in m.angles.items()}
        return replace(m, angles=angles)
