"""From the exercise logic's feedback to what the live coach draws, and the session's records to files.

The exercise logic (:mod:`formcheck.exercises`) owns counting and cues; this module only reads its results:
the feedback of the last frame (status, cue, counts per side, hold, the primary metric's value), the rep
records, and the session summary. Attributes are read by name with defaults, so a frame before the first
feedback (``None``) draws an empty coach.
"""

from __future__ import annotations

import math
from typing import Any

from formcheck.coach import CoachState, SideCount
from formcheck.live.flow import FlowStep, SessionFlow
from formcheck.types import Measurement

_SIDE_LABEL = {"left": "L", "right": "R", "": ""}

#: Cue colour by feedback status.
_LEVELS = {"in_target": "good", "done": "good", "held": "good", "above": "warn", "form": "warn", "view": "warn",
           "stop": "stop"}

_METRIC_LABELS = {
    "trunk_rotation_deg": "Rotation",
    "pelvis_rotation_deg": "Hip rotation",
    "trunk_extension_deg": "Extension",
    "trunk_lateral_tilt_deg": "Side tilt",
    "head_forward_deg": "Head forward",
    "hip_flexion_deg": "Hip flexion",
    "hip_line_deg": "Hip line",
    "spine_flexion_deg": "Spine",
    "arm_raise_deg": "Arm raise",
    "leg_raise_deg": "Leg raise",
    "shoulder_elevation_ratio": "Shoulders",
}


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
    """Reps or holds done per side (``{"left": 2, "right": 1}``, or ``{"": 3}``) from the feedback."""
    sides = tuple(exercise.sides) if exercise.prescription.per_side else ("",)
    counts = _get(feedback, "counts", default=None)
    if isinstance(counts, dict):
        out = {}
        for side in sides:
            value = counts.get(side, 0)
            out[side] = int(value[0] if isinstance(value, tuple | list) else value)
        if sides == ("",) and "" not in counts:
            out[""] = int(sum(v[0] if isinstance(v, tuple | list) else v for v in counts.values()))
        return out
    return {side: 0 for side in sides}


def side_complete(feedback: Any, exercise: Any, flow: SessionFlow) -> bool:  # noqa: ANN401
    """Whether the active side's prescription for the current set is done (counts are cumulative)."""
    if feedback is None:
        return False
    side = flow.sides[flow.side_index]
    needed = exercise.prescription.count * (flow.set_index + 1)
    return side_counts(feedback, exercise).get(side, 0) >= needed


def _band(exercise: Any, feedback: Any, side: str) -> tuple[float, float] | None:  # noqa: ANN401
    band = _get(feedback, "target_band", "band", "band_deg", default=None)
    if band is not None:
        return (float(band[0]), float(band[1]))
    target = exercise.target
    lo, hi = float(target.lo), float(target.hi)
    if exercise.target_is_rep_metric and exercise.rep.mode in ("sides", "cycle"):
        neutral = float(exercise.rep.neutral)
        if side == exercise.rep.negative:
            return (neutral - hi, neutral - lo)
        return (neutral + lo, neutral + hi)
    return (lo, hi)


def coach_state(feedback: Any, exercise: Any, m: Measurement, step: FlowStep, *, hint: str = "",  # noqa: ANN401
                fps: float | None = None, mirror: bool = True) -> CoachState:
    """What the coach draws for this frame: the feedback when there is one, else the measurement itself."""
    sides = tuple(exercise.sides) if exercise.prescription.per_side else ("",)
    active_side = sides[min(step.side_index, len(sides) - 1)]
    metric = exercise.target.metric
    value = _get(feedback, "value", "primary_value", "value_deg", default=None)
    if value is None:
        value = m.angles.get(metric, math.nan)
    counts = side_counts(feedback, exercise)
    per_set = exercise.prescription.count
    target_total = per_set * exercise.prescription.sets
    count_items = tuple(SideCount(_SIDE_LABEL.get(s, s[:1].upper()), counts.get(s, 0), target_total,
                                  active=s == active_side) for s in sides)
    band = _band(exercise, feedback, active_side)
    gauge = None
    if exercise.rep.mode == "sides" and exercise.target_is_rep_metric:
        reach = float(exercise.target.hi) + 20.0
        neutral = float(exercise.rep.neutral)
        # the person's positive side on their own side of the mirrored picture
        gauge = (neutral + reach, neutral - reach) if mirror else (neutral - reach, neutral + reach)
    cue = _get(feedback, "cue", default="") or ""
    status = str(_get(feedback, "status", default="") or "")
    if hint:
        cue, status = "", "view"
    elif not cue:
        cue = exercise.cues.start if step.paused is False else ""
    side_text = f" - {active_side} side" if active_side else ""
    sets = exercise.prescription.sets
    set_text = f"Set {step.set_index + 1}/{sets}{side_text}" if sets > 1 else side_text.removeprefix(" - ").capitalize()
    hold_target = float(exercise.prescription.hold_s) if exercise.prescription.kind == "holds" else 0.0
    return CoachState(
        title=exercise.title,
        set_text=set_text,
        counts=count_items,
        cue=cue,
        cue_level=_LEVELS.get(status, "info"),
        metric_label=_METRIC_LABELS.get(metric, metric),
        value_deg=float(value) if value is not None else math.nan,
        band_deg=band,
        gauge_range_deg=gauge,
        hold_s=float(_get(feedback, "hold_s", default=0.0) or 0.0),
        hold_target_s=hold_target,
        view_hint=hint,
        fps=fps,
        paused=step.paused,
    )


def rep_rows(session: Any) -> tuple[list[str], list[list[str]]]:  # noqa: ANN401
    """Header and rows of ``reps.csv`` from the session's rep records (each with ``csv_header``/``csv_row``)."""
    from formcheck.exercises.counting import RepRecord

    records = _get(session, "records", "reps", default=None)
    if callable(records):
        records = records()
    records = list(records or [])
    return RepRecord.csv_header(), [r.csv_row() for r in records]


def summary_lines(summary: dict[str, Any], exercise: Any) -> list[str]:  # noqa: ANN401
    """The summary card's lines from the session summary: reps and holds, best range per side, asymmetry."""
    lines: list[str] = []
    per_side = _get(summary, "per_side", "sides", default=None)
    if isinstance(per_side, dict) and per_side:
        for side, facts in per_side.items():
            if not isinstance(facts, dict):
                continue
            done = _get(facts, "complete", "count", "reps", default=0)
            best = _get(facts, "best_rom_deg", "best_deg", "rom_deg", default=None)
            hold = _get(facts, "best_hold_s", "hold_s", default=None)
            parts = [f"{(side or 'all').capitalize()}: {done} {exercise.prescription.kind}"]
            if isinstance(best, int | float) and math.isfinite(best):
                parts.append(f"best range {best:.0f} deg")
            if isinstance(hold, int | float) and hold > 0:
                parts.append(f"longest hold {hold:.1f} s")
            lines.append(",  ".join(parts))
    else:
        total = _get(summary, "reps", "count", "complete", default=None)
        if total is not None:
            lines.append(f"{exercise.prescription.kind.capitalize()}: {total}")
    asym = _get(summary, "asymmetry_pct", "asymmetry", default=None)
    if isinstance(asym, int | float) and math.isfinite(asym):
        lines.append(f"Left/right difference in range: {asym:.0f}%")
    if not lines:
        lines.append("No reps recorded")
    lines += ["", "The session is saved (frames.csv, reps.csv, summary.json)."]
    return lines
