"""The live loop's displayed frame rate and capture-to-display latency, split into where a frame waits.

A frame's way to the screen (all on the monotonic clock):

* ``wait``: from its arrival until the pose thread takes it (the model is busy with the frame before);
* ``model``: from then until its pose is found (converting the picture if the capture thread has not, the
  model, the result's conversion);
* ``handoff``: from then until the main thread starts on it (the main thread is busy with the frame before);
* ``main``: the main thread's measuring, counting, drawing and showing.

The goal is a latency within one inference plus one frame: ``wait`` at most a frame, ``handoff`` and
``main`` small beside ``model``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The parts of the capture-to-display latency, in order.
LATENCY_PARTS = ("wait", "model", "handoff", "main")


@dataclass
class DisplayStats:
    """Displayed frame rate and capture-to-display latency, one ``update`` per frame shown.

    The latency samples kept are bounded (the last ``max_samples``), so memory stays flat in a long session.
    """

    max_samples: int = 20_000
    frames: int = 0
    first_s: float | None = None
    last_s: float | None = None
    fps_ema: float | None = None
    _dt_ema: float | None = None
    latencies_ms: deque[float] = field(default_factory=deque)
    parts_ms: dict[str, deque[float]] = field(default_factory=lambda: {p: deque() for p in LATENCY_PARTS})

    def update(self, shown_s: float, captured_s: float, *, taken_s: float = math.nan, posed_s: float = math.nan,
               started_s: float = math.nan) -> None:
        """One frame shown at ``shown_s`` that arrived at ``captured_s``, was taken by the pose thread at
        ``taken_s``, had its pose at ``posed_s`` and was started on by the main thread at ``started_s``
        (NaN: not known)."""
        if self.last_s is not None and shown_s > self.last_s:
            dt = shown_s - self.last_s  # the mean of the intervals, not of 1/interval (biased up by jitter)
            self._dt_ema = dt if self._dt_ema is None else 0.9 * self._dt_ema + 0.1 * dt
            self.fps_ema = 1.0 / self._dt_ema
        if self.first_s is None:
            self.first_s = shown_s
        self.last_s = shown_s
        self.frames += 1
        self._keep(self.latencies_ms, shown_s - captured_s)
        times = (captured_s, taken_s, posed_s, started_s, shown_s)
        for part, begin, end in zip(LATENCY_PARTS, times, times[1:]):
            if math.isfinite(begin) and math.isfinite(end):
                self._keep(self.parts_ms[part], end - begin)

    def _keep(self, samples: deque[float], seconds: float) -> None:
        samples.append(seconds * 1000.0)
        while len(samples) > self.max_samples:
            samples.popleft()

    @property
    def fps(self) -> float | None:
        """Frames shown per second over the whole session."""
        if self.frames < 2 or self.first_s is None or self.last_s is None or self.last_s <= self.first_s:
            return None
        return (self.frames - 1) / (self.last_s - self.first_s)

    def as_dict(self) -> dict[str, Any]:
        lat = np.array(self.latencies_ms, dtype=float)
        pct = (lambda q: round(float(np.percentile(lat, q)), 1)) if lat.size else (lambda q: None)
        parts = {p: round(float(np.median(np.array(v, dtype=float))), 1) if v else None
                 for p, v in self.parts_ms.items()}
        return {"frames_shown": self.frames, "fps": None if self.fps is None else round(self.fps, 2),
                "latency_ms": {"p50": pct(50), "p95": pct(95), "max": pct(100)},
                "latency_parts_ms_p50": parts}
