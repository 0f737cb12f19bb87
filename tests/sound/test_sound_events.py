"""What the coach wants said, from a real exercise session fed synthetic measurements (known holds and reps)
and from the flow's phases; then through the scheduler and the coach to a sound log read back."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exercises"))
from exercise_series import Series, measurements  # noqa: E402

from formcheck.exercises import ExerciseSession, load_catalogue  # noqa: E402
from formcheck.live.observe import FrameView  # noqa: E402
from formcheck.sound.coach import SoundCoach  # noqa: E402
from formcheck.sound.engines import SilentOutput  # noqa: E402
from formcheck.sound.events import Message, SoundEvents, number_word, spoken_cue  # noqa: E402
from formcheck.sound.rules import load_rules  # noqa: E402

CATALOGUE = load_catalogue()
ROTATION = CATALOGUE["seated-thoracic-rotation"]  # holds of 10 s, 3 per side
CAT_COW = CATALOGUE["cat-cow"]
RULES = load_rules()
FPS = 30


def views(exercise, series: Series, **kwargs) -> list[FrameView]:
    """The frame views of an active set over ``series``, with the real exercise session's feedback."""
    session = ExerciseSession(exercise)
    out = []
    for m in measurements(exercise, series.samples, **kwargs):
        fb = session.update(m)
        out.append(FrameView(t_s=m.timestamp_ms / 1000, phase="active", paused=False, side="left", set_index=0,
                             seconds_left=0.0, feedback=fb))
    return out


def messages(frames: list[FrameView]) -> list[Message]:
    events = SoundEvents(RULES)
    return [msg for view in frames for msg in events.update(view)]


def test_a_hold_beeps_at_its_start_counts_down_its_last_seconds_and_beeps_at_its_end() -> None:
    s = Series(FPS).hold(1.5, 0.0)
    s.rep(45.0, out_s=1.0, hold_s=12.0, back_s=1.0)  # 45 deg: inside the 35-60 band for 12 s
    said = messages(views(ROTATION, s))
    kinds = [(m.what, m.text) for m in said]
    assert kinds == [("hold_start", ""), ("countdown", "three"), ("countdown", "two"), ("countdown", "one"),
                     ("hold_end", ""), ("count", "one")]
    start = said[0].due_s
    for message, seconds_left in zip(said[1:4], (3, 2, 1)):  # each second said when that much is left
        assert message.due_s - start == pytest.approx(ROTATION.prescription.hold_s - seconds_left, abs=1.5 / FPS)
    assert said[4].due_s - start == pytest.approx(ROTATION.prescription.hold_s, abs=1.5 / FPS)
    assert said[5].due_s > said[4].due_s  # the hold is counted when the person is back


def test_a_hold_broken_early_is_not_counted_down_to_its_end() -> None:
    s = Series(FPS).hold(1.5, 0.0)
    s.rep(45.0, out_s=1.0, hold_s=8.0, back_s=1.0)  # 8 s of 10: the last second "one" is never due
    said = [(m.what, m.text) for m in messages(views(ROTATION, s))]
    assert said == [("hold_start", ""), ("countdown", "three"), ("countdown", "two")]


def test_counts_come_in_order_per_side() -> None:
    s = Series(FPS).hold(1.5, 0.0)
    for peak in (45.0, -45.0, 45.0, -45.0):
        s.rep(peak, hold_s=10.5)
    counts = [(m.group, m.text) for m in messages(views(ROTATION, s)) if m.what == "count"]
    assert counts == [("count:left", "one"), ("count:right", "one"), ("count:left", "two"), ("count:right", "two")]


def test_reps_without_holds_are_counted_without_beeps() -> None:
    ex = CAT_COW
    s = Series(FPS).hold(1.5, ex.rep.neutral)
    for _ in range(4):  # full cycles past both ends of the band
        s.move(ex.rep.neutral + 40, 1.0).move(ex.rep.neutral - 40, 2.0).move(ex.rep.neutral, 1.0).hold(0.3)
    said = messages(views(ex, s))
    assert [m.text for m in said if m.what == "count"] == [number_word(n) for n in range(1, 5)]
    assert not [m for m in said if m.what.startswith("hold") or m.what == "countdown"]


def test_at_most_one_form_cue_per_rep() -> None:
    s = Series(FPS).hold(1.5, 0.0)
    for peak in (45.0, -45.0):
        s.rep(peak, hold_s=4.0)
    n = len(s.samples)
    # the hips turn with the shoulders all through both reps: the rule's cue stays up the whole time
    hips = [40.0 if 1.6 <= t <= s.samples[-1][0] - 0.3 else 0.0 for t, _ in s.samples]
    session = ExerciseSession(ROTATION)
    frames = []
    for m, pelvis in zip(measurements(ROTATION, s.samples), hips):
        m = dataclasses.replace(m, angles={**m.angles, "pelvis_rotation_deg": pelvis})
        frames.append(FrameView(m.timestamp_ms / 1000, "active", False, "left", 0, 0.0, feedback=session.update(m)))
    assert len(frames) == n
    form = [m for m in messages(frames) if m.what == "form"]
    assert [m.text for m in form] == [spoken_cue(ROTATION.rules[0].cue)] * 2  # one in each of the two reps
    assert form[0].text == "Keep your hips facing forward"


def test_the_flow_is_announced_and_a_view_problem_only_once_it_stays() -> None:
    events = SoundEvents(RULES)
    script = [(0.0, "position", "Turn side-on to the camera"), (0.2, "position", ""),  # a flicker: not said
              (1.0, "position", "Turn side-on to the camera"), (1.7, "position", "Turn side-on to the camera"),
              (2.0, "calibrate", ""), (3.0, "countdown", ""), (6.0, "active", ""), (20.0, "switch", ""),
              (23.0, "active", ""), (40.0, "summary", ""), (40.1, "done", "")]
    said = []
    for t, phase, hint in script:
        said += events.update(FrameView(t, phase, False, "left" if t < 20 else "right", 0, 0.0, hint=hint))
    assert [(m.due_s, m.what) for m in said] == [(1.7, "view"), (2.0, "calibrate"), (3.0, "get_ready"),
                                                 (6.0, "start"), (20.0, "switch"), (23.0, "start"), (40.0, "done")]
    rest = SoundEvents(RULES)
    rest.update(FrameView(1.0, "active", False, "", 0, 0.0))
    assert [m.what for m in rest.update(FrameView(2.0, "switch", False, "", 1, 3.0))] == ["rest"]


def test_the_coach_writes_what_it_says_to_the_sound_log(tmp_path) -> None:
    s = Series(FPS).hold(1.5, 0.0)
    for peak in (45.0, -45.0):
        s.rep(peak, hold_s=10.5)
    log = tmp_path / "sound.jsonl"
    with SoundCoach("voice", log, output=SilentOutput()) as coach:
        for view in views(ROTATION, s):
            coach.update(view)
        coach.update(FrameView(coach.last_t_s + 0.1, "summary", False, "right", 0, 0.0, new_frame=False))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines == [sound.as_dict() for sound in coach.said]
    assert [x["text"] for x in lines] == ["hold_start", "three", "two", "one", "hold_end", "one",
                                          "hold_start", "three", "two", "one", "hold_end", "one", "Session done"]
    assert lines[-1]["t_s"] >= lines[-2]["t_s"] + lines[-2]["duration_s"]  # said after the session's last frame
    assert set(lines[0]) == {"t_s", "kind", "text", "what", "priority", "duration_s", "due_s"}
    assert all(not math.isnan(x["t_s"]) for x in lines)


def test_a_new_session_on_the_same_coach_counts_from_one_again() -> None:
    """A routine runs one session per exercise on one coach: after one ends, the next starts afresh."""
    events = SoundEvents(RULES)
    s = Series(FPS).hold(1.5, 0.0).rep(45.0, hold_s=10.5)
    first = [m for v in views(ROTATION, s) for m in events.update(v)]
    assert [m.text for m in first if m.what == "count"] == ["one"]
    end = first[-1].due_s + 1.0
    assert [m.what for m in events.update(FrameView(end, "done", False, "left", 0, 0.0, new_frame=False))] == ["done"]
    again = []
    for v in views(ROTATION, s):
        again += events.update(FrameView(end + 1.0 + v.t_s, v.phase, False, "left", 0, 0.0, feedback=v.feedback))
    assert [m.text for m in again if m.what == "count"] == ["one"]
