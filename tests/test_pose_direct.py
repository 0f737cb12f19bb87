"""The model called straight into MediaPipe's C library gives the same poses as MediaPipe's public API."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from formcheck.pose import PoseEstimator, _direct_calls_tested
from formcheck.sources import VideoFileSource

SAMPLE = Path(__file__).resolve().parents[1] / "sample_videos" / "seated_rotation_front.mp4"


def _poses(direct: bool, frames: list) -> list:
    with PoseEstimator(direct_calls=direct) as estimator:
        # a MediaPipe release the direct path was not checked against goes through the public API
        assert (estimator._direct is not None) == (direct and _direct_calls_tested())
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


def test_the_direct_path_is_taken_only_on_the_mediapipe_it_was_checked_against(monkeypatch):
    import formcheck.pose as pose

    with PoseEstimator() as estimator:
        assert (estimator._direct is not None) == pose._direct_calls_tested()
    monkeypatch.setattr(pose, "DIRECT_CALLS_TESTED", ("0.0.",))
    with PoseEstimator() as estimator:
        assert estimator._direct is None
