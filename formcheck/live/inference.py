"""Pose inference on its own thread, so drawing and display overlap with the model.

MediaPipe's pose model runs on one core; measuring, counting, drawing the coach, the files and the window run
on the main thread. :class:`PoseWorker` takes the newest captured frame, finds the pose, and leaves it
in a one-slot, newest-wins hand-off for the main thread. The model never waits for the screen, so the
displayed rate is the model's own rate (on two cores or more), and a result is never older than one frame.

The pose stage keeps VIDEO mode with the capture clock's timestamps (strictly increasing milliseconds).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass

from formcheck.live.capture import Captured, LatestFrameGrabber
from formcheck.live.handoff import HandsOff, NewestWins
from formcheck.live.threadname import name_os_thread
from formcheck.pose import PoseEstimator
from formcheck.types import Pose

log = logging.getLogger(__name__)

#: The pose thread's name for the operating system (:mod:`formcheck.live.threadname`).
OS_THREAD_NAME = "fc-pose"


@dataclass(frozen=True)
class Processed:
    """A captured frame with its pose.

    Attributes:
        captured: the frame and when it arrived.
        pose: the pose found in it (empty when there is nobody).
        taken_s: when the pose thread took the frame (monotonic seconds; NaN: not known).
        posed_s: when its pose was found.
    """

    captured: Captured
    pose: Pose
    taken_s: float = math.nan
    posed_s: float = math.nan


class PoseWorker(HandsOff):
    """Runs the pose model on the frames of a :class:`LatestFrameGrabber` on a daemon thread.

    Use as a context manager (starts; on exit stops and joins), then :meth:`get` from the main thread.

    Attributes:
        processed: frames the model ran on.
        inference_s: time spent in the model, in seconds.
        dropped: results replaced before the main thread took them.
        ended: the grabber's source ended and its last frame was processed.
        error: an error raised on the worker (re-raised by :meth:`get`).
    """

    def __init__(self, grabber: LatestFrameGrabber, estimator: PoseEstimator) -> None:
        self.grabber = grabber
        self.estimator = estimator
        self._slot: NewestWins[Processed] = NewestWins()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-pose", daemon=True)
        self.inference_s = 0.0

    @property
    def processed(self) -> int:
        return self._slot.put_count

    def start(self) -> PoseWorker:
        self._thread.start()
        return self

    def _run(self) -> None:
        name_os_thread(OS_THREAD_NAME)
        error: BaseException | None = None
        try:
            while not self._stop.is_set():
                captured = self.grabber.get(timeout_s=0.2)
                if captured is None:
                    if self.grabber.exhausted:
                        break
                    continue
                taken_s = time.monotonic()
                started_s = time.perf_counter()
                # the model's picture is prepared here only if the capture thread has not prepared it already
                pose = self.estimator.detect_input(captured.model_input())
                self.inference_s += time.perf_counter() - started_s
                self._slot.put(Processed(captured, pose, taken_s, time.monotonic()))
        except Exception as exc:  # noqa: BLE001 (any failure is re-raised on the main thread by get())
            error = exc
        finally:
            self._slot.end(error)

    def get(self, timeout_s: float = 0.5) -> Processed | None:
        """The newest result not yet taken, waiting up to ``timeout_s``; None on a timeout or at the end.

        Raises:
            The error the worker (or the source) raised.
        """
        return self._slot.get(timeout_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)
            if self._thread.is_alive():
                log.warning("the pose thread did not stop within 10 s")

    def __enter__(self) -> PoseWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
