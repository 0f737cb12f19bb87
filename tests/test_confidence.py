"""formcheck.confidence: each factor falls where the measurement is weak, a rep's confidence is the mean over its
frames, and a rep below the trust threshold is counted and said (docs/confidence.md)."""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent / "exercises"))

from builders import synthetic_pose_arrays  # noqa: E402
from exercise_series import Series, measurements  # noqa: E402
from formcheck import geometry  # noqa: E402
from formcheck.confidence import (ConfidenceRules, ConfidenceTrack, FrameConfidence, camera_azimuth_deg,  # noqa: E402
                                  frame_confidence, rules)
from formcheck.exercises import ExerciseSession, load_catalogue  # noqa: E402
from formcheck.landmarks import NUM_LANDMARKS  # noqa: E402
from formcheck.types import Pose  # noqa: E402

CATALOGUE = load_catalogue()
ROTATION = CATALOGUE["seated-thoracic-rotation"]  # counted from the front
EXTENSION = CATALOGUE["thoracic-extension"]  # counted from the side


def pose(*, facing_deg: float = 0.0, distance_m: float = 3.0, resolution_wh: tuple[int, int] = (640, 480),
         visibility: float = 0.99) -> Pose:
    """A synthetic seated-height person through a pinhole camera (600 px focal length at 640x480, scaled)."""
    focal_px = 600.0 * resolution_wh[1] / 480
    xy, xyz = synthetic_pose_arrays(facing_deg=facing_deg, position_m=(0.0, 0.9, distance_m),
                                    resolution_wh=resolution_wh, focal_px=focal_px, orthographic=False)
    return Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.full(NUM_LANDMARKS, visibility),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=resolution_wh)


def conf(p: Pose, exercise=ROTATION) -> FrameConfidence:  # noqa: ANN001
    return frame_confidence(geometry.measure(p, 0), p, exercise)


def test_the_shipped_rules_load_and_bad_ones_are_refused(tmp_path: Path) -> None:
    r = rules()
    assert 0 < r.trust_min < 1 and 0 < r.other_view < 1
    bad = tmp_path / "c.toml"
    bad.write_text(Path(__file__).parents[1].joinpath("formcheck", "confidence.toml").read_text()
                   .replace("lo = 96", "lo = 400"))
    with pytest.raises(ValueError, match=r"\[picture_px\] needs lo < hi"):
        ConfidenceRules.load(bad)


def test_a_person_well_in_view_from_the_front_is_fully_trusted() -> None:
    c = conf(pose())
    assert c.value == pytest.approx(1.0) and geometry.measure(pose(), 0).view == "front"


def test_far_from_the_camera_the_body_factor_falls_and_says_come_closer() -> None:
    near, far, very_far = (conf(pose(distance_m=d)) for d in (3.0, 9.0, 14.0))
    assert near.body == 1.0 > far.body > very_far.body
    assert (near.picture, far.picture) == (1.0, 1.0)  # the picture did not change


def test_a_small_picture_lowers_the_picture_factor() -> None:
    assert conf(pose(resolution_wh=(640, 480))).picture == 1.0
    small = conf(pose(resolution_wh=(160, 120)))
    assert 0.0 < small.picture < 1.0 and conf(pose(resolution_wh=(112, 84))).picture == 0.0


def test_an_occluded_metric_lowers_the_visibility_factor() -> None:
    assert conf(pose(visibility=0.6)).visibility == pytest.approx(0.5)
    assert conf(pose(visibility=0.3)).value == 0.0


@pytest.mark.parametrize(("facing_deg", "exercise", "azimuth"), [
    (0.0, ROTATION, 1.0), (30.0, ROTATION, 1.0), (45.0, ROTATION, 1.0), (60.0, ROTATION, 0.4), (-75.0, ROTATION, 0.0),
    (90.0, EXTENSION, 1.0), (40.0, EXTENSION, 0.8),
])
def test_beyond_45_deg_from_where_it_was_validated_the_azimuth_factor_falls(facing_deg, exercise, azimuth) -> None:
    p = pose(facing_deg=facing_deg)
    assert camera_azimuth_deg(p) == pytest.approx(abs(facing_deg) if abs(facing_deg) <= 90 else 180 - abs(facing_deg),
                                                  abs=0.5)
    assert conf(p, exercise).azimuth == pytest.approx(azimuth, abs=0.03)


def test_a_frame_without_a_person_counts_zero_and_a_span_is_the_mean() -> None:
    empty = Pose.empty((640, 480))
    assert frame_confidence(geometry.measure(empty, 0), empty, ROTATION) == FrameConfidence()
    track = ConfidenceTrack()
    for k, value in enumerate([1.0, 1.0, 0.0, 0.5]):
        track.update(k * 100, FrameConfidence(value, 1.0, 1.0, 1.0, 1.0))
    span = track.over(0.0, 0.3)
    assert span is not None and span.value == pytest.approx(0.625) and span.weakest == "visibility"
    assert span.frames == 4 and track.over(5.0, 6.0) is None


def _session(low: FrameConfidence | None) -> tuple[ExerciseSession, list]:
    """Two turns; the second measured with ``low`` factors (None: no confidence given at all)."""
    s = Series(30).hold(1.5, 0.0)
    s.rep(45.0, hold_s=11.0)
    first_end = len(s.samples)
    s.rep(-45.0, hold_s=11.0).hold(3.0, 0.0)
    session = ExerciseSession(ROTATION)
    good = FrameConfidence(1.0, 1.0, 1.0, 1.0, 1.0)
    feedback = []
    for k, m in enumerate(measurements(ROTATION, s.samples)):
        c = None if low is None else (good if k < first_end else low)
        feedback.append(session.update(m, confidence=c))
    session.close()
    return session, feedback


def test_a_rep_not_measured_well_enough_is_counted_and_the_coach_says_so() -> None:
    far = FrameConfidence(visibility=1.0, view=1.0, body=0.3, picture=1.0, azimuth=1.0)
    session, feedback = _session(far)
    first, second = session.records
    assert first.confidence == pytest.approx(1.0) and second.confidence == pytest.approx(0.3, abs=0.02)
    assert first.complete and second.complete  # still counted
    # the seated rotation is prescribed as holds: "That hold ..."
    said = [f.cue for f in feedback if f.cue.startswith("That hold was not measured well enough to trust")]
    assert said and said[0].endswith("come closer to the camera")
    assert not [f.cue for f in feedback[: len(feedback) // 2] if "not measured well" in f.cue]
    summary = session.summary()["confidence"]
    assert summary["untrusted"] == 1 and summary["min"] == pytest.approx(0.3, abs=0.02)
    assert session.records[1].csv_row()[-1] == f"{second.confidence:.2f}"


def test_without_confidence_given_nothing_is_assessed() -> None:
    session, feedback = _session(None)
    assert all(math.isnan(r.confidence) for r in session.records) and session.summary()["confidence"] is None
    assert session.records[0].csv_row()[-1] == ""
    assert not any("not measured well" in f.cue for f in feedback)


def test_every_advice_is_a_factor() -> None:
    from formcheck.confidence import ADVICE

    assert set(ADVICE) == {f.name for f in dataclasses.fields(FrameConfidence)}
