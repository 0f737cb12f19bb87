"""From named joint angles and limb targets to anny bone deltas (two kinematic passes), plus placement.

A :class:`Posture` holds what one frame applies: the spine angles (the ground truth's "applied angles"),
limb aims and the rigid placement of the pelvis in the scene. Limb directions are reached by the minimal
rotation from the limb's current direction, conjugated into anny's ``local-ref`` delta (a delta acts in the
world-aligned rest axes and is carried by its ancestors' deltas: ``offset = P D P^T offset_at_identity``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from tools.render.body import LUMBAR_BONES, NECK_BONES, THORACIC_BONES, Body, rot_z, trunk_rotation

FloatArray = NDArray[np.float64]


def minimal_rotation(a: FloatArray, b: FloatArray) -> FloatArray:
    """The rotation of smallest angle taking direction ``a`` to direction ``b``."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -0.999999:  # opposite: any perpendicular axis
        axis = np.cross(a, [1.0, 0, 0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0, 1.0, 0])
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1 + c)


def axis_angle(axis: FloatArray, deg: float) -> FloatArray:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    a = np.radians(deg)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(a) * k + (1 - np.cos(a)) * k @ k


def two_bone_ik(root: FloatArray, target: FloatArray, a: float, b: float, pole: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Directions of the two bones (lengths a, b) from ``root`` reaching ``target``, bending towards ``pole``."""
    d = target - root
    c = float(np.linalg.norm(d))
    e = d / c
    c = min(max(c, abs(a - b) + 1e-4), a + b - 1e-4)
    cos_a = (a * a + c * c - b * b) / (2 * a * c)
    sin_a = np.sqrt(max(0.0, 1 - cos_a * cos_a))
    p = pole - np.dot(pole, e) * e
    p /= np.linalg.norm(p)
    elbow = root + a * (cos_a * e + sin_a * p)
    upper = (elbow - root) / a
    lower = root + e * c - elbow
    return upper, lower / np.linalg.norm(lower)


@dataclass
class Limb:
    """One limb's aim.

    Either directions (``upper``, ``lower``) in the body frame (x left, y back, z up; pelvis at the origin)
    or in the thorax's frame, or an IK ``target_scene`` (scene frame, for the wrist / ankle) with a ``pole``
    (scene frame) towards which the elbow / knee bends; ``end`` is then in the scene frame too. ``end`` aims the hand (wrist -> middle knuckle) or the
    foot (ankle -> toe); ``twist_deg`` turns the forearm / shin about its own axis (pronation).
    """

    upper: FloatArray | None = None
    lower: FloatArray | None = None
    target_scene: FloatArray | None = None
    pole: FloatArray | None = None
    end: FloatArray | None = None
    twist_deg: float = 0.0
    frame: str = "body"  # "body" or "thorax" (directions given in the rotated thorax's axes)


@dataclass
class Posture:
    """Everything one frame applies. Angles in degrees with the ground truth's signs:
    axial + = turned to the person's left, ext + = extension, lat + = bent to the person's left."""

    thoracic_axial_deg: float = 0.0
    thoracic_ext_deg: float = 0.0
    thoracic_lat_deg: float = 0.0
    lumbar_axial_deg: float = 0.0
    lumbar_ext_deg: float = 0.0
    lumbar_lat_deg: float = 0.0
    neck_ext_deg: float = 0.0
    neck_axial_deg: float = 0.0
    scapular_retraction_deg: float = 0.0  # clavicles turned back about the vertical (both sides)
    arms: dict[str, Limb] = field(default_factory=dict)  # "L", "R"
    legs: dict[str, Limb] = field(default_factory=dict)
    placement: FloatArray = field(default_factory=lambda: np.eye(4))  # scene <- body (4x4 rigid)
    extra_angles: dict[str, float] = field(default_factory=dict)  # e.g. pelvis tilt, trunk inclination

    def applied_angles(self) -> dict[str, float]:
        return {
            "thoracic_axial_rotation_deg": self.thoracic_axial_deg,
            "thoracic_extension_deg": self.thoracic_ext_deg,
            "thoracic_lateral_flexion_deg": self.thoracic_lat_deg,
            "lumbar_axial_rotation_deg": self.lumbar_axial_deg,
            "lumbar_extension_deg": self.lumbar_ext_deg,
            "lumbar_lateral_flexion_deg": self.lumbar_lat_deg,
            "neck_extension_deg": self.neck_ext_deg,
            "neck_axial_rotation_deg": self.neck_axial_deg,
            "scapular_retraction_deg": self.scapular_retraction_deg,
            **self.extra_angles,
        }


def _spread(total: float, n: int) -> float:
    return total / n


ARM_BONES = {"upper": "upperarm01", "lower": "lowerarm01", "end": "wrist", "end_child": "finger3-1",
             "root_head": "upperarm01", "mid_head": "lowerarm01", "tip_head": "wrist"}
LEG_BONES = {"upper": "upperleg01", "lower": "lowerleg01", "end": "foot", "end_child": "toe2-1",
             "root_head": "upperleg01", "mid_head": "lowerleg01", "tip_head": "foot"}


def spine_deltas(p: Posture) -> dict[str, FloatArray]:
    """Deltas of the spine, neck and clavicles; rotations about one axis add up exactly across bones."""
    deltas: dict[str, FloatArray] = {}
    for bone in LUMBAR_BONES:
        deltas[bone] = trunk_rotation(_spread(p.lumbar_axial_deg, 3), _spread(p.lumbar_ext_deg, 3),
                                      _spread(p.lumbar_lat_deg, 3))
    for bone in THORACIC_BONES:
        deltas[bone] = trunk_rotation(_spread(p.thoracic_axial_deg, 2), _spread(p.thoracic_ext_deg, 2),
                                      _spread(p.thoracic_lat_deg, 2))
    for bone in NECK_BONES:
        deltas[bone] = trunk_rotation(_spread(p.neck_axial_deg, 3), _spread(p.neck_ext_deg, 3), 0.0)
    if p.scapular_retraction_deg:
        # retraction turns each clavicle's outer end back (+y, the body frame's back). The left clavicle
        # points along +x, and rot_z(+a) turns +x towards +y; the right one points along -x, so it turns
        # back with rot_z(-a). (The opposite signs turned both shoulders forward: protraction.)
        deltas["clavicle.L"] = rot_z(p.scapular_retraction_deg)
        deltas["clavicle.R"] = rot_z(-p.scapular_retraction_deg)
    return deltas


def _accumulated(body: Body, deltas: dict[str, FloatArray], label: str) -> FloatArray:
    """Product of the deltas of the ancestors of ``label`` (root first), excluding ``label`` itself."""
    chain = []
    i = body.model.bone_parents[body.bone_index[label]]
    while i >= 0:
        chain.append(body.bone_labels[i])
        i = body.model.bone_parents[i]
    acc = np.eye(3)
    for name in reversed(chain):
        if name in deltas:
            acc = acc @ deltas[name]
    return acc


def solve(body: Body, postures: list[Posture]) -> tuple[FloatArray, FloatArray, list[dict[str, FloatArray]]]:
    """Poses every frame; returns scene-frame ``vertices (N, V, 3)``, ``landmarks (N, 33, 3)``, deltas."""
    first = [spine_deltas(p) for p in postures]
    heads1 = _heads(body, first)
    all_deltas = []
    for i, (p, deltas) in enumerate(zip(postures, first)):
        deltas = dict(deltas)
        inv_place = np.linalg.inv(p.placement)
        thorax = _accumulated(body, deltas, "clavicle.L")  # spine product up to spine01
        for kind, limbs, names in (("arm", p.arms, ARM_BONES), ("leg", p.legs, LEG_BONES)):
            for side, limb in limbs.items():
                _aim_limb(body, deltas, heads1[i], limb, names, side, inv_place, thorax)
        all_deltas.append(deltas)
    vertices, landmarks = body.pose(all_deltas)
    for i, p in enumerate(postures):
        r, t = p.placement[:3, :3], p.placement[:3, 3]
        vertices[i] = vertices[i] @ r.T + t
        landmarks[i] = landmarks[i] @ r.T + t
    return vertices, landmarks, all_deltas


def _heads(body: Body, deltas_list: list[dict[str, FloatArray]]) -> list[dict[str, FloatArray]]:
    """Bone head positions (body frame) for each frame's deltas."""
    torch = body._torch
    n = len(deltas_list)
    deltas = np.tile(np.eye(4), (n, len(body.bone_labels), 1, 1))
    for i, frame in enumerate(deltas_list):
        for label, rot in frame.items():
            deltas[i, body.bone_index[label], :3, :3] = rot
    out = body.model(pose_parameters=torch.as_tensor(deltas, dtype=body.model.dtype),
                     phenotype_kwargs=body.shape.phenotype_kwargs(), pose_parameterization="local-ref")
    poses = out["bone_poses"].double().numpy()
    return [{label: poses[i, j, :3, 3] for j, label in enumerate(body.bone_labels)} for i in range(n)]


def _aim_limb(body, deltas, heads, limb: Limb, names, side, inv_place, thorax) -> None:
    s = f".{side}"
    root = heads[names["root_head"] + s]
    mid = heads[names["mid_head"] + s]
    tip = heads[names["tip_head"] + s]
    end_child = heads[names["end_child"] + s]
    o_upper, o_lower, o_end = mid - root, tip - mid, end_child - tip
    a, b = np.linalg.norm(o_upper), np.linalg.norm(o_lower)
    if limb.target_scene is not None:
        target = inv_place[:3, :3] @ np.asarray(limb.target_scene, float) + inv_place[:3, 3]
        pole = inv_place[:3, :3] @ np.asarray(limb.pole, float)  # given in the scene frame with IK targets
        up_dir, low_dir = two_bone_ik(root, target, a, b, pole)
    else:
        up_dir, low_dir = np.asarray(limb.upper, float), np.asarray(limb.lower, float)
        if limb.frame == "thorax":
            up_dir, low_dir = thorax @ up_dir, thorax @ low_dir
    upper_bone = names["upper"] + s
    p_upper = _accumulated(body, deltas, upper_bone)
    r_u = minimal_rotation(o_upper, up_dir)
    deltas[upper_bone] = p_upper.T @ r_u @ p_upper
    lower_bone = names["lower"] + s
    p_lower = _accumulated(body, deltas, lower_bone)
    cur_lower = r_u @ o_lower
    r_l = minimal_rotation(cur_lower, low_dir)
    if limb.twist_deg:
        r_l = axis_angle(low_dir, limb.twist_deg) @ r_l
    deltas[lower_bone] = p_lower.T @ r_l @ p_lower
    if limb.end is not None:
        end_bone = names["end"] + s
        p_end = _accumulated(body, deltas, end_bone)
        cur_end = r_l @ r_u @ o_end
        target_end = np.asarray(limb.end, float)
        if limb.frame == "thorax" and limb.target_scene is None:
            target_end = thorax @ target_end
        elif limb.target_scene is not None:
            target_end = inv_place[:3, :3] @ target_end  # given in the scene frame with IK targets
        r_e = minimal_rotation(cur_end, target_end)
        deltas[end_bone] = p_end.T @ r_e @ p_end


def placement(rotation: FloatArray, translation: FloatArray) -> FloatArray:
    g = np.eye(4)
    g[:3, :3] = rotation
    g[:3, 3] = translation
    return g
