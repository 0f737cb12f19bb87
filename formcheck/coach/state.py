"""The coach's data: what to draw (:class:`CoachState`), its colours, and the person's box."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray


Image = NDArray[np.uint8]
Rect = tuple[int, int, int, int]  # (x0, y0, x1, y1) in pixels

FONT = cv2.FONT_HERSHEY_SIMPLEX
WHITE_BGR = (255, 255, 255)
PANEL_BGR = (32, 32, 32)
GAUGE_TRACK_BGR = (110, 110, 110)
GAUGE_BAND_BGR = (60, 190, 60)  # target band: green
MARKER_IN_BGR = (255, 255, 255)
MARKER_OUT_BGR = (0, 170, 255)  # amber
HOLD_BG_BGR = (70, 50, 40)
HOLD_FILL_BGR = (230, 160, 40)  # blue
HINT_BGR = (0, 215, 255)  # yellow
CUE_BGR: dict[str, tuple[int, int, int]] = {
    "good": (90, 220, 90),
    "info": (255, 255, 255),
    "warn": (0, 170, 255),
    "stop": (60, 60, 240),
}


@dataclass(frozen=True)
class SideCount:
    """Reps (or holds) done on one side against the prescription, e.g. ``L 6/10``.

    Attributes:
        label: short side label, ``"L"``, ``"R"`` or ``""`` for exercises without sides.
        done: reps or holds done so far.
        target: prescribed number (0 when there is none).
        active: this is the side being worked now.
    """

    label: str
    done: int
    target: int = 0
    active: bool = False

    def text(self) -> str:
        count = f"{self.done}/{self.target}" if self.target else str(self.done)
        return f"{self.label} {count}".strip()


@dataclass(frozen=True)
class CoachState:
    """Everything the coach draws for one frame (built from the exercise logic's feedback).

    Attributes:
        title: the exercise's name.
        set_text: where the person is in the session, e.g. ``"Set 1/2 - left side"``.
        counts: per-side counts against the prescription.
        cue: the one cue to show now (large text); empty for none.
        cue_level: ``"good"``, ``"info"``, ``"warn"`` or ``"stop"`` (the cue's colour).
        metric_label: what the gauge shows, e.g. ``"Rotation"``.
        value_deg: the current angle (NaN when it cannot be measured now).
        band_deg: the target band ``(low, high)`` in degrees, or None.
        gauge_range_deg: the angles at the left and right ends of the gauge (the left may be the larger, e.g.
            a mirrored picture puts the person's left, positive rotation, on the left); None derives it from
            the band.
        hold_s: how long the angle has been held in range.
        hold_target_s: how long to hold (0: no hold timer).
        view_hint: view guidance ("turn side-on", "step back"); empty when the view is right.
        fps: frames shown per second, or None.
        paused: the session is paused.
        extra_lines: more lines for the header.
        person_box_xyxy: the person's box ``(x0, y0, x1, y1)`` in pixels (:func:`person_box`), or None. With
            a box, the coach's panels go where the person is not (see :func:`coach_layout`); None keeps
            the usual layout.
    """

    title: str = ""
    set_text: str = ""
    counts: tuple[SideCount, ...] = ()
    cue: str = ""
    cue_level: str = "info"
    metric_label: str = ""
    value_deg: float = math.nan
    band_deg: tuple[float, float] | None = None
    gauge_range_deg: tuple[float, float] | None = None
    hold_s: float = 0.0
    hold_target_s: float = 0.0
    view_hint: str = ""
    fps: float | None = None
    paused: bool = False
    extra_lines: tuple[str, ...] = field(default=())
    person_box_xyxy: tuple[int, int, int, int] | None = None


#: Short labels of the person's sides in the counts ("L 6/10  R 5/10").
SIDE_LABELS: dict[str, str] = {"left": "L", "right": "R"}


def side_label(side: str) -> str:
    """``"L"`` / ``"R"`` for the person's sides, the first letter otherwise, ``""`` for no side."""
    return SIDE_LABELS.get(side, side[:1].upper())


def set_text(set_number: int, sets: int, side: str) -> str:
    """Where the person is in the session: ``"Set 1/2 - left side"``, or just ``"Left side"`` for one set."""
    side_text = f"{side} side" if side in SIDE_LABELS else ""
    if sets > 1:
        return f"Set {set_number}/{sets}" + (f" - {side_text}" if side_text else "")
    return side_text.capitalize()


def two_sided_gauge_deg(neutral_deg: float, target_hi_deg: float, *, mirror: bool) -> tuple[float, float]:
    """Gauge ends for an exercise done to both sides of neutral (e.g. rotation): 20 deg past the band each way.

    The mirrored (selfie) picture shows the person's left, positive, on the left of the screen.
    """
    reach = float(target_hi_deg) + 20.0
    lo, hi = neutral_deg - reach, neutral_deg + reach
    return (hi, lo) if mirror else (lo, hi)


def scale_for(image: Image) -> float:
    """Drawing scale: 1.0 for a 480-pixel-high frame (the short side), never below 0.5."""
    return max(0.5, min(image.shape[:2]) / 480.0)


def person_box(xy_px: NDArray[np.floating] | None, resolution_wh: tuple[int, int],
               margin: float = 0.08) -> Rect | None:
    """The person's box ``(x0, y0, x1, y1)`` in pixels, for :attr:`CoachState.person_box_xyxy`.

    The box around the finite landmarks of ``xy_px`` (an ``(N, 2)`` array, e.g. ``Pose.xy_px``; NaN rows are
    ignored), widened on every side by ``margin`` times its longer side (the landmarks are joints, the body
    is thicker: the top of the head, the back of a person lying down) and clipped to the frame. None when
    there is no landmark, or none inside the frame.
    """
    if xy_px is None:
        return None
    xy = np.asarray(xy_px, dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if xy.size == 0:
        return None
    w, h = resolution_wh
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0)
    box = (max(0, math.floor(x0 - pad)), max(0, math.floor(y0 - pad)),
           min(int(w), math.ceil(x1 + pad)), min(int(h), math.ceil(y1 + pad)))
    return box if box[2] > box[0] and box[3] > box[1] else None


class SteadyBox:
    """The person's box held over time: the union of the boxes of the last ``hold_s`` seconds.

    It grows at once (the coach moves away as soon as the person comes closer) and shrinks only when the
    person has stayed smaller for ``hold_s``, so the panels do not follow every swing of an arm. The one
    thing in this module that remembers: keep one per stream and give it every frame's box.
    """

    def __init__(self, hold_s: float = 1.5) -> None:
        self.hold_ms = hold_s * 1000.0
        self._boxes: deque[tuple[int, Rect]] = deque()

    def update(self, box: Rect | None, timestamp_ms: int) -> Rect | None:
        """The held box at ``timestamp_ms`` after seeing ``box`` (None: nobody this frame)."""
        if self._boxes and timestamp_ms < self._boxes[-1][0]:  # time went back (a new clip): start again
            self._boxes.clear()
        if box is not None:
            self._boxes.append((timestamp_ms, box))
        while self._boxes and self._boxes[0][0] < timestamp_ms - self.hold_ms:
            self._boxes.popleft()
        if not self._boxes:
            return None
        boxes = np.array([b for _, b in self._boxes])
        x0, y0 = boxes[:, :2].min(axis=0)
        x1, y1 = boxes[:, 2:].max(axis=0)
        return int(x0), int(y0), int(x1), int(y1)
