"""Faults injected for real into ``formcheck analyze`` (issue 10): a real subprocess each time, real signals
sent with ``os.kill`` at a moment read from its progress on stderr, a real full file system (a small tmpfs
mounted here; skipped where mounting is not permitted), a real second process into the same folder, real
symlinks.

What every test holds the folder to: it describes one run. It holds that run's finished set, or (after a
SIGKILL) the previous finished set untouched beside files named ``*.partial``, which the next run removes and
says so; never a file under a final name (``frames.csv``, ``reps.csv``, ``annotated.mp4``, ``summary.json``)
that is not finished.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import pytest

from cli_helpers import assert_one_line_error, run_formcheck
from formcheck.errors import ModelError, OutputError
from formcheck.passes import MIN_CHUNK_S, landmark_chunks

ROOT = Path(__file__).resolve().parents[2]
PLANK = ROOT / "sample_videos" / "plank_side.mp4"  # 210 frames at 15 fps, a person throughout
SHORT = ROOT / "sample_videos" / "astronaut_clip.mp4"  # 30 frames at 10 fps: the quickest whole run
OUTPUT_NAMES = {"frames.csv", "reps.csv", "annotated.mp4", "summary.json", "record.json"}
LOCK = ".formcheck.lock"


# ----------------------------------------------------------------------------------------------- helpers
class Analysis:
    """``formcheck analyze ARGS`` running in a subprocess; its stderr is read as it comes (the progress bar
    redraws its line with ``\\r``), so a test can act at a known point of a pass."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "formcheck", "analyze", *map(str, args)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._err = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        while chunk := os.read(self.proc.stderr.fileno(), 4096):
            self._err.extend(chunk)

    @property
    def stderr(self) -> str:
        return self._err.decode("utf-8", "replace")

    def frames_done(self, stage: str) -> int:
        """The last count the progress bar showed for ``stage`` (``landmarks`` or ``video``); 0 before."""
        counts = re.findall(rf": {stage} \[[#.]*\] +(\d+)/\d+", self.stderr)
        return int(counts[-1]) if counts else 0

    def wait_for_frames(self, stage: str, frames: int, timeout_s: float = 60) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            done = self.frames_done(stage)
            if done >= frames:
                return done
            if self.proc.poll() is not None:
                pytest.fail(f"formcheck ended before {frames} frames of its {stage} pass: {self.stderr!r}")
            time.sleep(0.005)
        pytest.fail(f"no {stage} progress to {frames} frames in {timeout_s} s: {self.stderr!r}")

    def wait_for_file(self, folder: Path, *names: str, timeout_s: float = 30) -> None:
        """Until one of ``names`` exists in ``folder`` (the file being written, whatever it is called)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any((folder / n).exists() for n in names):
                return
            if self.proc.poll() is not None:
                pytest.fail(f"formcheck ended before writing {names}: {self.stderr!r}")
            time.sleep(0.002)
        pytest.fail(f"no {names} in {folder} after {timeout_s} s: {self.stderr!r}")

    def send(self, signum: int) -> None:
        assert self.proc.poll() is None, f"formcheck ended before the signal: {self.stderr!r}"
        os.kill(self.proc.pid, signum)

    def finish(self, timeout_s: float = 120) -> tuple[int, str]:
        rc = self.proc.wait(timeout=timeout_s)
        self._reader.join(timeout=10)
        return rc, self.stderr


def cut_clip(src: Path, dst: Path, frames: int) -> Path:
    """The first ``frames`` frames of ``src`` as a new H.264 file at the same rate."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        rate = inp.streams.video[0].average_rate
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height = inp.streams.video[0].width, inp.streams.video[0].height
        stream.pix_fmt = "yuv420p"
        for i, frame in enumerate(inp.decode(video=0)):
            if i == frames:
                break
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame.to_ndarray(format="bgr24"), format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return dst


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of the plank clip (120 frames): long enough to stop a pass in the middle, short enough to be quick.
    On two CPUs its landmark pass runs in two chunks at once (:func:`~formcheck.passes.landmark_chunks`)."""
    return cut_clip(PLANK, tmp_path_factory.mktemp("clips") / "plank_8s.mp4", 120)


@pytest.fixture(scope="module")
def one_chunk_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """7 s of the plank clip (105 frames): too short to split (under two chunks of ``MIN_CHUNK_S``), so its
    landmark pass is one stream of frames from the start."""
    assert 105 / 15 < 2 * MIN_CHUNK_S
    return cut_clip(PLANK, tmp_path_factory.mktemp("clips") / "plank_7s.mp4", 105)


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def assert_complete_set(out: Path, *, video: bool) -> dict:
    """The folder holds one finished run: its summary, frames.csv with as many rows, the video (if asked)
    with as many frames, and nothing partial."""
    names = listing(out)
    assert names == {"frames.csv", "summary.json"} | ({"annotated.mp4"} if video else set()), names
    summary = json.loads((out / "summary.json").read_text())
    assert len(read_rows(out / "frames.csv")) == summary["frames"]
    if video:
        assert decoded_frames(out / "annotated.mp4") == summary["frames"]
    return summary


def assert_nothing_looks_finished(out: Path) -> list[str]:
    """After a kill: no file under a final output name; every file left is named partial (or the lock)."""
    names = listing(out)
    assert not names & OUTPUT_NAMES, f"files that look finished but are not: {sorted(names & OUTPUT_NAMES)}"
    assert all(n.endswith(".partial") or n == LOCK for n in names), sorted(names)
    return sorted(n for n in names if n.endswith(".partial"))


# ------------------------------------------------------------------------------- item 2: TERM, HUP, KILL
@pytest.mark.model
def test_sigterm_in_the_landmark_pass_saves_complete_files_and_exits_143(one_chunk_clip, tmp_path):
    out = tmp_path / "o"
    run = Analysis(one_chunk_clip, "--out", out)
    seen = run.wait_for_frames("landmarks", 15)
    run.send(signal.SIGTERM)
    rc, stderr = run.finish()
    assert rc == 143, stderr
    assert "Traceback" not in stderr
    summary = assert_complete_set(out, video=True)
    assert summary["interrupted"] is True and summary["interrupted_by"] == "SIGTERM"
    # every frame read before the signal is written (not only the first), and fewer than the clip's 105
    assert seen <= summary["frames"] < 105
    assert f"interrupted by SIGTERM after {summary['frames']} frames" in stderr.splitlines()[-1]


@pytest.mark.model
def test_sigterm_in_a_chunked_landmark_pass_keeps_the_frames_from_the_start(clip, tmp_path):
    """In chunks the bar counts the frames of every chunk; what is kept is the recording from its start up to
    the first chunk that did not finish (no gap), so fewer frames than the bar showed may be kept."""
    from formcheck.analyze import usable_cpus
    from formcheck.sources import VideoFileSource

    with VideoFileSource(clip) as source:
        chunks = landmark_chunks(source.info, usable_cpus())
    if chunks < 2:
        pytest.skip(f"one CPU here: the 8 s clip is not split ({chunks} chunk)")
    out = tmp_path / "o"
    run = Analysis(clip, "--out", out)
    run.wait_for_frames("landmarks", 15)
    run.send(signal.SIGTERM)
    rc, stderr = run.finish()
    assert rc == 143, stderr
    assert "Traceback" not in stderr
    summary = assert_complete_set(out, video=True)
    assert summary["interrupted"] is True and summary["interrupted_by"] == "SIGTERM"
    assert 0 < summary["frames"] < 120
    rows = read_rows(out / "frames.csv")
    assert [int(r["frame_index"]) for r in rows] == list(range(summary["frames"]))  # from the start, no gap
    assert f"interrupted by SIGTERM after {summary['frames']} frames" in stderr.splitlines()[-1]


@pytest.mark.model
def test_sighup_while_writing_the_video_saves_complete_files_and_exits_129(clip, tmp_path):
    out = tmp_path / "o"
    run = Analysis(clip, "--out", out)
    seen = run.wait_for_frames("video", 1)  # the bar is first drawn at frame 1
    run.send(signal.SIGHUP)
    rc, stderr = run.finish()
    assert rc == 129, stderr
    assert "Traceback" not in stderr
    summary = assert_complete_set(out, video=True)
    assert summary["interrupted"] is True and summary["interrupted_by"] == "SIGHUP"
    assert seen <= summary["frames"] < 120


@pytest.mark.model
def test_sigkill_leaves_only_partial_files_that_the_next_run_removes(clip, tmp_path):
    out = tmp_path / "o"
    run = Analysis(clip, "--out", out)
    run.wait_for_frames("video", 1)
    run.wait_for_file(out, "annotated.mp4.partial", "annotated.mp4")  # the encoder has started writing
    run.send(signal.SIGKILL)
    assert run.finish()[0] == -signal.SIGKILL
    partial = assert_nothing_looks_finished(out)
    assert "frames.csv.partial" in partial and "annotated.mp4.partial" in partial

    again = run_formcheck("analyze", str(SHORT), "--out", str(out), "-q")
    assert again.returncode == 0, again.stderr
    warning = [line for line in again.stderr.splitlines() if "did not finish" in line]
    assert len(warning) == 1 and all(name in warning[0] for name in partial), again.stderr
    assert assert_complete_set(out, video=True)["frames"] == 30


@pytest.mark.model
def test_killed_force_rerun_keeps_the_previous_set_whole(clip, tmp_path):
    out = tmp_path / "o"
    first = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "-q")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)

    run = Analysis(clip, "--out", out, "--force")
    run.wait_for_frames("video", 1)
    run.wait_for_file(out, "annotated.mp4.partial", "annotated.mp4")
    run.send(signal.SIGKILL)
    run.finish()
    # the previous run's summary.json still sits beside its own frames.csv, untouched; the new data is partial
    finished = {n: b for n, b in snapshot(out).items() if n in OUTPUT_NAMES}
    assert finished == before
    assert {n for n in listing(out) if n not in before} <= {"frames.csv.partial", "annotated.mp4.partial", LOCK}

    again = run_formcheck("analyze", str(SHORT), "--out", str(out), "--force", "--no-video", "-q")
    assert again.returncode == 0, again.stderr
    assert "did not finish" in again.stderr and "frames.csv.partial" in again.stderr
    assert assert_complete_set(out, video=False)["frames"] == 30


# ------------------------------------------------------------------------------------- item 3: disk full
@pytest.fixture
def small_disk(tmp_path):
    """Mounts tmpfs file systems of a given size under ``tmp_path`` (root only); unmounts them after."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                                check=False, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs to fill ({result.stderr.strip() or 'mount failed'}): "
                        "needs root and permission to mount")
        mounted.append(where)
        return where

    if shutil.which("mount") is None:
        pytest.skip("no mount command to make a small file system")
    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


@pytest.mark.model
def test_full_disk_while_writing_frames_csv(small_disk):
    disk = small_disk("8k")  # a page for the lock, one for frames.csv: full part-way through its rows
    out = disk / "o"
    result = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "-q")
    assert_one_line_error(result, OutputError.exit_code,
                          f"the disk is full while writing {out / 'frames.csv'}; free space or choose another --out")
    assert listing(disk) == set(), "nothing left behind: the folder this run made is gone"


@pytest.mark.model
def test_full_disk_while_writing_the_video_keeps_the_previous_results(small_disk):
    disk = small_disk("64k")  # room for a --no-video run, not for the 146 kB annotated video
    out = disk / "o"
    first = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "-q")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    result = run_formcheck("analyze", str(SHORT), "--out", str(out), "--force", "-q")
    assert_one_line_error(result, OutputError.exit_code,
                          f"the disk is full while writing {out / 'annotated.mp4'}; free space or choose another --out")
    assert snapshot(out) == before  # no half-written video, no new CSV: the finished set of the first run


# ------------------------------------------------------------------------ item 4: the input is an output
@pytest.mark.parametrize("how", ["same path", "symlinked video", "symlinked folder", "no video"])
def test_force_refuses_an_input_that_is_an_output(tmp_path, how):
    d = tmp_path / "d"
    d.mkdir()
    video = d / "annotated.mp4"  # a previous run's annotated video, analysed again into the same folder
    shutil.copyfile(SHORT, video)
    original = video.read_bytes()
    out, given, extra = d, video, []
    if how == "symlinked video":
        given = tmp_path / "link.mp4"
        given.symlink_to(video)
    elif how == "symlinked folder":
        out = tmp_path / "d-link"
        out.symlink_to(d, target_is_directory=True)
    elif how == "no video":
        extra = ["--no-video"]  # --force would remove the old annotated.mp4 the run does not write
    result = run_formcheck("analyze", str(given), "--out", str(out), "--force", *extra)
    assert_one_line_error(result, OutputError.exit_code, str(given), "annotated.mp4", "--out")
    assert video.read_bytes() == original
    assert listing(d) == {"annotated.mp4"}


# ----------------------------------------------------------------------- item 6: two runs, one folder
@pytest.mark.model
def test_second_run_into_the_same_folder_refuses_and_names_the_first(clip, tmp_path):
    out = tmp_path / "o"
    first = Analysis(clip, "--out", out, "--no-video")
    first.wait_for_frames("landmarks", 1)  # the first run holds the folder
    second = run_formcheck("analyze", str(SHORT), "--out", str(out), "--force", "--no-video", "-q")
    assert first.proc.poll() is None, "the first run ended before the second was refused: use a longer clip"
    assert_one_line_error(second, OutputError.exit_code, f"pid {first.proc.pid}", "another formcheck run", "--out")
    rc, stderr = first.finish()
    assert rc == 0, stderr
    assert assert_complete_set(out, video=False)["frames"] == 120


# ----------------------------------------------------------------------- item 9: --calibrate too long
@pytest.mark.model
@pytest.mark.parametrize("seconds,applied", [(100.0, False), (1.0, True)])
def test_calibrate_longer_than_the_video_warns_and_says_so(tmp_path, seconds, applied):
    out = tmp_path / "o"
    result = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "-q", "--calibrate", f"{seconds:g}")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    calibration = summary["calibration"]
    assert calibration["requested_s"] == seconds and calibration["with_person_s"] == pytest.approx(3.0)
    assert calibration["applied"] is applied
    if applied:
        assert result.stderr == "" and summary["neutral"]["method"] == "first_seconds"
        return
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "--calibrate 100 s is longer than the 3.0 s" in lines[0], result.stderr
    # the neutral is where the person rests (as without --calibrate), not the first seconds, which do not exist
    assert summary["neutral"]["method"] != "first_seconds" and "longer than" in calibration["note"]


# --------------------------------------------------------------------- item 11: folders describe one run
def test_model_error_leaves_no_output_folder(tmp_path):
    model = tmp_path / "broken.task"
    model.write_bytes(b"not a model")
    out = tmp_path / "new" / "out"
    result = run_formcheck("analyze", str(SHORT), "--out", str(out), "--model", str(model))
    assert_one_line_error(result, ModelError.exit_code, "broken.task")
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "mine"  # a folder the user made stays
    kept.mkdir()
    assert run_formcheck("analyze", str(SHORT), "--out", str(kept), "--model", str(model)).returncode == 3
    assert kept.is_dir() and listing(kept) == set()


@pytest.mark.model
def test_force_no_video_removes_the_previous_runs_video_and_reps(tmp_path):
    out = tmp_path / "o"
    first = run_formcheck("analyze", str(SHORT), "--out", str(out), "--exercise", "seated-thoracic-rotation", "-q")
    assert first.returncode == 0, first.stderr
    assert listing(out) >= {"frames.csv", "reps.csv", "annotated.mp4", "summary.json"}
    # without --force, outputs this run would not write are refused too (they would describe another run)
    (out / "frames.csv").unlink()
    (out / "summary.json").unlink()
    refused = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "-q")
    assert_one_line_error(refused, OutputError.exit_code, "annotated.mp4", "reps.csv", "--force")
    forced = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video", "--force", "-q")
    assert forced.returncode == 0, forced.stderr
    assert assert_complete_set(out, video=False)["outputs"] == ["frames.csv", "summary.json"]


def test_run_killed_while_putting_files_in_place_is_finished_by_the_next(tmp_path):
    """The few renames that put a finished set in place are journalled; a run killed between them (a window
    of microseconds, so the state is laid out here as such a kill leaves it) is finished by the next run."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "summary.json").write_text('{"run": "old"}\n')  # the previous set
    (out / "annotated.mp4").write_bytes(b"old video")
    (out / "frames.csv").write_text("new frames\n")  # already renamed into place
    (out / "summary.json.partial").write_text('{"run": "new"}\n')
    (out / ".formcheck-commit").write_text(json.dumps(
        {"put": ["frames.csv", "summary.json"], "remove": ["reps.csv", "annotated.mp4"], "marker": "summary.json"}))
    result = run_formcheck("analyze", str(SHORT), "--out", str(out), "--no-video")
    assert result.returncode == OutputError.exit_code  # then refuses: the folder holds a finished set
    assert "finished putting them there" in result.stderr
    assert listing(out) == {"frames.csv", "summary.json"}
    assert json.loads((out / "summary.json").read_text()) == {"run": "new"}
