"""The flow of a live session as a state machine: one ``update`` per displayed frame.

instructions -> position (the view check passes) -> calibrate (the neutral is learnt while the person keeps
still in the start posture, :mod:`formcheck.live.neutral`, from position on; passed at once when it is already
known or when the exercise is measured in absolute angles and has nothing to learn) -> countdown -> active
(the sets; ``switch`` between sides and sets) -> summary -> done.

Keys: ``q`` quits (the session is saved), ``space`` starts from the instructions and pauses / resumes the
sets, ``c`` recalibrates, ``n`` moves on to the next side, ``r`` resets the counts. The flow knows nothing of
pictures or poses: the app tells it what it sees (:class:`FlowInput`) and carries out the action it returns
(:class:`FlowStep`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

log = logging.getLogger(__name__)


class Phase(str, Enum):
    INSTRUCTIONS = "instructions"
    POSITION = "position"
    CALIBRATE = "calibrate"
    COUNTDOWN = "countdown"
    ACTIVE = "active"
    SWITCH = "switch"
    SUMMARY = "summary"
    DONE = "done"


class Action(str, Enum):
    """What the app must do on this step, besides drawing the phase."""

    NONE = "none"
    CALIBRATE = "calibrate"  # forget the neutral and learn it again
    START = "start"  # the sets begin (or go on after a switch)
    NEXT_SIDE = "next_side"  # the active side changed
    RESET = "reset"  # start the counts over
    QUIT = "quit"


@dataclass(frozen=True)
class FlowTimings:
    """How long each timed phase lasts, in seconds.

    Attributes:
        instructions_s: the instructions card, unless ``space`` is pressed first (0 skips it).
        settle_s: how long the view check must pass before calibration starts.
        countdown_s: the countdown before the sets.
        switch_s: the "switch sides" card.
        summary_s: the summary card, unless a key is pressed first (0: no card).
    """

    instructions_s: float = 6.0
    settle_s: float = 0.5
    countdown_s: float = 3.0
    switch_s: float = 3.0
    summary_s: float = 8.0


@dataclass(frozen=True)
class FlowInput:
    """What the app saw on this frame.

    Attributes:
        now_s: monotonic time in seconds.
        key: the key pressed since the last frame, if any.
        view_ok: the person is in the picture, seen from an allowed view.
        calibrated: the angles are in the exercise's basis (the neutral is known, or none is needed).
        side_complete: the prescription of the active side in the current set is done.
        source_ended: the camera or file gave its last frame.
    """

    now_s: float
    key: str | None = None
    view_ok: bool = False
    calibrated: bool = False
    side_complete: bool = False
    source_ended: bool = False


@dataclass(frozen=True)
class FlowStep:
    """Where the session is after an update, and what to do now.

    Attributes:
        phase: the current phase.
        action: what the app must carry out.
        paused: the sets are paused.
        set_index: the current set, from 0.
        side_index: the active side, from 0.
        seconds_left: time left in a timed phase (countdown, switch, instructions, summary), else 0.
    """

    phase: Phase
    action: Action
    paused: bool
    set_index: int
    side_index: int
    seconds_left: float


class SessionFlow:
    """The session's phases, sets and sides. ``update(FlowInput) -> FlowStep`` once per frame.

    Args:
        sides: side names in the order they are worked (``("left", "right")``, or ``("",)`` for none).
        sets: number of sets.
        timings: phase durations.
    """

    def __init__(self, sides: tuple[str, ...] = ("",), sets: int = 1, timings: FlowTimings | None = None) -> None:
        self.sides = sides or ("",)
        self.sets = max(1, sets)
        self.timings = timings or FlowTimings()
        self.phase = Phase.INSTRUCTIONS
        self.paused = False
        self.set_index = 0
        self.side_index = 0
        self._phase_start_s: float | None = None
        self._view_ok_since_s: float | None = None

    # ------------------------------------------------------------------ helpers
    def _enter(self, phase: Phase, now_s: float) -> None:
        if phase != self.phase:
            log.debug("flow: %s -> %s", self.phase.value, phase.value)
        self.phase = phase
        self._phase_start_s = now_s
        self._view_ok_since_s = None

    def _elapsed(self, now_s: float) -> float:
        if self._phase_start_s is None:
            self._phase_start_s = now_s
        return now_s - self._phase_start_s

    def _left(self, now_s: float, duration_s: float) -> float:
        return max(0.0, duration_s - self._elapsed(now_s))

    def _advance_side(self) -> bool:
        """Moves to the next side (or the next set); False when every set and side is done."""
        if self.side_index + 1 < len(self.sides):
            self.side_index += 1
            return True
        if self.set_index + 1 < self.sets:
            self.set_index += 1
            self.side_index = 0
            return True
        return False

    @property
    def is_last_side(self) -> bool:
        return self.side_index + 1 >= len(self.sides) and self.set_index + 1 >= self.sets

    def _step(self, action: Action, seconds_left: float = 0.0) -> FlowStep:
        return FlowStep(self.phase, action, self.paused, self.set_index, self.side_index, seconds_left)

    # ------------------------------------------------------------------ update
    def update(self, inp: FlowInput) -> FlowStep:
        """Advances the flow by one frame."""
        now, key, t = inp.now_s, inp.key, self.timings
        if self.phase == Phase.DONE:
            return self._step(Action.NONE)
        if key == "q":
            self._enter(Phase.DONE, now)
            return self._step(Action.QUIT)
        if inp.source_ended and self.phase != Phase.SUMMARY:
            self._enter(Phase.SUMMARY, now)
            self.paused = False
        handler = {
            Phase.INSTRUCTIONS: self._instructions,
            Phase.POSITION: self._position,
            Phase.CALIBRATE: self._calibrate,
            Phase.COUNTDOWN: self._countdown,
            Phase.ACTIVE: self._active,
            Phase.SWITCH: self._switch,
            Phase.SUMMARY: self._summary,
        }[self.phase]
        return handler(inp, t)

    def _instructions(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if inp.key == " " or self._elapsed(inp.now_s) >= t.instructions_s:
            self._enter(Phase.POSITION, inp.now_s)
            return self._position(inp, t)
        return self._step(Action.NONE, self._left(inp.now_s, t.instructions_s))

    def _position(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if not inp.view_ok:
            self._view_ok_since_s = None
            return self._step(Action.NONE)
        if self._view_ok_since_s is None:
            self._view_ok_since_s = inp.now_s
        if inp.now_s - self._view_ok_since_s < t.settle_s:
            return self._step(Action.NONE)
        if inp.calibrated:
            self._enter(Phase.COUNTDOWN, inp.now_s)
            return self._step(Action.NONE, t.countdown_s)
        self._enter(Phase.CALIBRATE, inp.now_s)
        return self._step(Action.CALIBRATE)

    def _calibrate(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if inp.calibrated:
            self._enter(Phase.COUNTDOWN, inp.now_s)
            return self._countdown(inp, t)
        if not inp.view_ok:  # stepped out of view: start over once back in position
            self._enter(Phase.POSITION, inp.now_s)
            return self._step(Action.CALIBRATE)
        return self._step(Action.NONE)

    def _countdown(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if self._elapsed(inp.now_s) >= t.countdown_s:
            self._enter(Phase.ACTIVE, inp.now_s)
            return self._step(Action.START)
        return self._step(Action.NONE, self._left(inp.now_s, t.countdown_s))

    def _active(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        key = inp.key
        if key == " ":
            self.paused = not self.paused
            return self._step(Action.NONE)
        if key == "c":
            self.paused = False
            self._enter(Phase.CALIBRATE, inp.now_s)
            return self._step(Action.CALIBRATE)
        if key == "r":
            self.paused = False
            self.set_index = self.side_index = 0
            self._enter(Phase.COUNTDOWN, inp.now_s)
            return self._step(Action.RESET, t.countdown_s)
        if key == "n" or (inp.side_complete and not self.paused):
            if self._advance_side():
                self.paused = False
                self._enter(Phase.SWITCH, inp.now_s)
                return self._step(Action.NEXT_SIDE, t.switch_s)
            if inp.side_complete:
                self._enter(Phase.SUMMARY, inp.now_s)
                return self._summary(inp, t)
        return self._step(Action.NONE)

    def _switch(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if self._elapsed(inp.now_s) >= t.switch_s or inp.key == " ":
            self._enter(Phase.ACTIVE, inp.now_s)
            return self._step(Action.START)
        return self._step(Action.NONE, self._left(inp.now_s, t.switch_s))

    def _summary(self, inp: FlowInput, t: FlowTimings) -> FlowStep:
        if self._elapsed(inp.now_s) >= t.summary_s or inp.key in (" ", "\r", "\n"):
            self._enter(Phase.DONE, inp.now_s)
            return self._step(Action.QUIT)
        return self._step(Action.NONE, self._left(inp.now_s, t.summary_s))
