"""Geometry against synthetic landmarks posed with known angles (see tests/builders.py)."""

from __future__ import annotations

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck import geometry
from formcheck.geometry import compute_metrics, wrap_deg
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L
from formcheck.types import Pose

FACINGS = {"front": 0.0, "back": 180.0, "faces-right": 90.0, "faces-left": -90.0}
RESOLUTIONS = [(640, 480), (1280, 720), (480, 854)]
POSITIONS = [(0.0, 0.9, 3.0), (0.9, 0.6, 4.0), (-1.1, 1.2, 2.5)]


@pytest.mark.parametrize("rotation_deg", [-60.0, -45.0, -10.0, 0.0, 10.0, 45.0, 60.0])
@pytest.mark.parametrize("facing", ["front", "back"])
@pytest.mark.parametrize("position_m", POSITIONS)
def test_trunk_rotation_is_the_applied_rotation_front_or_back(rotation_deg, facing, position_m):
    xy, xyz = synthetic_pose_arrays(rotation_deg=rotation_deg, facing_deg=FACINGS[facing], position_m=position_m)
    assert geometry.trunk_rotation_deg(xyz) == pytest.approx(rotation_deg, abs=1e-9)


@pytest.mark.parametrize("camera_yaw_deg", [-30.0, 30.0])
def test_trunk_rotation_cancels_an_oblique_camera(camera_yaw_deg):
    xy, xyz = synthetic_pose_arrays(rotation_deg=40.0, facing_deg=camera_yaw_deg)
    assert geometry.trunk_rotation_deg(xyz) == pytest.approx(40.0, abs=1e-9)
    assert geometry.pelvis_rotation_deg(xyz) == pytest.approx(camera_yaw_deg, abs=1e-9)


def test_pelvis_rotation_is_measured_from_the_camera_plane_front_and_back():
    for facing, expected in [(20.0, 20.0), (-15.0, -15.0), (200.0, 20.0), (165.0, -15.0)]:
        _, xyz = synthetic_pose_arrays(facing_deg=facing)
        assert geometry.pelvis_rotation_deg(xyz) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("extension_deg", [-40.0, -15.0, 0.0, 10.0, 25.0])
@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
@pytest.mark.parametrize("resolution_wh", RESOLUTIONS)
@pytest.mark.parametrize("position_m", POSITIONS)
def test_trunk_extension_same_sign_whichever_way_the_person_faces(extension_deg, facing, resolution_wh, position_m):
    xy, xyz = synthetic_pose_arrays(
        extension_deg=extension_deg, facing_deg=FACINGS[facing], resolution_wh=resolution_wh, position_m=position_m
    )
    assert geometry.trunk_extension_deg(xy, xyz) == pytest.approx(extension_deg, abs=1e-9)


def test_trunk_extension_under_perspective_is_close():
    """A real pinhole camera moves the midpoints of near/far landmarks; the error stays small at 3 m."""
    xy, xyz = synthetic_pose_arrays(extension_deg=20.0, facing_deg=90.0, orthographic=False)
    assert geometry.trunk_extension_deg(xy, xyz) == pytest.approx(20.0, abs=1.0)


@pytest.mark.parametrize("lateral_deg", [-20.0, -5.0, 0.0, 8.0, 20.0])
@pytest.mark.parametrize("facing", ["front", "back"])
@pytest.mark.parametrize("resolution_wh", RESOLUTIONS)
def test_lateral_tilt_front_and_back(lateral_deg, facing, resolution_wh):
    xy, xyz = synthetic_pose_arrays(lateral_deg=lateral_deg, facing_deg=FACINGS[facing], resolution_wh=resolution_wh)
    assert geometry.trunk_lateral_tilt_deg(xy) == pytest.approx(lateral_deg, abs=1e-9)


@pytest.mark.parametrize("head_deg", [0.0, 10.0, 30.0])
@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
def test_head_forward_is_the_tilt_of_the_neck_line(head_deg, facing):
    xy, xyz = synthetic_pose_arrays(head_forward_deg=head_deg, facing_deg=FACINGS[facing])
    # Ears sit straight above the shoulder midpoint at neutral, so the neck line's tilt is the applied angle.
    assert geometry.head_forward_deg(xy, xyz) == pytest.approx(head_deg, abs=1e-9)
    # The neck line against the trunk line: with the trunk upright, the same angle, flexion positive.
    assert geometry.spine_flexion_deg(xy, xyz) == pytest.approx(head_deg, abs=1e-9)


def test_extension_does_not_leak_into_rotation_or_tilt():
    xy, xyz = synthetic_pose_arrays(extension_deg=25.0, facing_deg=0.0)
    assert geometry.trunk_rotation_deg(xyz) == pytest.approx(0.0, abs=1e-9)
    assert geometry.trunk_lateral_tilt_deg(xy) == pytest.approx(0.0, abs=1e-9)


def test_shoulder_elevation_ratio_drops_when_shrugging():
    xy, _ = synthetic_pose_arrays()
    shrug = xy.copy()
    for i in (11, 12):
        shrug[i, 1] -= 15.0  # shoulders rise 15 px
    assert geometry.shoulder_elevation_ratio(shrug) < geometry.shoulder_elevation_ratio(xy)
    width = abs(xy[11, 0] - xy[12, 0])
    expected = (xy[11, 1] - xy[7, 1]) / width
    assert geometry.shoulder_elevation_ratio(xy) == pytest.approx(expected)


def _side_pose_px(shoulder, hip, knee, facing_deg=90.0):
    """A side-view pose with the trunk landmarks moved to given pixels (both sides on top of each other)."""
    xy, xyz = synthetic_pose_arrays(facing_deg=facing_deg)
    for (l, r), p in (((11, 12), shoulder), ((23, 24), hip), ((25, 26), knee)):
        xy[l] = xy[r] = p
    return xy, xyz


def test_hip_line_sag_and_pike_in_a_plank():
    # Plank facing the image's right: shoulders right, knees left, the line horizontal at y = 300.
    straight = _side_pose_px((400.0, 300.0), (300.0, 300.0), (200.0, 300.0))
    sag = _side_pose_px((400.0, 300.0), (300.0, 300.0 + 100 * np.tan(np.radians(10))), (200.0, 300.0))
    pike = _side_pose_px((400.0, 300.0), (300.0, 300.0 - 100 * np.tan(np.radians(10))), (200.0, 300.0))
    assert geometry.hip_line_deg(*straight) == pytest.approx(0.0, abs=1e-9)
    assert geometry.hip_line_deg(*sag) == pytest.approx(-20.0, abs=1e-9)
    assert geometry.hip_line_deg(*pike) == pytest.approx(20.0, abs=1e-9)
    mirrored = _side_pose_px((200.0, 300.0), (300.0, 300.0 + 100 * np.tan(np.radians(10))), (400.0, 300.0), -90.0)
    assert geometry.hip_line_deg(*mirrored) == pytest.approx(-20.0, abs=1e-9)


def test_hip_flexion_seated_is_ninety():
    xy, _ = _side_pose_px((300.0, 100.0), (300.0, 300.0), (450.0, 300.0))
    assert geometry.hip_flexion_deg(xy) == pytest.approx(90.0)


def test_arm_and_leg_raise_bird_dog():
    # On hands and knees facing right: trunk horizontal, hips at x=200, shoulders at x=400.
    xy, xyz = _side_pose_px((400.0, 200.0), (200.0, 200.0), (200.0, 300.0))
    xy[15] = (400.0, 300.0)  # left wrist under the shoulder: 90 degrees
    xy[16] = (550.0, 200.0)  # right arm reaching forward in line with the trunk: 180
    xy[27] = (150.0, 300.0)  # left ankle on the floor behind the knee
    xy[28] = (50.0, 200.0)  # right leg reaching back in line: 180
    assert geometry.arm_raise_deg(xy) == pytest.approx(180.0)
    assert geometry.leg_raise_deg(xy) == pytest.approx(180.0)


def test_vectorised_over_frames_matches_frame_by_frame():
    angles = np.linspace(-50, 50, 11)
    frames = [synthetic_pose_arrays(rotation_deg=a, facing_deg=15.0) for a in angles]
    xy = np.stack([f[0] for f in frames])
    xyz = np.stack([f[1] for f in frames])
    batch = compute_metrics(xy, xyz)
    assert batch["trunk_rotation_deg"].shape == (11,)
    np.testing.assert_allclose(batch["trunk_rotation_deg"], angles, atol=1e-9)
    for i, f in enumerate(frames):
        single = compute_metrics(*f)
        for name in geometry.METRIC_NAMES:
            np.testing.assert_allclose(batch[name][i], single[name])


def test_no_person_gives_nan_not_an_error():
    pose = Pose.empty((640, 480))
    m = geometry.measure(pose, 0)
    assert not m.detected and m.view == "unknown" and m.out_of_frame == ()
    assert set(m.angles) == set(geometry.METRIC_NAMES)
    assert all(np.isnan(v) for v in m.angles.values())


@pytest.mark.parametrize("facing,expected", [(0.0, "front"), (30.0, "front"), (180.0, "back"), (90.0, "side"),
                                             (-90.0, "side"), (-150.0, "back"),
                                             # a side view read 42-48 deg off the front: MediaPipe's hip line
                                             # reads a camera 45 deg off the front as 39 (median; wide set)
                                             (42.0, "side"), (-138.0, "side"), (36.0, "front"), (-144.0, "back")])
def test_view_classification(facing, expected):
    _, xyz = synthetic_pose_arrays(facing_deg=facing, rotation_deg=40.0)
    assert str(geometry.classify_view(xyz)) == expected


def test_parts_out_of_frame():
    xy, _ = synthetic_pose_arrays(position_m=(0.0, 0.9, 2.0))  # close: the feet leave the picture
    assert geometry.parts_out_of_frame(xy, (640, 480)) == ("ankles",)
    xy, _ = synthetic_pose_arrays(position_m=(0.0, 0.9, 4.0))  # far enough: everything in
    assert geometry.parts_out_of_frame(xy, (640, 480)) == ()


def test_wrap():
    np.testing.assert_allclose(wrap_deg(np.array([190.0, -190.0, 360.0, 179.0])), [-170.0, 170.0, 0.0, 179.0])


def test_every_metric_declares_landmarks_and_views():
    for spec in geometry.METRICS:
        assert spec.landmarks and set(spec.views) <= {"front", "back", "side"}
        assert spec.name.endswith(("_deg", "_ratio"))
        assert all(0 <= int(i) < NUM_LANDMARKS for i in spec.landmarks)


def test_side_view_metrics_need_one_of_each_left_right_pair_seen():
    """Seen from the side the far knee is hidden: a side-view metric is as well seen as the near side."""
    vis = np.ones(NUM_LANDMARKS)
    vis[[int(L.LEFT_KNEE), int(L.LEFT_WRIST), int(L.LEFT_ANKLE)]] = 0.2  # far side, person facing right
    out = geometry.metric_visibility(vis)
    assert out["hip_flexion_deg"] == pytest.approx(1.0)
    assert out["arm_raise_deg"] == pytest.approx(1.0)
    vis[int(L.RIGHT_KNEE)] = 0.3  # both knees hidden: not measurable
    assert geometry.metric_visibility(vis)["hip_line_deg"] == pytest.approx(0.3)


def test_front_view_metrics_need_every_landmark_seen():
    vis = np.ones(NUM_LANDMARKS)
    vis[int(L.LEFT_SHOULDER)] = 0.2
    out = geometry.metric_visibility(vis)
    assert out["trunk_rotation_deg"] == pytest.approx(0.2)
    assert out["shoulder_elevation_ratio"] == pytest.approx(0.2)


# Standing body of tests/builders.py: hips at 0.90 m, shoulders at 1.42 m, ears at 1.63 m, all at z = 0.
@pytest.mark.parametrize("back_m", [-0.03, 0.0, 0.02, 0.05])
@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
@pytest.mark.parametrize("resolution_wh", RESOLUTIONS)
def test_shoulder_retraction_is_the_shoulders_angle_behind_the_hip_ear_line(back_m, facing, resolution_wh):
    xy, xyz = synthetic_pose_arrays(shoulder_back_m=back_m, facing_deg=FACINGS[facing], resolution_wh=resolution_wh)
    expected = np.degrees(np.arctan2(back_m, 1.42 - 0.90))  # the hip -> ear line is vertical
    assert geometry.shoulder_retraction_deg(xy, xyz) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("extension_deg", [-30.0, 15.0])
def test_shoulder_retraction_ignores_leaning_the_whole_trunk(extension_deg):
    xy, xyz = synthetic_pose_arrays(shoulder_back_m=0.02, extension_deg=extension_deg, facing_deg=90.0)
    assert geometry.shoulder_retraction_deg(xy, xyz) == pytest.approx(np.degrees(np.arctan2(0.02, 0.52)), abs=1e-9)


@pytest.mark.parametrize("facing", ["faces-right", "faces-left"])
@pytest.mark.parametrize("head_forward_deg", [0.0, 20.0])
@pytest.mark.parametrize("extension_deg", [0.0, 15.0])
def test_neck_length_ratio_ignores_head_tilt_and_lean(facing, head_forward_deg, extension_deg):
    xy, _ = synthetic_pose_arrays(facing_deg=FACINGS[facing], head_forward_deg=head_forward_deg,
                                  extension_deg=extension_deg)
    assert geometry.neck_length_ratio(xy) == pytest.approx((1.63 - 1.42) / (1.42 - 0.90), abs=1e-9)


def test_neck_length_ratio_drops_when_shrugging():
    xy, _ = synthetic_pose_arrays(facing_deg=90.0)
    shrug = xy.copy()
    shrug[[int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)], 1] -= 10.0  # shoulders 10 px up the picture
    neck = xy[int(L.LEFT_EAR), 1] - xy[int(L.LEFT_SHOULDER), 1]  # negative: the ear is above
    trunk = xy[int(L.LEFT_HIP), 1] - xy[int(L.LEFT_SHOULDER), 1]
    assert geometry.neck_length_ratio(shrug) == pytest.approx((-neck - 10.0) / (trunk + 10.0), abs=1e-9)


def test_a_wrist_out_of_the_picture_is_measured_to_the_elbow():
    from formcheck.geometry import measure
    from formcheck.landmarks import Landmark as LM
    from formcheck.types import Pose as P

    xy, xyz = synthetic_pose_arrays(facing_deg=90.0)
    ones = np.ones(NUM_LANDMARKS)
    inside = measure(P(xy, np.zeros(NUM_LANDMARKS), xyz, ones, ones, (640, 480)), 0)
    reaching = xy.copy()
    for wrist in (LM.LEFT_WRIST, LM.RIGHT_WRIST):  # the hands leave the frame (MediaPipe still places them)
        reaching[int(wrist)] = (-80.0, 10.0)
    vis = ones.copy()
    vis[[int(LM.LEFT_WRIST), int(LM.RIGHT_WRIST)]] = 0.05
    out = measure(P(reaching, np.zeros(NUM_LANDMARKS), xyz, vis, ones, (640, 480)), 0)
    assert "wrists" in out.out_of_frame
    # The straight arm reads the same from the elbow as from the wrist did, and it is seen well enough to count.
    assert out.angles["arm_raise_deg"] == pytest.approx(inside.angles["arm_raise_deg"], abs=3.0)
    assert out.visibility["arm_raise_deg"] >= 0.5


# ------------------------------------------------------------------------------------------ mirror images
#: Metrics signed by the body's left and right (positive to the person's left): a mirror image negates them.
#: Every other metric is the same in a mirror image (a person facing the other way, or a selfie camera).
SIDED_METRICS = {"trunk_rotation_deg", "pelvis_rotation_deg", "trunk_lateral_tilt_deg", "trunk_axial_rotation_deg"}
MIRRORED = [int(L[m.name.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")]) for m in L]


def mirror_image(xy_px: np.ndarray, xyz_m: np.ndarray, width_px: int) -> tuple[np.ndarray, np.ndarray]:
    """The pose as a camera mirrored left to right sees it: x flipped in the picture and in the world, and the
    body's left and right landmarks swapped (the person's left hand is still their left hand)."""
    xy, xyz = xy_px.copy(), xyz_m.copy()
    xy[:, 0] = width_px - xy[:, 0]
    xyz[:, 0] = -xyz[:, 0]
    return xy[MIRRORED], xyz[MIRRORED]


@pytest.mark.parametrize("facing_deg", [0.0, 30.0, -45.0, 90.0, -90.0, 180.0])
def test_every_metric_reads_a_mirror_image_as_the_same_movement_to_the_other_side(facing_deg: float) -> None:
    # a person facing frame-left reads as one facing frame-right; a turn to the left as one to the right
    xy, xyz = synthetic_pose_arrays(rotation_deg=25.0, extension_deg=10.0, lateral_deg=8.0, head_forward_deg=12.0,
                                    shoulder_back_m=0.02, facing_deg=facing_deg)
    plain = compute_metrics(xy, xyz)
    mirrored = compute_metrics(*mirror_image(xy, xyz, 640))
    assert set(plain) >= SIDED_METRICS
    for name in plain:
        expected = -plain[name] if name in SIDED_METRICS else plain[name]
        assert mirrored[name] == pytest.approx(expected, abs=1e-6), name
