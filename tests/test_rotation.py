"""TrunkRotationEstimator on synthetic landmarks (exact geometry, gains 1) and its fitted defaults."""

from __future__ import annotations

import math

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.measure import Measurer
from formcheck.rotation import TrunkRotationEstimator, fold_deg, level_width_px
from formcheck.types import Pose


def make_pose(rotation_deg: float = 0.0, facing_deg: float = 0.0, **kwargs: float) -> Pose:
    xy, xyz = synthetic_pose_arrays(rotation_deg=rotation_deg, facing_deg=facing_deg, **kwargs)
    ones = np.ones(NUM_LANDMARKS)
    return Pose(xy, np.zeros(NUM_LANDMARKS), xyz, ones, ones, (640, 480))


def calibrated(estimator: TrunkRotationEstimator, facing_deg: float) -> int:
    """Feeds 1.2 s of neutral at 15 fps; returns the next timestamp."""
    t = 0
    for _ in range(19):
        assert estimator.update(make_pose(0.0, facing_deg), t) == pytest.approx(0.0, abs=1e-6)
        t += 67
    assert estimator.is_ready
    return t


@pytest.mark.parametrize("rotation_deg", [-50.0, -45.0, -20.0, -5.0, 0.0, 5.0, 20.0, 45.0, 50.0])
@pytest.mark.parametrize("facing_deg", [0.0, 180.0, 30.0, -30.0, 210.0])
def test_exact_landmarks_give_the_applied_rotation_front_back_and_oblique(rotation_deg, facing_deg):
    est = TrunkRotationEstimator.exact(1.0)
    t = calibrated(est, facing_deg)
    assert est.camera_yaw_deg == pytest.approx(fold_deg(facing_deg), abs=1e-6)
    assert est.update(make_pose(rotation_deg, facing_deg), t) == pytest.approx(rotation_deg, abs=0.5)


@pytest.mark.parametrize("facing_deg", [0.0, 180.0, 30.0, -30.0])
def test_default_gains_keep_the_sign_whichever_way_the_person_faces(facing_deg):
    est = TrunkRotationEstimator(1.0)
    t = calibrated(est, facing_deg)
    left = est.update(make_pose(30.0, facing_deg), t)
    right = est.update(make_pose(-30.0, facing_deg), t + 67)
    assert left > 20.0 and right < -20.0


def test_side_view_uses_depth_only():
    est = TrunkRotationEstimator.exact(1.0)
    t = calibrated(est, 90.0)
    assert est.update(make_pose(20.0, 90.0), t) == pytest.approx(20.0, abs=1e-6)


def test_no_person_is_nan_and_not_learned():
    est = TrunkRotationEstimator.exact(1.0)
    assert math.isnan(est.update(Pose.empty((640, 480)), 0))
    assert not est.is_ready
    t = calibrated(est, 0.0)
    assert math.isnan(est.update(Pose.empty((640, 480)), t))


def test_reset_learns_a_new_neutral():
    est = TrunkRotationEstimator.exact(1.0)
    t = calibrated(est, 0.0)
    est.reset()
    for _ in range(19):
        est.update(make_pose(30.0, 0.0), t)
        t += 67
    assert est.update(make_pose(30.0, 0.0), t) == pytest.approx(0.0, abs=1e-6)


def test_invalid_calibration_duration():
    with pytest.raises(ValueError):
        TrunkRotationEstimator(0.0)


def test_measurer_reports_the_estimator_with_calibration_and_the_raw_metric_without():
    raw = Measurer(calibrate_s=None)
    cal = Measurer(calibrate_s=1.0)
    t = 0
    for _ in range(19):
        cal.update(make_pose(0.0), t)
        t += 67
    pose = make_pose(30.0)
    # Synthetic landmarks are exact, so the raw world metric is exact; the estimator's MediaPipe gains
    # over-read exact depth, but it must turn the same way.
    assert raw.update(pose, t).angles["trunk_rotation_deg"] == pytest.approx(30.0, abs=1e-6)
    assert cal.update(pose, t).angles["trunk_rotation_deg"] > 25.0
    cal.recalibrate()
    assert cal.update(pose, t + 67).angles["trunk_rotation_deg"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("facing_deg", [0.0, 30.0, -30.0, 45.0, -45.0])
@pytest.mark.parametrize("lateral_deg", [-50.0, -30.0, 30.0, 50.0])
def test_a_side_bend_without_a_turn_reads_no_rotation(facing_deg, lateral_deg):
    """Issue 11: a side bend tilts the shoulder line; seen obliquely it also widens it in the picture, which read
    as a turn (14 deg at 50 deg seen at 45 deg). The level width (:func:`level_width_px`) takes the drop out, and
    bent further than a drop of BEND_DROP_FULL the reading fades to 0."""
    est = TrunkRotationEstimator.exact(1.0)
    t = calibrated(est, facing_deg)
    assert abs(est.update(make_pose(0.0, facing_deg, lateral_deg=lateral_deg), t)) < 1.0


@pytest.mark.parametrize("facing_deg", [0.0, 30.0, -30.0])
def test_a_turn_with_a_side_bend_still_reads_the_turn(facing_deg):
    est = TrunkRotationEstimator.exact(1.0)
    t = calibrated(est, facing_deg)
    assert est.update(make_pose(35.0, facing_deg, lateral_deg=20.0), t) == pytest.approx(35.0, abs=3.0)


def test_level_width_of_a_tilted_line():
    # a line of 100 px tilted by 50 deg (drop 76.6 px, horizontal 64.3 px) is 100 px level
    assert level_width_px(100.0, 100.0 * math.sin(math.radians(50)), 100.0) == pytest.approx(100.0, abs=1e-6)
    # no drop: the width as it is
    assert level_width_px(80.0, 0.0, 100.0) == pytest.approx(80.0)


def test_image_depth_cue_reads_a_turn_from_z_px():
    """The image-depth cue alone (depth_mix 1, width blended out) follows MediaPipe's z_px."""
    est = TrunkRotationEstimator(1.0, depth_gain=1.0, image_depth_gain=1.0, depth_mix=1.0, width_gain=1.0,
                                 blend_c=1e9)
    xy0, xyz0 = synthetic_pose_arrays(rotation_deg=0.0)
    ones = np.ones(NUM_LANDMARKS)
    scale_px_per_m = 600.0 / 3.0  # the builder's orthographic scale at 3 m
    def pose(rot: float) -> Pose:
        xy, xyz = synthetic_pose_arrays(rotation_deg=rot)
        return Pose(xy, xyz[:, 2] * scale_px_per_m, xyz, ones, ones, (640, 480))
    est.learn([pose(0.0)] * 5)
    assert est.measure(pose(30.0)) == pytest.approx(30.0, abs=1.0)
