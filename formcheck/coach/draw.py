"""Drawing the coach and the full-screen cards onto a frame."""

from __future__ import annotations

import math

import cv2

from formcheck.coach.layout import (
    HINT_ALPHA,
    PANEL_ALPHA,
    _angle_to_x,
    _Block,
    _Header,
    _Hint,
    _fps_text,
    _hold_text,
    _label_lines,
    _plan,
    _shift,
    gauge_range,
)
from formcheck.coach.state import (
    CUE_BGR,
    FONT,
    GAUGE_BAND_BGR,
    GAUGE_TRACK_BGR,
    HINT_BGR,
    HOLD_BG_BGR,
    HOLD_FILL_BGR,
    MARKER_IN_BGR,
    MARKER_OUT_BGR,
    PANEL_BGR,
    WHITE_BGR,
    CoachState,
    Image,
    Rect,
    scale_for,
)
from formcheck.coach.text import _blend_rect, _fit_size, _shrink_to, _text, _width, _wrap


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
    for line, y in zip(_label_lines(state, block), block.label_baselines):
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
        _text(out, _fps_text(state.fps or 0.0), (x0 + fps.pad, y0 + fps.pad + fps.above), fps.size, WHITE_BGR,
              fps.thick)
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
