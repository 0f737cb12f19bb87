"""Pure geometry: poses in, trunk angles out.

Pure numpy, vectorised over any number of leading axes (frames): every function takes landmark arrays of
shape ``(..., 33, 2)`` (image pixels) and/or ``(..., 33, 3)`` (3D metres) and returns arrays of shape
``(...)``. It imports neither MediaPipe nor OpenCV, so the renderer of the sample videos can compute the
true value of every metric from true joint positions with the very same definitions.

Coordinate frames (see :mod:`formcheck.types`):

* ``xy_px``: image pixels, x to the right, y down. Angles are never computed on normalised coordinates,
  which would distort them whenever the frame's width differs from its height.
* ``xyz_m``: 3D metres in camera-aligned axes: x to the right, y down, z away from the camera. MediaPipe's
  world landmarks (origin at the hip midpoint) are in this frame; so are true camera coordinates. Every
  metric is translation-invariant, so the origin does not matter.

"Vertical" is the camera's vertical (image y axis, and the 3D ``-y`` axis, ``UP``): the camera is assumed
upright, as a laptop's or a phone's on a stand is. :func:`shoulders_back_deg` takes an ``up_xyz`` instead: the
recording passes give it the body's own up at the person's neutral, since its small range does not survive a
camera tipped or rolled.

The person's own left and right are used throughout (MediaPipe's LEFT_* landmarks are the person's left).
The sign conventions:

* rotations about the vertical are positive when the trunk turns to the person's LEFT (counter-clockwise
  seen from above),
* extension is positive (leaning or arching back), flexion negative,
* lateral tilt is positive towards the person's LEFT (left shoulder lower).

Facing direction never flips a sign: metrics that need it take it from the 3D left-right axis of the body
(:func:`facing_sign`), so a person facing the other way gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import Landmark as L
from formcheck.types import Measurement, Pose

FloatArray = NDArray[np.float64]

#: The 3D "up" direction in camera-aligned axes (y points down).
UP = np.array([0.0, -1.0, 0.0])


# ----------------------------------------------------------------------------------------------- helpers
def wrap_deg(angle_deg: FloatArray | float) -> FloatArray:
    """Wraps angles into [-180, 180)."""
    return (np.asarray(angle_deg, dtype=float) + 180.0) % 360.0 - 180.0


def _clip_unit(values: FloatArray) -> FloatArray:
    """``np.clip(values, -1, 1)`` (NaN stays NaN) by its two ufuncs: ``np.clip`` of one number costs about 10 us."""
    return np.minimum(np.maximum(values, -1.0), 1.0)


def _pt(points: FloatArray, landmark: L) -> FloatArray:
    return points[..., int(landmark), :]


def _mid(points: FloatArray, a: L, b: L) -> FloatArray:
    return 0.5 * (_pt(points, a) + _pt(points, b))


def _shoulder_mid(points: FloatArray) -> FloatArray:
    return _mid(points, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def _hip_mid(points: FloatArray) -> FloatArray:
    return _mid(points, L.LEFT_HIP, L.RIGHT_HIP)


def _ear_mid(points: FloatArray) -> FloatArray:
    return _mid(points, L.LEFT_EAR, L.RIGHT_EAR)


def _knee_mid(points: FloatArray) -> FloatArray:
    return _mid(points, L.LEFT_KNEE, L.RIGHT_KNEE)


def yaw_deg(vector_xyz: FloatArray) -> FloatArray:
    """Heading of a 3D vector about the vertical: ``atan2(v_z, v_x)`` in degrees.

    0 along the image's +x axis; positive turns counter-clockwise seen from above (right-hand rule about
    ``UP``), so a person's left-right line turning to their left increases its yaw. The vertical component
    of the vector is ignored (projection onto the horizontal plane).
    """
    return np.degrees(np.arctan2(vector_xyz[..., 2], vector_xyz[..., 0]))


def image_lean_deg(vector_xy_px: FloatArray) -> FloatArray:
    """Angle of an image vector from the image's upward vertical: ``atan2(v_x, -v_y)`` in degrees.

    0 when the vector points straight up the picture, positive when it leans to the image's right.
    """
    return np.degrees(np.arctan2(vector_xy_px[..., 0], -vector_xy_px[..., 1]))


def signed_image_angle_deg(from_xy: FloatArray, to_xy: FloatArray) -> FloatArray:
    """Signed angle from one image vector to another, in degrees, positive clockwise on screen (y down)."""
    cross = from_xy[..., 0] * to_xy[..., 1] - from_xy[..., 1] * to_xy[..., 0]
    dot = (from_xy * to_xy).sum(axis=-1)
    return np.degrees(np.arctan2(cross, dot))


def joint_angle_deg(a: FloatArray, vertex: FloatArray, b: FloatArray) -> FloatArray:
    """Unsigned angle a-vertex-b in degrees, in [0, 180]."""
    u = a - vertex
    v = b - vertex
    cos = (u * v).sum(axis=-1) / (_norm(u) * _norm(v))
    return np.degrees(np.arccos(_clip_unit(cos)))


def body_left_axis(xyz_m: FloatArray) -> FloatArray:
    """The person's right-to-left axis in 3D: ``(L_shoulder - R_shoulder) + (L_hip - R_hip)``."""
    return _Body(None, xyz_m).left_xyz


def facing_sign(xyz_m: FloatArray) -> FloatArray:
    """+1 when the person faces the image's right, -1 when they face its left (side view).

    The forward direction is ``left x UP`` (forward, left, up form a right-handed frame), whose image-x
    component is the z component of the left axis: a person facing the image's right shows the camera their
    right side, so their left side is further away (+z). NaN where undetermined.
    """
    return _Body(None, xyz_m).facing


def _norm(vectors: FloatArray) -> FloatArray:
    """``np.linalg.norm(vectors, axis=-1)`` for real vectors, the same operations without its dispatch."""
    return np.sqrt(np.add.reduce(vectors * vectors, axis=-1))


def _cross(a: FloatArray, b: FloatArray) -> FloatArray:
    """``np.cross(a, b)`` of 3D vectors, the same products and differences in the same order (so the same
    numbers) without its broadcasting and axis moves, which cost more than the arithmetic on one pose."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape), dtype=np.promote_types(a.dtype, b.dtype))
    np.subtract(a[..., 1] * b[..., 2], a[..., 2] * b[..., 1], out=out[..., 0])
    np.subtract(a[..., 2] * b[..., 0], a[..., 0] * b[..., 2], out=out[..., 1])
    np.subtract(a[..., 0] * b[..., 1], a[..., 1] * b[..., 0], out=out[..., 2])
    return out


def _facing_of_left(left_xyz: FloatArray) -> FloatArray:
    sign = np.sign(left_xyz[..., 2])
    return np.where(sign == 0, np.nan, sign)


class _Body:
    """The points, lines and midpoints several metrics use, each computed once, when first asked for.

    :func:`compute_metrics` builds one per call and hands it to every metric, so a midpoint or the facing
    is not computed again by each metric that needs it (each public metric function is its form on a body of
    its own). On one pose numpy's cost is per call, not per number, so this halves the cost of measuring a live
    frame. Each value is computed with the operations, in the order, that each metric used on its own before
    they shared them: on the 116 cached landmark files every metric was the same bit for bit.
    """

    def __init__(self, xy_px: FloatArray | None, xyz_m: FloatArray | None) -> None:
        self.xy = xy_px
        self.xyz = xyz_m

    @cached_property
    def shoulder_mid_xy(self) -> FloatArray:
        return _shoulder_mid(self.xy)

    @cached_property
    def hip_mid_xy(self) -> FloatArray:
        return _hip_mid(self.xy)

    @cached_property
    def ear_mid_xy(self) -> FloatArray:
        return _ear_mid(self.xy)

    @cached_property
    def trunk_xy(self) -> FloatArray:
        """``shoulder_mid - hip_mid`` in image pixels."""
        return self.shoulder_mid_xy - self.hip_mid_xy

    @cached_property
    def neck_xy(self) -> FloatArray:
        """``ear_mid - shoulder_mid`` in image pixels."""
        return self.ear_mid_xy - self.shoulder_mid_xy

    @cached_property
    def shoulder_line_xy(self) -> FloatArray:
        return _pt(self.xy, L.LEFT_SHOULDER) - _pt(self.xy, L.RIGHT_SHOULDER)

    @cached_property
    def hip_bend_deg(self) -> FloatArray:
        """``180 - angle(shoulder_mid, hip_mid, knee_mid)`` in image pixels."""
        return 180.0 - joint_angle_deg(self.shoulder_mid_xy, self.hip_mid_xy, _knee_mid(self.xy))

    @cached_property
    def shoulder_line_xyz(self) -> FloatArray:
        return _pt(self.xyz, L.LEFT_SHOULDER) - _pt(self.xyz, L.RIGHT_SHOULDER)

    @cached_property
    def hip_line_xyz(self) -> FloatArray:
        return _pt(self.xyz, L.LEFT_HIP) - _pt(self.xyz, L.RIGHT_HIP)

    @cached_property
    def hip_yaw_deg(self) -> FloatArray:
        return yaw_deg(self.hip_line_xyz)

    @cached_property
    def trunk_xyz(self) -> FloatArray:
        """``shoulder_mid - hip_mid`` in 3D metres."""
        return _shoulder_mid(self.xyz) - _hip_mid(self.xyz)

    @cached_property
    def left_xyz(self) -> FloatArray:
        """:func:`body_left_axis`."""
        return self.shoulder_line_xyz + self.hip_line_xyz

    @cached_property
    def facing(self) -> FloatArray:
        """:func:`facing_sign`."""
        return _facing_of_left(self.left_xyz)


# ----------------------------------------------------------------------------------------------- metrics
def trunk_rotation_deg(xyz_m: FloatArray) -> FloatArray:
    """Axial trunk rotation: the shoulder line against the hip line about the vertical.

    Formula: ``wrap(yaw(L_shoulder - R_shoulder) - yaw(L_hip - R_hip))`` with :func:`yaw_deg`, i.e. the
    signed angle between the two lines projected onto the horizontal plane.
    Plane: transverse. View: front or back (also usable at an oblique camera; the hip line is the reference,
    so the camera's own angle cancels), and side-on, where only MediaPipe's depth tells the two shoulders
    apart (not checked against rendered truth; a real seated twist filmed side-on reads clear turns).
    Sign: positive when the trunk turns to the person's left.
    """
    return _trunk_rotation_deg(_Body(None, xyz_m))


def _trunk_rotation_deg(b: _Body) -> FloatArray:
    return wrap_deg(yaw_deg(b.shoulder_line_xyz) - b.hip_yaw_deg)


def pelvis_rotation_deg(xyz_m: FloatArray) -> FloatArray:
    """Rotation of the pelvis about the vertical against the camera's image plane.

    Formula: ``wrap(yaw(L_hip - R_hip))`` for a person facing the camera, ``wrap(yaw(L_hip - R_hip) - 180)``
    for a person with their back to it (whichever is nearer zero).
    Plane: transverse. View: front or back. Sign: positive when the pelvis turns to the person's left.
    Used to catch the hips turning with the shoulders in rotation exercises (relative to neutral).
    """
    return _pelvis_rotation_deg(_Body(None, xyz_m))


def _pelvis_rotation_deg(b: _Body) -> FloatArray:
    yaw = wrap_deg(b.hip_yaw_deg)
    return np.where(np.abs(yaw) <= 90.0, yaw, wrap_deg(yaw - 180.0))


def trunk_extension_deg(xy_px: FloatArray, xyz_m: FloatArray) -> FloatArray:
    """Trunk extension / flexion: the hip-midpoint -> shoulder-midpoint line against the vertical.

    Formula: ``-facing * atan2(t_x, -t_y)`` with ``t = shoulder_mid - hip_mid`` in image pixels and
    ``facing`` from :func:`facing_sign`.
    Plane: sagittal. View: side. Sign: positive = extension (shoulders behind the hips, leaning back),
    negative = flexion (leaning forward); the same whichever way the person faces.
    """
    return _trunk_extension_deg(_Body(xy_px, xyz_m))


def _trunk_extension_deg(b: _Body) -> FloatArray:
    return -b.facing * image_lean_deg(b.trunk_xy)


def trunk_lateral_tilt_deg(xy_px: FloatArray) -> FloatArray:
    """Trunk lateral tilt: the shoulder line against the horizontal.

    Formula: ``atan2(d_y, |d_x|)`` with ``d = L_shoulder - R_shoulder`` in image pixels (y down).
    Plane: frontal. View: front or back. Sign: positive when tilted to the person's left (left shoulder
    lower); the absolute ``d_x`` makes it the same from the front and from behind.
    """
    return _trunk_lateral_tilt_deg(_Body(xy_px, None))


def _trunk_lateral_tilt_deg(b: _Body) -> FloatArray:
    d = b.shoulder_line_xy
    return np.degrees(np.arctan2(d[..., 1], np.abs(d[..., 0])))


def head_forward_deg(xy_px: FloatArray, xyz_m: FloatArray) -> FloatArray:
    """Forward-head position: the shoulder-midpoint -> ear-midpoint line against the vertical.

    Formula: ``facing * atan2(n_x, -n_y)`` with ``n = ear_mid - shoulder_mid`` in image pixels.
    Plane: sagittal. View: side. Sign: positive when the ear is in front of the shoulder (forward head),
    for either facing direction. Context for posture, not a diagnosis.
    """
    return _head_forward_deg(_Body(xy_px, xyz_m))


def _head_forward_deg(b: _Body) -> FloatArray:
    return b.facing * image_lean_deg(b.neck_xy)


def shoulder_elevation_ratio(xy_px: FloatArray) -> FloatArray:
    """Shoulder elevation (shrug) as the ear-to-shoulder height over the shoulder width.

    Formula: ``(shoulder_mid_y - ear_mid_y) / |L_shoulder - R_shoulder|`` in image pixels (a ratio, no unit).
    Plane: frontal. View: front or back. Sign: smaller when the shoulders rise towards the ears.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _shoulder_elevation_ratio(_Body(xy_px, None))


def _shoulder_elevation_ratio(b: _Body) -> FloatArray:
    height = b.shoulder_mid_xy[..., 1] - b.ear_mid_xy[..., 1]
    width = _norm(b.shoulder_line_xy)
    return np.where(width > 0, height / width, np.nan)


def hip_flexion_deg(xy_px: FloatArray) -> FloatArray:
    """Hip flexion: ``180 - angle(shoulder_mid, hip_mid, knee_mid)`` in image pixels.

    Plane: sagittal. View: side. 0 standing straight, about 90 seated or on hands and knees, larger in
    child's pose. Unsigned.
    """
    return _Body(xy_px, None).hip_bend_deg


def _hip_flexion_deg(b: _Body) -> FloatArray:
    return b.hip_bend_deg


def hip_line_deg(xy_px: FloatArray, xyz_m: FloatArray) -> FloatArray:
    """Hip position against the shoulder -> knee line (plank, bridge).

    Formula: ``s * (180 - angle(shoulder_mid, hip_mid, knee_mid))`` where ``s`` is +1 when the hip lies on
    the upper side of the shoulder-knee line (against gravity, image y up) and -1 below it; for a vertical
    line the upper side is taken as the person's front.
    Plane: sagittal. View: side. Sign: 0 = straight line, positive = hips above the line (pike, bridge lift),
    negative = below it (sagging).
    """
    return _hip_line_deg(_Body(xy_px, xyz_m))


def _hip_line_deg(b: _Body) -> FloatArray:
    s, h = b.shoulder_mid_xy, b.hip_mid_xy
    line = _knee_mid(b.xy) - s
    normal = np.stack([line[..., 1], -line[..., 0]], axis=-1)  # perpendicular to the line
    # Orient the normal upwards (negative image y); if the line is vertical, towards the person's front.
    upward = np.where(np.abs(normal[..., 1]) > 1e-9, -np.sign(normal[..., 1]), np.sign(normal[..., 0]) * b.facing)
    side = np.sign(((h - s) * normal).sum(axis=-1)) * upward
    return np.where(side == 0, 1.0, side) * b.hip_bend_deg


def spine_flexion_deg(xy_px: FloatArray, xyz_m: FloatArray) -> FloatArray:
    """Upper-spine flexion proxy: the neck line (shoulder_mid -> ear_mid) against the trunk line.

    Formula: ``facing * signed_angle(t, n)`` with ``t = shoulder_mid - hip_mid`` and
    ``n = ear_mid - shoulder_mid`` in image pixels (signed clockwise on screen).
    Plane: sagittal. View: side. Sign: positive = flexion (head and upper back curled down, "cat"),
    negative = extension ("cow"). A landmark proxy: it sees the upper spine and neck bend together, which is
    what the hip -> shoulder line alone cannot see when hands and knees are planted.

    Relative to the person's neutral (:class:`~formcheck.calibration.NeutralCalibration`): on the rendered
    cat-cow clip MediaPipe's ears sit off the true ones, so the tabletop neutral reads 14.0 deg where the
    truth is 7.3 (+5 to +17 deg on other side-view clips). Absolute, with the catalogue's cat-cow thresholds
    (neutral 0, enter 10) MediaPipe never reaches cow and the clip reads 5 cats in a row; relative to the
    first second it reads cat, cow x 4 like the truth (94% of frames in the same state, no lag), MAE 2.1,
    max 6.5 deg (slope 0.88, r 0.997). Head-free alternatives (nose, mouth, eye, near-side ear) were no
    better; the back's outline needs the segmentation mask, which the landmark cache does not keep.
    """
    return _spine_flexion_deg(_Body(xy_px, xyz_m))


def _spine_flexion_deg(b: _Body) -> FloatArray:
    return b.facing * signed_image_angle_deg(b.trunk_xy, b.neck_xy)


def _raise_deg(xy_px: FloatArray, vertex: tuple[L, L], trunk_end: tuple[L, L], limb_end: tuple[L, L]) -> FloatArray:
    angles = [
        joint_angle_deg(_pt(xy_px, trunk_end[i]), _pt(xy_px, vertex[i]), _pt(xy_px, limb_end[i])) for i in (0, 1)
    ]
    return np.fmax(angles[0], angles[1])


def arm_raise_deg(xy_px: FloatArray) -> FloatArray:
    """Arm elevation against the trunk: ``angle(hip, shoulder, wrist)``, the larger of the two sides.

    Plane: sagittal. View: side. 0 arm hanging by the side, 90 perpendicular to the trunk (on hands and
    knees), 180 reaching forward in line with the trunk (bird dog). Unsigned.
    """
    return _raise_deg(
        xy_px,
        (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        (L.LEFT_HIP, L.RIGHT_HIP),
        (L.LEFT_WRIST, L.RIGHT_WRIST),
    )


def leg_raise_deg(xy_px: FloatArray) -> FloatArray:
    """Leg extension against the trunk: ``angle(shoulder, hip, ankle)``, the larger of the two sides.

    Plane: sagittal. View: side. 180 when the leg is in line with the trunk (standing, or the bird dog's
    reaching leg), about 90 with the knee under the hip on hands and knees. Unsigned.
    """
    return _raise_deg(
        xy_px,
        (L.LEFT_HIP, L.RIGHT_HIP),
        (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
        (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    )


def shoulder_retraction_deg(xy_px: FloatArray, xyz_m: FloatArray) -> FloatArray:
    """Shoulder retraction seen from the side: the hip -> shoulder line against the hip -> ear line.

    Formula: ``facing * signed_angle(s - h, e - h)`` with ``h = hip_mid``, ``s = shoulder_mid``,
    ``e = ear_mid`` in image pixels (signed clockwise on screen) and ``facing`` from :func:`facing_sign`.
    Plane: sagittal. View: side. Sign: positive when the shoulders sit behind the hip -> ear line
    (retraction, the scapular squeeze), negative in front of it (rounded shoulders); the same whichever way
    the person faces. Leaning the whole trunk moves hips, shoulders and ears together and leaves it unchanged.
    Used relative to the person's neutral. Small by nature: on the true landmarks of the rendered body,
    clavicles turned 14 deg move the shoulders about 4 cm back, which this reads as 3.3-3.5 deg
    (MediaPipe's shoulder landmark follows almost none of that: see docs/accuracy.md).
    """
    return _shoulder_retraction_deg(_Body(xy_px, xyz_m))


def _shoulder_retraction_deg(b: _Body) -> FloatArray:
    return b.facing * signed_image_angle_deg(b.trunk_xy, b.ear_mid_xy - b.hip_mid_xy)


def neck_length_ratio(xy_px: FloatArray) -> FloatArray:
    """Shoulder elevation (shrug) seen from the side: the ear-to-shoulder distance over the trunk's length.

    Formula: ``|ear_mid - shoulder_mid| / |shoulder_mid - hip_mid|`` in image pixels (a ratio, no unit).
    Plane: sagittal. View: side. Sign: smaller when the shoulders rise towards the ears; tipping the head
    about the shoulders or leaning the trunk leaves it unchanged. About 0.35-0.45 on the sample clips.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return _neck_length_ratio(_Body(xy_px, None))


def _neck_length_ratio(b: _Body) -> FloatArray:
    trunk = _norm(b.trunk_xy)
    return np.where(trunk > 0, _norm(b.neck_xy) / trunk, np.nan)


def shoulders_back_deg(xyz_m: FloatArray, up_xyz: FloatArray = UP) -> FloatArray:
    """Scapular retraction in 3D: the hip -> shoulder line's lean behind the hips along the body's own
    forward axis, from MediaPipe's world landmarks.

    Formula: ``asin(-((shoulder_mid - hip_mid) . forward) / |shoulder_mid - hip_mid|)`` in degrees, in 3D
    metres, with ``forward = normalise(left x up_xyz)`` and ``left`` from :func:`body_left_axis`. ``up_xyz``
    defaults to the camera's up (:data:`UP`); :mod:`formcheck.passes` passes the body's own up at the person's
    neutral (:func:`trunk_up_xyz` of the neutral's frames), so the reading is the trunk's lean from where it
    rests, in the plane of the body's left axis and that up, and a camera above, below or rolled reads the same
    (a rigid turn of the scene turns ``left``, the trunk and the up alike). Against the camera's up MediaPipe's
    trunk is not in that plane: a camera 20 deg above or below changed the real squeeze's reading by up to
    2.9 deg and the rendered one's by 0.8 (tests/test_passes.py).
    Plane: sagittal (the body's own, whatever the camera sees). View: any (front, back or side): it uses the
    world landmarks, not the picture. Sign: larger when the shoulders move back (the squeeze), smaller when
    they round forward. Leaning the whole trunk back raises it too, so it is used relative to the person's
    neutral. Why 3D: seen from the side, MediaPipe's image shoulder barely follows a squeeze
    (:func:`shoulder_retraction_deg` read about 0.1 deg where the truth read 3.4), while its world shoulder
    depth does: on the rendered squeeze this correlates r = 0.95 with the true retraction (0.99 on the true
    landmarks) and reads about a third of the true change; filmed from behind, a real W retraction (arms
    opening) raises it by several degrees. Seen from the front it follows the squeeze poorly (r 0.39-0.66 on
    the wide render set) and moves with a chin tuck, so the scapular squeeze is not counted in that view
    (``benchmarks/scapular_front.py``, docs/accuracy.md).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return _shoulders_back_deg(_Body(None, xyz_m), up_xyz)


def _shoulders_back_deg(b: _Body, up_xyz: FloatArray = UP) -> FloatArray:
    forward = _cross(b.left_xyz, up_xyz)
    d = b.trunk_xyz
    forward = forward / _norm(forward)[..., None]
    ratio = -(d * forward).sum(axis=-1) / _norm(d)
    return np.degrees(np.arcsin(_clip_unit(ratio)))


def trunk_up_xyz(xyz_m: FloatArray) -> FloatArray:
    """The body's own up over some frames: the median of the unit hip -> shoulder vectors, normalised, shape (3,).

    Formula: ``normalise(median_frames(t / |t|))`` with ``t = shoulder_mid - hip_mid`` in 3D metres. :data:`UP`
    when no frame has both placed."""
    with np.errstate(invalid="ignore", divide="ignore"):
        t = _Body(None, np.asarray(xyz_m, dtype=float)).trunk_xyz.reshape(-1, 3)
        unit = t / _norm(t)[:, None]
    unit = unit[np.isfinite(unit).all(axis=1)]
    if not len(unit):
        return UP.copy()
    up = np.median(unit, axis=0)
    n = float(np.linalg.norm(up))
    return up / n if n > 0 else UP.copy()


def chest_lift_deg(xy_px: FloatArray) -> FloatArray:
    """Chest lift from lying face down: the hip-midpoint -> shoulder-midpoint line against the horizontal.

    Formula: ``atan2(-t_y, |t_x|)`` with ``t = shoulder_mid - hip_mid`` in image pixels (y down).
    Plane: sagittal. View: side. Sign: 0 lying flat, positive when the shoulders are above the hips (chest
    lifted, as in a cobra, a prone press-up or a superman), negative below them; the absolute ``t_x`` makes it
    the same whichever way the person faces, so it needs no facing and no neutral (absolute). It reads 90 for
    an upright trunk and falls again past upright, so it is meant for a trunk near the floor. Seen head-on
    (``t_x`` near 0) it reads near +/-90 whatever the lift: not a front-view metric.
    """
    return _chest_lift_deg(_Body(xy_px, None))


def _chest_lift_deg(b: _Body) -> FloatArray:
    t = b.trunk_xy
    return np.degrees(np.arctan2(-t[..., 1], np.abs(t[..., 0])))


def trunk_axial_rotation_deg(xyz_m: FloatArray) -> FloatArray:
    """Axial trunk rotation about the trunk's own long axis: works upright, on hands and knees, or lying.

    Formula, in 3D metres: with the axis ``a = (shoulder_mid - hip_mid) / |shoulder_mid - hip_mid|`` (pointing
    head-wards), the shoulder line ``s = L_shoulder - R_shoulder`` and the hip line ``h = L_hip - R_hip``
    projected onto the plane perpendicular to ``a`` (``v - (v.a) a``), the signed angle from the hip line to
    the shoulder line about ``a``: ``atan2(a . (h x s), h.s - (h.a)(s.a))`` in degrees.
    Plane: the trunk's own transverse plane (the horizontal plane for an upright trunk, a vertical plane on
    hands and knees). View: side, front or back (a 3D measure; see the views in :data:`METRICS`).
    Sign: right-hand rule about the head-ward axis: positive when the trunk turns to the person's LEFT (on
    hands and knees: the left shoulder rises, the chest opens to the left, as when the left arm reaches up or
    the right arm threads under the body). For an upright trunk the axis is the vertical, and it equals
    :func:`trunk_rotation_deg` in sign and size; unlike that metric it is unchanged by leaning the trunk, since
    it measures about the trunk's own axis rather than the vertical.
    Relative to the person's neutral. On MediaPipe's world landmarks it under-reads like the other rotation
    metrics (:mod:`formcheck.rotation`): thresholds on it are set from what MediaPipe reads (see the
    thread-the-needle exercise file).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return _trunk_axial_rotation_deg(_Body(None, xyz_m))


def _trunk_axial_rotation_deg(b: _Body) -> FloatArray:
    axis = b.trunk_xyz / _norm(b.trunk_xyz)[..., None]
    s, h = b.shoulder_line_xyz, b.hip_line_xyz
    cross = (axis * _cross(h, s)).sum(axis=-1)
    dot = (h * s).sum(axis=-1) - (h * axis).sum(axis=-1) * (s * axis).sum(axis=-1)
    return np.degrees(np.arctan2(cross, dot))


# ---------------------------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class MetricSpec:
    """A metric formcheck reports, as data: what it is, where it is valid, what it needs.

    Attributes:
        name: column name, with its unit (``_deg``) or ``_ratio``.
        plane: anatomical plane it is measured in.
        views: camera views in which it is valid.
        landmarks: the landmarks it uses (their lowest visibility is reported beside it).
        relative_to_neutral: whether neutral calibration subtracts the person's own neutral value.
        compute: ``(xy_px, xyz_m) -> values``.
    """

    name: str
    plane: str
    views: tuple[str, ...]
    landmarks: tuple[L, ...]
    relative_to_neutral: bool
    compute: Callable[[FloatArray, FloatArray], FloatArray]


_SHOULDERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
_HIPS = (L.LEFT_HIP, L.RIGHT_HIP)
_EARS = (L.LEFT_EAR, L.RIGHT_EAR)
_KNEES = (L.LEFT_KNEE, L.RIGHT_KNEE)

METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("trunk_rotation_deg", "transverse", ("front", "back", "side"), _SHOULDERS + _HIPS, True,
               lambda xy, xyz: trunk_rotation_deg(xyz)),
    MetricSpec("pelvis_rotation_deg", "transverse", ("front", "back"), _HIPS, True,
               lambda xy, xyz: pelvis_rotation_deg(xyz)),
    MetricSpec("trunk_extension_deg", "sagittal", ("side",), _SHOULDERS + _HIPS, True, trunk_extension_deg),
    MetricSpec("trunk_lateral_tilt_deg", "frontal", ("front", "back"), _SHOULDERS, True,
               lambda xy, xyz: trunk_lateral_tilt_deg(xy)),
    MetricSpec("head_forward_deg", "sagittal", ("side",), _SHOULDERS + _EARS, True, head_forward_deg),
    MetricSpec("shoulder_elevation_ratio", "frontal", ("front", "back"), _SHOULDERS + _EARS, False,
               lambda xy, xyz: shoulder_elevation_ratio(xy)),
    MetricSpec("hip_flexion_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + _KNEES, False,
               lambda xy, xyz: hip_flexion_deg(xy)),
    MetricSpec("hip_line_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + _KNEES, False, hip_line_deg),
    MetricSpec("spine_flexion_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + _EARS, True, spine_flexion_deg),
    MetricSpec("arm_raise_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + (L.LEFT_WRIST, L.RIGHT_WRIST), False,
               lambda xy, xyz: arm_raise_deg(xy)),
    MetricSpec("leg_raise_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + (L.LEFT_ANKLE, L.RIGHT_ANKLE), False,
               lambda xy, xyz: leg_raise_deg(xy)),
    MetricSpec("shoulder_retraction_deg", "sagittal", ("side",), _SHOULDERS + _HIPS + _EARS, True,
               shoulder_retraction_deg),
    MetricSpec("neck_length_ratio", "sagittal", ("side",), _SHOULDERS + _HIPS + _EARS, False,
               lambda xy, xyz: neck_length_ratio(xy)),
    # Appended after the older metrics so the columns of existing CSV files keep their order.
    MetricSpec("chest_lift_deg", "sagittal", ("side",), _SHOULDERS + _HIPS, False,
               lambda xy, xyz: chest_lift_deg(xy)),
    MetricSpec("trunk_axial_rotation_deg", "transverse", ("side", "front", "back"), _SHOULDERS + _HIPS, True,
               lambda xy, xyz: trunk_axial_rotation_deg(xyz)),
    MetricSpec("shoulders_back_deg", "sagittal", ("front", "back", "side"), _SHOULDERS + _HIPS, True,
               lambda xy, xyz: shoulders_back_deg(xyz)),
)

#: The shipped metrics written on a shared :class:`_Body`, by name, beside the ``compute`` they stand for:
#: :func:`compute_metrics` uses the form on the body while a spec's ``compute`` is still that one (a benchmark
#: may swap a spec's ``compute`` for a candidate; then the candidate runs). The arm and leg raises share nothing.
_BODY_FORMS: dict[str, tuple[Callable[[FloatArray, FloatArray], FloatArray], Callable[[_Body], FloatArray]]] = {
    spec.name: (spec.compute, form) for spec, form in zip(METRICS, (
        _trunk_rotation_deg, _pelvis_rotation_deg, _trunk_extension_deg, _trunk_lateral_tilt_deg, _head_forward_deg,
        _shoulder_elevation_ratio, _hip_flexion_deg, _hip_line_deg, _spine_flexion_deg, None, None,
        _shoulder_retraction_deg, _neck_length_ratio, _chest_lift_deg, _trunk_axial_rotation_deg,
        _shoulders_back_deg), strict=True) if form is not None
}

def runs_shipped(name: str) -> bool:
    """Whether metric ``name`` of :data:`METRICS` is computed as shipped (a benchmark may swap in a candidate)."""
    spec = next((s for s in METRICS if s.name == name), None)
    return spec is not None and spec.compute is _BODY_FORMS.get(name, (None, None))[0]


METRIC_NAMES: tuple[str, ...] = tuple(spec.name for spec in METRICS)
METRICS_BY_NAME: dict[str, MetricSpec] = {spec.name: spec for spec in METRICS}


def compute_metrics(xy_px: FloatArray, xyz_m: FloatArray) -> dict[str, FloatArray]:
    """Every metric in :data:`METRICS` for poses of shape ``(..., 33, 2)`` and ``(..., 33, 3)``.

    NaN landmarks give NaN metrics (no person, or a landmark that could not be placed).
    """
    xy = np.asarray(xy_px, dtype=float)
    xyz = np.asarray(xyz_m, dtype=float)
    body = _Body(xy, xyz)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for spec in METRICS:
            compute, form = _BODY_FORMS.get(spec.name, (None, None))
            value = form(body) if form is not None and compute is spec.compute else spec.compute(xy, xyz)
            out[spec.name] = np.asarray(value, dtype=float)
    return out


def _paired(landmarks: tuple[L, ...]) -> list[list[int]]:
    """The landmarks as groups: each left/right pair together, any other landmark alone."""
    groups: dict[str, list[int]] = {}
    for lm in landmarks:
        groups.setdefault(lm.name.replace("LEFT_", "").replace("RIGHT_", ""), []).append(int(lm))
    return list(groups.values())


def metric_visibility(visibility: FloatArray) -> dict[str, FloatArray]:
    """How well each metric's landmarks are seen, shape ``(...)``: the lowest visibility of those it uses.

    Side-view-only metrics count a left/right pair as seen when the better-seen of the two is (the pair's
    maximum, then the minimum over pairs). Seen from the side, the far limb is behind the near one: on the
    side-view sample clips MediaPipe gives the far knee a median visibility of 0.16-0.5 and the far wrist
    0.09-0.65 while the near ones are 0.8-1.0, on every frame, so requiring both would never count a
    side-view exercise. Those metrics use the pair's midpoint (which the far point, placed beside the near
    one, moves little: hip_flexion_deg on child's pose reads within 3 deg of the truth) or the larger of the
    two sides. Front and back-view metrics need every landmark they use.
    """
    vis = np.asarray(visibility, dtype=float)
    table = _visibility_table(tuple((spec.views, spec.landmarks) for spec in METRICS))
    per_metric = np.ascontiguousarray(np.moveaxis(vis[..., table].max(axis=-1).min(axis=-1), -1, 0))
    return {spec.name: per_metric[k] for k, spec in enumerate(METRICS)}


@lru_cache(maxsize=4)
def _visibility_table(specs: tuple[tuple[tuple[str, ...], tuple[L, ...]], ...]) -> NDArray[np.intp]:
    """:func:`metric_visibility`'s rule as one index table, shape ``(metrics, groups, 2)``: a side-view-only
    metric's left/right pairs (a landmark alone as ``[i, i]``), any other metric's landmarks each as ``[i, i]``;
    the maximum over the last axis, then the minimum over groups, is the rule. Short rows repeat their first
    group (the minimum is unchanged), so one gather and two reductions give every metric at once."""
    rows = []
    for views, landmarks in specs:
        groups = _paired(landmarks) if views == ("side",) else [[int(i)] for i in landmarks]
        rows.append([g if len(g) == 2 else [g[0], g[0]] for g in groups])
    width = max(len(row) for row in rows)
    return np.array([row + [row[0]] * (width - len(row)) for row in rows], dtype=np.intp)


# ------------------------------------------------------------------------------------------ view, frame
#: Body parts checked for leaving the picture, with their landmarks.
BODY_PARTS: dict[str, tuple[L, ...]] = {
    "head": (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR),
    "shoulders": _SHOULDERS,
    "elbows": (L.LEFT_ELBOW, L.RIGHT_ELBOW),
    "wrists": (L.LEFT_WRIST, L.RIGHT_WRIST),
    "hips": _HIPS,
    "knees": _KNEES,
    "ankles": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
}

#: :data:`BODY_PARTS`' landmarks in one index array, and each part's span in it.
_PART_LANDMARKS = np.array([int(i) for lms in BODY_PARTS.values() for i in lms], dtype=np.intp)
_PART_SPANS = tuple((part, (a, a + len(lms))) for part, lms, a in zip(
    BODY_PARTS, BODY_PARTS.values(), np.cumsum([0, *map(len, BODY_PARTS.values())]).tolist(), strict=False))

#: Pelvis yaw (degrees from facing the camera, as MediaPipe's world hip line reads it) up to which the view counts
#: as front (or back, mirrored). The boundary is a camera 45 deg off the front, where MediaPipe reads less: its world
#: hip line under-reads an oblique camera (the wide set's six renders filmed 45 deg off the front read medians of
#: 29-45 deg, median 39; those filmed side-on 74-101). At 45 a side view turned 30 deg towards the front (a phone on
#: a chair off to one side) read as a front view on some clips and the side-view exercise was refused
#: (``benchmarks/stress_counts.py``'s ``camera_az``; docs/stress_counts.md).
FRONT_VIEW_MAX_DEG = 40.0


def classify_view(xyz_m: FloatArray) -> NDArray[np.str_]:
    """The camera's view of the person from the pelvis' heading: ``front``, ``back``, ``side`` or ``unknown``.

    The hip line's yaw (:func:`yaw_deg` of ``L_hip - R_hip``) is 0 when the person faces the camera and 180
    with their back to it. Within :data:`FRONT_VIEW_MAX_DEG` of either it is a front / back view, otherwise
    a side view. The pelvis, not the shoulders, decides, so turning the trunk does not change the view.
    """
    yaw = np.abs(wrap_deg(yaw_deg(_pt(xyz_m, L.LEFT_HIP) - _pt(xyz_m, L.RIGHT_HIP))))
    view = np.where(yaw <= FRONT_VIEW_MAX_DEG, "front", np.where(yaw >= 180.0 - FRONT_VIEW_MAX_DEG, "back", "side"))
    return np.where(np.isfinite(yaw), view, "unknown")


def parts_out_of_frame(xy_px: FloatArray, resolution_wh: tuple[int, int]) -> tuple[str, ...]:
    """Names of the body parts of one pose with a landmark outside the picture."""
    w, h = resolution_wh
    pts = xy_px[_PART_LANDMARKS]
    finite = np.isfinite(pts).all(axis=-1).tolist()
    x, y = pts[:, 0], pts[:, 1]
    outside = ((x < 0) | (x >= w) | (y < 0) | (y >= h)).tolist()
    # a part counts when all its landmarks are placed and one of them is outside the picture
    return tuple(part for part, (a, b) in _PART_SPANS if all(finite[a:b]) and any(outside[a:b]))


#: Limb metrics that can be measured on a shorter limb segment when the end of the limb leaves the picture:
#: metric -> (the part whose landmarks may be missing, the part that stands in for it, the function of the
#: stand-in's landmarks). A straight arm or leg points the same way from the elbow or knee as from the wrist
#: or ankle, and a hand or foot leaves the frame exactly at the peak of a reach.
LIMB_FALLBACKS: dict[str, tuple[str, str]] = {
    "arm_raise_deg": ("wrists", "elbows"),
    "leg_raise_deg": ("ankles", "knees"),
}


def _limb_fallback(xy_px: FloatArray, visibility: FloatArray, metric: str) -> tuple[float, float]:
    """``metric`` measured to the elbows / knees instead of the wrists / ankles, and its visibility."""
    if metric == "arm_raise_deg":
        value = _raise_deg(xy_px, (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP),
                           (L.LEFT_ELBOW, L.RIGHT_ELBOW))
        lms = (_SHOULDERS, _HIPS, (L.LEFT_ELBOW, L.RIGHT_ELBOW))
    else:
        value = _raise_deg(xy_px, (L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
                           (L.LEFT_KNEE, L.RIGHT_KNEE))
        lms = (_HIPS, _SHOULDERS, _KNEES)
    vis = min(max(float(visibility[int(a)]), float(visibility[int(b)])) for a, b in lms)
    return float(value), vis


def measure(pose: Pose, timestamp_ms: int) -> Measurement:
    """Everything geometry knows about one pose, as the exercise logic's input.

    An arm or leg metric whose wrists / ankles are out of the picture (or hard to see) is measured to the
    elbows / knees instead (:data:`LIMB_FALLBACKS`), so a reach past the edge of the frame still counts.
    """
    angles = {k: float(v) for k, v in compute_metrics(pose.xy_px, pose.world_xyz_m).items()}
    visibility = {k: float(v) for k, v in metric_visibility(pose.visibility).items()}
    detected = pose.detected
    out = parts_out_of_frame(pose.xy_px, pose.resolution_wh) if detected else ()
    if detected:
        for metric, (part, _) in LIMB_FALLBACKS.items():
            if part in out or visibility[metric] < 0.5:
                angles[metric], visibility[metric] = _limb_fallback(pose.xy_px, pose.visibility, metric)
    return Measurement(
        timestamp_ms=timestamp_ms,
        detected=detected,
        angles=angles,
        visibility=visibility,
        view=str(classify_view(pose.world_xyz_m)) if detected else "unknown",
        out_of_frame=out,
    )
