"""Sample clips for the routine tests: short routines over the committed sample videos, and clips cut short."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_videos"

#: Two exercises with doses the sample clips reach quickly: one plank hold of 2 s (the clip, cut at 8 s, ends
#: while it is still held) and one glute bridge held 1 s (done at the clip's second bridge, about 11 s in).
SHORT_ROUTINE = """
name = "short-test"
title = "Short test"
rest_s = 30.0

[[steps]]
exercise = "plank"
count = 1
hold_s = 2.0

[[steps]]
exercise = "glute-bridge"
count = 1
hold_s = 1.0
sets = 1
note = "Lie on your back side-on to the camera."
"""


def write_routine(folder: Path, text: str = SHORT_ROUTINE) -> Path:
    path = folder / "short-test.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cut_clip(src: Path, path: Path, seconds: float) -> Path:
    """The first ``seconds`` of ``src``, re-encoded (H.264)."""
    with av.open(str(src)) as container:
        stream = container.streams.video[0]
        fps = stream.average_rate
        frames = []
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            frames.append(frame.to_ndarray(format="bgr24"))
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.height, video.width = frames[0].shape[:2]
        video.pix_fmt = "yuv420p"
        for image in frames:
            for packet in video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")):
                out.mux(packet)
        for packet in video.encode(None):
            out.mux(packet)
    return path


@dataclass(frozen=True)
class RoutineRun:
    """A finished ``formcheck routine`` run: its output folder, history database, sound log and process result."""

    out: Path
    history: Path
    sound_log: Path
    result: subprocess.CompletedProcess[str]


def run_short_routine(folder: Path) -> RoutineRun:
    """:data:`SHORT_ROUTINE` headless on the plank clip cut at 8 s and the glute bridge clip (real MediaPipe, in
    real time: about 20 s), with a history, pain before and after (2, then 5: a warning) and a sound log (sound
    off: what voice would say). One run serves the routine tests and the sound test of a routine."""
    from cli_helpers import run_formcheck

    routine_file = write_routine(folder)
    plank = cut_clip(SAMPLES / "plank_side.mp4", folder / "plank_8s.mp4", 8.0)
    out, history, sound_log = folder / "out", folder / "history.sqlite3", folder / "sound.jsonl"
    result = run_formcheck("routine", "--routine-file", str(routine_file), "--source", str(plank),
                           "--source", str(SAMPLES / "glute_bridge_side.mp4"), "--headless", "--out", str(out),
                           "--history", str(history), "--pain-before", "2", "--pain-after", "5",
                           "--sound-log", str(sound_log))
    return RoutineRun(out, history, sound_log, result)
