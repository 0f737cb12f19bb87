"""From the exercise logic's feedback to what the live coach draws, and the session's records to files.

The exercise logic (:mod:`formcheck.exercises`) owns counting and cues; this module only reads its results:
the :class:`~formcheck.exercises.Feedback` of the last frame (cue, counts per side, hold, the target
metric's value and band), the rep records, and the session summary. Before the sets (no feedback yet) the
coach is drawn from the measurement and the flow's phase.
"""

from __future__ import annotations

import math
from typing import Any

from formcheck.coach import CoachState, SideCount, set_text, side_label, two_sided_gauge_deg
from formcheck.live.flow import FlowStep, SessionFlow
from formcheck.overlay import METRIC_LABELS
from formcheck.types import Measurement

def _get(obj: Any, *names: str, default: Any = None) -> Any:  # noqa: ANN401
    """The first attribute (or mapping key) of ``obj`` among ``names`` that is there, else ``default``."""
    if obj is None:
        return default
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def side_counts(feedback: Any, exercise: Any) -> dict[str, int]:  # noqa: ANN401
    """Full reps or holds done per side (``{"left": 2, "right": 1}``, or ``{"": 3}``) from the feedback."""
    sides = tuple(exercise.sides)
    out = {side: 0 for side in sides}
    for progress in _get(feedback, "counts", default=()) or ():
        out[progress.side] = int(progress.full)
    return out


def side_complete(feedback: Any, exercise: Any, flow: SessionFlow) -> bool:  # noqa: ANN401
    """Whether the active side's prescription for the current set is done (the counts are cumulative)."""
    if feedback is None:
        return False
    side = flow.sides[flow.side_index]
    needed = exercise.prescription.count * (flow.set_index + 1)
    counts = side_counts(feedback, exercise)
    if side not in counts:  # sides are not counted apart: the total counts
        return sum(counts.values()) >= needed
    return counts[side] >= needed


def _side_band(exercise: Any, side: str) -> tuple[float, float]:  # noqa: ANN401
    """The target band on ``side`` in the metric's units (for two-way exercises the band is either side)."""
    target = exercise.target
    lo, hi = float(target.lo), float(target.hi)
    if exercise.target_is_rep_metric and exercise.rep.mode in ("sides", "cycle"):
        neutral = float(exercise.rep.neutral)
        if side and side == exercise.rep.negative:
            return (neutral - hi, neutral - lo)
        return (neutral + lo, neutral + hi)
    return (lo, hi)


#: What the coach says in the phases before the sets, when the view is right.
PHASE_CUES = {
    "position": "Good: stay there",
    "calibrate": "Hold still: measuring your neutral",
}


def coach_state(feedback: Any, exercise: Any, m: Measurement, step: FlowStep, *, hint: str = "",  # noqa: ANN401
                fps: float | None = None, mirror: bool = True) -> CoachState:
    """What the coach draws for this frame.

    In the sets, from the exercise session's feedback (cue, counts, hold, value and band); before them
    (``feedback`` None or a phase other than ``active``), from the measurement, with ``hint`` or the
    phase's own cue.
    """
    sides = tuple(exercise.sides) if exercise.prescription.per_side else ("",)
    active_side = sides[min(step.side_index, len(sides) - 1)]
    metric = exercise.target.metric
    counts = side_counts(feedback, exercise)
    target_total = exercise.prescription.count * exercise.prescription.sets
    count_items = tuple(SideCount(side_label(s), counts.get(s, 0), target_total, active=s == active_side)
                        for s in exercise.sides)
    active = step.phase.value == "active" and feedback is not None
    if active:
        value = float(feedback.value)
        band = (float(feedback.target_lo), float(feedback.target_hi))
        if not feedback.in_rep and active_side:  # between reps: show the band of the side to work on
            band = _side_band(exercise, active_side)
        cue, level, hint = feedback.cue, feedback.cue_level, feedback.view_hint or hint
        hold_s = float(feedback.hold_s)
    else:
        value = m.angles.get(metric, math.nan)
        band = _side_band(exercise, active_side)
        cue, level = ("", "info") if hint else (PHASE_CUES.get(step.phase.value, ""), "info")
        hold_s = 0.0
    if hint:
        cue = ""  # the view guidance is the one message
    gauge = None
    if exercise.rep.mode == "sides" and exercise.target_is_rep_metric:
        gauge = two_sided_gauge_deg(float(exercise.rep.neutral), exercise.target.hi, mirror=mirror)
    hold_target = float(exercise.prescription.hold_s) if exercise.prescription.hold_s > 0 else 0.0
    return CoachState(
        title=exercise.title,
        set_text=set_text(step.set_index + 1, exercise.prescription.sets, active_side),
        counts=count_items,
        cue=cue,
        cue_level=level,
        metric_label=METRIC_LABELS.get(metric, metric),
        value_deg=value,
        band_deg=band,
        gauge_range_deg=gauge,
        hold_s=hold_s,
        hold_target_s=hold_target,
        view_hint=hint,
        fps=fps,
        paused=step.paused,
    )


def rep_rows(session: Any) -> tuple[list[str], list[list[str]]]:  # noqa: ANN401
    """Header and rows of ``reps.csv`` from the session's rep records (as ``analyze --exercise`` writes them)."""
    from formcheck.exercises import RepRecord

    return RepRecord.csv_header(), [r.csv_row() for r in session.records]
