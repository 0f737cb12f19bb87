"""The on-screen coach: what a person sees while they exercise, drawn on a frame. OpenCV only.

Everything here is a pure function of ``(image, data) -> new image``: the input image is never changed and
nothing is remembered between frames, so the live coach (:mod:`formcheck.live`) and ``formcheck analyze
--exercise`` draw exactly the same thing from the same data.

Layout (sizes, margins and fonts scale with the frame's short side; text is wrapped or shrunk to fit):

* top left: the exercise, the set and side, the counts against the prescription (``L 6/10  R 5/10``);
* top right: the frame rate;
* middle: view guidance ("turn side-on", "step back") on a dark panel, when there is any;
* bottom: one cue in large text, the hold timer bar (fills while the angle is in range), and the gauge of
  the current angle against the target band (grey track, green band, a marker that is white inside the band
  and amber outside it).

Panels are translucent. When the state carries the person's box (:func:`person_box`), a piece that would
cover the person moves where the person is not (:func:`coach_layout`): someone lying down in the bottom of
a wide frame gets the cue and gauge at the top, someone standing in the middle gets them beside them.
Callers hold the box over a second or two (:class:`SteadyBox`, the one thing here that remembers) so the
panels do not follow every swing of an arm.

Colours are module constants so tests can look for them in a screenshot.
"""

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


def _width(text: str, size: float, thick: int) -> int:
    return int(cv2.getTextSize(text, FONT, size, thick)[0][0])


def _line_metrics(size: float, thick: int) -> tuple[int, int]:
    """Height above the baseline and depth below it of a line of text at ``size``."""
    (_, above), below = cv2.getTextSize("Ag", FONT, size, thick)
    return int(above), int(below)


def _shrink_to(lines: list[str], max_width: int, size: float, thick: int) -> float:
    """``size``, made smaller until every line is at most ``max_width`` pixels wide (no lower limit)."""
    for _ in range(40):
        if max(_width(t, size, thick) for t in lines) <= max_width:
            break
        size *= 0.9
    return size


def _fit_lines(text: str, max_width: int, size: float, thick: int, max_lines: int = 2) -> tuple[list[str], float]:
    """``text`` as at most ``max_lines`` lines no wider than ``max_width``: whole at ``size`` when it fits,
    else wrapped at spaces, else wrapped at a smaller size (down to 0.6 of it), else one line shrunk to fit."""
    max_width = max(1, max_width)
    if _width(text, size, thick) <= max_width:
        return [text], size
    k = size
    while k >= 0.6 * size:
        lines = _wrap([text], max_width, k, thick)
        if len(lines) <= max_lines and max(_width(t, k, thick) for t in lines) <= max_width:
            return lines, k
        k *= 0.9
    lines = _wrap([text], max_width, k, thick)
    if len(lines) > max_lines:
        lines = [text]
    return lines, _shrink_to(lines, max_width, k, thick)


# ----------------------------------------------------------------------------------------------- the pieces
# Every piece is measured for a width first (text wrapped or shrunk to fit it), then placed, then drawn.

PANEL_ALPHA = 0.6  # translucent panels: the picture shows through
HINT_ALPHA = 0.65


@dataclass(frozen=True)
class _Header:
    lines: tuple[str, ...]
    size: float
    thick: int
    line_h: int
    pad: int
    width: int
    height: int


def _header_lines(state: CoachState) -> list[str]:
    lines = [t for t in (state.title, state.set_text) if t]
    counts = "  ".join(c.text() for c in state.counts)
    if counts:
        lines.append(counts)
    lines.extend(state.extra_lines)
    if state.paused:
        lines.append("PAUSED - space to go on")
    return lines


def _header(lines: list[str], s: float, max_width: int) -> _Header:
    """The header's text (the exercise, set, counts), at most ``max_width`` wide."""
    size0, thick, pad = 0.6 * s, max(1, round(1.5 * s)), int(10 * s)
    size = size0
    if max(_width(t, size, thick) for t in lines) + 2 * pad > max_width:
        size = _shrink_to(lines, max_width - 2 * pad, size, thick)
    line_h = max(2, int(28 * s * size / size0))
    width = max(_width(t, size, thick) for t in lines) + 2 * pad
    return _Header(tuple(lines), size, thick, line_h, pad, width, line_h * len(lines) + int(10 * s))


@dataclass(frozen=True)
class _Hint:
    lines: tuple[str, ...]
    size: float
    thick: int
    above: int
    pitch: int
    pad: int
    width: int
    height: int


def _hint(hint: str, s: float, max_width: int) -> _Hint:
    """The view guidance (one or two lines) in a panel at most ``max_width`` wide."""
    thick, pad = max(2, round(2 * s)), int(16 * s)
    lines, size = _fit_lines(hint, max_width - 2 * pad, 0.9 * s, thick, max_lines=3)
    above, below = _line_metrics(size, thick)
    pitch = above + below + int(6 * s)
    width = max(_width(t, size, thick) for t in lines) + 2 * pad
    return _Hint(tuple(lines), size, thick, above, pitch, pad, width, above + (len(lines) - 1) * pitch + 2 * pad)


@dataclass(frozen=True)
class _Fps:
    text: str
    size: float
    thick: int
    above: int
    pad: int
    width: int
    height: int


def _fps(fps: float, s: float) -> _Fps:
    text, size, thick, pad = f"{fps:.0f} fps", 0.5 * s, max(1, round(s)), int(4 * s)
    above, below = _line_metrics(size, thick)
    return _Fps(text, size, thick, above, pad, _width(text, size, thick) + 2 * pad, above + below + 2 * pad)


@dataclass(frozen=True)
class _Block:
    """The cue, the hold timer bar and the gauge, stacked in a block ``width`` wide; y relative to its top."""

    width: int
    height: int
    pad: int
    cue_lines: tuple[str, ...]
    cue_size: float
    cue_thick: int
    cue_baselines: tuple[int, ...]
    cue_bottom: int
    panel_top: int
    hold_bar: Rect | None
    hold_baseline: int
    label_lines: tuple[str, ...]
    label_size: float
    label_thick: int
    label_baselines: tuple[int, ...]
    gauge: Rect
    marker_over: int


def _gauge_label(state: CoachState) -> tuple[str, str]:
    label = state.metric_label or "Angle"
    value_text = "--" if not math.isfinite(state.value_deg) else f"{state.value_deg:+.0f} deg"
    target = "" if state.band_deg is None else f"target {min(state.band_deg):+.0f} to {max(state.band_deg):+.0f}"
    return f"{label}: {value_text}", target


def _block(state: CoachState, width: int, s: float) -> _Block:
    """Measures the cue, hold bar and gauge for a block ``width`` pixels wide.

    Room for one line of cue is kept even without a cue, so the block does not jump when a cue comes and goes.
    """
    pad, gap = max(2, round(8 * s)), max(2, round(6 * s))
    inner = width - 2 * pad
    cue_thick = max(2, round(2.2 * s))
    cue_lines, cue_size = _fit_lines(state.cue, inner - 2 * pad, 1.0 * s, cue_thick) if state.cue else ([], 1.0 * s)
    above, below = _line_metrics(cue_size, cue_thick)
    pitch = above + below + int(4 * s)
    cue_baselines = tuple(pad + above + k * pitch for k in range(len(cue_lines)))
    cue_bottom = pad + above + (max(1, len(cue_lines)) - 1) * pitch + below + pad
    y = panel_top = cue_bottom + gap
    y += pad
    label_thick = max(1, round(1.2 * s))
    value, target = _gauge_label(state)
    label_size = 0.5 * s
    one = f"{value}   {target}" if target else value
    hold_size, hold_thick = 0.45 * s, max(1, round(s))
    hold_width = _width(_hold_text(state.hold_target_s, state.hold_target_s), hold_size, hold_thick)
    # Decided for the widest value, so the block keeps its shape while the value changes.
    widest = f"{value.split(':')[0]}: -180 deg" + (f"   {target}" if target else "")
    label_fits = _width(widest, label_size, label_thick) <= inner
    hold_beside = label_fits and _width(widest, label_size, label_thick) + int(16 * s) + hold_width <= inner
    hold_bar, hold_baseline = None, 0
    bar_h = max(3, round(12 * s))
    if state.hold_target_s > 0 and not hold_beside:  # the hold text on its own row above the bar
        hold_baseline = y + _line_metrics(hold_size, hold_thick)[0]
        y = hold_baseline + int(5 * s)
    if state.hold_target_s > 0:
        hold_bar = (pad, y, width - pad, y + bar_h)
        y += bar_h + gap
    if label_fits:
        label_lines = [one]
    else:  # value and target on two lines, smaller if even that does not fit
        label_lines = [t for t in (value, target) if t]
        label_size = _shrink_to(label_lines, inner, label_size, label_thick)
    l_above, l_below = _line_metrics(label_size, label_thick)
    l_pitch = l_above + l_below + int(3 * s)
    label_baselines = tuple(y + l_above + k * l_pitch for k in range(len(label_lines)))
    if state.hold_target_s > 0 and hold_beside:  # the hold text right of the gauge label
        hold_baseline = label_baselines[0]
    over = max(2, round(6 * s))  # the marker reaches this far above and below the track
    top = label_baselines[-1] + int(4 * s) + over
    gauge = (pad, top, width - pad, top + max(4, round(18 * s)))
    return _Block(width, gauge[3] + over + pad, pad, tuple(cue_lines), cue_size, cue_thick, cue_baselines,
                  cue_bottom, panel_top, hold_bar, hold_baseline, tuple(label_lines), label_size, label_thick,
                  label_baselines, gauge, over)


def _hold_text(hold_s: float, hold_target_s: float) -> str:
    return f"hold {hold_s:.1f} / {hold_target_s:.0f} s"


def _shift(r: Rect, dx: int, dy: int) -> Rect:
    return r[0] + dx, r[1] + dy, r[2] + dx, r[3] + dy


# ----------------------------------------------------------------------------------------------- placement

def _overlap(a: Rect, b: Rect) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


@dataclass(frozen=True)
class CoachLayout:
    """Where the coach's pieces go on a frame, ``(x0, y0, x1, y1)`` in pixels (None: not drawn).

    Attributes:
        header: the exercise, set and counts panel.
        block: the cue, hold timer bar and gauge (the cue's line is kept even without a cue).
        gauge: the gauge's track, inside ``block``.
        hold: the hold timer bar, inside ``block``.
        hint: the view guidance panel.
        fps: the frame rate text.
    """

    header: Rect | None
    block: Rect
    gauge: Rect
    hold: Rect | None
    hint: Rect | None
    fps: Rect | None


@dataclass(frozen=True)
class _Plan:
    header: tuple[Rect, _Header] | None
    block: tuple[Rect, _Block]
    hint: tuple[Rect, _Hint] | None
    fps: tuple[Rect, _Fps] | None


GRID_STEPS = 16  # the person's box is snapped outwards to 1/16 of the frame's short side


class _Placer:
    """Finds a place for each piece: off the person first, off the pieces already placed, then (for
    pieces that live at an edge) touching the top or bottom edge and with its text not squeezed (wrapped or
    shrunk) by a narrower width, then nearest its usual place."""

    def __init__(self, w: int, h: int, s: float, person: Rect) -> None:
        self.w, self.h = w, h
        self.m = int(8 * s)  # margin to the frame's edges
        self.gap = max(2, int(6 * s))  # between pieces, and between a piece and the person
        # The box snapped outwards to a grid, so the pieces stay put while the person moves a little.
        g = max(1, round(min(w, h) / GRID_STEPS))
        self.person = (max(0, person[0] // g * g), max(0, person[1] // g * g),
                       min(w, -(-person[2] // g) * g), min(h, -(-person[3] // g) * g))

    def free_widths(self, least: int) -> list[int]:
        """Widths at least ``least`` for pieces in the columns left and right of the person (a piece there
        never touches them): the widest tenth of the frame's width that fits, so a piece keeps its width while
        the person moves; the whole column when no tenth of at least ``least`` fits."""
        x0, _, x1, _ = self.person
        tenths = [k * (self.w - 2 * self.m) // 10 for k in range(9, 0, -1)]
        widths = []
        for free in (x0 - self.gap - self.m, self.w - self.m - x1 - self.gap):
            tenth = next((t for t in tenths if t <= free), 0)
            widths.append(tenth if tenth >= least else free)
        return [w for w in widths if w >= least]

    def candidates(self, width: int, height: int, default: Rect, placed: list[Rect]) -> dict[Rect, bool]:
        """Places for a ``width`` x ``height`` piece inside the frame: at the edges, at its usual place, next
        to the person and next to the pieces already placed; each with whether it moves with the person."""
        w, h, m, gap = self.w, self.h, self.m, self.gap
        px0, py0, px1, py1 = self.person
        xs = {x: False for x in (m, w - m - width, (w - width) // 2, default[0])}
        ys = {y: False for y in (m, h - m - height, default[1])}
        for p in placed:
            xs.update({x: False for x in (p[2] + gap, p[0] - gap - width) if x not in xs})
            ys.update({y: False for y in (p[3] + gap, p[1] - gap - height) if y not in ys})
        xs.update({x: True for x in (px1 + gap, px0 - gap - width) if x not in xs})
        ys.update({y: True for y in (py1 + gap, py0 - gap - height) if y not in ys})
        return {(x, y, x + width, y + height): x_moves or y_moves for x, x_moves in xs.items()
                for y, y_moves in ys.items() if x >= 0 and y >= 0 and x + width <= w and y + height <= h}

    def key(self, r: Rect, default: Rect, placed: list[Rect], *, edge: bool, moves: bool,
            squeezed: bool = False) -> tuple[int, int, float]:
        """Smaller is better: (pixels covered; away from the top/bottom edge + moving with the person + text
        squeezed; distance from the usual place)."""
        cover = _overlap(r, self.person) + 2 * sum(_overlap(r, p) for p in placed)
        off_edge = int(edge and r[1] > self.m and r[3] < self.h - self.m) + int(moves) + int(squeezed)
        dist = (abs((r[0] + r[2]) - (default[0] + default[2])) / (2 * self.w)
                + abs((r[1] + r[3]) - (default[1] + default[3])) / (2 * self.h)
                + abs((default[2] - default[0]) - (r[2] - r[0])) / self.w)
        return cover, off_edge, dist


def _plan(h: int, w: int, state: CoachState) -> _Plan:
    """Measures and places every piece of the coach on an ``h`` x ``w`` frame."""
    s = max(0.5, min(h, w) / 480.0)
    m = int(8 * s)
    full = w - 2 * m
    lines = _header_lines(state)
    header = _header(lines, s, full) if lines else None
    header_at = (m, m, m + header.width, m + header.height) if header else None
    block = _block(state, full, s)
    block_at = (m, h - m - block.height, w - m, h - m)
    hint = _hint(state.view_hint, s, full) if state.view_hint else None
    hint_at = None
    if hint:
        y = int(h * 0.42) - hint.above - hint.pad
        x = (w - hint.width) // 2
        hint_at = (x, y, x + hint.width, y + hint.height)
    fps = _fps(state.fps, s) if state.fps is not None else None
    fps_at = None
    if fps:
        x0 = w - fps.width - int(10 * s) + fps.pad
        y0 = int(24 * s) - fps.above - fps.pad
        fps_at = (x0, y0, x0 + fps.width, y0 + fps.height)
    default = _Plan((header_at, header) if header else None, (block_at, block),
                    (hint_at, hint) if hint else None, (fps_at, fps) if fps else None)
    if state.person_box_xyxy is None:
        return default
    placer = _Placer(w, h, s, tuple(int(v) for v in state.person_box_xyxy))  # type: ignore[arg-type]
    if all(_overlap(r, placer.person) == 0 for r in (header_at, block_at, hint_at, fps_at) if r is not None):
        return default  # nothing of the usual layout is on the person

    # The header and the block together: a few good places for the header, the best block for each.
    header_options: list[tuple[tuple[int, int, float], tuple[Rect, _Header] | None]] = [((0, 0, 0.0), None)]
    if header and header_at:
        header_found: list[tuple[tuple[int, int, float], Rect, _Header]] = []
        widths = {header.width} | {f for f in placer.free_widths(int(120 * s)) if f < header.width}
        for width in widths:
            piece = header if width == header.width else _header(lines, s, width)
            for r, moves in placer.candidates(piece.width, piece.height, header_at, []).items():
                header_found.append((placer.key(r, header_at, [], edge=True, moves=moves,
                                                squeezed=piece.size < header.size), r, piece))
        header_found.sort(key=lambda c: c[0])
        header_options = [(k, (r, p)) for k, r, p in header_found[:4]] or [((0, 0, 0.0), (header_at, header))]
    min_block = min(full, int(140 * s))
    best = None
    blocks = {full: block}
    for h_key, h_choice in header_options:
        placed = [h_choice[0]] if h_choice else []
        widths = {full} | {f for f in placer.free_widths(min_block) if f < full}
        if h_choice:
            widths.add(full - placer.gap - (h_choice[0][2] - h_choice[0][0]))
        for width in sorted(wd for wd in widths if wd >= min_block):
            piece = blocks.get(width) or blocks.setdefault(width, _block(state, width, s))
            for r, moves in placer.candidates(width, piece.height, block_at, placed).items():
                b_key = placer.key(r, block_at, placed, edge=True, moves=moves, squeezed=piece.height > block.height)
                total = (h_key[0] + b_key[0], h_key[1] + b_key[1], h_key[2] + b_key[2])
                if best is None or total < best[0]:
                    best = (total, h_choice, (r, piece))
    if best is None:  # the block fits nowhere on its own: the usual place
        best = ((0, 0, 0.0), header_options[0][1], (block_at, block))
    _, header_choice, block_choice = best
    placed = [block_choice[0]] + ([header_choice[0]] if header_choice else [])

    hint_choice = None
    if hint and hint_at:
        hint_found: list[tuple[tuple[int, int, float], Rect, _Hint]] = []
        widths = {full} | {f for f in placer.free_widths(int(160 * s)) if f < full}
        for width in widths:
            piece = _hint(state.view_hint, s, width)
            if width != full and piece.size < 0.6 * hint.size:  # too small to read in that column
                continue
            x = (w - piece.width) // 2
            anchor = (x, hint_at[1], x + piece.width, hint_at[1] + piece.height)
            squeezed = len(piece.lines) > len(hint.lines) or piece.size < hint.size
            for r, moves in placer.candidates(piece.width, piece.height, anchor, placed).items():
                hint_found.append((placer.key(r, hint_at, placed, edge=False, moves=moves, squeezed=squeezed), r,
                                   piece))
        if hint_found:
            _, r, hint_piece = min(hint_found, key=lambda c: c[0])
            hint_choice = (r, hint_piece)
        else:
            hint_choice = (hint_at, hint)
        placed.append(hint_choice[0])
    fps_choice = None
    if fps and fps_at:
        fps_found = [(placer.key(r, fps_at, placed, edge=True, moves=moves), r)
                     for r, moves in placer.candidates(fps.width, fps.height, fps_at, placed).items()]
        fps_choice = (min(fps_found)[1] if fps_found else fps_at, fps)
    return _Plan(header_choice, block_choice, hint_choice, fps_choice)


def coach_layout(image: Image, state: CoachState) -> CoachLayout:
    """Where :func:`draw_coach` draws each piece of ``state`` on ``image`` (see :class:`CoachLayout`).

    Without a person box the layout is the usual one: header top left, frame rate top right, view guidance
    across the middle, cue, hold bar and gauge at the bottom. With one, each piece moves off the person when
    it would cover them and a free place exists: the block to the top (beside the header, or below it) or to
    a column beside the person, the header to another corner, and so on.
    """
    h, w = image.shape[:2]
    plan = _plan(h, w, state)
    (bx, by, _, _), block = plan.block
    return CoachLayout(
        header=plan.header[0] if plan.header else None,
        block=plan.block[0],
        gauge=_shift(block.gauge, bx, by),
        hold=_shift(block.hold_bar, bx, by) if block.hold_bar else None,
        hint=plan.hint[0] if plan.hint else None,
        fps=plan.fps[0] if plan.fps else None,
    )


def gauge_rect(image: Image, state: CoachState | None = None) -> Rect:
    """Where the gauge's track is drawn: ``(x0, y0, x1, y1)`` in pixels (bottom of the frame without a
    person box: the same for every state)."""
    return coach_layout(image, state or CoachState()).gauge


def hold_rect(image: Image, state: CoachState | None = None) -> Rect:
    """Where the hold timer bar is drawn: just above the gauge (for a one-line gauge label when no
    ``state`` is given)."""
    rect = coach_layout(image, state if state is not None and state.hold_target_s > 0
                        else CoachState(hold_target_s=1.0)).hold
    assert rect is not None
    return rect


def gauge_range(state: CoachState) -> tuple[float, float]:
    """The gauge's end angles: given, else the band widened by half its width each way and including 0."""
    if state.gauge_range_deg is not None:
        return state.gauge_range_deg
    if state.band_deg is None:
        return (-90.0, 90.0)
    lo, hi = sorted(state.band_deg)
    pad = max(10.0, 0.5 * (hi - lo))
    return (min(0.0, lo - pad), max(0.0, hi + pad))


def _angle_to_x(angle_deg: float, lo: float, hi: float, x0: int, x1: int) -> int:
    """x of an angle on a gauge from ``lo`` (left end) to ``hi`` (right end); ``lo > hi`` runs right to left."""
    if lo == hi:
        return (x0 + x1) // 2
    frac = (min(max(angle_deg, min(lo, hi)), max(lo, hi)) - lo) / (hi - lo)
    return int(round(x0 + frac * (x1 - x0)))


# ----------------------------------------------------------------------------------------------- drawing

def _draw_block(image: Image, state: CoachState, at: Rect, block: _Block, s: float) -> None:
    """Draws the cue, the hold bar and the gauge in a block whose top left is ``at``, in place."""
    bx, by = at[0], at[1]
    if block.cue_lines:
        widths = [_width(t, block.cue_size, block.cue_thick) for t in block.cue_lines]
        centre = bx + block.width // 2
        half = max(widths) // 2 + block.pad
        _blend_rect(image, centre - half, by, centre + half, by + block.cue_bottom, PANEL_BGR, PANEL_ALPHA)
        for line, tw, y in zip(block.cue_lines, widths, block.cue_baselines):
            _text(image, line, (centre - tw // 2, by + y), block.cue_size, CUE_BGR.get(state.cue_level, WHITE_BGR),
                  block.cue_thick)
    _blend_rect(image, bx, by + block.panel_top, bx + block.width, by + block.height, PANEL_BGR, PANEL_ALPHA)
    if block.hold_bar is not None:
        x0, y0, x1, y1 = _shift(block.hold_bar, bx, by)
        frac = min(1.0, max(0.0, state.hold_s / state.hold_target_s))
        cv2.rectangle(image, (x0, y0), (x1, y1), HOLD_BG_BGR, -1)
        if frac > 0:
            cv2.rectangle(image, (x0, y0), (x0 + int(round(frac * (x1 - x0))), y1), HOLD_FILL_BGR, -1)
        text = _hold_text(state.hold_s, state.hold_target_s)
        size, thick = 0.45 * s, max(1, round(s))
        size = _shrink_to([text], x1 - x0, size, thick)
        _text(image, text, (x1 - _width(text, size, thick), by + block.hold_baseline), size, WHITE_BGR, thick)
    x0, y0, x1, y1 = _shift(block.gauge, bx, by)
    lo, hi = gauge_range(state)
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
    for line, y in zip(block.label_lines, block.label_baselines):
        _text(image, line, (x0, by + y), block.label_size, WHITE_BGR, block.label_thick)
    if math.isfinite(state.value_deg):
        mx = _angle_to_x(state.value_deg, lo, hi, x0, x1)
        colour = MARKER_IN_BGR if in_band else MARKER_OUT_BGR
        half, over = max(3, int(5 * s)), block.marker_over
        cv2.rectangle(image, (mx - half, y0 - over), (mx + half, y1 + over), colour, -1)
        cv2.rectangle(image, (mx - half, y0 - over), (mx + half, y1 + over), (0, 0, 0), 1)


def _draw_header(image: Image, at: Rect, header: _Header) -> None:
    x0, y0, x1, y1 = at
    _blend_rect(image, x0, y0, x1, y1, PANEL_BGR, PANEL_ALPHA)
    for k, t in enumerate(header.lines):
        _text(image, t, (x0 + header.pad, y0 + header.line_h * (k + 1)), header.size, WHITE_BGR, header.thick)


def _draw_hint(image: Image, at: Rect, hint: _Hint) -> None:
    x0, y0, x1, y1 = at
    _blend_rect(image, x0, y0, x1, y1, PANEL_BGR, HINT_ALPHA)
    for k, t in enumerate(hint.lines):
        tw = _width(t, hint.size, hint.thick)
        _text(image, t, ((x0 + x1 - tw) // 2, y0 + hint.pad + hint.above + k * hint.pitch), hint.size, HINT_BGR,
              hint.thick)


def draw_coach(image_bgr: Image, state: CoachState) -> Image:
    """A copy of ``image_bgr`` with the whole coach drawn on it for ``state`` (placed by :func:`coach_layout`)."""
    out = image_bgr.copy()
    h, w = out.shape[:2]
    s = scale_for(out)
    plan = _plan(h, w, state)
    if plan.header:
        _draw_header(out, *plan.header)
    if plan.hint:
        _draw_hint(out, *plan.hint)
    _draw_block(out, state, plan.block[0], plan.block[1], s)
    if plan.fps:
        (x0, y0, _, _), fps = plan.fps
        _text(out, fps.text, (x0 + fps.pad, y0 + fps.pad + fps.above), fps.size, WHITE_BGR, fps.thick)
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
