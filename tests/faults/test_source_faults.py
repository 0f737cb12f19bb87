"""Video input faults (issue 10), each run for real: ``formcheck`` as a subprocess on clips made here with PyAV.

* a phone recording stored on its side with a display matrix (what phones write) is analysed upright;
* complete variable-frame-rate MKV / WebM files are not called "cut short"; files really cut short still are;
* a picture too small for reliable landmarks is warned about;
* a URL, ``-`` (standard input) and a file name longer than the system allows give one line, not
  "check the path" or a traceback.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from cli_helpers import assert_one_line_error, run_formcheck
from formcheck.errors import ModelError, OutputError, SourceError
from formcheck.sources import VideoFileSource

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_videos"
SEATED = SAMPLES / "seated_rotation_front.mp4"  # 640x480, 15 fps; the person sits at x 240-395
EXERCISE = "seated-thoracic-rotation"
LONG_NAME = "a" * 300


# ----------------------------------------------------------------------------------------------- clip makers
def read_frames(path: Path, seconds: float) -> tuple[list[np.ndarray], Fraction]:
    """The first ``seconds`` of ``path`` as BGR pictures, and its frame rate."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(stream) if f.time < seconds - 1e-6]
        return frames, stream.average_rate


def write_clip(path: Path, frames: list[np.ndarray], rate: Fraction | int, *, codec: str = "libx264",
               display_rotation_deg: int | None = None, pts_ms: list[int] | None = None) -> Path:
    """Encodes ``frames``; ``display_rotation_deg`` writes a display matrix (PyAV's counter-clockwise degrees,
    as ``VideoFrame.rotation`` reads it back); ``pts_ms`` gives each frame its own time (a variable rate)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if display_rotation_deg is not None:
            stream.set_display_rotation(display_rotation_deg)
        if pts_ms is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            if pts_ms is not None:
                frame.pts, frame.time_base = pts_ms[i], Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def stored_facts(path: Path) -> tuple[tuple[int, int], int]:
    """The stored picture size and the display rotation PyAV reads back from the file's first frame."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return (frame.width, frame.height), frame.rotation


def decoded_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def no_display_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


# ------------------------------------------------------------------------------------ 1. phone rotation
PHONE_SECONDS = 8.0  # the first turn to the left (held 2.6-5.6 s) and back


@pytest.fixture(scope="module")
def phone_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A portrait recording (360x480, the person upright) and the same pictures as a phone stores them:
    landscape (480x360, the person lying on their side) with a display matrix saying "turn 90 deg clockwise"
    (the -90 deg an upright iPhone writes)."""
    folder = tmp_path_factory.mktemp("phone")
    frames, rate = read_frames(SEATED, PHONE_SECONDS)
    portrait = [f[:, 140:500] for f in frames]
    upright = write_clip(folder / "upright.mp4", portrait, rate)
    phone = write_clip(folder / "phone.mp4", [np.rot90(f, 1) for f in portrait], rate, display_rotation_deg=-90)
    assert stored_facts(upright) == ((360, 480), 0)
    assert stored_facts(phone) == ((480, 360), -90)  # written the way phones do, and read back
    return {"upright": upright, "phone": phone}


@pytest.mark.parametrize("display_rotation_deg, stored_turns_ccw, rotation_deg",
                         [(-90, 1, 90), (90, -1, 270), (180, 2, 180)])
def test_source_turns_stored_pictures_upright(tmp_path: Path, display_rotation_deg: int, stored_turns_ccw: int,
                                              rotation_deg: int) -> None:
    frames, rate = read_frames(SEATED, 0.5)
    portrait = [f[:, 140:500] for f in frames]
    upright = write_clip(tmp_path / "upright.mp4", portrait, rate)
    turned = write_clip(tmp_path / "turned.mp4", [np.rot90(f, stored_turns_ccw) for f in portrait], rate,
                        display_rotation_deg=display_rotation_deg)
    with VideoFileSource(upright) as a, VideoFileSource(turned) as b:
        assert b.info.rotation_deg == rotation_deg and a.info.rotation_deg == 0
        assert b.info.resolution_wh == a.info.resolution_wh == (360, 480)
        pairs = list(zip(a, b, strict=True))
    for fa, fb in pairs:
        assert fb.image_bgr.shape == (480, 360, 3) and fb.image_bgr.flags.c_contiguous
        # the same picture up to the encoder's rounding (a picture on its side differs by ~40 grey levels)
        assert np.abs(fa.image_bgr.astype(int) - fb.image_bgr.astype(int)).mean() < 4


@pytest.fixture(scope="module")
def phone_runs(phone_clips: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("phone_runs")
    outs = {}
    for name, video in phone_clips.items():
        out = folder / name
        result = run_formcheck("analyze", str(video), "--out", str(out), "--exercise", EXERCISE, "-q")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        outs[name] = out
    return outs


@pytest.mark.model
def test_phone_recording_is_analysed_upright(phone_runs: dict[str, Path]) -> None:
    up = json.loads((phone_runs["upright"] / "summary.json").read_text())
    phone = json.loads((phone_runs["phone"] / "summary.json").read_text())
    # The summary says the rotation was applied, and gives the picture as displayed.
    assert phone["source"]["rotation_deg"] == 90 and up["source"]["rotation_deg"] == 0
    assert phone["source"]["resolution_wh"] == up["source"]["resolution_wh"] == [360, 480]
    # The model saw the person upright: the same view and the same reps as the upright copy.
    assert max(up["views"], key=up["views"].get) == max(phone["views"], key=phone["views"].get) == "front"
    assert phone["views"].get("front", 0) >= 0.9 * phone["frames"]
    assert phone["exercise"]["reps"] == up["exercise"]["reps"]
    assert sum(r["full"] + r["partial"] for r in up["exercise"]["reps"].values()) >= 1
    # Frame by frame the same turn (the encoder's rounding moves MediaPipe's 3D trunk rotation a degree or two;
    # analysed on its side the clip read 95 deg off, correlation 0.89).
    pairs = [(float(a["trunk_rotation_deg"]), float(b["trunk_rotation_deg"]))
             for a, b in zip(read_csv(phone_runs["upright"] / "frames.csv"),
                             read_csv(phone_runs["phone"] / "frames.csv"), strict=True)
             if a["trunk_rotation_deg"] and b["trunk_rotation_deg"]]
    assert len(pairs) >= 0.9 * up["frames"]
    assert statistics.median(abs(a - b) for a, b in pairs) < 3.0
    assert np.corrcoef(np.array(pairs).T)[0, 1] > 0.98
    # The annotated video is upright too (portrait, like the upright copy's).
    for out in phone_runs.values():
        assert stored_facts(out / "annotated.mp4")[0] == (360, 480)


# ---------------------------------------------------------------------------- 5. variable frame rate
#: A phone's variable rate: 30 fps, 10 fps while the light is low, 30 fps again (ms between frames).
VFR_GAPS_MS = [33] * 20 + [100] * 20 + [33] * 19


@pytest.fixture(scope="module")
def vfr_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Complete 60-frame, 3.3 s MKV (H.264) and WebM (VP8) files at a variable rate, nominally 30 fps: the
    "announced" count, duration x nominal rate, is 100."""
    folder = tmp_path_factory.mktemp("vfr")
    frames, _ = read_frames(SEATED, 60 / 15)
    pts = [0]
    for gap in VFR_GAPS_MS:
        pts.append(pts[-1] + gap)
    clips = {"mkv": write_clip(folder / "vfr.mkv", frames, 30, pts_ms=pts),
             "webm": write_clip(folder / "vfr.webm", frames, 30, codec="libvpx", pts_ms=pts)}
    for clip in clips.values():
        assert decoded_count(clip) == 60
    return clips


def cut_copy(path: Path, share: float) -> Path:
    cut = path.with_name(f"cut_{path.name}")
    data = path.read_bytes()
    cut.write_bytes(data[: int(len(data) * share)])
    return cut


@pytest.mark.parametrize("kind", ["mkv", "webm"])
def test_vfr_source_is_complete_and_a_cut_copy_is_not(vfr_clips: dict[str, Path], kind: str) -> None:
    with VideoFileSource(vfr_clips[kind]) as source:
        assert source.info.frame_count_estimated and source.info.frame_count == 100
        assert sum(1 for _ in source) == 60
        assert source.truncated is False and source.problem == ""
    with VideoFileSource(cut_copy(vfr_clips[kind], 0.7)) as cut:
        n = sum(1 for _ in cut)
        assert 0 < n < 60 and cut.truncated is True and "cut short" in cut.problem


@pytest.mark.model
@pytest.mark.parametrize("kind", ["mkv", "webm"])
def test_complete_vfr_file_is_analysed_whole(vfr_clips: dict[str, Path], kind: str, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = run_formcheck("analyze", str(vfr_clips[kind]), "--out", str(out), "--no-video")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "cut short" not in result.stderr
    assert "too small" not in result.stderr  # 640x480 is plenty
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["truncated"] is False and summary["source"]["problem"] is None
    assert summary["frames"] == 60 and summary["source"]["frame_count_estimated"] is True
    assert summary["source"]["rotation_deg"] == 0


@pytest.mark.model
@pytest.mark.parametrize("kind", ["mkv", "webm"])
def test_vfr_file_cut_short_is_still_called_cut_short(vfr_clips: dict[str, Path], kind: str,
                                                      tmp_path: Path) -> None:
    cut = cut_copy(vfr_clips[kind], 0.7)
    out = tmp_path / "o"
    result = run_formcheck("analyze", str(cut), "--out", str(out), "--no-video", "-q")
    assert_one_line_error(result, SourceError.exit_code, "cut short", "re-export")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["truncated"] is True and 0 < summary["frames"] < 60


@pytest.mark.model
def test_complete_vfr_file_played_live_is_not_cut_short(vfr_clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "session"
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(vfr_clips["mkv"]), "--headless",
                           "--out", str(out), env=no_display_env())
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "cut short" not in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["lost"] is False and summary["ended_by"] == "source_ended"


# ------------------------------------------------------------------------------- 11. small picture
@pytest.mark.model
def test_tiny_picture_is_warned_about(tmp_path: Path) -> None:
    frames, rate = read_frames(SEATED, 3.0)
    tiny = write_clip(tmp_path / "tiny.mp4", [cv2.resize(f, (96, 64), interpolation=cv2.INTER_AREA)
                                               for f in frames], rate)
    result = run_formcheck("analyze", str(tiny), "--out", str(tmp_path / "o"), "--no-video", "-q")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "too small" in line]
    assert len(warnings) == 1, result.stderr  # once, not once a frame or once a pass
    assert "96x64" in warnings[0] and "higher resolution" in warnings[0]


# --------------------------------------------------------------------- 11. URL, standard input, long names
@pytest.mark.parametrize("given, needles", [
    ("http://example.com/clip.mp4", ("http://example.com/clip.mp4 is a URL", "download")),
    ("rtsp://192.168.1.20/stream", ("rtsp://192.168.1.20/stream is a URL", "download")),
    ("-", ("standard input", "save the video to a file")),
])
@pytest.mark.parametrize("command", ["analyze", "live"])
def test_url_or_stdin_as_the_video_says_so(tmp_path: Path, command: str, given: str,
                                           needles: tuple[str, ...]) -> None:
    args = (["analyze", given] if command == "analyze" else
            ["live", "--exercise", EXERCISE, "--headless", "--source", given])
    result = run_formcheck(*args, "--out", str(tmp_path / "o"), env=no_display_env())
    line = assert_one_line_error(result, SourceError.exit_code, *needles)
    assert "check the path" not in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["analyze", "live"])
def test_video_name_too_long_is_one_line(tmp_path: Path, command: str) -> None:
    video = tmp_path / f"{LONG_NAME}.mp4"
    args = (["analyze", str(video)] if command == "analyze" else
            ["live", "--exercise", EXERCISE, "--headless", "--source", str(video)])
    result = run_formcheck(*args, "--out", str(tmp_path / "o"), env=no_display_env())
    line = assert_one_line_error(result, SourceError.exit_code, "longer than this system allows", "shorter name")
    assert len(line) < 400  # the name is shortened in the message


def test_model_name_too_long_is_one_line(tmp_path: Path) -> None:
    result = run_formcheck("analyze", str(SEATED), "--out", str(tmp_path / "o"),
                           "--model", str(tmp_path / f"{LONG_NAME}.task"))
    assert_one_line_error(result, ModelError.exit_code, "pose model not found", "File name too long")


def test_output_name_too_long_is_one_line(tmp_path: Path) -> None:
    result = run_formcheck("analyze", str(SEATED), "--out", str(tmp_path / LONG_NAME), "-q")
    assert_one_line_error(result, OutputError.exit_code, "longer than this system allows", "--out")
