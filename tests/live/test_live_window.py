"""A real window: ``formcheck live`` under Xvfb, a screenshot of the screen, and the coach found on it; keys
pressed in the window (XTEST) reach the session.

Starts its own Xvfb (the Debian package ``xvfb``; CI installs it) and takes the screenshot with ImageMagick's
``import`` (or ``xwd``). The screenshot is kept as ``test-artifacts/live_window.png``.
"""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from display_helpers import XTest, screenshot, window_is_up, window_region, window_session, xvfb_server
from live_helpers import ROOT, env_without_display, looped_clip

from formcheck import coach
from formcheck.exercises import load_catalogue

ARTIFACTS = ROOT / "test-artifacts"
EXERCISE = "seated-thoracic-rotation"
WINDOW_WH = (640, 480)

pytestmark = [pytest.mark.display, pytest.mark.model]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    with xvfb_server() as display:
        yield display


def mask(image: np.ndarray, bgr: tuple[int, int, int], tol: int = 14) -> np.ndarray:
    return (np.abs(image.astype(int) - np.array(bgr)) <= tol).all(axis=-1)


GAP_PX = 12  # the value marker and the neutral tick interrupt the track


def find_gauge(window: np.ndarray) -> tuple[int, int, int, int] | None:
    """The gauge's track ``(x0, y0, x1, y1)`` wherever the coach put it (its panels go where the person is
    not): a flat run of band green, widened along its middle row over track grey and band green. (Searching
    for the grey alone finds whole panels: a translucent panel over a grey wall is close to the track's grey.)"""
    green = mask(window, coach.GAUGE_BAND_BGR, tol=8).astype(np.uint8)
    either = mask(window, coach.GAUGE_TRACK_BGR) | mask(window, coach.GAUGE_BAND_BGR)
    n, _, stats, _ = cv2.connectedComponentsWithStats(green, connectivity=4)
    best = None
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < 6 or h < 3 or h > 0.1 * window.shape[0]:
            continue
        row = either[y + h // 2]
        x0, x1 = int(x), int(x + w - 1)
        while x0 > 0 and row[max(0, x0 - GAP_PX):x0].any():  # over the value marker too
            x0 -= 1 + int(np.argmax(row[max(0, x0 - GAP_PX):x0][::-1]))
        while x1 < row.size - 1 and row[x1 + 1:x1 + 1 + GAP_PX].any():
            x1 += 1 + int(np.argmax(row[x1 + 1:x1 + 1 + GAP_PX]))
        if x1 - x0 + 1 >= 0.2 * window.shape[1] and (best is None or x1 - x0 > best[2] - best[0]):
            best = (x0, int(y), x1 + 1, int(y + h))
    return best


def coach_problems(window: np.ndarray) -> list[str]:
    """What is missing from the coach in a window image ([] when it is all there)."""
    problems = []
    if window.shape[1::-1] != WINDOW_WH:
        return [f"window is {window.shape[1::-1]}, expected {WINDOW_WH}"]
    rect = find_gauge(window)
    if rect is None:
        return ["no gauge (a wide bar of track grey and band green) anywhere in the window"]
    x0, y0, x1, y1 = rect
    gauge = window[y0 + 2 : y1 - 2, x0:x1]
    band = mask(gauge, coach.GAUGE_BAND_BGR)
    track = mask(gauge, coach.GAUGE_TRACK_BGR)
    if band.mean() < 0.05:
        problems.append(f"no green target band in the gauge ({band.mean():.3f})")
    if track.mean() < 0.2:
        problems.append(f"no grey gauge track ({track.mean():.3f})")
    # Seated rotation, left side first, mirrored picture: the band 35..60 deg sits left of the neutral
    # tick on a gauge running from +80 (left end) to -80 deg.
    cols = np.flatnonzero(band.mean(axis=0) > 0.5)
    if cols.size and not (cols.max() < (x1 - x0) / 2):
        problems.append(f"the band is not on the left half (columns {cols.min()}..{cols.max()})")
    outside = window.copy()
    outside[max(0, y0 - 60): y1 + 60, :] = 0
    if mask(outside, coach.GAUGE_BAND_BGR, tol=6).mean() > 0.02:
        problems.append("gauge green found far from the gauge")
    above = window[max(0, y0 - 50): y0, x0:x1]
    if (mask(above, coach.HOLD_BG_BGR) | mask(above, coach.HOLD_FILL_BGR)).mean(axis=1).max(initial=0) < 0.9:
        problems.append("no hold timer bar above the gauge")
    h, w = window.shape[:2]
    corners = [window[8:40, 8:200], window[8:40, w - 200: w - 8], window[h - 40: h - 8, 8:200]]
    if max((c.max(axis=2) > 200).mean() for c in corners) < 0.02:
        problems.append("no header text in a corner")
    return problems


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
def test_live_window_shows_the_coach(xvfb: str, tmp_path: Path) -> None:
    """The coach is found in the window. The test waits for the window itself (not a fixed time: MediaPipe
    and Qt start slowly on a loaded machine) and skips the instructions card with space, so the clip is
    still playing when the coach is on screen."""
    clip = looped_clip(tmp_path / "looped.mp4", 10)  # 30 s
    out = tmp_path / "session"
    env = env_without_display() | {"DISPLAY": xvfb}
    keys = XTest(xvfb)
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "live", "--exercise", EXERCISE, "--source", str(clip),
                             "--out", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shot_path = ARTIFACTS / "live_window.png"
    problems: list[str] = ["the window never came up"]
    tries = 0
    with window_session(keys, proc):
        deadline = time.monotonic() + 90
        while proc.poll() is None and time.monotonic() < deadline:
            if window_is_up(xvfb, f"formcheck - {load_catalogue()[EXERCISE].title}"):
                break
            time.sleep(0.3)
        keys.pointer_to(200, 200)
        time.sleep(0.5)  # Qt takes keys once it has handled the window's mapping
        for _ in range(3):  # skip the instructions card (space does nothing in the next phases)
            keys.press("space")
            time.sleep(0.3)
        problems = ["the session ended before a screenshot showed the window"]
        deadline = time.monotonic() + 40
        tries = 0
        while time.monotonic() < deadline and proc.poll() is None:
            screen = screenshot(xvfb)
            tries += 1
            if screen.max() > 8:
                window = window_region(screen)
                problems = coach_problems(window)
                if not problems:
                    cv2.imwrite(str(shot_path), screen)
                    cv2.imwrite(str(ARTIFACTS / "live_window_crop.png"), window)
                    break
                cv2.imwrite(str(ARTIFACTS / "live_window_last_try.png"), screen)
            time.sleep(0.4)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C: the session so far is saved
        stdout, stderr = proc.communicate(timeout=30)
    assert not problems, f"{problems} after {tries} screenshots (see {ARTIFACTS / 'live_window_last_try.png'}); " \
                         f"exit {proc.returncode}: {stderr[-400:]}"
    assert "Traceback" not in stderr
    assert proc.returncode == 130, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] and summary["frames"] > 0 and summary["live"]["mirror"]
    assert shot_path.exists()


def test_keys_pressed_in_the_window_reach_the_session(xvfb: str, tmp_path: Path) -> None:
    """The window lives in a process of its own (formcheck.live.window_host): space and q pressed in it still
    skip the instructions and quit the session."""
    out = tmp_path / "session"
    env = env_without_display() | {"DISPLAY": xvfb}
    clip = ROOT / "sample_videos" / "seated_rotation_front.mp4"  # 29 s: q ends it, not the file
    keys = XTest(xvfb)
    proc = subprocess.Popen([sys.executable, "-m", "formcheck", "live", "--exercise", EXERCISE, "--source", str(clip),
                             "--out", str(out)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with window_session(keys, proc):
        deadline = time.monotonic() + 60
        while not window_is_up(xvfb, f"formcheck - {load_catalogue()[EXERCISE].title}"):
            assert proc.poll() is None and time.monotonic() < deadline, "the window never came up"
            time.sleep(0.3)
        keys.pointer_to(200, 200)
        time.sleep(0.5)  # Qt takes keys once it has handled the window's mapping
        for _ in range(3):  # skip the 6 s instructions card (space does nothing in the next phases)
            keys.press("space")
            time.sleep(0.3)
        time.sleep(0.6)
        keys.press("q")  # 2 s after the window came up: before the card would have ended
        _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ended_by"] == "quit" and not summary["interrupted"]
    with open(out / "frames.csv", newline="") as f:
        phases = [row["phase"].split()[0] for row in csv.DictReader(f)]
    assert "position" in phases and "active" not in phases  # space skipped the card; q came before the sets


def _pain_card_up(screen: np.ndarray) -> np.ndarray | None:
    """The window when it shows a pain question or warning (drawn on a plain grey background: its four
    corners are that grey), else None."""
    from formcheck.live.pain import BACKGROUND_BGR

    if screen.max() <= 8:
        return None
    window = window_region(screen)
    corners = [window[:6, :6], window[:6, -6:], window[-6:, :6], window[-6:, -6:]]
    return window if all(mask(c, BACKGROUND_BGR, tol=3).all() for c in corners) else None


def _wait_for(xvfb: str, proc: subprocess.Popen, card: bool, timeout_s: float, *, keys: XTest | None = None,
              press: str = "") -> np.ndarray:
    """The screen once the pain card is up (``card``) or gone; ``press`` is pressed with ``keys`` while waiting."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        screen = screenshot(xvfb)
        window = _pain_card_up(screen)
        if (window is not None) == card and screen.max() > 8:
            return window if card else screen
        if keys is not None and press:
            keys.press(press)
        time.sleep(0.3)
    cv2.imwrite(str(ARTIFACTS / "live_pain_last_try.png"), screenshot(xvfb))
    pytest.fail(f"the pain card was {'never' if card else 'still'} up after {timeout_s} s")


def test_the_pain_question_is_asked_in_the_window_before_and_after(xvfb: str, tmp_path: Path) -> None:
    """In a window the coach asks for the pain before and after (here forced on for a file; by default only in
    front of a camera): the question is on screen, number keys and Enter answer it, and a rise of 3 shows
    the warning card until a key closes it."""
    out = tmp_path / "session"
    env = env_without_display() | {"DISPLAY": xvfb}
    script = ("import sys; from pathlib import Path; from formcheck.live import LiveOptions, run_live; "
              "run_live(LiveOptions(exercise=sys.argv[1], out_dir=Path(sys.argv[2]), source=Path(sys.argv[3]), "
              "ask_pain=True))")
    keys = XTest(xvfb)
    ARTIFACTS.mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", script, EXERCISE, str(out), str(ROOT / "sample_videos" /
                            "astronaut_clip.mp4")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with window_session(keys, proc):
        asked = _wait_for(xvfb, proc, card=True, timeout_s=60)
        keys.pointer_to(200, 200)
        time.sleep(0.5)  # Qt takes keys once it has handled the window's mapping
        keys.press("3")
        time.sleep(0.6)
        typed = _wait_for(xvfb, proc, card=True, timeout_s=10)
        cv2.imwrite(str(ARTIFACTS / "live_pain_question.png"), typed)
        # the card's text is on it, and the typed 3 shows as the big number
        assert (typed.max(axis=2) > 200).mean() > 0.005
        assert mask(typed, coach.HINT_BGR, tol=20).sum() > mask(asked, coach.HINT_BGR, tol=20).sum() + 50
        keys.press("Return")
        _wait_for(xvfb, proc, card=False, timeout_s=20)  # the session (the clip played as a camera)
        keys.press("space")  # skips the instructions card
        # the question after, once the clip (3 s) and its summary card end; space closes the summary card at once
        # (before it, space does nothing, or pauses sets that the file's end then ends; the pain card ignores it)
        _wait_for(xvfb, proc, card=True, timeout_s=60, keys=keys, press="space")
        time.sleep(0.3)
        keys.press("6")
        time.sleep(0.3)
        keys.press("Return")
        time.sleep(1.0)
        warning = _wait_for(xvfb, proc, card=True, timeout_s=10)
        cv2.imwrite(str(ARTIFACTS / "live_pain_warning.png"), warning)
        keys.press("space")
        _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 0, stderr
    pain = json.loads((out / "summary.json").read_text())["pain"]
    assert (pain["before"], pain["after"]) == (3, 6) and "bladder or bowel" in pain["warning"]
