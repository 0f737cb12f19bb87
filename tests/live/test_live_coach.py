"""The on-screen coach: a pure drawing function whose colours land where they belong."""

from __future__ import annotations

import numpy as np
import pytest

from formcheck import coach
from formcheck.coach import CoachState, SideCount, draw_card, draw_coach, gauge_rect, hold_rect


def grey(h: int = 480, w: int = 640) -> np.ndarray:
    return np.full((h, w, 3), 120, np.uint8)


def colour_mask(image: np.ndarray, bgr: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return (np.abs(image.astype(int) - np.array(bgr)) <= tol).all(axis=-1)


def band_columns(image: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = gauge_rect(image)
    row = colour_mask(image[(y0 + y1) // 2 : (y0 + y1) // 2 + 1, :], coach.GAUGE_BAND_BGR)[0]
    return np.flatnonzero(row)


STATE = CoachState(title="Seated thoracic rotation", set_text="Left side",
                   counts=(SideCount("L", 6, 10, True), SideCount("R", 5, 10)), cue="Turn a little further",
                   metric_label="Rotation", value_deg=20.0, band_deg=(35.0, 60.0), gauge_range_deg=(-80.0, 80.0),
                   hold_s=2.5, hold_target_s=10.0, fps=24.0)


def test_draw_coach_returns_a_new_image_and_leaves_the_input_alone() -> None:
    image = grey()
    out = draw_coach(image, STATE)
    assert (image == 120).all()
    assert out.shape == image.shape and out.dtype == np.uint8 and not (out == 120).all()


def test_gauge_band_sits_between_its_angles_and_the_marker_shows_out_of_band() -> None:
    out = draw_coach(grey(), STATE)
    x0, y0, x1, y1 = gauge_rect(out)
    cols = band_columns(out)
    # 35..60 deg on a -80..80 gauge
    assert cols.min() == pytest.approx(x0 + (35 + 80) / 160 * (x1 - x0), abs=2)
    assert cols.max() == pytest.approx(x0 + (60 + 80) / 160 * (x1 - x0), abs=2)
    marker = colour_mask(out[y0:y1, x0:x1], coach.MARKER_OUT_BGR)
    xs = np.flatnonzero(marker.any(axis=0)) + x0
    assert abs(xs.mean() - (x0 + (20 + 80) / 160 * (x1 - x0))) < 4


def test_marker_is_white_inside_the_band() -> None:
    state = CoachState(value_deg=45.0, band_deg=(35.0, 60.0), gauge_range_deg=(-80.0, 80.0))
    out = draw_coach(grey(), state)
    x0, y0, x1, y1 = gauge_rect(out)
    assert not colour_mask(out[y0:y1, x0:x1], coach.MARKER_OUT_BGR).any()
    assert colour_mask(out[y0:y1, x0:x1], coach.MARKER_IN_BGR).any()


def test_mirrored_gauge_runs_right_to_left() -> None:
    mirrored = draw_coach(grey(), CoachState(value_deg=0.0, band_deg=(35.0, 60.0), gauge_range_deg=(80.0, -80.0)))
    plain = draw_coach(grey(), CoachState(value_deg=0.0, band_deg=(35.0, 60.0), gauge_range_deg=(-80.0, 80.0)))
    centre = (gauge_rect(plain)[0] + gauge_rect(plain)[2]) / 2
    assert band_columns(plain).min() > centre and band_columns(mirrored).max() < centre


def test_hold_bar_fills_in_proportion() -> None:
    out = draw_coach(grey(), STATE)
    x0, y0, x1, y1 = hold_rect(out)
    row = colour_mask(out[(y0 + y1) // 2 : (y0 + y1) // 2 + 1, x0:x1], coach.HOLD_FILL_BGR)[0]
    assert row.mean() == pytest.approx(0.25, abs=0.02)
    no_hold = draw_coach(grey(), CoachState(value_deg=1.0))
    assert not colour_mask(no_hold, coach.HOLD_FILL_BGR).any()


def test_view_hint_and_cards_draw_at_any_size() -> None:
    for h, w in [(240, 320), (480, 640), (720, 1280), (1080, 1920)]:
        out = draw_coach(grey(h, w), CoachState(view_hint="Step back: your hips are out of frame", value_deg=float("nan")))
        assert colour_mask(out, coach.HINT_BGR, tol=30).any()
        card = draw_card(grey(h, w), "Get ready", ["line one", "line two"], big_text="3", footer="q quit")
        assert card.shape == (h, w, 3) and colour_mask(card, coach.HINT_BGR, tol=30).any()


def test_side_count_text() -> None:
    assert SideCount("L", 6, 10).text() == "L 6/10"
    assert SideCount("", 3).text() == "3"
