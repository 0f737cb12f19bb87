"""``formcheck analyze`` end to end: real inference on a real clip, real files read back, and bad input.

Each bad input must give one line on stderr that says what is wrong and how to fix it, a non-zero exit
and no traceback; nothing the user had is overwritten.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from cli_helpers import assert_one_line_error, run_formcheck
from formcheck.analyze import frames_header
from formcheck.errors import ConfigError, ModelError, OutputError, SourceError

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "sample_videos" / "astronaut_clip.mp4"


def read_frames_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def video_facts(path: Path) -> tuple[str, str, int]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames


def write_video(path: Path, frames: list[np.ndarray], fps: int = 10) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def clip_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("analysed") / "out"
    result = run_formcheck("analyze", str(CLIP), "--out", str(out), "--calibrate", "0.5")
    return out, result


@pytest.mark.model
def test_analyze_writes_three_valid_outputs(analysed):
    out, result = analysed
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = read_frames_csv(out / "frames.csv")
    with av.open(str(CLIP)) as c:
        source_frames = sum(1 for _ in c.decode(video=0))
    # One row per frame of the source, the person found in (nearly) all of them.
    assert summary["frames"] == len(rows) == source_frames
    assert list(rows[0].keys()) == frames_header()
    assert summary["detection_rate"] >= 0.98
    assert summary["interrupted"] is False and summary["source"]["truncated"] is False
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times) and times[0] == 0.0
    assert all(r["trunk_rotation_deg"] != "" for r in rows if r["detected"] == "1")
    # The annotated video is H.264 in yuv420p (plays in browsers), one frame per source frame.
    codec, pix_fmt, n = video_facts(out / "annotated.mp4")
    assert (codec, pix_fmt, n) == ("h264", "yuv420p", source_frames)
    # Summary statistics agree with the per-frame table.
    rot = [float(r["trunk_rotation_deg"]) for r in rows if r["trunk_rotation_deg"]]
    stats = summary["metrics"]["trunk_rotation_deg"]
    assert stats["frames"] == len(rot)
    assert stats["min"] == pytest.approx(min(rot), abs=1e-3) and stats["max"] == pytest.approx(max(rot), abs=1e-3)
    neutral = summary["neutral"]  # --calibrate 0.5: the first half second, and every row in that basis
    assert neutral["method"] == "first_seconds" and neutral["values"]["trunk_rotation_deg"] is not None
    marked = [float(r["time_s"]) for r in rows if r["neutral_frame"] in ("1", "True")]
    assert len(marked) == neutral["frames"] and max(marked) <= 0.5 + 1e-6
    assert summary["model"]["sha256"] and summary["formcheck_version"]
    assert "not a medical device" in summary["note"]


@pytest.mark.model
def test_existing_outputs_are_not_overwritten_without_force(analysed, tmp_path):
    out, _ = analysed
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    result = run_formcheck("analyze", str(CLIP), "--out", str(copy), "--no-video")
    assert_one_line_error(result, OutputError.exit_code, "already holds", "--force")
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before
    forced = run_formcheck("analyze", str(CLIP), "--out", str(copy), "--no-video", "--force", "-q")
    assert forced.returncode == 0, forced.stderr
    assert (copy / "summary.json").read_bytes() != before["summary.json"]


def test_missing_video(tmp_path):
    assert_one_line_error(run_formcheck("analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o")),
                          SourceError.exit_code, "not found", "nope.mp4")


def test_directory_instead_of_video(tmp_path):
    assert_one_line_error(run_formcheck("analyze", str(tmp_path), "--out", str(tmp_path / "o")),
                          SourceError.exit_code, "is a folder")


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert_one_line_error(run_formcheck("analyze", str(empty), "--out", str(tmp_path / "o")),
                          SourceError.exit_code, "empty")


def test_text_file_named_mp4(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("these are my notes, not a video\n" * 20)
    assert_one_line_error(run_formcheck("analyze", str(text), "--out", str(tmp_path / "o")),
                          SourceError.exit_code, "cannot read", "notes.mp4")
    assert not (tmp_path / "o" / "summary.json").exists()


def test_truncated_mp4_without_index(tmp_path):
    """A recording cut short before its index was written cannot be opened at all."""
    cut = tmp_path / "cut.mp4"
    data = CLIP.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    result = run_formcheck("analyze", str(cut), "--out", str(tmp_path / "o"))
    assert result.returncode == SourceError.exit_code
    assert_one_line_error(result, SourceError.exit_code, "cut.mp4")


@pytest.mark.model
def test_truncated_mp4_with_index_first_keeps_what_was_read(analysed, tmp_path):
    """A faststart file cut in half: the frames before the cut are analysed and saved; the exit says so."""
    out, _ = analysed
    cut = tmp_path / "cut_faststart.mp4"
    data = (out / "annotated.mp4").read_bytes()  # formcheck writes +faststart: the index comes first
    cut.write_bytes(data[: len(data) // 2])
    result = run_formcheck("analyze", str(cut), "--out", str(tmp_path / "o"), "-q")
    assert_one_line_error(result, SourceError.exit_code, "cut short", "re-export")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["source"]["truncated"] is True
    assert 0 < summary["frames"] < summary["source"]["frame_count"]
    assert len(read_frames_csv(tmp_path / "o" / "frames.csv")) == summary["frames"]
    assert video_facts(tmp_path / "o" / "annotated.mp4")[2] == summary["frames"]


@pytest.mark.model
def test_video_with_no_person_gives_valid_outputs_and_a_warning(tmp_path):
    rng = np.random.default_rng(0)
    blank = [np.full((240, 320, 3), 60, np.uint8) + rng.integers(0, 20, (240, 320, 3), dtype=np.uint8)
             for _ in range(8)]
    video = tmp_path / "empty_room.mp4"
    write_video(video, blank)
    result = run_formcheck("analyze", str(video), "--out", str(tmp_path / "o"), "-q")
    assert result.returncode == 0
    assert "no person was detected" in result.stderr and "Traceback" not in result.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["person_detected"] is False and summary["detection_rate"] == 0.0
    assert summary["metrics"]["trunk_rotation_deg"]["mean"] is None
    rows = read_frames_csv(tmp_path / "o" / "frames.csv")
    assert len(rows) == 8 and all(r["detected"] == "0" and r["trunk_rotation_deg"] == "" for r in rows)


def test_output_folder_is_a_file(tmp_path):
    f = tmp_path / "results"
    f.write_text("mine")
    assert_one_line_error(run_formcheck("analyze", str(CLIP), "--out", str(f)), OutputError.exit_code, "--out")
    assert f.read_text() == "mine"


def test_output_folder_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert_one_line_error(run_formcheck("analyze", str(CLIP), "--out", str(blocker / "sub")),
                          OutputError.exit_code, "cannot create output folder")


def test_unwritable_output_folder(tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/formcheck-out")  # not even root can create folders there
    else:
        target = tmp_path / "locked"
        target.mkdir()
        target.chmod(0o500)
    assert_one_line_error(run_formcheck("analyze", str(CLIP), "--out", str(target)), OutputError.exit_code, "--out")


@pytest.mark.parametrize("model_content", [None, b"not a model", b"PK\x03\x04garbage"])
def test_missing_or_corrupt_model(tmp_path, model_content):
    model = tmp_path / "broken.task"
    if model_content is not None:
        model.write_bytes(model_content)
    result = run_formcheck("analyze", str(CLIP), "--out", str(tmp_path / "o"), "--model", str(model))
    assert_one_line_error(result, ModelError.exit_code, "broken.task", "--model")


def test_model_bundle_with_wrong_members(tmp_path):
    import zipfile

    model = tmp_path / "other.task"
    with zipfile.ZipFile(model, "w") as z:
        z.writestr("hand_detector.tflite", b"x")
    assert_one_line_error(run_formcheck("analyze", str(CLIP), "--out", str(tmp_path / "o"), "--model", str(model)),
                          ModelError.exit_code, "not a pose landmarker bundle")


@pytest.mark.parametrize("args,needle", [
    (["analyze"], "video"),
    (["analyze", "x.mp4", "--calibrate", "-2"], "positive"),
    (["analyze", "x.mp4", "--calibrate", "soon"], "number"),
    (["analyse", "x.mp4"], "invalid choice"),
])
def test_bad_command_line(args, needle):
    assert_one_line_error(run_formcheck(*args), ConfigError.exit_code, needle)


@pytest.mark.model
def test_ctrl_c_halfway_leaves_complete_valid_files(tmp_path):
    frames = clip_frames(CLIP)
    long_clip = tmp_path / "long.mp4"
    write_video(long_clip, frames * 12)  # long enough to interrupt halfway
    total = len(frames) * 12
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", str(long_clip), "--out", str(out), "-q"],
                            stderr=subprocess.PIPE, text=True)
    csv_path = out / "frames.csv"
    writing = out / "frames.csv.partial"  # its name until the run's files are all finished
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if writing.exists() and writing.read_text().count("\n") > 20:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = read_frames_csv(csv_path)
    assert summary["interrupted"] is True
    assert 20 <= summary["frames"] < total
    assert len(rows) == summary["frames"]
    assert all(len(r) == len(frames_header()) and None not in r.values() for r in rows)
    codec, _, n = video_facts(out / "annotated.mp4")
    assert codec == "h264" and n == summary["frames"]


@pytest.mark.model
def test_analyze_works_from_another_working_directory(tmp_path):
    """The bundled model is found wherever the command runs from."""
    result = run_formcheck("analyze", str(CLIP), "--out", "o", "--no-video", "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["frames"] > 0 and Path(summary["model"]["path"]).name == "pose_landmarker_full.task"
