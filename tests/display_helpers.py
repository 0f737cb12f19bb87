"""Helpers for the tests that open a real window under Xvfb: the server, screenshots, the window's picture, and
keys pressed through XTEST."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest


def window_is_up(display: str, title: str) -> bool:
    """The window called ``title`` is on ``display``'s screen: mapped (``xwininfo``, when installed), else a
    picture that is not the black root window (ImageMagick's ``import``). Under a heavy CPU load Qt can leave
    its window mapped but unpainted for many seconds, so the mapping is the better sign."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")} | {
        "DISPLAY": display}
    if shutil.which("xwininfo"):
        info = subprocess.run(["xwininfo", "-name", title], env=env, capture_output=True, text=True, timeout=20,
                              check=False)
        return "IsViewable" in info.stdout
    shot = subprocess.run(["import", "-window", "root", "png:-"], env=env, capture_output=True, timeout=20,
                          check=False)
    if shot.returncode != 0:
        return False
    screen = cv2.imdecode(np.frombuffer(shot.stdout, np.uint8), cv2.IMREAD_COLOR)
    return screen is not None and int(screen.max()) > 8


def _free_display() -> int:
    for number in range(99, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display number between :99 and :139")


@contextlib.contextmanager
def xvfb_server() -> Iterator[str]:
    """An Xvfb of its own (1280x720, black root window) for the block; yields its ``DISPLAY``. Skips the test
    when Xvfb is not installed (the Debian package ``xvfb``; CI installs it)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.skip("Xvfb is not installed (Debian package 'xvfb'): the real-window test needs it")
    number = _free_display()
    proc = subprocess.Popen([binary, f":{number}", "-screen", "0", "1280x720x24", "-nolisten", "tcp", "-br"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    socket_path = Path(f"/tmp/.X11-unix/X{number}")
    deadline = time.monotonic() + 10
    while not socket_path.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not socket_path.exists():
        proc.kill()
        pytest.fail(f"Xvfb :{number} did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _read_xwd(data: bytes) -> np.ndarray:
    """A 24/32-bit TrueColor XWD dump (``xwd -root``) as a BGR image."""
    header = np.frombuffer(data[:100], dtype=">u4")
    header_size, width, height = int(header[0]), int(header[4]), int(header[5])
    byte_order, bits_per_pixel, bytes_per_line, ncolors = int(header[7]), int(header[11]), int(header[12]), int(header[19])
    if bits_per_pixel != 32:
        raise ValueError(f"xwd dump with {bits_per_pixel} bits per pixel")
    start = header_size + 12 * ncolors
    rows = np.frombuffer(data[start:start + bytes_per_line * height], dtype=np.uint8).reshape(height, bytes_per_line)
    pixels = rows[:, : width * 4].reshape(height, width, 4)
    return np.ascontiguousarray(pixels[:, :, :3] if byte_order == 0 else pixels[:, :, 3:0:-1])


def screenshot(display: str) -> np.ndarray:
    """The whole screen of ``display`` as a BGR image."""
    env = dict(os.environ, DISPLAY=display)
    if shutil.which("import"):
        png = subprocess.run(["import", "-window", "root", "png:-"], env=env, capture_output=True, timeout=20,
                             check=True).stdout
        return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    if shutil.which("xwd"):
        dump = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=20, check=True).stdout
        return _read_xwd(dump)
    pytest.fail("no screenshot tool: install ImageMagick ('import') or x11-apps ('xwd')")


def window_region(screen: np.ndarray) -> np.ndarray:
    """The window's picture: the bounding box of what is not the black root window (Xvfb -br)."""
    ys, xs = np.nonzero(screen.max(axis=2) > 8)
    return screen[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@contextlib.contextmanager
def window_session(keys: XTest, proc: subprocess.Popen) -> Iterator[None]:
    """For the block that drives a session in a window: on the way out, closes the XTEST connection and kills
    the session if it still runs (a failed check must not leave it behind)."""
    try:
        yield
    finally:
        keys.close()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


class XTest:
    """Key presses sent to an X display through the XTEST extension (libXtst, with ctypes)."""

    def __init__(self, display: str) -> None:
        try:
            self.x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
            self.xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
        except OSError:
            pytest.skip("libX11 / libXtst are not installed: cannot press keys in the window")
        self.x11.XOpenDisplay.restype = ctypes.c_void_p
        self.x11.XStringToKeysym.restype = ctypes.c_ulong
        self.dpy = ctypes.c_void_p(self.x11.XOpenDisplay(display.encode()))
        assert self.dpy.value, f"cannot open {display}"

    def pointer_to(self, x: int, y: int) -> None:
        """Moves the pointer (with no window manager, keys go to the window under it)."""
        self.xtst.XTestFakeMotionEvent(self.dpy, -1, x, y, 0)
        self.x11.XFlush(self.dpy)

    def press(self, key: str) -> None:
        code = self.x11.XKeysymToKeycode(self.dpy, ctypes.c_ulong(self.x11.XStringToKeysym(key.encode())))
        for down in (True, False):
            self.xtst.XTestFakeKeyEvent(self.dpy, code, down, 0)
        self.x11.XFlush(self.dpy)

    def close(self) -> None:
        self.x11.XCloseDisplay(self.dpy)
