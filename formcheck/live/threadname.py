"""Names the live coach's threads for the operating system, so ``top -H``, py-spy and ``/proc/PID/task/*/comm``
(which ``benchmarks/live_benchmark.py`` reads to give each thread's CPU time) tell them apart.

Python before 3.14 names a thread only for Python; the kernel sees every thread as the program's name. On
Linux :func:`name_os_thread` sets the kernel's name (at most 15 bytes) with ``prctl(PR_SET_NAME)``;
elsewhere it does nothing. Threads started from a named thread inherit its name (FFmpeg's decoder threads
name themselves ``av:...``; MediaPipe's, ``drishti``).
"""

from __future__ import annotations

import ctypes
import sys

PR_SET_NAME = 15
#: The kernel keeps at most this many bytes of a thread's name.
MAX_NAME_BYTES = 15


def name_os_thread(name: str) -> None:
    """Gives the calling thread ``name`` (cut to 15 bytes) in the kernel's thread list; Linux only."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:MAX_NAME_BYTES]), 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the name is only a convenience
        pass
