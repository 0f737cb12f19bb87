"""Decides what is said and when: one message at a time, the most important first, nothing stale, no nagging.

Rules (the numbers per kind of message are in ``sound.toml``):

* **one at a time**: nothing starts while the last one is still playing (its planned length, and the audio
  worker's own word when it is behind);
* **priority**: of the messages waiting, safety goes first, then view, then form, then counts and the flow;
  the oldest first within a priority;
* **staleness**: a message not started within ``stale_s`` of when it was due is dropped, and a newer count on
  the same side replaces one still waiting: a count that has moved on is never read out late;
* **cooldown**: the same words are not said again within ``cooldown_s`` of the last time;
* **mode**: ``voice`` says the words (and beeps the messages that have none), ``beeps`` plays each message's
  tone instead of its words (and drops messages without one), ``off`` says nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from formcheck.sound.events import Message
from formcheck.sound.rules import Priority, SoundRules

MODES = ("voice", "beeps", "off")


@dataclass(frozen=True)
class Sound:
    """One utterance or beep, as it starts.

    Attributes:
        t_s: session time it starts.
        kind: ``"speech"`` or ``"beep"``.
        text: the words (speech) or the tone's name (beep).
        what: the kind of message (``count``, ``countdown``, ``switch``...).
        priority: safety, view, form or count.
        duration_s: how long it plays (planned).
        due_s: when it was wanted.
    """

    t_s: float
    kind: str
    text: str
    what: str
    priority: Priority
    duration_s: float
    due_s: float

    def as_dict(self) -> dict[str, Any]:
        """The sound log's line: ``{"t_s", "kind", "text", "what", "priority", "duration_s", "due_s"}``."""
        return {"t_s": round(self.t_s, 3), "kind": self.kind, "text": self.text, "what": self.what,
                "priority": self.priority.name.lower(), "duration_s": round(self.duration_s, 3),
                "due_s": round(self.due_s, 3)}


@dataclass(frozen=True)
class _Waiting:
    message: Message
    kind: str
    text: str
    priority: Priority
    duration_s: float
    expires_s: float
    cooldown_s: float

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.text)


class Scheduler:
    """``offer(messages)`` as they come, ``update(now_s) -> Sound | None`` on every turn.

    Args:
        rules: the sound rules.
        mode: ``voice``, ``beeps`` or ``off``.
    """

    def __init__(self, rules: SoundRules, mode: str = "voice") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.rules = rules
        self.mode = mode
        self.waiting: list[_Waiting] = []
        self.busy_until_s = float("-inf")
        self.last_said_s: dict[tuple[str, str], float] = {}
        self.dropped: dict[str, int] = {}  # why messages were not said: stale, replaced, cooldown

    # ------------------------------------------------------------------------------------------ in
    def _form(self, message: Message) -> _Waiting | None:
        """The message as this mode says it: words, a tone, or nothing."""
        rule = self.rules.rule(message.what)
        if self.mode == "voice" and message.text:
            kind, text, duration = "speech", message.text, self.rules.timing.speech_s(message.text)
        elif self.mode in ("voice", "beeps") and rule.tone:
            kind, text, duration = "beep", rule.tone, self.rules.tones[rule.tone].duration_s
        else:
            return None
        return _Waiting(message, kind, text, rule.priority, duration, message.due_s + rule.stale_s, rule.cooldown_s)

    def _drop(self, why: str) -> None:
        self.dropped[why] = self.dropped.get(why, 0) + 1

    def _cooling(self, item: _Waiting, now_s: float) -> bool:
        last = self.last_said_s.get(item.key)
        return last is not None and now_s - last < item.cooldown_s

    def offer(self, messages: Iterable[Message]) -> None:
        """Queues ``messages`` (a message already waiting with the same words is not queued twice)."""
        for message in messages:
            item = self._form(message)
            if item is None:
                continue
            if self._cooling(item, message.due_s):
                self._drop("cooldown")
                continue
            if message.group:
                before = len(self.waiting)
                self.waiting = [w for w in self.waiting if w.message.group != message.group]
                if len(self.waiting) < before:
                    self._drop("replaced")
            if any(w.key == item.key for w in self.waiting):
                continue
            self.waiting.append(item)

    # ------------------------------------------------------------------------------------------ out
    def update(self, now_s: float, *, busy: bool = False) -> Sound | None:
        """The message that starts now, if any. ``busy``: the audio worker is still playing."""
        fresh = [w for w in self.waiting if now_s <= w.expires_s]
        for _ in range(len(self.waiting) - len(fresh)):
            self._drop("stale")
        self.waiting = fresh
        if busy or now_s < self.busy_until_s or not self.waiting:
            return None
        self.waiting.sort(key=lambda w: (w.priority, w.message.due_s))
        while self.waiting:
            item = self.waiting.pop(0)
            if self._cooling(item, now_s):
                self._drop("cooldown")
                continue
            self.last_said_s[item.key] = now_s
            self.busy_until_s = now_s + item.duration_s + self.rules.timing.gap_s
            return Sound(now_s, item.kind, item.text, item.message.what, item.priority, item.duration_s,
                         item.message.due_s)
        return None

    @property
    def next_free_s(self) -> float:
        """When the next message may start."""
        return self.busy_until_s
