"""``formcheck analyze``: a video file in, an annotated video, ``frames.csv`` and ``summary.json`` out.

The loop is short and visible: source -> pose -> measure (geometry, calibration) -> smooth -> overlay -> sinks.
Every stage is its own module; this one only wires them and keeps running statistics. The smoothing is
zero-phase (:class:`~formcheck.filtering.CentredSmoother`, a centred 5-frame average): each frame is written
two frames after it is read, so memory stays flat (three frames in hand, no per-frame list kept), and the
CSV, the counts and the annotated video all use the smoothed values.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck import NOT_MEDICAL_DEVICE, __version__, geometry
from formcheck.calibration import NeutralCalibration
from formcheck.coach import CoachState, SideCount, draw_coach, set_text, side_label, two_sided_gauge_deg
from formcheck.exercises import Exercise, ExerciseSession, Feedback, RepRecord
from formcheck.filtering import OFFLINE_HALF_WINDOW, CentredSmoother, Measured
from formcheck.interrupt import StopRequest
from formcheck.measure import Measurer
from formcheck.overlay import METRIC_LABELS, annotate
from formcheck.pose import PoseEstimator
from formcheck.progress import ProgressBar
from formcheck.sinks import CsvSink, VideoSink, prepare_output_dir, write_json
from formcheck.sources import VideoFileSource
from formcheck.types import Frame, Measurement, Pose

log = logging.getLogger(__name__)

VIDEO_NAME = "annotated.mp4"
FRAMES_NAME = "frames.csv"
SUMMARY_NAME = "summary.json"
REPS_NAME = "reps.csv"

def coach_state_for(feedback: Feedback, exercise: Exercise) -> CoachState:
    """What the coach draws on an analysed frame (not mirrored), from the exercise session's feedback."""
    counts = tuple(SideCount(side_label(c.side), c.full, c.target, active=c.side == feedback.side)
                   for c in feedback.counts)
    gauge = None
    if exercise.rep.mode == "sides" and exercise.target_is_rep_metric:
        gauge = two_sided_gauge_deg(exercise.rep.neutral, exercise.target.hi, mirror=False)
    return CoachState(
        title=exercise.title,
        set_text=set_text(feedback.set_index, exercise.prescription.sets, feedback.side),
        counts=counts,
        cue="" if feedback.view_hint else feedback.cue,
        cue_level=feedback.cue_level,
        metric_label=METRIC_LABELS.get(feedback.metric, feedback.metric),
        value_deg=feedback.value,
        band_deg=(feedback.target_lo, feedback.target_hi),
        gauge_range_deg=gauge,
        hold_s=feedback.hold_s,
        hold_target_s=feedback.hold_target_s,
        view_hint=feedback.view_hint,
    )


def frames_header() -> list[str]:
    """Columns of ``frames.csv``: time, detection, view, every metric, then each metric's visibility."""
    names = list(geometry.METRIC_NAMES)
    return ["frame_index", "time_s", "detected", "view", *names, *(f"{n}_visibility" for n in names)]


def frames_row(frame_index: int, m: Measurement) -> dict[str, object]:
    row: dict[str, object] = {
        "frame_index": frame_index,
        "time_s": m.timestamp_ms / 1000.0,
        "detected": m.detected,
        "view": m.view,
    }
    row.update(m.angles)
    row.update({f"{name}_visibility": v for name, v in m.visibility.items()})
    return row


@dataclass
class RunningStats:
    """Min, max and mean of a stream of values, ignoring NaN; ``update`` one value at a time."""

    count: int = 0
    total: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    def update(self, value: float) -> None:
        if math.isfinite(value):
            self.count += 1
            self.total += value
            self.minimum = min(self.minimum, value)
            self.maximum = max(self.maximum, value)

    def as_dict(self) -> dict[str, float | int | None]:
        if not self.count:
            return {"frames": 0, "min": None, "max": None, "mean": None}
        return {"frames": self.count, "min": self.minimum, "max": self.maximum, "mean": self.total / self.count}


@dataclass
class AnalysisStats:
    """What the summary needs, accumulated frame by frame.

    Each metric's min / max / mean counts only the frames whose camera view suits that metric (e.g. trunk
    extension only in side views); ``frames.csv`` still has every value, beside the view.
    """

    frames: int = 0
    frames_with_person: int = 0
    metrics: dict[str, RunningStats] = field(default_factory=lambda: {n: RunningStats() for n in geometry.METRIC_NAMES})
    views: dict[str, int] = field(default_factory=dict)

    def update(self, m: Measurement) -> None:
        self.frames += 1
        self.views[m.view] = self.views.get(m.view, 0) + 1
        if m.detected:
            self.frames_with_person += 1
        for name, value in m.angles.items():
            # A metric's statistics only count frames seen from a view in which it is valid.
            if m.view in geometry.METRICS_BY_NAME[name].views:
                self.metrics[name].update(value)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def output_names(*, write_video: bool, exercise: bool) -> list[str]:
    """The files an analysis writes."""
    return [FRAMES_NAME, SUMMARY_NAME] + ([REPS_NAME] if exercise else []) + ([VIDEO_NAME] if write_video else [])


def analyze_video(
    video_path: Path,
    out_dir: Path,
    *,
    model_path: Path | None = None,
    force: bool = False,
    progress: bool = True,
    calibrate_s: float | None = None,
    write_video: bool = True,
    exercise: Exercise | None = None,
) -> dict[str, Any]:
    """Analyses a video file and writes its outputs into ``out_dir``; returns the summary.

    With an ``exercise``, reps and holds are counted and the form feedback is drawn on the video; each rep
    goes to ``reps.csv`` and the summary gains the session's counts, best range per side and asymmetry.

    Ctrl-C stops the analysis after the frame in hand: the files written so far are closed complete and
    valid, hold the same frames, and the summary says ``"interrupted": true``.

    Raises:
        SourceError, ModelError, OutputError: bad input, with a message that says how to fix it.
    """
    outputs = output_names(write_video=write_video, exercise=exercise is not None)
    source = VideoFileSource(video_path)
    try:
        out = prepare_output_dir(out_dir, outputs, force=force)
        with PoseEstimator(model_path) as estimator:
            summary = _run(source, estimator, out, progress=progress, calibrate_s=calibrate_s,
                           write_video=write_video, exercise=exercise)
    finally:
        source.close()
    return summary


def _run(
    source: VideoFileSource,
    estimator: PoseEstimator,
    out: Path,
    *,
    progress: bool,
    calibrate_s: float | None,
    write_video: bool,
    exercise: Exercise | None,
) -> dict[str, Any]:
    info = source.info
    session = ExerciseSession(exercise) if exercise is not None else None
    stats = AnalysisStats()
    measurer = Measurer(calibrate_s=calibrate_s)
    bar = ProgressBar(info.frame_count, label=Path(info.name).name, enabled=progress)
    interrupted = False
    started_s = time.monotonic()
    with contextlib.ExitStack() as stack:
        frames_csv = stack.enter_context(CsvSink(out / FRAMES_NAME, frames_header()))
        video = stack.enter_context(VideoSink(out / VIDEO_NAME, info.resolution_wh, info.fps)) if write_video else None
        reps_csv = stack.enter_context(CsvSink(out / REPS_NAME, RepRecord.csv_header())) if session else None
        stop = stack.enter_context(StopRequest())
        stack.callback(bar.close)
        smoother: CentredSmoother[tuple[Frame, Pose]] = CentredSmoother(OFFLINE_HALF_WINDOW)

        def emit(item: Measured[tuple[Frame, Pose]]) -> None:
            """Writes one frame, ``half_window`` frames after it was read, with its smoothed measurement."""
            assert item.payload is not None
            frame, pose = item.payload
            m = item.measurement
            stats.update(m)
            frames_csv.write(frames_row(frame.index, m))
            feedback = session.update(m, calibrating=item.calibrating) if session is not None else None
            if feedback is not None and feedback.new_rep is not None and reps_csv is not None:
                reps_csv.write(feedback.new_rep.csv_row())
            if video is not None:
                image = annotate(frame.image_bgr, pose, m.angles, m.view, readouts=feedback is None)
                if feedback is not None and exercise is not None:
                    image = draw_coach(image, coach_state_for(feedback, exercise))
                video.write(image, frame.timestamp_ms)

        frames_read = 0
        try:
            for frame in source:
                pose = estimator.detect(frame)
                m = measurer.update(pose, frame.timestamp_ms)
                frames_read += 1
                released = smoother.update(Measured(m, measurer.calibrating, (frame, pose)))
                if released is not None:
                    emit(released)
                bar.update(frames_read)
                if stop.requested:  # Ctrl-C: stop between frames, so every output holds the same frames
                    interrupted = True
                    break
        except KeyboardInterrupt:  # a second Ctrl-C
            interrupted = True
        for item in smoother.flush():  # the last half_window frames, at the end of the file or on Ctrl-C
            emit(item)
        if session is not None and reps_csv is not None:
            for record in session.close():  # a rep still in progress when the video ended
                reps_csv.write(record.csv_row())
    elapsed_s = time.monotonic() - started_s
    if stats.frames_with_person == 0:
        log.warning("no person was detected in %s: check that the whole body is in the picture and well lit",
                    info.name)
    summary = _summary(source, estimator, stats, measurer.calibration, interrupted, elapsed_s,
                       output_names(write_video=write_video, exercise=session is not None))
    if session is not None and exercise is not None:
        summary["exercise"] = {"name": exercise.name, "title": exercise.title} | session.summary()
    write_json(out / SUMMARY_NAME, summary)
    return summary


def _summary(
    source: VideoFileSource,
    estimator: PoseEstimator,
    stats: AnalysisStats,
    calibration: NeutralCalibration | None,
    interrupted: bool,
    elapsed_s: float,
    outputs: list[str],
) -> dict[str, Any]:
    return {
        "formcheck_version": __version__,
        "note": NOT_MEDICAL_DEVICE,
        "source": source.info.as_dict() | {"truncated": source.truncated, "problem": source.problem or None},
        "model": {"path": str(estimator.model_path), "sha256": file_sha256(estimator.model_path)},
        "interrupted": interrupted,
        "frames": stats.frames,
        "frames_with_person": stats.frames_with_person,
        "detection_rate": stats.frames_with_person / stats.frames if stats.frames else 0.0,
        "person_detected": stats.frames_with_person > 0,
        "views": stats.views,
        "calibration": None if calibration is None else {
            "duration_s": calibration.duration_s,
            "neutral": calibration.neutral,
        },
        "metrics": {name: s.as_dict() for name, s in stats.metrics.items()},
        "processing": {
            "seconds": round(elapsed_s, 3),
            "fps": round(stats.frames / elapsed_s, 2) if elapsed_s > 0 else None,
        },
        "outputs": outputs,
    }
