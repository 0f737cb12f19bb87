"""Exercises: the catalogue (data), rep and hold counting, and form feedback.

* The catalogue is data: one commented TOML file per exercise in ``catalogue/``, validated on load into
  frozen dataclasses (:mod:`.model`, :mod:`.loader`); ``load_catalogue(extra_files=...)`` adds user files.
* :mod:`.counting`: the rep counter (hysteresis, minimum duration, sides, partial reps), the hold timer
  (short dropouts tolerated) and the set-up gate.
* :mod:`.feedback`: view guidance, form rules, and a cue selector that does not flicker.
* :mod:`.session`: :class:`ExerciseSession`, the one object the pipeline calls per frame.
* :mod:`.describe`: text for ``formcheck exercises`` and ``formcheck exercises show NAME``.
"""

from __future__ import annotations

from formcheck.exercises.counting import RepCounter, RepRecord
from formcheck.exercises.describe import format_exercise, format_exercise_list
from formcheck.exercises.feedback import STATUSES
from formcheck.exercises.loader import get_exercise, load_catalogue, load_exercise_file
from formcheck.exercises.model import Exercise
from formcheck.exercises.session import ExerciseSession, Feedback, SideProgress

__all__ = [
    "STATUSES",
    "Exercise",
    "ExerciseSession",
    "Feedback",
    "RepCounter",
    "RepRecord",
    "SideProgress",
    "format_exercise",
    "format_exercise_list",
    "get_exercise",
    "load_catalogue",
    "load_exercise_file",
]
