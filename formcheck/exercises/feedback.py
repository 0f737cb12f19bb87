"""Per-frame feedback pieces: view guidance, form-rule watching, and a cue selector that does not flicker.

Pure Python. The :class:`~formcheck.exercises.session.ExerciseSession` puts them together.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from formcheck.exercises.loader import REP_DURATION, metric_views
from formcheck.exercises.model import Exercise, FormRule
from formcheck.geometry import BODY_PARTS, LIMB_FALLBACKS, METRICS_BY_NAME
from formcheck.types import Measurement

logger = logging.getLogger(__name__)

# Statuses, one per frame.
VIEW = "view_guidance"
GETTING_READY = "getting_ready"
BELOW_TARGET = "below_target"
IN_TARGET = "in_target"
ABOVE_TARGET = "above_target"
COMPENSATION = "compensation"
STATUSES = (VIEW, GETTING_READY, BELOW_TARGET, IN_TARGET, ABOVE_TARGET, COMPENSATION)

#: The coach's colour for each status' cue (``formcheck.coach.CUE_BGR`` keys).
CUE_LEVELS = {
    VIEW: "info",
    GETTING_READY: "info",
    BELOW_TARGET: "info",
    IN_TARGET: "good",
    ABOVE_TARGET: "warn",
    COMPENSATION: "warn",
}

#: Cue priorities: 1 is the most important. View guidance outranks everything; status cues come last.
VIEW_PRIORITY = 0
#: A part out of the picture that the counted metric does not need: said, but below every form cue.
SOFT_VIEW_PRIORITY = 90
TEMPO_PRIORITY_DEFAULT = 50
STATUS_PRIORITY = 100

#: Shown once a rep's hold is complete, until the person is back at the start.
HOLD_DONE_CUE = "Hold done: release slowly"

#: A cue stays on screen at least this long (seconds), unless view guidance replaces it.
MIN_DISPLAY_S = 1.5

_PLURAL_PARTS = {"hips", "knees", "shoulders", "wrists", "ankles", "elbows"}


def join_words(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def view_instruction(allowed: Sequence[str]) -> str:
    """How to stand for an exercise allowed in ``allowed`` views, e.g. "Turn side-on to the camera"."""
    allowed = set(allowed)
    if allowed == {"side"}:
        return "Turn side-on to the camera"
    if allowed == {"front"}:
        return "Face the camera"
    if allowed == {"back"}:
        return "Turn your back to the camera"
    if allowed == {"front", "back"}:
        return "Face the camera, or turn your back to it"
    if allowed == {"back", "side"}:
        return "Turn your back or your side to the camera"
    if allowed == {"front", "side"}:
        return "Face the camera, or turn side-on to it"
    return "Move so the camera can see you"


def metric_parts(metrics: Sequence[str]) -> tuple[str, ...]:
    """The body parts (``geometry.BODY_PARTS``) whose landmarks the metrics use."""
    used = {int(lm) for name in metrics if name in METRICS_BY_NAME for lm in METRICS_BY_NAME[name].landmarks}
    return tuple(part for part, lms in BODY_PARTS.items() if used & {int(lm) for lm in lms})


def view_guidance(exercise: Exercise, m: Measurement, *, set_view: str = "") -> tuple[str, str]:
    """The view guidance for one frame: ``(blocking, soft)``, each ``""`` when there is nothing to say.

    Blocking guidance pauses counting, in order: no person; body parts that the rep or target metric uses
    out of the picture; wrong view; those metrics' landmarks hard to see. Soft guidance names other parts of
    ``view.parts`` out of the picture (a hand at the peak of a reach): said, but counting goes on.

    ``set_view``: the view decided for the set when counting started; while set, the frame's own view is not
    checked (the body turns during a rep; the pelvis of a standing twist passes the front/side boundary).
    """
    if not m.detected:
        return "Step into the camera's view", ""
    needed = set(metric_parts(exercise.metrics))
    for metric in exercise.metrics:  # a hand or foot out of the picture: the elbow or knee stands in
        part, stand_in = LIMB_FALLBACKS.get(metric, ("", ""))
        if part and stand_in not in m.out_of_frame:
            needed.discard(part)
    out = [part for part in exercise.view.parts if part in m.out_of_frame]
    blocking = [part for part in out if part in needed]
    soft = [part for part in out if part not in needed]
    if blocking:
        return _out_of_frame(blocking), ""
    soft_text = _out_of_frame(soft) if soft else ""
    if not set_view and m.view not in exercise.view.allowed:
        return view_instruction(exercise.view.allowed), ""
    for metric in exercise.metrics:
        if m.visibility.get(metric, 1.0) < exercise.view.min_visibility:
            parts = join_words([p for p in exercise.view.parts if p in needed]) or "whole body"
            return f"Move so the camera can see your {parts}", ""
    return "", soft_text


def _out_of_frame(parts: Sequence[str]) -> str:
    verb = "are" if len(parts) > 1 or parts[0] in _PLURAL_PARTS else "is"
    return f"Step back: your {join_words(parts)} {verb} out of frame"


def median_baseline(samples: Sequence[Mapping[str, float]], metrics: Sequence[str]) -> dict[str, float]:
    """The median of each metric over ``samples`` (NaNs ignored; NaN when there are none)."""
    out = {}
    for metric in metrics:
        values = [s[metric] for s in samples if metric in s and not math.isnan(s[metric])]
        out[metric] = statistics.median(values) if values else math.nan
    return out


class FormWatch:
    """Watches an exercise's form rules frame by frame.

    A rule is checked only in the views its metric is valid in, only during a rep if it says so, and
    against the person's own start (``from_start``) once a baseline is set. It becomes active once broken
    for ``min_duration_s`` (a one-frame spike raises nothing). ``rep_duration_s`` rules are checked by
    :meth:`tempo_cue` when a rep ends, not here.
    """

    def __init__(self, rules: Sequence[FormRule]) -> None:
        self.rules = tuple(r for r in rules if r.metric != REP_DURATION)
        self.tempo_rules = tuple(r for r in rules if r.metric == REP_DURATION)
        self.baseline: dict[str, float] = {}
        self._since: dict[str, float] = {}

    def reset(self) -> None:
        self.baseline = {}
        self._since = {}

    def set_baseline(self, baseline: Mapping[str, float]) -> None:
        self.baseline = dict(baseline)

    @property
    def baseline_metrics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.metric for r in self.rules if r.from_start))

    def _value(self, rule: FormRule, m: Measurement) -> float:
        views = metric_views(rule.metric) or ()
        if m.view not in views:
            return math.nan
        value = m.angles.get(rule.metric, math.nan)
        if rule.from_start:
            value -= self.baseline.get(rule.metric, math.nan)
        return value

    def update(self, timestamp_s: float, m: Measurement, in_rep: bool) -> list[FormRule]:
        """The rules active on this frame, most important first."""
        active = []
        for rule in self.rules:
            broken = (in_rep or not rule.only_in_rep) and rule.violated(self._value(rule, m))
            if not broken:
                self._since.pop(rule.name, None)
                continue
            since = self._since.setdefault(rule.name, timestamp_s)
            if timestamp_s - since >= rule.min_duration_s:
                active.append(rule)
        return active

    def tempo_cue(self, duration_s: float) -> FormRule | None:
        """The most important tempo rule a rep of ``duration_s`` breaks, if any."""
        broken = [r for r in self.tempo_rules if r.violated(duration_s)]
        return broken[0] if broken else None


@dataclass(frozen=True)
class Cue:
    """A cue candidate: text, priority (1 most important, :data:`VIEW_PRIORITY` above all) and colour level."""

    text: str
    priority: int
    level: str = "info"


#: A cue whose condition has been false this long (seconds) leaves the screen, whatever its display time.
STALE_S = 0.3


class CueSelector:
    """Shows at most one cue, the most important, without flicker and never stale.

    A cue still wanted (its condition still true) stays on screen at least ``min_display_s`` before a more
    important one replaces it; view guidance replaces any other cue at once, and a status cue gives way to the
    new status's cue at once. A cue whose condition has been false for ``stale_s`` leaves at once (the next wanted cue, or nothing, takes its place), so a cue never
    asks for what the person already does ("lift higher" while in the band). Conditions that flicker for a
    frame or two do not make it blink.
    """

    def __init__(self, min_display_s: float = MIN_DISPLAY_S, stale_s: float = STALE_S) -> None:
        self.min_display_s = min_display_s
        self.stale_s = stale_s
        self.current: Cue | None = None
        self._since = 0.0
        self._unwanted_since: float | None = None

    def reset(self) -> None:
        self.current = None
        self._unwanted_since = None

    def update(self, timestamp_s: float, candidates: Sequence[Cue]) -> Cue | None:
        """The cue to show on this frame."""
        best = min(candidates, key=lambda c: c.priority) if candidates else None
        current = self.current
        if current is not None and best is not None and best.text == current.text:
            self.current, self._unwanted_since = best, None
            return best
        wanted = current is not None and any(c.text == current.text for c in candidates)
        if current is not None and not wanted:
            if self._unwanted_since is None:
                self._unwanted_since = timestamp_s
            stale = timestamp_s - self._unwanted_since >= self.stale_s
        else:
            self._unwanted_since = None
            stale = False
        urgent = best is not None and best.priority == VIEW_PRIORITY and (
            current is None or current.priority != VIEW_PRIORITY)
        # The status cues follow the status at once (the band's margin already keeps the status from
        # flickering at an edge): "lift higher" never stays up once the person is in the band.
        urgent = urgent or (current is not None and not wanted and best is not None
                            and best.priority == current.priority == STATUS_PRIORITY)
        if current is None or urgent or stale or timestamp_s - self._since >= self.min_display_s:
            if best is None or current is None or best.text != current.text:
                self._since = timestamp_s
            self.current, self._unwanted_since = best, None
        return self.current
