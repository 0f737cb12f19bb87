"""Stages that run beside each other: a producer thread ahead of the consumer, a consumer thread behind the
producer, each joined by a bounded queue.

The model is the only work that has to be done; decoding, colour conversion, scaling, drawing and H.264
encoding run beside it. Threads, not processes: PyAV (decoding, scaling, encoding), OpenCV (drawing) and
MediaPipe release the GIL while they work, and a thread hands a picture over without copying it (measured in
``docs/performance.md``). The queues are short, so memory stays flat however long the video is: at most
``depth`` items wait between two stages.

An error on a stage's thread is raised again in the caller's thread; leaving a stage early (a ``break``, an
error, Ctrl-C) stops its thread and closes its iterator on that thread.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Items waiting between two stages. Two or three keep both cores busy; more only hold memory.
DEFAULT_DEPTH = 4

_POLL_S = 0.1

#: Python's thread switch interval while stages share the GIL (Python's default is 5 ms): a thread that
#: wants the GIL back (the model's, between two frames) waits at most this long for one running Python code.
GIL_SWITCH_INTERVAL_S = 0.0005


@contextlib.contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    """Python's thread switch interval set to ``seconds`` for the block."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


class _End:
    """The producer has no more items (or failed with ``error``)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class Prefetch(Generic[T]):
    """Iterates ``items`` on a background thread, up to ``depth`` items ahead of the caller.

    Use as a context manager and iterate it once. Leaving the ``with`` block stops the thread (within one
    item) and closes the iterator on it, so a generator's ``finally`` runs where it ran.
    """

    def __init__(self, items: Iterable[T], *, depth: int = DEFAULT_DEPTH, name: str = "formcheck-prefetch") -> None:
        self._items = items
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _put(self, item: T | _End) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        iterator = iter(self._items)
        error: BaseException | None = None
        try:
            for item in iterator:
                if not self._put(item):
                    break
        except BaseException as exc:  # noqa: BLE001 (raised again in the consumer's thread)
            error = exc
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001 (an error while stopping is not the news)
                    log.debug("closing the prefetched iterator failed", exc_info=True)
            self._put(_End(error))

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item

    def __enter__(self) -> Prefetch[T]:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Drain(Generic[T]):
    """Hands items to ``consume`` on a background thread, at most ``depth`` waiting.

    :meth:`put` blocks while the queue is full (the consumer sets the pace, memory stays flat) and raises the
    consumer's error, if it failed. Leaving the ``with`` block lets the consumer finish what was handed over
    (or drops it, when the block is left on an error) and raises the consumer's error.
    """

    def __init__(self, consume: Callable[[T], None], *, depth: int = DEFAULT_DEPTH,
                 name: str = "formcheck-drain") -> None:
        self._consume = consume
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=max(1, depth))
        self._failed = threading.Event()
        self._drop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if isinstance(item, _End):
                return
            if self._failed.is_set() or self._drop.is_set():
                continue  # the caller learns of the failure, or has failed itself, and stops
            try:
                self._consume(item)
            except BaseException as exc:  # noqa: BLE001 (raised again in the caller's thread)
                self._error = exc
                self._failed.set()

    def put(self, item: T) -> None:
        while True:
            if self._failed.is_set():
                assert self._error is not None
                raise self._error
            try:
                self._queue.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    def __enter__(self) -> Drain[T]:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None:
            self._drop.set()  # the block failed: what waits is not written
        while True:
            try:
                self._queue.put(_End(), timeout=_POLL_S)
                break
            except queue.Full:
                if not self._thread.is_alive():
                    break
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error
