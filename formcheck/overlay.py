"""Drawing on frames: the skeleton and live angle read-outs. OpenCV only; the input image is not changed.

The coach's drawing for an exercise (status, cue, gauge, counts) lives in :mod:`formcheck.coach`.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import SKELETON
from formcheck.types import Pose

BONE_BGR = (255, 255, 255)
LEFT_BGR = (80, 200, 255)  # person's left: orange
RIGHT_BGR = (255, 200, 80)  # person's right: light blue
TEXT_BGR = (255, 255, 255)
PANEL_BGR = (32, 32, 32)  # a grey (draw_panel blends its one value)
MIN_VISIBILITY = 0.5

#: Short labels of the metrics, for read-outs and gauges.
METRIC_LABELS: dict[str, str] = {
    "trunk_rotation_deg": "Rotation",
    "pelvis_rotation_deg": "Hip rotation",
    "trunk_extension_deg": "Extension",
    "trunk_lateral_tilt_deg": "Side tilt",
    "head_forward_deg": "Head forward",
    "shoulder_elevation_ratio": "Shoulders",
    "hip_flexion_deg": "Hip flexion",
    "hip_line_deg": "Hip line",
    "spine_flexion_deg": "Spine",
    "arm_raise_deg": "Arm raise",
    "leg_raise_deg": "Leg raise",
    "shoulder_retraction_deg": "Shoulders back",
    "neck_length_ratio": "Neck length",
    "chest_lift_deg": "Chest lift",
    "trunk_axial_rotation_deg": "Trunk turn",
}

#: Read-outs shown on the annotated video when no exercise is given.
READOUTS: tuple[str, ...] = ("trunk_rotation_deg", "trunk_extension_deg", "trunk_lateral_tilt_deg", "head_forward_deg")


def _scale(image: NDArray[np.uint8]) -> float:
    return max(0.5, min(image.shape[:2]) / 480.0)


def scaled_pose(pose: Pose, resolution_wh: tuple[int, int]) -> Pose:
    """``pose`` in the pixels of the same frame shown at ``resolution_wh`` (the annotated video's size); the
    world landmarks, visibility and presence are unchanged."""
    if tuple(resolution_wh) == tuple(pose.resolution_wh):
        return pose
    kx = resolution_wh[0] / pose.resolution_wh[0]
    ky = resolution_wh[1] / pose.resolution_wh[1]
    return replace(pose, xy_px=pose.xy_px * np.array([kx, ky]), z_px=pose.z_px * kx,
                   resolution_wh=(int(resolution_wh[0]), int(resolution_wh[1])), segmentation_mask=None)


def draw_skeleton(image: NDArray[np.uint8], pose: Pose, *, min_visibility: float = MIN_VISIBILITY) -> None:
    """Draws the pose's bones and joints on ``image`` in place (landmarks below ``min_visibility`` skipped)."""
    if not pose.detected:
        return
    s = _scale(image)
    thickness = max(1, round(2 * s))
    # the points rounded in one call (rint rounds half to even, as round() does), made integers when drawn
    seen = (~(pose.visibility < min_visibility)).tolist()
    rounded = np.rint(pose.xy_px).tolist()
    for a, b in SKELETON:
        if seen[a] and seen[b]:
            (xa, ya), (xb, yb) = rounded[a], rounded[b]
            cv2.line(image, (int(xa), int(ya)), (int(xb), int(yb)), BONE_BGR, thickness, cv2.LINE_AA)
    radius = max(2, round(4 * s))
    for i in _JOINTS:
        if seen[i]:
            colour = LEFT_BGR if i % 2 == 1 else RIGHT_BGR  # odd BlazePose indices (from 11 on) are the left side
            x, y = rounded[i]
            cv2.circle(image, (int(x), int(y)), radius, colour, -1, cv2.LINE_AA)


#: The skeleton's joints, in the order they have always been drawn in (a set's order: overlapping joints keep
#: the same one on top).
_JOINTS: tuple[int, ...] = tuple({int(i) for bone in SKELETON for i in bone})


def format_angle(value: float, unit: str = "deg") -> str:
    if not math.isfinite(value):
        return "--"
    return f"{value:+.0f} {unit}" if unit == "deg" else f"{value:.2f}"


def draw_panel(image: NDArray[np.uint8], lines: list[str], *, origin_xy: tuple[int, int] = (8, 8)) -> None:
    """Draws ``lines`` of text on a dark translucent panel at ``origin_xy``, in place."""
    if not lines:
        return
    s = _scale(image)
    font, size, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.55 * s, max(1, round(1.4 * s))
    line_h = int(26 * s)
    width = max(cv2.getTextSize(line, font, size, thick)[0][0] for line in lines) + int(16 * s)
    x0, y0 = origin_xy
    x1, y1 = min(image.shape[1], x0 + width), min(image.shape[0], y0 + line_h * len(lines) + int(8 * s))
    roi = image[y0:y1, x0:x1]
    # 65% of the panel's grey over the picture: one saturating multiply-add in OpenCV (GIL released), as the
    # coach's panels (formcheck.coach.text); numpy's float blend of the same rectangle took about 1.7 ms a
    # 720x1280 frame. Values round instead of truncating (at most 1 apart).
    roi[:] = cv2.convertScaleAbs(roi, alpha=0.35, beta=PANEL_BGR[0] * 0.65)
    for k, line in enumerate(lines):
        baseline = y0 + int(8 * s) + line_h * (k + 1) - int(8 * s)
        cv2.putText(image, line, (x0 + int(8 * s), baseline), font, size, TEXT_BGR, thick, cv2.LINE_AA)


def annotate(
    image_bgr: NDArray[np.uint8], pose: Pose, angles: dict[str, float], view: str, *, readouts: bool = True,
    copy: bool = True,
) -> NDArray[np.uint8]:
    """A copy of the frame (``copy=False``: the frame itself, drawn on) with the skeleton and (unless
    ``readouts`` is False) the angle read-outs."""
    out = image_bgr.copy() if copy else image_bgr
    draw_skeleton(out, pose)
    if not readouts:
        return out
    if pose.detected:
        lines = [f"{METRIC_LABELS[name]}: {format_angle(angles.get(name, float('nan')))}" for name in READOUTS]
        lines.append(f"View: {view}")
    else:
        lines = ["No person detected"]
    draw_panel(out, lines)
    return out
