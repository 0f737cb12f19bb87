"""Capture on its own thread, newest frame wins.

The camera (or a paced file) is read on a background thread into a one-frame slot. The main thread takes
the newest frame when it is ready for one; a frame that is replaced before anyone took it is dropped. No
queue builds up, so what is shown is never older than one frame plus the processing time, however slow the
processing is.

Each frame is restamped on arrival with the monotonic clock (milliseconds since capture started), the time
base MediaPipe's VIDEO mode gets in the live loop; the time of arrival is kept to measure latency.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from formcheck.errors import FormcheckError
from formcheck.live.handoff import HandsOff, NewestWins
from formcheck.live.threadname import name_os_thread
from formcheck.sources import FrameSource
from formcheck.types import Frame

log = logging.getLogger(__name__)

#: The capture thread's name for the operating system (:mod:`formcheck.live.threadname`).
OS_THREAD_NAME = "fc-capture"


@dataclass(frozen=True)
class Captured:
    """A frame as the capture thread received it.

    Attributes:
        frame: the picture, with ``timestamp_ms`` on the monotonic capture clock and the source's index.
        captured_s: monotonic time of arrival, in seconds (for capture-to-display latency).
        source_timestamp_ms: the timestamp the source gave it (a file's presentation time).
    """

    frame: Frame
    captured_s: float
    source_timestamp_ms: int


class LatestFrameGrabber(HandsOff):
    """Reads a frame source on a daemon thread and keeps only the newest frame.

    Use as a context manager (starts the thread; on exit stops it), then call :meth:`get` from the consumer.
    The caller owns the source: it closes it once the thread has stopped.

    Attributes:
        captured: frames received from the source.
        taken: frames handed to the consumer.
        dropped: frames replaced before the consumer took them.
        ended: the source has no more frames.
        error: a :class:`FormcheckError` the source raised, re-raised by :meth:`get`.
    """

    def __init__(self, source: FrameSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self._clock = clock
        self._slot: NewestWins[Captured] = NewestWins()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-capture", daemon=True)
        self._start_s = 0.0

    @property
    def captured(self) -> int:
        return self._slot.put_count

    @property
    def taken(self) -> int:
        return self._slot.taken

    def start(self) -> LatestFrameGrabber:
        self._start_s = self._clock()
        self._thread.start()
        return self

    def _run(self) -> None:
        name_os_thread(OS_THREAD_NAME)
        error: FormcheckError | None = None
        try:
            for frame in self.source:
                now = self._clock()
                stamped = Frame(image_bgr=frame.image_bgr, timestamp_ms=int(round((now - self._start_s) * 1000)),
                                index=frame.index)
                self._slot.put(Captured(stamped, now, frame.timestamp_ms))
                if self._stop.is_set():
                    break
        except FormcheckError as exc:
            error = exc
        finally:
            self._slot.end(error)

    def get(self, timeout_s: float = 1.0) -> Captured | None:
        """The newest frame not yet taken, waiting up to ``timeout_s`` for one.

        Returns None on a timeout, or when the source has ended and every frame was taken (check
        :attr:`ended`).

        Raises:
            FormcheckError: the error the source raised on the capture thread.
        """
        return self._slot.get(timeout_s)

    def stop(self) -> None:
        """Stops the thread (within one frame's time). The caller owns the source and closes it after."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
            if self._thread.is_alive():
                log.warning("the capture thread did not stop within 5 s")

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> LatestFrameGrabber:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
