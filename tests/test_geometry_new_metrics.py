"""chest_lift_deg and trunk_axial_rotation_deg against synthetic bodies posed with known angles.

The stick body of tests/builders.py stands upright; for lying face down and for hands and knees it is pitched
forward by 90 deg about its hip midpoint (head forward, chest to the floor) before it is placed in front of
the camera, so a trunk rotation applied by the builder is a turn about a horizontal trunk axis.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import HIP_HEIGHT_M, body_pose, place_in_camera, project, synthetic_pose_arrays
from formcheck import geometry
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.posture import postures_of
from formcheck.types import Pose

FACINGS = {"front": 0.0, "back": 180.0, "faces-right": 90.0, "faces-left": -90.0}
RESOLUTIONS = [(640, 480), (1280, 720), (480, 854)]
OLD_METRICS = (
    "trunk_rotation_deg", "pelvis_rotation_deg", "trunk_extension_deg", "trunk_lateral_tilt_deg",
    "head_forward_deg", "shoulder_elevation_ratio", "hip_flexion_deg", "hip_line_deg", "spine_flexion_deg",
    "arm_raise_deg", "leg_raise_deg", "shoulder_retraction_deg", "neck_length_ratio",
)


def _pitch_forward(body: np.ndarray, deg: float = 90.0) -> np.ndarray:
    """Turns the whole body about its hip midpoint's left-right axis: 90 = head forward, chest down."""
    a = np.radians(deg)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, np.cos(a), -np.sin(a)], [0.0, np.sin(a), np.cos(a)]])
    pivot = np.array([0.0, HIP_HEIGHT_M, 0.0])
    return (rot @ (body - pivot).T).T + pivot


def floor_pose_arrays(*, rotation_deg: float = 0.0, extension_deg: float = 0.0, lateral_deg: float = 0.0,
                      facing_deg: float = 90.0, quadruped: bool = False, resolution_wh: tuple[int, int] = (640, 480),
                      orthographic: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(xy_px, xyz_m)`` of a body lying face down / on hands and knees, head towards ``facing_deg``.

    ``facing_deg`` as in :func:`builders.place_in_camera`: +90 head to the image's right (side view), -90 to
    its left, 0 head towards the camera, 180 away from it. ``extension_deg`` lifts the chest off the floor
    (the hip -> shoulder line that many degrees above the horizontal); ``rotation_deg`` turns the trunk about
    its own (now horizontal) axis, positive to the person's left (left shoulder up). ``quadruped`` puts the
    knees under the hips and the hands under the shoulders (otherwise the legs and arms lie along the body).
    """
    body = _pitch_forward(body_pose(rotation_deg, extension_deg, lateral_deg))
    if quadruped:  # the floor 0.45 m below the trunk
        floor_y = HIP_HEIGHT_M - 0.45
        for knee, ankle, hip in ((L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HIP), (L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HIP)):
            body[int(knee)] = (body[int(hip)][0], floor_y, 0.0)
            body[int(ankle)] = (body[int(hip)][0], floor_y, -0.4)
        for wrist, elbow, shoulder in ((L.LEFT_WRIST, L.LEFT_ELBOW, L.LEFT_SHOULDER),
                                       (L.RIGHT_WRIST, L.RIGHT_ELBOW, L.RIGHT_SHOULDER)):
            s = body[int(shoulder)]
            body[int(wrist)] = (s[0], floor_y, s[2])
            body[int(elbow)] = (s[0], 0.5 * (s[1] + floor_y), s[2])
    position = (0.0, 0.9, 3.0)
    cam = place_in_camera(body, facing_deg, position)
    xy = project(cam, resolution_wh, 600.0, position[2] if orthographic else None)
    hip_mid = 0.5 * (cam[int(L.LEFT_HIP)] + cam[int(L.RIGHT_HIP)])
    return xy, cam - hip_mid


def _pose(xy: np.ndarray, xyz: np.ndarray) -> Pose:
    return Pose(xy_px=xy, z_px=np.zeros(NUM_LANDMARKS), world_xyz_m=xyz, visibility=np.ones(NUM_LANDMARKS),
                presence=np.ones(NUM_LANDMARKS), resolution_wh=(640, 480))


# ------------------------------------------------------------------------------------------- chest lift
@pytest.mark.parametrize("lift_deg", [0.0, 5.0, 10.0, 25.0, 40.0, 60.0])
@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
@pytest.mark.parametrize("resolution_wh", RESOLUTIONS)
def test_chest_lift_is_the_lift_of_the_trunk_line_whichever_way_the_person_faces(lift_deg, facing, resolution_wh):
    xy, _ = floor_pose_arrays(extension_deg=lift_deg, facing_deg=FACINGS[facing], resolution_wh=resolution_wh)
    assert geometry.chest_lift_deg(xy) == pytest.approx(lift_deg, abs=1e-9)


def test_chest_lift_lying_flat_reads_zero_and_upright_ninety():
    flat, _ = floor_pose_arrays(facing_deg=90.0)
    upright, _ = synthetic_pose_arrays(facing_deg=90.0)
    assert geometry.chest_lift_deg(flat) == pytest.approx(0.0, abs=1e-9)
    assert geometry.chest_lift_deg(upright) == pytest.approx(90.0, abs=1e-9)


def test_chest_lift_is_negative_when_the_shoulders_are_below_the_hips():
    xy, _ = floor_pose_arrays(extension_deg=-15.0, facing_deg=-90.0)  # head down a slope
    assert geometry.chest_lift_deg(xy) == pytest.approx(-15.0, abs=1e-9)


def test_chest_lift_ignores_trunk_rotation_seen_from_the_side():
    xy, _ = floor_pose_arrays(extension_deg=20.0, rotation_deg=30.0, facing_deg=90.0)
    assert geometry.chest_lift_deg(xy) == pytest.approx(20.0, abs=1e-9)  # the shoulder midpoint stays put


def test_chest_lift_under_perspective_is_close():
    xy, _ = floor_pose_arrays(extension_deg=20.0, facing_deg=90.0, orthographic=False)
    assert geometry.chest_lift_deg(xy) == pytest.approx(20.0, abs=1.0)


def test_chest_lift_seen_head_on_says_nothing_about_the_lift():
    """Head towards the camera the trunk line points at the lens: any lift reads about 90 (hence side view only)."""
    for lift in (10.0, 30.0):
        xy, _ = floor_pose_arrays(extension_deg=lift, facing_deg=0.0)
        assert abs(geometry.chest_lift_deg(xy)) == pytest.approx(90.0, abs=1e-6)


# ---------------------------------------------------------------------------------- trunk axial rotation
@pytest.mark.parametrize("rotation_deg", [-60.0, -45.0, -10.0, 0.0, 10.0, 45.0, 60.0])
@pytest.mark.parametrize("facing", ["front", "back", "faces-right", "faces-left"])
def test_axial_rotation_upright_equals_trunk_rotation(rotation_deg, facing):
    _, xyz = synthetic_pose_arrays(rotation_deg=rotation_deg, facing_deg=FACINGS[facing])
    axial = geometry.trunk_axial_rotation_deg(xyz)
    assert axial == pytest.approx(rotation_deg, abs=1e-9)
    assert axial == pytest.approx(geometry.trunk_rotation_deg(xyz), abs=1e-9)


@pytest.mark.parametrize("camera_yaw_deg", [-30.0, 30.0])
def test_axial_rotation_upright_cancels_an_oblique_camera(camera_yaw_deg):
    _, xyz = synthetic_pose_arrays(rotation_deg=40.0, facing_deg=camera_yaw_deg)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(40.0, abs=1e-9)


@pytest.mark.parametrize("rotation_deg", [-60.0, -30.0, -10.0, 0.0, 10.0, 30.0, 60.0])
@pytest.mark.parametrize("facing", ["faces-right", "faces-left", "front", "back"])
@pytest.mark.parametrize("quadruped", [False, True], ids=["lying", "hands-and-knees"])
def test_axial_rotation_on_the_floor_is_the_applied_turn(rotation_deg, facing, quadruped):
    _, xyz = floor_pose_arrays(rotation_deg=rotation_deg, facing_deg=FACINGS[facing], quadruped=quadruped)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(rotation_deg, abs=1e-9)


@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
def test_on_hands_and_knees_the_upright_rotation_metric_is_blind_and_the_axial_one_is_not(facing):
    _, xyz = floor_pose_arrays(rotation_deg=40.0, facing_deg=FACINGS[facing])
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(40.0, abs=1e-9)
    assert abs(geometry.trunk_rotation_deg(xyz)) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
def test_positive_axial_rotation_on_hands_and_knees_lifts_the_left_shoulder(facing):
    """The sign by the body, not the camera: a turn to the left raises the left shoulder (left arm reaching up)."""
    xy, xyz = floor_pose_arrays(rotation_deg=30.0, facing_deg=FACINGS[facing])
    left_y, right_y = xy[int(L.LEFT_SHOULDER), 1], xy[int(L.RIGHT_SHOULDER), 1]
    assert left_y < right_y  # image y points down: the left shoulder is higher
    assert geometry.trunk_axial_rotation_deg(xyz) > 0
    xy, xyz = floor_pose_arrays(rotation_deg=-30.0, facing_deg=FACINGS[facing])  # left shoulder towards the floor
    assert xy[int(L.LEFT_SHOULDER), 1] > xy[int(L.RIGHT_SHOULDER), 1]
    assert geometry.trunk_axial_rotation_deg(xyz) < 0


@pytest.mark.parametrize("extension_deg", [-45.0, 30.0, 60.0])
def test_axial_rotation_is_unchanged_by_leaning_the_trunk(extension_deg):
    """About the trunk's own axis: leaning forward or back leaves the turn; the vertical-axis metric drifts."""
    _, xyz = synthetic_pose_arrays(rotation_deg=40.0, extension_deg=extension_deg, facing_deg=0.0)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(40.0, abs=1e-9)
    assert abs(geometry.trunk_rotation_deg(xyz) - 40.0) > 1.0
    _, xyz = floor_pose_arrays(rotation_deg=-25.0, extension_deg=extension_deg, facing_deg=90.0)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(-25.0, abs=1e-9)


@pytest.mark.parametrize("lateral_deg", [-20.0, 15.0])
@pytest.mark.parametrize("rotation_deg", [0.0, 35.0])
def test_lateral_flexion_does_not_leak_into_axial_rotation(lateral_deg, rotation_deg):
    _, xyz = synthetic_pose_arrays(rotation_deg=rotation_deg, lateral_deg=lateral_deg, facing_deg=0.0)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(rotation_deg, abs=1e-9)
    _, xyz = floor_pose_arrays(rotation_deg=rotation_deg, lateral_deg=lateral_deg, facing_deg=90.0)
    assert geometry.trunk_axial_rotation_deg(xyz) == pytest.approx(rotation_deg, abs=1e-9)


def test_axial_rotation_does_not_depend_on_the_origin_or_the_scale():
    _, xyz = floor_pose_arrays(rotation_deg=-35.0, facing_deg=90.0)
    moved = 1.7 * xyz + np.array([0.4, -0.2, 2.0])
    assert geometry.trunk_axial_rotation_deg(moved) == pytest.approx(-35.0, abs=1e-9)


# ----------------------------------------------------------------------------------------- NaN, vectors
def test_nan_landmarks_give_nan_not_an_error():
    xy, xyz = floor_pose_arrays(rotation_deg=20.0, extension_deg=15.0)
    for lm in (L.LEFT_SHOULDER, L.RIGHT_HIP):
        bad_xy, bad_xyz = xy.copy(), xyz.copy()
        bad_xy[int(lm)] = np.nan
        bad_xyz[int(lm)] = np.nan
        assert np.isnan(geometry.chest_lift_deg(bad_xy))
        assert np.isnan(geometry.trunk_axial_rotation_deg(bad_xyz))
    empty = geometry.measure(Pose.empty((640, 480)), 0)
    assert np.isnan(empty.angles["chest_lift_deg"]) and np.isnan(empty.angles["trunk_axial_rotation_deg"])


def test_a_trunk_of_zero_length_gives_nan():
    _, xyz = floor_pose_arrays()
    xyz[[int(L.LEFT_HIP), int(L.RIGHT_HIP)]] = xyz[[int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)]]
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(geometry.compute_metrics(np.zeros((NUM_LANDMARKS, 2)), xyz)["trunk_axial_rotation_deg"])


def test_vectorised_over_frames_matches_frame_by_frame():
    angles = np.linspace(-50, 50, 11)
    frames = [floor_pose_arrays(rotation_deg=a, extension_deg=abs(a) / 2, facing_deg=-90.0) for a in angles]
    xy = np.stack([f[0] for f in frames])
    xyz = np.stack([f[1] for f in frames])
    batch = geometry.compute_metrics(xy, xyz)
    assert batch["trunk_axial_rotation_deg"].shape == (11,)
    np.testing.assert_allclose(batch["trunk_axial_rotation_deg"], angles, atol=1e-9)
    np.testing.assert_allclose(batch["chest_lift_deg"], np.abs(angles) / 2, atol=1e-9)
    for i, (fxy, fxyz) in enumerate(frames):
        np.testing.assert_allclose(geometry.chest_lift_deg(fxy), batch["chest_lift_deg"][i])
        np.testing.assert_allclose(geometry.trunk_axial_rotation_deg(fxyz), batch["trunk_axial_rotation_deg"][i])
    two_d = geometry.compute_metrics(xy.reshape(11, 1, NUM_LANDMARKS, 2), xyz.reshape(11, 1, NUM_LANDMARKS, 3))
    assert two_d["trunk_axial_rotation_deg"].shape == (11, 1)


# -------------------------------------------------------------------------------------------- registry
def test_new_metrics_are_appended_after_the_older_ones():
    """Existing CSV columns keep their order: the new metrics come last."""
    assert geometry.METRIC_NAMES[: len(OLD_METRICS)] == OLD_METRICS
    assert geometry.METRIC_NAMES[len(OLD_METRICS):][:2] == ("chest_lift_deg", "trunk_axial_rotation_deg")


def test_registry_entries_of_the_new_metrics():
    lift = geometry.METRICS_BY_NAME["chest_lift_deg"]
    axial = geometry.METRICS_BY_NAME["trunk_axial_rotation_deg"]
    assert lift.views == ("side",) and not lift.relative_to_neutral and lift.plane == "sagittal"
    assert set(axial.views) == {"side", "front", "back"} and axial.relative_to_neutral
    assert set(lift.landmarks) == set(axial.landmarks) == {L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP,
                                                             L.RIGHT_HIP}


@pytest.mark.parametrize(("quadruped", "expected"), [(False, "prone"), (True, "quadruped")])
def test_the_synthetic_floor_bodies_fit_their_postures(quadruped, expected):
    for facing in ("faces-right", "faces-left"):
        xy, _ = floor_pose_arrays(facing_deg=FACINGS[facing], quadruped=quadruped)
        assert expected in postures_of(xy)


def test_measure_of_a_side_on_body_on_the_floor():
    xy, xyz = floor_pose_arrays(rotation_deg=-20.0, extension_deg=12.0, facing_deg=90.0)
    m = geometry.measure(_pose(xy, xyz), 0)
    assert m.view == "side"
    assert m.angles["chest_lift_deg"] == pytest.approx(12.0, abs=1e-9)
    assert m.angles["trunk_axial_rotation_deg"] == pytest.approx(-20.0, abs=1e-9)
    assert m.visibility["chest_lift_deg"] == m.visibility["trunk_axial_rotation_deg"] == 1.0


def test_visibility_of_the_axial_rotation_needs_all_four_landmarks():
    vis = np.ones(NUM_LANDMARKS)
    vis[int(L.RIGHT_HIP)] = 0.2
    out = geometry.metric_visibility(vis)
    assert out["trunk_axial_rotation_deg"] == pytest.approx(0.2)
    assert out["chest_lift_deg"] == pytest.approx(1.0)  # side view: the better-seen hip of the pair


def _turn(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """A rigid turn of the camera: about its vertical, then its x axis (tipped up/down), then its z axis (rolled)."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    r_y = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    r_x = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    r_z = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return r_z @ r_x @ r_y


def test_shoulders_back_against_the_bodys_up_is_the_same_from_a_camera_turned_any_way():
    # The body's up at the neutral turns with the scene, so the reading against it does not depend on where the
    # camera is: a person seen 20 deg off side-on whose left axis is not level (MediaPipe's far shoulder and hip
    # placed higher), squeezing 4 cm back.
    frames = []
    for back_m in np.linspace(0.0, 0.04, 9):
        _, xyz = synthetic_pose_arrays(shoulder_back_m=float(back_m), facing_deg=70.0, extension_deg=5.0)
        xyz[[int(L.LEFT_SHOULDER), int(L.LEFT_HIP)], 1] -= 0.08
        xyz[int(L.LEFT_SHOULDER), 2] += 0.05 * back_m / 0.04  # the far shoulder's depth wavering with it
        frames.append(xyz)
    xyz = np.array(frames)
    level = geometry.shoulders_back_deg(xyz, geometry.trunk_up_xyz(xyz[:2]))
    assert level[-1] - level[0] > 1.0
    for turn in (_turn(0, 20, 0), _turn(0, -20, 0), _turn(0, 0, 6), _turn(30, 20, -6)):
        turned = xyz @ turn.T
        assert geometry.shoulders_back_deg(turned, geometry.trunk_up_xyz(turned[:2])) == pytest.approx(level, abs=1e-9)
    # Against the camera's up the same squeeze read up to 0.7 deg differently from a camera 20 deg above.
    camera_up = geometry.shoulders_back_deg(xyz) - geometry.shoulders_back_deg(xyz[0])
    tipped = xyz @ _turn(0, 20, 0).T
    tipped_up = geometry.shoulders_back_deg(tipped) - geometry.shoulders_back_deg(tipped[0])
    assert np.abs(tipped_up - camera_up).max() > 0.3


def test_the_bodys_up_is_the_median_trunk_axis_or_the_cameras_up_without_one():
    _, upright = synthetic_pose_arrays()
    assert geometry.trunk_up_xyz(upright[None]) == pytest.approx(geometry.UP)
    tipped = upright @ _turn(0, 0, 10).T
    assert geometry.trunk_up_xyz(np.stack([tipped] * 3)) == pytest.approx(_turn(0, 0, 10) @ geometry.UP)
    assert geometry.trunk_up_xyz(np.full((4, NUM_LANDMARKS, 3), np.nan)) == pytest.approx(geometry.UP)
