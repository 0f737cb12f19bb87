"""Variants of an exercise's target position (``[[variants]]``): reached on other metrics than the rep metric.

The extended child's pose (puppy pose, a lat stretch with the hands on a low bench) keeps the hips above the
heels, so the hips bend no further than on hands and knees; it is still the kneeling forward fold with the arms
reaching, and its hold counts.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from exercise_series import Series, measurements
from formcheck.errors import ConfigError
from formcheck.exercises import ExerciseSession, load_catalogue
from formcheck.exercises import feedback as fb
from formcheck.exercises.counting import VariantWatch
from formcheck.exercises.loader import parse_exercise, read_toml, CATALOGUE_DIR
from formcheck.exercises.model import Condition, VariantSpec

CHILDS = load_catalogue()["childs-pose"]
FPS = 30


def run(ms):
    session = ExerciseSession(CHILDS)
    feedback = [session.update(m) for m in ms]
    session.close()
    return session, feedback


def childs_pose(hips: Series, arms: list[float]):
    return measurements(CHILDS, hips.samples, other={"arm_raise_deg": 0.0}) if not arms else [
        _with(m, "arm_raise_deg", a) for m, a in zip(measurements(CHILDS, hips.samples), arms, strict=True)]


def _with(m, metric, value):
    from dataclasses import replace

    angles = dict(m.angles)
    angles[metric] = value
    return replace(m, angles=angles, visibility={k: 0.99 for k in angles})


def test_an_extended_childs_pose_with_the_hips_high_is_held():
    # Hands and knees (hips 90, arms 90 to the trunk), then the arms walk forward in line with the trunk
    # while the hips stay high (100, never near the 120 band) for 6 s, then back to hands and knees.
    hips = Series(FPS).hold(1.0, 90.0).move(100.0, 0.5).hold(6.0).move(90.0, 0.5).hold(1.0)
    n = len(hips.samples)
    arms = [90.0] * n
    start, end = round(1.5 * FPS), round(7.5 * FPS)
    arms[start:end] = [175.0] * (end - start)
    session, feedback = run(childs_pose(hips, arms))
    (record,) = session.records
    assert record.hold_s == pytest.approx(6.0, abs=0.1)
    assert record.reached_target and record.share_of_target == 1.0  # the position is reached, by its variant
    assert record.peak_deg == pytest.approx(100.0)  # the rep metric's own value is reported, not a stand-in
    held = [f for f in feedback[start + 5:end - 5]]
    assert {f.status for f in held} == {fb.IN_TARGET}  # no "sink further" while in the variant
    assert all(f.cue != CHILDS.cues.below for f in held)


def test_hands_and_knees_alone_is_not_a_childs_pose():
    hips = Series(FPS).hold(8.0, 90.0)
    session, _ = run(childs_pose(hips, [90.0] * len(hips.samples)))  # arms under the shoulders
    assert session.records == []


def test_kneeling_upright_with_the_arms_overhead_is_not_a_childs_pose():
    hips = Series(FPS).hold(8.0, 10.0)  # trunk over the knees, not folded forward
    session, _ = run(childs_pose(hips, [178.0] * len(hips.samples)))
    assert session.records == []


def test_the_classic_childs_pose_counts_as_before():
    hips = Series(FPS).hold(1.0, 90.0).move(150.0, 1.0).hold(8.0).move(90.0, 1.0).hold(1.0)
    session, _ = run(childs_pose(hips, [120.0] * len(hips.samples)))  # arms by the sides: no variant
    (record,) = session.records
    assert record.hold_s == pytest.approx(8.0 + 2 * (30 / 60), abs=0.2)  # in the band from 120 up and back
    assert record.share_of_target == 1.0 and record.peak_deg == pytest.approx(150.0)


def test_a_variant_has_hysteresis_at_its_edge():
    watch = VariantWatch((VariantSpec("v", (Condition("a", above=150.0),), margin=5.0),))
    assert not watch.update({"a": 149.0})
    assert watch.update({"a": 151.0})
    assert watch.update({"a": 146.0})  # within the margin: still in
    assert not watch.update({"a": 144.0})
    assert not watch.update({"a": 146.0})  # out: must pass 150 again
    assert not watch.update({"a": math.nan}) and not watch.update({})


def test_arms_wavering_at_the_edge_do_not_split_the_hold():
    hips = Series(FPS).hold(0.5, 90.0).hold(6.0, 100.0).hold(0.5, 90.0)
    arms = [90.0] * round(0.5 * FPS) + [152.0 if i % 2 else 147.0 for i in range(6 * FPS)] + [90.0] * round(0.5 * FPS)
    session, _ = run(childs_pose(hips, arms))
    (record,) = session.records
    assert record.hold_s == pytest.approx(6.0, abs=0.1)


def test_the_shipped_childs_pose_says_why_it_has_the_variant():
    text = (CATALOGUE_DIR / "childs-pose.toml").read_text()
    assert "[[variants]]" in text and "hips above" in text


@pytest.mark.parametrize("when, message", [
    ([], "at least one condition"),
    ([{"metric": "arm_raise_deg"}], "'above' and/or 'below'"),
    ([{"metric": "arm_raise_deg", "above": 150.0, "below": 100.0}], "must be above 'above'"),
    ([{"metric": "no_such_deg", "above": 1.0}], "unknown metric"),
])
def test_bad_variants_are_refused_naming_the_key(when, message, tmp_path: Path):
    data = read_toml(CATALOGUE_DIR / "childs-pose.toml")
    data["variants"] = [{"name": "v", "when": when}]
    with pytest.raises(ConfigError, match=message):
        parse_exercise(data, tmp_path / "x.toml")
