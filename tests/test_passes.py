"""The whole-recording passes (formcheck.passes): the neutral is where the person rests, every frame is in one
basis, and plain analyze reads the real turn. Synthetic bodies (exact landmarks) and the cached sample clips.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck.exercises import load_catalogue
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.measure import raw_measurement
from formcheck.passes import NO_MIDDLE_REST, find_neutral, measure_and_count, measure_series, sides_midpoint
from formcheck.series import PoseSeries
from formcheck.types import Pose

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "exercises"))

import accuracy  # noqa: E402
from exercise_series import Series, measurements  # noqa: E402

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


def noisy(series: PoseSeries, sd_m: float, seed: int, sd_px: float = 0.0) -> PoseSeries:
    """``series`` with Gaussian noise of ``sd_m`` metres on every world landmark and ``sd_px`` pixels on every
    image landmark (MediaPipe's frame noise)."""
    rng = np.random.default_rng(seed)
    out = PoseSeries(resolution_wh=series.resolution_wh)
    for i, ((pose, t), index) in enumerate(zip(series.poses(), series.frame_indices, strict=True)):
        xyz = pose.world_xyz_m + rng.normal(0.0, sd_m, pose.world_xyz_m.shape)
        xy = pose.xy_px + rng.normal(0.0, sd_px, pose.xy_px.shape) if sd_px > 0 else pose.xy_px
        out.append(Pose(xy, pose.z_px, xyz, pose.visibility, pose.presence, pose.resolution_wh), t, index)
    return out


def two_squeezes() -> Series:
    squeeze = CATALOGUE["scapular-squeeze"]
    s = Series(30).hold(1.5, 0.0)
    for _ in range(2):
        s.rep(0.04, out_s=0.7, hold_s=squeeze.prescription.hold_s + 0.5, back_s=0.7, rest_s=1.5)
    return s


@pytest.mark.parametrize("seed", range(8))
def test_a_squeeze_held_to_the_end_is_not_counted_however_noise_wavers(seed):
    # MediaPipe's noise at rest (about 0.5 deg on a real clip) is larger than the squeeze's hysteresis (0.3): the
    # last frame (unsmoothed at the end of a recording) read as "on its way back" and a third squeeze still held
    # when the recording stopped was counted in 4 of these 8 noisy recordings.
    squeeze = CATALOGUE["scapular-squeeze"]
    s = two_squeezes().move(0.04, 0.7).hold(1.5)
    counted = measure_and_count(noisy(body_series(s.samples, "shoulder_back_m", facing_deg=180.0), 0.004, seed),
                                squeeze)
    assert [r.complete for r in counted.records] == [True, True]


@pytest.mark.parametrize("seed", range(4))
def test_a_squeeze_coming_back_when_the_recording_ends_is_counted_through_the_noise(seed):
    squeeze = CATALOGUE["scapular-squeeze"]
    s = two_squeezes().move(0.04, 0.7).hold(squeeze.prescription.hold_s + 0.5).move(0.01, 0.5)
    counted = measure_and_count(noisy(body_series(s.samples, "shoulder_back_m", facing_deg=180.0), 0.004, seed),
                                squeeze)
    assert [r.complete for r in counted.records] == [True, True, True]


def test_a_real_russian_twist_under_landmark_noise_still_counts_its_last_turn_coming_back_at_the_end():
    # The last turn is on its way back in the clip's last 0.5 s. With 1% landmark noise (the stress benchmark's
    # jitter) its fused rotation has 2.85 deg of frame noise and the last frame alone had come back only 6.6 deg
    # (2.3 times the noise): judged on that frame the turn was dropped. A line through the last frames reads the
    # return with less noise.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stress_counts

    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "trunk_rotation__sebitzu__1.npz")
    counted = measure_and_count(stress_counts.jitter(series), CATALOGUE["seated-thoracic-rotation"])
    assert [r.side for r in counted.records] == ["left", "right", "left", "right", "left", "right", "left"]


@pytest.mark.parametrize("clip", ["real_landmarks/scapular_retraction__bassem__2", "landmarks/scapular_squeeze_side"])
def test_a_squeeze_reads_the_same_from_a_camera_tipped_or_rolled(clip):
    # shoulders_back_deg is the trunk's lean along the body's forward axis, measured against the body's own up at
    # the neutral (the trunk axis there), not the camera's. Against the camera's up, MediaPipe's trunk is not in
    # the plane that up and its left axis span, so a camera 20 deg above / below or rolled 6 deg changed the
    # reading frame by frame: by up to 2.9 deg on the real squeeze (p5-p95 range 9.6 -> 13.1 / 5.8) and 0.8 deg on
    # the rendered one (1.9 -> 1.6 / 2.3, against a target of 0.9), which swapped full and partial reps.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stress_counts

    squeeze = CATALOGUE["scapular-squeeze"]
    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / f"{clip}.npz")

    def reading(s: PoseSeries) -> np.ndarray:
        return np.array([m.angles.get("shoulders_back_deg", math.nan) for m in measure_series(s, squeeze)[0]])

    level = reading(series)
    for turned in (stress_counts.camera_view(series, 0.0, 20.0), stress_counts.camera_view(series, 0.0, -20.0),
                   stress_counts.camera_roll(series, 6.0), stress_counts.camera_roll(series, -6.0)):
        assert np.nanmax(np.abs(reading(turned) - level)) < 0.05


def test_a_real_russian_twist_counts_its_seven_turns_under_16_seeds_of_landmark_noise():
    # The stress benchmark's jitter (1% landmark noise) with 16 seeds, not one: the twist is made leaning back and
    # only 50-65 of its 427 frames are upright enough to learn a rest from, scattered; bridged across the bent
    # frames between them, those made "pauses" deep in the right turns, taken as the rest (seed 1: 4 turns of 7).
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stress_counts

    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "trunk_rotation__sebitzu__1.npz")
    twist = CATALOGUE["seated-thoracic-rotation"]
    turns = ["left", "right", "left", "right", "left", "right", "left"]
    lost = [seed for seed in range(16)
            if [r.side for r in measure_and_count(stress_counts.jitter(series, seed), twist).records] != turns]
    assert lost == []


def test_a_real_russian_twist_does_not_learn_its_rest_from_a_handful_of_frames_passing_the_middle():
    # Under 1% landmark noise (seed 62 of 64) the twist's upright frames near the fused rotation's middle were 3
    # (3.15, 6.21, 6.22 s: 0.05 s at 60 fps), the last two reading +6 deg fused but +17 deg on the raw
    # world-landmark metric (about +4 expected): the shoulders already turned. Learnt as the rest, their narrowed
    # width squeezed every turn to +-32 deg (+-50 unstressed) and the last left turn was lost.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stress_counts

    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "trunk_rotation__sebitzu__1.npz")
    twist = CATALOGUE["seated-thoracic-rotation"]
    records = measure_and_count(stress_counts.jitter(series, 62), twist).records
    assert [r.side for r in records] == ["left", "right", "left", "right", "left", "right", "left"]
    assert min(abs(r.peak_deg) for r in records) > 40.0


def test_moments_without_a_person_do_not_move_the_rest_of_a_real_cat_cow():
    # A real cat-cow that never pauses in the tabletop (cow, a slow cat held 1 s, cow): its rest is the middle
    # peak of where its slow frames lie. Three 0.3 s gaps without a person (the stress benchmark's dropouts) took
    # 9 of that peak's 47 frames and the neutral moved from -2.6 to 11.2 deg: the first cow then read 36 deg and
    # the one cat-cow counted full instead of partial. A moment unseen is read on the line between its neighbours.
    import stress_counts

    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "cat_cow__mpaskows__1.npz")
    cat_cow = CATALOGUE["cat-cow"]
    whole, gaps = measure_and_count(series, cat_cow), measure_and_count(stress_counts.dropouts(series), cat_cow)
    assert whole.neutral is not None and gaps.neutral is not None
    metric = "spine_flexion_deg"
    assert gaps.neutral.values[metric] == pytest.approx(whole.neutral.values[metric], abs=1.0)
    assert [r.complete for r in gaps.records] == [r.complete for r in whole.records]


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


# ----------------------------------------------------------------------------- a rest is a pause
def _continuous_twist(peak_deg: float = 45.0, turns: int = 5) -> Series:
    """A Russian twist: side to side without a pause in the middle, lingering at the left (0.8 s) and only
    touching the right (0.1 s), so most frames lie left of the middle."""
    s = Series(30).move(peak_deg, 0.5)
    for _ in range(turns):
        s.hold(0.8).move(-peak_deg, 0.6).hold(0.1).move(peak_deg, 0.6)
    return s


def test_a_continuous_twist_is_centred_midway_between_its_turns():
    # The middle is only crossed, fast: no frame there is a rest. The neutral is midway between the two sides'
    # typical turns (+-45), not the middle of the value distribution (the old rule: 5 deg left of the middle,
    # every frame read 4.8 deg to the right on average).
    s = _continuous_twist()
    series = body_series(s.samples, "rotation_deg")
    ms, neutral = measure_series(series, CATALOGUE["seated-thoracic-rotation"])
    assert neutral is not None and neutral.note == NO_MIDDLE_REST
    read = np.array([m.angles["trunk_rotation_deg"] for m in ms])
    truth = np.array([v for _, v in s.samples])
    assert abs(float(np.mean(read - truth))) < 2.0
    assert float(np.mean(np.abs(read - truth))) < 3.0
    counted = measure_and_count(series, CATALOGUE["seated-thoracic-rotation"])
    sides = [r.side for r in counted.records]
    assert sides.count("right") == 5 and sides.count("left") >= 5


@pytest.mark.parametrize("seed", range(16))
def test_a_continuous_twist_under_landmark_noise_counts_both_sides(seed):
    # 1 cm world / 3 px image noise: about 3 deg of frame noise on the fused rotation, whose frame-to-frame
    # speed (about 64 deg/s at 30 fps) is above the slow limit. Judged frame by frame, some frames passing
    # through the middle at full speed read as slow, the rest was found 20 deg into the right turns and kept as a
    # pause, and right turns were lost (seeds 1 and 14 on main 30c030d: 0 and 3 of 5 counted; seed 2 kept a raw
    # first neutral that only "dwelt" by noise, 9.5 deg into the left turns).
    s = _continuous_twist()
    series = noisy(body_series(s.samples, "rotation_deg"), 0.01, seed, sd_px=3.0)
    counted = measure_and_count(series, CATALOGUE["seated-thoracic-rotation"])
    assert counted.neutral is not None and counted.neutral.note == NO_MIDDLE_REST
    sides = [r.side for r in counted.records]
    assert sides.count("right") == 5 and sides.count("left") == 5


def test_a_twist_with_rests_in_the_middle_keeps_its_rest_whatever_the_turns():
    # A person who comes back to the middle and pauses (1 s) keeps that rest as neutral, though they turn
    # further left (45) than right (30): re-centring between the turns would read them at +37.5 / -37.5.
    s = Series(30).hold(1.5, 0.0)
    for _ in range(3):
        s.rep(45.0, out_s=1.0, hold_s=3.0, back_s=1.0, rest_s=1.0).rep(-30.0, out_s=1.0, hold_s=3.0, back_s=1.0,
                                                                        rest_s=1.0)
    series = body_series(s.samples, "rotation_deg")
    counted = measure_and_count(series, CATALOGUE["seated-thoracic-rotation"])
    assert counted.neutral is not None and counted.neutral.note == ""
    assert abs(float(np.median([s.samples[i][1] for i in counted.neutral.frames]))) < 1.0  # the pauses
    assert [round(r.peak_deg) for r in counted.records] == [45, -30] * 3


def test_a_rest_is_kept_when_mediapipe_misses_most_of_one_turn():
    """``standing_rot_00`` of the wide render set (MediaPipe's cached landmarks): the person rests at the start,
    between the turns and at the end (truth 0 deg, about 5 s), but MediaPipe reads the 46 deg left turn as 5 deg,
    so the fused rotation's extremes are the right turn and the rest, and its middle is only passed through. The
    rest the person makes is kept (the old rule learnt from 3 frames 6.5 deg into a turn)."""
    wide_cache = pytest.importorskip("wide_cache")
    wide_eval = pytest.importorskip("wide_eval")
    clip = "standing_rot_00_slim_female_r45"
    truth = wide_eval._truth_metric(wide_cache.load_truth(clip), "trunk_rotation_deg")
    counted = measure_and_count(wide_eval.load_series(clip), CATALOGUE["standing-thoracic-rotation"])
    assert counted.neutral is not None and counted.neutral.note == ""
    at_neutral = truth[list(counted.neutral.frames)]
    assert len(at_neutral) >= 30 and abs(float(np.median(at_neutral))) < 1.0


def test_a_side_bend_is_not_the_neutral_of_a_rotation():
    """The wide render set's side bends (MediaPipe's cached landmarks): the person sits upright between bends
    held at 30-50 deg. A side bend reads no rotation on the raw metric either, so the first neutral (raw metric)
    can take in held bends; when the fused rotation's middle is only passed through, that neutral is kept, and
    every neutral-relative metric learnt from the bent frames too (side_bend_02: tilt's neutral from frames bent
    up to 50 deg, its tilt MAE 4.55 -> 5.20 deg once dwells were judged on the smoothed speed; 03 and 04 on main
    9b83237: 41 and 50 deg). Only its upright frames are kept."""
    wide_cache = pytest.importorskip("wide_cache")
    wide_eval = pytest.importorskip("wide_eval")
    from formcheck.rotation import LEAN_FULL_DEG

    clips = [c for c in wide_cache.cached_clips() if c.startswith("side_bend_")]
    assert len(clips) >= 6
    for clip in clips:
        truth = wide_cache.load_truth(clip)
        bend = np.array([abs(f["applied_angles_deg"]["thoracic_lateral_flexion_deg"]
                             + f["applied_angles_deg"]["lumbar_lateral_flexion_deg"]) for f in truth["frames"]])
        counted = measure_and_count(wide_eval.load_series(clip), CATALOGUE[truth["exercise"]])
        assert counted.neutral is not None and len(counted.neutral.frames) >= 3, clip
        assert float(np.max(bend[list(counted.neutral.frames)])) < LEAN_FULL_DEG, clip


def test_a_continuous_cat_cow_learns_the_midpoint_of_its_cats_and_cows():
    # Any two-way movement with no rest in the middle: cats at 40 deg (held 1 s), cows at -20 (touched).
    cat_cow = CATALOGUE["cat-cow"]
    s = Series(30).move(40.0, 0.5)
    for _ in range(4):
        s.hold(1.0).move(-20.0, 0.8).move(40.0, 0.8)
    neutral = find_neutral(measurements(cat_cow, s.samples), cat_cow)
    assert neutral is not None and neutral.note == NO_MIDDLE_REST
    assert neutral.values["spine_flexion_deg"] == pytest.approx(10.0, abs=1.0)
    # ... and one who pauses in the tabletop between them keeps that rest.
    s = Series(30).hold(1.0, 0.0)
    for _ in range(4):
        s.rep(40.0, out_s=0.8, hold_s=1.0, back_s=0.8, rest_s=1.0).rep(-20.0, out_s=0.8, back_s=0.8, rest_s=1.0)
    neutral = find_neutral(measurements(cat_cow, s.samples), cat_cow)
    assert neutral is not None and neutral.note == ""
    assert neutral.values["spine_flexion_deg"] == pytest.approx(0.0, abs=1.0)


def test_sides_midpoint_is_midway_between_the_typical_turns():
    # turning points 50, -20, 40, -30, 50, -20 (no pause between them); small wobbles at 30 are not turns
    turns = np.array([50, 30, 10, -20, 0, 28, 32, 40, 20, 0, -30, -10, 20, 50, 20, 0, -20, 0], dtype=float)
    assert sides_midpoint(turns) == pytest.approx(0.5 * (50.0 + -20.0))
    assert sides_midpoint(np.array([5.0, math.nan, 5.0, 5.0])) == pytest.approx(5.0)


def test_a_metric_that_never_moves_rests_where_it_is():
    # e.g. a rotation read as exactly 0 on every frame (faded out through a whole side bend): one bin of values
    from formcheck.passes import _rest_value

    t = np.arange(0.0, 3.0, 1 / 30)
    for value in (0.0, 7.5, -3.0):
        assert _rest_value(np.full(t.size, value), t, "centre", "sides") == pytest.approx(value)
        assert _rest_value(np.full(t.size, value), t, "low", "up") == pytest.approx(value, abs=1.5)


def test_a_partial_turn_held_between_the_sides_is_a_turning_point_not_the_rest():
    # Thread the needle: a short pause in the tabletop (0 deg), a full turn to the left (22 deg, held), back, a
    # partial turn held a second at 12 deg (longer than any pause at rest), back, then a turn to the right. The
    # partial turn's dwell lies between the two sides' extremes, but the movement reaches it from below and goes
    # back down: a turning point. The rest is where the movement goes out from and comes back to.
    thread = CATALOGUE["thread-the-needle"]
    s = Series(30).hold(0.3, 0.0)
    s.rep(22.0, out_s=0.6, hold_s=1.0, back_s=0.6, rest_s=0.2)
    s.rep(12.0, out_s=0.5, hold_s=1.5, back_s=0.5, rest_s=0.2)
    s.rep(-30.0, out_s=0.8, hold_s=1.0, back_s=0.8, rest_s=0.3)
    neutral = find_neutral(measurements(thread, s.samples), thread)
    assert neutral is not None and neutral.method == "centre"
    assert neutral.values["trunk_axial_rotation_deg"] == pytest.approx(0.0, abs=1.5)


def test_a_rest_between_turns_to_one_side_is_still_the_rest():
    # Three turns to the left, then three to the right, pausing in the middle between them: each pause is reached
    # from and left to one side (the left turns' from above, the right turns' from below), but the movement goes
    # out from it and comes back to it on both sides.
    thread = CATALOGUE["thread-the-needle"]
    s = Series(30).hold(0.5, 3.0)
    for peak in (25.0, 25.0, 25.0, -25.0, -25.0, -25.0):
        s.rep(peak, out_s=0.6, hold_s=0.8, back_s=0.6, neutral=3.0, rest_s=0.5)
    neutral = find_neutral(measurements(thread, s.samples), thread)
    assert neutral is not None and neutral.method == "centre"
    assert neutral.values["trunk_axial_rotation_deg"] == pytest.approx(3.0, abs=1.5)


def test_a_real_thread_the_needle_with_a_partial_rep_counts_it_as_partial():
    # The real goondoc thread the needle with a partial rep spliced in after its full one (the stress benchmark's
    # partial_rep): the partial rep's 1 s dwell at its peak is not the rest.
    import stress_counts

    thread = CATALOGUE["thread-the-needle"]
    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "thoracic_rotation__goondoc__1.npz")
    made = stress_counts.partial_rep(series, thread)
    assert made is not None
    stressed, side = made
    counted = measure_and_count(stressed, thread)
    reps = counted.session_summary["reps"]
    assert side == "left"
    assert (reps["left"]["full"], reps["left"]["partial"]) == (1, 1)
    assert reps["right"]["full"] + reps["right"]["partial"] == 0



def test_of_two_dwells_the_one_the_movement_goes_past_is_the_rest():
    # Thread the needle as the real goondoc clip makes it: from the reach up (-35 deg, out of the start posture:
    # kneeling up) down to the tabletop (4 deg, a pause), the thread (20 deg, held), back through the tabletop and
    # up again. In the start posture the movement dwells twice: the tabletop, which it goes past to -15, and the
    # thread, which it never goes past. The middle of the start frames' spread (8 deg) is no pause.
    thread = CATALOGUE["thread-the-needle"]
    s = Series(30, start=-35.0)
    s.move(4.0, 1.0).hold(0.6, 4.0).move(20.0, 0.5).hold(2.5, 20.0).move(4.0, 0.5).hold(0.4, 4.0).move(-35.0, 1.0)
    posture = [("quadruped",) if value >= -15.0 else ("kneeling",) for _, value in s.samples]
    neutral = find_neutral(measurements(thread, s.samples, posture=posture), thread)
    assert neutral is not None and neutral.method == "centre" and neutral.note != NO_MIDDLE_REST
    assert neutral.values["trunk_axial_rotation_deg"] == pytest.approx(4.0, abs=0.5)


def test_two_held_turns_without_a_pause_between_them_rest_in_the_middle():
    # Both dwells are held turns (the movement goes past neither): no rest of its own, the middle is taken.
    thread = CATALOGUE["thread-the-needle"]
    s = Series(30, start=20.0).hold(1.5)
    for _ in range(2):
        s.move(-20.0, 0.8).hold(1.5).move(20.0, 0.8).hold(1.5)
    neutral = find_neutral(measurements(thread, s.samples), thread)
    assert neutral is not None
    assert neutral.values["trunk_axial_rotation_deg"] == pytest.approx(0.0, abs=1.5)


def test_a_real_thread_the_needle_counts_its_full_rep_under_16_seeds_of_landmark_noise():
    # The stress benchmark's jitter (1% landmark noise) with 16 seeds: the tabletop (3-5 deg) and the thread
    # (16-22 deg) are the start posture's two dwells (the reach up is out of it). A third small dwell made the
    # tabletop the inner one of three; without it (seeds 3, 4, 8) the middle of the spread, 10 deg, was taken as the
    # rest and the thread read 12 deg or less: the full rep was lost.
    import stress_counts

    thread = CATALOGUE["thread-the-needle"]
    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / "real_landmarks" / "thoracic_rotation__goondoc__1.npz")
    lost = [seed for seed in range(16)
            if [(r.side, r.complete) for r in measure_and_count(stress_counts.jitter(series, seed), thread).records]
            != [("left", True)]]
    assert lost == []

# ----------------------------------------------------------------------------- a rest is where the turns go out from
def _rest_beyond_a_side(rest: float = -30.0, right: float = 38.0, left: float = -50.0) -> Series:
    """The wide set's seated_rot_12 as first read (10 fps, the neutral first taken mid-turn): the person rests
    (1.5 s), turns right and holds (2.8 s), rests, turns left and holds, rests; the rest reads beyond 20 deg from
    the left holds' values, not between the two sides'."""
    s = Series(10).hold(1.5, rest)
    s.rep(right, out_s=0.5, hold_s=2.8, back_s=0.5, neutral=rest, rest_s=1.8)
    return s.rep(left, out_s=0.5, hold_s=2.8, back_s=0.5, neutral=rest, rest_s=2.0)


def test_the_rest_is_the_pause_both_sides_turns_go_out_from_and_come_back_to():
    from formcheck.passes import REST_SHARE, _rest_between_turns, _rest_frames

    s = _rest_beyond_a_side()
    t = np.array([ts for ts, _ in s.samples])
    v = np.array([x for _, x in s.samples])
    every = np.ones(v.size, dtype=bool)
    # The histogram rule looks for a dwell between the two sides' values: this rest is not between them.
    assert not (np.abs(v[_rest_frames(v, t, every, "centre", "sides")] + 30.0) < 1.0).all()
    rest = _rest_between_turns(v, t, every)
    assert rest.sum() >= 40 and np.median(v[rest]) == -30.0
    # the pauses, without where a slow turn starts (each pause spans up to the rest band; holds 20 and 68 deg away)
    p10, p90 = np.percentile(v, [10, 90])
    assert np.all(np.abs(v[rest] + 30.0) <= 0.5 * REST_SHARE * (p90 - p10))
    # Held turns are pauses too, but only ever left towards the rest: turns to one side have no rest between turns
    one_side = Series(10).hold(1.5, 0.0).rep(40.0, out_s=0.5, hold_s=2.0, back_s=0.5, rest_s=1.5).rep(
        40.0, out_s=0.5, hold_s=2.0, back_s=0.5, rest_s=1.5)
    v1 = np.array([x for _, x in one_side.samples])
    assert not _rest_between_turns(v1, np.arange(v1.size) / 10.0, np.ones(v1.size, dtype=bool)).any()
    # ... and a continuous twist (no pause in the middle) has none either.
    twist = _continuous_twist()
    v2 = np.array([x for _, x in twist.samples])
    assert not _rest_between_turns(v2, np.arange(v2.size) / 30.0, np.ones(v2.size, dtype=bool)).any()


def test_a_pause_is_not_bridged_across_frames_seen_elsewhere():
    # A turn held 0.6 s at 60 fps, of which only every third frame may be learnt from (the others are seen, but bent
    # sideways): no pause at the rest's level, the person was seen elsewhere two frames in three. The same frames
    # unseen (no value: a short dropout) are a moment the person moved on unseen, and the pause stands.
    from formcheck.passes import _pauses

    t = np.arange(36) / 60.0
    v = np.full(t.size, -40.0)
    ok = np.zeros(t.size, dtype=bool)
    ok[::3] = True
    assert _pauses(v, t, np.ones(t.size, dtype=bool), 80.0, 12.0) != []
    assert _pauses(v, t, ok, 80.0, 12.0) == []
    unseen = np.where(ok, v, np.nan)
    assert [p.tolist() for p in _pauses(unseen, t, ok, 80.0, 12.0)] == [np.flatnonzero(ok).tolist()]


def test_a_rest_read_beyond_one_sides_holds_is_still_the_rest_whatever_the_gains():
    """``seated_rot_12`` of the wide render set (MediaPipe's cached landmarks, camera 30 deg, hands behind the head):
    the first neutral (raw metric) is 3 frames passing through the middle of a turn, so the fused rotation reads
    the rest at -30 deg, the right holds at +38 and the left (towards the camera, under-read) at -44 to -50. With
    most width gains of the fit's grid the histogram merged the rest into the left holds' peak and the refined
    neutral stayed 3 frames mid-turn (truth 28 deg from the rest: held-out MAE 12.1 deg, 8.5 at the shipped gain).
    The person pauses upright at the start, between the turns and at the end: that is the neutral, at any gain."""
    wide_cache = pytest.importorskip("wide_cache")
    wide_eval = pytest.importorskip("wide_eval")
    wide_fit = pytest.importorskip("wide_fit")
    name = "seated_rot_12_tall_slim_female_r30"
    truth = wide_cache.load_truth(name)
    clip = wide_fit._clip(name, "seated_rot", truth["factors"], wide_eval.load_series(name), truth["frames"],
                          truth["exercise"])
    truth = clip.truth_deg - np.nanmedian(clip.truth_deg[:10])  # it starts at rest
    for gain in (1.0, 1.4, 2.0, 3.0):
        for depth_gain in (1.5, 2.5):
            _, frames = wide_fit.measure(clip, {"width_gain_hands_high": gain, "depth_gain": depth_gain})
            at_neutral = truth[list(frames)]
            # the pauses, and a few frames where a turn starts slowly (MediaPipe reads its first 10 deg as rest)
            assert len(frames) >= 30 and abs(float(np.median(at_neutral))) < 0.5, (gain, depth_gain)
            assert np.mean(np.abs(at_neutral) < 1.0) >= 0.7, (gain, depth_gain)
