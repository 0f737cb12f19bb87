"""Stand-ins for the live tests: an exercise session built on the real rep counter, fake captures."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from formcheck.exercises.counting import RepCounter
from formcheck.types import Measurement


class CounterSession:
    """A minimal exercise session on the real :class:`RepCounter`: ``update(m) -> feedback dict``."""

    def __init__(self, exercise: Any) -> None:
        self.exercise = exercise
        self.counter = RepCounter(exercise)

    def update(self, m: Measurement) -> dict[str, Any]:
        value = m.angles.get(self.exercise.rep.metric, math.nan)
        self.counter.update(m.timestamp_ms / 1000.0, value)
        counts: dict[str, int] = {}
        for r in self.counter.records:
            if r.complete:
                counts[r.side] = counts.get(r.side, 0) + 1
        return {"counts": counts, "cue": "", "status": "", "hold_s": self.counter.current_hold_s}

    @property
    def records(self) -> list[Any]:
        return self.counter.records

    def summary(self) -> dict[str, Any]:
        return {"reps": len(self.counter.records)}


class FakeCapture:
    """A ``cv2.VideoCapture`` stand-in: ``frames`` good reads, then failures (unplugged)."""

    def __init__(self, frames: int, *, opened: bool = True, first_ok: bool = True, size_wh: tuple[int, int] = (64, 48)):
        self.frames = frames
        self.opened = opened
        self.first_ok = first_ok
        self.size_wh = size_wh
        self.reads = 0
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        self.reads += 1
        if self.reads == 1 and not self.first_ok:
            return False, None
        if self.reads > self.frames:
            return False, None
        w, h = self.size_wh
        return True, np.full((h, w, 3), self.reads % 255, np.uint8)

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True
