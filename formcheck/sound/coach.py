"""The sound coach: an observer of the live session that turns what happens into speech and beeps.

``SoundCoach`` is a context manager fed one :class:`formcheck.live.observe.FrameView` per turn of the live loop
(``update``). Each turn it finds the messages the change calls for (:class:`SoundEvents`), queues them
(:class:`Scheduler`) and starts the one whose turn it is: written to the sound log and handed to the audio
worker, which plays it in a process of its own. ``update`` only does bookkeeping, so the loop is not held up.

When a session ends (its phase is ``done``) what is still waiting and fresh is said at once, one after the
other ("Session done"); closing the coach does the same, then ends the worker. One coach may speak through
several sessions in a row (a routine): each new source starts its clock at 0, so the coach's own time (the
sound log's ``t_s``) carries on from where the last session ended.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from types import TracebackType

from formcheck.live.observe import FrameView
from formcheck.sound.engines import Output, SilentOutput, SoundLog, open_output
from formcheck.sound.events import SoundEvents
from formcheck.sound.rules import SoundRules, load_rules
from formcheck.sound.scheduler import Scheduler, Sound

#: The most the closing drain runs on past the session's last moment (session seconds).
DRAIN_S = 6.0
#: A frame time this much before the last one means a new source started its clock (a routine's next exercise).
CLOCK_RESTART_S = 1.0


class SoundCoach:
    """Speech and beeps for one live session.

    Args:
        mode: ``voice``, ``beeps`` or ``off``. With ``off`` nothing plays; a sound log then holds what
            ``voice`` would have said (a dry run).
        log_path: write every utterance and beep here as JSON lines, or None.
        rules: the sound rules (the shipped ``sound.toml`` by default).
        output: where sounds play (default: the speakers for ``mode``, found by :func:`open_output`).
    """

    def __init__(self, mode: str = "off", log_path: Path | None = None, *, rules: SoundRules | None = None,
                 output: Output | None = None) -> None:
        self.mode = mode
        self.rules = rules or load_rules()
        self.events = SoundEvents(self.rules)
        self.scheduler = Scheduler(self.rules, "voice" if mode == "off" else mode)
        self.log_path = log_path
        self._output = output
        self._stack = contextlib.ExitStack()
        self._log: SoundLog | None = None
        self.said: list[Sound] = []
        self.last_t_s = 0.0
        self._offset_s = 0.0  # added to the session's time: the sessions before on this coach

    def __enter__(self) -> SoundCoach:
        with self._stack as stack:
            if self.log_path is not None:
                self._log = stack.enter_context(SoundLog(self.log_path))
            if self._output is None:
                self._output = open_output(self.mode, self.rules)
            stack.callback(self._output.close)
            self._stack = stack.pop_all()
        return self

    @property
    def output(self) -> Output:
        return self._output if self._output is not None else SilentOutput()

    def update(self, view: FrameView) -> None:
        """One turn of the live loop: find, queue and start what is due."""
        if view.t_s + self._offset_s < self.last_t_s - CLOCK_RESTART_S:
            self._offset_s = max(self.last_t_s, self.scheduler.next_free_s) - view.t_s
        view = dataclasses.replace(view, t_s=view.t_s + self._offset_s)
        self.last_t_s = max(self.last_t_s, view.t_s)
        self.scheduler.offer(self.events.update(view))
        self._start(view.t_s, busy=self.output.busy)
        if view.phase == "done":
            self.drain()

    def _start(self, now_s: float, *, busy: bool = False) -> None:
        sound = self.scheduler.update(now_s, busy=busy)
        if sound is None:
            return
        self.said.append(sound)
        if self._log is not None:
            self._log.write(sound)
        self.output.play(sound)

    def drain(self) -> None:
        """Starts what is still waiting, each when the one before has finished, as long as it is fresh."""
        t = self.last_t_s
        end = t + DRAIN_S
        while self.scheduler.waiting and t <= end:
            t = max(t, self.scheduler.next_free_s)
            self._start(t)
            if self.scheduler.waiting and self.scheduler.next_free_s <= t:  # all left were stale or cooling
                t += 0.05

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if exc_type is None or exc_type is KeyboardInterrupt:
                self.drain()
        finally:
            self._stack.close()
