"""Helpers for the tests that open a real window under Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess

import cv2
import numpy as np


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
