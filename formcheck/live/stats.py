"""The live loop's displayed frame rate and capture-to-display latency, split into where a frame waits.

A frame's way to the screen (all on the monotonic clock):

* ``wait``: from its arrival until the pose thread takes it (the model is busy with the frame before);
* ``model``: from then until its pose is found (converting the picture if the capture thread has not, the
  model, the result's conversion);
* ``handoff``: from then until the main thread starts on it (the main thread is busy with the frame before);
* ``main``: the main thread's measuring, counting, drawing and showing.

The goal is a latency within one inference plus one frame: ``wait`` at most a frame, ``handoff`` and
``main`` small beside ``model``. The parts are kept frame by frame, so that sums over a frame's own parts have
percentiles too: ``beyond_model`` is a frame's latency less its own model time (``wait + handoff + main``), and
``wait_model`` its ``wait + model``.

Why the p95 of the latency cannot be within the *mean* inference plus one frame ``F``: the pose thread takes
the newest frame when it finishes the one before, at a moment unrelated to the source's clock, so ``wait`` is
spread evenly over ``0..F``; its p95 alone is ``0.95 F``. With the model's time ``M`` constant at its mean,
``p95(wait + M) = mean(M) + 0.95 F``, which leaves ``0.05 F`` (0.8 ms at 60 fps) for ``handoff + main``; any
spread of ``M`` adds to ``p95(wait + M)`` beyond that. The per-frame form, a frame's latency within its own
model time plus ``F`` (``beyond_model <= F``), has no such term: it asks ``p95(wait + handoff + main) <= F``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The parts of the capture-to-display latency, in order.
LATENCY_PARTS = ("wait", "model", "handoff", "main")
#: Columns of a frame's row in :attr:`DisplayStats.frames_ms`: the latency, then its parts.
_COLUMNS = ("latency", *LATENCY_PARTS)


def _pct(values: NDArray[np.float64], q: float) -> float | None:
    """The ``q`` percentile of the finite ``values``, in 0.1 ms; None when there are none."""
    finite = values[np.isfinite(values)]
    return round(float(np.percentile(finite, q)), 1) if finite.size else None


@dataclass
class DisplayStats:
    """Displayed frame rate and capture-to-display latency, one ``update`` per frame shown.

    The frames kept are bounded (the last ``max_samples``), so memory stays flat in a long session.
    """

    max_samples: int = 20_000
    frames: int = 0
    first_s: float | None = None
    last_s: float | None = None
    fps_ema: float | None = None
    _dt_ema: float | None = None
    #: A row per frame shown: its latency and parts (``_COLUMNS``) in ms, NaN for a part not known.
    frames_ms: deque[tuple[float, ...]] = field(default_factory=deque)

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
        times = (captured_s, taken_s, posed_s, started_s, shown_s)
        parts = tuple(1000.0 * (end - begin) for begin, end in zip(times, times[1:]))  # NaN where either is
        self.frames_ms.append((1000.0 * (shown_s - captured_s), *parts))
        if len(self.frames_ms) > self.max_samples:
            self.frames_ms.popleft()

    @property
    def fps(self) -> float | None:
        """Frames shown per second over the whole session."""
        if self.frames < 2 or self.first_s is None or self.last_s is None or self.last_s <= self.first_s:
            return None
        return (self.frames - 1) / (self.last_s - self.first_s)

    def as_dict(self) -> dict[str, Any]:
        """The frame rate; the latency's p50, p95 and max; each part's p50 and p95; the model part's mean; and
        the per-frame sums' p50 and p95: ``beyond_model`` (latency less the frame's own model time) and
        ``wait_model`` (wait plus model), in ms."""
        table = np.array(self.frames_ms, dtype=float).reshape(-1, len(_COLUMNS))
        col = {name: table[:, i] for i, name in enumerate(_COLUMNS)}
        model = col["model"][np.isfinite(col["model"])]
        sums = {"beyond_model": col["latency"] - col["model"], "wait_model": col["wait"] + col["model"]}
        return {"frames_shown": self.frames, "fps": None if self.fps is None else round(self.fps, 2),
                "latency_ms": {"p50": _pct(col["latency"], 50), "p95": _pct(col["latency"], 95),
                               "max": _pct(col["latency"], 100)},
                "latency_parts_ms_p50": {p: _pct(col[p], 50) for p in LATENCY_PARTS},
                "latency_parts_ms_p95": {p: _pct(col[p], 95) for p in LATENCY_PARTS},
                "model_ms_mean": round(float(model.mean()), 1) if model.size else None,
                "latency_sums_ms": {name: {"p50": _pct(v, 50), "p95": _pct(v, 95)} for name, v in sums.items()}}
