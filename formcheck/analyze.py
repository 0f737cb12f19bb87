"""``formcheck analyze``: a video file in, an annotated video, ``frames.csv`` and ``summary.json`` out.

A recorded video is known whole, so it is analysed in three passes (:mod:`formcheck.passes`):

1. landmarks: the model over every frame (the expensive pass; landmarks only, about 1 KB a frame);
2. measuring and counting with the whole recording in view
   (:func:`~formcheck.passes.measure_and_count`): the person's neutral comes from where they rest, every
   frame is in that one basis, metrics are smoothed zero-phase, and the exercise session counts;
3. writing: ``frames.csv``, ``reps.csv`` and the annotated video, drawn from the final results (the file is
   decoded a second time at the video's size, a few frames in flight between decoding, drawing and encoding).

The files go through an :class:`~formcheck.output_folder.OutputFolder`: one run at a time in a folder, each
file written as ``NAME.partial`` and put in place with the others once the set is finished, so a folder holds
one run's finished set (or, after a kill, clearly partial files that the next run removes).

This module only wires the passes to the sinks and keeps the statistics of the summary.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
import types
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.coach import (CoachState, SideCount, SteadyBox, draw_coach, person_box, set_text, side_label,
                             two_sided_gauge_deg)
from formcheck.exercises import Exercise, Feedback, RepRecord
from formcheck.interrupt import STOP_SIGNALS, StopRequest
from formcheck.output_folder import OutputFolder
from formcheck.overlay import METRIC_LABELS, annotate, scaled_pose
from formcheck.passes import Counted, Neutral, chunked_landmark_pass, landmark_chunks, measure_and_count
from formcheck.pipeline import Drain, Prefetch
from formcheck.pose import PoseEstimator
from formcheck.progress import ProgressBar
from formcheck.record import FRAMES_NAME, RECORD_NAME, REPS_NAME, SUMMARY_NAME, analysis_key, file_sha256, session_id_of
from formcheck.series import PoseSeries
from formcheck.sinks import VIDEO_LONG_SIDE_PX, CsvSink, VideoSink, video_size_wh, write_json
from formcheck.summary import FrameStats, exercise_block, frames_header, frames_row, session_summary
from formcheck.sources import VideoFileSource
from formcheck.types import Frame, Measurement

log = logging.getLogger(__name__)

VIDEO_NAME = "annotated.mp4"
#: Every file in an analysis folder: an earlier run's are refused without --force, and replaced or removed
#: with it (a folder describes one run). ``record.json`` is written after the run by the command line
#: (:mod:`formcheck.record`, with --exercise): an earlier run's is removed with the rest, never left beside
#: new results.
ALL_OUTPUT_NAMES = (FRAMES_NAME, REPS_NAME, VIDEO_NAME, SUMMARY_NAME, RECORD_NAME)

def coach_state_for(feedback: Feedback, exercise: Exercise, *,
                    person_box_xyxy: tuple[int, int, int, int] | None = None) -> CoachState:
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
        person_box_xyxy=person_box_xyxy,
    )


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
    video_long_side_px: int | None = VIDEO_LONG_SIDE_PX,
    chunks: int | None = None,
) -> dict[str, Any]:
    """Analyses a video file and writes its outputs into ``out_dir``; returns the summary.

    ``chunks``: the landmark pass runs in this many stretches of the video at once
    (:func:`~formcheck.passes.chunked_landmark_pass`); None: :func:`~formcheck.passes.landmark_chunks` of the
    video and this machine's CPUs (a batch running several videos at once passes 1).

    The annotated video is at most ``video_long_side_px`` pixels on its long side (default 1280; None keeps
    the source's size); ``frames.csv`` is in the source's pixels either way.

    With an ``exercise``, reps and holds are counted and the form feedback is drawn on the video; each rep
    goes to ``reps.csv`` and the summary gains the session's counts, best range per side and asymmetry.

    Ctrl-C, SIGTERM or SIGHUP stops the analysis after the frame in hand: the frames analysed so far are
    written, every file complete and valid and holding the same frames, and the summary says
    ``"interrupted": true`` and ``"interrupted_by"`` which signal. Each file is written under a temporary name
    (``NAME.partial``) and the set is put in place together once finished, replacing an earlier run's set
    with ``force`` (see :class:`~formcheck.output_folder.OutputFolder`); a second run into the same folder
    is refused while this one runs.

    Raises:
        SourceError, ModelError, OutputError: bad input, with a message that says how to fix it. A folder
        this run created is removed again when the run fails before writing its results.
    """
    outputs = output_names(write_video=write_video, exercise=exercise is not None)
    source = VideoFileSource(video_path)
    try:
        folder = OutputFolder(out_dir, outputs, known_names=ALL_OUTPUT_NAMES, force=force,
                              inputs={"video": Path(video_path), "model": model_path}, marker=SUMMARY_NAME,
                              description=f"analyze {Path(video_path).name}")
        with folder, PoseEstimator(model_path) as estimator:
            summary = _run(source, estimator, folder, progress=progress, calibrate_s=calibrate_s,
                           write_video=write_video, exercise=exercise, video_long_side_px=video_long_side_px,
                           chunks=landmark_chunks(source.info, usable_cpus()) if chunks is None else chunks)
    finally:
        source.close()
    return summary


def _run(
    source: VideoFileSource,
    estimator: PoseEstimator,
    folder: OutputFolder,
    *,
    progress: bool,
    calibrate_s: float | None,
    write_video: bool,
    exercise: Exercise | None,
    video_long_side_px: int | None = VIDEO_LONG_SIDE_PX,
    chunks: int = 1,
) -> dict[str, Any]:
    info = source.info
    started_s = time.monotonic()
    with StopRequest(STOP_SIGNALS) as stop:
        # Pass 1: landmarks of every frame. A stop signal ends it; the frames read so far are analysed and
        # written.
        bar = ProgressBar(info.frame_count, label=f"{Path(info.name).name}: landmarks", enabled=progress)
        interrupted = False

        measured: list[Measurement] = []  # each frame's raw measurement, made beside the model

        def on_frame(n: int) -> bool:
            bar.update(n)
            return stop.requested

        try:
            series = chunked_landmark_pass(source, estimator, chunks, on_frame=on_frame, measured=measured)
        except KeyboardInterrupt:  # a second Ctrl-C: stop at once, write nothing half-done
            bar.close()
            raise
        bar.close()
        # The decoder's pictures (a few full-size frames per decoding thread: over 100 MiB at 4K) are not
        # needed any more: the video pass decodes the file again on its own.
        source.close()
        release_freed_memory()
        interrupted = stop.requested
        stop.reset()  # honoured: the frames read are written in full unless another signal stops that too
        calibration = None
        if calibrate_s is not None:
            calibration, calibrate_s = check_calibration(series, calibrate_s, partial=interrupted)
        # Pass 2: measuring and counting with the whole recording in view. The video pass's decoder starts
        # first: it decodes its first pictures on the other core while this one counts.
        landmarks_s = time.monotonic() - started_s
        with contextlib.ExitStack() as decoding:
            pictures = None
            if write_video:
                pictures = decoding.enter_context(
                    _video_pictures(source.path, video_size_wh(info.resolution_wh, video_long_side_px)))
            counted = measure_and_count(series, exercise, calibrate_s=calibrate_s, raw=measured)
            counted_s = time.monotonic() - started_s
            # Pass 3: the outputs, frame by frame, all holding the same frames.
            stats, written = _write(source, series, counted, exercise, folder, write_video=write_video,
                                    progress=progress, stop=stop, video_long_side_px=video_long_side_px,
                                    pictures=pictures)
        interrupted = interrupted or written < len(series)
        elapsed_s = time.monotonic() - started_s
        passes_s = {"landmarks": landmarks_s, "counting": counted_s - landmarks_s, "writing": elapsed_s - counted_s}
        if stats.frames_with_person == 0:
            log.warning("no person was detected in %s: check that the whole body is in the picture and well lit",
                        info.name)
        ex = exercise_block(exercise, counted.session.summary()) if counted.session is not None and exercise else None
        summary = _summary(source, estimator, stats, counted.neutral, series, interrupted, elapsed_s, passes_s,
                           output_names(write_video=write_video, exercise=exercise is not None), exercise=ex,
                           chunks=chunks)
        summary["interrupted_by"] = signal.Signals(stop.signum or signal.SIGINT).name if interrupted else None
        summary["calibration"] = calibration
        write_json(folder.partial(SUMMARY_NAME), summary, shown_as=folder.final(SUMMARY_NAME))
        folder.commit()  # the whole set in place at once (a signal now waits until it is)
    return summary


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def release_freed_memory() -> None:
    """Hands memory freed by the C libraries (FFmpeg's pictures) back to the system (glibc's ``malloc_trim``;
    elsewhere nothing): the video pass's decoder then does not stack its pictures on top of the landmark
    pass's freed ones."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def person_span_s(series: PoseSeries) -> float | None:
    """Seconds from the first frame with a person to the end of the series (its last frame's time plus one
    frame); None when no frame has a person."""
    xy = series.arrays()["xy_px"]
    detected = np.isfinite(xy).all(axis=(1, 2)) if len(series) else np.zeros(0, bool)
    if not detected.any():
        return None
    t = np.asarray(series.timestamps_ms, dtype=float)
    step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
    return (t[-1] - t[int(np.argmax(detected))] + step) / 1000.0


def check_calibration(series: PoseSeries, calibrate_s: float, *, partial: bool = False
                      ) -> tuple[dict[str, Any], float | None]:
    """``--calibrate S`` against the recording: the summary's ``calibration`` and the ``calibrate_s`` to use.

    ``--calibrate S`` takes the neutral from the first S seconds with a person in view. When the video holds
    fewer (S is longer than the time from the first frame with a person to the end), those seconds do not
    exist: the neutral would be every frame, movement included. Then formcheck warns and finds the neutral
    where the person rests over the whole recording, as without ``--calibrate`` (returned ``None``).
    """
    span_s = person_span_s(series)
    facts: dict[str, Any] = {"requested_s": calibrate_s,
                             "with_person_s": None if span_s is None else round(span_s, 3)}
    if span_s is None:
        return facts | {"applied": False, "note": "no person in view: no neutral"}, calibrate_s
    if calibrate_s <= span_s + 1e-6:
        return facts | {"applied": True, "note": None}, calibrate_s
    what, over = ("the video", "the whole recording")
    if partial:  # stopped in the landmark pass
        what, over = "the part of the video analysed", "the frames analysed"
    note = (f"--calibrate {calibrate_s:g} s is longer than the {span_s:.1f} s of {what} with a person in view: "
            f"the neutral is taken where the person rests over {over} instead, as without --calibrate")
    log.warning("%s", note)
    return facts | {"applied": False, "note": note}, None


#: Pictures the video pass's decoder may hold ready (at the annotated video's size, at most 1280 px on its long
#: side by default: 2.8 MB each), so that it decodes ahead while the counting pass runs.
VIDEO_PICTURES_AHEAD = 16


@contextlib.contextmanager
def _video_pictures(path: Path, video_wh: tuple[int, int]) -> Iterator[Iterator[Frame]]:
    """The video pass's pictures, decoded and scaled to ``video_wh`` by FFmpeg in one step on a thread of
    their own, up to :data:`VIDEO_PICTURES_AHEAD` ahead of the drawing."""
    pictures = VideoFileSource(path)
    try:
        with Prefetch(pictures.frames(video_wh), depth=VIDEO_PICTURES_AHEAD, name="formcheck-decode") as ahead:
            yield iter(ahead)
    finally:
        pictures.close()


def _write(source: VideoFileSource, series: PoseSeries, counted: Counted, exercise: Exercise | None,
           folder: OutputFolder, *, write_video: bool, progress: bool, stop: StopRequest,
           video_long_side_px: int | None = VIDEO_LONG_SIDE_PX,
           pictures: Iterator[Frame] | None) -> tuple[FrameStats, int]:
    """Writes ``frames.csv``, ``reps.csv`` and the annotated video under their partial names; returns the
    statistics and the frames written (fewer than the series when a signal stopped it: every file then holds
    the same frames). The video is at most ``video_long_side_px`` on its long side (None: the source's
    size), drawn at that size; ``pictures``: the source's pictures at that size, already decoding
    (:func:`_video_pictures`; None without the video)."""
    info = source.info
    stats = FrameStats()
    neutral = set(counted.neutral.frames) if counted.neutral is not None else set()
    reps_by_end: dict[int, list] = {}
    if counted.session is not None:
        ends = [m.timestamp_ms for m in counted.measurements]
        for record in counted.records:  # each rep is written with the frame it ended on
            i = next((k for k, t in enumerate(ends) if t / 1000.0 >= record.end_s - 1e-6), len(ends) - 1)
            reps_by_end.setdefault(i, []).append(record)
    written = 0
    video_wh = video_size_wh(info.resolution_wh, video_long_side_px)
    with contextlib.ExitStack() as stack:
        frames_csv = stack.enter_context(CsvSink(folder.partial(FRAMES_NAME), frames_header(),
                                                 shown_as=folder.final(FRAMES_NAME)))
        reps_csv = stack.enter_context(CsvSink(folder.partial(REPS_NAME), RepRecord.csv_header(),
                                               shown_as=folder.final(REPS_NAME))) if exercise else None
        frames: Iterator[Frame] | None = None
        encoder: Drain[tuple[NDArray[np.uint8], int]] | None = None
        if write_video:
            # Three stages beside each other: decoding and scaling (FFmpeg, one step, at the video's size),
            # drawing on this thread, H.264 encoding; a few frames in flight between them.
            video = stack.enter_context(VideoSink(folder.partial(VIDEO_NAME), video_wh, info.fps,
                                                  container_format="mp4", shown_as=folder.final(VIDEO_NAME)))
            encoder = stack.enter_context(Drain(lambda item: video.write(*item), name="formcheck-encode"))
            assert pictures is not None, "the video pass needs its pictures (_video_pictures)"
            frames = pictures
        bar = ProgressBar(len(series) if write_video else 0, label=f"{Path(info.name).name}: video",
                          enabled=progress and write_video)
        stack.callback(bar.close)
        steady = SteadyBox()  # the coach's panels keep their place while the person moves a little
        try:
            for i, m in enumerate(counted.measurements):
                if stop.requested and written:  # a stop signal while writing: stop here, every file at frame i
                    break
                stats.update(m)
                frames_csv.write(frames_row(series.frame_indices[i], m, neutral_frame=i in neutral))
                for record in reps_by_end.get(i, []):
                    assert reps_csv is not None
                    reps_csv.write(record.csv_row())
                if encoder is not None and frames is not None:
                    frame = next(frames, None)
                    if frame is None:
                        break
                    feedback = counted.feedback[i]
                    pose = scaled_pose(series.pose(i), video_wh)
                    image = annotate(frame.image_bgr, pose, m.angles, m.view, readouts=feedback is None, copy=False)
                    if feedback is not None and exercise is not None:
                        box = steady.update(person_box(pose.xy_px, pose.resolution_wh), frame.timestamp_ms)
                        image = draw_coach(image, coach_state_for(feedback, exercise, person_box_xyxy=box))
                    encoder.put((image, frame.timestamp_ms))
                    bar.update(i + 1)
                written += 1
        except KeyboardInterrupt:  # a second signal: close the files as they are (complete rows, valid video)
            pass
    return stats, written


def _summary(
    source: VideoFileSource,
    estimator: PoseEstimator,
    stats: FrameStats,
    neutral: Neutral | None,
    series: PoseSeries,
    interrupted: bool,
    elapsed_s: float,
    passes_s: dict[str, float],
    outputs: list[str],
    *,
    exercise: dict[str, Any] | None,
    chunks: int = 1,
) -> dict[str, Any]:
    """``summary.json`` of an analysis: the common keys (:func:`formcheck.summary.session_summary`; the session
    id is made from the analysis key, the start time is the video's modification time, the recording's), then
    ``processing``."""
    video = Path(source.path)
    video_sha256 = file_sha256(video)
    summary = session_summary(
        mode="analyze", session_id="", started_at=datetime.fromtimestamp(video.stat().st_mtime, tz=timezone.utc),
        source=source.info.as_dict() | {"sha256": video_sha256, "truncated": source.truncated,
                                        "problem": source.problem or None},
        model_path=estimator.model_path, stats=stats, interrupted=interrupted,
        neutral=None if neutral is None else neutral.as_dict(series) | {
            "relative_metrics": sorted(neutral.values),
            "about": "these metrics are relative to the person's neutral in every row of frames.csv "
                     "(neutral_frame marks the frames it was learnt from); the others are absolute",
        },
        exercise=exercise, outputs=outputs)
    summary["session_id"] = session_id_of(analysis_key(summary, video_sha256) or "")
    summary["processing"] = {
        "seconds": round(elapsed_s, 3),
        "fps": round(stats.frames / elapsed_s, 2) if elapsed_s > 0 else None,
        "passes_s": {name: round(seconds, 3) for name, seconds in passes_s.items()},
        "landmark_chunks": chunks,
    }
    return summary


class _CallableModule(types.ModuleType):
    """``formcheck.analyze`` is both this module and the API function: importing the submodule rebinds the
    package attribute to the module, so the module itself calls :func:`formcheck.api.analyze`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from formcheck.api import analyze

        return analyze(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
