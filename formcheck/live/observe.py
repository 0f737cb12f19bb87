"""What a live session shows its observers after each turn of the loop (the sound coach is one).

The loop builds one :class:`FrameView` per turn, with or without a new frame, and hands it to each observer's
``update``; observers only read it. They run on the main thread, so ``update`` must be quick: anything slow
(speech, audio) goes to a worker of the observer's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class FrameView:
    """The session as it stands after one turn of the live loop.

    Attributes:
        t_s: session time in seconds: the frame's timestamp (a camera: since capture started; a file: its own
            presentation time); on a turn without a frame, the last one's plus the time since.
        phase: the flow's phase (:class:`formcheck.live.flow.Phase` value: ``"countdown"``, ``"active"``...).
        paused: the sets are paused.
        side: the side the flow is on (``"left"``, ``"right"``; ``""`` for exercises without sides).
        set_index: the current set, from 0.
        seconds_left: time left in a timed phase (countdown, switch), else 0.
        hint: the view guidance that blocks the session now (``""`` when the camera sees what it needs).
        feedback: the exercise session's :class:`formcheck.exercises.session.Feedback` for this frame in the
            sets (counts, hold, status, cue), else None.
        new_frame: this turn had a new frame.
    """

    t_s: float
    phase: str
    paused: bool
    side: str
    set_index: int
    seconds_left: float
    hint: str = ""
    feedback: Any = None
    new_frame: bool = True


class SessionObserver(Protocol):
    def update(self, view: FrameView) -> None: ...


def frame_view(step: Any, flow: Any, feedback: Any, hint: str, t_s: float, *, new_frame: bool) -> FrameView:  # noqa: ANN401
    """The view of one turn from the flow's step (:class:`formcheck.live.flow.FlowStep`) and state, and the
    exercise session's last feedback (passed on only on a new frame of the running sets)."""
    running = new_frame and step.phase.value == "active" and not step.paused
    return FrameView(t_s=t_s, phase=step.phase.value, paused=step.paused, side=flow.sides[step.side_index],
                     set_index=step.set_index, seconds_left=step.seconds_left, hint=hint,
                     feedback=feedback if running else None, new_frame=new_frame)
