"""Ctrl-C between frames: the first one asks the loop to stop after the frame in hand, so every output
holds the same, complete frames; a second one interrupts at once."""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType


class StopRequest:
    """A context manager that turns SIGINT into a flag, :attr:`requested`, that a loop checks each frame.

    Outside the main thread (where signal handlers cannot be set) it does nothing and Ctrl-C raises
    KeyboardInterrupt as usual.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: object = None
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def request(self) -> None:
        """Asks the loop to stop, as Ctrl-C would (e.g. the live coach's ``q`` key)."""
        self.requested = True

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
            self._installed = False
