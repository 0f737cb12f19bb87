"""View guidance: is the person where the camera can measure the exercise, and if not, what to do."""

from __future__ import annotations

import math
from collections.abc import Sequence

from formcheck.types import Measurement

_PART_WORDS = {"head": "head", "shoulders": "shoulders", "elbows": "elbows", "wrists": "hands", "hips": "hips",
               "knees": "knees", "ankles": "feet"}


def view_guidance(m: Measurement, allowed_views: Sequence[str], parts: Sequence[str],
                  metrics: Sequence[str] = (), min_visibility: float = 0.0) -> str:
    """The one thing to fix about the view, or ``""`` when the camera sees what the exercise needs.

    Checked in order: a person is there; the required ``parts`` are inside the picture; the camera's view is
    one of ``allowed_views``; the ``metrics`` can be measured with their landmarks at least
    ``min_visibility`` visible.
    """
    if not m.detected:
        return "Step into the picture"
    missing = [p for p in parts if p in m.out_of_frame]
    if missing:
        words = " and ".join(_PART_WORDS.get(p, p) for p in missing[:2])
        lower = {"hips", "knees", "ankles"} & set(missing)
        return f"Step back: show your {words}" if lower or len(missing) > 1 else f"Move so your {words} show"
    if allowed_views and m.view not in allowed_views:
        if "side" in allowed_views:
            return "Turn side-on to the camera"
        if "front" in allowed_views:
            return "Face the camera"
        return "Turn your back to the camera"
    for name in metrics:
        if not math.isfinite(m.angles.get(name, math.nan)) or m.visibility.get(name, 1.0) < min_visibility:
            return "Step back and face the light: part of you is hard to see"
    return ""
