"""The catalogue's metric names, views and signs agree with geometry: synthetic poses -> measure -> session."""

from __future__ import annotations

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from exercise_series import Series
from formcheck.exercises import ExerciseSession, load_catalogue
from formcheck.measure import raw_measurement as measure
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.types import Pose

CATALOGUE = load_catalogue()


def pose(**angles: float) -> Pose:
    xy, xyz = synthetic_pose_arrays(**angles)
    return Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.ones(NUM_LANDMARKS),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=(640, 480))


def run(exercise_name: str, series: Series, angle: str, **fixed: float) -> ExerciseSession:
    session = ExerciseSession(CATALOGUE[exercise_name])
    for t, value in series.samples:
        session.update(measure(pose(**{angle: value}, **fixed), round(t * 1000)))
    session.close()
    return session


@pytest.mark.parametrize("facing_deg", [0.0, 180.0], ids=["facing-camera", "back-to-camera"])
def test_rotation_to_the_persons_left_counts_on_the_left(facing_deg):
    s = Series(10).hold(1.5, 0.0)
    for peak in (45.0, -40.0, 50.0):
        s.rep(peak, hold_s=10.5)
    session = run("seated-thoracic-rotation", s, "rotation_deg", facing_deg=facing_deg)
    assert [(r.side, r.complete) for r in session.records] == [("left", True), ("right", True), ("left", True)]
    assert [round(r.peak_deg, 6) for r in session.records] == [45.0, -40.0, 50.0]


@pytest.mark.parametrize("facing_deg", [90.0, -90.0], ids=["faces-right", "faces-left"])
def test_thoracic_extension_holds_are_counted_side_on(facing_deg):
    s = Series(10).hold(1.5, 0.0)
    for peak in (20.0, 15.0):
        s.rep(peak, hold_s=21.0)
    session = run("thoracic-extension", s, "extension_deg", facing_deg=facing_deg)
    assert [r.complete for r in session.records] == [True, True]
    assert [round(r.peak_deg, 6) for r in session.records] == [20.0, 15.0]


def test_rotation_seen_side_on_is_counted_on_the_persons_own_side():
    # Side-on is an allowed view for rotation now (a real seated twist filmed side-on): the world shoulder
    # line against the hip line still gives the side, whichever way the person faces.
    for facing in (90.0, -90.0):
        s = Series(10).hold(1.0, 0.0).rep(45.0, hold_s=10.5).rep(-45.0, hold_s=10.5)
        session = run("seated-thoracic-rotation", s, "rotation_deg", facing_deg=facing)
        assert [r.side for r in session.records] == ["left", "right"], facing


def test_cat_cow_seen_from_the_front_asks_to_turn_side_on():
    s = Series(10).hold(1.0, 0.0).rep(30.0).rep(-30.0)
    session = ExerciseSession(CATALOGUE["cat-cow"])
    cues = {session.update(measure(pose(head_forward_deg=v, facing_deg=0.0), round(t * 1000))).cue for t, v in s.samples}
    assert "Turn side-on to the camera" in cues
    assert session.records == []
