"""Exercises: the catalogue (data), rep and hold counting, and form feedback.

The catalogue is data: one commented TOML file per exercise in ``catalogue/``, validated on load into frozen
dataclasses (:mod:`.model`, :mod:`.loader`).
"""

from __future__ import annotations

from formcheck.exercises.loader import get_exercise, load_catalogue, load_exercise_file
from formcheck.exercises.model import Exercise

__all__ = ["Exercise", "get_exercise", "load_catalogue", "load_exercise_file"]
