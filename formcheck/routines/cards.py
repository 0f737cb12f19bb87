"""The routine's own cards: the rest between two exercises and the summary at the end.

Both are drawn on a plain background of the picture's size (not on the camera picture): between exercises
there is nothing to watch, and a card that depends only on its text can be checked in a screenshot. Pure
functions of their data, like :mod:`formcheck.coach`.
"""

from __future__ import annotations

import numpy as np

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.coach import draw_card
from formcheck.coach.state import Image
from formcheck.exercises.describe import prescription_text
from formcheck.routines.model import RoutineStep

#: The cards' background, under the card's panel.
BACKGROUND_BGR = (70, 52, 38)
REST_KEYS = "space or n: start now   q: end the routine"
SUMMARY_KEYS = "q or space: close"


def blank(size_wh: tuple[int, int]) -> Image:
    """A plain picture of ``size_wh`` to draw a card on."""
    w, h = size_wh
    image = np.empty((h, w, 3), dtype=np.uint8)
    image[:] = BACKGROUND_BGR
    return image


def rest_card(size_wh: tuple[int, int], next_step: RoutineStep, number: int, total: int, seconds_left: int) -> Image:
    """The rest before exercise ``number`` (from 1) of ``total``: what comes next and a countdown."""
    ex = next_step.exercise
    lines = [f"Next, exercise {number} of {total}: {ex.title}", prescription_text(ex).capitalize() + "."]
    if next_step.note:
        lines.append(next_step.note)
    lines += ["", "Rest and breathe. Skip any exercise that hurts (n)."]
    return draw_card(blank(size_wh), "Rest", lines, big_text=str(max(1, seconds_left)), footer=REST_KEYS)


def summary_card(size_wh: tuple[int, int], title: str, part_lines: list[str]) -> Image:
    """The routine's summary: one line per exercise, where it is saved, and the not-a-medical-device note."""
    return draw_card(blank(size_wh), f"{title}: summary", [*part_lines, "", NOT_MEDICAL_DEVICE],
                     footer=SUMMARY_KEYS)
