"""Stand-ins for the live tests: a camera that can be unplugged."""

from __future__ import annotations

import numpy as np



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
