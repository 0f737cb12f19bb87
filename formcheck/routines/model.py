"""A routine: several exercises in a row, each with its prescription, and a rest between them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from formcheck.exercises.model import Exercise


@dataclass(frozen=True)
class RoutineStep:
    """One exercise of a routine.

    Attributes:
        exercise: the exercise, with the routine's prescription when the step changes it.
        rest_s: seconds of rest after this exercise (none after the last).
        note: a line shown on the rest card before this exercise ("" for none).
    """

    exercise: Exercise
    rest_s: float
    note: str = ""

    @property
    def name(self) -> str:
        return self.exercise.name


@dataclass(frozen=True)
class Routine:
    """A named routine.

    Attributes:
        name: lower-case words joined by ``-`` (``formcheck routine NAME``).
        title: shown on the cards.
        summary: one sentence: what it is for.
        steps: the exercises in order.
        source: where the routine and its doses come from, in words.
        source_file: the TOML file it was read from.
    """

    name: str
    title: str
    summary: str
    steps: tuple[RoutineStep, ...]
    source: str
    source_file: Path | None = None

    @property
    def exercise_names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)


def with_prescription(exercise: Exercise, **changes: object) -> Exercise:
    """``exercise`` with some of its prescription's fields changed (``count``, ``hold_s``, ``sets``)."""
    if not changes:
        return exercise
    return dataclasses.replace(exercise, prescription=dataclasses.replace(exercise.prescription, **changes))
