"""Live session faults (issue 10), each run for real: ``formcheck live`` as a subprocess.

* the X server under the window is killed mid-session (a real Xvfb, a real SIGKILL): the session is saved,
  one line says the display was lost, exit 6;
* ``--record`` that cannot be an mp4 (``rec.txt``, a folder) or would overwrite a file is refused before
  anything starts, with one line naming ``--record``.
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
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import assert_one_line_error, run_formcheck
from display_helpers import window_is_up

from formcheck.errors import ConfigError, DisplayError, OutputError
from formcheck.exercises import load_catalogue
from formcheck.live.display import DisplayLost, WindowDisplay

ROOT = Path(__file__).resolve().parents[2]
SEATED = ROOT / "sample_videos" / "seated_rotation_front.mp4"  # 29 s at 15 fps
EXERCISE = "seated-thoracic-rotation"


def _env(display: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return env | ({"DISPLAY": display} if display else {})


# ------------------------------------------------------------------------------------------- the display
@pytest.fixture
def xvfb() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A fresh Xvfb of this test's own (killed by the test, or at the end)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (Debian package 'xvfb')")
    for number in range(140, 200):  # another test may take a number at the same moment: then the next one
        socket_path = Path(f"/tmp/.X11-unix/X{number}")
        if socket_path.exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen([binary, f":{number}", "-screen", "0", "1024x768x24", "-nolisten", "tcp", "-br"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not socket_path.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if socket_path.exists() and proc.poll() is None:
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail("could not start Xvfb on any display from :140 to :199")
    try:
        yield f":{number}", proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for leftover in (socket_path, Path(f"/tmp/.X{number}-lock")):  # a killed server cannot remove them
            leftover.unlink(missing_ok=True)


def _window_processes(display: str) -> list[int]:
    """Process ids of live windows (formcheck.live.window_host) still running on ``display``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"formcheck.live.window_host" in cmdline and f"DISPLAY={display}".encode() in environ:
            found.append(int(proc.name))
    return found


@pytest.mark.display
@pytest.mark.model
def test_losing_the_display_mid_session_saves_it_and_exits_6(xvfb, tmp_path: Path) -> None:
    """Qt ends its process with ``exit(1)`` when the X server goes away (it used to take the whole session,
    unsaved, with no message); now only the window's process ends and the session is saved."""
    if not (shutil.which("xwininfo") or shutil.which("import")):
        pytest.skip("neither xwininfo (x11-utils) nor ImageMagick's import: cannot see when the window is up")
    display, server = xvfb
    title = f"formcheck - {load_catalogue()[EXERCISE].title}"
    out = tmp_path / "session"
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "live", "--exercise", EXERCISE, "--source",
                             str(SEATED), "--out", str(out)], env=_env(display), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not window_is_up(display, title):
            assert proc.poll() is None and time.monotonic() < deadline, "the live window never came up"
            time.sleep(0.3)
        time.sleep(1.5)  # the session is under way
        server.send_signal(signal.SIGKILL)
        server.wait()
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)
    line = assert_one_line_error(result, DisplayError.exit_code, f"lost the display '{display}'",
                                 f"the session so far is saved in {out}")
    assert "X server" in line
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_by"] == "display_lost" and not summary["interrupted"]
    assert summary["display"] == {"lost": True, "problem": f"lost the display '{display}' (the X server went away)"}
    with open(out / "frames.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary["frames"] == len(rows) > 0
    assert (out / "reps.csv").read_text().startswith("index,side,")
    assert _window_processes(display) == []  # the window's process ended with its display


@pytest.mark.display
def test_a_window_whose_process_dies_is_reported_not_fatal(xvfb, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's own process killed (a real SIGKILL) with its X server still there: the session's side
    hears of it as DisplayLost, with the reason, instead of dying with it."""
    display, _ = xvfb
    monkeypatch.setenv("DISPLAY", display)
    window = WindowDisplay("formcheck - fault test")
    try:
        window.show(np.full((48, 64, 3), 128, np.uint8))
        (pid,) = _window_processes(display)
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        with pytest.raises(DisplayLost, match=r"the window closed unexpectedly \(its process ended with code -9\)"):
            while time.monotonic() < deadline:
                window.poll_key()
                time.sleep(0.05)
        with pytest.raises(DisplayLost):
            window.show(np.zeros((48, 64, 3), np.uint8))
    finally:
        window.close()


# ---------------------------------------------------------------------------------------------- --record
def _live(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_formcheck("live", "--exercise", EXERCISE, "--source", str(SEATED), "--headless",
                         "--out", str(tmp_path / "session"), *args, env=_env())


@pytest.mark.parametrize("record", ["out/rec.txt", "out/recordings", "out/rec."])
def test_a_record_file_that_cannot_be_an_mp4_is_refused_before_starting(tmp_path: Path, record: str) -> None:
    result = _live(tmp_path, "--record", str(tmp_path / record))
    assert_one_line_error(result, ConfigError.exit_code, f"--record {tmp_path / record}", ".mp4")
    assert not (tmp_path / "session").exists() and not (tmp_path / "out").exists()


def test_a_record_folder_is_refused_before_starting(tmp_path: Path) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    result = _live(tmp_path, "--record", str(folder))
    assert_one_line_error(result, ConfigError.exit_code, f"--record {folder}", "is a folder", ".mp4")
    assert not (tmp_path / "session").exists() and list(folder.iterdir()) == []


def test_an_existing_record_file_is_refused_naming_record(tmp_path: Path) -> None:
    kept = tmp_path / "mine.mp4"
    kept.write_bytes(b"the user's own video")
    result = _live(tmp_path, "--record", str(kept))
    line = assert_one_line_error(result, OutputError.exit_code, f"--record {kept}", "already exists", "--force")
    assert "--out" not in line
    assert kept.read_bytes() == b"the user's own video" and not (tmp_path / "session").exists()


def test_recording_over_the_source_is_refused_even_with_force(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(SEATED, clip)
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    before = clip.read_bytes()
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(clip), "--headless", "--force",
                           "--out", str(tmp_path / "session"), "--record", str(link), env=_env())
    assert_one_line_error(result, OutputError.exit_code, f"--record {link}", "--source")
    assert clip.read_bytes() == before and not (tmp_path / "session").exists()


@pytest.mark.model
def test_a_record_file_in_a_new_folder_is_written(tmp_path: Path) -> None:
    """What the checks let through still works: the folders are made, any case of .mp4 is accepted."""
    record = tmp_path / "new" / "folder" / "rec.MP4"
    clip = ROOT / "sample_videos" / "astronaut_clip.mp4"  # 3 s
    result = run_formcheck("live", "--exercise", EXERCISE, "--source", str(clip), "--headless",
                           "--out", str(tmp_path / "session"), "--record", str(record), env=_env())
    assert result.returncode == 0, result.stderr
    assert record.stat().st_size > 0
    assert str(record) in json.loads((tmp_path / "session" / "summary.json").read_text())["outputs"]
