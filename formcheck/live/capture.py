"""Capture on its own thread, newest frame wins.

The camera (or a paced file) is read on a background thread into a one-frame slot. The main thread takes
the newest frame when it is ready for one; a frame that is replaced before anyone took it is dropped. No
queue builds up, so what is shown is never older than one frame plus the processing time, however slow the
processing is.

Each frame is restamped on arrival with the monotonic clock (milliseconds since capture started), the time
base MediaPipe's VIDEO mode gets in the live loop; the time of arrival is kept to measure latency.

A source that offers its frames decoded but not yet converted to BGR (``pending()``, as
:class:`formcheck.live.sources.PacedFileSource` does) has only the frames that are used converted: on the
capture thread when the consumer is expected to take the frame before the next one arrives (from the usual
interval between its takes), so the conversion stays off the model's path; otherwise by the consumer, if it
takes the frame after all. A frame dropped unused is never converted. At 60 frames a second and a model
taking about 35, that saves the conversion of every other frame (about 0.8 ms each at 640x480).

The model's picture (:class:`formcheck.pose.ModelInput`: RGB, scaled down past
:data:`formcheck.pose.MODEL_LONG_SIDE_PX`) is prepared the same way, on the capture thread for a frame the
consumer is expected to take, so the pose thread goes straight to the model: a colour swap at 640x480 (about
0.2 ms), a scaling and a swap for a 1920x1080 camera (several ms) no longer wait in front of each inference.

The picture the main thread draws the coach on (``canvas``: the frame mirrored like a selfie, or a copy) is
prepared the same way, after the model's picture, while the model runs: the main thread then starts drawing
on it as soon as the pose is found instead of flipping the frame first (the main thread's part of the latency:
about 0.2 ms less at 640x480, 1.4-2.1 ms less at 1920x1080; ``docs/performance.md``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.errors import FormcheckError
from formcheck.live.handoff import HandsOff, NewestWins
from formcheck.live.threadname import name_os_thread
from formcheck.pose import ModelInput
from formcheck.sources import FrameSource, PendingFrame
from formcheck.types import Frame

log = logging.getLogger(__name__)

#: The capture thread's name for the operating system (:mod:`formcheck.live.threadname`).
OS_THREAD_NAME = "fc-capture"
#: A frame is converted on the capture thread when the consumer's next take (its last take plus its usual
#: interval between takes) is due before the next frame arrives, with this share of a frame's interval to
#: spare, so that a take a little earlier than usual still finds its frame converted.
TAKE_MARGIN = 0.25
#: Weight of the newest interval in the running means of the intervals between takes and between frames.
EMA_WEIGHT = 0.2

T = TypeVar("T")
Image = NDArray[np.uint8]
#: Makes the picture to draw on from a frame's BGR picture: a new array, which the caller may draw on.
Canvas = Callable[[Image], Image]


class Once(Generic[T]):
    """A value made once, by whichever thread asks first; a thread that asks meanwhile waits for it."""

    def __init__(self, make: Callable[[], T]) -> None:
        self._make: Callable[[], T] | None = make
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._make is not None:
                self._value, self._make = self._make(), None
            return self._value  # type: ignore[return-value]  # made above


@dataclass(frozen=True)
class Captured:
    """A frame as the capture thread received it.

    Attributes:
        picture: the picture, with ``timestamp_ms`` on the monotonic capture clock and the source's index;
            a :class:`PendingFrame` is converted to BGR when :attr:`frame` is first read.
        captured_s: monotonic time of arrival, in seconds (for capture-to-display latency).
        source_timestamp_ms: the timestamp the source gave it (a file's presentation time).
        make_canvas: makes the picture the consumer draws on from the BGR picture (see :meth:`canvas`), or None.
    """

    picture: Frame | PendingFrame
    captured_s: float
    source_timestamp_ms: int
    make_canvas: Canvas | None = field(default=None, repr=False, compare=False)
    _model_input: Once[ModelInput] = field(init=False, repr=False, compare=False)
    _canvas: Once[Image] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_model_input", Once(lambda: ModelInput.from_frame(self.frame)))
        make = self.make_canvas or _copy  # only asked for when the grabber has a canvas (canvas(), prepare())
        object.__setattr__(self, "_canvas", Once(lambda: make(self.frame.image_bgr)))

    def model_input(self) -> ModelInput:
        """The picture as the model takes it (prepared now if the capture thread has not prepared it already)."""
        return self._model_input.get()

    def canvas(self, make: Canvas) -> Image:
        """``make(frame.image_bgr)``, a picture to draw on: the one prepared by the capture thread when ``make``
        is the grabber's ``canvas`` (made now if it has not been yet), else made now. Made once: the first
        caller owns it (the consumer, which draws on each frame it takes once)."""
        if make is self.make_canvas:
            return self._canvas.get()
        return make(self.frame.image_bgr)

    def prepare(self) -> None:
        """Makes the model's picture, then the canvas (if the grabber has a ``canvas``), on the calling thread."""
        self.model_input()
        if self.make_canvas is not None:
            self._canvas.get()

    @property
    def frame(self) -> Frame:
        """The picture in BGR (converted now if the capture thread has not converted it already)."""
        picture = self.picture
        return picture if isinstance(picture, Frame) else picture.frame()


def _flip(image: Image) -> Image:
    return cv2.flip(image, 1)


def _copy(image: Image) -> Image:
    return image.copy()


def drawing_canvas(mirror: bool) -> Canvas:
    """How the picture the coach is drawn on is made from a frame: mirrored like a selfie (``x -> width - 1 -
    x``), or a copy; a new array either way. The same function for the same ``mirror``, so that the live loop
    finds the one the grabber prepared (:meth:`Captured.canvas`)."""
    return _flip if mirror else _copy


def _ema(mean: float | None, value: float) -> float:
    return value if mean is None else (1.0 - EMA_WEIGHT) * mean + EMA_WEIGHT * value


class LatestFrameGrabber(HandsOff):
    """Reads a frame source on a daemon thread and keeps only the newest frame.

    Use as a context manager (starts the thread; on exit stops it), then call :meth:`get` from the consumer.
    The caller owns the source: it closes it once the thread has stopped. ``canvas``: how the consumer makes
    the picture it draws on from a frame (:meth:`Captured.canvas`), prepared with the model's picture.

    Attributes:
        captured: frames received from the source.
        taken: frames handed to the consumer.
        dropped: frames replaced before the consumer took them.
        converted: frames converted to BGR (by either thread; a source without pending frames delivers them
            converted, each counted).
        converted_ahead: of those, converted on the capture thread.
        ended: the source has no more frames.
        error: a :class:`FormcheckError` the source raised, re-raised by :meth:`get`.
    """

    def __init__(self, source: FrameSource, *, clock: Callable[[], float] = time.monotonic,
                 canvas: Canvas | None = None) -> None:
        self.source = source
        self._make_canvas = canvas
        self._clock = clock
        self._slot: NewestWins[Captured] = NewestWins()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="formcheck-capture", daemon=True)
        self._start_s = 0.0
        self._count_lock = threading.Lock()
        self.converted = 0
        self.converted_ahead = 0
        self._last_arrival_s: float | None = None
        self._arrival_interval_s: float | None = None
        self._last_take_s: float | None = None
        self._take_interval_s: float | None = None

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
            for pending in self._pending():
                now = self._clock()
                self._arrival_interval_s = (None if self._last_arrival_s is None
                                            else _ema(self._arrival_interval_s, now - self._last_arrival_s))
                self._last_arrival_s = now
                picture = self._counted(pending, int(round((now - self._start_s) * 1000)))
                captured = Captured(picture, now, pending.timestamp_ms, self._make_canvas)
                self._slot.put(captured)
                if self._stop.is_set():
                    break
                if self._likely_taken(now):
                    captured.prepare()  # here, beside the model, rather than after it on the pose and main threads
        except FormcheckError as exc:
            error = exc
        finally:
            self._slot.end(error)

    def _pending(self) -> Iterator[PendingFrame]:
        pending = getattr(self.source, "pending", None)
        if callable(pending):
            return iter(pending())
        return (PendingFrame.of(frame) for frame in self.source)

    def _counted(self, pending: PendingFrame, timestamp_ms: int) -> Frame | PendingFrame:
        """``pending`` restamped on the capture clock: a :class:`Frame` when it is converted already (counted
        now), else a :class:`PendingFrame` that counts its conversion when it happens."""
        if pending.converted:
            frame = pending.frame()
            self._count(ahead=True)
            return Frame(image_bgr=frame.image_bgr, timestamp_ms=timestamp_ms, index=frame.index)

        def convert() -> Frame:
            self._count(ahead=threading.current_thread() is self._thread)
            return pending.frame()

        return PendingFrame(lambda: convert().image_bgr, timestamp_ms, pending.index)

    def _count(self, *, ahead: bool) -> None:
        with self._count_lock:
            self.converted += 1
            if ahead:
                self.converted_ahead += 1

    def _likely_taken(self, now_s: float) -> bool:
        """Whether the consumer is expected to take the frame that arrived at ``now_s`` before the next one
        arrives (True until both intervals are known)."""
        last, interval, period = self._last_take_s, self._take_interval_s, self._arrival_interval_s
        if last is None or interval is None or period is None:
            return True
        return last + interval - TAKE_MARGIN * period < now_s + period

    def get(self, timeout_s: float = 1.0) -> Captured | None:
        """The newest frame not yet taken, waiting up to ``timeout_s`` for one.

        Returns None on a timeout, or when the source has ended and every frame was taken (check
        :attr:`ended`).

        Raises:
            FormcheckError: the error the source raised on the capture thread.
        """
        item = self._slot.get(timeout_s)
        if item is not None:
            now = self._clock()
            if self._last_take_s is not None:
                self._take_interval_s = _ema(self._take_interval_s, now - self._last_take_s)
            self._last_take_s = now
        return item

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
