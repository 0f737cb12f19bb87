"""draw_skeleton draws the very pixels of the plain per-point drawing (round() each point, joints in a set's
order), on the sample clip's real poses and on awkward ones (hidden points far off the picture, halves,
a NaN visibility)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck.landmarks import NUM_LANDMARKS, SKELETON
from formcheck.overlay import BONE_BGR, LEFT_BGR, MIN_VISIBILITY, RIGHT_BGR, _scale, draw_skeleton
from formcheck.types import Pose

CACHE = Path(__file__).resolve().parents[1] / "benchmarks" / "landmarks" / "seated_rotation_front.npz"


def _plain(image: np.ndarray, pose: Pose) -> None:
    """The skeleton drawn one point at a time, as formcheck drew it before the points were rounded together."""
    if not pose.detected:
        return
    s = _scale(image)
    pt = lambda p: (int(round(float(p[0]))), int(round(float(p[1]))))  # noqa: E731
    vis = pose.visibility
    for a, b in SKELETON:
        if vis[a] < MIN_VISIBILITY or vis[b] < MIN_VISIBILITY:
            continue
        cv2.line(image, pt(pose.xy_px[a]), pt(pose.xy_px[b]), BONE_BGR, max(1, round(2 * s)), cv2.LINE_AA)
    for i in {int(i) for bone in SKELETON for i in bone}:
        if vis[i] < MIN_VISIBILITY:
            continue
        cv2.circle(image, pt(pose.xy_px[i]), max(2, round(4 * s)), LEFT_BGR if i % 2 == 1 else RIGHT_BGR, -1,
                   cv2.LINE_AA)


def _poses() -> list[Pose]:
    d = np.load(CACHE)
    wh = tuple(int(v) for v in d["resolution_wh"])
    poses = [Pose(xy_px=d["xy_px"][i].astype(float), z_px=d["z_px"][i].astype(float),
                  world_xyz_m=d["world_xyz_m"][i].astype(float), visibility=d["visibility"][i].astype(float),
                  presence=d["presence"][i].astype(float), resolution_wh=wh) for i in range(0, len(d["xy_px"]), 9)]
    rng = np.random.default_rng(3)
    for k, pose in enumerate(poses[:20]):
        xy, vis = pose.xy_px.copy(), pose.visibility.copy()
        xy[rng.integers(0, NUM_LANDMARKS, 3)] += 0.5  # halves: round half to even
        hidden = rng.integers(0, NUM_LANDMARKS, 4)
        vis[hidden] = 0.1
        xy[hidden[:2]] = -5000.0 if k % 2 else 1e6  # hidden and far off the picture
        vis[rng.integers(0, NUM_LANDMARKS)] = np.nan  # compared like the plain drawing compares it
        poses.append(Pose(xy_px=xy, z_px=pose.z_px, world_xyz_m=pose.world_xyz_m, visibility=vis,
                          presence=pose.presence, resolution_wh=pose.resolution_wh))
    return poses


@pytest.mark.parametrize("size_wh", [(640, 480), (1280, 960)])
def test_the_skeleton_is_the_plain_drawing(size_wh: tuple[int, int]) -> None:
    poses = _poses()
    assert len(poses) > 60
    for pose in poses:
        if size_wh != pose.resolution_wh:
            pose = Pose(xy_px=pose.xy_px * 2, z_px=pose.z_px, world_xyz_m=pose.world_xyz_m, visibility=pose.visibility,
                        presence=pose.presence, resolution_wh=size_wh)
        want = np.full((size_wh[1], size_wh[0], 3), 60, np.uint8)
        got = want.copy()
        _plain(want, pose)
        draw_skeleton(got, pose)
        assert np.array_equal(got, want)
        assert (got != 60).any()  # something was drawn
