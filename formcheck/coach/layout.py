"""Where each piece of the coach goes: measured for a width, then placed off the person.

Measuring and placing is a few hundred text measurements and candidate places (about 4 ms of Python a
frame), yet what decides it changes seldom: the frame's size, the header's lines, the cue, the gauge's label
and target, the hold's length, the view guidance, the frame rate text's width and the person's box snapped to
a grid (:class:`LayoutInputs`). :func:`_plan` is therefore memoised on those inputs (a small LRU cache of a
pure function): a frame whose inputs are unchanged costs one dictionary look-up, and the same inputs always
give the same layout. What changes every frame (the angle, the hold time, the frame rate's digits) is drawn
into the planned places and never moves them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from formcheck.coach.state import CoachState, Image, Rect
from formcheck.coach.text import _fit_lines, _line_metrics, _shrink_to, _width


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
    size: float
    thick: int
    above: int
    pad: int
    width: int
    height: int


def _fps_text(fps: float) -> str:
    return f"{fps:.0f} fps"


def _fps_font(s: float) -> tuple[float, int]:
    return 0.5 * s, max(1, round(s))


def _fps(text_width: int, s: float) -> _Fps:
    """The frame rate's panel for a text ``text_width`` pixels wide (its digits are drawn per frame: every digit
    of the font is as wide as the others, so the panel keeps its place while the rate changes)."""
    (size, thick), pad = _fps_font(s), int(4 * s)
    above, below = _line_metrics(size, thick)
    return _Fps(size, thick, above, pad, text_width + 2 * pad, above + below + 2 * pad)


@dataclass(frozen=True)
class _Block:
    """The cue, the hold timer bar and the gauge, stacked in a block ``width`` wide; y relative to its top.

    The gauge's label is one line (``label_split`` False: the value, then the target) or two (the value above
    the target); :func:`_label_lines` gives its text for a frame's value.
    """

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
    label_split: bool
    label_size: float
    label_thick: int
    label_baselines: tuple[int, ...]
    gauge: Rect
    marker_over: int


def _gauge_target(state: CoachState) -> str:
    return "" if state.band_deg is None else f"target {min(state.band_deg):+.0f} to {max(state.band_deg):+.0f}"


def _gauge_label(state: CoachState) -> tuple[str, str]:
    label = state.metric_label or "Angle"
    value_text = "--" if not math.isfinite(state.value_deg) else f"{state.value_deg:+.0f} deg"
    return f"{label}: {value_text}", _gauge_target(state)


def _label_lines(state: CoachState, block: _Block) -> list[str]:
    """The gauge label's text for ``state``'s value, on the one or two lines ``block`` was measured for."""
    value, target = _gauge_label(state)
    if block.label_split:
        return [t for t in (value, target) if t]
    return [f"{value}   {target}" if target else value]


def _block(inputs: LayoutInputs, width: int, s: float) -> _Block:
    """Measures the cue, hold bar and gauge for a block ``width`` pixels wide.

    Room for one line of cue is kept even without a cue, so the block does not jump when a cue comes and goes.
    The gauge's label is measured for the widest value (``-180 deg``), so the block keeps its shape and its
    text size while the value changes.
    """
    pad, gap = max(2, round(8 * s)), max(2, round(6 * s))
    inner = width - 2 * pad
    cue_thick = max(2, round(2.2 * s))
    cue = inputs.cue
    cue_lines, cue_size = _fit_lines(cue, inner - 2 * pad, 1.0 * s, cue_thick) if cue else ([], 1.0 * s)
    above, below = _line_metrics(cue_size, cue_thick)
    pitch = above + below + int(4 * s)
    cue_baselines = tuple(pad + above + k * pitch for k in range(len(cue_lines)))
    cue_bottom = pad + above + (max(1, len(cue_lines)) - 1) * pitch + below + pad
    y = panel_top = cue_bottom + gap
    y += pad
    label_thick = max(1, round(1.2 * s))
    target = inputs.target
    label_size = 0.5 * s
    hold_target_s = inputs.hold_target_s
    hold_size, hold_thick = 0.45 * s, max(1, round(s))
    hold_width = _width(_hold_text(hold_target_s, hold_target_s), hold_size, hold_thick)
    # Decided for the widest value, so the block keeps its shape while the value changes.
    widest_value = f"{inputs.label}: -180 deg"
    widest = widest_value + (f"   {target}" if target else "")
    label_fits = _width(widest, label_size, label_thick) <= inner
    hold_beside = label_fits and _width(widest, label_size, label_thick) + int(16 * s) + hold_width <= inner
    hold_bar, hold_baseline = None, 0
    bar_h = max(3, round(12 * s))
    if hold_target_s > 0 and not hold_beside:  # the hold text on its own row above the bar
        hold_baseline = y + _line_metrics(hold_size, hold_thick)[0]
        y = hold_baseline + int(5 * s)
    if hold_target_s > 0:
        hold_bar = (pad, y, width - pad, y + bar_h)
        y += bar_h + gap
    label_rows = 1
    if not label_fits:  # value and target on two lines, smaller if even that does not fit
        widest_lines = [t for t in (widest_value, target) if t]
        label_rows = len(widest_lines)
        label_size = _shrink_to(widest_lines, inner, label_size, label_thick)
    l_above, l_below = _line_metrics(label_size, label_thick)
    l_pitch = l_above + l_below + int(3 * s)
    label_baselines = tuple(y + l_above + k * l_pitch for k in range(label_rows))
    if hold_target_s > 0 and hold_beside:  # the hold text right of the gauge label
        hold_baseline = label_baselines[0]
    over = max(2, round(6 * s))  # the marker reaches this far above and below the track
    top = label_baselines[-1] + int(4 * s) + over
    gauge = (pad, top, width - pad, top + max(4, round(18 * s)))
    return _Block(width, gauge[3] + over + pad, pad, tuple(cue_lines), cue_size, cue_thick, cue_baselines,
                  cue_bottom, panel_top, hold_bar, hold_baseline, not label_fits, label_size, label_thick,
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


#: A block narrower than the frame is used only if its cue keeps at least this share of its full-width size:
#: a cue squeezed into a column beside the person is unreadable, and the cue matters more than the panel
#: staying off the person (it is translucent).
MIN_CUE_SHARE = 0.6

GRID_STEPS = 16  # the person's box is snapped outwards to 1/16 of the frame's short side


class _Placer:
    """Finds a place for each piece: off the person first, off the pieces already placed, then (for
    pieces that live at an edge) touching the top or bottom edge and with its text not squeezed (wrapped or
    shrunk) by a narrower width, then nearest its usual place."""

    def __init__(self, w: int, h: int, s: float, person: Rect) -> None:
        self.w, self.h = w, h
        self.m = int(8 * s)  # margin to the frame's edges
        self.gap = max(2, int(6 * s))  # between pieces, and between a piece and the person
        self.person = person  # snapped to the grid (:func:`_snapped`)

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
            squeezed: bool = False, upper_twice: bool = False) -> tuple[int, int, float]:
        """Smaller is better: (pixels covered, with ``upper_twice`` those on the upper half of the person's box
        twice; away from the top/bottom edge + moving with the person + text squeezed; distance from the usual
        place)."""
        cover = _overlap(r, self.person) + 2 * sum(_overlap(r, p) for p in placed)
        if upper_twice:  # the head and shoulders of someone upright matter more than their legs
            x0, y0, x1, y1 = self.person
            cover += _overlap(r, (x0, y0, x1, (y0 + y1) // 2))
        off_edge = int(edge and r[1] > self.m and r[3] < self.h - self.m) + int(moves) + int(squeezed)
        dist = (abs((r[0] + r[2]) - (default[0] + default[2])) / (2 * self.w)
                + abs((r[1] + r[3]) - (default[1] + default[3])) / (2 * self.h)
                + abs((default[2] - default[0]) - (r[2] - r[0])) / self.w)
        return cover, off_edge, dist


def _snapped(box: tuple[int, int, int, int], w: int, h: int) -> Rect:
    """The person's box snapped outwards to a grid (:data:`GRID_STEPS`), so the pieces stay put while the
    person moves a little."""
    g = max(1, round(min(w, h) / GRID_STEPS))
    x0, y0, x1, y1 = (int(v) for v in box)
    return max(0, x0 // g * g), max(0, y0 // g * g), min(w, -(-x1 // g) * g), min(h, -(-y1 // g) * g)


@dataclass(frozen=True)
class LayoutInputs:
    """Everything the coach's layout depends on besides the frame's size (the key of the layout's cache).

    Attributes:
        header_lines: the header's lines (exercise, set, counts, extra lines, paused).
        cue: the cue's text.
        label: what the gauge shows (its value is drawn per frame and does not move anything).
        target: the gauge's target text.
        hold_target_s: the hold's length (0: no hold bar).
        view_hint: the view guidance.
        fps_width: the frame rate text's width in pixels, or None for no frame rate.
        person: the person's box snapped to the grid, or None.
    """

    header_lines: tuple[str, ...]
    cue: str
    label: str
    target: str
    hold_target_s: float
    view_hint: str
    fps_width: int | None
    person: Rect | None

    @classmethod
    def of(cls, state: CoachState, h: int, w: int) -> LayoutInputs:
        s = max(0.5, min(h, w) / 480.0)
        fps_width = None if state.fps is None else _width(_fps_text(state.fps), *_fps_font(s))
        person = None if state.person_box_xyxy is None else _snapped(state.person_box_xyxy, w, h)
        return cls(tuple(_header_lines(state)), state.cue, state.metric_label or "Angle", _gauge_target(state),
                   float(state.hold_target_s), state.view_hint, fps_width, person)


#: Layouts kept for reuse (one per distinct frame size and :class:`LayoutInputs`; a live session needs a few).
LAYOUT_CACHE_SIZE = 128


def _plan(h: int, w: int, state: CoachState) -> _Plan:
    """Measures and places every piece of the coach on an ``h`` x ``w`` frame (cached on what decides it)."""
    return _planned(h, w, LayoutInputs.of(state, h, w))


@functools.lru_cache(maxsize=LAYOUT_CACHE_SIZE)
def _planned(h: int, w: int, inputs: LayoutInputs) -> _Plan:
    """Measures and places every piece of the coach for ``inputs`` on an ``h`` x ``w`` frame."""
    s = max(0.5, min(h, w) / 480.0)
    m = int(8 * s)
    full = w - 2 * m
    lines = list(inputs.header_lines)
    header = _header(lines, s, full) if lines else None
    header_at = (m, m, m + header.width, m + header.height) if header else None
    block = _block(inputs, full, s)
    block_at = (m, h - m - block.height, w - m, h - m)
    hint = _hint(inputs.view_hint, s, full) if inputs.view_hint else None
    hint_at = None
    if hint:
        y = int(h * 0.42) - hint.above - hint.pad
        x = (w - hint.width) // 2
        hint_at = (x, y, x + hint.width, y + hint.height)
    fps = _fps(inputs.fps_width, s) if inputs.fps_width is not None else None
    fps_at = None
    if fps:
        x0 = w - fps.width - int(10 * s) + fps.pad
        y0 = int(24 * s) - fps.above - fps.pad
        fps_at = (x0, y0, x0 + fps.width, y0 + fps.height)
    default = _Plan((header_at, header) if header else None, (block_at, block),
                    (hint_at, hint) if hint else None, (fps_at, fps) if fps else None)
    if inputs.person is None:
        return default
    placer = _Placer(w, h, s, inputs.person)
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
            piece = blocks.get(width) or blocks.setdefault(width, _block(inputs, width, s))
            if width != full and piece.cue_size < MIN_CUE_SHARE * block.cue_size:
                continue  # the cue would be too small to read in that column
            for r, moves in placer.candidates(width, piece.height, block_at, placed).items():
                b_key = placer.key(r, block_at, placed, edge=True, moves=moves, squeezed=piece.height > block.height,
                                   upper_twice=True)
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
            piece = _hint(inputs.view_hint, s, width)
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
