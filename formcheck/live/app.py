"""``formcheck live``: the app loop. Capture thread -> pose thread (pose, geometry) -> main thread
(calibration, exercise, coach, window, files).

The loop is a :class:`LiveLoop` with one :meth:`LiveLoop.step` per frame that the pose thread finished; the
main thread calibrates, counts, draws and displays (OpenCV windows must live on the main thread) while the
pose thread already works on the next frame. The neutral follows the exercise's rules
(:mod:`formcheck.live.neutral`): none for exercises measured in absolute angles, else learnt while the person
keeps still in the start posture. At the end
the session is saved like an analysis: ``frames.csv`` (analyze's columns plus the session's phase),
``reps.csv`` and ``summary.json``; ``--record FILE`` keeps the annotated video as it was shown.

Left and right: the picture is mirrored like a selfie only when it is drawn. Pose, metrics, cues and counts
all come from the unmirrored frame, so they are the person's own left and right.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.coach import SteadyBox, draw_card, draw_coach, person_box
from formcheck.confidence import frame_confidence
from formcheck.exercises.feedback import view_guidance
from formcheck.live.capture import LatestFrameGrabber, drawing_canvas
from formcheck.live.display import HeadlessDisplay, WindowDisplay, check_display
from formcheck.live.feedback import coach_state, side_complete
from formcheck.live.flow import Action, FlowInput, FlowStep, FlowTimings, Phase, SessionFlow
from formcheck.live.inference import PoseWorker, Processed
from formcheck.live.pain import PainCheck, record_pain
from formcheck.live.stats import DisplayStats
from formcheck.live.neutral import HeldRows, LiveNeutral, NeutralStatus
from formcheck.live.observe import SessionObserver, frame_view
from formcheck.live.record import check_record
from formcheck.measure import Measurer, raw_measurement
from formcheck.live.sources import CameraSource, PacedFileSource
from formcheck.overlay import draw_skeleton
from formcheck.pose import PoseEstimator
from formcheck.record import new_session_id
from formcheck.summary import FrameStats, count_lines, exercise_block, frames_header, frames_row, session_summary
from formcheck.sinks import CsvSink
from formcheck.sound.coach import SoundCoach
from formcheck.sound.engines import check_sound_log
from formcheck.types import Measurement, Pose

log = logging.getLogger(__name__)

KEYS_HELP = "q quit   space pause   c recalibrate   n next side   r reset"
#: Phases in which the neutral is learnt: while the person settles into position (in view), and calibrating.
LEARNING_PHASES = (Phase.POSITION, Phase.CALIBRATE)
Image = NDArray[np.uint8]


class Display(Protocol):
    def show(self, image_bgr: Image) -> None: ...

    def poll_key(self) -> str | None: ...

    def close(self) -> None: ...


class VideoOut(Protocol):
    def write(self, image_bgr: Image, timestamp_ms: int) -> None: ...


@dataclass(frozen=True)
class LiveOptions:
    """What ``formcheck live`` was asked to do.

    Attributes:
        exercise: the exercise's name in the catalogue.
        out_dir: where the session is saved.
        camera: camera index or device path (used when ``source`` is None).
        source: a video file played as a camera.
        headless: no window.
        record: keep the annotated video in this file.
        mirror: mirror the picture like a selfie (drawing only).
        model_path: another pose landmarker bundle.
        force: overwrite outputs already in ``out_dir``.
        calibrate_s: seconds of keeping still the neutral is learnt over; None: the exercise's
            ``setup.still_s`` (exercises measured in absolute angles learn none).
        timings: phase durations; None picks defaults (no instructions or summary card when headless).
        exercise_files: extra exercise TOML files.
        pain_before, pain_after: pain ratings (0-10) given on the command line.
        ask_pain: ask for the pain before and after in the window; None: when there is a window in front of a
            camera (not headless, no ``source``). A rating given is not asked again.
        sound: ``voice``, ``beeps`` or ``off`` (:mod:`formcheck.sound`).
        sound_log: write every utterance and beep to this file as JSON lines.
    """

    exercise: str
    out_dir: Path
    camera: int | str = 0
    source: Path | None = None
    headless: bool = False
    record: Path | None = None
    mirror: bool = True
    model_path: Path | None = None
    force: bool = False
    calibrate_s: float | None = None
    timings: FlowTimings | None = None
    exercise_files: tuple[Path, ...] = ()
    pain_before: int | None = None
    pain_after: int | None = None
    ask_pain: bool | None = None
    sound: str = "off"
    sound_log: Path | None = None

    def flow_timings(self) -> FlowTimings:
        if self.timings is not None:
            return self.timings
        if self.headless:  # nobody reads cards on a machine with no screen
            return FlowTimings(instructions_s=0.0, summary_s=0.0)
        return FlowTimings()


def mirror_pose(pose: Pose) -> Pose:
    """The pose as drawn on a horizontally mirrored picture: ``x -> width - x``. Landmark names (the
    person's left and right) are unchanged."""
    if not pose.detected:
        return pose
    w = pose.resolution_wh[0]
    xy = pose.xy_px.copy()
    xy[:, 0] = w - xy[:, 0]
    return dataclasses.replace(pose, xy_px=xy)


def live_frames_header() -> list[str]:
    """``frames.csv`` of a live session: analyze's columns, then the session's phase."""
    return frames_header("phase")


class LiveLoop:
    """One live session's state: ``step(processed, key)`` per frame, ``idle(key)`` when there is none.

    Args:
        exercise: the exercise (from the catalogue).
        session: the exercise logic (``update(measurement) -> feedback``, ``summary()``, rep records).
        display: window or headless.
        frames_csv: the open ``frames.csv`` sink.
        video: where ``--record``'s pictures go (encoded on their own thread), or None.
        mirror: mirror the drawn picture.
        calibrate_s: seconds the neutral is learnt over (None: the exercise's ``setup.still_s``).
        timings: phase durations.
        session_factory: makes a fresh exercise session (for ``r``).
        keys_help: the keys line on the cards.
        observer: told how the session stands after every turn (the sound coach), or None.
    """

    def __init__(self, exercise: Any, session_factory: Callable[[], Any], display: Display,  # noqa: ANN401
                 frames_csv: CsvSink, video: VideoOut | None, *, mirror: bool, calibrate_s: float | None = None,
                 timings: FlowTimings, clock: Callable[[], float] = time.monotonic, keys_help: str = KEYS_HELP,
                 observer: SessionObserver | None = None) -> None:
        self.exercise = exercise
        self.keys_help = keys_help
        self.observer = observer
        self._observed = (0.0, 0.0)  # the last frame's time (s) and the clock then, for turns without a frame
        self._session_factory = session_factory
        self.session = session_factory()
        self.display = display
        self.frames_csv = frames_csv
        self.video = video
        self.mirror = mirror
        self.clock = clock
        self.measurer = Measurer()
        self.neutral_check = LiveNeutral(exercise, self.measurer, learn_s=calibrate_s)
        self.rows = HeldRows(frames_csv.write)
        sides = tuple(exercise.sides) if exercise.prescription.per_side else ("",)
        self.flow = SessionFlow(sides, exercise.prescription.sets, timings)
        self.stats = FrameStats()
        self.session_id = new_session_id()
        self.started_at = datetime.now(timezone.utc)
        self.display_stats = DisplayStats()
        self.step_result: FlowStep | None = None
        self.feedback: Any = None
        self.last_image: Image | None = None
        self.last_timestamp_ms = 0
        self.resets = 0
        self.recalibrations = 0
        self.done = False
        #: How the session ended: ``"quit"`` (q or the window closed), ``"finished"`` (every set done, summary
        #: shown), ``"source_ended"`` (the file gave its last frame), ``"display_lost"`` (the window's X server
        #: went away: :attr:`display_lost` says so); the summary adds ``"source_lost"`` (a camera unplugged, a
        #: file cut short) and ``"interrupted"`` (Ctrl-C).
        self.ended_by = ""
        self.display_lost: str | None = None
        self._source_ended = False
        self._person_box = SteadyBox()  # the coach's panels go where the person is not

    # ----------------------------------------------------------------------------------------- per frame
    def step(self, processed: Processed, key: str | None) -> None:
        """Calibrates, counts, draws and shows one frame whose pose was found (on the pose thread)."""
        started_s = self.clock()
        captured, pose = processed.captured, processed.pose
        frame = captured.frame
        raw = raw_measurement(pose, frame.timestamp_ms)
        hint, _ = view_guidance(self.exercise, raw)
        done_side = side_complete(self.feedback, self.exercise, self.flow)
        before = self.flow.phase
        step = self.flow.update(FlowInput(now_s=self.clock(), key=key, view_ok=not hint,
                                          calibrated=self.calibrated, side_complete=done_side))
        self._act(step, key, before)
        status, m = self._measure(raw, pose, step.phase)
        if step.phase == Phase.ACTIVE and not step.paused:
            self.feedback = self.session.update(m, confidence=frame_confidence(m, pose, self.exercise))
        self.stats.update(m)
        shown_hint = status.message if step.phase in LEARNING_PHASES and not hint else hint
        try:
            canvas = captured.canvas(drawing_canvas(self.mirror))  # prepared while the model ran, as a rule
            self._show(self._draw(canvas, pose, m, step, shown_hint), frame.timestamp_ms)
        finally:  # the picture is out (the row need not delay it), or the display was lost: the frame is counted
            shown_s = self.clock()  # in the summary, so its row is kept either way
            row = frames_row(frame.index, m)
            row["phase"] = " ".join(filter(None, (step.phase.value, "paused" if step.paused else "", status.reason)))
            learning = step.phase in LEARNING_PHASES and not self.calibrated
            self.rows.add(m.timestamp_ms, row, hold_s=self.neutral_check.learn_s if learning else 0.0,
                          learnt=self.neutral_check.learnt_angles if status.learnt_now else None)
        self._observe(step, hint, frame.timestamp_ms / 1000.0, new_frame=True)
        self.display_stats.update(shown_s, captured.captured_s, taken_s=processed.taken_s,
                                  posed_s=processed.posed_s, started_s=started_s)
        self.last_timestamp_ms = frame.timestamp_ms
        self.step_result = step
        self.done = step.phase == Phase.DONE

    def idle(self, key: str | None, *, source_ended: bool) -> None:
        """A turn of the loop with no new frame: the summary card after the source ended, and the keys."""
        self._source_ended = self._source_ended or source_ended
        before = self.flow.phase
        step = self.flow.update(FlowInput(now_s=self.clock(), key=key, calibrated=self.calibrated,
                                          source_ended=source_ended))
        self._act(step, key, before)
        self.step_result = step
        self._observe(step, "", self._observed[0] + self.clock() - self._observed[1], new_frame=False)
        if step.phase == Phase.SUMMARY and self.last_image is not None:
            self.display.show(self._card(self.last_image, step))
        self.done = step.phase == Phase.DONE

    @property
    def calibrated(self) -> bool:
        """The angles are in the exercise's basis: relative to the person's neutral once learnt, or absolute for
        an exercise measured in absolute angles (always)."""
        return self.neutral_check.ready

    @property
    def neutral(self) -> dict[str, float] | None:
        cal = self.measurer.calibration
        return cal.neutral if cal is not None else None

    def _measure(self, raw: Measurement, pose: Pose, phase: Phase) -> tuple[NeutralStatus, Measurement]:
        """The neutral check's status and the frame's measurement in the exercise's basis
        (:class:`formcheck.live.neutral.LiveNeutral`).

        While the person gets into position and in the calibration phase (:data:`LEARNING_PHASES`) the raw
        measurement is checked and, once the person has kept still in the start posture long enough, the
        neutral is learnt from it. Before the neutral is known the raw measurement is shown, the squeeze blank
        (it has no body up yet; the person is still getting into position); an exercise measured in absolute
        angles is always raw, as analyze reports it.
        """
        check = self.neutral_check
        status = check.update(raw, pose) if phase in LEARNING_PHASES else NeutralStatus(check.ready)
        return status, check.measure(raw, pose)

    def _observe(self, step: FlowStep, hint: str, t_s: float, *, new_frame: bool) -> None:
        if self.observer is not None:
            if new_frame:
                self._observed = (t_s, self.clock())
            self.observer.update(frame_view(step, self.flow, self.feedback, hint, t_s, new_frame=new_frame))

    def _act(self, step: FlowStep, key: str | None = None, before: Phase | None = None) -> None:
        if step.action == Action.QUIT and not self.ended_by:
            self.ended_by = "quit" if key == "q" else ("source_ended" if self._source_ended else "finished")
        if step.action == Action.CALIBRATE and before != Phase.POSITION:
            # ``c``, or the view lost while calibrating; from position on, what was seen while settling counts
            self.neutral_check.reset()
            self.recalibrations += 1
        elif step.action == Action.RESET:
            self.session = self._session_factory()
            self.feedback = None
            self.resets += 1
        elif step.action == Action.NEXT_SIDE:
            log.debug("next side: %s", self.flow.sides[step.side_index])

    # ----------------------------------------------------------------------------------------- drawing
    def _draw(self, picture: Image, pose: Pose, m: Measurement, step: FlowStep, hint: str) -> Image:
        """Draws on ``picture``, the frame's own canvas (:func:`drawing_canvas`: mirrored when ``mirror``)."""
        shown = mirror_pose(pose) if self.mirror else pose
        draw_skeleton(picture, shown)
        self.last_image = picture
        box = self._person_box.update(person_box(shown.xy_px, shown.resolution_wh), m.timestamp_ms)
        if step.phase in (Phase.INSTRUCTIONS, Phase.COUNTDOWN, Phase.SWITCH, Phase.SUMMARY):
            return self._card(picture, step)
        state = coach_state(self.feedback, self.exercise, m, step, hint=hint, fps=self.display_stats.fps_ema,
                            mirror=self.mirror)
        return draw_coach(picture, dataclasses.replace(state, person_box_xyxy=box))

    def _card(self, picture: Image, step: FlowStep) -> Image:
        ex = self.exercise
        left = math.ceil(step.seconds_left) if step.seconds_left > 0 else 0
        if step.phase == Phase.INSTRUCTIONS:
            return draw_card(picture, ex.title, [*ex.instructions, "", *ex.safety, "", NOT_MEDICAL_DEVICE],
                             footer="space: start now   " + self.keys_help)
        if step.phase == Phase.COUNTDOWN:
            side = self.flow.sides[step.side_index]
            ready = "Neutral set." if self.exercise.setup.calibrate_neutral else "In position."
            lines = [f"{ready} Start with your {side} side." if side else f"{ready} Get ready.",
                     "Move only as far as is comfortable; stop if it hurts."]
            return draw_card(picture, "Get ready", lines, big_text=str(max(1, left)), footer=self.keys_help)
        if step.phase == Phase.SWITCH:
            side = self.flow.sides[step.side_index]
            title = f"Switch sides: now your {side} side" if side else "Next set"
            lines = [f"Set {step.set_index + 1} of {self.flow.sets}", "Rest and breathe; come back to the middle."]
            return draw_card(picture, title, lines, big_text=str(max(1, left)), footer="space: go now   " + self.keys_help)
        return draw_card(picture, f"{ex.title}: session summary", self.summary_lines(),
                         footer="q or space: close")

    def summary_lines(self) -> list[str]:
        """The summary card's lines: reps and holds, best range per side, asymmetry (from the session)."""
        return [*count_lines(self._session_summary()), "", "The session is saved (frames.csv, reps.csv, summary.json).",
                "formcheck is not a medical device: stop if an exercise hurts, and ask a professional about pain."]

    def _show(self, image: Image, timestamp_ms: int) -> None:
        self.display.show(image)
        if self.video is not None:
            self.video.write(image, timestamp_ms)

    def _session_summary(self) -> dict[str, Any]:
        summary = getattr(self.session, "summary", None)
        return dict(summary()) if callable(summary) else {}

    # ----------------------------------------------------------------------------------------- results
    def summary(self, *, source: Any, grabber: LatestFrameGrabber, worker: PoseWorker, model_path: Path,  # noqa: ANN401
                interrupted: bool,
                elapsed_s: float, outputs: list[str]) -> dict[str, Any]:
        ended_by = "interrupted" if interrupted else (
            "source_lost" if getattr(source, "lost", False) else (self.ended_by or "quit"))
        summary = session_summary(
            mode="live", session_id=self.session_id, started_at=self.started_at,
            source=source.info.as_dict() | {"lost": bool(getattr(source, "lost", False)),
                                            "problem": getattr(source, "problem", "") or None},
            model_path=model_path, stats=self.stats, interrupted=interrupted,
            neutral=self.neutral_check.as_dict() | {"recalibrations": self.recalibrations},
            exercise=exercise_block(self.exercise, self._session_summary()), outputs=outputs)
        return summary | {
            "ended_by": ended_by,
            "display": {"lost": self.display_lost is not None, "problem": self.display_lost},
            "completed": all(c.full >= c.target for c in self.session.counts()),
            "live": {
                "resets": self.resets,
                "frames_captured": grabber.captured,
                "frames_processed": worker.processed,
                "frames_dropped": grabber.dropped + worker.dropped,
                "frames_converted": grabber.converted,
                "inference_fps": round(worker.processed / worker.inference_s, 2) if worker.inference_s > 0 else None,
                "seconds": round(elapsed_s, 3),
                "mirror": self.mirror,
                **self.display_stats.as_dict(),
            },
        }


def open_source(options: LiveOptions) -> CameraSource | PacedFileSource:
    """The camera, or the file played as one (SourceError with the fix when it cannot be opened)."""
    if options.source is not None:
        return PacedFileSource(options.source)
    return CameraSource(options.camera)


def run_live(options: LiveOptions, *, display: Display | None = None,
             session_factory: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Runs a live session to its end and saves it in ``options.out_dir``; returns the summary.

    The session ends when the person quits (``q`` or closing the window), after the summary card, when the
    source ends (a file) or is lost (a camera unplugged: ``summary["source"]["lost"]``), or on Ctrl-C
    (``summary["interrupted"]``). Whatever ends it, what was recorded so far is saved.

    Raises:
        ConfigError, SourceError, DisplayError, ModelError, OutputError: with a message that says the fix.
    """
    from formcheck.exercises import get_exercise, load_catalogue
    from formcheck.live.session import prepare_session, run_session

    exercise = get_exercise(load_catalogue(options.exercise_files), options.exercise)
    if options.record is not None:
        check_record(options.record, force=options.force, source=options.source)
    if options.sound_log is not None:
        check_sound_log(options.sound_log, force=options.force, source=options.source)
    if display is None and not options.headless:
        check_display()  # before the camera and the model: a missing display is the quickest thing to report
    source = open_source(options)
    try:
        prepare_session(options)
        with PoseEstimator(options.model_path) as estimator:
            if display is None:
                display = HeadlessDisplay() if options.headless else WindowDisplay(f"formcheck - {exercise.title}")
            try:
                pain = PainCheck.for_options(options, exercise.title)
                pain.before(display, source.info.resolution_wh)
                with SoundCoach(options.sound, options.sound_log) as sound:
                    summary = run_session(options, exercise, source, estimator, display,
                                          session_factory=session_factory, observer=sound)
                return record_pain(pain, summary, display, source.info.resolution_wh, Path(options.out_dir).expanduser())
            finally:
                display.close()
    finally:
        source.close()  # after the capture thread has stopped (the grabber's context joins it)
