"""Helpers shared by the live tests: running the command line, sample clips, reading outputs."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import av
import numpy as np

# re-exported for the live tests
from cli_helpers import assert_one_line_error, run_formcheck, run_formcheck_together  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_videos"
CLIP = SAMPLES / "astronaut_clip.mp4"


def env_without_display() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def looped_clip(path: Path, times: int, src: Path = CLIP) -> Path:
    """``src`` played forwards, backwards, forwards... ``times`` times (a longer clip with smooth motion)."""
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        fps = stream.average_rate
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for k in range(times):
            for image in frames if k % 2 == 0 else frames[::-1]:
                for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def exercise_clip(exercise: str = "seated-thoracic-rotation") -> Path | None:
    """A committed sample video of ``exercise`` (its ``.truth.json`` names the exercise), front view first."""
    import json

    found = []
    for truth in sorted(SAMPLES.glob("*.truth.json")):
        video = truth.with_name(truth.name.removesuffix(".truth.json") + ".mp4")
        with open(truth, encoding="utf-8") as f:
            head = f.read(400)  # the exercise and view come first; the per-frame truth is long
        if f'"exercise":"{exercise}"' in head.replace(" ", "") and video.is_file():
            found.append((0 if '"view":"front"' in head.replace(" ", "") else 1, video.name, video))
    return min(found)[2] if found else None
