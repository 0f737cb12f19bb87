"""The façade the pipeline calls: one :class:`ExerciseSession` per exercise, fed one measurement per frame.

``session.update(measurement) -> Feedback`` decides, in order: view guidance (no person, parts the metric
needs out of frame, wrong view, landmarks hard to see: counting pauses), set-up (counting starts once the
person is in the exercise's start posture), the rep counter and the hold timer, form rules, the status and
the one cue to show.

The camera's view is a property of the set, not of each frame: it is decided when counting starts (from the
start posture) and kept while the body turns (a standing twist turns the pelvis past the front/side
boundary at every peak). A body part out of the picture pauses counting only when the rep or target metric
uses its landmarks (a hand leaving the frame at the peak of a reach does not stop a spine metric).
``session.close()`` at the end of the stream, then ``session.summary()`` for the summary file.

Sides are the person's own left and right (for rotation: the sign of the angle, + = left).
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from formcheck.confidence import ConfidenceTrack, FrameConfidence
from formcheck.confidence import rules as confidence_rules
from formcheck.exercises import feedback as fb
from formcheck.exercises.counting import PostureGate, RepCounter, RepRecord, VariantWatch
from formcheck.exercises.feedback import Cue, CueSelector, FormWatch
from formcheck.exercises.model import Exercise
from formcheck.types import Measurement

logger = logging.getLogger(__name__)

#: Losing sight of the person for longer than this (seconds) means set-up starts again on return.
LOST_RESET_S = 3.0


@dataclass(frozen=True)
class SideProgress:
    """Reps or holds on one side against the prescription.

    Attributes:
        side: ``"left"``, ``"right"`` or ``""`` (no sides).
        full: complete reps / holds (target reached, hold long enough).
        partial: reps / holds that fell short.
        target: prescribed number over all sets.
    """

    side: str
    full: int
    partial: int
    target: int

    @property
    def label(self) -> str:
        """``"L"``, ``"R"`` or ``""``: a short label for the screen."""
        return self.side[:1].upper()


@dataclass(frozen=True)
class Feedback:
    """What to show for one frame.

    Attributes:
        timestamp_ms: time of the frame.
        status: one of :data:`formcheck.exercises.feedback.STATUSES`.
        cue: the one cue to show ("" for none); view guidance when the view is wrong.
        cue_level: colour level for the cue (``good``, ``info``, ``warn``; ``formcheck.coach.CUE_BGR``).
        view_hint: view guidance ("" when the camera sees what it needs); also the cue then.
        counts: per-side progress against the prescription.
        side: the side (or phase) being worked now, else the last one; "" before any.
        set_index: the set being worked, 1-based.
        sets: prescribed sets.
        hold_s: the current hold inside the band (0 outside a rep).
        hold_target_s: the prescribed hold (0: no hold).
        metric: the target metric (what the gauge shows).
        value: its value now (NaN when it cannot be measured).
        target_lo: the band's lower edge in the metric's units, on the current side.
        target_hi: the band's upper edge.
        in_rep: a rep is in progress.
        done: the prescription is complete.
        new_rep: the rep that ended on this frame, if any (write it to ``reps.csv``).
        reps: every rep so far.
    """

    timestamp_ms: int
    status: str
    cue: str
    cue_level: str
    view_hint: str
    counts: tuple[SideProgress, ...]
    side: str
    set_index: int
    sets: int
    hold_s: float
    hold_target_s: float
    metric: str
    value: float
    target_lo: float
    target_hi: float
    in_rep: bool
    done: bool
    new_rep: RepRecord | None
    reps: tuple[RepRecord, ...]


class ExerciseSession:
    """Counting and feedback for one exercise over one stream of measurements.

    Args:
        exercise: the exercise from the catalogue.
        min_display_s: minimum time a cue stays on screen.
        noise_deg: the rep metric's frame noise in this recording, when measured over the whole of it
            (:func:`formcheck.passes.frame_noise`; 0: not measured): a rep still out at the end counts only when
            it has come back from its peak by more than that noise (:class:`RepCounter`).
    """

    def __init__(self, exercise: Exercise, *, min_display_s: float = fb.MIN_DISPLAY_S,
                 noise_deg: float = 0.0) -> None:
        self.exercise = exercise
        self.counter = RepCounter(exercise, noise_deg=noise_deg)
        self.gate = PostureGate(exercise.setup.posture, exercise.setup.settle_s)
        self.variants = VariantWatch(exercise.variants)  # another way of being in the target position
        self.set_view = ""  # the camera's view for the set, decided when counting starts
        self.form = FormWatch(exercise.rules)
        self.cues = CueSelector(min_display_s)
        self._recent: deque[tuple[float, dict[str, float]]] = deque()
        self._last_seen_s: float | None = None
        self._status = fb.GETTING_READY
        self._tempo: tuple[Cue, float] | None = None  # a tempo cue and until when it is wanted
        self.confidence = ConfidenceTrack()  # every frame's confidence, when the caller gives it
        self._untrusted: tuple[Cue, float] | None = None  # "not measured well enough" and until when
        self._last_t: float | None = None
        self._baseline_pending = False  # ready, but the start values are not taken yet

    # ------------------------------------------------------------------------------------------ update
    def update(self, m: Measurement, *, calibrating: bool = False, confidence: FrameConfidence | None = None
               ) -> Feedback:
        """Take one frame's measurement; return what to show.

        ``calibrating``: the person's neutral is still being learnt, so the angles are raw (not yet relative
        to it). Such a frame is shown as getting ready and is not counted: set-up and the start values of
        ``from_start`` rules would otherwise mix raw and calibrated angles (a false cue on every rep).

        ``confidence``: the frame's confidence factors (:func:`formcheck.confidence.frame_confidence`). Given,
        every rep gets the mean over its frames, and a rep below the trust threshold is still counted but the
        coach says it was not measured well enough to trust, and what to change.
        """
        if confidence is not None:
            self.confidence.update(m.timestamp_ms, confidence)
        ex = self.exercise
        t = m.timestamp_ms / 1000.0
        stale = self._last_t is not None and t <= self._last_t
        if stale:
            logger.warning("measurement at %d ms is not after the previous one; not counted", m.timestamp_ms)
        elif not calibrating:
            self._last_t = t
        skip = stale or calibrating

        hint, soft_hint = fb.view_guidance(ex, m, set_view=self.set_view)
        missing = [metric for metric in ex.metrics if m.detected and metric not in m.angles]
        usable = not hint and not missing
        value = m.angles.get(ex.rep.metric, math.nan) if usable else math.nan
        target_value = m.angles.get(ex.target.metric, math.nan) if usable else math.nan
        in_variant = self.variants.update(m.angles) if usable and not skip else False

        if usable and not math.isnan(value) and not skip:
            if self._last_seen_s is not None and t - self._last_seen_s > LOST_RESET_S and not self.counter.in_rep:
                logger.info("person back after %.1f s out of view: waiting for set-up again", t - self._last_seen_s)
                self.gate.reset()
                self.form.reset()
                self.set_view = ""
            self._last_seen_s = t

        new_rep: RepRecord | None = None
        active_rules = []
        if not self.gate.ready and not stale:
            # Stillness is a spread of values, the same raw or calibrated: the calibration second counts
            # towards set-up. The start values of from_start rules wait for calibrated angles.
            if not calibrating:
                self._remember(t, m)
            if self.gate.update(t, value, m.posture):
                self._baseline_pending = True
                self.set_view = m.view
                logger.info("%s: counting from %.2f s, %s view", ex.name, t, m.view)
        if self._baseline_pending and self.gate.ready and not skip:
            self._remember(t, m)
            self._on_ready(t)
            self._baseline_pending = False
        if self.gate.ready and not skip:
            active_rules = self.form.update(t, m, self.counter.in_rep) if usable else []
            new_rep = self.counter.update(t, value, target_value, cues=[r.cue for r in active_rules],
                                          variant=in_variant)
            if new_rep is not None:
                new_rep = self._check_tempo(t, new_rep)
                new_rep = self._assess(t, new_rep)

        status = self._status_for(hint, bool(missing) or calibrating, active_rules, value, target_value,
                                  in_variant)
        candidates = self._candidates(t, status, hint, missing, active_rules)
        if soft_hint and not hint:
            candidates.append(Cue(soft_hint, fb.SOFT_VIEW_PRIORITY, "info"))
        shown = self.cues.update(t, candidates)
        counts = self.counts()
        done = all(c.full >= c.target for c in counts)
        lo, hi = self._band(value)
        return Feedback(
            timestamp_ms=m.timestamp_ms,
            status=status,
            cue=shown.text if shown else "",
            cue_level=shown.level if shown else "info",
            view_hint=hint,
            counts=counts,
            side=self.counter.current_side,
            set_index=self._set_index(counts),
            sets=ex.prescription.sets,
            hold_s=self.counter.current_hold_s,
            hold_target_s=ex.prescription.hold_s,
            metric=ex.target.metric,
            value=target_value,
            target_lo=lo,
            target_hi=hi,
            in_rep=self.counter.in_rep,
            done=done,
            new_rep=new_rep,
            reps=tuple(self.counter.records),
        )

    def close(self, *, end: tuple[float, float] | None = None) -> list[RepRecord]:
        """End of the stream: record a hold still in progress (and a half cat-cow cycle). Returns them.

        A rep that has gone out but not come back when the recording ends is not a rep (it may have been cut
        off mid-movement), unless the exercise is one position held (prescribed as holds, no sides: a plank
        still held at the end counts); a turn to one side is out, hold and back. ``end``: the rep metric at the
        last frame as a straight line through the last frames reads it, and its noise
        (:meth:`RepCounter.close`).
        """
        ex = self.exercise
        closed = self.counter.close(keep_unfinished=ex.prescription.kind == "holds" and not ex.rep.has_sides,
                                    end=end)
        return [self._assess(r.end_s, r) for r in closed]

    # ---------------------------------------------------------------------------------------- helpers
    def _remember(self, t: float, m: Measurement) -> None:
        """Keep the last ``still_s`` of angles, for the person's own start values (``from_start`` rules)."""
        self._recent.append((t, dict(m.angles)))
        while self._recent and t - self._recent[0][0] > self.exercise.setup.still_s:
            self._recent.popleft()

    def _on_ready(self, t: float) -> None:
        baseline = fb.median_baseline([a for _, a in self._recent], self.form.baseline_metrics)
        self.form.set_baseline(baseline)
        self._recent.clear()
        logger.info("%s: in position at %.2f s; counting starts (start values %s)", self.exercise.name, t,
                    {k: round(v, 2) for k, v in baseline.items()})

    def _assess(self, t: float, record: RepRecord) -> RepRecord:
        """The rep's confidence over its frames; below the trust threshold the coach says so for a while."""
        span = self.confidence.over(record.start_s, record.end_s)
        if span is None:
            return record
        if not span.trusted():
            text = f"That {self._unit()} was not measured well enough to trust: {span.advice}"
            self._untrusted = (Cue(text, fb.STATUS_PRIORITY - 1, "warn"), t + self.cues.min_display_s)
            logger.info("%s %d (%.2f-%.2f s): confidence %.2f, weakest %s", self._unit(), record.index,
                        record.start_s, record.end_s, span.value, span.weakest)
        return self.counter.attach_confidence(record, span.value)

    def _unit(self) -> str:
        return "hold" if self.exercise.prescription.kind == "holds" else "rep"

    def _check_tempo(self, t: float, record: RepRecord) -> RepRecord:
        rule = self.form.tempo_cue(record.duration_s)
        if rule is None:
            return record
        self._tempo = (Cue(rule.cue, rule.priority, "warn"), t + self.cues.min_display_s)
        return self.counter.attach_cue(record, rule.cue)

    def _band_status(self, x: float, lo: float, hi: float) -> str:
        """Below / in / above the band, with the band's margin as hysteresis once inside."""
        margin = self.exercise.target.margin if self._status == fb.IN_TARGET else 0.0
        if x < lo - margin:
            return fb.BELOW_TARGET
        if x > hi + margin:
            return fb.ABOVE_TARGET
        return fb.IN_TARGET

    def _status_for(self, hint: str, missing: bool, rules: list, value: float, target_value: float,
                    in_variant: bool = False) -> str:
        ex = self.exercise
        if hint:
            status = fb.VIEW
        elif missing or not self.gate.ready:
            status = fb.GETTING_READY
        elif rules:
            status = fb.COMPENSATION
        elif not self.counter.in_rep or math.isnan(value):
            status = fb.BELOW_TARGET
        elif in_variant:  # in a variant of the target position: no "further" cue while it is held
            status = fb.IN_TARGET
        elif ex.target_is_rep_metric and ex.rep.mode in ("sides", "cycle"):
            status = self._band_status(ex.rep.progress(value)[0], ex.target.lo, ex.target.hi)
        elif math.isnan(target_value):
            status = fb.BELOW_TARGET
        else:
            status = self._band_status(target_value, ex.target.lo, ex.target.hi)
        self._status = status
        return status

    def _candidates(self, t: float, status: str, hint: str, missing: list[str], rules: list) -> list[Cue]:
        cues = self.exercise.cues
        if hint:
            return [Cue(hint, fb.VIEW_PRIORITY, fb.CUE_LEVELS[fb.VIEW])]
        if missing:
            return [Cue(f"formcheck cannot count this exercise yet: it needs {', '.join(missing)}",
                        fb.STATUS_PRIORITY, "info")]
        out = [Cue(r.cue, r.priority, "warn") for r in rules]
        if self._tempo is not None:
            if t <= self._tempo[1]:
                out.append(self._tempo[0])
            else:
                self._tempo = None
        if self._untrusted is not None:
            if t <= self._untrusted[1]:
                out.append(self._untrusted[0])
            else:
                self._untrusted = None
        if status == fb.GETTING_READY:
            text = self._ready_text()
        elif not self.counter.in_rep:
            text = cues.done if all(c.full >= c.target for c in self.counts()) else cues.start
        elif self.counter.current_rep_done and self.exercise.prescription.hold_s > 0:
            # Target reached and held: on the way back, no "further" cue.
            out.append(Cue(fb.HOLD_DONE_CUE, fb.STATUS_PRIORITY, "good"))
            return out
        else:
            text = {fb.IN_TARGET: cues.in_target, fb.ABOVE_TARGET: cues.above}.get(status, cues.below)
        out.append(Cue(text, fb.STATUS_PRIORITY, fb.CUE_LEVELS.get(status, "info")))
        return out

    def _ready_text(self) -> str:
        """What blocks the start: the start posture, or (in it) the exercise's own ready cue."""
        postures = self.exercise.setup.posture
        if postures and not self.gate.in_posture:
            from formcheck.posture import POSTURE_INSTRUCTIONS

            what = " or ".join(POSTURE_INSTRUCTIONS[p] for p in postures)
            return what[:1].upper() + what[1:] + " to start"
        return self.exercise.cues.ready

    def _band(self, value: float) -> tuple[float, float]:
        """The target band in the metric's units, on the side the person is on now (or was last)."""
        ex = self.exercise
        if not (ex.target_is_rep_metric and ex.rep.mode in ("sides", "cycle")):
            return ex.target.lo, ex.target.hi
        n = ex.rep.neutral
        if math.isnan(value):
            side = self.counter.current_side
            negative = bool(side) and side == ex.rep.negative
        else:
            negative = value < n
        return (n - ex.target.hi, n - ex.target.lo) if negative else (n + ex.target.lo, n + ex.target.hi)

    def _set_index(self, counts: tuple[SideProgress, ...]) -> int:
        per_set = self.exercise.prescription.count
        done = min(c.full for c in counts)
        return min(self.exercise.prescription.sets, done // per_set + 1)

    # ---------------------------------------------------------------------------------------- results
    @property
    def records(self) -> list[RepRecord]:
        return list(self.counter.records)

    def counts(self) -> tuple[SideProgress, ...]:
        """Full and partial reps per side against the prescription."""
        p = self.exercise.prescription
        target = p.count * p.sets
        out = []
        for side in self.exercise.sides:
            recs = [r for r in self.counter.records if r.side == side]
            full = sum(r.complete for r in recs)
            out.append(SideProgress(side=side, full=full, partial=len(recs) - full, target=target))
        return tuple(out)

    def summary(self) -> dict[str, Any]:
        """Reps per side (full / partial), holds, best range of motion per side and left/right asymmetry.

        Asymmetry (sided exercises with reps on both sides): ``deg`` = best left - best right range of
        motion, ``percent`` = ``100 * |left - right| / max(left, right)``. JSON-ready (no NaN: None).
        """
        ex = self.exercise
        p = ex.prescription
        records = self.counter.records
        best_rom: dict[str, float | None] = {}
        reps: dict[str, dict[str, int]] = {}
        for c in self.counts():
            key = c.side or "all"
            reps[key] = {"full": c.full, "partial": c.partial, "prescribed": c.target}
            roms = [r.rom_deg for r in records if r.side == c.side]
            best_rom[key] = round(max(roms), 1) if roms else None
        asymmetry = None
        if ex.rep.has_sides:
            left, right = best_rom.get("left"), best_rom.get("right")
            if left is not None and right is not None and max(left, right) > 0:
                asymmetry = {
                    "deg": round(left - right, 1),
                    "percent": round(100.0 * abs(left - right) / max(left, right), 1),
                }
        holds = None
        if p.hold_s > 0:
            holds = {
                "prescribed_s": p.hold_s,
                "held_s": [round(r.hold_s, 2) for r in records],
                "full": sum(r.hold_s >= p.hold_s and r.reached_target for r in records),
                "best_s": round(max((r.hold_s for r in records), default=0.0), 2),
            }
        cue_counts: dict[str, int] = {}
        for r in records:
            for cue in r.cues:
                cue_counts[cue] = cue_counts.get(cue, 0) + 1
        return {
            "exercise": ex.name,
            "title": ex.title,
            "metric": ex.rep.metric,
            "target": {"metric": ex.target.metric, "lo": ex.target.lo, "hi": ex.target.hi,
                       "source": ex.target.source},
            "prescription": {"kind": p.kind, "count": p.count, "hold_s": p.hold_s, "sets": p.sets,
                             "per_side": p.per_side},
            "reps_total": len(records),
            "reps": reps,
            "holds": holds,
            "best_rom_deg": best_rom,
            "asymmetry": asymmetry,
            "cues": cue_counts,
            "confidence": self._confidence_summary(records),
        }

    @staticmethod
    def _confidence_summary(records: list[RepRecord]) -> dict[str, Any] | None:
        """The reps' confidence (docs/confidence.md): mean, lowest, how many below the trust threshold."""
        values = [r.confidence for r in records if not math.isnan(r.confidence)]
        if not values:
            return None
        trust_min = confidence_rules().trust_min
        return {"mean": round(sum(values) / len(values), 3), "min": round(min(values), 3),
                "untrusted": sum(v < trust_min for v in values), "trust_min": trust_min}
