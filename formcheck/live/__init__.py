"""``formcheck live``: coaching from a camera (or a video file played as one) in a window or headless.

* :mod:`.sources`: the camera (OpenCV ``VideoCapture``) and a file paced at its own frame rate;
* :mod:`.capture`: the capture thread, newest frame wins;
* :mod:`.flow`: the session's phases as a state machine;
* :mod:`.neutral`: the exercise's neutral, learnt only in the start posture, still and not already turned;
* :mod:`.feedback`: the exercise logic's results as the coach's drawing data and the session's files;
* :mod:`.display`: the window (in a process of its own, :mod:`.window_host`), or none;
* :mod:`.app`: the per-frame loop and ``formcheck live``'s wiring;
* :mod:`.session`: one exercise session on an open source, model and window (``live`` runs one, a routine
  one per exercise).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from formcheck.live.app import LiveOptions, run_live

__all__ = ["LiveOptions", "run_live"]


def __getattr__(name: str) -> Any:  # noqa: ANN401
    """``LiveOptions`` and ``run_live`` load the app (OpenCV, the model's wrapper) only when asked for, so the
    window's own process (:mod:`.window_host`) starts without them."""
    if name in __all__:
        from formcheck.live import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
