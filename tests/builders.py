"""Builders of synthetic poses with known angles, for geometry and pipeline tests.

A simple stick body is posed in its own frame (x = the person's left, y = up, z = forward, metres, origin on
the floor between the feet), turned to face some direction, placed in front of a pinhole camera and
projected to pixels. Because the true angles are put in by construction, the geometry can be checked
exactly.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.landmarks import Landmark as L

FloatArray = NDArray[np.float64]

HIP_HEIGHT_M = 0.9

# Body-frame positions (x left, y up, z forward) of a person standing straight.
_UPPER = {  # moved by trunk rotation / extension / lateral flexion (pivot: the hip midpoint)
    L.LEFT_SHOULDER: (0.19, 1.42, 0.0),
    L.RIGHT_SHOULDER: (-0.19, 1.42, 0.0),
    L.LEFT_ELBOW: (0.22, 1.15, 0.0),
    L.RIGHT_ELBOW: (-0.22, 1.15, 0.0),
    L.LEFT_WRIST: (0.23, 0.90, 0.02),
    L.RIGHT_WRIST: (-0.23, 0.90, 0.02),
    L.LEFT_PINKY: (0.23, 0.84, 0.02),
    L.RIGHT_PINKY: (-0.23, 0.84, 0.02),
    L.LEFT_INDEX: (0.23, 0.83, 0.04),
    L.RIGHT_INDEX: (-0.23, 0.83, 0.04),
    L.LEFT_THUMB: (0.22, 0.86, 0.05),
    L.RIGHT_THUMB: (-0.22, 0.86, 0.05),
    L.NOSE: (0.0, 1.62, 0.10),
    L.LEFT_EYE_INNER: (0.015, 1.66, 0.08),
    L.LEFT_EYE: (0.03, 1.66, 0.08),
    L.LEFT_EYE_OUTER: (0.045, 1.66, 0.075),
    L.RIGHT_EYE_INNER: (-0.015, 1.66, 0.08),
    L.RIGHT_EYE: (-0.03, 1.66, 0.08),
    L.RIGHT_EYE_OUTER: (-0.045, 1.66, 0.075),
    L.LEFT_EAR: (0.075, 1.63, 0.0),
    L.RIGHT_EAR: (-0.075, 1.63, 0.0),
    L.MOUTH_LEFT: (0.025, 1.57, 0.09),
    L.MOUTH_RIGHT: (-0.025, 1.57, 0.09),
}
_LOWER = {
    L.LEFT_HIP: (0.13, HIP_HEIGHT_M, 0.0),
    L.RIGHT_HIP: (-0.13, HIP_HEIGHT_M, 0.0),
    L.LEFT_KNEE: (0.12, 0.48, 0.02),
    L.RIGHT_KNEE: (-0.12, 0.48, 0.02),
    L.LEFT_ANKLE: (0.11, 0.08, 0.0),
    L.RIGHT_ANKLE: (-0.11, 0.08, 0.0),
    L.LEFT_HEEL: (0.11, 0.03, -0.05),
    L.RIGHT_HEEL: (-0.11, 0.03, -0.05),
    L.LEFT_FOOT_INDEX: (0.12, 0.01, 0.15),
    L.RIGHT_FOOT_INDEX: (-0.12, 0.01, 0.15),
}


def _rot_x(deg: float) -> FloatArray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def _rot_y(deg: float) -> FloatArray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def _rot_z(deg: float) -> FloatArray:
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def body_pose(
    rotation_deg: float = 0.0,
    extension_deg: float = 0.0,
    lateral_deg: float = 0.0,
    head_forward_deg: float = 0.0,
    shoulder_back_m: float = 0.0,
) -> FloatArray:
    """(33, 3) body-frame landmarks (x left, y up, z forward) with the trunk posed by known angles.

    Args:
        rotation_deg: axial rotation of the upper body, positive to the person's left.
        extension_deg: extension of the upper body about the hips, positive leaning back.
        lateral_deg: lateral flexion of the upper body, positive to the person's left (left shoulder drops).
        head_forward_deg: the head tipped forward about the shoulder midpoint (ears ahead of the shoulders).
        shoulder_back_m: both shoulders moved straight back by this much (scapular retraction), before the
            trunk is posed; the ears and hips stay.
    """
    pts = np.full((NUM_LANDMARKS, 3), np.nan)
    for lm, p in _LOWER.items():
        pts[int(lm)] = p
    pivot = np.array([0.0, HIP_HEIGHT_M, 0.0])
    shoulder_mid = np.array([0.0, 1.42, 0.0])
    head = {L.NOSE, L.LEFT_EYE_INNER, L.LEFT_EYE, L.LEFT_EYE_OUTER, L.RIGHT_EYE_INNER, L.RIGHT_EYE,
            L.RIGHT_EYE_OUTER, L.LEFT_EAR, L.RIGHT_EAR, L.MOUTH_LEFT, L.MOUTH_RIGHT}
    # Positive rotation about +y turns x (left) towards -z (backwards): a turn to the left.
    # Extension moves the shoulders backwards (-z): rotation about +x by -extension.
    # Left lateral flexion drops the left shoulder: rotation about +z (forward) by -lateral.
    upper_rot = _rot_z(-lateral_deg) @ _rot_x(-extension_deg) @ _rot_y(rotation_deg)
    head_rot = _rot_x(head_forward_deg)
    for lm, p in _UPPER.items():
        q = np.asarray(p, dtype=float)
        if lm in head:
            q = shoulder_mid + head_rot @ (q - shoulder_mid)
        if lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
            q = q + np.array([0.0, 0.0, -shoulder_back_m])
        pts[int(lm)] = pivot + upper_rot @ (q - pivot)
    return pts


def place_in_camera(
    body_xyz: FloatArray, facing_deg: float = 0.0, position_m: tuple[float, float, float] = (0.0, 0.9, 3.0)
) -> FloatArray:
    """Body-frame landmarks -> camera coordinates (x right, y down, z away from the camera, metres).

    Args:
        facing_deg: the person's heading, turned about the vertical from facing the camera; +90 faces the
            image's right (the camera sees their right side), -90 its left, 180 shows their back.
        position_m: camera-frame position of the body frame's origin (the floor between the feet).
    """
    # Facing the camera: left -> +x, up -> -y, forward -> -z.
    to_camera = np.array([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]])
    a = np.radians(facing_deg)
    # Turning by +facing about UP = (0, -1, 0) (counter-clockwise seen from above).
    turn = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    return (turn @ to_camera @ body_xyz.T).T + np.asarray(position_m)


def project(
    xyz_m: FloatArray,
    resolution_wh: tuple[int, int] = (640, 480),
    focal_px: float = 600.0,
    orthographic_depth_m: float | None = None,
) -> FloatArray:
    """Pinhole projection of camera coordinates to pixels, principal point at the centre.

    With ``orthographic_depth_m`` every point is scaled as if it were at that depth (no perspective), which
    makes image-plane angles exactly equal to the 3D angles of lines parallel to the image plane.
    """
    w, h = resolution_wh
    z = xyz_m[..., 2] if orthographic_depth_m is None else np.full(xyz_m.shape[:-1], orthographic_depth_m)
    return np.stack([focal_px * xyz_m[..., 0] / z + w / 2, focal_px * xyz_m[..., 1] / z + h / 2], axis=-1)


def synthetic_pose_arrays(
    *,
    rotation_deg: float = 0.0,
    extension_deg: float = 0.0,
    lateral_deg: float = 0.0,
    head_forward_deg: float = 0.0,
    shoulder_back_m: float = 0.0,
    facing_deg: float = 0.0,
    position_m: tuple[float, float, float] = (0.0, 0.9, 3.0),
    resolution_wh: tuple[int, int] = (640, 480),
    focal_px: float = 600.0,
    orthographic: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """``(xy_px, xyz_m)`` of one synthetic person: pixels and hip-centred camera-aligned metres.

    ``orthographic`` (the default) projects without perspective so image angles are exact; pass False for a
    real pinhole camera.
    """
    body = body_pose(rotation_deg, extension_deg, lateral_deg, head_forward_deg, shoulder_back_m)
    cam = place_in_camera(body, facing_deg, position_m)
    xy = project(cam, resolution_wh, focal_px, position_m[2] if orthographic else None)
    hip_mid = 0.5 * (cam[int(L.LEFT_HIP)] + cam[int(L.RIGHT_HIP)])
    return xy, cam - hip_mid
