"""Every sample clip with a truth file: the truth is well formed and matches the video (no rendering here).

The truth format is documented in sample_videos/README.md; tools/render_samples.py writes it.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from formcheck.geometry import METRIC_NAMES, compute_metrics
from formcheck.landmarks import NUM_LANDMARKS, Landmark

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIPS = sorted(p for p in SAMPLES.glob("*.mp4") if p.with_suffix("").with_suffix(".truth.json").exists())

CATALOGUE = {
    "seated-thoracic-rotation", "standing-thoracic-rotation", "thoracic-extension", "cat-cow", "childs-pose",
    "scapular-squeeze", "bird-dog", "glute-bridge", "plank", "none",
}
CLIP_KEYS = {
    "version", "clip", "exercise", "view", "facing", "fps", "frame_count", "duration_s", "resolution_wh", "camera",
    "body", "reps_per_side", "hold_intervals", "landmark_names", "frames",
}
FRAME_KEYS = {"index", "time_s", "phase", "rep", "side", "applied_angles_deg", "landmarks_cam_m", "landmarks_px",
              "metrics"}
PHASES = {"setup", "neutral", "moving", "hold", "return", "rest"}
APPLIED = {"thoracic_axial_rotation_deg", "thoracic_extension_deg", "thoracic_lateral_flexion_deg",
           "lumbar_axial_rotation_deg", "lumbar_extension_deg", "lumbar_lateral_flexion_deg"}


def _truth(video: Path) -> dict:
    return json.loads(video.with_suffix("").with_suffix(".truth.json").read_text())


def _video_facts(video: Path) -> tuple[int, Fraction, tuple[int, int]]:
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.demux(stream) if _.size)  # packets carrying a frame
        return count, stream.average_rate, (stream.codec_context.width, stream.codec_context.height)


def test_there_are_sample_clips():
    assert len(CLIPS) >= 13


@pytest.mark.parametrize("video", CLIPS, ids=lambda p: p.stem)
def test_truth_is_valid(video: Path):
    truth = _truth(video)
    assert CLIP_KEYS <= truth.keys()
    assert truth["exercise"] in CATALOGUE
    assert truth["view"] in {"front", "side", "back", "oblique"}
    assert truth["landmark_names"] == [lm.name.lower() for lm in Landmark]
    n = truth["frame_count"]
    assert n == len(truth["frames"]) > 0
    assert math.isclose(truth["duration_s"], n / truth["fps"], abs_tol=1e-5)
    cam = truth["camera"]
    for key in ("fx_px", "fy_px", "cx_px", "cy_px", "rotation_scene_to_camera", "eye_scene_m"):
        assert key in cam
    for hold in truth["hold_intervals"]:
        assert 0 <= hold["start_s"] < hold["end_s"] <= truth["duration_s"] + 1e-6
        assert hold["side"] in {"left", "right", "none"}
    for i, frame in enumerate(truth["frames"]):
        assert FRAME_KEYS <= frame.keys()
        assert frame["index"] == i
        assert math.isclose(frame["time_s"], i / truth["fps"], abs_tol=1e-5)
        assert frame["phase"] in PHASES
        assert frame["side"] in {"left", "right", "none"}
        if frame["landmarks_px"] is None:
            assert frame["landmarks_cam_m"] is None and frame["metrics"] is None
            continue
        assert np.shape(frame["landmarks_px"]) == (NUM_LANDMARKS, 2)
        assert np.shape(frame["landmarks_cam_m"]) == (NUM_LANDMARKS, 3)
        assert APPLIED <= frame["applied_angles_deg"].keys()
        assert set(frame["metrics"]) == set(METRIC_NAMES)
    if truth["exercise"] == "none":
        assert all(f["landmarks_px"] is None for f in truth["frames"])


@pytest.mark.parametrize("video", CLIPS, ids=lambda p: p.stem)
def test_truth_matches_video(video: Path):
    truth = _truth(video)
    count, rate, size = _video_facts(video)
    assert count == truth["frame_count"]
    assert float(rate) == pytest.approx(truth["fps"])
    assert list(size) == truth["resolution_wh"]


@pytest.mark.parametrize("video", CLIPS, ids=lambda p: p.stem)
def test_pixels_are_the_projection_of_the_3d_landmarks(video: Path):
    truth = _truth(video)
    cam = truth["camera"]
    frames = [f for f in truth["frames"] if f["landmarks_px"] is not None][::25]
    for f in frames:
        xyz = np.array(f["landmarks_cam_m"])
        px = np.array(f["landmarks_px"])
        u = cam["fx_px"] * xyz[:, 0] / xyz[:, 2] + cam["cx_px"]
        v = cam["fy_px"] * xyz[:, 1] / xyz[:, 2] + cam["cy_px"]
        np.testing.assert_allclose(px, np.stack([u, v], 1), atol=0.01)


@pytest.mark.parametrize("video", CLIPS, ids=lambda p: p.stem)
def test_stored_metrics_match_the_current_definitions(video: Path):
    """Fails when formcheck.geometry changes: then run `tools/render_samples.py --recompute-metrics`."""
    truth = _truth(video)
    frames = [f for f in truth["frames"] if f["landmarks_px"] is not None][::10]
    if not frames:
        pytest.skip("no person in this clip")
    values = compute_metrics(np.array([f["landmarks_px"] for f in frames]),
                             np.array([f["landmarks_cam_m"] for f in frames]))
    for name in METRIC_NAMES:
        stored = np.array([np.nan if f["metrics"][name] is None else f["metrics"][name] for f in frames])
        np.testing.assert_allclose(stored, values[name], atol=1e-3, equal_nan=True, err_msg=name)
