"""The catalogue's exercises as postures over time: ``build(name, body, options) -> Motion``.

Each builder returns the timeline segments, one :class:`~tools.render.posing.Posture` per frame, and
scene props (a stool). Applied angles are exact: every value written to the truth is what the posture
applies (micro-motion such as breathing included).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.render import timeline as tl
from tools.render.body import Body, rot_x, rot_z
from tools.render.posing import Limb, Posture, placement, solve

SIDE_SIGN = {"left": 1.0, "right": -1.0, "none": 0.0}


def _n(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


# Arm and leg postures in the body frame (x = the person's left, y = back, z = up).
def arms_crossed() -> dict[str, Limb]:
    """Arms folded across the chest, carried by the thorax (left forearm in front of the right)."""
    return {
        "L": Limb(upper=_n([-0.35, -0.75, -0.58]), lower=_n([-0.90, 0.02, 0.43]), frame="thorax"),
        "R": Limb(upper=_n([0.35, -0.62, -0.70]), lower=_n([0.92, 0.04, 0.38]), frame="thorax"),
    }


def arms_bent_at_sides() -> dict[str, Limb]:
    """Upper arms down by the sides, elbows bent 90 degrees, forearms forward (scapular squeeze)."""
    return {
        "L": Limb(upper=_n([0.12, 0.05, -1.0]), lower=_n([0.05, -1.0, 0.05]), frame="thorax", twist_deg=0.0),
        "R": Limb(upper=_n([-0.12, 0.05, -1.0]), lower=_n([-0.05, -1.0, 0.05]), frame="thorax", twist_deg=0.0),
    }


def seated_legs() -> dict[str, Limb]:
    return {
        "L": Limb(upper=_n([0.12, -1.0, -0.06]), lower=_n([0.04, 0.08, -1.0])),
        "R": Limb(upper=_n([-0.12, -1.0, -0.06]), lower=_n([-0.04, 0.08, -1.0])),
    }


def standing_legs() -> dict[str, Limb]:
    return {
        "L": Limb(upper=_n([0.06, 0.0, -1.0]), lower=_n([0.02, 0.02, -1.0])),
        "R": Limb(upper=_n([-0.06, 0.0, -1.0]), lower=_n([-0.02, 0.02, -1.0])),
    }


@dataclass
class Motion:
    segments: list[tl.Segment]
    samples: list[tl.Sample]
    postures: list[Posture]
    props: list = field(default_factory=list)
    reps_per_side: dict[str, int] = field(default_factory=dict)
    hold_intervals: list[dict] = field(default_factory=list)


def _stool(top_z: float, center_xy=(0.0, 0.05), size=(0.42, 0.38)):
    import trimesh

    seat = trimesh.creation.box(extents=[size[0], size[1], 0.05])
    seat.apply_translation([center_xy[0], center_xy[1], top_z - 0.025])
    legs = []
    for sx in (-1, 1):
        for sy in (-1, 1):
            leg = trimesh.creation.box(extents=[0.04, 0.04, top_z - 0.05])
            leg.apply_translation([center_xy[0] + sx * (size[0] / 2 - 0.03), center_xy[1] + sy * (size[1] / 2 - 0.03),
                                   (top_z - 0.05) / 2])
            legs.append(leg)
    stool = trimesh.util.concatenate([seat] + legs)
    stool.visual.vertex_colors = np.tile(np.array([110, 72, 40, 255], np.uint8), (len(stool.vertices), 1))
    return stool


def _lowest_z(body: Body, posture: Posture, mask=None) -> float:
    vertices, _, _ = solve(body, [posture])
    v = vertices[0] if mask is None else vertices[0][mask]
    return float(v[:, 2].min())


def _finish(segments, samples, postures, props=()) -> Motion:
    return Motion(segments, samples, postures, list(props), tl.reps_per_side(segments), tl.hold_intervals(segments))


# ------------------------------------------------------------------------------------------ upright
def _upright(body: Body, seated: bool, arms: dict[str, Limb]) -> tuple[np.ndarray, list]:
    """Placement (translation) that puts the feet on the floor; a stool under a seated person."""
    legs = seated_legs() if seated else standing_legs()
    neutral = Posture(arms=arms, legs=legs)
    z0 = _lowest_z(body, neutral)
    props = []
    if seated:
        seat_mask = body._bones_mask("upperleg01", "pelvis", "root", "spine05")
        vertices, _, _ = solve(body, [neutral])
        seat_top = float(vertices[0][seat_mask][:, 2].min()) - z0
        props.append(_stool(seat_top, center_xy=(0.0, -0.02)))
    return np.array([0.0, 0.0, -z0]), props


def hands_on_shoulders() -> dict[str, Limb]:
    """Elbows forward and a little down, each hand back on its own shoulder (carried by the thorax)."""
    return {
        "L": Limb(upper=_n([0.15, -0.80, -0.55]), lower=_n([-0.10, 0.75, 0.65]), frame="thorax"),
        "R": Limb(upper=_n([-0.15, -0.80, -0.55]), lower=_n([0.10, 0.75, 0.65]), frame="thorax"),
    }


def hands_behind_head() -> dict[str, Limb]:
    """Elbows out to the sides and up, the hands behind the back of the head (carried by the thorax)."""
    return {
        "L": Limb(upper=_n([0.60, 0.20, 0.75]), lower=_n([-0.85, 0.40, 0.30]), frame="thorax"),
        "R": Limb(upper=_n([-0.60, 0.20, 0.75]), lower=_n([0.85, 0.40, 0.30]), frame="thorax"),
    }


def hands_on_knees(body: Body, translation: np.ndarray) -> dict[str, Limb]:
    """Seated, each hand planted on its thigh towards the knee (two-bone IK: the hands stay as the trunk turns)."""
    neutral = Posture(legs=seated_legs(), placement=placement(np.eye(3), translation))
    heads = _heads_scene(body, neutral, ["upperleg01.L", "upperleg01.R", "lowerleg01.L", "lowerleg01.R"])
    limbs = {}
    for s, out in (("L", 1.0), ("R", -1.0)):
        hip, knee = heads[f"upperleg01.{s}"], heads[f"lowerleg01.{s}"]
        target = hip + 0.6 * (knee - hip) + np.array([0.0, 0.0, 0.09])
        limbs[s] = Limb(target_scene=target, pole=np.array([out, 0.6, -0.2]), end=np.array([0.0, -1.0, -0.3]))
    return limbs


ARM_POSITIONS = ("crossed", "shoulders", "behind_head", "knees")


def _arms(name: str, body: Body, translation: np.ndarray) -> dict[str, Limb]:
    if name == "crossed":
        return arms_crossed()
    if name == "shoulders":
        return hands_on_shoulders()
    if name == "behind_head":
        return hands_behind_head()
    if name == "knees":
        return hands_on_knees(body, translation)
    raise ValueError(f"unknown arm position {name!r}: one of {', '.join(ARM_POSITIONS)}")


def thoracic_rotation(body: Body, fps: float, seated: bool, peak_deg: float = 45.0, hold_s: float = 3.0,
                      reps_each: int = 2, move_s: float = 1.6, rest_s: float = 0.6, arms: str = "crossed",
                      bend_deg: float = 0.0) -> Motion:
    """Alternating left / right turns of the thoracic spine, the pelvis still; arms folded on the chest
    (or ``arms`` one of :data:`ARM_POSITIONS`).

    With ``bend_deg`` the person bends sideways instead of turning (no axial rotation at all): 60 % of the
    lateral flexion in the thoracic spine, 40 % in the lumbar spine. Such a clip has no rotation reps: its
    truth says 0 reps per side and no holds (a side bend must not count as a turn)."""
    sides = ["left", "right"] * reps_each
    segments = tl.reps(sides, move_s=move_s, hold_s=hold_s, return_s=move_s, rest_s=rest_s)
    samples = tl.sample(segments, fps)
    translation, props = _upright(body, seated, arms_crossed())
    arm_limbs = _arms(arms, body, translation)
    legs = seated_legs() if seated else standing_legs()
    postures = []
    for s in samples:
        amount = SIDE_SIGN[s.side] * s.amount
        axial = 0.0 if bend_deg else peak_deg * amount
        lateral = bend_deg * amount
        postures.append(Posture(thoracic_axial_deg=axial, thoracic_lat_deg=0.6 * lateral,
                                lumbar_lat_deg=0.4 * lateral, thoracic_ext_deg=tl.breathing(s.time_s, 0.8),
                                arms=arm_limbs, legs=legs, placement=placement(np.eye(3), translation)))
    motion = _finish(segments, samples, postures, props)
    if bend_deg:
        motion.reps_per_side = {"left": 0, "right": 0}
        motion.hold_intervals = []
    return motion


def thoracic_extension(body: Body, fps: float, peak_deg: float = 20.0, hold_s: float = 4.0, reps_n: int = 3) -> Motion:
    """Seated thoracic extension: arms folded, lean back through the upper back (a little lumbar too)."""
    segments = tl.reps(["none"] * reps_n, move_s=2.0, hold_s=hold_s, return_s=2.0, rest_s=0.8)
    samples = tl.sample(segments, fps)
    arms = arms_crossed()
    translation, props = _upright(body, True, arms)
    legs = seated_legs()
    postures = []
    for s in samples:
        postures.append(Posture(thoracic_ext_deg=peak_deg * s.amount + tl.breathing(s.time_s, 0.6),
                                lumbar_ext_deg=5.0 * s.amount, neck_ext_deg=-5.0 * s.amount,
                                arms=arms, legs=legs, placement=placement(np.eye(3), translation)))
    return _finish(segments, samples, postures, props)


def scapular_squeeze(body: Body, fps: float, peak_deg: float = 14.0, hold_s: float = 3.0, reps_n: int = 4,
                     chin_tuck_deg: float = 0.0) -> Motion:
    """Standing, elbows bent at the sides: squeeze the shoulder blades (clavicles turn back).

    ``chin_tuck_deg`` (the wide set) also flexes the neck by that much at every squeeze: the head moves
    with the shoulders, as people often do, so a metric that follows the head rather than the shoulder
    blades shows up."""
    segments = tl.reps(["none"] * reps_n, move_s=1.2, hold_s=hold_s, return_s=1.2, rest_s=0.8)
    samples = tl.sample(segments, fps)
    arms = arms_bent_at_sides()
    translation, props = _upright(body, False, arms)
    legs = standing_legs()
    postures = []
    for s in samples:
        postures.append(Posture(scapular_retraction_deg=peak_deg * s.amount,
                                neck_ext_deg=-chin_tuck_deg * s.amount,
                                thoracic_ext_deg=3.0 * s.amount + tl.breathing(s.time_s, 0.5),
                                arms=arms, legs=legs, placement=placement(np.eye(3), translation)))
    motion = _finish(segments, samples, postures, props)
    if not peak_deg:  # chin tucks alone: nothing to count
        motion.reps_per_side = {"none": 0}
        motion.hold_intervals = []
    return motion


def empty(body: Body, fps: float, duration: float = 5.0) -> Motion:
    segments = [tl.Segment("rest", duration, 0.0, 0.0)]
    samples = tl.sample(segments, fps)
    return _finish(segments, samples, [])


BUILDERS = {
    "seated-thoracic-rotation": lambda body, fps, **kw: thoracic_rotation(body, fps, seated=True, **kw),
    "standing-thoracic-rotation": lambda body, fps, **kw: thoracic_rotation(body, fps, seated=False, **kw),
    "thoracic-extension": thoracic_extension,
    "scapular-squeeze": scapular_squeeze,
    "none": empty,
}


# -------------------------------------------------------------------------------------------- floor
# Scene frame: the person's head points to -y (forward) in the quadruped and plank, the floor is z = 0.
FWD = np.array([0.0, -1.0, 0.0])
DOWN = np.array([0.0, 0.0, -1.0])
WRIST_Z = 0.045  # wrist joint height with the hand flat on the floor
KNEE_Z = 0.055  # knee joint height kneeling
ANKLE_Z = 0.075  # ankle joint height with the shin and the top of the foot on the floor


def _heads_scene(body: Body, posture: Posture, labels: list[str]) -> dict[str, np.ndarray]:
    from tools.render.posing import _heads, spine_deltas

    heads = _heads(body, [spine_deltas(posture)])[0]
    g = posture.placement
    return {k: g[:3, :3] @ heads[k] + g[:3, 3] for k in labels}


def _limb_lengths(body: Body, upper: str, mid: str, tip: str, side: str = "L") -> tuple[float, float]:
    a = np.linalg.norm(body.bone_head(f"{mid}.{side}") - body.bone_head(f"{upper}.{side}"))
    b = np.linalg.norm(body.bone_head(f"{tip}.{side}") - body.bone_head(f"{mid}.{side}"))
    return float(a), float(b)


def _pivot_placement(rotation: np.ndarray, pivot_body: np.ndarray, pivot_scene: np.ndarray) -> np.ndarray:
    """Placement with ``rotation`` that puts the body-frame point ``pivot_body`` at ``pivot_scene``."""
    return placement(rotation, pivot_scene - rotation @ pivot_body)


class Quadruped:
    """Hands and knees: thighs vertical with the knees on the floor, shins and feet flat behind, hands under
    the shoulders with the arms nearly straight; the trunk tilted so that the arms reach the floor."""

    def __init__(self, body: Body, hand_forward_m: float = 0.0):
        self.body = body
        self.arm_a, self.arm_b = _limb_lengths(body, "upperarm01", "lowerarm01", "wrist")
        self.leg_a, self.leg_b = _limb_lengths(body, "upperleg01", "lowerleg01", "foot")
        self.hip_mid = 0.5 * (body.bone_head("upperleg01.L") + body.bone_head("upperleg01.R"))
        self.hip_scene = np.array([0.0, 0.0, KNEE_Z + self.leg_a])
        # tilt so that the shoulders sit at 0.96 of the arm's reach above the wrists
        want = WRIST_Z + 0.96 * (self.arm_a + self.arm_b)
        best = None
        for beta in np.linspace(-10, 40, 101):
            g = self.place(beta)
            heads = _heads_scene(body, Posture(placement=g), ["upperarm01.L"])
            err = abs(heads["upperarm01.L"][2] - want)
            if best is None or err < best[0]:
                best = (err, beta)
        self.beta = float(best[1])
        heads = _heads_scene(body, Posture(placement=self.place(self.beta)),
                             ["upperarm01.L", "upperarm01.R", "upperleg01.L", "upperleg01.R"])
        self.hands = {s: np.array([heads[f"upperarm01.{s}"][0], heads[f"upperarm01.{s}"][1] - hand_forward_m, WRIST_Z])
                      for s in "LR"}
        self.knees = {s: np.array([heads[f"upperleg01.{s}"][0], heads[f"upperleg01.{s}"][1], KNEE_Z]) for s in "LR"}
        self.ankles = {s: self.knees[s] + np.array([0.0, self.leg_b * 0.995, ANKLE_Z - KNEE_Z]) for s in "LR"}

    def place(self, beta_deg: float, pelvic_tilt_deg: float = 0.0, hip_scene=None) -> np.ndarray:
        """Trunk inclined ``beta`` above horizontal (head end up), pelvis tilted about the hip axis."""
        rotation = rot_x(90.0 - beta_deg) @ rot_x(pelvic_tilt_deg)
        return _pivot_placement(rotation, self.hip_mid, self.hip_scene if hip_scene is None else hip_scene)

    def arms(self, hands=None) -> dict[str, Limb]:
        hands = hands or self.hands
        return {s: Limb(target_scene=hands[s], pole=np.array([0.0, 1.0, 0.2]), end=np.array([0.0, -1.0, -0.08]),
                        twist_deg=0.0) for s in "LR"}

    def legs(self) -> dict[str, Limb]:
        return {s: Limb(target_scene=self.ankles[s], pole=np.array([0.0, -1.0, -1.0]), end=np.array([0.0, 1.0, -0.35]))
                for s in "LR"}


def cat_cow(body: Body, fps: float, reps_n: int = 4, flex_deg: float = 40.0, ext_deg: float = 30.0) -> Motion:
    """Hands and knees: round the back up (cat, flexion), then let it sag with the head up (cow, extension).
    One rep = cat then cow. The pelvis tilts about the hip joints by half the spine's bend, as it does."""
    segments = [tl.Segment("setup", 1.0, 0.0, 0.0)]
    for r in range(1, reps_n + 1):
        segments += [tl.Segment("moving", 1.4, 0.0, 1.0, r, "none"), tl.Segment("hold", 0.6, 1.0, 1.0, r, "none"),
                     tl.Segment("moving", 2.0, 1.0, -1.0, r, "none"), tl.Segment("hold", 0.6, -1.0, -1.0, r, "none"),
                     tl.Segment("return", 1.2, -1.0, 0.0, r, "none")]
    segments.append(tl.Segment("rest", 1.0, 0.0, 0.0))
    samples = tl.sample(segments, fps)
    q = Quadruped(body)
    postures = []
    for s in samples:
        a = s.amount  # +1 = full cat, -1 = full cow
        ext_total = -flex_deg * a if a > 0 else -ext_deg * a  # positive = extension
        lumbar, thoracic = 0.45 * ext_total, 0.55 * ext_total
        tilt = ext_total / 2.0  # pelvis: posterior tilt in cat, anterior in cow
        neck = 0.6 * ext_total
        postures.append(Posture(thoracic_ext_deg=thoracic, lumbar_ext_deg=lumbar, neck_ext_deg=neck,
                                arms=q.arms(), legs=q.legs(), placement=q.place(q.beta, tilt),
                                extra_angles={"pelvic_tilt_deg": tilt, "trunk_incline_deg": q.beta}))
    motion = _finish(segments, samples, postures)
    motion.reps_per_side = {"none": reps_n}
    return motion


def bird_dog(body: Body, fps: float, reps_each: int = 2, hold_s: float = 3.0) -> Motion:
    """Hands and knees: reach one arm forward and the opposite leg back to horizontal, hold, return.
    ``side`` is the side of the reaching arm (left = left arm and right leg)."""
    sides = ["left", "right"] * reps_each
    segments = tl.reps(sides, move_s=1.6, hold_s=hold_s, return_s=1.6, rest_s=0.6)
    samples = tl.sample(segments, fps)
    q = Quadruped(body)
    shoulder = _heads_scene(body, Posture(placement=q.place(q.beta)), ["upperarm01.L", "upperarm01.R",
                                                                         "upperleg01.L", "upperleg01.R"])
    postures = []
    for s in samples:
        arms, legs = q.arms(), q.legs()
        if s.side != "none" and s.amount > 0:
            arm_side = "L" if s.side == "left" else "R"
            leg_side = "R" if arm_side == "L" else "L"
            th = np.radians(95.0 * s.amount)  # from straight down to just above horizontal, forward
            sh = shoulder[f"upperarm01.{arm_side}"]
            d0 = np.linalg.norm(q.hands[arm_side] - sh)
            dist = d0 + (0.995 * (q.arm_a + q.arm_b) - d0) * s.amount
            arms[arm_side] = Limb(target_scene=sh + dist * (np.sin(th) * FWD + np.cos(th) * DOWN),
                                  pole=np.array([0.0, 1.0, 0.3]), end=np.sin(th) * FWD + np.cos(th) * DOWN * 0.9 +
                                  np.array([0, -0.05, 0.0]))
            hip = shoulder[f"upperleg01.{leg_side}"]
            v0 = q.ankles[leg_side] - hip
            v1 = np.array([0.0, 1.0, 0.05]) * 0.995 * (q.leg_a + q.leg_b)
            ang0 = np.arctan2(v0[2], v0[1])
            ang1 = np.arctan2(v1[2], v1[1])
            ang = ang0 + (ang1 - ang0) * s.amount
            dist = np.linalg.norm(v0) + (np.linalg.norm(v1) - np.linalg.norm(v0)) * s.amount
            target = hip + dist * np.array([0.0, np.cos(ang), np.sin(ang)])
            legs[leg_side] = Limb(target_scene=target, pole=np.array([0.0, -1.0, -1.0]), end=np.array([0.0, 1.0, -0.6]))
        postures.append(Posture(thoracic_ext_deg=tl.breathing(s.time_s, 0.6), arms=arms, legs=legs,
                                placement=q.place(q.beta), extra_angles={"trunk_incline_deg": q.beta}))
    return _finish(segments, samples, postures)


def childs_pose(body: Body, fps: float, hold_s: float = 8.0, reps_n: int = 1) -> Motion:
    """From hands and knees (hands a little forward), sit the hips back towards the heels with the arms
    reaching forward on the floor and the back rounded; hold and breathe; come back."""
    segments = tl.reps(["none"] * reps_n, move_s=2.5, hold_s=hold_s, return_s=2.5, rest_s=0.0, setup_s=1.5,
                       end_s=1.5)
    samples = tl.sample(segments, fps)
    q = Quadruped(body, hand_forward_m=0.30)
    knee_mid = 0.5 * (q.knees["L"] + q.knees["R"])
    psi_end = 62.0  # thigh tipped back from vertical: the hips sink towards the heels

    def posture(a: float, beta: float, t: float) -> Posture:
        psi = np.radians(psi_end * a)
        hip_scene = knee_mid + q.leg_a * np.array([0.0, np.sin(psi), np.cos(psi)])
        lumbar, thoracic = -12.0 * a, -10.0 * a + tl.breathing(t, 0.8) * a
        return Posture(thoracic_ext_deg=thoracic, lumbar_ext_deg=lumbar, neck_ext_deg=-12.0 * a,
                       arms=q.arms(), legs=q.legs(), placement=q.place(beta, 0.0, hip_scene),
                       extra_angles={"trunk_incline_deg": beta})

    # the trunk's final incline: the shoulders come down to 0.24 m over the floor
    best = None
    for beta_end in np.linspace(-40, 10, 51):
        z = _heads_scene(body, posture(1.0, beta_end, 0.0), ["upperarm01.L"])["upperarm01.L"][2]
        if best is None or abs(z - 0.24) < best[0]:
            best = (abs(z - 0.24), float(beta_end))
    beta_end = best[1]
    postures = [posture(s.amount, q.beta + (beta_end - q.beta) * s.amount, s.time_s) for s in samples]
    return _finish(segments, samples, postures)


def plank(body: Body, fps: float, hold_s: float = 12.0) -> Motion:
    """High plank: straight body from shoulders to ankles on straight arms and the toes; hold and breathe."""
    segments = [tl.Segment("setup", 1.0, 0.0, 0.0), tl.Segment("hold", hold_s, 1.0, 1.0, 1, "none"),
                tl.Segment("rest", 1.0, 1.0, 1.0)]
    samples = tl.sample(segments, fps)
    arm_a, arm_b = _limb_lengths(body, "upperarm01", "lowerarm01", "wrist")
    ankle_mid = 0.5 * (body.bone_head("foot.L") + body.bone_head("foot.R"))
    ankle_scene = np.array([0.0, 0.75, 0.12])
    want = WRIST_Z + 0.985 * (arm_a + arm_b)
    best = None
    for beta in np.linspace(0, 40, 161):
        g = _pivot_placement(rot_x(90.0 - beta), ankle_mid, ankle_scene)
        h = _heads_scene(body, Posture(placement=g), ["upperarm01.L"])["upperarm01.L"][2]
        if best is None or abs(h - want) < best[0]:
            best = (abs(h - want), beta)
    beta = float(best[1])
    g = _pivot_placement(rot_x(90.0 - beta), ankle_mid, ankle_scene)
    heads = _heads_scene(body, Posture(placement=g), ["upperarm01.L", "upperarm01.R"])
    hands = {s: np.array([heads[f"upperarm01.{s}"][0], heads[f"upperarm01.{s}"][1], WRIST_Z]) for s in "LR"}
    legs = {s: Limb(upper=_n([0.02 * (1 if s == "L" else -1), 0.0, -1.0]), lower=_n([0.0, 0.0, -1.0]),
                    end=_n([0.0, -0.55, -1.0])) for s in "LR"}
    # the toes point down at the floor: the foot aims along the body's -z axis, turned towards the floor
    rot = g[:3, :3]
    for s in "LR":
        legs[s].end = rot.T @ _n([0.0, 0.35, -1.0])
    postures = []
    for smp in samples:
        arms = {s: Limb(target_scene=hands[s], pole=np.array([0.0, 1.0, 0.0]), end=np.array([0.0, -1.0, -0.08]))
                for s in "LR"}
        postures.append(Posture(thoracic_ext_deg=tl.breathing(smp.time_s, 0.6), arms=arms, legs=legs, placement=g,
                                extra_angles={"trunk_incline_deg": beta}))
    motion = _finish(segments, samples, postures)
    return motion


def glute_bridge(body: Body, fps: float, reps_n: int = 4, peak_deg: float = 25.0, hold_s: float = 2.0) -> Motion:
    """Lying on the back, knees bent, feet flat: lift the hips until shoulders, hips and knees line up."""
    segments = tl.reps(["none"] * reps_n, move_s=1.5, hold_s=hold_s, return_s=1.5, rest_s=0.8)
    samples = tl.sample(segments, fps)
    sh_mid = 0.5 * (body.bone_head("upperarm01.L") + body.bone_head("upperarm01.R"))
    leg_a, leg_b = _limb_lengths(body, "upperleg01", "lowerleg01", "foot")
    shoulder_scene = np.array([0.0, 0.6, 0.0])

    def place(alpha):
        return _pivot_placement(rot_x(-(90.0 + alpha)), sh_mid, shoulder_scene)

    # lift everything so that the lowest point of the lying body touches the floor
    z0 = _lowest_z(body, Posture(placement=place(0.0), neck_ext_deg=0.0))
    shoulder_scene = shoulder_scene - np.array([0.0, 0.0, z0])
    hip0 = _heads_scene(body, Posture(placement=place(0.0)), ["upperleg01.L", "upperleg01.R"])
    ankles = {s: hip0[f"upperleg01.{s}"] + np.array([0.0, -0.62 * (leg_a + leg_b), 0.0]) for s in "LR"}
    for s in "LR":
        ankles[s][2] = 0.085
    postures = []
    for smp in samples:
        alpha = peak_deg * smp.amount
        g = place(alpha)
        rot = g[:3, :3]
        arm_dir = {s: rot.T @ _n([0.12 * (1 if s == "L" else -1), -1.0, -0.02]) for s in "LR"}
        arms = {s: Limb(upper=arm_dir[s], lower=arm_dir[s]) for s in "LR"}
        legs = {s: Limb(target_scene=ankles[s], pole=np.array([0.0, -0.3, 1.0]), end=np.array([0.0, -1.0, -0.25]))
                for s in "LR"}
        postures.append(Posture(neck_ext_deg=-alpha, thoracic_ext_deg=tl.breathing(smp.time_s, 0.5),
                                arms=arms, legs=legs, placement=g, extra_angles={"trunk_incline_deg": alpha}))
    return _finish(segments, samples, postures)


BUILDERS.update({
    "cat-cow": cat_cow,
    "bird-dog": bird_dog,
    "childs-pose": childs_pose,
    "plank": plank,
    "glute-bridge": glute_bridge,
})
