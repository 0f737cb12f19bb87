"""The on-screen coach: what a person sees while they exercise, drawn on a frame. OpenCV only.

Everything here is a pure function of ``(image, data) -> new image``: the input image is never changed and
nothing is remembered between frames, so the live coach (:mod:`formcheck.live`) and ``formcheck analyze
--exercise`` draw exactly the same thing from the same data.

Layout (scaled to the frame):

* top left: the exercise, the set and side, the counts against the prescription (``L 6/10  R 5/10``);
* top right: the frame rate;
* middle: view guidance ("turn side-on", "step back") on a dark band, when there is any;
* bottom: one cue in large text, the hold timer bar (fills while the angle is in range), and the gauge of
  the current angle against the target band (grey track, green band, a marker that is white inside the band
  and amber outside it).

Colours are module constants so tests can look for them in a screenshot.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray


Image = NDArray[np.uint8]

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


def _blend_rect(image: Image, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int], alpha: float) -> None:
    """Darkens/tints a rectangle in place: ``alpha`` of ``colour`` over the picture."""
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    if colour[0] == colour[1] == colour[2]:  # a grey: one saturating multiply-add, the fast path
        roi[:] = cv2.convertScaleAbs(roi, alpha=1.0 - alpha, beta=colour[0] * alpha)
    else:
        roi[:] = cv2.addWeighted(roi, 1.0 - alpha, np.full_like(roi, colour), alpha, 0.0)


def _text(image: Image, text: str, org: tuple[int, int], size: float, colour: tuple[int, int, int], thick: int) -> None:
    cv2.putText(image, text, org, FONT, size, colour, thick, cv2.LINE_AA)


def _fit_size(text: str, max_width: int, size: float, thick: int) -> float:
    """The largest font size up to ``size`` at which ``text`` fits in ``max_width`` pixels."""
    width = cv2.getTextSize(text, FONT, size, thick)[0][0]
    return size if width <= max_width else max(0.3, size * max_width / width)


def gauge_range(state: CoachState) -> tuple[float, float]:
    """The gauge's end angles: given, else the band widened by half its width each way and including 0."""
    if state.gauge_range_deg is not None:
        return state.gauge_range_deg
    if state.band_deg is None:
        return (-90.0, 90.0)
    lo, hi = sorted(state.band_deg)
    pad = max(10.0, 0.5 * (hi - lo))
    return (min(0.0, lo - pad), max(0.0, hi + pad))


def gauge_rect(image: Image) -> tuple[int, int, int, int]:
    """Where the gauge's track is drawn: ``(x0, y0, x1, y1)`` in pixels (bottom of the frame)."""
    h, w = image.shape[:2]
    s = scale_for(image)
    margin = int(24 * s)
    height = int(18 * s)
    y1 = h - int(28 * s)
    return margin, y1 - height, w - margin, y1


def hold_rect(image: Image) -> tuple[int, int, int, int]:
    """Where the hold timer bar is drawn: just above the gauge."""
    x0, y0, x1, _ = gauge_rect(image)
    s = scale_for(image)
    return x0, y0 - int(40 * s), x1, y0 - int(28 * s)


def _angle_to_x(angle_deg: float, lo: float, hi: float, x0: int, x1: int) -> int:
    """x of an angle on a gauge from ``lo`` (left end) to ``hi`` (right end); ``lo > hi`` runs right to left."""
    if lo == hi:
        return (x0 + x1) // 2
    frac = (min(max(angle_deg, min(lo, hi)), max(lo, hi)) - lo) / (hi - lo)
    return int(round(x0 + frac * (x1 - x0)))


def draw_gauge(image: Image, state: CoachState) -> None:
    """Draws the gauge of the current angle against the target band, in place."""
    x0, y0, x1, y1 = gauge_rect(image)
    s = scale_for(image)
    lo, hi = gauge_range(state)
    top = y0 - int(30 * s) if state.hold_target_s <= 0 else hold_rect(image)[1] - int(24 * s)
    _blend_rect(image, x0 - int(6 * s), top, x1 + int(6 * s), y1 + int(20 * s), PANEL_BGR, 0.6)
    cv2.rectangle(image, (x0, y0), (x1, y1), GAUGE_TRACK_BGR, -1)
    in_band = False
    if state.band_deg is not None:
        b0, b1 = sorted(state.band_deg)
        bx0, bx1 = _angle_to_x(b0, lo, hi, x0, x1), _angle_to_x(b1, lo, hi, x0, x1)
        cv2.rectangle(image, (bx0, y0), (bx1, y1), GAUGE_BAND_BGR, -1)
        in_band = math.isfinite(state.value_deg) and b0 <= state.value_deg <= b1
    if min(lo, hi) < 0.0 < max(lo, hi):  # the neutral (0) tick
        zx = _angle_to_x(0.0, lo, hi, x0, x1)
        cv2.line(image, (zx, y0 - int(4 * s)), (zx, y1 + int(4 * s)), WHITE_BGR, max(1, round(s)))
    size, thick = 0.5 * s, max(1, round(1.2 * s))
    label = state.metric_label or "Angle"
    value_text = "--" if not math.isfinite(state.value_deg) else f"{state.value_deg:+.0f} deg"
    if state.band_deg is not None:
        value_text += f"   target {min(state.band_deg):+.0f} to {max(state.band_deg):+.0f}"
    _text(image, f"{label}: {value_text}", (x0, y0 - int(10 * s)), size, WHITE_BGR, thick)
    if math.isfinite(state.value_deg):
        mx = _angle_to_x(state.value_deg, lo, hi, x0, x1)
        colour = MARKER_IN_BGR if in_band else MARKER_OUT_BGR
        half = max(3, int(5 * s))
        cv2.rectangle(image, (mx - half, y0 - int(6 * s)), (mx + half, y1 + int(6 * s)), colour, -1)
        cv2.rectangle(image, (mx - half, y0 - int(6 * s)), (mx + half, y1 + int(6 * s)), (0, 0, 0), 1)


def draw_hold(image: Image, state: CoachState) -> None:
    """Draws the hold timer bar (fills while the angle is held in range), in place. Nothing without a hold."""
    if state.hold_target_s <= 0:
        return
    x0, y0, x1, y1 = hold_rect(image)
    s = scale_for(image)
    frac = min(1.0, max(0.0, state.hold_s / state.hold_target_s))
    cv2.rectangle(image, (x0, y0), (x1, y1), HOLD_BG_BGR, -1)
    if frac > 0:
        cv2.rectangle(image, (x0, y0), (x0 + int(round(frac * (x1 - x0))), y1), HOLD_FILL_BGR, -1)
    text = f"hold {state.hold_s:.1f} / {state.hold_target_s:.0f} s"
    _text(image, text, (x1 - cv2.getTextSize(text, FONT, 0.45 * s, 1)[0][0], y0 - int(5 * s)), 0.45 * s,
          WHITE_BGR, max(1, round(s)))


def draw_cue(image: Image, cue: str, level: str = "info") -> None:
    """Draws one cue in large text, centred above the hold bar and the gauge, in place."""
    if not cue:
        return
    h, w = image.shape[:2]
    s = scale_for(image)
    thick = max(2, round(2.5 * s))
    size = _fit_size(cue, w - int(40 * s), 1.1 * s, thick)
    (tw, th), _ = cv2.getTextSize(cue, FONT, size, thick)
    _, hold_y0, _, _ = hold_rect(image)
    y = hold_y0 - int(44 * s)
    x = (w - tw) // 2
    _blend_rect(image, x - int(12 * s), y - th - int(12 * s), x + tw + int(12 * s), y + int(12 * s), PANEL_BGR, 0.55)
    _text(image, cue, (x, y), size, CUE_BGR.get(level, WHITE_BGR), thick)


def draw_view_hint(image: Image, hint: str) -> None:
    """Draws view guidance across the middle of the frame, in place."""
    if not hint:
        return
    h, w = image.shape[:2]
    s = scale_for(image)
    thick = max(2, round(2 * s))
    size = _fit_size(hint, w - int(40 * s), 0.9 * s, thick)
    (tw, th), _ = cv2.getTextSize(hint, FONT, size, thick)
    y = int(h * 0.42)
    _blend_rect(image, 0, y - th - int(16 * s), w, y + int(16 * s), PANEL_BGR, 0.6)
    _text(image, hint, ((w - tw) // 2, y), size, HINT_BGR, thick)


def draw_header(image: Image, state: CoachState) -> None:
    """Draws the exercise, set, counts and extra lines top left, and the frame rate top right, in place."""
    s = scale_for(image)
    lines = [t for t in (state.title, state.set_text) if t]
    counts = "  ".join(c.text() for c in state.counts)
    if counts:
        lines.append(counts)
    lines.extend(state.extra_lines)
    if state.paused:
        lines.append("PAUSED - space to go on")
    if lines:
        size, thick = 0.6 * s, max(1, round(1.5 * s))
        line_h = int(28 * s)
        width = max(cv2.getTextSize(t, FONT, size, thick)[0][0] for t in lines) + int(20 * s)
        x0, y0 = int(8 * s), int(8 * s)
        _blend_rect(image, x0, y0, x0 + width, y0 + line_h * len(lines) + int(10 * s), PANEL_BGR, 0.6)
        for k, t in enumerate(lines):
            _text(image, t, (x0 + int(10 * s), y0 + line_h * (k + 1)), size, WHITE_BGR, thick)
    if state.fps is not None:
        text = f"{state.fps:.0f} fps"
        size = 0.5 * s
        tw = cv2.getTextSize(text, FONT, size, 1)[0][0]
        _text(image, text, (image.shape[1] - tw - int(10 * s), int(24 * s)), size, WHITE_BGR, max(1, round(s)))


def draw_coach(image_bgr: Image, state: CoachState) -> Image:
    """A copy of ``image_bgr`` with the whole coach drawn on it for ``state``."""
    out = image_bgr.copy()
    draw_header(out, state)
    draw_view_hint(out, state.view_hint)
    draw_gauge(out, state)
    draw_hold(out, state)
    draw_cue(out, state.cue, state.cue_level)
    return out


def draw_card(image_bgr: Image, title: str, lines: list[str] | tuple[str, ...], *, footer: str = "",
              big_text: str = "") -> Image:
    """A copy of ``image_bgr`` with a card over most of it: a title, lines of text, an optional big number
    (a countdown) and a footer (keys). Used for the instructions, the countdown and the summary."""
    out = image_bgr.copy()
    h, w = out.shape[:2]
    s = scale_for(out)
    mx, my = int(w * 0.06), int(h * 0.06)
    _blend_rect(out, mx, my, w - mx, h - my, PANEL_BGR, 0.8)
    x = mx + int(20 * s)
    y = my + int(44 * s)
    tsize = _fit_size(title, w - 2 * mx - int(40 * s), 1.0 * s, max(2, round(2 * s)))
    _text(out, title, (x, y), tsize, WHITE_BGR, max(2, round(2 * s)))
    y += int(16 * s)
    thick = max(1, round(1.4 * s))
    max_width = w - 2 * mx - int(40 * s)
    room = (h - my - int(40 * s)) - y - (int(140 * s) if big_text else 0)
    for k in range(6):  # shrink the text until the wrapped lines fit in the card
        size = 0.55 * s * (0.9 ** k)
        line_h = int(28 * s * (0.9 ** k))
        wrapped = _wrap(lines, max_width, size, thick)
        if line_h * len(wrapped) <= room:
            break
    for line in wrapped:
        y += line_h
        _text(out, line, (x, y), _fit_size(line, max_width, size, thick), WHITE_BGR, thick)
    if big_text:
        bsize, bthick = 4.0 * s, max(4, round(8 * s))
        (tw, th), _ = cv2.getTextSize(big_text, FONT, bsize, bthick)
        _text(out, big_text, ((w - tw) // 2, min(h - my - int(50 * s), y + th + int(40 * s))), bsize, HINT_BGR,
              bthick)
    if footer:
        fsize = _fit_size(footer, w - 2 * mx - int(40 * s), 0.5 * s, max(1, round(s)))
        _text(out, footer, (x, h - my - int(14 * s)), fsize, HINT_BGR, max(1, round(s)))
    return out


def _wrap(lines: list[str] | tuple[str, ...], max_width: int, size: float, thick: int) -> list[str]:
    """``lines`` broken at spaces so each fits in ``max_width`` pixels (a single long word still shrinks)."""
    out: list[str] = []
    for line in lines:
        words, current = line.split(" "), ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if current and cv2.getTextSize(candidate, FONT, size, thick)[0][0] > max_width:
                out.append(current)
                current = word
            else:
                current = candidate
        out.append(current)
    return out
