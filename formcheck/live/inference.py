"""Pose inference on its own thread, so drawing and display overlap with the model.

MediaPipe's pose model runs on one core; measuring, counting, drawing the coach, the files and the window run
on the main thread. :class:`PoseWorker` takes the newest captured frame, finds the pose, and leaves it
in a one-slot, newest-wins hand-off for the main thread. The model never waits for the screen, so the
displayed rate is the model's own rate (on two cores or more), and a result is never older than one frame.

The pose stage keeps VIDEO mode with the capture clock's timestamps (strictly increasing milliseconds).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from formcheck.live.capture import Captured, LatestFrameGrabber
from formcheck.pose import PoseEstimator
from formcheck.types import Pose

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Processed:
    """A captured frame with its pose.

    Attributes:
        captured: the frame and when it arrived.
        pose: the pose found in it (empty when there is nobody).
    """

    captured: Captured
    pose: Pose


class PoseWorker:
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
        self._cond = threading.Condition()
        self._latest: Processed | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-pose", daemon=True)
        self.processed = 0
        self.inference_s = 0.0
        self.dropped = 0
        self.ended = False
        self.error: BaseException | None = None

    def start(self) -> PoseWorker:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                captured = self.grabber.get(timeout_s=0.2)
                if captured is None:
                    if self.grabber.exhausted:
                        break
                    continue
                frame = captured.frame
                started_s = time.perf_counter()
                pose = self.estimator.detect(frame)
                self.inference_s += time.perf_counter() - started_s
                result = Processed(captured, pose)
                with self._cond:
                    if self._latest is not None:
                        self.dropped += 1
                    self._latest = result
                    self.processed += 1
                    self._cond.notify_all()
        except Exception as exc:  # noqa: BLE001 (any failure is re-raised on the main thread by get())
            self.error = exc
        finally:
            with self._cond:
                self.ended = True
                self._cond.notify_all()

    def get(self, timeout_s: float = 0.5) -> Processed | None:
        """The newest result not yet taken, waiting up to ``timeout_s``; None on a timeout or at the end.

        Raises:
            The error the worker (or the source) raised.
        """
        with self._cond:
            if self._latest is None and not self.ended:
                self._cond.wait_for(lambda: self._latest is not None or self.ended, timeout=timeout_s)
            item, self._latest = self._latest, None
        if item is None and self.error is not None:
            raise self.error
        return item

    @property
    def exhausted(self) -> bool:
        """Every frame of the source was processed and taken."""
        with self._cond:
            return self.ended and self._latest is None

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
