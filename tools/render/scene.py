"""Camera, room and lights, and a pyrender (OSMesa, headless) renderer of the posed body.

Scene frame: x, y horizontal, z up, metres, floor at z = 0 (the body frame of :mod:`tools.render.body`
rotated/translated by a rigid placement). Camera frame: x right, y down, z away from the camera (the frame
of ``xyz_m`` in formcheck); pixels: x right, y down, origin at the top-left corner of the top-left pixel's
centre minus a half (a pinhole ``u = fx * x / z + cx``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

import numpy as np
from numpy.typing import NDArray

if not hasattr(np, "infty"):  # pyrender 0.1.45 still uses the alias NumPy 2 removed
    np.infty = np.inf  # type: ignore[attr-defined]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking from ``eye_m`` at ``target_m`` (scene frame), upright (no roll)."""

    eye_m: tuple[float, float, float]
    target_m: tuple[float, float, float]
    resolution_wh: tuple[int, int] = (640, 480)
    hfov_deg: float = 60.0

    @property
    def focal_px(self) -> float:
        return 0.5 * self.resolution_wh[0] / np.tan(np.radians(self.hfov_deg) / 2)

    @property
    def intrinsics(self) -> FloatArray:
        w, h = self.resolution_wh
        f = self.focal_px
        return np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])

    @property
    def rotation_cw(self) -> FloatArray:
        """Rows: the camera's x (right), y (down), z (forward) axes in scene coordinates."""
        eye, target = np.array(self.eye_m, float), np.array(self.target_m, float)
        fwd = target - eye
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        return np.stack([right, down, fwd])

    def to_camera(self, points_scene: FloatArray) -> FloatArray:
        """Scene points ``(..., 3)`` to camera coordinates (x right, y down, z forward)."""
        return (np.asarray(points_scene) - np.array(self.eye_m)) @ self.rotation_cw.T

    def project(self, points_cam: FloatArray) -> FloatArray:
        """Camera points ``(..., 3)`` to pixels ``(..., 2)``."""
        k = self.intrinsics
        z = points_cam[..., 2]
        return np.stack([k[0, 0] * points_cam[..., 0] / z + k[0, 2], k[1, 1] * points_cam[..., 1] / z + k[1, 2]], -1)

    def as_dict(self) -> dict:
        k = self.intrinsics
        return {
            "resolution_wh": list(self.resolution_wh),
            "fx_px": k[0, 0], "fy_px": k[1, 1], "cx_px": k[0, 2], "cy_px": k[1, 2],
            "hfov_deg": self.hfov_deg,
            "eye_scene_m": list(self.eye_m),
            "target_scene_m": list(self.target_m),
            "rotation_scene_to_camera": self.rotation_cw.tolist(),
        }

    def gl_pose(self) -> FloatArray:
        """Camera-to-scene pose in OpenGL's convention (x right, y up, looking along -z)."""
        r = self.rotation_cw
        pose = np.eye(4)
        pose[:3, 0] = r[0]
        pose[:3, 1] = -r[1]
        pose[:3, 2] = -r[2]
        pose[:3, 3] = self.eye_m
        return pose


@dataclass(frozen=True)
class Room:
    """Background look: wall and floor colours, light direction and strength, optional furniture."""

    name: str
    wall_rgb: tuple[float, float, float]
    floor_rgb: tuple[float, float, float]
    floor_rgb2: tuple[float, float, float]
    light_dir: tuple[float, float, float] = (-0.4, -0.6, -1.0)  # direction the light travels (scene frame)
    light_intensity: float = 3.0
    ambient: float = 0.35
    mat_rgb: tuple[float, float, float] | None = None


ROOMS: dict[str, Room] = {
    "beige_wood": Room("beige_wood", (0.80, 0.76, 0.68), (0.55, 0.40, 0.26), (0.50, 0.36, 0.23)),
    "grey_studio": Room("grey_studio", (0.62, 0.64, 0.66), (0.35, 0.35, 0.37), (0.32, 0.32, 0.34),
                        light_dir=(0.5, -0.5, -1.0), light_intensity=3.5, ambient=0.3, mat_rgb=(0.2, 0.45, 0.55)),
    "green_warm": Room("green_warm", (0.60, 0.70, 0.58), (0.70, 0.62, 0.50), (0.66, 0.58, 0.46),
                       light_dir=(-0.7, 0.3, -1.0), light_intensity=2.6, ambient=0.45, mat_rgb=(0.55, 0.25, 0.45)),
    # Only in the wide evaluation set: a bright office lit from the side, a dim room with a dark wall.
    "white_office": Room("white_office", (0.92, 0.92, 0.90), (0.45, 0.45, 0.47), (0.42, 0.42, 0.44),
                         light_dir=(0.9, -0.2, -0.6), light_intensity=3.2, ambient=0.4),
    "dim_blue": Room("dim_blue", (0.22, 0.27, 0.40), (0.30, 0.24, 0.20), (0.27, 0.21, 0.18),
                     light_dir=(-0.3, -0.8, -0.8), light_intensity=2.0, ambient=0.25, mat_rgb=(0.5, 0.5, 0.2)),
}


def _box(extents, center, rgb):
    import trimesh

    box = trimesh.creation.box(extents=extents)
    box.apply_translation(center)
    box.visual.vertex_colors = np.tile((np.array(list(rgb) + [1.0]) * 255).astype(np.uint8), (len(box.vertices), 1))
    return box


def _floor(room: Room, size_m: float = 12.0, tile_m: float = 0.3):
    """A tiled floor as many small quads (vertex colours, no texture), top at z = 0."""
    import trimesh

    n = int(size_m / tile_m)
    meshes = []
    for i in range(n):
        for j in range(n):
            rgb = room.floor_rgb if (i + j) % 2 else room.floor_rgb2
            x0, y0 = -size_m / 2 + i * tile_m, -size_m / 2 + j * tile_m
            v = np.array([[x0, y0, 0], [x0 + tile_m, y0, 0], [x0 + tile_m, y0 + tile_m, 0], [x0, y0 + tile_m, 0]])
            m = trimesh.Trimesh(v, [[0, 1, 2], [0, 2, 3]], process=False)
            m.visual.vertex_colors = np.tile((np.array(list(rgb) + [1.0]) * 255).astype(np.uint8), (4, 1))
            meshes.append(m)
    return trimesh.util.concatenate(meshes)


@dataclass
class Renderer:
    """Renders one clip: static room and props, plus the body mesh per frame."""

    camera: Camera
    room: Room
    faces: NDArray[np.int64]
    vertex_colors: FloatArray
    props: list = field(default_factory=list)  # extra trimesh objects (a stool, a mat)
    wall_distance_m: float = 2.5  # behind the scene origin, seen from the camera

    def __post_init__(self) -> None:
        import pyrender
        import trimesh

        self._pyrender = pyrender
        self.scene = pyrender.Scene(bg_color=[*self.room.wall_rgb, 1.0], ambient_light=[self.room.ambient] * 3)
        floor = _floor(self.room)
        self.scene.add(pyrender.Mesh.from_trimesh(floor, smooth=False))
        # a wall behind the person, perpendicular to the camera's horizontal viewing direction
        fwd = self.camera.rotation_cw[2].copy()
        fwd[2] = 0
        fwd /= np.linalg.norm(fwd)
        wall = trimesh.creation.box(extents=[14.0, 0.05, 6.0])
        yaw = np.arctan2(fwd[1], fwd[0]) - np.pi / 2
        transform = trimesh.transformations.rotation_matrix(yaw, [0, 0, 1])
        transform[:3, 3] = fwd * self.wall_distance_m + np.array([0, 0, 3.0])
        wall.apply_transform(transform)
        wall.visual.vertex_colors = np.tile((np.array(list(self.room.wall_rgb) + [1.0]) * 255).astype(np.uint8),
                                            (len(wall.vertices), 1))
        self.scene.add(pyrender.Mesh.from_trimesh(wall, smooth=False))
        for prop in self.props:
            self.scene.add(pyrender.Mesh.from_trimesh(prop, smooth=False))
        k = self.camera.intrinsics
        cam = pyrender.IntrinsicsCamera(fx=k[0, 0], fy=k[1, 1], cx=k[0, 2], cy=k[1, 2], znear=0.05, zfar=30.0)
        self.scene.add(cam, pose=self.camera.gl_pose())
        light = pyrender.DirectionalLight(color=np.ones(3), intensity=self.room.light_intensity)
        d = np.array(self.room.light_dir, float)
        d /= np.linalg.norm(d)
        # pyrender's directional light shines along its -z axis
        z = -d
        x = np.cross([0, 0, 1.0], z) if abs(z[2]) < 0.99 else np.array([1.0, 0, 0])
        x /= np.linalg.norm(x)
        y = np.cross(z, x)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2] = x, y, z
        pose[:3, 3] = -d * 5
        self.scene.add(light, pose=pose)
        # a soft fill light from the camera so faces are never black
        fill = pyrender.DirectionalLight(color=np.ones(3), intensity=0.8)
        self.scene.add(fill, pose=self.camera.gl_pose())
        w, h = self.camera.resolution_wh
        self.offscreen = pyrender.OffscreenRenderer(w, h)
        self._body_node = None
        colors = np.concatenate([self.vertex_colors, np.ones((len(self.vertex_colors), 1))], 1)
        self._colors_u8 = (colors * 255).round().astype(np.uint8)
        shadow_rgb = 0.55 * np.array(self.room.floor_rgb)
        self._shadow_u8 = np.tile((np.array([*shadow_rgb, 1.0]) * 255).astype(np.uint8), (len(colors), 1))
        self._light_dir = d if d[2] < -0.2 else np.array([d[0], d[1], -0.2])

    def render(self, vertices_scene: FloatArray | None) -> NDArray[np.uint8]:
        """One RGB frame ``(h, w, 3)`` with the body at ``vertices_scene`` (or no body: ``None``)."""
        import trimesh

        pyrender = self._pyrender
        if self._body_node is not None:
            self.scene.remove_node(self._body_node)
            self.scene.remove_node(self._shadow_node)
            self._body_node = None
        if vertices_scene is not None:
            mesh = trimesh.Trimesh(vertices_scene, self.faces, process=False)
            mesh.visual.vertex_colors = self._colors_u8
            self._body_node = self.scene.add(pyrender.Mesh.from_trimesh(mesh, smooth=True))
            # a planar shadow: the body projected onto the floor along the key light
            d = self._light_dir
            shadow = vertices_scene - np.outer((vertices_scene[:, 2] - 0.002) / d[2], d)
            shadow_mesh = trimesh.Trimesh(shadow, self.faces, process=False)
            shadow_mesh.visual.vertex_colors = self._shadow_u8
            self._shadow_node = self.scene.add(pyrender.Mesh.from_trimesh(shadow_mesh, smooth=False))
        color, _ = self.offscreen.render(self.scene)
        return np.ascontiguousarray(color[..., :3])

    def close(self) -> None:
        self.offscreen.delete()
