"""Stopping between frames: the first stop signal asks the loop to stop after the frame in hand, so every
output holds the same, complete frames; a second one interrupts at once.

Ctrl-C (SIGINT) always; a caller may add SIGTERM (``kill``, a service manager stopping the job) and SIGHUP
(the terminal closed): :data:`STOP_SIGNALS`. The signal that asked is remembered, so the command line can
exit with ``128 + signal number`` (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), as a shell does.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from types import FrameType, TracebackType

#: The signals that end a ``formcheck analyze`` run like Ctrl-C.
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A second stop signal: stop at once. ``signum`` is the signal (SIGINT for Ctrl-C)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


def exit_code(signum: int | None) -> int:
    """The exit code of a run stopped by ``signum``: ``128 + signum`` (130 when unknown: Ctrl-C)."""
    return 128 + int(signum if signum is not None else signal.SIGINT)


class StopRequest:
    """A context manager that turns stop signals into a flag, :attr:`requested`, that a loop checks each frame.

    Args:
        signals: the signals to catch (default: SIGINT only; ``STOP_SIGNALS`` adds SIGTERM and SIGHUP).

    Attributes:
        requested: a stop was asked for (by a signal or :meth:`request`) and not :meth:`reset` since.
        signum: the first signal that asked for a stop, or None.

    Outside the main thread (where signal handlers cannot be set) it does nothing and Ctrl-C raises
    KeyboardInterrupt as usual.
    """

    def __init__(self, signals: Iterable[int] = (signal.SIGINT,)) -> None:
        self.requested = False
        self.signum: int | None = None
        self._signals = tuple(signals)
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        if self.requested:
            raise Interrupted(signum)
        self.requested = True

    def request(self) -> None:
        """Asks the loop to stop, as Ctrl-C would (e.g. the live coach's ``q`` key)."""
        self.requested = True

    def reset(self) -> None:
        """Clears :attr:`requested` (keeping :attr:`signum`): the stop was honoured, and the next signal asks
        the next loop to stop rather than interrupting at once."""
        self.requested = False

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in self._signals:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()


@contextlib.contextmanager
def ctrl_c_raises() -> Iterator[None]:
    """Inside the block Ctrl-C (SIGINT) raises KeyboardInterrupt, also in a process started with SIGINT
    ignored: a shell script's ``formcheck analyze FOLDER/ ... &`` starts it so, and Python then leaves SIGINT
    ignored, so a batch would run on to the end. ``formcheck analyze`` of one video catches SIGINT itself
    (:class:`StopRequest`); a batch relies on KeyboardInterrupt. Outside the main thread it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
