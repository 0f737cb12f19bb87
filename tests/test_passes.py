"""The whole-recording passes (formcheck.passes): the neutral is where the person rests, every frame is in one
basis, and plain analyze reads the real turn. Synthetic bodies (exact landmarks) and the cached sample clips.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck.exercises import load_catalogue
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.measure import raw_measurement
from formcheck.passes import find_neutral, measure_and_count, measure_series
from formcheck.series import PoseSeries
from formcheck.types import Pose

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "exercises"))

import accuracy  # noqa: E402
from exercise_series import Series  # noqa: E402

CATALOGUE = load_catalogue()


def body_series(samples: list[tuple[float, float]], angle: str, **fixed: float) -> PoseSeries:
    """A synthetic person whose ``angle`` (a ``synthetic_pose_arrays`` keyword) follows ``samples``."""
    series = PoseSeries(resolution_wh=(640, 480))
    for i, (t, value) in enumerate(samples):
        xy, xyz = synthetic_pose_arrays(**{angle: value}, **fixed)
        ones = np.ones(NUM_LANDMARKS)
        series.append(Pose(xy, np.zeros(NUM_LANDMARKS), xyz, ones, ones, (640, 480)), round(t * 1000), i)
    return series


def test_a_recording_that_starts_turned_learns_its_neutral_where_the_person_rests():
    # Starts mid-twist (40 deg left), then turns right, left and right again, back to the middle in between:
    # the first second is not the neutral, the returns are.
    s = Series(15).hold(1.0, 40.0).move(0.0, 0.8).hold(1.5)
    for peak in (-45.0, 45.0, -45.0):
        s.rep(peak, out_s=0.8, hold_s=2.0, back_s=0.8, rest_s=1.5)
    series = body_series(s.samples, "rotation_deg")
    raw = [raw_measurement(p, t) for p, t in series.poses()]
    neutral = find_neutral(raw, CATALOGUE["seated-thoracic-rotation"])
    assert neutral is not None and neutral.method == "centre"
    assert abs(neutral.values["trunk_rotation_deg"]) < 2.0  # the rest at 0, not the 40 deg start
    at_rest = np.array([abs(s.samples[i][1]) < 5.0 for i in neutral.frames])
    assert at_rest.mean() >= 0.8  # mostly the rests (a few frames passing through the middle)
    first_second = find_neutral(raw, CATALOGUE["seated-thoracic-rotation"], calibrate_s=1.0)
    assert first_second.values["trunk_rotation_deg"] > 35.0  # what the old rule learnt
    counted = measure_and_count(series, CATALOGUE["seated-thoracic-rotation"])
    sides = [r.side for r in counted.records]
    assert sides[-3:] == ["right", "left", "right"]


def test_a_one_way_exercise_starting_lifted_finds_the_rest_it_returns_to():
    ext = CATALOGUE["thoracic-extension"]
    s = Series(15).hold(1.0, 15.0).move(0.0, 1.0).hold(1.5)
    for _ in range(3):
        s.rep(15.0, out_s=1.0, hold_s=3.0, back_s=1.0, rest_s=1.5)
    series = body_series(s.samples, "extension_deg", facing_deg=90.0)
    counted = measure_and_count(series, ext)
    assert counted.neutral is not None and counted.neutral.method == "rest"
    assert abs(counted.neutral.values["trunk_extension_deg"]) < 1.5
    assert len(counted.records) >= 3
    assert all(r.peak_deg == pytest.approx(15.0, abs=1.5) for r in counted.records[-3:])


def test_every_frame_is_in_one_basis():
    s = Series(15).hold(1.0, 40.0).move(0.0, 0.8).hold(2.0).rep(45.0, hold_s=2.0).rep(-45.0, hold_s=2.0)
    series = body_series(s.samples, "rotation_deg")
    ms, neutral = measure_series(series, CATALOGUE["seated-thoracic-rotation"])
    # The same posture reads the same wherever it is in the recording, start included (no raw first second).
    at_start = ms[5].angles["trunk_extension_deg"]
    later = ms[len(ms) // 2].angles["trunk_extension_deg"]
    assert at_start == pytest.approx(later, abs=1e-6)
    assert ms[5].angles["trunk_rotation_deg"] > 25.0  # the turned start reads as a turn


def test_absolute_exercises_learn_no_neutral():
    s = Series(15).hold(2.0, 0.0)
    series = body_series(s.samples, "rotation_deg")
    raw = [raw_measurement(p, t) for p, t in series.poses()]
    for name in ("plank", "glute-bridge", "childs-pose", "bird-dog", "prone-extension"):
        assert find_neutral(raw, CATALOGUE[name]) is None, name


def test_a_scapular_squeeze_counts_from_behind_and_the_side_but_asks_to_turn_from_the_front():
    # From the front MediaPipe's landmarks follow a chin tuck as much as the shoulder blades
    # (benchmarks/scapular_front.py): the coach asks the person to turn rather than count what it cannot see.
    squeeze = CATALOGUE["scapular-squeeze"]
    s = Series(15).hold(1.5, 0.0)
    for _ in range(3):
        s.rep(0.04, out_s=0.7, hold_s=squeeze.prescription.hold_s + 0.5, back_s=0.7, rest_s=1.5)
    for facing, view in ((180.0, "back"), (90.0, "side")):
        counted = measure_and_count(body_series(s.samples, "shoulder_back_m", facing_deg=facing), squeeze)
        assert counted.measurements[0].view == view
        assert [r.complete for r in counted.records] == [True, True, True], facing
    counted = measure_and_count(body_series(s.samples, "shoulder_back_m", facing_deg=0.0), squeeze)
    assert counted.measurements[0].view == "front"
    assert counted.records == []
    assert any(f is not None and f.cue == "Turn your back or your side to the camera" for f in counted.feedback)


def test_plain_analyze_reads_the_real_turn_on_the_rendered_seated_rotation():
    video = accuracy.SAMPLES / "seated_rotation_front.mp4"
    truth = json.loads(accuracy.truth_path(video).read_text())
    series = accuracy.load_cache(video).series
    ms, neutral = measure_series(series, None)  # no exercise: what plain `formcheck analyze` writes
    assert neutral is not None and set(neutral.values) == {"trunk_rotation_deg"}
    fused = accuracy.metric_errors(truth, ms, neutral.frames)["trunk_rotation_deg"]["mae"]
    world = [raw_measurement(p, t) for p, t in series.poses()]
    world_mae = accuracy.metric_errors(truth, world, ())["trunk_rotation_deg"]["mae"]
    assert fused < 4.0 < 15.0 < world_mae  # 1.9 vs about 16 deg


def test_cat_cow_counts_the_seated_variant_on_a_chair():
    # The desk-worker's cat-cow: sitting upright side-on, rounding (head and upper back down) and arching.
    cat_cow = CATALOGUE["cat-cow"]
    assert "upright" in cat_cow.setup.posture
    s = Series(15).hold(1.0, 0.0)
    for _ in range(3):
        s.rep(30.0, out_s=1.2, hold_s=0.5, back_s=1.2, rest_s=0.3).rep(-30.0, out_s=1.2, hold_s=0.5, back_s=1.2,
                                                                        rest_s=0.3)
    counted = measure_and_count(body_series(s.samples, "head_forward_deg", facing_deg=90.0), cat_cow)
    assert counted.measurements[0].posture[:1] == ("upright",)
    assert len(counted.records) == 3 and all(r.reached_target for r in counted.records)
