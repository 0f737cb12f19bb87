"""A routine in a real window under Xvfb: ``n`` skips the first exercise, the rest card comes up and is what
:func:`formcheck.routines.cards.rest_card` draws, space starts the next exercise, ``q`` ends the routine and
the summary card comes up with a line per exercise. Screenshots are kept in ``test-artifacts/``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from display_helpers import XTest, screenshot, window_is_up, window_region, window_session, xvfb_server
from routine_clips import ROOT, SAMPLES, write_routine

from formcheck.exercises import load_catalogue
from formcheck.routines import load_routine_file
from formcheck.routines.cards import BACKGROUND_BGR, rest_card, summary_card
from formcheck.routines.runner import PartResult

ARTIFACTS = ROOT / "test-artifacts"
#: Mean absolute difference (0-255) below which the window shows the card drawn for the test: the same
#: drawing differs by 0; another countdown number or another card by several.
SAME_CARD = 1.0

pytestmark = [pytest.mark.display, pytest.mark.model]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_server() as display:
        yield display


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return 255.0
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def _window(display: str) -> np.ndarray | None:
    screen = screenshot(display)
    return window_region(screen) if screen.max() > 8 else None


def _is_card_background(window: np.ndarray) -> bool:
    """The routine's own cards have a plain background (the camera picture is not under them)."""
    corner = window[2:12, 2:12].reshape(-1, 3).mean(axis=0)
    return bool(np.abs(corner - np.array(BACKGROUND_BGR)).max() < 3)


# Known bug, not yet fixed: now and then the OpenCV/Qt window (formcheck.live.window_host) under Xvfb stays
# black (mapped, never painted) for a whole session, in this test and in the live window test alike (about 1
# run in 5 on a loaded 2-core machine). The session itself runs; only the picture is missing. Until the cause is
# found the test is run again when it fails (pytest-rerunfailures); it still asserts everything on each run.
# Narrowed down (window_host alone, solid frames, load 15-27): in a black run Qt never handles the X server's
# MapNotify for the window (QT_LOGGING_RULES=qt.qpa.events=true shows ConfigureNotify + MapNotify + Expose in a
# painted run, only the later resize's ConfigureNotify + Expose in a black one), so Qt keeps the window unexposed
# and never flushes a frame, though xwininfo says it is mapped and the host pumps waitKey every 10-30 ms. Not the
# first imshow's timing (a 1 s delay still goes black), not the glib dispatcher (QT_NO_GLIB=1 too).
@pytest.mark.flaky(reruns=2, reruns_delay=1)
def test_a_routine_shows_its_rest_and_summary_cards_in_a_window(xvfb: str, tmp_path: Path) -> None:
    routine_file = write_routine(tmp_path)
    routine = load_routine_file(routine_file, load_catalogue())
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")} | {
        "DISPLAY": xvfb}
    keys = XTest(xvfb)
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "routine", "--routine-file", str(routine_file),
                             "--source", str(SAMPLES / "plank_side.mp4"), "--source",
                             str(SAMPLES / "glute_bridge_side.mp4"), "--out", str(out), "--history",
                             str(tmp_path / "history.sqlite3")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ARTIFACTS.mkdir(exist_ok=True)
    rest_found: float | None = None
    summary_shot: np.ndarray | None = None
    with window_session(keys, proc):
        deadline = time.monotonic() + 60
        while not window_is_up(xvfb, f"formcheck - {routine.title}"):
            assert proc.poll() is None and time.monotonic() < deadline, "the window never came up"
            time.sleep(0.3)
        keys.pointer_to(200, 200)
        time.sleep(0.5)  # Qt takes keys once it has handled the window's mapping
        # n skips the plank (still on its instructions card); the rest card before the bridge follows
        expected = {s: rest_card((640, 480), routine.steps[1], 2, 2, s) for s in range(1, 31)}
        deadline = time.monotonic() + 40
        pressed_s = -100.0
        while rest_found is None and time.monotonic() < deadline:
            window = _window(xvfb)
            if window is not None:
                cv2.imwrite(str(ARTIFACTS / "routine_rest_last_try.png"), window)
            if window is not None and _is_card_background(window):
                best = min(expected, key=lambda s: _difference(window, expected[s]))
                if _difference(window, expected[best]) < SAME_CARD:
                    rest_found = _difference(window, expected[best])
                    cv2.imwrite(str(ARTIFACTS / "routine_rest_card.png"), window)
                    break
                cv2.imwrite(str(ARTIFACTS / "routine_rest_last_try.png"), window)
            elif window is not None and time.monotonic() - pressed_s > 6.0:  # not yet taken (Qt still mapping
                # the window): again, but only while the plank's own picture is on screen. Never while the rest
                # card is up (n there starts the next exercise), nor on a black screen (the window not yet
                # painted again after the plank's session ended: the rest card may be behind it).
                keys.press("n")
                pressed_s = time.monotonic()
            time.sleep(0.3)
        assert rest_found is not None, f"no rest card (see {ARTIFACTS / 'routine_rest_last_try.png'})"
        keys.press("space")  # start the bridge now
        time.sleep(1.5)
        window = _window(xvfb)
        assert window is not None and not _is_card_background(window), "the bridge did not start after space"
        keys.press("q")  # end the routine: the summary card comes up
        deadline = time.monotonic() + 20
        while summary_shot is None and time.monotonic() < deadline and proc.poll() is None:
            window = _window(xvfb)
            if window is not None and _is_card_background(window) and (out / "routine.json").is_file() and \
                    json.loads((out / "routine.json").read_text())["ended_by"] == "quit":
                summary_shot = window
                cv2.imwrite(str(ARTIFACTS / "routine_summary_card.png"), window)
            time.sleep(0.3)
        keys.press("q")  # closes the summary card
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    result = json.loads((out / "routine.json").read_text())
    assert [p["ended_by"] for p in result["parts"]] == ["skipped", "quit"] and result["ended_by"] == "quit"
    assert result["parts"][0]["rest_s"] > 0  # rested, then space started the bridge
    assert not result["parts"][0]["started_sets"] and result["parts"][0]["history_id"] is None
    # the summary card in the window is the one drawn from the saved routine
    lines = [PartResult(**p).line() for p in result["parts"]] + [f"Saved in {out}"]
    assert lines[0] == "1. Plank: 0/1 (skipped)"
    assert summary_shot is not None, "no summary card after q"
    assert _difference(summary_shot, summary_card((640, 480), routine.title, lines)) < SAME_CARD
