"""The benchmarks' landmark caches record the landmark pass that made them and are stale under any other.

No model is run: a cache file is written with a small series and a pass identity, and :func:`stale_reason`
compares it with today's (:func:`formcheck.passes.landmark_pass_identity`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.passes import LANDMARK_PASS_VERSION, landmark_chunks, landmark_pass_identity
from formcheck.pose import default_model_path
from formcheck.series import PoseSeries
from formcheck.sources import SourceInfo
from formcheck.types import Pose

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import landmark_cache  # noqa: E402


def _write(path: Path, resolution_wh: tuple[int, int], duration_s: float, **identity: object) -> Path:
    series = PoseSeries(resolution_wh=resolution_wh)
    ones = np.ones(NUM_LANDMARKS)
    for i in range(3):
        series.append(Pose(np.zeros((NUM_LANDMARKS, 2)), np.zeros(NUM_LANDMARKS), np.zeros((NUM_LANDMARKS, 3)),
                           ones, ones, resolution_wh), i * 33, i)
    extra = {landmark_cache.PASS_PREFIX + k: v for k, v in identity.items()}
    series.save_npz(path, video_sha256="0" * 64, source_duration_s=duration_s, **extra)
    return path


def _today(resolution_wh: tuple[int, int], duration_s: float) -> dict[str, object]:
    info = SourceInfo("", resolution_wh, 30.0, 0, duration_s, "")
    return dict(landmark_pass_identity(info, default_model_path(), landmark_cache.CACHE_CPUS))


def test_a_cache_made_by_todays_pass_is_fresh(tmp_path):
    path = _write(tmp_path / "clip.npz", (1920, 1080), 21.5, **_today((1920, 1080), 21.5))
    assert landmark_cache.stale_reason(path) is None


def test_the_identity_holds_what_changes_the_landmarks():
    today = _today((1920, 1080), 21.5)
    assert today["model_input_wh"] == "960x540"  # a 1080p video is shown to the model at 960 px
    assert today["model_input_scaling"] == "yuv-planes"  # a whole factor smaller: scaled in YUV planes
    assert _today((1280, 720), 21.5)["model_input_scaling"] == "ffmpeg"  # 1.33x: FFmpeg scales it
    assert _today((640, 480), 6.0)["model_input_scaling"] == "ffmpeg"  # not scaled: FFmpeg converts it
    assert today["chunks"] == 2 == landmark_chunks(SourceInfo("", (1920, 1080), 30.0, 0, 21.5, ""), 2)
    assert _today((640, 480), 6.0)["chunks"] == 1  # shorter than two chunks of MIN_CHUNK_S
    assert today["version"] == LANDMARK_PASS_VERSION
    assert len(str(today["model_sha256"])) == 64


def test_a_cache_from_an_older_pass_with_no_identity_is_stale(tmp_path):
    path = _write(tmp_path / "clip.npz", (640, 480), 10.0)
    reason = landmark_cache.stale_reason(path)
    assert reason is not None and "stored no identity" in reason


def test_each_part_of_the_identity_makes_a_cache_stale(tmp_path):
    today = _today((640, 480), 10.0)
    changed = {"version": LANDMARK_PASS_VERSION - 1, "model_sha256": "f" * 64, "model_input_wh": "320x240",
               "model_input_scaling": "yuv-planes", "chunks": 1, "chunk_warmup_s": 0.5, "mediapipe": "0.10.0"}
    for key, value in changed.items():
        path = _write(tmp_path / f"{key}.npz", (640, 480), 10.0, **(today | {key: value}))
        reason = landmark_cache.stale_reason(path)
        assert reason is not None and key in reason and str(today[key]) in reason, (key, reason)


def test_a_cache_of_another_video_is_stale(tmp_path):
    path = _write(tmp_path / "clip.npz", (640, 480), 10.0, **_today((640, 480), 10.0))
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not the video the cache was made from")
    reason = landmark_cache.stale_reason(path, video)
    assert reason is not None and "sha256" in reason
    assert not landmark_cache.is_fresh(video, tmp_path)


def test_an_ignored_part_of_the_identity_does_not_make_a_cache_stale_and_the_others_still_do(tmp_path):
    today = _today((640, 480), 10.0)
    other_mediapipe = _write(tmp_path / "mp.npz", (640, 480), 10.0, **(today | {"mediapipe": "1.9.9"}))
    assert landmark_cache.stale_reason(other_mediapipe, ignore=("mediapipe",)) is None
    assert landmark_cache.stale_reason(other_mediapipe) is not None
    other_model = _write(tmp_path / "model.npz", (640, 480), 10.0,
                         **(today | {"mediapipe": "1.9.9", "model_sha256": "f" * 64}))
    reason = landmark_cache.stale_reason(other_model, ignore=("mediapipe",))
    assert reason is not None and "model_sha256" in reason and "mediapipe" not in reason


def test_a_cache_stored_before_the_scaling_was_recorded_is_stale_only_where_the_scaling_changed(tmp_path):
    """Caches made before ``model_input_scaling`` existed were made with FFmpeg's scaling: still today's for a
    size FFmpeg scales (1280x720) or does not scale (640x480); stale for 1920x1080, now scaled in YUV planes."""
    for wh, stale in (((640, 480), False), ((1280, 720), False), ((1920, 1080), True)):
        older = {k: v for k, v in _today(wh, 21.5).items() if k != "model_input_scaling"}
        path = _write(tmp_path / f"{wh[0]}.npz", wh, 21.5, **older)
        reason = landmark_cache.stale_reason(path)
        assert (reason is not None) == stale, (wh, reason)
        assert not stale or "model_input_scaling ffmpeg (today yuv-planes)" in reason
