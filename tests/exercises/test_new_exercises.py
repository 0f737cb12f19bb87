"""prone-extension and thread-the-needle: they load from the catalogue, and count on synthetic series and bodies.

The series tests feed the rep metric's values straight to :class:`ExerciseSession` (see exercise_series.py);
the body tests pose the synthetic stick body on the floor (test_geometry_new_metrics.floor_pose_arrays),
measure it with formcheck.geometry and count, so the catalogue's metric names, views and signs are checked
against the geometry too.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from exercise_series import Series, measurements
from formcheck.exercises import ExerciseSession, load_catalogue
from formcheck.exercises import feedback as fb
from formcheck.exercises.loader import CATALOGUE_DIR
from formcheck.geometry import METRICS_BY_NAME
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.measure import raw_measurement as measure
from formcheck.types import Measurement, Pose
from test_geometry_new_metrics import floor_pose_arrays

CATALOGUE = load_catalogue()
PRONE = CATALOGUE["prone-extension"]
THREAD = CATALOGUE["thread-the-needle"]
FPS = 30


def run(exercise, ms: list[Measurement]):
    session = ExerciseSession(exercise)
    feedback = [session.update(m) for m in ms]
    session.close()
    return session, feedback


# ------------------------------------------------------------------------------------------------ loading
def test_both_exercises_load_through_the_catalogue_from_their_own_files():
    assert PRONE.source_file == CATALOGUE_DIR / "prone-extension.toml"
    assert THREAD.source_file == CATALOGUE_DIR / "thread-the-needle.toml"
    for ex in (PRONE, THREAD):
        assert ex.title and ex.summary and ex.instructions
        assert all(m in METRICS_BY_NAME for m in ex.metrics)  # measured now, not pending


def test_prone_extension_is_an_absolute_chest_lift_seen_from_the_side():
    rep = PRONE.rep
    assert (rep.metric, rep.mode, rep.neutral) == ("chest_lift_deg", "up", 0.0)
    assert PRONE.view.allowed == ("side",)
    assert not PRONE.setup.calibrate_neutral and PRONE.neutral_calibration_s is None
    assert rep.enter > rep.exit > 0.0  # lying flat (about 0) ends a rep
    assert rep.enter <= PRONE.target.lo < PRONE.target.hi <= 35.0  # a modest lift
    p = PRONE.prescription
    assert p.kind == "reps" and 8 <= p.count <= 10 and 2.0 <= p.hold_s <= 5.0 and not p.per_side


def test_thread_the_needle_counts_turns_per_side_from_the_tabletop():
    rep = THREAD.rep
    assert (rep.metric, rep.mode, rep.positive, rep.negative) == ("trunk_axial_rotation_deg", "sides", "left",
                                                                  "right")
    assert THREAD.setup.calibrate_neutral and METRICS_BY_NAME[rep.metric].relative_to_neutral
    assert set(THREAD.view.allowed) <= set(METRICS_BY_NAME[rep.metric].views)
    assert "side" in THREAD.view.allowed
    assert THREAD.prescription.per_side and THREAD.sides == ("left", "right")


@pytest.mark.parametrize("exercise", [PRONE, THREAD], ids=lambda e: e.name)
def test_sources_say_which_numbers_are_formchecks_own(exercise):
    assert "formcheck's own" in exercise.target.source
    assert "formcheck's own" in exercise.prescription.source


@pytest.mark.parametrize("exercise", [PRONE, THREAD], ids=lambda e: e.name)
def test_safety_notes_say_stop_if_it_hurts_and_name_the_red_flags(exercise):
    safety = " ".join(exercise.safety).lower()
    for words in ("stop if it hurts", "tingling", "numbness", "weakness", "bladder", "bowel", "seek care"):
        assert words in safety


# ----------------------------------------------------------------------------------- prone extension
def prone_session(peaks, hold_s=3.5, flat=1.0, **kwargs):
    s = Series(FPS).hold(1.5, flat)  # lying flat reads about 0-1 deg
    for peak in peaks:
        s.rep(peak, out_s=1.0, hold_s=hold_s, back_s=1.0, neutral=flat, rest_s=1.0)
    return run(PRONE, measurements(PRONE, s.samples, **kwargs))


@pytest.mark.parametrize("n", [1, 3, 10])
def test_prone_lifts_held_in_the_band_count_as_reps(n):
    session, feedback = prone_session([22.0] * n)
    assert len(session.records) == n
    assert all(r.complete and r.side == "" for r in session.records)
    assert feedback[-1].done is (n >= PRONE.prescription.count)


def test_prone_lifts_of_different_heights_each_count_once():
    session, _ = prone_session([12.0, 30.0, 18.0])
    assert [round(r.peak_deg, 6) for r in session.records] == [12.0, 30.0, 18.0]
    assert all(r.complete for r in session.records)


def test_prone_lift_not_held_long_enough_is_partial():
    session, _ = prone_session([22.0], hold_s=1.0)
    (record,) = session.records
    assert record.reached_target and not record.complete


def test_prone_twitches_and_small_lifts_are_not_reps():
    s = Series(FPS).hold(1.5, 1.0).rep(7.0, hold_s=3.0, neutral=1.0)  # never past 'enter'
    s.move(15.0, 0.2).move(1.0, 0.2).hold(1.0)  # past 'enter' for well under a second
    s.jitter(3.0, centre=PRONE.rep.exit, amplitude=1.0)  # noise lying flat, at the exit threshold
    session, _ = run(PRONE, measurements(PRONE, s.samples))
    assert session.records == []


def test_prone_lift_too_high_says_to_lower():
    session, feedback = prone_session([55.0])
    assert fb.ABOVE_TARGET in {f.status for f in feedback}
    assert PRONE.cues.above in {f.cue for f in feedback}
    assert session.records[0].peak_deg == 55.0


def test_prone_extension_filmed_head_on_asks_to_turn_side_on_and_counts_nothing():
    """A head-on camera (as in the real prone press-up clip) makes chest_lift_deg meaningless (~90 deg)."""
    session, feedback = prone_session([22.0, 22.0], view="front")
    assert session.records == []
    assert {f.cue for f in feedback} == {"Turn side-on to the camera"}


def test_prone_neck_cranking_is_a_cue_on_that_rep():
    s = Series(FPS).hold(1.5, 1.0)
    s.rep(22.0, hold_s=3.5, neutral=1.0, rest_s=1.0)
    first_end = len(s.samples)
    s.rep(22.0, hold_s=3.5, neutral=1.0, rest_s=1.0)
    ms = measurements(PRONE, s.samples)
    ms = [dataclasses.replace(m, angles={**m.angles, "spine_flexion_deg": -35.0})
          if 2.0 * FPS < i < first_end - 1.5 * FPS else m for i, m in enumerate(ms)]
    session, feedback = run(PRONE, ms)
    neck = PRONE.rules[0].cue
    assert [r.cues for r in session.records] == [(neck,), ()]
    assert any(f.status == fb.COMPENSATION and f.cue == neck for f in feedback)


# ---------------------------------------------------------------------------------- thread the needle
def turn(s: Series, peak: float, out_s: float = 1.5, hold_s: float = 0.5, back_s: float = 1.5) -> Series:
    return s.rep(peak, out_s=out_s, hold_s=hold_s, back_s=back_s, rest_s=0.3)


def test_thread_the_needle_counts_each_turn_on_its_side():
    """Left arm: reach up (trunk turns left), thread under (turns right); then the right arm, mirrored."""
    s = Series(FPS).hold(1.5, 0.0)
    for _ in range(3):
        turn(turn(s, 30.0), -20.0)
    for _ in range(3):
        turn(turn(s, -30.0), 20.0)
    s.hold(1.0)
    session, feedback = run(THREAD, measurements(THREAD, s.samples))
    assert [r.side for r in session.records] == ["left", "right"] * 3 + ["right", "left"] * 3
    assert all(r.complete for r in session.records)
    counts = {c.side: (c.full, c.partial, c.target) for c in feedback[-1].counts}
    assert counts == {"left": (6, 0, 10), "right": (6, 0, 10)}
    assert session.summary()["best_rom_deg"] == {"left": 30.0, "right": 30.0}


def test_thread_sweeping_straight_from_reach_up_to_thread_under_counts_both_turns():
    s = Series(FPS).hold(1.5, 0.0).move(32.0, 1.5).hold(0.5).move(-22.0, 2.5).hold(1.0).move(0.0, 1.5).hold(1.0)
    session, _ = run(THREAD, measurements(THREAD, s.samples))
    assert [(r.side, r.complete) for r in session.records] == [("left", True), ("right", True)]


def test_thread_tabletop_noise_and_back_rounding_are_not_turns():
    """On real side-view cat-cow clips MediaPipe's reading stays within about +/-4.5 deg of the tabletop."""
    s = Series(FPS).hold(1.5, 0.0).sine(10.0, centre=0.0, amplitude=4.5, period_s=3.0)
    s.jitter(3.0, centre=THREAD.rep.enter - 1.5, amplitude=1.0).hold(1.0, 0.0)
    session, _ = run(THREAD, measurements(THREAD, s.samples))
    assert session.records == []


def test_thread_a_small_turn_is_partial():
    s = turn(Series(FPS).hold(1.5, 0.0), 11.0).hold(1.0)
    session, _ = run(THREAD, measurements(THREAD, s.samples))
    (record,) = session.records
    assert record.side == "left" and not record.complete


def test_thread_sitting_back_is_flagged_on_that_turn():
    s = Series(FPS).hold(1.5, 0.0)
    turn(s, -22.0, hold_s=1.5)
    first_end = len(s.samples)
    turn(s, 30.0).hold(1.0)
    ms = measurements(THREAD, s.samples)
    ms = [dataclasses.replace(m, angles={**m.angles, "hip_flexion_deg": 40.0})  # +40 deg from the start
          if 2.0 * FPS < i < first_end - 1.0 * FPS else m for i, m in enumerate(ms)]
    session, _ = run(THREAD, ms)
    hips = next(r.cue for r in THREAD.rules if r.name == "hips-sitting-back")
    assert [r.cues for r in session.records] == [(hips,), ()]


def test_thread_a_correct_hip_movement_is_not_flagged():
    """A full thread moves hip_flexion_deg -17 to +10 deg from the tabletop on the real clip."""
    s = Series(FPS).hold(1.5, 0.0)
    turn(turn(s, 30.0), -22.0).hold(1.0)
    ms = measurements(THREAD, s.samples)
    ms = [dataclasses.replace(m, angles={**m.angles, "hip_flexion_deg": 0.45 * m.angles[THREAD.rep.metric]})
          for m in ms]  # +13.5 on the reach-up, -10 on the thread
    session, _ = run(THREAD, ms)
    assert all(r.cues == () for r in session.records)


@pytest.mark.parametrize(("out_s", "rushed"), [(0.4, True), (1.0, False)])
def test_thread_a_flick_draws_the_tempo_cue(out_s, rushed):
    s = Series(FPS).hold(1.5, 0.0)
    turn(turn(s, 30.0, out_s=out_s, hold_s=0.0, back_s=out_s), -22.0, out_s=out_s, hold_s=0.0, back_s=out_s)
    s.hold(1.0)
    session, _ = run(THREAD, measurements(THREAD, s.samples))
    slow = next(r.cue for r in THREAD.rules if r.name == "rushing")
    assert len(session.records) == 2
    assert all((slow in r.cues) is rushed for r in session.records)


def test_thread_seen_from_a_view_it_does_not_allow_is_view_guidance():
    s = turn(Series(FPS).hold(1.5, 0.0), 30.0)
    session, feedback = run(THREAD, measurements(THREAD, s.samples, view="back"))
    assert session.records == [] and {f.status for f in feedback} == {fb.VIEW}


# ------------------------------------------------------------------------------ synthetic bodies, measured
def _pose(xy: np.ndarray, xyz: np.ndarray) -> Pose:
    return Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.ones(NUM_LANDMARKS),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=(640, 480))


def run_bodies(exercise, series: Series, angle: str, facing_deg: float, quadruped: bool = False) -> ExerciseSession:
    session = ExerciseSession(exercise)
    for t, value in series.samples:
        xy, xyz = floor_pose_arrays(**{angle: value}, facing_deg=facing_deg, quadruped=quadruped)
        session.update(measure(_pose(xy, xyz), round(t * 1000)))
    session.close()
    return session


@pytest.mark.parametrize("facing_deg", [90.0, -90.0], ids=["head-right", "head-left"])
def test_a_body_lying_face_down_lifting_its_chest_is_counted_side_on(facing_deg):
    s = Series(10).hold(1.5, 0.0)
    for peak in (20.0, 15.0, 25.0):
        s.rep(peak, hold_s=3.5, rest_s=1.0)
    session = run_bodies(PRONE, s, "extension_deg", facing_deg)
    assert [(round(r.peak_deg, 6), r.complete, r.cues) for r in session.records] == [
        (20.0, True, ()), (15.0, True, ()), (25.0, True, ())]


@pytest.mark.parametrize("facing_deg", [90.0, -90.0], ids=["head-right", "head-left"])
def test_a_body_on_hands_and_knees_turning_is_counted_per_side_side_on(facing_deg):
    s = Series(10).hold(1.5, 0.0)
    for peak in (35.0, -25.0, -35.0, 25.0):  # left arm up, under; right arm up, under
        s.rep(peak, out_s=1.5, hold_s=0.5, back_s=1.5, rest_s=0.5)
    session = run_bodies(THREAD, s, "rotation_deg", facing_deg, quadruped=True)
    assert [(r.side, round(r.peak_deg, 6), r.complete) for r in session.records] == [
        ("left", 35.0, True), ("right", -25.0, True), ("right", -35.0, True), ("left", 25.0, True)]


def test_lying_face_down_is_the_start_posture_of_prone_extension():
    """Kneeling up or sitting (trunk upright, ~90 deg) is not counted as a lift: counting waits for lying down."""
    s = Series(FPS).hold(3.0, 88.0).move(1.0, 1.5).hold(1.0)  # kneeling up, then lying down
    upright = len(s.samples)
    s.rep(22.0, hold_s=3.5, neutral=1.0, rest_s=1.0)
    postures = [("upright",) if i < upright - 1.5 * FPS else ("prone", "floor") for i in range(len(s.samples))]
    session, feedback = run(PRONE, measurements(PRONE, s.samples, posture=postures))
    assert [(round(r.peak_deg, 6), r.complete) for r in session.records] == [(22.0, True)]
    assert feedback[0].status == fb.GETTING_READY and feedback[0].cue == "Lie face down to start"


def test_hands_and_knees_is_the_start_posture_of_thread_the_needle():
    s = Series(FPS).hold(2.0, 0.0)
    standing = len(s.samples)
    turn(turn(s.hold(1.0, 0.0), 30.0), -20.0).hold(1.0)
    postures = [("upright",) if i < standing else ("quadruped", "floor") for i in range(len(s.samples))]
    session, feedback = run(THREAD, measurements(THREAD, s.samples, posture=postures))
    assert [r.side for r in session.records] == ["left", "right"]
    assert feedback[0].cue == "Get onto your hands and knees to start"
