"""The annotated video's colour conversion (``formcheck.sinks.bgr_to_i420``) and the read-out panel's blend.

The encoder is handed YUV 4:2:0 converted by OpenCV instead of BGR that PyAV converts with FFmpeg: the two must
give the same colours, and a picture written by ``VideoSink`` must come back as it was drawn.
"""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from formcheck.overlay import PANEL_BGR, draw_panel
from formcheck.sinks import VideoSink, bgr_to_i420


@pytest.mark.parametrize("bgr", [(255, 200, 80), (80, 200, 255), (32, 32, 32), (0, 0, 255), (255, 255, 255)])
def test_opencvs_conversion_gives_ffmpegs_colours(bgr):
    image = np.zeros((64, 96, 3), np.uint8)
    image[:] = bgr
    ffmpeg = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p").to_ndarray()
    opencv = bgr_to_i420(image)
    assert opencv.shape == ffmpeg.shape == (96, 96)
    assert np.abs(opencv.astype(int) - ffmpeg.astype(int)).max() <= 1


def _psnr_db(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255 ** 2 / ((a.astype(float) - b) ** 2).mean()))


def _written_and_read(path: Path, image: np.ndarray) -> np.ndarray:
    with VideoSink(path, (image.shape[1], image.shape[0]), 30.0, crf=18) as sink:
        for k in range(5):
            sink.write(image, k * 33)
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(frames) == 5
    return frames[-1]


def test_a_written_picture_comes_back_as_drawn(tmp_path: Path, monkeypatch):
    """A drawn picture with strong colour detail comes back as close as with FFmpeg's conversion (within
    2 dB; a colour shift, such as BGR taken for RGB, loses over 20 dB)."""
    rng = np.random.default_rng(0)
    image = cv2.resize(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), (320, 240), interpolation=cv2.INTER_CUBIC)
    cv2.putText(image, "Rotation +23 deg", (10, 120), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2, cv2.LINE_AA)
    ours = _psnr_db(_written_and_read(tmp_path / "opencv.mp4", image), image)
    monkeypatch.setattr("formcheck.sinks.bgr_to_i420", lambda bgr: av.VideoFrame.from_ndarray(
        bgr, format="bgr24").reformat(format="yuv420p").to_ndarray())
    ffmpegs = _psnr_db(_written_and_read(tmp_path / "ffmpeg.mp4", image), image)
    assert ours > 30.0 and ours > ffmpegs - 2.0, (ours, ffmpegs)


def test_the_read_out_panel_is_its_grey_over_the_picture():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    before = image.copy()
    draw_panel(image, ["x"])
    corner = image[10:14, 10:14].astype(float)  # inside the panel, away from the text
    expected = 0.35 * before[10:14, 10:14] + 0.65 * PANEL_BGR[0]
    assert np.abs(corner - expected).max() <= 1.0
