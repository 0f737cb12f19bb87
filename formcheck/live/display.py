"""Where the live picture goes: an OpenCV window, or nowhere (headless).

Both have ``show(image)``, ``poll_key() -> str | None`` and ``close()``. Keys come back as one lower-case
character (``"q"``, ``" "``, ``"c"``, ...); closing the window counts as ``"q"``.

OpenCV's window (Qt here) ends the whole process when it cannot reach a display, so :func:`check_display`
looks for one first and raises :class:`DisplayError` with the fix (``--headless``); and the window lives in a
process of its own (:mod:`formcheck.live.window_host`), so an X server that goes away mid-session ends only the
window: :class:`WindowDisplay` then raises :class:`DisplayLost` and the session is saved.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import DisplayError
from formcheck.live import window_host

log = logging.getLogger(__name__)

#: The pipe to the window's process holds a whole 640x480 frame (Linux caps it at /proc/sys/fs/pipe-max-size).
PIPE_BYTES = 1 << 20
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


class DisplayLost(DisplayError):
    """The window went away mid-session: its display (the X server) is gone, or its process ended."""


class WindowDisplay:
    """An OpenCV window of the picture's size, in a process of its own (:mod:`formcheck.live.window_host`).

    OpenCV's Qt backend ends its whole process (``exit(1)``, no exception) when the X server goes away; with
    the window in a process of its own only the window ends, and :meth:`show` or :meth:`poll_key` then raise
    :class:`DisplayLost` so the session can be saved. Keys come back on a thread of their own.

    Raises:
        DisplayError: there is no display to open it on.
    """

    def __init__(self, title: str = "formcheck", *, start_timeout_s: float = 30.0) -> None:
        check_display()
        self.title = title
        self.lost: str | None = None  #: why the window went away mid-session, or None
        self._display = os.environ.get("DISPLAY", "")
        self._keys: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._answer = b""
        self._ready = threading.Event()
        package_root = str(Path(__file__).resolve().parents[2])  # the child imports this same formcheck
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (package_root, os.environ.get("PYTHONPATH")))))
        self._proc = subprocess.Popen([sys.executable, "-m", "formcheck.live.window_host", title],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._stdin: IO[bytes] = self._proc.stdin  # type: ignore[assignment]
        _widen_pipe(self._stdin.fileno())
        threading.Thread(target=self._read_keys, name="window-keys", daemon=True).start()
        if not self._ready.wait(start_timeout_s) or self._answer != window_host.READY:
            self.close()
            reason = self._answer.decode("utf-8", "replace").strip().removeprefix("error ")
            raise DisplayError(f"cannot open a window ({reason or 'the window process did not start'}): {_FIX}")

    def _read_keys(self) -> None:
        """The window process's first line, then its keys; ``None`` in the queue when it ends."""
        out: IO[bytes] = self._proc.stdout  # type: ignore[assignment]
        try:
            self._answer = out.readline()
            self._ready.set()
            while key := out.read(1):
                self._keys.put(key.decode("latin-1"))
        finally:
            self._ready.set()
            self._keys.put(None)

    def show(self, image_bgr: NDArray[np.uint8]) -> None:
        if self.lost is not None:
            raise DisplayLost(self.lost)
        image = np.ascontiguousarray(image_bgr)
        height, width = image.shape[:2]
        channels = image.shape[2] if image.ndim == 3 else 1
        try:
            self._stdin.write(window_host.HEADER.pack(window_host.SHOW, height, width, channels))
            self._stdin.write(image.data)
            self._stdin.flush()
        except (BrokenPipeError, ConnectionResetError, ValueError):  # ValueError: the pipe was closed
            raise DisplayLost(self._gone()) from None

    def poll_key(self) -> str | None:
        if self.lost is not None:
            raise DisplayLost(self.lost)
        try:
            key = self._keys.get_nowait()
        except queue.Empty:
            return None
        if key is None:  # the window's process ended
            raise DisplayLost(self._gone())
        return key

    def _gone(self) -> str:
        """Why the window's process ended (also kept in :attr:`lost`)."""
        try:
            code: int | None = self._proc.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        if self._display and not _x_server_reachable(self._display, timeout_s=0.5):
            self.lost = f"lost the display {self._display!r} (the X server went away)"
        else:
            self.lost = f"the window closed unexpectedly (its process ended with code {code})"
        log.debug("%s", self.lost)
        return self.lost

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stdin.write(window_host.HEADER.pack(window_host.STOP, 0, 0, 0))
            self._stdin.flush()
        with contextlib.suppress(OSError, ValueError):
            self._stdin.close()
        try:
            self._proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            log.debug("the window's process did not end: killing it")
            self._proc.kill()
            self._proc.wait()


def _widen_pipe(fd: int) -> None:
    """Lets the pipe hold a whole frame (Linux), so :meth:`WindowDisplay.show` need not wait for the window."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass
