"""The stresses of ``benchmarks/stress_counts.py`` that copy how people really film (camera moving, lower body out of
the picture, fidgeting before and after the set, partial reps mixed in, low light, a portrait crop): each changes the cached
landmarks as it says, image and world alike, and counting holds up where the benchmark says it does.

Cached landmarks only (no model): the rendered samples of ``benchmarks/landmarks/`` and the real clips of
``benchmarks/real_landmarks/``.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

from formcheck.exercises import load_catalogue
from formcheck.landmarks import Landmark as L
from formcheck.passes import measure_and_count
from formcheck.series import PoseSeries

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import stress_counts as sc  # noqa: E402

CATALOGUE = load_catalogue()


def _load(name: str) -> PoseSeries:
    path = sc.RENDERED / f"{name}.npz"
    if not path.is_file():
        path = sc.REAL / f"{name}.npz"
    return PoseSeries.load_npz(path)[0]


def _pair_distances(xy: np.ndarray) -> np.ndarray:
    """Distances between every pair of shoulders and hips (one frame)."""
    pts = xy[[int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER), int(L.LEFT_HIP), int(L.RIGHT_HIP)]]
    return np.linalg.norm(pts[:, None] - pts[None], axis=-1)


# ----------------------------------------------------------------------------------------------- camera
def test_camera_move_zooms_and_slides_the_picture_only():
    series = _load("standing_rotation_front")
    moved = sc.camera_drift(series)
    a, b = series.arrays(), moved.arrays()
    # the first frame as it was; by the last the body is DRIFT_SCALE times larger in the picture
    np.testing.assert_allclose(b["xy_px"][0], a["xy_px"][0], atol=1e-3)
    off = ~np.eye(4, dtype=bool)
    ratio = _pair_distances(b["xy_px"][-1])[off] / _pair_distances(a["xy_px"][-1])[off]
    np.testing.assert_allclose(ratio, sc.DRIFT_SCALE, rtol=1e-4)
    # the world landmarks (metres about the hips) see neither the zoom nor the slide
    np.testing.assert_allclose(b["world_xyz_m"], a["world_xyz_m"], atol=1e-6)


def test_camera_tilt_turns_the_picture_and_the_world_alike():
    series = _load("scapular_squeeze_side")
    tilted = sc.camera_drift(series, 1.0, (0.0, 0.0), sc.DRIFT_ROLL_DEG)
    a, b = series.arrays(), tilted.arrays()

    def heading_deg(v: np.ndarray) -> float:
        return math.degrees(math.atan2(float(v[1]), float(v[0])))

    for key in ("xy_px", "world_xyz_m"):
        before = a[key][-1, int(L.LEFT_HIP)] - a[key][-1, int(L.LEFT_SHOULDER)]
        after = b[key][-1, int(L.LEFT_HIP)] - b[key][-1, int(L.LEFT_SHOULDER)]
        assert heading_deg(after[:2]) - heading_deg(before[:2]) == pytest.approx(sc.DRIFT_ROLL_DEG, abs=1e-3)
        assert np.linalg.norm(after) == pytest.approx(np.linalg.norm(before), rel=1e-5)  # turned, not stretched


# ------------------------------------------------------------------------------------------ camera view
def _trunk(a: dict[str, np.ndarray], key: str) -> np.ndarray:
    """``shoulder_mid - hip_mid`` on every frame."""
    sh = 0.5 * (a[key][:, int(L.LEFT_SHOULDER)] + a[key][:, int(L.RIGHT_SHOULDER)])
    return sh - 0.5 * (a[key][:, int(L.LEFT_HIP)] + a[key][:, int(L.RIGHT_HIP)])


@pytest.mark.parametrize("azimuth_deg, elevation_deg", [(30.0, 0.0), (-30.0, 0.0), (0.0, 20.0), (0.0, -20.0)])
def test_camera_view_turns_the_world_rigidly(azimuth_deg, elevation_deg):
    series = _load("cat_cow_side")
    turned = sc.camera_view(series, azimuth_deg, elevation_deg)
    a, b = series.arrays()["world_xyz_m"].astype(float), turned.arrays()["world_xyz_m"].astype(float)
    # lengths are kept (every landmark's distance from the hips and from each other): a turn, not a stretch
    np.testing.assert_allclose(np.linalg.norm(b, axis=-1), np.linalg.norm(a, axis=-1), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(b[:, 0] - b[:, 11], axis=-1),
                               np.linalg.norm(a[:, 0] - a[:, 11], axis=-1), atol=1e-5)
    if elevation_deg == 0.0:  # round the vertical axis: heights unchanged, headings turned by the azimuth
        np.testing.assert_allclose(b[..., 1], a[..., 1], atol=1e-6)
        d_a, d_b = _trunk({"w": a}, "w"), _trunk({"w": b}, "w")
        turn = np.degrees(np.arctan2(d_a[:, 2], d_a[:, 0]) - np.arctan2(d_b[:, 2], d_b[:, 0]))
        assert np.median((turn + 180.0) % 360.0 - 180.0) == pytest.approx(azimuth_deg, abs=1e-3)
    else:  # round the camera's horizontal axis: x unchanged
        np.testing.assert_allclose(b[..., 0], a[..., 0], atol=1e-6)


def test_camera_view_foreshortens_a_side_view_in_the_picture():
    # plank side-on: the trunk lies along the picture's x with little depth, so turning the camera 30 deg round
    # the person shortens it by cos(30 deg); raising the camera 20 deg leaves its x alone
    series = _load("plank_side")
    a = series.arrays()
    for az in (30.0, -30.0):
        b = sc.camera_view(series, az, 0.0).arrays()
        ratio = np.nanmedian(np.abs(_trunk(b, "xy_px")[:, 0]) / np.abs(_trunk(a, "xy_px")[:, 0]))
        assert ratio == pytest.approx(math.cos(math.radians(30.0)), abs=0.03)
        np.testing.assert_allclose(b["xy_px"][..., 1], a["xy_px"][..., 1], atol=1e-3)  # heights unchanged
    # a person upright (thoracic extension, side-on): the trunk's height in the picture shortens by cos(20 deg)
    series = _load("thoracic_extension_side")
    a = series.arrays()
    for el in (20.0, -20.0):
        b = sc.camera_view(series, 0.0, el).arrays()
        ratio = np.nanmedian(np.abs(_trunk(b, "xy_px")[:, 1]) / np.abs(_trunk(a, "xy_px")[:, 1]))
        assert ratio == pytest.approx(math.cos(math.radians(20.0)), abs=0.03)
        np.testing.assert_allclose(b["xy_px"][..., 0], a["xy_px"][..., 0], atol=1e-3)


def test_camera_view_keeps_the_body_at_its_place_and_the_hips_at_depth_zero():
    series = _load("glute_bridge_side")
    b = sc.camera_view(series, 30.0, 20.0).arrays()
    a = series.arrays()
    hips_a = np.nanmedian(a["xy_px"][:, sc.HIPS].mean(axis=1), axis=0)
    hips_b = np.nanmedian(b["xy_px"][:, sc.HIPS].mean(axis=1), axis=0)
    np.testing.assert_allclose(hips_b, hips_a, atol=0.05 * sc.trunk_px(sc.copy_arrays(series)))
    np.testing.assert_allclose(b["z_px"][:, sc.HIPS].mean(axis=1), 0.0, atol=1e-3)
    assert sc.camera_view(series, 30.0, 0.0).resolution_wh == series.resolution_wh


def test_a_side_view_filmed_30_deg_off_still_counts():
    # the rendered squeeze filmed side-on, MediaPipe reads its pelvis 72 deg off the front; the camera 30 deg round
    # towards the person's front reads 42: a side view to the person who put the phone there, and it must count
    series = _load("scapular_squeeze_side")
    exercise = CATALOGUE["scapular-squeeze"]
    base, got = sc.counts(series, exercise), sc.counts(sc.camera_view(series, sc.VIEW_AZIMUTH_DEG, 0.0), exercise)
    assert got["refused_share"] < 0.1
    assert got["reps"] == base["reps"] == {"all": (4, 0)}


@pytest.mark.parametrize("name", ["cat_cow_side", "glute_bridge_side"])
def test_a_camera_far_off_side_on_is_told_to_turn_rather_than_counted(name):
    # 60 deg round towards the front (a camera nearer in front than beside): the coach asks for the side view
    series = _load(name)
    exercise = CATALOGUE[sc.rendered_clips_by_name()[name]["exercise"]]
    counted = measure_and_count(sc.camera_view(series, 60.0, 0.0), exercise)
    hints = [f.view_hint for f in counted.feedback if f is not None]
    assert sum(h == "Turn side-on to the camera" for h in hints) >= 0.9 * len(counted.feedback)
    assert counted.session_summary["reps"]["all"]["full"] == 0


# ------------------------------------------------------------------------------------------ lower body
def test_lower_body_out_ends_the_picture_just_past_the_hips():
    series = _load("seated_rotation_front")
    cropped = sc.lower_body_out(series)
    assert cropped is not None
    w, h = cropped.resolution_wh
    a = cropped.arrays()
    assert w == series.resolution_wh[0] and h < series.resolution_wh[1]
    hips_y = a["xy_px"][:, sc.HIPS, 1]
    assert (hips_y < h).all(axis=1).mean() >= 0.9  # the hips in the picture (at its edge)
    assert (a["visibility"][:, sc.BELOW_HIPS] == pytest.approx(0.05))
    np.testing.assert_allclose(a["visibility"][:, sc.HIPS],
                               sc.HIPS_AT_EDGE_VISIBILITY * series.arrays()["visibility"][:, sc.HIPS], rtol=1e-5)


def test_lower_body_out_of_a_person_lying_crops_the_legs_side():
    series = _load("glute_bridge_side")
    cropped = sc.lower_body_out(series)
    assert cropped is not None
    assert cropped.resolution_wh[1] == series.resolution_wh[1]
    assert cropped.resolution_wh[0] < series.resolution_wh[0]


# -------------------------------------------------------------------------------------------------- fidget
@pytest.mark.parametrize("name", ["standing_rotation_front", "cat_cow_side"])
def test_a_fidget_before_and_after_the_set_is_near_rest_and_counts_nothing(name):
    series = _load(name)
    exercise = CATALOGUE[sc.rendered_clips_by_name()[name]["exercise"]]
    at_start, at_end = sc.fidget_ends(series, exercise)
    assert at_start or at_end
    fidgety = sc.fidget(series, exercise)
    assert fidgety is not None
    step = float(np.median(np.diff(series.timestamps_ms)))
    n = int(round(sc.FIDGET_S * 1000.0 / step))
    before, after = n * at_start, n * at_end
    assert len(fidgety) == len(series) + before + after
    a, b = series.arrays(), fidgety.arrays()
    np.testing.assert_allclose(b["xy_px"][before:before + len(series)], a["xy_px"], atol=1e-3)  # the set itself
    base = measure_and_count(series, exercise)
    got = measure_and_count(fidgety, exercise)
    # the fidget stays short of 'enter' as counting measures it...
    enter_p = exercise.rep.threshold_progress(exercise.rep.enter)
    fidget_frames = np.r_[0:before, before + len(series):len(fidgety)]
    progress = sc._progress([got.measurements[i] for i in fidget_frames], exercise)
    assert np.nanmax(progress) < enter_p
    # ...and the set counts as it did
    assert got.session_summary["reps"] == base.session_summary["reps"]


# --------------------------------------------------------------------------------------------- partial rep
@pytest.mark.parametrize("name", ["standing_rotation_front", "glute_bridge_side"])
def test_a_partial_rep_mixed_in_counts_as_partial_and_leaves_the_full_reps(name):
    series = _load(name)
    exercise = CATALOGUE[sc.rendered_clips_by_name()[name]["exercise"]]
    made = sc.partial_rep(series, exercise)
    assert made is not None
    stressed, side = made
    base = measure_and_count(series, exercise).session_summary["reps"]
    got = measure_and_count(stressed, exercise)
    # the partial rep peaks between 'enter' and the target's near edge, by the exercise's own thresholds
    enter_p = exercise.rep.threshold_progress(exercise.rep.enter)
    lo_p = exercise.rep.threshold_progress(exercise.target.lo)
    partial = [r for r in got.records if not r.complete]
    assert len(partial) == 1
    assert enter_p < exercise.rep.progress(partial[0].peak_deg)[0] < lo_p
    expected = {k: dict(v) for k, v in base.items()}
    expected[side]["partial"] += 1
    assert {k: (v["full"], v["partial"]) for k, v in got.session_summary["reps"].items()} == \
        {k: (v["full"], v["partial"]) for k, v in expected.items()}


# ---------------------------------------------------------------------------------------------- low light
def test_low_light_lowers_visibility_adds_noise_and_loses_single_frames():
    series = _load("seated_rotation_front")
    dim = sc.low_light(series)
    a, b = series.arrays(), dim.arrays()
    lost = ~np.isfinite(b["xy_px"]).all(axis=(1, 2))
    assert 0.01 < lost.mean() < 0.06
    kept = ~lost
    assert (b["visibility"][kept] < a["visibility"][kept] + 1e-6).all()
    assert np.median(b["visibility"][kept]) < np.median(a["visibility"][kept])
    noise_px = np.std(b["xy_px"][kept] - a["xy_px"][kept])
    assert noise_px == pytest.approx(sc.LOW_LIGHT_NOISE * sc.trunk_px(sc.copy_arrays(series)), rel=0.1)


# ------------------------------------------------------------------------------------------------ portrait
def test_a_portrait_crop_expects_the_turns_it_leaves_in_view_and_none_it_hides():
    # The real Russian twist cropped to a portrait picture: the far (left) shoulder leaves the picture on the
    # left turns, up to 28 px past the edge. A shoulder out of the picture is not a reading: the coach says
    # "Step back" and counting pauses. Two left turns happen wholly out of view (turned less than `enter` when
    # the shoulder left, back past the middle when it came in): they cannot be counted, and are not expected;
    # every turn left in view (one partly: seen starting, bridged) counts as unstressed.
    series, _ = PoseSeries.load_npz(sc.REAL / "trunk_rotation__sebitzu__1.npz")
    exercise = load_catalogue()["seated-thoracic-rotation"]
    cropped = sc.portrait(series)
    assert cropped is not None
    a = cropped.arrays()
    x = a["xy_px"][:, int(L.LEFT_SHOULDER), 0]
    outside = (x < 0) | (x > cropped.resolution_wh[0])
    assert outside.any()
    assert np.all(a["visibility"][outside, int(L.LEFT_SHOULDER)] <= sc.OUTSIDE_VISIBILITY)

    base, got = sc.counts(series, exercise), sc.counts(cropped, exercise)
    assert not sc.holds_up("reps", base, got, "portrait")  # the unstressed count: 2 left turns unseen
    hidden = sc.hidden_reps(base, got)
    assert [side for side, *_ in hidden] == ["left", "left"]
    for _, start_s, end_s, _ in hidden:  # the coach said "Step back" all through each
        span = (got["times_s"] >= start_s) & (got["times_s"] <= end_s)
        assert span.sum() >= 10 and got["blocked"][span].all()
    assert sc.holds_up("reps", sc.in_view(base, hidden), got, "portrait")
    seen = [r for r in base["records"] if r not in hidden]
    assert [r[0] for r in got["records"]] == [r[0] for r in seen]


def test_seed_rates_counts_each_clip_under_each_noise_seed(capsys):
    held, tried = sc.seed_rates(["glute_bridge_side"], 2)
    assert (held, tried) == (2, 2)
    out = capsys.readouterr().out
    assert "glute_bridge_side" in out and "2/2 seeds" in out and "jitter over 2 seeds: 2/2" in out
