"""formcheck's own data types at the library boundary.

MediaPipe's results are converted once, at the edge (:mod:`formcheck.pose`), into :class:`Pose`.
"No person in this frame" is :meth:`Pose.empty`: NaN landmarks and zero visibility, never ``None``.

Coordinate frames:

* image landmarks ``xy_px``: pixels, x to the right, y down, origin at the top-left corner of the frame;
* ``z_px``: MediaPipe's relative depth of each image landmark, scaled to pixels like x (smaller = nearer
  the camera, origin at the hip midpoint);
* world landmarks ``world_xyz_m``: metres, origin at the hip midpoint, axes parallel to the camera's
  (x right, y down, z away from the camera).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import NUM_LANDMARKS

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Frame:
    """One picture from a source, with when it was taken.

    Attributes:
        image_bgr: H x W x 3 uint8 picture in OpenCV's BGR order.
        timestamp_ms: presentation time in milliseconds from the start of the source.
        index: position of the frame in the source, counting from 0 (dropped camera frames leave gaps).
    """

    image_bgr: NDArray[np.uint8]
    timestamp_ms: int
    index: int

    @property
    def resolution_wh(self) -> tuple[int, int]:
        h, w = self.image_bgr.shape[:2]
        return int(w), int(h)


@dataclass(frozen=True)
class Pose:
    """The pose of one person in one frame.

    Attributes:
        xy_px: (33, 2) image landmarks in pixels.
        z_px: (33,) relative depth of the image landmarks, in pixels (smaller = nearer the camera).
        world_xyz_m: (33, 3) world landmarks in metres, hip-centred, camera-aligned axes.
        visibility: (33,) likelihood in [0, 1] that each landmark is visible (not occluded).
        presence: (33,) likelihood in [0, 1] that each landmark is present in the frame.
        resolution_wh: width and height of the frame the pose was found in, in pixels.
        segmentation_mask: optional H x W float32 mask in [0, 1] of the person, when it was asked for.
    """

    xy_px: FloatArray
    z_px: FloatArray
    world_xyz_m: FloatArray
    visibility: FloatArray
    presence: FloatArray
    resolution_wh: tuple[int, int]
    segmentation_mask: NDArray[np.float32] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        shapes = {
            "xy_px": (self.xy_px, (NUM_LANDMARKS, 2)),
            "z_px": (self.z_px, (NUM_LANDMARKS,)),
            "world_xyz_m": (self.world_xyz_m, (NUM_LANDMARKS, 3)),
            "visibility": (self.visibility, (NUM_LANDMARKS,)),
            "presence": (self.presence, (NUM_LANDMARKS,)),
        }
        for name, (array, shape) in shapes.items():
            if np.shape(array) != shape:
                raise ValueError(f"Pose.{name} must have shape {shape}, got {np.shape(array)}")
        w, h = self.resolution_wh
        if w <= 0 or h <= 0:
            raise ValueError(f"Pose.resolution_wh must be positive, got {self.resolution_wh}")

    @classmethod
    def empty(cls, resolution_wh: tuple[int, int]) -> Pose:
        """A pose for a frame with no person: NaN coordinates, zero visibility and presence."""
        nan2 = np.full((NUM_LANDMARKS, 2), np.nan)
        return cls(
            xy_px=nan2,
            z_px=np.full(NUM_LANDMARKS, np.nan),
            world_xyz_m=np.full((NUM_LANDMARKS, 3), np.nan),
            visibility=np.zeros(NUM_LANDMARKS),
            presence=np.zeros(NUM_LANDMARKS),
            resolution_wh=resolution_wh,
        )

    @property
    def detected(self) -> bool:
        """True when a person was found in the frame."""
        return bool(np.isfinite(self.xy_px).all())

    @property
    def xyz_px(self) -> FloatArray:
        """(33, 3) image landmarks with their relative depth, all in pixels."""
        return np.column_stack([self.xy_px, self.z_px])


View = str
"""Camera view of the person: ``"front"``, ``"back"``, ``"side"`` or ``"unknown"``."""


@dataclass(frozen=True)
class Measurement:
    """What geometry measured in one frame: the input of the exercise logic (counting, feedback).

    Attributes:
        timestamp_ms: time of the frame.
        detected: a person was found.
        angles: metric name (e.g. ``"trunk_rotation_deg"``) -> value; NaN where it could not be measured.
        visibility: metric name -> the lowest visibility in [0, 1] of the landmarks that metric uses.
        view: the camera's view of the person (see :data:`View`).
        out_of_frame: body parts with landmarks outside the picture, e.g. ``("hips", "knees")``.
        posture: the postures the body fits (:data:`formcheck.posture.POSTURES`), e.g. ``("quadruped",
            "floor")``; empty without a person or when not classified.
    """

    timestamp_ms: int
    detected: bool
    angles: dict[str, float]
    visibility: dict[str, float]
    view: View = "unknown"
    out_of_frame: tuple[str, ...] = ()
    posture: tuple[str, ...] = ()
