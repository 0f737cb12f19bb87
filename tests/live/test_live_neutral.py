"""The live coach's neutral follows each exercise's rules (``setup`` in the catalogue), on every exercise.

Exercises measured in absolute angles (``calibrate_neutral = false``: plank, bridge, child's pose, bird dog)
never learn a neutral and report what analyze reports. The others learn it only from frames in the start
posture, seen from an allowed view, inside ``neutral_range`` and still for ``still_s``; each refusal says
why on screen; the neutral is the median of the frames it was learnt from. Synthetic measurements (no
camera, no model): the live loop's ``raw_measurement`` is replaced by the scripted one.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from exercises.exercise_series import Series, measurements
from formcheck.exercises import ExerciseSession, load_catalogue
from formcheck import geometry
from formcheck.geometry import METRIC_NAMES
from formcheck.exercises.feedback import metric_parts, view_guidance, view_instruction
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.live import app
from formcheck.live.app import LiveLoop
from formcheck.live.capture import Captured
from formcheck.live.flow import FlowTimings
from formcheck.live.inference import Processed
from formcheck.live.neutral import (AWAY, HOLD_STILL, MOVING, POSTURE, VIEW, HeldRows, LiveNeutral, away_message,
                                    posture_instruction)
from formcheck.measure import Measurer
from formcheck.passes import Neutral, _shoulders_back_from_body_up, find_neutral, measure_series
from formcheck.posture import POSTURES
from formcheck.rotation import TrunkRotationEstimator
from formcheck.series import PoseSeries
from formcheck.types import Frame, Measurement, Pose

ROOT = Path(__file__).resolve().parents[2]
WH = (640, 480)
FPS = 20.0
TIMINGS = FlowTimings(instructions_s=0.0, settle_s=0.1, countdown_s=0.5, switch_s=0.5, summary_s=0.0)
CATALOGUE = load_catalogue()
EVERY = sorted(CATALOGUE)
CALIBRATED = [n for n in EVERY if CATALOGUE[n].setup.calibrate_neutral]
WITH_POSTURE = [n for n in CALIBRATED if CATALOGUE[n].setup.posture]
WITH_RANGE = [n for n in CALIBRATED if CATALOGUE[n].setup.neutral_range is not None]
#: Exercises whose targets are absolute angles of a position on the floor (issue 9, item 8).
ABSOLUTE_ON_THE_FLOOR = ("plank", "glute-bridge", "childs-pose", "bird-dog")


def start_value(name: str) -> float:
    """A raw rep-metric value this person rests at: inside the neutral range, off the catalogue's neutral."""
    setup, rep = CATALOGUE[name].setup, CATALOGUE[name].rep
    if setup.neutral_range is not None:
        lo, hi = setup.neutral_range
        return 0.5 * (lo + hi) + 0.1 * (hi - lo)
    return rep.neutral + 0.2 * setup.still_range


def pose_for(name: str, value: float) -> Pose:
    """A detected pose; for a trunk-rotation exercise turned by ``value`` (the exact estimator reads it), for the
    scapular squeeze with its shoulders ``value`` degrees back (the measurer reads ``shoulders_back_deg`` from the
    pose, against the body's up learnt with the neutral)."""
    metric = CATALOGUE[name].rep.metric
    turn = value if metric == "trunk_rotation_deg" else 0.0
    back_m = _TRUNK_HEIGHT_M * math.tan(math.radians(value)) if metric == "shoulders_back_deg" else 0.0
    xy, xyz = synthetic_pose_arrays(rotation_deg=turn, shoulder_back_m=back_m, resolution_wh=WH)
    return Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.ones(NUM_LANDMARKS),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=WH)


def _trunk_height_m() -> float:
    """The synthetic body's hip -> shoulder height: shoulders ``d`` metres back lean it by ``atan(d / height)``."""
    _, xyz = synthetic_pose_arrays(shoulder_back_m=0.01, resolution_wh=WH)
    return 0.01 / math.tan(math.radians(float(geometry.shoulders_back_deg(xyz))))


_TRUNK_HEIGHT_M = _trunk_height_m()


def analyzed_neutral(name: str, ms: list[Measurement]) -> Neutral | None:
    """analyze's neutral of the same frames (:func:`formcheck.passes.measure_series` on their poses, with these raw
    measurements), in its basis: the squeeze against the body's up at its frames."""
    series = PoseSeries(WH)
    for m in ms:
        series.append(pose_for(name, m.angles[CATALOGUE[name].rep.metric]), m.timestamp_ms)
    return measure_series(series, CATALOGUE[name], raw=ms)[1]


def checker(name: str, **kwargs) -> LiveNeutral:
    measurer = Measurer()
    measurer.rotation = TrunkRotationEstimator.exact()  # exact synthetic landmarks: no MediaPipe gains
    return LiveNeutral(CATALOGUE[name], measurer, **kwargs)


def feed(check: LiveNeutral, name: str, ms: list[Measurement]) -> list:
    rep = CATALOGUE[name].rep.metric
    return [check.update(m, pose_for(name, m.angles[rep])) for m in ms]


def jittered(name: str, seconds: float, start_s: float = 0.0) -> list[tuple[float, float]]:
    """Keeping still: the start value with a little noise (well inside ``still_range``)."""
    v0, spread = start_value(name), CATALOGUE[name].setup.still_range
    rng = np.random.default_rng(7)
    n = round(seconds * FPS)
    return [(start_s + i / FPS, v0 + float(rng.uniform(-0.2, 0.2)) * spread) for i in range(n)]


# ------------------------------------------------------------------------------------------- the rules
def test_the_floor_exercises_are_absolute_and_the_catalogue_is_split_in_two() -> None:
    for name in ABSOLUTE_ON_THE_FLOOR:
        assert not CATALOGUE[name].setup.calibrate_neutral, name
    assert CALIBRATED and len(CALIBRATED) < len(EVERY)


@pytest.mark.parametrize("name", EVERY)
def test_an_exercise_learns_a_neutral_only_if_analyze_does(name: str) -> None:
    """Still at the start, then one movement: live and analyze agree on whether there is a neutral, and on
    its rep-metric value when there is one."""
    ex = CATALOGUE[name]
    v0 = start_value(name)
    series = Series(FPS, v0).hold(2.0)
    for way in {"up": (1,), "down": (-1,)}.get(ex.rep.mode, (1, -1)):  # the movement's own way(s), and back
        series.move(v0 + way * 10.0, 1.0).move(v0, 1.0).hold(1.0)
    ms = measurements(ex, series.samples)
    check = checker(name)
    statuses = feed(check, name, ms)
    analyzed = analyzed_neutral(name, ms)
    if not ex.setup.calibrate_neutral:
        assert check.absolute and check.ready and all(s.ready and not s.message for s in statuses)
        assert analyzed is None and check.measurer.calibration is None and check.learnt == ()
        for m in ms:  # absolute angles, exactly as measured
            assert check.measure(m, pose_for(name, 0.0)) is m
        assert check.as_dict()["basis"] == "absolute"
    else:
        assert check.ready and analyzed is not None
        live = check.measurer.calibration.neutral[ex.rep.metric]
        assert live == pytest.approx(analyzed.values[ex.rep.metric], abs=0.2 * ex.setup.still_range)
        assert check.as_dict()["basis"] == "neutral"


@pytest.mark.parametrize("name", CALIBRATED)
def test_learns_once_in_posture_still_and_in_range_from_the_median_of_its_frames(name: str) -> None:
    ex = CATALOGUE[name]
    ms = measurements(ex, jittered(name, 3.0))
    statuses = feed(check := checker(name), name, ms)
    learnt_at = next(i for i, s in enumerate(statuses) if s.learnt_now)
    # Learnt after exactly still_s of still frames, not before; nothing said while it learns.
    assert ms[learnt_at].timestamp_ms == pytest.approx(ex.setup.still_s * 1000, abs=1)
    assert all(not s.ready and s.reason == "" and s.message == "" for s in statuses[:learnt_at])
    progress = [s.progress for s in statuses[:learnt_at]]
    assert progress == sorted(progress) and progress[-1] < 1.0
    assert all(s.ready for s in statuses[learnt_at:])
    learnt = ms[: learnt_at + 1]
    assert check.learnt_ms == {m.timestamp_ms for m in learnt}
    median = float(np.median([m.angles[ex.rep.metric] for m in learnt]))
    body_up = ex.rep.metric == "shoulders_back_deg"  # read against the trunk axis of the frames it learns from,
    # so those frames read about 0 (their median axis) and a later frame its lean from there
    neutral = check.measurer.calibration.neutral[ex.rep.metric]
    assert neutral == pytest.approx(0.0 if body_up else median, abs=1e-3 if body_up else 1e-6)
    # From then on the rep metric is relative to it.
    later = ms[-1]
    relative = check.measure(later, pose_for(name, later.angles[ex.rep.metric])).angles[ex.rep.metric]
    tol = 1e-6 if ex.rep.metric != "trunk_rotation_deg" else 1.0  # the fused estimator (its width cue assumes
    # the shoulders square to the pelvis at neutral: 10 deg past a neutral turned 4 deg reads 10.8 on exact landmarks)
    if body_up:
        tol = 1e-3  # the up is the median of the neutral frames' unit trunk axes, not exactly the median lean's
    assert relative == pytest.approx(later.angles[ex.rep.metric] - median, abs=tol)
    summary = check.as_dict()
    assert summary["frames"] == len(learnt) and summary["seconds"] == pytest.approx(ex.setup.still_s)
    assert summary["rep_metric_raw"]["median"] == pytest.approx(neutral, abs=1e-3)  # the values it is the median of


@pytest.mark.parametrize("name", WITH_POSTURE)
def test_no_neutral_out_of_the_start_posture(name: str) -> None:
    ex = CATALOGUE[name]
    other = next(p for p in POSTURES if p not in ex.setup.posture and p != "floor")
    for posture in [(other,), ()]:
        statuses = feed(check := checker(name), name, measurements(ex, jittered(name, 3.0), posture=posture))
        assert not check.ready and check.learnt == ()
        assert {(s.reason, s.message) for s in statuses} == {(POSTURE, posture_instruction(ex.setup.posture))}
    # In posture for the second half: learnt from there.
    samples = jittered(name, 3.0)
    postures = [(other,)] * 30 + [tuple(ex.setup.posture)] * (len(samples) - 30)
    statuses = feed(check := checker(name), name, measurements(ex, samples, posture=postures))
    assert check.ready and min(check.learnt_ms) == samples[30][0] * 1000


@pytest.mark.parametrize("name", CALIBRATED)
def test_no_neutral_while_moving(name: str) -> None:
    ex = CATALOGUE[name]
    v0, spread = start_value(name), ex.setup.still_range
    series = Series(FPS, v0).sine(3.0, v0, 0.8 * spread, period_s=1.0).hold(3.0)
    ms = measurements(ex, series.samples)
    statuses = feed(check := checker(name), name, ms)
    moving = [s for s in statuses[: round(3.0 * FPS)] if s.reason]
    assert moving and {(s.reason, s.message) for s in moving} == {(MOVING, HOLD_STILL)}
    learnt_at = next(i for i, s in enumerate(statuses) if s.learnt_now)
    # Once the person keeps still, the rolling window of still_s is clear of the movement, then it learns.
    assert series.samples[learnt_at][0] >= 3.0 and series.samples[learnt_at][0] <= 3.0 + ex.setup.still_s + 1 / FPS
    learnt_values = [m.angles[ex.rep.metric] for m in ms if m.timestamp_ms in check.learnt_ms]
    assert max(learnt_values) - min(learnt_values) <= spread


@pytest.mark.parametrize("name", WITH_RANGE)
def test_no_neutral_already_turned_curled_or_lifted(name: str) -> None:
    ex = CATALOGUE[name]
    lo, hi = ex.setup.neutral_range
    for outside in (hi + 5.0, lo - 5.0):
        samples = [(i / FPS, outside) for i in range(round(3 * FPS))]
        statuses = feed(check := checker(name), name, measurements(ex, samples))
        assert not check.ready
        assert {(s.reason, s.message) for s in statuses} == {(AWAY, away_message(ex.rep.mode))}
    word = {"sides": "turned", "cycle": "curled or arched", "up": "lifted", "down": "lifted"}[ex.rep.mode]
    assert f"You look {word} already" in away_message(ex.rep.mode)
    # Coming back into the range: learnt from the frames inside it only.
    samples = [(i / FPS, hi + 5.0 if i < 20 else start_value(name)) for i in range(round(3 * FPS))]
    feed(check := checker(name), name, measurements(ex, samples))
    assert check.ready and min(check.learnt_ms) == 1000 and check.measurer.calibration.neutral[
        ex.rep.metric] == pytest.approx(start_value(name))


@pytest.mark.parametrize("name", CALIBRATED)
def test_no_neutral_while_the_view_blocks(name: str) -> None:
    ex = CATALOGUE[name]
    needed = [p for p in ex.view.parts if p in metric_parts(ex.metrics)]
    out = measurements(ex, jittered(name, 2.0), out_of_frame=(needed[0],))
    statuses = feed(check := checker(name), name, out)
    assert not check.ready and {s.message for s in statuses} == {view_guidance(ex, out[0])[0]}
    assert "out of frame" in statuses[0].message and needed[0] in statuses[0].message
    wrong = measurements(ex, jittered(name, 2.0), view="unknown")
    statuses = feed(check := checker(name), name, wrong)
    assert not check.ready and {(s.reason, s.message) for s in statuses} == {(VIEW, view_instruction(ex.view.allowed))}


@pytest.mark.parametrize("name", CALIBRATED)
def test_learn_s_overrides_still_s_and_reset_forgets(name: str) -> None:
    ex = CATALOGUE[name]
    ms = measurements(ex, jittered(name, 4.0))
    statuses = feed(check := checker(name, learn_s=2.5), name, ms)
    learnt_at = next(i for i, s in enumerate(statuses) if s.learnt_now)
    assert ms[learnt_at].timestamp_ms == 2500 and check.as_dict()["duration_s"] == 2.5
    check.reset()
    assert not check.ready and check.learnt == () and check.measurer.calibration.neutral is None


def test_messages_say_what_blocks() -> None:
    assert posture_instruction(("quadruped",)) == "Get onto your hands and knees"
    assert posture_instruction(("quadruped", "upright")) == "Get onto your hands and knees, or sit or stand up tall"
    assert away_message("sides") == "You look turned already: come back to the middle"
    assert away_message("cycle").startswith("You look curled or arched already")
    assert away_message("up").startswith("You look lifted already") and HOLD_STILL == "Hold still a moment"


def test_held_rows_are_written_in_order_and_mark_the_learnt_frames_with_their_angles() -> None:
    written: list[dict] = []
    rows = HeldRows(written.append)
    for t in range(0, 2000, 100):
        rows.add(t, {"t": t}, hold_s=1.0)
    assert [r["t"] for r in written] == list(range(0, 900, 100))  # older than 1 s: never learnt from
    rows.add(2000, {"t": 2000, "a": math.nan}, hold_s=1.0, learnt={1500: {"a": 1.5}, 2000: {"a": 2.0}})
    assert [r["t"] for r in written] == list(range(0, 2100, 100))
    assert [(r["t"], r["a"]) for r in written if r.get("neutral_frame")] == [(1500, 1.5), (2000, 2.0)]  # their
    # angles in the neutral's basis (the squeeze, blank before, against the body's up learnt from them)
    rows.add(2100, {"t": 2100}, hold_s=0.0)
    assert written[-1] == {"t": 2100}


# ------------------------------------------------------------------------------------------- the live loop
class ListSink:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def write(self, row: dict) -> None:
        self.rows.append(dict(row))


class NoDisplay:
    def show(self, image) -> None:
        pass

    def poll_key(self) -> None:
        return None

    def close(self) -> None:
        pass


def run_loop(name: str, samples: list[tuple[float, float]], monkeypatch: pytest.MonkeyPatch,
             timings: FlowTimings = TIMINGS, **kwargs) -> tuple[LiveLoop, list[Measurement], list[dict]]:
    """The live loop over scripted raw measurements (``raw_measurement`` replaced), 20 frames a second."""
    ex = CATALOGUE[name]
    ms = [replace(m, angles={n: m.angles.get(n, 0.0) for n in METRIC_NAMES},  # every metric, as measured
                  visibility={n: 0.99 for n in METRIC_NAMES}) for m in measurements(ex, samples, **kwargs)]
    by_ms = {m.timestamp_ms: m for m in ms}
    monkeypatch.setattr(app, "raw_measurement", lambda pose, ts: by_ms[ts])
    sink = ListSink()
    clock = [0.0]
    loop = LiveLoop(ex, lambda: ExerciseSession(ex), NoDisplay(), sink, None, mirror=False,
                    timings=timings, clock=lambda: clock[0])
    loop.measurer.rotation = TrunkRotationEstimator.exact()
    image = np.zeros((WH[1], WH[0], 3), np.uint8)
    for i, m in enumerate(ms):
        clock[0] = m.timestamp_ms / 1000.0
        pose = pose_for(name, m.angles[ex.rep.metric])
        loop.step(Processed(Captured(Frame(image, m.timestamp_ms, i), clock[0], m.timestamp_ms), pose), None)
    loop.rows.release()
    return loop, ms, sink.rows


def in_analyzes_basis(name: str, ms: list[Measurement], frames: tuple[int, ...]) -> tuple[list[float], Neutral]:
    """Each frame's raw rep metric as analyze reads it with its neutral at ``frames``, and that neutral: the
    squeeze against the body's up there (:func:`formcheck.passes._shoulders_back_from_body_up`), the others as
    measured."""
    metric = CATALOGUE[name].rep.metric
    median = float(np.median([ms[i].angles[metric] for i in frames]))
    neutral = Neutral("still", metric, frames, {metric: median})
    if metric == "shoulders_back_deg":
        world = np.array([pose_for(name, m.angles[metric]).world_xyz_m for m in ms], dtype=float)
        ms, neutral = _shoulders_back_from_body_up(ms, world, neutral)
    return [m.angles[metric] for m in ms], neutral


@pytest.mark.parametrize("name", EVERY)
def test_live_session_is_in_analyzes_basis(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ex = CATALOGUE[name]
    v0 = start_value(name)
    series = Series(FPS, v0).hold(2.5).move(v0 + 10.0, 1.0).move(v0, 1.0)
    loop, ms, rows = run_loop(name, series.samples, monkeypatch)
    assert [r["frame_index"] for r in rows] == list(range(len(ms)))
    phases = list(dict.fromkeys(r["phase"].split()[0] for r in rows))
    summary = loop.neutral_check.as_dict()
    if not ex.setup.calibrate_neutral:
        assert phases == ["position", "countdown", "active"]  # no calibration phase: nothing to learn
        assert loop.neutral is None and summary["basis"] == "absolute"
        assert all(r[ex.rep.metric] == m.angles[ex.rep.metric] for r, m in zip(rows, ms, strict=True))
        assert not any(r["neutral_frame"] for r in rows)
        return
    assert phases == ["position", "calibrate", "countdown", "active"]
    neutral = loop.neutral[ex.rep.metric]
    marked = [r for r in rows if r["neutral_frame"]]
    assert len(marked) == summary["frames"] == round(ex.setup.still_s * FPS) + 1
    assert neutral == pytest.approx(float(np.median([r[ex.rep.metric] for r in marked])))  # raw rows
    raw, analyzed = in_analyzes_basis(name, ms, tuple(i for i, r in enumerate(rows) if r["neutral_frame"]))
    assert neutral == pytest.approx(analyzed.values[ex.rep.metric], abs=1e-9)  # analyze's, from the same frames
    tol = 1e-6 if ex.rep.metric != "trunk_rotation_deg" else 1.0  # see above
    active = [(r, v) for r, v in zip(rows, raw, strict=True) if r["phase"].startswith("active")]
    assert active and all(r[ex.rep.metric] == pytest.approx(v - neutral, abs=tol) for r, v in active)
    assert loop.summary_lines()  # the summary card is drawn from the session


@pytest.mark.parametrize("name", WITH_POSTURE)
def test_live_calibration_says_what_blocks_and_waits(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Out of the start posture for 2 s, then in it and still: the rows say why it waited, and the neutral
    comes from the frames in the posture."""
    ex = CATALOGUE[name]
    other = next(p for p in POSTURES if p not in ex.setup.posture and p != "floor")
    samples = jittered(name, 4.0)
    postures = [(other,)] * 40 + [tuple(ex.setup.posture)] * (len(samples) - 40)
    hints: list[str] = []
    coach_state = app.coach_state
    monkeypatch.setattr(app, "coach_state", lambda *a, **k: hints.append(k["hint"]) or coach_state(*a, **k))
    loop, ms, rows = run_loop(name, samples, monkeypatch, posture=postures)
    waiting = {r["phase"] for r in rows[:40] if r["phase"].startswith("calibrate")}
    assert waiting == {"calibrate posture"}
    assert set(hints[:40]) == {posture_instruction(ex.setup.posture)}  # said on screen
    first = min(float(r["time_s"]) for r in rows if r["neutral_frame"])
    assert first == pytest.approx(2.0) and loop.calibrated
    # The squeeze is read against the body's up learnt with the neutral: blank before it, its frames hold it.
    assert all(math.isnan(r["shoulders_back_deg"]) for r in rows[:40])
    assert all(math.isfinite(r["shoulders_back_deg"]) for r in rows if r["neutral_frame"])
    assert loop.neutral_check.as_dict()["blocked_frames"]["posture"] > 0


def test_neutral_values_are_finite_for_every_calibrated_exercise(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CALIBRATED:
        loop, _, _ = run_loop(name, jittered(name, 2.0), monkeypatch)
        assert loop.calibrated and all(math.isfinite(v) for v in loop.neutral.values()), name



@pytest.mark.parametrize("name", CALIBRATED)
def test_frames_seen_while_settling_into_position_count(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Still and in posture from the first frame, with a settle time longer than ``still_s``: the neutral is
    learnt while the view check settles, and the calibration phase passes at once."""
    slow = FlowTimings(instructions_s=0.0, settle_s=1.5, countdown_s=0.5, switch_s=0.5, summary_s=0.0)
    loop, _, rows = run_loop(name, jittered(name, 3.0), monkeypatch, timings=slow)
    assert list(dict.fromkeys(r["phase"] for r in rows)) == ["position", "countdown", "active"]
    assert min(float(r["time_s"]) for r in rows if r["neutral_frame"]) == 0.0 and loop.recalibrations == 0


def run_series(name: str, series: PoseSeries) -> list[dict]:
    """``frames.csv``'s rows of the live loop over a recording's cached landmarks (measured as live measures them)."""
    ex = CATALOGUE[name]
    sink, clock = ListSink(), [0.0]
    loop = LiveLoop(ex, lambda: ExerciseSession(ex), NoDisplay(), sink, None, mirror=False, timings=TIMINGS,
                    clock=lambda: clock[0])
    image = np.zeros((series.resolution_wh[1], series.resolution_wh[0], 3), np.uint8)
    for i, (pose, t_ms) in enumerate(series.poses()):
        clock[0] = t_ms / 1000.0
        loop.step(Processed(Captured(Frame(image, t_ms, i), clock[0], t_ms), pose), None)
    loop.rows.release()
    return sink.rows


@pytest.mark.parametrize("clip", ["real_landmarks/scapular_retraction__bassem__2", "landmarks/scapular_squeeze_side"])
def test_a_live_squeeze_reads_the_same_from_a_camera_tipped_or_rolled(clip: str) -> None:
    # The live coach reads shoulders_back_deg against the body's up learnt with its neutral, as analyze does
    # (tests/test_passes.py). Against the camera's up, the same recordings seen from 20 deg above / below or rolled
    # 6 deg read up to 4.2 deg (real) and 0.8 deg (rendered: 4 full squeezes counted as 4 partial) away in the sets.
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import stress_counts

    series, _ = PoseSeries.load_npz(ROOT / "benchmarks" / f"{clip}.npz")

    def reading(s: PoseSeries) -> tuple[np.ndarray, list[int]]:
        rows = run_series("scapular-squeeze", s)
        active = [r["shoulders_back_deg"] if r["phase"].startswith("active") else math.nan for r in rows]
        return np.array(active, dtype=float), [i for i, r in enumerate(rows) if r["neutral_frame"]]

    level, learnt = reading(series)
    assert np.isfinite(level).sum() > 100 and learnt
    for turned in (stress_counts.camera_view(series, 0.0, 20.0), stress_counts.camera_view(series, 0.0, -20.0),
                   stress_counts.camera_roll(series, 6.0), stress_counts.camera_roll(series, -6.0)):
        values, frames = reading(turned)
        assert frames == learnt and np.array_equal(np.isfinite(values), np.isfinite(level))
        assert np.nanmax(np.abs(values - level)) < 0.05
