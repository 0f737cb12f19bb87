"""Where the live picture goes: an OpenCV window, or nowhere (headless).

Both have ``show(image)``, ``poll_key() -> str | None`` and ``close()``. Keys come back as one lower-case
character (``"q"``, ``" "``, ``"c"``, ...); closing the window counts as ``"q"``.

OpenCV's window (Qt here) aborts the whole process when it cannot reach a display, so
:func:`check_display` looks for one first and raises :class:`DisplayError` with the fix (``--headless``).
"""

from __future__ import annotations

import logging
import os
import socket
import sys

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import DisplayError

log = logging.getLogger(__name__)

_FIX = "run with --headless (no window; the session is still saved), or start formcheck from a desktop session"


def _x_display_address(display: str) -> tuple[str, int]:
    """Host and display number of an X ``DISPLAY`` value like ``:0``, ``:99.0``, ``localhost:10.0``."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        raise DisplayError(f"DISPLAY={display!r} is not a valid X display: {_FIX}")
    return host, int(number)


def _x_server_reachable(display: str, timeout_s: float = 2.0) -> bool:
    host, number = _x_display_address(display)
    if host in ("", "unix") or host.startswith("/"):
        path = host if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
        for address in (path, "\0" + f"/tmp/.X11-unix/X{number}"):  # file socket, then Linux abstract socket
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout_s):
            return True
    except OSError:
        return False


def check_display() -> None:
    """Raises :class:`DisplayError` unless a window can be opened (Linux: an X or Wayland display is there).

    Other systems (macOS, Windows) always have one when a user is logged in.
    """
    if not sys.platform.startswith("linux"):
        return
    if os.environ.get("QT_QPA_PLATFORM", "").startswith("offscreen"):
        return
    display = os.environ.get("DISPLAY", "")
    if display:
        if not _x_server_reachable(display):
            raise DisplayError(f"cannot connect to the display {display!r} (no X server there): {_FIX}")
        return
    if os.environ.get("WAYLAND_DISPLAY"):
        return
    raise DisplayError(f"no display available (DISPLAY is not set): {_FIX}")


class HeadlessDisplay:
    """Shows nothing and never has a key; the loop runs the same."""

    def show(self, image_bgr: NDArray[np.uint8]) -> None:
        pass

    def poll_key(self) -> str | None:
        return None

    def close(self) -> None:
        pass


class WindowDisplay:
    """An OpenCV window of the picture's size. ``poll_key`` also pumps the window's events.

    Raises:
        DisplayError: there is no display to open it on.
    """

    def __init__(self, title: str = "formcheck") -> None:
        check_display()
        import cv2

        self.title = title
        try:
            cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)  # no toolbar
        except cv2.error as exc:
            raise DisplayError(f"cannot open a window ({str(exc).strip().splitlines()[-1]}): {_FIX}") from None
        self._shown = False

    def show(self, image_bgr: NDArray[np.uint8]) -> None:
        import cv2

        cv2.imshow(self.title, image_bgr)
        self._shown = True

    def poll_key(self) -> str | None:
        import cv2

        code = cv2.waitKey(1)
        if self._shown and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return "q"  # the window was closed
        if code < 0:
            return None
        code &= 0xFF
        if code == 27:  # Esc
            return "q"
        return chr(code).lower()

    def close(self) -> None:
        import cv2

        try:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
        except cv2.error:
            log.debug("the window was already gone")
