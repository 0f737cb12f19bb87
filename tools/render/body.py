"""The posable body: anny (MakeHuman-based, CC0 assets) posed from named joint angles.

Anny's own frame ("body frame"): x = the person's left, y = the person's back (the face looks along -y),
z = up, metres, origin at the pelvis root. Poses use anny's ``local-ref`` parameterization: each bone's
delta rotation is expressed in these world-aligned rest axes about the bone's head and is carried along by
its parents, so rotations about the same axis on successive bones add up exactly.

Everything here returns body-frame coordinates; :mod:`tools.render.scene` places the body in the scene.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

# ------------------------------------------------------------------------------------------ rotations
def rot_x(deg: float) -> FloatArray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(deg: float) -> FloatArray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(deg: float) -> FloatArray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


# In the body frame (x left, y back, z up):
#   turning to the person's LEFT       = +angle about +z
#   extension (top moves back, +y)     = -angle about +x
#   lateral flexion to the person's left (top moves +x) = +angle about +y
def trunk_rotation(axial_deg: float = 0.0, extension_deg: float = 0.0, lateral_deg: float = 0.0) -> FloatArray:
    """Rotation of one spine segment: extension, then lateral flexion, then axial rotation (applied last,
    i.e. innermost: about the segment's own long axis once the flexions are done)."""
    return rot_x(-extension_deg) @ rot_y(lateral_deg) @ rot_z(axial_deg)


# Spine bones of the MakeHuman rig (pelvis upwards) and how applied angles are shared between them.
LUMBAR_BONES = ("spine05", "spine04", "spine03")
THORACIC_BONES = ("spine02", "spine01")
NECK_BONES = ("neck01", "neck02", "neck03")


@dataclass(frozen=True)
class BodyShape:
    """Anny phenotype values in [0, 1] (gender: 0 male, 1 female; age: 0.667 young adult, 1 old)."""

    name: str
    gender: float
    age: float
    muscle: float
    weight: float
    height: float
    proportions: float = 0.5

    def phenotype_kwargs(self) -> dict[str, float]:
        return dict(gender=self.gender, age=self.age, muscle=self.muscle, weight=self.weight,
                    height=self.height, proportions=self.proportions)


SHAPES: dict[str, BodyShape] = {
    "average_male": BodyShape("average_male", gender=0.0, age=0.72, muscle=0.55, weight=0.5, height=0.55),
    "slim_female": BodyShape("slim_female", gender=1.0, age=0.7, muscle=0.45, weight=0.35, height=0.45),
    "heavy_male": BodyShape("heavy_male", gender=0.1, age=0.85, muscle=0.4, weight=0.85, height=0.5),
    # Only in the wide evaluation set (tools/render/wide.py): other heights, weights and proportions.
    "tall_male": BodyShape("tall_male", gender=0.0, age=0.7, muscle=0.6, weight=0.45, height=0.9, proportions=0.6),
    "short_female": BodyShape("short_female", gender=1.0, age=0.75, muscle=0.4, weight=0.55, height=0.15),
    "heavy_female": BodyShape("heavy_female", gender=0.95, age=0.85, muscle=0.35, weight=0.9, height=0.4),
    "tall_slim_female": BodyShape("tall_slim_female", gender=1.0, age=0.68, muscle=0.5, weight=0.25, height=0.8,
                                  proportions=0.3),
    "short_stocky_male": BodyShape("short_stocky_male", gender=0.05, age=0.9, muscle=0.7, weight=0.7, height=0.2,
                                   proportions=0.7),
}


@dataclass(frozen=True)
class SkinTone:
    name: str
    skin_rgb: tuple[float, float, float]
    lip_rgb: tuple[float, float, float]
    hair_rgb: tuple[float, float, float]
    iris_rgb: tuple[float, float, float]


SKIN_TONES: dict[str, SkinTone] = {
    "light": SkinTone("light", (0.87, 0.68, 0.56), (0.72, 0.40, 0.40), (0.30, 0.20, 0.12), (0.30, 0.42, 0.55)),
    "medium": SkinTone("medium", (0.72, 0.52, 0.38), (0.58, 0.32, 0.30), (0.10, 0.07, 0.05), (0.28, 0.18, 0.10)),
    "dark": SkinTone("dark", (0.45, 0.30, 0.20), (0.36, 0.20, 0.18), (0.05, 0.04, 0.03), (0.18, 0.11, 0.06)),
}


@dataclass(frozen=True)
class Outfit:
    name: str
    shirt_rgb: tuple[float, float, float]
    pants_rgb: tuple[float, float, float]
    shoe_rgb: tuple[float, float, float]
    long_pants: bool = True


OUTFITS: dict[str, Outfit] = {
    "blue_grey": Outfit("blue_grey", (0.15, 0.35, 0.70), (0.25, 0.25, 0.28), (0.9, 0.9, 0.9)),
    "red_black": Outfit("red_black", (0.75, 0.18, 0.15), (0.08, 0.08, 0.10), (0.3, 0.3, 0.35)),
    "green_navy": Outfit("green_navy", (0.20, 0.55, 0.35), (0.12, 0.15, 0.30), (0.85, 0.85, 0.8), False),
    # Only in the wide evaluation set: a light shirt on a light wall, a dark one on a dark wall.
    "white_khaki": Outfit("white_khaki", (0.90, 0.90, 0.88), (0.60, 0.50, 0.35), (0.35, 0.25, 0.15)),
    "black_jeans": Outfit("black_jeans", (0.10, 0.10, 0.11), (0.20, 0.30, 0.50), (0.95, 0.95, 0.95)),
}

#: MediaPipe's 33 landmarks: how each is taken from the body model. ``("bone", label)`` is that bone's head
#: (a joint centre); ``("shoulder" | "hip", side)`` a point of :data:`OFFSET_POINTS`;
#: ``("vertex", key)`` a mesh vertex chosen in the rest pose (see :meth:`Body._face_vertices`).
LANDMARK_SOURCES: tuple[tuple[str, str], ...] = (
    ("vertex", "nose"),  # 0 nose tip
    ("vertex", "eye_inner.L"), ("vertex", "eye.L"), ("vertex", "eye_outer.L"),  # 1-3
    ("vertex", "eye_inner.R"), ("vertex", "eye.R"), ("vertex", "eye_outer.R"),  # 4-6
    ("vertex", "ear.L"), ("vertex", "ear.R"),  # 7, 8
    ("vertex", "mouth.L"), ("vertex", "mouth.R"),  # 9, 10
    ("shoulder", "L"), ("shoulder", "R"),  # 11, 12 shoulders: over the glenohumeral centre (acromion)
    ("bone", "lowerarm01.L"), ("bone", "lowerarm01.R"),  # 13, 14 elbows
    ("bone", "wrist.L"), ("bone", "wrist.R"),  # 15, 16 wrists
    ("bone", "finger5-1.L"), ("bone", "finger5-1.R"),  # 17, 18 pinky knuckle
    ("bone", "finger2-1.L"), ("bone", "finger2-1.R"),  # 19, 20 index knuckle
    ("bone", "finger1-3.L"), ("bone", "finger1-3.R"),  # 21, 22 thumb (interphalangeal joint)
    ("hip", "L"), ("hip", "R"),  # 23, 24 hips: the hip joint centre
    ("bone", "lowerleg01.L"), ("bone", "lowerleg01.R"),  # 25, 26 knees
    ("bone", "foot.L"), ("bone", "foot.R"),  # 27, 28 ankles
    ("vertex", "heel.L"), ("vertex", "heel.R"),  # 29, 30
    ("vertex", "toe.L"), ("vertex", "toe.R"),  # 31, 32 foot index (tip of the 2nd toe)
)

#: Points offset from a joint centre, carried rigidly by one bone: ``kind -> (joint bone, carrier bone,
#: (outward, forward, up) offset in metres in the rest pose; outward = away from the midline)``.
#: Measured against MediaPipe on these renders (sample_videos/README.md): its shoulder sits about 4 cm above
#: the glenohumeral centre (near the acromion), so ours is 3.5 cm above it, carried by the shoulder girdle
#: (``shoulder01``) rather than the upper arm; its hip sits within a few cm of the hip joint centre (higher
#: when seated, lower when standing), so ours is the joint centre, carried by the pelvis bone.
OFFSET_POINTS: dict[str, tuple[str, str, tuple[float, float, float]]] = {
    "shoulder": ("upperarm01", "shoulder01", (0.0, 0.0, 0.035)),
    "hip": ("upperleg01", "pelvis", (0.0, 0.0, 0.0)),
}


def _skin_tone_colors() -> None:  # pragma: no cover - documentation anchor
    pass


class Body:
    """One anny body: a shape, rest-pose landmark choices and per-vertex colours.

    ``pose(rotations)`` takes ``{bone_label: 3x3 rotation}`` (local-ref deltas) for a batch of frames and
    returns posed vertices ``(N, V, 3)`` and landmarks ``(N, 33, 3)`` in the body frame.
    """

    def __init__(self, shape: BodyShape) -> None:
        import torch
        import anny

        torch.set_grad_enabled(False)
        self.shape = shape
        self._torch = torch
        self.model = anny.Anny()
        self.bone_labels: list[str] = list(self.model.bone_labels)
        self.bone_index = {label: i for i, label in enumerate(self.bone_labels)}
        rest = self.model(phenotype_kwargs=shape.phenotype_kwargs())
        # anny's rest frame has the root bone above the origin; posing with an identity root puts the root at
        # the origin. ``rest_vertices`` / :meth:`bone_head` use the posed frame (root at the origin);
        # ``rest_bone_poses`` stays in anny's rest frame, where the skinning transforms apply.
        self.rest_bone_poses = rest["rest_bone_poses"][0].double().numpy()
        self.root_rest = self.rest_bone_poses[0, :3, 3].copy()
        self.rest_vertices = rest["rest_vertices"][0].double().numpy() - self.root_rest
        self.faces = self.model.faces.numpy()
        self.vertex_bone_indices = self.model.vertex_bone_indices.numpy()
        self.vertex_bone_weights = self.model.vertex_bone_weights.numpy()
        self.texture_coordinates = self.model.texture_coordinates.double().numpy()
        self.face_texture_indices = self.model.face_texture_coordinate_indices.numpy()
        self.landmark_vertex = self._face_vertices()

    # ------------------------------------------------------------------------------------ rest choices
    @cached_property
    def dominant_bone(self) -> NDArray[np.int64]:
        best = np.argmax(self.vertex_bone_weights, axis=1)
        return self.vertex_bone_indices[np.arange(len(best)), best]

    def _bones_mask(self, *prefixes: str) -> NDArray[np.bool_]:
        ids = [i for label, i in self.bone_index.items() if label.startswith(prefixes)]
        return np.isin(self.dominant_bone, ids)

    def _vertex_uv(self) -> FloatArray:
        """One UV per vertex (the first corner that uses it)."""
        uv = np.zeros((len(self.rest_vertices), 2))
        uv[self.faces.ravel()] = self.texture_coordinates[self.face_texture_indices.ravel()]
        return uv

    def texture_mask(self, name: str) -> FloatArray:
        """Per-vertex value of one of anny's MPFB region masks (``lips``, ``ears``, ``eyelids``...)."""
        from PIL import Image
        import anny

        path = Path(anny.__file__).parent / "data" / "mpfb2" / "textures" / f"mpfb_{name}.jpg"
        image = np.asarray(Image.open(path).convert("L"), dtype=float) / 255.0
        h, w = image.shape
        uv = self._vertex_uv()
        col = np.clip((uv[:, 0] * (w - 1)).round().astype(int), 0, w - 1)
        row = np.clip(((1.0 - uv[:, 1]) * (h - 1)).round().astype(int), 0, h - 1)
        return image[row, col]

    def bone_head(self, label: str) -> FloatArray:
        """A bone's head at rest, in the body frame (root at the origin)."""
        return self.rest_bone_poses[self.bone_index[label], :3, 3] - self.root_rest

    def _face_vertices(self) -> dict[str, int]:
        v = self.rest_vertices
        out: dict[str, int] = {}
        head = self._bones_mask("head", "neck03")
        eye_z = self.bone_head("eye.L")[2]
        for side, sign in (("L", 1.0), ("R", -1.0)):
            eyeball = self._bones_mask(f"eye.{side}")
            idx = np.flatnonzero(eyeball)
            pupil = idx[np.argmin(v[idx, 1])]
            out[f"eye.{side}"] = int(pupil)
            centre = self.bone_head(f"eye.{side}")
            radius = abs(v[pupil, 1] - centre[1])
            for key, dx in (("eye_inner", -sign), ("eye_outer", sign)):
                target = v[pupil] + np.array([dx * 0.9 * radius, 0.6 * radius, 0.0])
                out[f"{key}.{side}"] = int(idx[np.argmin(np.linalg.norm(v[idx] - target, axis=1))])
            ears = np.flatnonzero((self.texture_mask("ears") > 0.5) & (np.sign(v[:, 0]) == sign) & head)
            centroid = v[ears].mean(axis=0)
            out[f"ear.{side}"] = int(ears[np.argmin(np.linalg.norm(v[ears] - centroid, axis=1))])
            lips = np.flatnonzero((self.texture_mask("lips") > 0.5) & head)
            out[f"mouth.{side}"] = int(lips[np.argmax(sign * v[lips, 0])])
            foot = np.flatnonzero(self._bones_mask(f"foot.{side}", f"toe"))
            foot = foot[np.sign(v[foot, 0]) == sign]
            low = foot[v[foot, 2] < v[foot, 2].min() + 0.03]
            out[f"heel.{side}"] = int(low[np.argmax(v[low, 1])])
            toes = np.flatnonzero(self._bones_mask(f"toe2-3.{side}"))
            out[f"toe.{side}"] = int(toes[np.argmin(v[toes, 1])])
        face = np.flatnonzero(head & (np.abs(v[:, 0]) < 0.012) & (v[:, 2] < eye_z) & (v[:, 2] > eye_z - 0.07))
        out["nose"] = int(face[np.argmin(v[face, 1])])
        return out

    # ----------------------------------------------------------------------------------------- posing
    def pose(self, rotations: list[dict[str, FloatArray]]) -> tuple[FloatArray, FloatArray]:
        """Poses a batch of frames; returns ``(vertices (N, V, 3), landmarks (N, 33, 3))`` in the body frame."""
        torch = self._torch
        n = len(rotations)
        deltas = np.tile(np.eye(4), (n, len(self.bone_labels), 1, 1))
        for i, frame in enumerate(rotations):
            for label, rot in frame.items():
                deltas[i, self.bone_index[label], :3, :3] = rot
        out = self.model(
            pose_parameters=torch.as_tensor(deltas, dtype=self.model.dtype),
            phenotype_kwargs=self.shape.phenotype_kwargs(),
            pose_parameterization="local-ref",
        )
        vertices = out["vertices"].double().numpy()
        poses = out["bone_poses"].double().numpy()
        rest = out["rest_bone_poses"].double().numpy()
        rest = np.broadcast_to(rest, poses.shape)
        transforms = poses @ np.linalg.inv(rest)  # T_c = W_c P_c^-1, maps rest points carried by bone c
        landmarks = np.empty((n, len(LANDMARK_SOURCES), 3))
        for j, (kind, key) in enumerate(LANDMARK_SOURCES):
            if kind == "bone":
                landmarks[:, j] = poses[:, self.bone_index[key], :3, 3]
            elif kind == "vertex":
                landmarks[:, j] = vertices[:, self.landmark_vertex[key]]
            else:  # a point offset from a joint centre, carried by one bone
                joint, carrier, (out_m, fwd_m, up_m) = OFFSET_POINTS[kind]
                sign = 1.0 if key == "L" else -1.0
                point = (self.rest_bone_poses[self.bone_index[f"{joint}.{key}"], :3, 3]
                         + np.array([sign * out_m, -fwd_m, up_m]))  # in anny's rest frame, as T expects
                t = transforms[:, self.bone_index[f"{carrier}.{key}"]]
                landmarks[:, j] = (t[:, :3, :3] @ point) + t[:, :3, 3]
        return vertices, landmarks

    # ---------------------------------------------------------------------------------------- colours
    def vertex_colors(self, tone: SkinTone, outfit: Outfit) -> FloatArray:
        """Per-vertex RGB: skin, lips, eyes (sclera, iris, pupil), brows, hair, shirt, trousers, shoes."""
        v = self.rest_vertices
        colors = np.tile(np.array(tone.skin_rgb), (len(v), 1))
        # subtle shading variation so the skin is not a flat colour
        rng = np.random.default_rng(0)
        colors *= 1.0 + 0.03 * rng.standard_normal((len(v), 1))
        lips = np.clip(self.texture_mask("lips") * 1.5, 0, 1)[:, None]
        colors = colors * (1 - lips) + np.array(tone.lip_rgb) * lips
        head = self._bones_mask("head")
        eye_l, eye_r = self.bone_head("eye.L"), self.bone_head("eye.R")
        eye_z = eye_l[2]
        front_y = v[self.landmark_vertex["nose"], 1]
        # hair: the scalp above the forehead and the back of the head
        top = head & (v[:, 2] > eye_z + 0.045)
        back = head & (v[:, 1] > eye_l[1] + 0.10) & (v[:, 2] > eye_z - 0.06)
        sides = head & (v[:, 1] > eye_l[1] + 0.075) & (v[:, 2] > eye_z + 0.0)
        hair = top | back | sides
        colors[hair] = tone.hair_rgb
        # eyebrows
        for centre in (eye_l, eye_r):
            d = v - centre
            brow = head & (d[:, 2] > 0.017) & (d[:, 2] < 0.027) & (np.abs(d[:, 0]) < 0.024) & (d[:, 1] < -0.005)
            colors[brow & ~hair] = tone.hair_rgb
        # eyes
        for side, centre in (("L", eye_l), ("R", eye_r)):
            idx = np.flatnonzero(self._bones_mask(f"eye.{side}"))
            d = v[idx] - centre
            d /= np.linalg.norm(d, axis=1, keepdims=True)
            cos_fwd = -d[:, 1]
            c = np.tile([0.92, 0.92, 0.9], (len(idx), 1))
            c[cos_fwd > 0.85] = tone.iris_rgb
            c[cos_fwd > 0.96] = (0.02, 0.02, 0.02)
            colors[idx] = c
        del front_y
        # clothes
        shirt = self._bones_mask("spine", "clavicle", "shoulder01", "upperarm01", "upperarm02")
        shirt &= v[:, 2] > self.bone_head("spine04")[2] - 0.03
        pants = self._bones_mask("root", "pelvis", "upperleg", "spine05", "spine04", "spine03")
        pants &= ~shirt
        if outfit.long_pants:
            pants |= self._bones_mask("lowerleg")
        else:
            pants &= ~self._bones_mask("lowerleg")
        shoes = self._bones_mask("foot", "toe")
        colors[shirt] = outfit.shirt_rgb
        colors[pants] = outfit.pants_rgb
        colors[shoes] = outfit.shoe_rgb
        return np.clip(colors, 0, 1)
