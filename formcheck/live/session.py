"""One exercise session on an open source, model and display: the main thread's loop around
:class:`~formcheck.live.app.LiveLoop`, and the session's files.

``formcheck live`` (:func:`formcheck.live.app.run_live`) runs one; a routine (:mod:`formcheck.routines`)
runs one per exercise on the same window. The caller opens and closes the source, the model and the display;
:func:`run_session` starts the capture and pose threads, drives the loop until the session ends, and writes
``frames.csv``, ``reps.csv`` and ``summary.json`` into the session's folder.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from formcheck.interrupt import StopRequest
from formcheck.live.app import KEYS_HELP, Display, LiveLoop, LiveOptions, live_frames_header
from formcheck.live.capture import LatestFrameGrabber, drawing_canvas
from formcheck.live.display import DisplayLost
from formcheck.live.feedback import rep_rows
from formcheck.live.inference import PoseWorker
from formcheck.live.observe import SessionObserver
from formcheck.live.record import prepare_record
from formcheck.pipeline import GIL_SWITCH_INTERVAL_S, Drain, switch_interval
from formcheck.pose import PoseEstimator
from formcheck.record import FRAMES_NAME, REPS_NAME, SUMMARY_NAME
from formcheck.sinks import CsvSink, VideoSink, prepare_output_dir, write_json

log = logging.getLogger(__name__)

#: The files of one session, in its output folder.
SESSION_OUTPUTS = (FRAMES_NAME, REPS_NAME, SUMMARY_NAME)
#: Pictures of ``--record`` waiting for the encoder; when it falls this far behind, the main thread waits.
RECORD_DEPTH = 4


def prepare_session(options: LiveOptions) -> Path:
    """Checks that the session's files may be written (``options.out_dir``, ``--record``) before anything
    starts; returns the output folder.

    Raises:
        OutputError: the folder cannot be written or already holds a session (without ``force``).
    """
    out = prepare_output_dir(options.out_dir, SESSION_OUTPUTS, force=options.force)
    if options.record is not None:
        prepare_record(options.record)
    return out


def run_session(options: LiveOptions, exercise: Any, source: Any, estimator: PoseEstimator,  # noqa: ANN401
                display: Display, *, session_factory: Callable[[], Any] | None = None,
                keys_help: str = KEYS_HELP, end_keys: Mapping[str, str] | None = None,
                observer: SessionObserver | None = None) -> dict[str, Any]:
    """One exercise session on an open source, model and display (which the caller owns and closes), saved in
    ``options.out_dir`` (see :func:`prepare_session`); returns the summary.

    This is what ``formcheck live`` runs once and a routine (:mod:`formcheck.routines`) once per exercise.

    Args:
        exercise: the exercise (its prescription may differ from the catalogue's).
        keys_help: the keys line on the cards.
        end_keys: keys that end the session at once, with the reason recorded as ``ended_by``
            (a routine's ``{"n": "skipped"}``).
        observer: told how the session stands after every turn of the loop (the sound coach,
            :class:`formcheck.sound.SoundCoach`; the caller opens and closes it).
    """
    factory = session_factory or _default_session_factory(exercise)
    return _run(options, exercise, factory, source, estimator, display, Path(options.out_dir).expanduser(),
                list(SESSION_OUTPUTS), keys_help=keys_help, end_keys=dict(end_keys or {}), observer=observer)


def _run(options: LiveOptions, exercise: Any, factory: Callable[[], Any], source: Any, estimator: PoseEstimator,  # noqa: ANN401
         display: Display, out: Path, outputs: list[str], *, keys_help: str, end_keys: dict[str, str],
         observer: SessionObserver | None = None) -> dict[str, Any]:
    interrupted = False
    started_s = time.monotonic()
    grabber = LatestFrameGrabber(source, canvas=drawing_canvas(options.mirror))  # the loop's, prepared ahead
    worker = PoseWorker(grabber, estimator)
    # The switch interval: the main thread's Python (measuring, counting, the coach) and the pose thread's
    # (MediaPipe's result conversion) share the GIL; see formcheck.pipeline.
    with CsvSink(out / FRAMES_NAME, live_frames_header()) as frames_csv, \
            switch_interval(GIL_SWITCH_INTERVAL_S), _recording(options.record, source.info) as video:
        loop = LiveLoop(exercise, factory, display, frames_csv, video, mirror=options.mirror,
                        calibrate_s=options.calibrate_s, timings=options.flow_timings(), keys_help=keys_help,
                        observer=observer)
        try:
            with grabber, worker, StopRequest() as stop:
                interrupted = _drive(loop, worker, stop, end_keys)
        except KeyboardInterrupt:  # a second Ctrl-C
            interrupted = True
        finally:
            loop.rows.release()  # the rows still held back while the neutral was being learnt
    if getattr(source, "lost", False):
        log.debug("%s; the session so far is saved in %s", source.problem, out)
    loop.session.close()  # a rep still going on when the session ended is recorded too
    _write_reps(out / REPS_NAME, loop.session)
    record = [str(p) for p in (options.record, options.sound_log) if p is not None]
    summary = loop.summary(source=source, grabber=grabber, worker=worker, model_path=estimator.model_path,
                           interrupted=interrupted, elapsed_s=time.monotonic() - started_s, outputs=outputs + record)
    write_json(out / SUMMARY_NAME, summary)
    return summary


class _DrainedVideo:
    """``write(image_bgr, timestamp_ms)`` hands the picture to the ``--record`` encoder's thread (a
    :class:`formcheck.pipeline.Drain`), so H.264 encoding runs beside the main thread instead of on it. The
    pictures handed over are the coach's drawn copies, which nothing changes afterwards."""

    def __init__(self, drain: Drain[tuple[Any, int]]) -> None:
        self._drain = drain

    def write(self, image_bgr: Any, timestamp_ms: int) -> None:  # noqa: ANN401 (an image)
        self._drain.put((image_bgr, timestamp_ms))


@contextlib.contextmanager
def _recording(record: Path | None, info: Any) -> Iterator[_DrainedVideo | None]:  # noqa: ANN401 (SourceInfo)
    """The ``--record`` video, encoded on its own thread; None without ``--record``. On leaving, the encoder
    finishes what was handed over (or drops it after an error) and the file is closed either way."""
    if record is None:
        yield None
        return
    with VideoSink(record, info.resolution_wh, info.fps) as video, \
            Drain(lambda item: video.write(*item), depth=RECORD_DEPTH, name="formcheck-record") as drain:
        yield _DrainedVideo(drain)


def _drive(loop: LiveLoop, worker: PoseWorker, stop: StopRequest, end_keys: Mapping[str, str]) -> bool:
    """The main thread's loop: take the newest processed frame, draw and show it, read a key; until done.

    Returns True when Ctrl-C stopped it (between frames, so every output holds the same frames). A window
    whose display went away ends it too (:attr:`LiveLoop.display_lost`), and so does a key of ``end_keys``
    (its reason becomes :attr:`LiveLoop.ended_by`).
    """
    key: str | None = None
    while not loop.done:
        processed = None if worker.exhausted else worker.get(timeout_s=0.5)
        try:
            if processed is not None:
                loop.step(processed, key)
            else:
                loop.idle(key, source_ended=worker.exhausted)
                if not loop.done:
                    time.sleep(0.03)
            if stop.requested:
                return True
            key = loop.display.poll_key()
        except DisplayLost as exc:
            loop.display_lost, loop.ended_by, loop.done = str(exc), "display_lost", True
            break
        if key in end_keys:
            loop.ended_by, loop.done = end_keys[key], True
        elif key == "q":  # quit now, without one more frame
            loop.idle(key, source_ended=False)
    return False


def _write_reps(path: Path, session: Any) -> None:  # noqa: ANN401
    header, rows = rep_rows(session)
    with CsvSink(path, header) as sink:
        for row in rows:
            sink.write(row)


def _default_session_factory(exercise: Any) -> Callable[[], Any]:  # noqa: ANN401
    from formcheck.exercises import ExerciseSession  # the exercise logic's façade

    return lambda: ExerciseSession(exercise)
