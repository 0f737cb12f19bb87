"""The model called straight into MediaPipe's C library gives the same poses as MediaPipe's public API."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.pose import PoseEstimator
from formcheck.sources import VideoFileSource

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "seated_rotation_front.mp4"


def _poses(direct: bool, frames: list) -> list:
    with PoseEstimator(direct_calls=direct) as estimator:
        assert (estimator._direct is not None) == direct
        return [estimator.detect(frame) for frame in frames]


def test_direct_calls_give_the_public_apis_poses_number_for_number():
    with VideoFileSource(SAMPLE) as source:
        frames = [frame for _, frame in zip(range(40), source)]
    direct, public = _poses(True, frames), _poses(False, frames)
    assert sum(p.detected for p in public) >= 30  # a person in the clip: the comparison covers real landmarks
    for a, b in zip(direct, public, strict=True):
        assert a.detected == b.detected
        for name in ("xy_px", "z_px", "world_xyz_m", "visibility", "presence"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_a_frame_with_nobody_is_an_empty_pose_on_the_direct_path():
    with VideoFileSource(SAMPLE) as source:
        frame = next(iter(source))
    blank = type(frame)(image_bgr=np.zeros_like(frame.image_bgr), timestamp_ms=0, index=0)
    with PoseEstimator() as estimator:
        pose = estimator.detect(blank)
    assert not pose.detected
    assert np.isnan(pose.xy_px).all() and pose.resolution_wh == frame.resolution_wh
