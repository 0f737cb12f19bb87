"""A one-slot hand-off between threads where the newest item wins.

A producer thread ``put``s items; a consumer ``get``s the newest one not yet taken. An item replaced before
anyone took it is dropped, so no queue builds up latency. The capture thread (frames) and the pose thread
(poses) both hand their results over this way.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class NewestWins(Generic[T]):
    """The newest item wins; ``end()`` says no more will come (optionally with the producer's error).

    Attributes:
        put_count: items put.
        taken: items handed to the consumer.
        dropped: items replaced before the consumer took them.
        ended: the producer has finished.
        error: the producer's error, re-raised by :meth:`get` once the last item was taken.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._latest: T | None = None
        self.put_count = 0
        self.taken = 0
        self.dropped = 0
        self.ended = False
        self.error: BaseException | None = None

    def put(self, item: T) -> None:
        with self._cond:
            if self._latest is not None:
                self.dropped += 1
            self._latest = item
            self.put_count += 1
            self._cond.notify_all()

    def end(self, error: BaseException | None = None) -> None:
        with self._cond:
            self.ended = True
            if error is not None:
                self.error = error
            self._cond.notify_all()

    def get(self, timeout_s: float) -> T | None:
        """The newest item not yet taken, waiting up to ``timeout_s``; None on a timeout or at the end.

        Raises:
            The producer's error, once nothing is left to take.
        """
        with self._cond:
            if self._latest is None and not self.ended:
                self._cond.wait_for(lambda: self._latest is not None or self.ended, timeout=timeout_s)
            item, self._latest = self._latest, None
            if item is not None:
                self.taken += 1
        if item is None and self.error is not None:
            raise self.error
        return item

    @property
    def exhausted(self) -> bool:
        """The producer ended and its last item was taken."""
        with self._cond:
            return self.ended and self._latest is None


class HandsOff:
    """The counters of a producer thread that hands its results over a :class:`NewestWins` ``_slot``."""

    _slot: NewestWins

    @property
    def dropped(self) -> int:
        """Results replaced before the consumer took them."""
        return self._slot.dropped

    @property
    def ended(self) -> bool:
        """The producer has finished."""
        return self._slot.ended

    @property
    def error(self) -> BaseException | None:
        """The producer's error, re-raised by ``get`` once the last result was taken."""
        return self._slot.error

    @property
    def exhausted(self) -> bool:
        """The producer ended and its last result was taken."""
        return self._slot.exhausted
