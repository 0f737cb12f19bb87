"""Plain-text descriptions of the catalogue for the command line (``formcheck exercises [show NAME]``)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.exercises.feedback import join_words, view_instruction
from formcheck.exercises.loader import PENDING_METRICS
from formcheck.exercises.model import Exercise

WIDTH = 88


def _num(x: float) -> str:
    return f"{x:g}"


def _unit(metric: str) -> str:
    return " deg" if metric.endswith("_deg") else ""


def prescription_text(exercise: Exercise) -> str:
    """The prescription in words, e.g. ``3 holds of 10 s per side, 1 set``."""
    p = exercise.prescription
    noun = "hold" if p.kind == "holds" else "rep"
    text = f"{p.count} {noun}{'s' if p.count != 1 else ''}"
    if p.kind == "holds":
        text += f" of {_num(p.hold_s)} s"
    if p.per_side:
        text += " per side"
    if p.kind == "reps" and p.hold_s > 0:
        text += f", holding {_num(p.hold_s)} s"
    return f"{text}, {p.sets} set{'s' if p.sets != 1 else ''}"


def views_text(exercise: Exercise) -> str:
    return " or ".join(exercise.view.allowed)


def target_text(exercise: Exercise) -> str:
    """The target band in words, e.g. ``trunk_rotation_deg 35 to 60 from neutral, each side``."""
    t, rep = exercise.target, exercise.rep
    if exercise.target_is_rep_metric and rep.mode in ("sides", "cycle"):
        either = f"{rep.positive} and {rep.negative}" if rep.mode == "cycle" else "each side"
        return (f"{t.metric} {_num(t.lo)} to {_num(t.hi)}{_unit(t.metric)} from neutral ({_num(rep.neutral)}), "
                f"{either}")
    return f"{t.metric} {_num(t.lo)} to {_num(t.hi)}{_unit(t.metric)}"


def format_exercise_list(exercises: Mapping[str, Exercise] | Iterable[Exercise]) -> str:
    """One line per exercise: name, title, camera view and prescription; then the not-a-medical-device line."""
    items = list(exercises.values()) if isinstance(exercises, Mapping) else list(exercises)
    width = max((len(e.name) for e in items), default=4)
    title_width = max((len(e.title) for e in items), default=5)
    lines = [f"{'NAME':<{width}}  {'TITLE':<{title_width}}  {'VIEW':<13}  PRESCRIPTION"]
    for e in items:
        lines.append(f"{e.name:<{width}}  {e.title:<{title_width}}  {views_text(e):<13}  {prescription_text(e)}")
    lines.append("")
    lines.append("Details: formcheck exercises show NAME")
    lines.extend(textwrap.wrap(NOT_MEDICAL_DEVICE, WIDTH))
    return "\n".join(lines)


def _wrapped(label: str, text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=label, subsequent_indent=" " * len(label))


def format_exercise(exercise: Exercise) -> str:
    """Everything a person needs before starting: view, target (and its source), prescription, rep
    recognition, what formcheck watches for, instructions and safety notes, and the not-a-medical-device
    line."""
    e = exercise
    rep = e.rep
    lines = [f"{e.title} ({e.name})"]
    if e.summary:
        lines += textwrap.wrap(e.summary, WIDTH)
    lines.append("")
    lines += _wrapped("Camera:       ", f"{view_instruction(e.view.allowed)} ({views_text(e)} view); "
                                       f"keep your {join_words(e.view.parts) or 'whole body'} in the picture.")
    lines += _wrapped("Target:       ", target_text(e))
    lines += _wrapped("              ", f"Source: {e.target.source}")
    lines += _wrapped("Prescription: ", prescription_text(e))
    lines += _wrapped("              ", f"Source: {e.prescription.source}")
    u = _unit(rep.metric)
    if rep.mode in ("sides", "cycle"):
        how = (f"a rep starts {_num(rep.enter)}{u} from neutral ({_num(rep.neutral)}) either way and ends back "
               f"within {_num(rep.exit)}{u}")
        how += "; each side is counted separately" if rep.mode == "sides" else \
            f"; one rep is one {rep.positive} and one {rep.negative}"
    else:
        how = f"a rep starts when {rep.metric} passes {_num(rep.enter)} and ends back past {_num(rep.exit)}"
    lines += _wrapped("Counting:     ", f"{rep.metric}: {how}; at least {_num(rep.min_duration_s)} s. "
                                       f"Counting starts once you are still for {_num(e.setup.still_s)} s.")
    pending = [m for m in e.metrics if m in PENDING_METRICS]
    if pending:
        lines += _wrapped("Note:         ", f"formcheck does not measure {', '.join(pending)} yet, so it cannot "
                                           "count this exercise; it still watches the form rules below.")
    if e.rules:
        lines.append("Watches for:")
        for rule in e.rules:
            lines += _wrapped("  - ", f"{rule.name}: \"{rule.cue}\"")
    lines.append("")
    lines.append("How to do it:")
    for i, step in enumerate(e.instructions, 1):
        lines += _wrapped(f"  {i}. ", step)
    lines.append("")
    lines.append("Safety:")
    for note in e.safety:
        lines += _wrapped("  - ", note)
    lines.append("")
    lines += textwrap.wrap(NOT_MEDICAL_DEVICE, WIDTH)
    return "\n".join(lines)
