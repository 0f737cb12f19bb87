"""A progress bar on stderr with a total and an ETA, that can be switched off."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``update(done)`` redraws at most ``max_rate_hz`` times a second; ``close()`` ends the line.

    With ``total == 0`` (unknown) it shows a count and a rate instead of a bar. A stream that cannot be written
    any more (the terminal closed) switches the bar off instead of stopping the work.
    """

    def __init__(self, total: int, *, label: str = "", enabled: bool = True, stream: TextIO | None = None,
                 width: int = 30, max_rate_hz: float = 4.0, unit: str = "frames") -> None:
        self.total = max(0, int(total))
        self.label = label
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.unit = unit
        self._min_interval_s = 1.0 / max_rate_hz
        self._start_s = time.monotonic()
        self._last_draw_s = 0.0
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if self.enabled and now - self._last_draw_s >= self._min_interval_s:
            self._last_draw_s = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(1e-9, now - self._start_s)
        rate = self.done / elapsed
        rate_text = f"{rate:5.1f} fps" if self.unit == "frames" else f"{rate * 60:5.1f} {self.unit}/min"
        if self.total:
            frac = min(1.0, self.done / self.total)
            filled = int(frac * self.width)
            eta_s = (self.total - self.done) / rate if rate > 0 else float("nan")
            eta = _fmt_s(eta_s) if eta_s == eta_s else "--:--"
            text = (f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total} "
                    f"{frac:4.0%} {rate_text} ETA {eta}")
        else:
            text = f"{self.label} {self.done} {self.unit} {rate_text}"
        self._put("\r" + text)

    def _put(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal is gone (SIGHUP) or stderr closed: the work goes on, unseen
            self.enabled = False

    def close(self) -> None:
        if self.enabled:
            self._draw(time.monotonic())
            self._put("\n")


def _fmt_s(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
