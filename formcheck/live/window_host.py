"""The live window's own process: an OpenCV window fed with pictures over a pipe, keys sent back.

``python -m formcheck.live.window_host TITLE`` is started by :class:`formcheck.live.display.WindowDisplay`.
OpenCV's Qt backend ends the whole process with ``exit(1)`` when it loses the X server (``The X11 connection
broke``), from inside ``cv2.waitKey``, with no exception to catch; in this process that ends only the window,
and the live session sees the pipe close, saves what it has and says the display was lost.

The protocol, on standard input and output:

* out, once: ``ready\\n`` when the window is open, or ``error MESSAGE\\n`` and the process ends;
* in: frames as a :data:`HEADER` (``b"SHOW"``, height, width, channels) followed by the BGR bytes;
  ``b"STOP"`` (or the pipe closing) closes the window and ends the process;
* out: one byte per key pressed (lower case; Esc and closing the window send ``q``).

Ctrl-C, SIGTERM and SIGHUP are ignored here: they are the session's to handle, and the session closes the
window. Nothing here outlives the session: the end of standard input ends this process.
"""

from __future__ import annotations

import contextlib
import signal
import struct
import sys
import threading
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from formcheck.live.handoff import NewestWins

#: A frame's header: a 4-byte command, then height, width and channels (little-endian unsigned 32-bit).
HEADER = struct.Struct("<4sIII")
SHOW = b"SHOW"
STOP = b"STOP"
READY = b"ready\n"
#: How often the window's events are pumped while no frame comes (seconds).
PUMP_S = 0.01


def key_byte(code: int) -> bytes | None:
    """``cv2.waitKey``'s code as the byte sent to the session (None: no key)."""
    if code < 0:
        return None
    code &= 0xFF
    if code == 27:  # Esc
        return b"q"
    return chr(code).lower().encode("latin-1", errors="replace")[:1]


def read_frames(stdin: BinaryIO, frames: NewestWins[NDArray[np.uint8]]) -> None:
    """Puts each frame that comes on ``stdin`` in ``frames`` (the newest wins) until STOP or the end."""
    try:
        while len(header := stdin.read(HEADER.size)) == HEADER.size:
            command, height, width, channels = HEADER.unpack(header)
            size = height * width * channels
            if command != SHOW or len(data := stdin.read(size)) != size:
                break
            frames.put(np.frombuffer(data, np.uint8).reshape(height, width, channels))
    finally:
        frames.end()


def serve(title: str, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Opens the window and shows the frames that come on ``stdin`` until STOP or the end of the pipe."""
    import cv2

    try:
        cv2.namedWindow(title, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)  # no toolbar
    except cv2.error as exc:
        stdout.write(b"error " + str(exc).strip().splitlines()[-1].encode("utf-8", "replace") + b"\n")
        stdout.flush()
        return 1
    stdout.write(READY)
    stdout.flush()
    frames: NewestWins[NDArray[np.uint8]] = NewestWins()
    threading.Thread(target=read_frames, args=(stdin, frames), name="window-frames", daemon=True).start()
    shown = closed = False
    try:
        while not frames.exhausted:
            image = frames.get(timeout_s=PUMP_S)
            if image is not None and not closed:  # showing again would open the closed window again
                cv2.imshow(title, image)
                shown = True
            key = key_byte(cv2.waitKey(1))
            if shown and not closed and cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) < 1:
                closed, key = True, b"q"  # the window was closed
            if key:
                stdout.write(key)
                stdout.flush()
    except BrokenPipeError:  # the session is gone
        pass
    finally:
        with contextlib.suppress(cv2.error):
            cv2.destroyWindow(title)
            cv2.waitKey(1)
    return 0


def main() -> int:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    return serve(sys.argv[1] if len(sys.argv) > 1 else "formcheck", sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    raise SystemExit(main())
