"""Plain-text descriptions of the routines for the command line (``formcheck routines [show NAME]``)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.exercises.describe import WIDTH, prescription_text
from formcheck.routines.model import Routine


def _count_text(routine: Routine) -> str:
    return f"{len(routine.steps)} exercise{'s' if len(routine.steps) != 1 else ''}"


def format_routine_list(routines: Mapping[str, Routine]) -> str:
    """One line per routine (name, title, its exercises), then how to run one and the not-a-medical-device line."""
    width = max((len(name) for name in routines), default=4)
    title_width = max((len(r.title) for r in routines.values()), default=5)
    lines = [f"{'NAME':<{width}}  {'TITLE':<{title_width}}  EXERCISES"]
    for r in routines.values():
        lines.append(f"{r.name:<{width}}  {r.title:<{title_width}}  {', '.join(r.exercise_names)}")
    lines += ["", "Details: formcheck routines show NAME    Run one: formcheck routine NAME"]
    lines += textwrap.wrap(NOT_MEDICAL_DEVICE, WIDTH)
    return "\n".join(lines)


def format_routine(routine: Routine) -> str:
    """The routine's exercises in order with their prescriptions and rests, and where it comes from."""
    r = routine
    lines = [f"{r.title} ({r.name}): {_count_text(r)}"]
    if r.summary:
        lines += textwrap.wrap(r.summary, WIDTH)
    lines.append("")
    for i, step in enumerate(r.steps, 1):
        lines += textwrap.wrap(f"{i}. {step.exercise.title} ({step.name}): {prescription_text(step.exercise)}",
                               WIDTH, subsequent_indent="   ")
        if step.note:
            lines += textwrap.wrap(step.note, WIDTH, initial_indent="   ", subsequent_indent="   ")
        if i < len(r.steps) and step.rest_s > 0:
            lines.append(f"   then rest {step.rest_s:g} s")
    if r.source:
        lines += ["", *textwrap.wrap(f"Source: {r.source}", WIDTH)]
    lines += ["", "Keys while it runs: n next exercise, q end the routine, space pause, c recalibrate.",
              "Each exercise: formcheck exercises show NAME"]
    lines += textwrap.wrap(NOT_MEDICAL_DEVICE, WIDTH)
    return "\n".join(lines)
