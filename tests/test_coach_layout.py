"""The coach's layout: the panels go where the person is not, are translucent, stay inside the frame and
scale with it (issue 9, item 7). Pure NumPy/OpenCV drawing on synthetic frames: no model, no video."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import coach
from formcheck.coach import CoachState, SideCount, coach_layout, draw_coach, gauge_rect, hold_rect, person_box

RESOLUTIONS = [(640, 360), (1280, 720), (1920, 1080), (360, 640), (1080, 1920)]  # (w, h)

#: Person boxes as fractions of the frame (x0, y0, x1, y1).
BOXES = {
    "lying in the bottom third": (0.08, 0.66, 0.92, 0.97),  # bridge, plank, child's pose
    "in the middle": (0.30, 0.35, 0.70, 0.65),
    "in the top third": (0.10, 0.03, 0.90, 0.33),
}


def background(w: int, h: int) -> np.ndarray:
    """Noise in a mid-grey range: every pixel known, none equal to a coach colour by chance in bulk."""
    return np.random.default_rng(w * 7 + h).integers(90, 170, (h, w, 3), dtype=np.uint8)


def box_px(w: int, h: int, fractions: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = fractions
    return int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)


def state(box: tuple[int, int, int, int] | None = None, **changes: object) -> CoachState:
    values: dict[str, object] = dict(
        title="Seated thoracic rotation", set_text="Set 1/2 - left side",
        counts=(SideCount("L", 6, 10, True), SideCount("R", 5, 10)), cue="Turn a little further",
        cue_level="stop", metric_label="Rotation", value_deg=20.0, band_deg=(35.0, 60.0),
        gauge_range_deg=(-80.0, 80.0), hold_s=2.5, hold_target_s=10.0, fps=24.0, person_box_xyxy=box)
    values.update(changes)
    return CoachState(**values)  # type: ignore[arg-type]


def colour_mask(image: np.ndarray, bgr: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return (np.abs(image.astype(int) - np.array(bgr)) <= tol).all(axis=-1)


def changed(out: np.ndarray, image: np.ndarray) -> np.ndarray:
    return (out != image).any(axis=-1)


def drawn_rects(layout: coach.CoachLayout) -> list[tuple[int, int, int, int]]:
    return [r for r in (layout.header, layout.block, layout.hint, layout.fps) if r is not None]


CASES = [pytest.param(w, h, name, id=f"{w}x{h}-{name.replace(' ', '-')}") for w, h in RESOLUTIONS for name in BOXES]


@pytest.mark.parametrize(("w", "h", "where"), CASES)
def test_the_coach_never_covers_the_person(w: int, h: int, where: str) -> None:
    image = background(w, h)
    box = box_px(w, h, BOXES[where])
    out = draw_coach(image, state(box))
    x0, y0, x1, y1 = box
    inside = changed(out[y0:y1, x0:x1], image[y0:y1, x0:x1])
    assert inside.mean() <= 0.001, f"{inside.mean():.2%} of the person's box drawn over"


@pytest.mark.parametrize(("w", "h", "where"), CASES)
def test_cue_hold_bar_and_gauge_are_all_drawn_off_the_person(w: int, h: int, where: str) -> None:
    image = background(w, h)
    st = state(box_px(w, h, BOXES[where]))
    out = draw_coach(image, st)
    layout = coach_layout(image, st)
    gx0, gy0, gx1, gy1 = layout.gauge
    assert colour_mask(out[gy0:gy1, gx0:gx1], coach.GAUGE_BAND_BGR).mean() > 0.05
    assert colour_mask(out[gy0:gy1, gx0:gx1], coach.GAUGE_TRACK_BGR).mean() > 0.2
    assert layout.hold is not None
    qx0, qy0, qx1, qy1 = layout.hold
    assert (colour_mask(out[qy0:qy1, qx0:qx1], coach.HOLD_FILL_BGR).mean(axis=0) > 0.5).mean() == pytest.approx(
        0.25, abs=0.03)
    bx0, by0, bx1, by1 = layout.block
    assert colour_mask(out[by0:gy0, bx0:bx1], coach.CUE_BGR["stop"], tol=20).sum() > 20, "no cue text"
    assert layout.header is not None
    hx0, hy0, hx1, hy1 = layout.header
    assert changed(out[hy0:hy1, hx0:hx1], image[hy0:hy1, hx0:hx1]).mean() > 0.5, "no header panel"


@pytest.mark.parametrize(("w", "h", "where"), CASES)
def test_everything_drawn_stays_inside_its_panel_and_the_frame(w: int, h: int, where: str) -> None:
    image = background(w, h)
    st = state(box_px(w, h, BOXES[where]))
    out = draw_coach(image, st)
    layout = coach_layout(image, st)
    allowed = np.zeros((h, w), bool)
    for x0, y0, x1, y1 in drawn_rects(layout):
        assert 0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h, (x0, y0, x1, y1)
        allowed[y0:y1, x0:x1] = True
    stray = changed(out, image) & ~allowed
    assert not stray.any(), f"{stray.sum()} pixels drawn outside the panels (text overflowing?)"
    for a, b in ((layout.header, layout.block), (layout.block, layout.fps), (layout.header, layout.fps)):
        assert a is not None and b is not None
        assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), f"{a} overlaps {b}"


@pytest.mark.parametrize(("w", "h"), RESOLUTIONS)
def test_panels_are_translucent(w: int, h: int) -> None:
    image = background(w, h)
    for box in (None, box_px(w, h, BOXES["lying in the bottom third"])):
        st = state(box)
        out = draw_coach(image, st)
        layout = coach_layout(image, st)
        for x0, _, _, y1 in (layout.block, layout.header):
            y, x = y1 - 2, x0 + 2  # the panel's corner: no text or bar there
            pixel, under = out[y, x].astype(int), image[y, x].astype(int)
            assert (np.abs(pixel - np.array(coach.PANEL_BGR)) > 10).any(), "an opaque panel"
            assert (np.abs(pixel - under) > 10).any(), "no panel at all"
            expected = coach.PANEL_ALPHA * np.array(coach.PANEL_BGR) + (1 - coach.PANEL_ALPHA) * under
            assert np.abs(pixel - expected).max() <= 2


@pytest.mark.parametrize(("w", "h"), RESOLUTIONS)
def test_without_a_person_box_the_layout_is_the_usual_one(w: int, h: int) -> None:
    image = background(w, h)
    st = state(None)
    layout = coach_layout(image, st)
    assert layout.gauge == gauge_rect(image) == gauge_rect(image, st)
    assert layout.hold == hold_rect(image) == hold_rect(image, st)
    assert layout.block[3] >= h - 0.03 * min(w, h) and layout.gauge[3] > 0.9 * h, "the gauge is at the bottom"
    assert layout.block[0] <= 0.03 * w and layout.block[2] >= 0.97 * w, "across the frame"
    assert layout.header is not None and layout.header[:2] == (int(8 * coach.scale_for(image)),) * 2
    assert layout.fps is not None and layout.fps[2] > 0.9 * w and layout.fps[1] < 0.05 * h
    out = draw_coach(image, st)
    band_rows = np.flatnonzero(colour_mask(out, coach.GAUGE_BAND_BGR).any(axis=1))
    assert band_rows.size and band_rows.min() > 0.85 * h
    # A person who is not under any panel moves nothing.
    small = (int(0.45 * w), int(0.3 * h), int(0.55 * w), int(0.5 * h))
    assert coach_layout(image, state(small)) == layout
    assert np.array_equal(draw_coach(image, state(small)), out)


def test_the_layout_scales_with_the_frame() -> None:
    """The same pieces take the same share of the frame's short side at every resolution."""
    shares = []
    for w, h in RESOLUTIONS:
        layout = coach_layout(background(w, h), state(None))
        short = min(w, h)
        assert layout.header is not None
        shares.append(((layout.block[3] - layout.block[1]) / short, (layout.header[3] - layout.header[1]) / short,
                       (layout.gauge[3] - layout.gauge[1]) / short))
    shares_arr = np.array(shares)
    assert (shares_arr.max(axis=0) / shares_arr.min(axis=0) < 1.3).all(), shares_arr
    landscape = coach_layout(background(1280, 720), state(None))
    assert (landscape.block[3] - landscape.block[1]) / 720 < 0.33, "the bottom block is no taller than before"


@pytest.mark.parametrize(("w", "h"), RESOLUTIONS)
def test_view_hint_goes_off_a_standing_person_and_stays_readable(w: int, h: int) -> None:
    image = background(w, h)
    box = box_px(w, h, (0.38, 0.05, 0.62, 0.97))  # standing in the middle
    hint = "Step back: your hips are out of frame"
    st = state(box, cue="", view_hint=hint)
    out = draw_coach(image, st)
    layout = coach_layout(image, st)
    assert layout.hint is not None
    x0, y0, x1, y1 = layout.hint
    assert colour_mask(out[y0:y1, x0:x1], coach.HINT_BGR, tol=30).sum() > 40
    # the text is no smaller than 60% of the usual size: its ink is at least a few pixels tall
    rows = np.flatnonzero(colour_mask(out[y0:y1, x0:x1], coach.HINT_BGR, tol=30).any(axis=1))
    assert rows.max() - rows.min() >= 0.6 * 20 * coach.scale_for(image)
    bx0, by0, bx1, by1 = box
    assert not changed(out[by0:by1, bx0:bx1], image[by0:by1, bx0:bx1]).any()


def test_a_person_filling_the_frame_still_gets_a_coach() -> None:
    image = background(1280, 720)
    st = state((0, 0, 1280, 720))
    out = draw_coach(image, st)
    layout = coach_layout(image, st)
    gx0, gy0, gx1, gy1 = layout.gauge
    assert colour_mask(out[gy0:gy1, gx0:gx1], coach.GAUGE_BAND_BGR).mean() > 0.05


def test_person_box_from_landmarks() -> None:
    xy = np.full((33, 2), np.nan)
    xy[:4] = [[100.0, 200.0], [300.0, 250.0], [200.0, 300.0], [150.0, 220.0]]
    # 200 x 100 px around the joints, widened by 5% of the longer side (10 px) on every side
    assert person_box(xy, (640, 360), margin=0.05) == (90, 190, 310, 310)
    xy[4] = [-50.0, 400.0]  # a landmark guessed outside the frame: the box stops at the frame's edge
    assert person_box(xy, (640, 360), margin=0.0) == (0, 200, 300, 360)
    assert person_box(np.full((33, 2), np.nan), (640, 360)) is None  # no person
    assert person_box(None, (640, 360)) is None
    assert person_box(np.full((33, 2), 1000.0), (640, 360)) is None  # entirely off the frame


def test_state_without_a_box_keeps_working_for_old_callers() -> None:
    assert CoachState().person_box_xyxy is None
    out = draw_coach(background(640, 480), CoachState(value_deg=10.0, band_deg=(0.0, 30.0)))
    assert colour_mask(out[int(0.85 * 480):], coach.GAUGE_BAND_BGR).any()


def test_columns_beside_the_person_come_in_tenths_of_the_frame() -> None:
    """A block beside a standing person keeps its width while their edge moves a little."""
    w, h = 1280, 720
    image = background(w, h)
    widths = set()
    for x0 in range(560, 600, 4):
        layout = coach_layout(image, state((x0, 40, x0 + 240, 700)))
        widths.add(layout.block[2] - layout.block[0])
    m = int(8 * coach.scale_for(image))
    assert len(widths) == 1 and widths.pop() % ((w - 2 * m) // 10) <= 9


def test_steady_box_grows_at_once_and_shrinks_after_the_hold() -> None:
    steady = coach.SteadyBox(hold_s=1.0)
    assert steady.update((100, 100, 200, 300), 0) == (100, 100, 200, 300)
    assert steady.update((80, 120, 190, 300), 100) == (80, 100, 200, 300)  # an arm out: grows at once
    assert steady.update((120, 120, 190, 280), 900) == (80, 100, 200, 300)  # still held
    assert steady.update((120, 120, 190, 280), 1050) == (80, 120, 190, 300)  # the first box is 1.05 s old
    assert steady.update((120, 120, 190, 280), 1150) == (120, 120, 190, 280)
    assert steady.update(None, 2000) == (120, 120, 190, 280)  # nobody for 0.85 s: held
    assert steady.update(None, 2200) is None  # nobody for longer than the hold
    assert steady.update((10, 10, 20, 20), 3000) == (10, 10, 20, 20)
    assert steady.update((30, 30, 40, 40), 0) == (30, 30, 40, 40)  # time went back (a new clip): starts again


def _uncached(image: np.ndarray, st: CoachState) -> tuple[np.ndarray, coach.CoachLayout]:
    from formcheck.coach import layout

    layout._planned.cache_clear()
    return draw_coach(image, st), coach_layout(image, st)


# A session's frames: the value, the hold time and the frame rate change every frame; the cue, the counts, the
# view guidance and the person's box now and then (the box within a grid cell and across cells).
SESSION = [
    dict(value_deg=20.0, hold_s=0.0, fps=24.0),
    dict(value_deg=-125.0, hold_s=2.5, fps=31.0),
    dict(value_deg=float("nan"), hold_s=9.9, fps=100.0),
    dict(value_deg=48.0, cue="Keep your hips square and turn only your upper back, slowly"),
    dict(value_deg=48.0, cue=""),
    dict(value_deg=55.0, counts=(SideCount("L", 7, 10, True), SideCount("R", 5, 10))),
    dict(value_deg=55.0, view_hint="Turn side-on to the camera so I can see your back"),
    dict(value_deg=55.0, fps=None, paused=True),
    dict(value_deg=12.0, metric_label="Thoracic extension relative to neutral", band_deg=(-10.0, 170.0)),
    dict(value_deg=12.0, hold_target_s=0.0, band_deg=None),
]


@pytest.mark.parametrize(("w", "h"), [(640, 480), (360, 640), (1280, 720), (320, 240)])
def test_the_cached_layout_draws_exactly_what_an_uncached_one_draws(w: int, h: int) -> None:
    """Frame after frame, with layout inputs changed and unchanged, the cached layout gives the same picture
    and the same places as measuring everything again."""
    from formcheck.coach import layout

    image = background(w, h)
    boxes = [box_px(w, h, (0.30, 0.20, 0.70, 0.98)), box_px(w, h, (0.31, 0.21, 0.70, 0.98)),
             box_px(w, h, (0.05, 0.20, 0.45, 0.98)), None]
    layout._planned.cache_clear()
    frames = [(box, changes) for box in boxes for changes in SESSION]
    for box, changes in frames * 2:  # the second time round every layout comes from the cache
        st = state(box, **changes)
        cached, cached_layout = draw_coach(image, st), coach_layout(image, st)
        expected, expected_layout = _uncached(image, st)
        assert cached_layout == expected_layout, (box, changes)
        assert np.array_equal(cached, expected), (box, changes)
        layout._planned(h, w, layout.LayoutInputs.of(st, h, w))  # back into the cache for the next frame


def test_a_frame_whose_layout_inputs_are_unchanged_is_not_measured_again() -> None:
    from formcheck.coach import layout

    image = background(640, 480)
    layout._planned.cache_clear()
    draw_coach(image, state((200, 60, 440, 470), value_deg=20.0, hold_s=1.0, fps=24.0))
    # the value, the hold time, the frame rate and the person's box within its grid cell change: no new layout
    out = draw_coach(image, state((203, 62, 441, 470), value_deg=-31.0, hold_s=4.5, fps=29.0))
    assert layout._planned.cache_info().misses == 1 and layout._planned.cache_info().hits == 1
    assert not np.array_equal(out, draw_coach(image, state((200, 60, 440, 470), value_deg=20.0, hold_s=1.0,
                                                           fps=24.0)))  # yet the frame shows the new values
    before = draw_coach(image, state((200, 60, 440, 470), value_deg=20.0))
    after = draw_coach(image, state((200, 60, 440, 470), value_deg=20.0, cue="Sit tall"))  # a new cue
    assert layout._planned.cache_info().misses == 2  # measured again: the cue's text and its place are new
    assert not np.array_equal(before, after)


def test_a_long_cue_beside_a_centred_person_stays_readable() -> None:
    """A seated person in the middle leaves two narrow columns: a long cue squeezed into one was unreadable
    (about a fifth of its size). The block now goes where its cue keeps a readable size, over the person's
    lower half rather than their head and shoulders."""
    import dataclasses

    from formcheck.coach import layout

    w, h = 640, 480
    box = (200, 40, 440, 480)
    st = state(box, cue="Keep your hips facing forward: turn from your mid-back")
    cue_size = layout._plan(h, w, st).block[1].cue_size
    usual_size = layout._plan(h, w, dataclasses.replace(st, person_box_xyxy=None)).block[1].cue_size
    assert cue_size >= layout.MIN_CUE_SHARE * usual_size
    block = coach_layout(background(w, h), st).block
    assert block[1] >= (box[1] + box[3]) // 2
    short = coach_layout(background(w, h), state(box, cue="Sit tall"))  # a short cue still fits beside them
    assert layout._overlap(short.block, box) == 0
