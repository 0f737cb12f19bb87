"""Builders of synthetic angle series and measurements with known answers, for the exercise tests.

A :class:`Series` is built segment by segment (hold, move, dropout, jitter) at a fixed frame rate, so each
test reads like the movement it describes and the true reps, holds and peaks are known by construction.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from formcheck.exercises.model import Exercise
from formcheck.types import Measurement


class Series:
    """Samples ``(timestamp_s, value)`` at ``fps``, built from segments. ``value`` is where the last one ended."""

    def __init__(self, fps: float = 30.0, start: float = 0.0) -> None:
        self.fps = fps
        self.value = start
        self.samples: list[tuple[float, float]] = []

    @property
    def t(self) -> float:
        """Time of the next sample."""
        return len(self.samples) / self.fps

    def _frames(self, seconds: float) -> int:
        return max(1, round(seconds * self.fps))

    def hold(self, seconds: float, value: float | None = None) -> Series:
        if value is not None:
            self.value = value
        for _ in range(self._frames(seconds)):
            self.samples.append((self.t, self.value))
        return self

    def move(self, to: float, seconds: float) -> Series:
        """Linear move from the current value to ``to``; the last sample is ``to``."""
        n = self._frames(seconds)
        start = self.value
        for i in range(1, n + 1):
            self.samples.append((self.t, start + (to - start) * i / n))
        self.value = to
        return self

    def dropout(self, seconds: float) -> Series:
        """Samples that cannot be measured (NaN), e.g. a hidden landmark."""
        for _ in range(self._frames(seconds)):
            self.samples.append((self.t, math.nan))
        return self

    def jitter(self, seconds: float, centre: float, amplitude: float) -> Series:
        """Alternating ``centre +/- amplitude`` every frame: noise right at a threshold."""
        for i in range(self._frames(seconds)):
            self.samples.append((self.t, centre + (amplitude if i % 2 else -amplitude)))
        self.value = centre
        return self

    def sine(self, seconds: float, centre: float, amplitude: float, period_s: float) -> Series:
        for i in range(self._frames(seconds)):
            self.samples.append((self.t, centre + amplitude * math.sin(2 * math.pi * i / self.fps / period_s)))
        self.value = self.samples[-1][1]
        return self

    def rep(self, peak: float, out_s: float = 1.0, hold_s: float = 0.0, back_s: float = 1.0,
            neutral: float = 0.0, rest_s: float = 0.5) -> Series:
        """One rep: move to ``peak``, hold there, move back to ``neutral`` and rest."""
        self.move(peak, out_s)
        if hold_s > 0:
            self.hold(hold_s)
        self.move(neutral, back_s)
        return self.hold(rest_s)


def measurements(exercise: Exercise, samples: Iterable[tuple[float, float]], *, view: str | None = None,
                 other: Mapping[str, float] | None = None, out_of_frame: tuple[str, ...] = (),
                 target_samples: Iterable[float] | None = None,
                 posture: tuple[str, ...] | list[tuple[str, ...]] | None = None) -> list[Measurement]:
    """Measurements whose rep metric follows ``samples``.

    Args:
        exercise: gives the rep metric, the target metric and the first allowed view.
        samples: ``(timestamp_s, value)``; NaN values stay NaN.
        view: the view reported (default: the exercise's first allowed view).
        other: values of other metrics (default 0.0 for every metric the exercise's rules use).
        out_of_frame: body parts reported outside the picture on every frame.
        target_samples: values of the target metric when it differs from the rep metric (default 0.0).
        posture: the postures reported: one tuple for every frame, or a list with one tuple per sample
            (default: the exercise's start postures, i.e. the person is in position throughout).
    """
    base = {rule.metric: 0.0 for rule in exercise.rules}
    base.update(other or {})
    targets = list(target_samples) if target_samples is not None else None
    out = []
    samples = list(samples)
    if posture is None:
        posture = tuple(exercise.setup.posture)
    postures = posture if isinstance(posture, list) else [posture] * len(samples)
    for i, (t, value) in enumerate(samples):
        angles = dict(base)
        angles[exercise.rep.metric] = value
        if exercise.target.metric != exercise.rep.metric:
            angles[exercise.target.metric] = targets[i] if targets is not None else 0.0
        out.append(Measurement(
            timestamp_ms=round(t * 1000),
            detected=True,
            angles=angles,
            visibility={name: 0.99 for name in angles},
            view=view or exercise.view.allowed[0],
            out_of_frame=out_of_frame,
            posture=postures[i],
        ))
    return out
