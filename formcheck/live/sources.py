"""Live frame sources: a camera, or a video file played as if it were one.

Both follow :class:`formcheck.sources.FrameSource` (an iterable of frames with ``info`` and ``close()``) and
both run at the speed of the world, not of the reader: a camera delivers frames whether or not anyone takes
them, and :class:`PacedFileSource` sleeps until each frame's own presentation time, so a slow reader misses
frames (see :class:`formcheck.live.capture.LatestFrameGrabber`, which keeps only the newest).

A source that stops delivering mid-session (a camera unplugged) ends its iteration and sets ``lost`` with a
``problem`` message; it does not raise, so the session so far can be saved.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.errors import SourceError
from formcheck.sources import PendingFrame, SourceInfo, VideoFileSource
from formcheck.types import Frame

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: Consecutive failed reads after which a camera counts as gone (a few misses happen on any USB camera).
MAX_FAILED_READS = 5


def camera_fix() -> str:
    return ("choose another camera with --camera N (0 is usually the built-in one), "
            "or play a video file as a camera with --source FILE")


def _default_capture(device: int | str) -> Any:  # noqa: ANN401 (cv2.VideoCapture)
    import cv2

    return cv2.VideoCapture(device)


class CameraSource:
    """Frames from a camera through OpenCV's ``VideoCapture``, stamped on a monotonic clock.

    Args:
        device: a camera index (``0``, ``1``, ...) or anything ``VideoCapture`` opens (``/dev/video2``, a URL).
        capture_factory: makes the capture object (tests pass a fake).
        clock: monotonic seconds.

    Raises:
        SourceError: there is no such camera, or it opens but gives no picture.
    """

    def __init__(self, device: int | str = 0, *, capture_factory: Callable[[int | str], Any] = _default_capture,
                 clock: Clock = time.monotonic) -> None:
        self.device = device
        self._clock = clock
        self._cap = capture_factory(device)
        if self._cap is None or not self._cap.isOpened():
            self._release()
            raise SourceError(f"no camera found at {self._describe()}: {camera_fix()}")
        ok, image = self._cap.read()
        if not ok or image is None or getattr(image, "size", 0) == 0:
            self._release()
            raise SourceError(f"{self._describe()} opened but gave no picture (in use by another program?): "
                              f"{camera_fix()}")
        self._first: np.ndarray | None = image
        h, w = image.shape[:2]
        fps = float(self._cap.get(5) or 0.0)  # cv2.CAP_PROP_FPS == 5
        self.info = SourceInfo(name=self._describe(), resolution_wh=(int(w), int(h)),
                               fps=fps if 0 < fps < 1000 else 30.0, frame_count=0, duration_s=0.0, codec="camera")
        self.lost = False
        self.problem = ""

    def _describe(self) -> str:
        return f"camera {self.device}" if isinstance(self.device, int) else f"camera {self.device!s}"

    def __iter__(self) -> Iterator[Frame]:
        start_s = self._clock()
        index = 0
        failures = 0
        image = self._first
        self._first = None
        while True:
            if image is None:
                ok, image = self._cap.read()
                if not ok or image is None:
                    failures += 1
                    image = None
                    if failures >= MAX_FAILED_READS:
                        self.lost = True
                        self.problem = f"{self._describe()} stopped giving pictures (unplugged?)"
                        log.debug(self.problem)
                        return
                    continue
            failures = 0
            yield Frame(image_bgr=image, timestamp_ms=int(round((self._clock() - start_s) * 1000)), index=index)
            index += 1
            image = None

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()

    def close(self) -> None:
        self._release()


#: The decoder's threads for a file played as a camera: one. It decodes at the world's speed, a frame at a
#: time, beside the model; FFmpeg's frame threads add CPU for each frame (640x480: 0.58 ms of CPU a frame
#: with one thread against 0.72 with FFmpeg's choice; ``docs/performance.md``) and save no time here.
DECODER_THREADS = 1


class PacedFileSource:
    """A video file played like a camera: each frame is delivered at its own presentation time.

    The file is decoded as it plays; the iteration sleeps until each frame is due (by ``clock``), so a reader
    that falls behind finds that frames went by without it, exactly as with a camera. Frames keep the file's
    timestamps and indices. :meth:`pending` gives them decoded but not yet converted to BGR, so that only the
    frames a reader takes are converted (:class:`formcheck.live.capture.LatestFrameGrabber` uses it).

    Raises:
        SourceError: the file cannot be opened as a video (see :class:`formcheck.sources.VideoFileSource`).
    """

    def __init__(self, path: Path | str, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self._file = VideoFileSource(path, decoder_threads=DECODER_THREADS)
        self.info = self._file.info
        self._clock = clock
        self._sleep = sleep
        self.lost = False
        self.problem = ""

    @property
    def truncated(self) -> bool:
        return self._file.truncated

    def __iter__(self) -> Iterator[Frame]:
        return (pending.frame() for pending in self.pending())

    def pending(self) -> Iterator[PendingFrame]:
        """The frames at their own times, each converted to BGR only when its ``frame()`` is called."""
        start_s: float | None = None
        for frame in self._file.pending_frames():
            now = self._clock()
            if start_s is None:
                start_s = now - frame.timestamp_ms / 1000.0
            delay = start_s + frame.timestamp_ms / 1000.0 - now
            if delay > 0:
                self._sleep(delay)
            yield frame
        if self._file.truncated:  # like a camera unplugged: the session so far is kept, and the user told
            self.lost = True
            self.problem = self._file.problem

    def close(self) -> None:
        self._file.close()
