"""The sample clips as data: exercise, view, body, skin tone, outfit, room and camera of each."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ClipSpec:
    """One clip. The camera looks at ``target_m`` from ``distance_m`` away, at ``azimuth_deg`` around the
    person (0 = in front of them, 90 = on their left side, -90 = their right side), ``height_m`` up."""

    name: str
    exercise: str
    view: str  # front / side / back / oblique
    shape: str
    tone: str
    outfit: str
    room: str
    azimuth_deg: float
    distance_m: float
    height_m: float
    target_z_m: float
    target_xy_m: tuple[float, float] = (0.0, 0.0)
    hfov_deg: float = 60.0
    fps: float = 15.0
    resolution_wh: tuple[int, int] = (640, 480)
    options: dict = field(default_factory=dict)
    note: str = ""

    @property
    def facing(self) -> str:
        """Which way the person faces in the picture."""
        if self.view in ("front", "oblique"):
            return "camera"
        if self.view == "back":
            return "away"
        return "right" if self.azimuth_deg < 0 else "left" if self.view == "side" else "none"

    def camera_eye(self) -> tuple[float, float, float]:
        # the person faces -y; azimuth 0 puts the camera in front (at -y), +90 on their left (+x)
        a = np.radians(self.azimuth_deg)
        tx, ty = self.target_xy_m
        return (tx + self.distance_m * np.sin(a), ty - self.distance_m * np.cos(a), self.height_m)


CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec("seated_rotation_front", "seated-thoracic-rotation", "front", "average_male", "light", "blue_grey",
             "beige_wood", 0.0, 2.6, 0.95, 0.62),
    ClipSpec("seated_rotation_oblique30", "seated-thoracic-rotation", "oblique", "slim_female", "dark", "red_black",
             "grey_studio", 30.0, 2.6, 0.95, 0.60),
    ClipSpec("standing_rotation_front", "standing-thoracic-rotation", "front", "heavy_male", "medium", "green_navy",
             "green_warm", 0.0, 3.1, 1.0, 0.86, options={"hold_s": 2.0, "reps_each": 3, "move_s": 1.2}),
    ClipSpec("thoracic_extension_side", "thoracic-extension", "side", "average_male", "medium", "red_black",
             "grey_studio", -90.0, 2.6, 0.95, 0.62),
    ClipSpec("thoracic_extension_side_facing_left", "thoracic-extension", "side", "slim_female", "light",
             "green_navy", "beige_wood", 90.0, 2.6, 0.95, 0.60),
    ClipSpec("scapular_squeeze_side", "scapular-squeeze", "side", "slim_female", "dark", "blue_grey", "green_warm",
             -90.0, 3.0, 1.0, 0.85),
    ClipSpec("standing_rotation_partly_out_of_frame", "standing-thoracic-rotation", "front", "average_male",
             "dark", "blue_grey", "grey_studio", 0.0, 1.7, 1.45, 1.2,
             options={"hold_s": 2.0, "reps_each": 2, "move_s": 1.2},
             note="camera close and high: the lower legs and feet are below the picture"),
    ClipSpec("cat_cow_side", "cat-cow", "side", "heavy_male", "dark", "green_navy", "beige_wood", -90.0, 2.8, 0.8,
             0.40, target_xy_m=(0.0, -0.15)),
    ClipSpec("childs_pose_side", "childs-pose", "side", "slim_female", "medium", "red_black", "green_warm", -90.0,
             2.8, 0.8, 0.35, target_xy_m=(0.0, -0.15)),
    ClipSpec("bird_dog_side", "bird-dog", "side", "average_male", "light", "red_black", "grey_studio", -90.0, 3.0,
             0.8, 0.45, target_xy_m=(0.0, -0.05)),
    ClipSpec("glute_bridge_side", "glute-bridge", "side", "slim_female", "light", "blue_grey", "beige_wood", -90.0,
             2.8, 0.8, 0.25, target_xy_m=(0.0, 0.0)),
    ClipSpec("plank_side", "plank", "side", "average_male", "dark", "green_navy", "green_warm", -90.0, 3.0, 0.8,
             0.40, target_xy_m=(0.0, 0.0)),
    ClipSpec("empty_room", "none", "front", "average_male", "light", "blue_grey", "beige_wood", 0.0, 2.6, 0.95,
             0.62, note="no person: every frame's landmarks and metrics are null"),
)

CLIPS_BY_NAME = {c.name: c for c in CLIPS}
