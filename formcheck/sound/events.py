"""What the coach wants said, found from how the live session changes from one turn of the loop to the next.

:class:`SoundEvents` is fed one :class:`formcheck.live.observe.FrameView` per turn and returns the messages
that turn calls for (none on most turns):

* the session's flow: "Hold still" (calibrating), "Get ready" (the countdown), "Go" (the sets begin or go on),
  "Switch sides", "Rest" (between sets), "Done";
* counts: the number of a rep or hold just counted, on its side ("three");
* holds: a beep when the hold's clock starts, the last seconds counted down ("three", "two", "one"), a beep
  when its time is done;
* what blocks: view guidance ("Turn side-on to the camera") or the start posture ("Lie face down to start"),
  once it has stayed for ``settle_s`` (not a flicker), again after its cooldown while it stays;
* form: at most one form cue per rep; safety: the cue to ease back when the target is passed.

Whether and when a message is said is the scheduler's business (:mod:`formcheck.sound.scheduler`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from formcheck.live.observe import FrameView
from formcheck.sound.rules import SoundRules

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
                "twenty")
#: Feedback statuses (:mod:`formcheck.exercises.feedback`) the sound coach reads.
ABOVE_TARGET, COMPENSATION, GETTING_READY = "above_target", "compensation", "getting_ready"
#: Phases in which the sets are over.
END_PHASES = ("summary", "done")


def spoken_cue(text: str) -> str:
    """A cue as said aloud: its instruction, without the explanation after a colon ("Keep your hips facing
    forward: turn from your mid-back" -> "Keep your hips facing forward"); the screen shows it whole."""
    return text.split(":", 1)[0].strip()


def number_word(n: int) -> str:
    """``3 -> "three"``; past twenty the digits (speech engines read them)."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


@dataclass(frozen=True)
class Message:
    """One thing the coach wants said (or beeped).

    Attributes:
        what: the kind of message (a ``[messages.*]`` table of ``sound.toml``: ``count``, ``switch``...).
        text: the words; ``""`` for a beep alone (``hold_start``, ``hold_end``).
        due_s: session time it is wanted at.
        group: a newer message of the same group replaces one still waiting (``count:left``).
    """

    what: str
    text: str
    due_s: float
    group: str = ""


class _Settled:
    """A message that must stay the same for ``settle_s`` before it is said (view guidance flickers)."""

    def __init__(self, settle_s: float) -> None:
        self.settle_s = settle_s
        self.text = ""
        self.since_s = 0.0

    def update(self, text: str, t_s: float) -> str:
        """``text`` once it has stayed ``settle_s``, else ``""``."""
        if text != self.text:
            self.text, self.since_s = text, t_s
        return text if text and t_s - self.since_s >= self.settle_s else ""


class SoundEvents:
    """The messages each turn of a live session calls for. ``update(view) -> list[Message]``.

    Args:
        rules: the sound rules (words of the fixed messages, countdown length, settle time).
    """

    def __init__(self, rules: SoundRules) -> None:
        self.rules = rules
        self._reset()

    def _reset(self) -> None:
        """A new session: nothing counted, held or said yet."""
        rules = self.rules
        self._phase = ""
        self._set_index = 0
        self._counts: dict[str, int] = {}
        self._hold_s = 0.0
        self._form_rep = -1  # the rep that had its form cue
        self._view = _Settled(rules.timing.settle_s)
        self._ready = _Settled(rules.timing.settle_s)
        self._done = False

    def _fixed(self, what: str, t_s: float) -> Message:
        return Message(what, self.rules.rule(what).text, t_s)

    def update(self, view: FrameView) -> list[Message]:
        t = view.t_s
        out = self._flow(view)
        hint = view.hint or (getattr(view.feedback, "view_hint", "") if view.feedback is not None else "")
        if view.phase not in END_PHASES and (said := self._view.update(hint, t)):
            out.append(Message("view", said, t))
        fb = view.feedback
        if fb is None or view.phase != "active" or view.paused:
            self._ready.update("", t)
            if view.phase != "active":
                self._hold_s = 0.0
            return out
        ready = fb.cue if fb.status == GETTING_READY and not hint else ""
        if said := self._ready.update(ready, t):
            out.append(Message("ready", said, t))
        out += self._count(fb, t)
        out += self._hold(fb, t)
        out += self._form(fb, t)
        return out

    # ------------------------------------------------------------------------------------------ parts
    def _flow(self, view: FrameView) -> list[Message]:
        before, now, t = self._phase, view.phase, view.t_s
        if before in END_PHASES and now not in END_PHASES:  # the next session on the same coach (a routine)
            self._reset()
        self._phase = now
        out: list[Message] = []
        if now != before:
            if now == "calibrate":
                out.append(self._fixed("calibrate", t))
            elif now == "countdown":
                out.append(self._fixed("get_ready", t))
            elif now == "active" and before in ("countdown", "switch"):
                out.append(self._fixed("start", t))
            elif now == "switch":
                out.append(self._fixed("rest" if view.set_index != self._set_index else "switch", t))
            elif now in END_PHASES and before in ("active", "switch") and not self._done:
                self._done = True
                out.append(self._fixed("done", t))
        self._set_index = view.set_index
        return out

    def _count(self, fb: Any, t: float) -> list[Message]:  # noqa: ANN401 (the exercise session's Feedback)
        out = []
        for progress in fb.counts:
            before = self._counts.get(progress.side, 0)
            if progress.full > before:
                out.append(Message("count", number_word(int(progress.full)), t, group=f"count:{progress.side}"))
            self._counts[progress.side] = int(progress.full)  # lower after a reset: said again from one
        return out

    def _hold(self, fb: Any, t: float) -> list[Message]:  # noqa: ANN401
        target = float(fb.hold_target_s)
        before, now = self._hold_s, float(fb.hold_s) if fb.in_rep else 0.0
        self._hold_s = now
        if target <= 0 or now <= 0:
            return []
        out = []
        if before <= 0:
            out.append(Message("hold_start", "", t))
        for n in range(self.rules.timing.countdown_from, 0, -1):
            if n < target and before < target - n <= now:
                out.append(Message("countdown", number_word(n), t, group="countdown"))
        if before < target <= now:
            out.append(Message("hold_end", "", t))
        return out

    def _form(self, fb: Any, t: float) -> list[Message]:  # noqa: ANN401
        if not fb.cue or fb.cue_level != "warn":
            return []
        if fb.status == ABOVE_TARGET:
            return [Message("safety", spoken_cue(fb.cue), t)]
        rep = len(fb.reps) + (0 if fb.in_rep else -1)  # the rep in progress, or the one just ended (tempo)
        if rep == self._form_rep:
            return []
        self._form_rep = rep
        return [Message("form", spoken_cue(fb.cue), t)]
