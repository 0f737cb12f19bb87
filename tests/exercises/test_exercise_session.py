"""ExerciseSession end to end on synthetic measurements: set-up, view guidance, statuses, cues, summary."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from exercise_series import Series, measurements
from formcheck.exercises import ExerciseSession, load_catalogue
from formcheck.exercises import feedback as fb
from formcheck.exercises.counting import RepCounter
from formcheck.exercises.feedback import Cue, CueSelector
from formcheck.exercises.loader import FORBIDDEN_PHRASES
from formcheck.exercises.model import FormRule
from formcheck.types import Measurement

CATALOGUE = load_catalogue()
ROTATION = CATALOGUE["seated-thoracic-rotation"]
CAT_COW = CATALOGUE["cat-cow"]
PLANK = CATALOGUE["plank"]


def run(exercise, ms: list[Measurement]):
    session = ExerciseSession(exercise)
    feedback = [session.update(m) for m in ms]
    session.close()
    return session, feedback


def rotation_session(peaks, hold_s=11.0, settle_s=1.5, **kwargs):
    s = Series(30).hold(settle_s, 0.0)
    for peak in peaks:
        s.rep(peak, hold_s=hold_s)
    return run(ROTATION, measurements(ROTATION, s.samples, **kwargs))


# ------------------------------------------------------------------------------------------------- set-up
def test_set_up_movement_before_the_first_rep_is_not_counted():
    s = Series(30).sine(6.0, centre=0.0, amplitude=30.0, period_s=2.0)  # sitting down, fidgeting
    settling = len(s.samples)
    s.move(0.0, 0.2).hold(0.5, 0.0)
    for peak in (45.0, -45.0):
        s.rep(peak, hold_s=11.0)
    raw = RepCounter(ROTATION)
    for t, v in s.samples:
        raw.update(t, v)
    assert len(raw.records) > 2  # without the set-up gate the fidgeting would count
    postures = [() if i < settling else ("upright",) for i in range(len(s.samples))]  # not yet sitting upright
    session, feedback = run(ROTATION, measurements(ROTATION, s.samples, posture=postures))
    assert [(r.side, r.complete) for r in session.records] == [("left", True), ("right", True)]
    assert {f.status for f in feedback[: 6 * 30]} == {fb.GETTING_READY}
    assert feedback[0].cue == "Sit or stand up tall to start"  # names what blocks: the start posture


def test_counting_starts_in_the_start_posture_without_waiting_for_stillness():
    # Real people never pause: a person already upright and turning counts from the posture alone.
    s = Series(30)
    for peak in (45.0, -45.0, 45.0):
        s.rep(peak, out_s=0.8, hold_s=11.0, back_s=0.8, rest_s=0.0)
    session, feedback = run(ROTATION, measurements(ROTATION, s.samples))
    ready = next(i for i, f in enumerate(feedback) if f.status != fb.GETTING_READY)
    assert ready == round(ROTATION.setup.settle_s * 30)  # settle_s in the posture, no stillness asked
    assert [(r.side, r.complete) for r in session.records] == [("left", True), ("right", True), ("left", True)]


def test_continuous_bridges_without_a_pause_all_count():
    bridge = CATALOGUE["glute-bridge"]
    s = Series(30).hold(0.2, -50.0)
    for _ in range(5):  # up and down with no rest at the bottom, as real people do
        s.move(5.0, 1.0).hold(bridge.prescription.hold_s + 0.2).move(-55.0, 1.0)
    session, _ = run(bridge, measurements(bridge, s.samples))
    assert len(session.records) == 5 and all(r.complete for r in session.records)


def test_the_view_is_kept_for_the_set_while_the_body_turns():
    # A standing twist turns the pelvis past the front/side boundary at each peak: the view is decided at the
    # start posture and kept, so the peaks still count.
    standing = CATALOGUE["standing-thoracic-rotation"]
    s = Series(30).hold(0.5, 0.0)
    for peak in (45.0, -45.0):
        s.rep(peak, hold_s=standing.prescription.hold_s + 0.5)
    ms = measurements(standing, s.samples)
    ms = [dataclasses.replace(m, view="side" if abs(m.angles[standing.rep.metric]) > 30 else "front") for m in ms]
    session, feedback = run(standing, ms)
    assert [r.side for r in session.records] == ["left", "right"]
    assert fb.VIEW not in {f.status for f in feedback}


def test_a_hand_out_of_frame_does_not_pause_a_spine_metric():
    s = Series(30).hold(0.5, 0.0)
    for _ in range(3):
        s.rep(30.0, out_s=1.5).rep(-30.0, out_s=1.5)
    ms = measurements(CAT_COW, s.samples, out_of_frame=("wrists",))
    session, feedback = run(CAT_COW, ms)
    assert len(session.records) == 3  # wrists are in cat-cow's view.parts, but spine_flexion_deg does not use them
    assert fb.VIEW not in {f.status for f in feedback}
    assert "Step back: your wrists are out of frame" in {f.cue for f in feedback}  # said, without pausing


# ------------------------------------------------------------------------------------------ view guidance
@pytest.mark.parametrize(("name", "view", "out", "detected", "expected"), [
    ("thread-the-needle", "front", (), True, "Turn side-on to the camera"),
    ("cat-cow", "front", (), True, "Turn side-on to the camera"),
    ("plank", "side", ("hips",), True, "Step back: your hips are out of frame"),
    ("cat-cow", "side", ("head",), True, "Step back: your head is out of frame"),
    ("plank", "side", ("knees", "hips"), True, "Step back: your hips and knees are out of frame"),
    ("plank", "side", (), False, "Step into the camera's view"),
], ids=["thread-facing", "catcow-facing", "hips-out", "head-out", "two-parts-out", "nobody"])
def test_view_guidance_comes_first(name, view, out, detected, expected):
    ex = CATALOGUE[name]
    s = Series(30).hold(2.0, ex.rep.neutral)
    ms = [dataclasses.replace(m, detected=detected) for m in measurements(ex, s.samples, view=view, out_of_frame=out)]
    _, feedback = run(ex, ms)
    assert all(f.status == fb.VIEW and f.cue == expected and f.view_hint == expected for f in feedback)


def test_parts_the_exercise_does_not_need_may_leave_the_frame():
    _, feedback = rotation_session([45.0], out_of_frame=("ankles", "wrists"))
    assert fb.VIEW not in {f.status for f in feedback}


def test_low_visibility_of_a_needed_metric_is_view_guidance():
    s = Series(30).hold(2.0, 0.0)
    ms = [dataclasses.replace(m, visibility={**m.visibility, "trunk_rotation_deg": 0.2})
          for m in measurements(ROTATION, s.samples)]
    _, feedback = run(ROTATION, ms)
    assert feedback[-1].status == fb.VIEW
    assert feedback[-1].cue == "Move so the camera can see your shoulders and hips"


def test_movement_in_the_wrong_view_is_not_counted_and_counting_resumes():
    s = Series(30).hold(1.5, 0.0)
    s.rep(30.0).rep(-30.0)  # done facing the camera: not counted
    wrong_until = len(s.samples)
    s.hold(1.5, 0.0).rep(30.0).rep(-30.0)
    ms = measurements(CAT_COW, s.samples)
    ms = [dataclasses.replace(m, view="front") if i < wrong_until else m for i, m in enumerate(ms)]
    session, _ = run(CAT_COW, ms)
    assert len(session.records) == 1 and session.records[0].start_s > wrong_until / 30


# ----------------------------------------------------------------------------------------- statuses, cues
def test_statuses_follow_the_band_on_the_current_side():
    session, feedback = rotation_session([45.0, -70.0])
    statuses = [f.status for f in feedback]
    assert {fb.BELOW_TARGET, fb.IN_TARGET, fb.ABOVE_TARGET} <= set(statuses)
    right = [f for f in feedback if f.in_rep and f.value < -12]
    assert all((f.target_lo, f.target_hi) == (-60.0, -35.0) for f in right)
    assert any(f.status == fb.ABOVE_TARGET and f.value == -70.0 for f in right)
    left = [f for f in feedback if f.in_rep and f.value > 12]
    assert all((f.target_lo, f.target_hi) == (35.0, 60.0) for f in left)


def test_in_target_status_does_not_flicker_at_the_band_edge():
    s = Series(30).hold(1.5, 0.0).move(36.0, 1.0).jitter(4.0, centre=35.0, amplitude=1.0).move(0.0, 1.0)
    _, feedback = run(ROTATION, measurements(ROTATION, s.samples))
    jitter = feedback[round(2.5 * 30) + 1: round(6.5 * 30)]
    assert {f.status for f in jitter} == {fb.IN_TARGET}  # 34..36 stays in target once inside (margin 2)


def test_cue_selector_keeps_each_cue_up_for_its_minimum_time():
    selector = CueSelector(min_display_s=1.5)
    a, b = Cue("Sit tall", 2), Cue("Keep your hips facing forward", 1)
    shown = [selector.update(i / 30, [a] if i % 2 else [b]) for i in range(300)]  # wants flip every frame
    changes = [i for i in range(1, 300) if shown[i] != shown[i - 1]]
    assert changes and all(later - earlier >= 45 for earlier, later in zip([0] + changes, changes))


def test_view_guidance_replaces_any_cue_at_once():
    selector = CueSelector(min_display_s=1.5)
    selector.update(0.0, [Cue("Sit tall", 2)])
    assert selector.update(0.1, [Cue("Turn side-on to the camera", fb.VIEW_PRIORITY)]).text == \
        "Turn side-on to the camera"


def test_at_most_one_cue_and_the_most_important_wins():
    selector = CueSelector(min_display_s=0.0)
    cue = selector.update(0.0, [Cue("b", 2), Cue("a", 1), Cue("status", fb.STATUS_PRIORITY)])
    assert cue.text == "a"


def test_hips_turning_is_a_compensation_attached_to_the_rep():
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=11.0).rep(-45.0, hold_s=11.0)
    ms = measurements(ROTATION, s.samples)
    first_rep = range(round(2.0 * 30), round(12.0 * 30))
    ms = [dataclasses.replace(m, angles={**m.angles, "pelvis_rotation_deg": 20.0}) if i in first_rep else m
          for i, m in enumerate(ms)]
    session, feedback = run(ROTATION, ms)
    hips = ROTATION.rules[0].cue
    assert session.records[0].cues == (hips,)
    assert session.records[1].cues == ()
    assert any(f.status == fb.COMPENSATION and f.cue == hips and f.cue_level == "warn" for f in feedback)
    assert session.summary()["cues"] == {hips: 1}


def test_a_one_frame_spike_raises_no_cue():
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=11.0)
    ms = measurements(ROTATION, s.samples)
    ms[150] = dataclasses.replace(ms[150], angles={**ms[150].angles, "pelvis_rotation_deg": 30.0})
    session, feedback = run(ROTATION, ms)
    assert fb.COMPENSATION not in {f.status for f in feedback}
    assert session.records[0].cues == ()


def test_rules_compare_against_the_persons_own_start():
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=11.0)
    tilted = {"trunk_lateral_tilt_deg": 8.0, "pelvis_rotation_deg": 9.0}  # their own neutral, every frame
    session, feedback = run(ROTATION, measurements(ROTATION, s.samples, other=tilted))
    assert fb.COMPENSATION not in {f.status for f in feedback}
    assert session.records[0].complete


def test_rules_are_only_checked_in_views_their_metric_is_valid_in():
    shrug = FormRule(name="shrugging", metric="shoulder_elevation_ratio", cue="Keep your shoulders down",
                     priority=1, below=-0.05, from_start=True)  # a front / back view metric
    chin = FormRule(name="chin-poking", metric="head_forward_deg", cue="Head back", priority=2, above=10.0,
                    from_start=True)  # a side view metric
    watch = fb.FormWatch((shrug, chin))
    watch.set_baseline({"shoulder_elevation_ratio": 0.4, "head_forward_deg": 0.0})
    angles = {"shoulder_elevation_ratio": 0.2, "head_forward_deg": 0.0}
    side = Measurement(0, True, angles, {}, "side")
    back = Measurement(0, True, angles, {}, "back")
    assert watch.update(1.0, side, in_rep=False) == []
    assert watch.update(1.0, back, in_rep=False) == []  # must last min_duration_s
    assert [r.name for r in watch.update(1.5, back, in_rep=False)] == ["shrugging"]


@pytest.mark.parametrize(("phase_s", "rushed"), [(0.5, True), (1.5, False)])
def test_cat_cow_tempo_cue(phase_s, rushed):
    s = Series(30).hold(1.5, 0.0)
    for _ in range(3):
        s.move(25.0, phase_s).move(-25.0, 2 * phase_s).move(0.0, phase_s)
    s.hold(2.0)
    session, feedback = run(CAT_COW, measurements(CAT_COW, s.samples, other={"arm_raise_deg": 90.0}))
    slow_down = CAT_COW.rules[-1].cue
    assert len(session.records) == 3
    assert all((slow_down in r.cues) is rushed for r in session.records)
    assert (slow_down in {f.cue for f in feedback}) is rushed


def test_hands_not_under_shoulders_is_watched_in_cat_cow():
    s = Series(30).hold(1.5, 0.0).move(25.0, 1.5).move(-25.0, 3.0).move(0.0, 1.5).hold(1.0)
    _, feedback = run(CAT_COW, measurements(CAT_COW, s.samples, other={"arm_raise_deg": 125.0}))
    assert "Place your hands under your shoulders" in {f.cue for f in feedback}


# ------------------------------------------------------------------------------------------------ holds
def test_hold_feedback_counts_up_and_says_when_it_is_done():
    _, feedback = rotation_session([45.0])
    holds = [f.hold_s for f in feedback]
    assert max(holds) > 11.0 and feedback[-1].hold_s == 0.0
    assert fb.HOLD_DONE_CUE in {f.cue for f in feedback}
    assert all(f.hold_target_s == 10.0 for f in feedback)


def test_plank_session_reads_the_hip_line_as_the_target():
    position = Series(30).hold(1.5, 0.0).move(-80.0, 1.0).hold(25.0).move(0.0, 1.0).hold(1.0)
    hips = [0.0 if i < 5 * 30 else (-25.0 if i < 7 * 30 else 0.0) for i in range(len(position.samples))]
    session, feedback = run(PLANK, measurements(PLANK, position.samples, target_samples=hips))
    assert feedback[6 * 30].status == fb.BELOW_TARGET and feedback[6 * 30].cue == PLANK.cues.below
    assert feedback[6 * 30].metric == "hip_line_deg" and feedback[6 * 30].value == -25.0
    (record,) = session.records
    assert record.hold_s == pytest.approx(27.875 - 7.0, abs=0.1)  # 7 s .. back past -50 deg at 27.875 s
    assert record.complete


# ----------------------------------------------------------------------------------------- counts, summary
def test_counts_per_side_against_the_prescription_and_sets():
    session, feedback = rotation_session([45.0, -45.0, 45.0, 20.0])
    last = feedback[-1]
    counts = {c.side: (c.full, c.partial, c.target) for c in last.counts}
    assert counts == {"left": (2, 1, 3), "right": (1, 0, 3)}
    assert [c.label for c in last.counts] == ["L", "R"]
    assert not last.done and last.set_index == 1
    assert last.reps == tuple(session.records)


def test_done_when_the_prescription_is_complete():
    _, feedback = rotation_session([45.0, -45.0] * 3)
    assert feedback[-1].done
    assert feedback[-1].cue == ROTATION.cues.done


def test_summary_reports_reps_holds_best_rom_and_asymmetry():
    session, _ = rotation_session([45.0, -36.0, 40.0, -30.0])
    summary = session.summary()
    assert summary["reps"] == {"left": {"full": 2, "partial": 0, "prescribed": 3},
                               "right": {"full": 1, "partial": 1, "prescribed": 3}}
    assert summary["best_rom_deg"] == {"left": 45.0, "right": 36.0}
    assert summary["asymmetry"] == {"deg": 9.0, "percent": 20.0}
    assert summary["holds"]["prescribed_s"] == 10.0 and len(summary["holds"]["held_s"]) == 4
    json.dumps(summary, allow_nan=False)  # JSON-ready


def test_summary_without_sides_has_no_asymmetry():
    s = Series(30).hold(1.5, 0.0)
    for _ in range(2):
        s.move(25.0, 1.5).move(-25.0, 3.0).move(0.0, 1.5)
    session, _ = run(CAT_COW, measurements(CAT_COW, s.hold(1.0).samples, other={"arm_raise_deg": 90.0}))
    summary = session.summary()
    assert summary["reps"] == {"all": {"full": 2, "partial": 0, "prescribed": 10}}
    assert summary["asymmetry"] is None and summary["holds"] is None


def test_close_records_a_hold_still_going_at_the_end():
    s = Series(30).hold(1.5, 0.0).move(-80.0, 1.0).hold(21.0)  # a plank held to the end of the recording
    session = ExerciseSession(PLANK)
    for m in measurements(PLANK, s.samples):
        session.update(m)
    assert session.records == []
    (record,) = session.close()
    assert record.complete and session.records == [record]


def test_close_drops_a_turn_that_never_came_back():
    # A turn still out when the recording ends may be cut off mid-movement: not a rep (hand counts agree).
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=11.0).move(45.0, 1.0).hold(12.0)
    session = ExerciseSession(ROTATION)
    for m in measurements(ROTATION, s.samples):
        session.update(m)
    assert session.close() == []
    assert [r.side for r in session.records] == ["left"]


def test_a_metric_geometry_lacks_says_so_instead_of_counting():
    squeeze = CATALOGUE["scapular-squeeze"]
    pending = dataclasses.replace(squeeze, rep=dataclasses.replace(squeeze.rep, metric="scapular_retraction_deg"),
                                  target=dataclasses.replace(squeeze.target, metric="scapular_retraction_deg"))
    m = Measurement(0, True, {"neck_length_ratio": 0.4}, {}, "side")
    f = ExerciseSession(pending).update(m)
    assert f.status == fb.GETTING_READY and "scapular_retraction_deg" in f.cue


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_no_cue_ever_urges_through_pain(name):
    ex = CATALOGUE[name]
    lo = ex.rep.neutral
    far = ex.rep.threshold_progress(ex.target.hi) + 5
    peak = lo - far if ex.rep.mode == "down" else lo + far
    s = Series(30).hold(1.5, lo).rep(peak, hold_s=3.0, neutral=lo).dropout(0.5).hold(1.0, lo)
    ms = measurements(ex, s.samples)
    ms += [dataclasses.replace(ms[-1], timestamp_ms=ms[-1].timestamp_ms + 33 * (i + 1), view="unknown")
           for i in range(3)]
    session = ExerciseSession(ex)
    cues = {session.update(m).cue for m in ms}
    assert cues - {""}
    for cue in cues:
        assert not any(p in cue.lower() for p in FORBIDDEN_PHRASES), cue


def test_feedback_value_is_nan_when_not_measurable():
    s = Series(30).hold(0.5, 0.0).dropout(0.2)
    _, feedback = run(ROTATION, measurements(ROTATION, s.samples))
    assert math.isnan(feedback[-1].value)


def test_a_repeated_timestamp_is_not_counted_twice():
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=11.0)
    ms = measurements(ROTATION, s.samples)
    doubled = [m for pair in zip(ms, ms) for m in pair]
    once, _ = run(ROTATION, ms)
    twice, _ = run(ROTATION, doubled)
    assert [r.csv_row() for r in twice.records] == [r.csv_row() for r in once.records]


def _extension_frame(t_s: float, extension: float, spine: float, hip: float) -> Measurement:
    angles = {"trunk_extension_deg": extension, "spine_flexion_deg": spine, "hip_flexion_deg": hip,
              "head_forward_deg": 0.0}
    return Measurement(int(round(t_s * 1000)), True, angles, {}, "side", posture=("upright",))


def test_calibration_frames_count_as_set_up_but_not_as_start_values():
    """While the neutral is learnt the angles are raw (spine 15 deg here, 0 once calibrated): set-up may
    finish, but the start values of from_start rules come from calibrated frames, so a correct extension
    (spine -10 deg against the trunk) raises no neck cue and the rep starts on time."""
    ex = CATALOGUE["thoracic-extension"]
    session = ExerciseSession(ex)
    fps = 15
    for i in range(int(1.5 * fps)):  # 1.5 s still and calibrating: raw values
        f = session.update(_extension_frame(i / fps, 3.0, 15.0, 80.0), calibrating=True)
        assert f.status == fb.GETTING_READY and not f.in_rep
    for i in range(int(1.5 * fps), int(8 * fps)):
        t = i / fps
        ext = 12.0 if 2.0 <= t < 6.0 else 0.0
        f = session.update(_extension_frame(t, ext, -10.0 if ext else 0.0, 70.0 if ext else 80.0))
        assert f.status != fb.COMPENSATION, t
    (record,) = session.records
    assert record.start_s == pytest.approx(2.0, abs=0.1) and record.cues == ()


# ----------------------------------------------------------------------------- bands from real bodies, cues
def test_a_straight_real_plank_reading_plus_twelve_is_in_the_band():
    # Straight real forearm planks read +0 to +15 deg on the hip line (MediaPipe's hip point sits above the
    # joint seen from the side): the band's pike side is +18, so a +12 plank holds.
    s = Series(30).hold(0.5, 0.0).move(-85.0, 1.0).hold(PLANK.prescription.hold_s + 1.0)
    session, _ = run(PLANK, measurements(PLANK, s.samples, target_samples=[12.0] * len(s.samples)))
    (record,) = session.records
    assert record.complete and record.hold_s >= PLANK.prescription.hold_s


def test_a_real_bridge_top_of_a_second_is_a_full_rep():
    bridge = CATALOGUE["glute-bridge"]
    s = Series(30).hold(0.3, -50.0)
    for top_s in (1.1, 1.3, 0.4):  # real tops last 0.4-1.4 s
        s.move(0.0, 0.8).hold(top_s).move(-50.0, 0.8)
    session, _ = run(bridge, measurements(bridge, s.samples))
    assert [r.complete for r in session.records] == [True, True, False]


def test_no_cue_asks_for_what_the_person_already_does():
    bridge = CATALOGUE["glute-bridge"]
    s = Series(30).hold(0.3, -50.0).move(-15.0, 1.0).hold(0.2).move(0.0, 0.2).hold(3.0).move(-50.0, 1.0)
    _, feedback = run(bridge, measurements(bridge, s.samples))
    entered = next(i for i, f in enumerate(feedback) if f.status == fb.IN_TARGET)
    assert any(f.cue == bridge.cues.below for f in feedback[:entered])  # asked while below the band
    in_band = [f for f in feedback if f.status == fb.IN_TARGET]
    assert in_band and all(f.cue != bridge.cues.below for f in in_band)  # not even for a frame


def test_a_cue_leaves_as_soon_as_it_is_no_longer_wanted():
    selector = CueSelector(min_display_s=1.5)
    cue = Cue("Keep your hips facing forward", 1)
    assert selector.update(0.0, [cue]) == cue
    assert selector.update(0.1, []) == cue  # a one-frame gap does not make it blink
    assert selector.update(0.1 + fb.STALE_S + 0.01, []) is None  # gone well before its 1.5 s


def test_bird_dog_reaching_past_the_edge_of_the_frame_still_counts():
    bird = CATALOGUE["bird-dog"]
    s = Series(30).hold(0.5, bird.rep.neutral)
    for _ in range(3):
        s.rep(175.0, out_s=1.0, hold_s=bird.prescription.hold_s + 0.5, back_s=1.0, neutral=bird.rep.neutral)
    session, feedback = run(bird, measurements(bird, s.samples, out_of_frame=("wrists",)))
    assert len(session.records) == 3  # the elbow stands in for the wrist (geometry.LIMB_FALLBACKS)
    assert fb.VIEW not in {f.status for f in feedback}


def test_a_turn_on_its_way_back_when_the_recording_ends_is_a_rep():
    # Reached the band (35-60) and came back out of it below 35: done, though not yet back to neutral.
    s = Series(30).hold(1.5, 0.0).rep(45.0, hold_s=2.0).move(45.0, 1.0).hold(1.0).move(25.0, 0.5)
    session = ExerciseSession(ROTATION)
    for m in measurements(ROTATION, s.samples):
        session.update(m)
    (last,) = session.close()
    assert last.side == "left" and last.reached_target and not last.complete  # held 1 s of 10: partial
    assert len(session.records) == 2
