"""A recorded video in passes: landmarks first, then measuring and counting with the whole series in view.

1. :func:`landmark_pass`: the model over every frame (the expensive pass), into a
   :class:`~formcheck.series.PoseSeries` (no pictures kept: memory is about 1 KB a frame).
2. :func:`measure_and_count`: the one measuring-and-counting path. ``formcheck analyze``, the accuracy and
   real-clip benchmarks and their regression gates all call it on a landmark series.
3. ``analyze`` then draws the annotated video from the final results (a second decode of the file).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from formcheck import geometry
from formcheck.confidence import frame_confidence
from formcheck.exercises import Exercise, ExerciseSession, Feedback, RepRecord
from formcheck.exercises.counting import DROPOUT_S
from formcheck.filtering import zero_phase_smooth
from formcheck.measure import raw_measurement
from formcheck.pipeline import GIL_SWITCH_INTERVAL_S, Drain, Prefetch, switch_interval
from formcheck.pose import ModelInput, PoseEstimator, model_size_wh
from formcheck.record import file_sha256
from formcheck.rotation import TrunkRotationEstimator
from formcheck.series import PoseSeries
from formcheck.sources import FrameSource, SourceInfo, Span, SpanError, VideoFileSource, whole_factor
from formcheck.types import Measurement, Pose

log = logging.getLogger(__name__)

#: Smoothing half-window in seconds (5 frames at the 15 fps the filter was measured on: see
#: :mod:`formcheck.filtering`); scaled to each recording's frame rate.
SMOOTH_HALF_WINDOW_S = 2 / 15
#: Rest frames lie within this share of the movement's spread (p90 - p10) of the rest value.
REST_SHARE = 0.15
#: ... and at least this close (in the rep metric's unit: degrees, or a ratio), so a still recording still
#: has rest frames.
REST_MIN_BAND = 1.5
REST_MIN_BAND_RATIO = 0.005
#: A frame is slow (the person dwells) when the metric moves less than this share of its spread a second.
SLOW_SHARE_PER_S = 0.5
#: A dwell between the two extremes of a two-way movement is the rest when it holds this share of slow frames.
MIN_DWELL_SHARE = 0.1
#: :attr:`Neutral.note` of a two-way movement that never rests in the middle.
NO_MIDDLE_REST = "no rest in the middle: midway between the two sides' typical extremes"
#: A rest is a pause: the person stays there, moving slowly (:data:`SLOW_SHARE_PER_S`), for at least this long in
#: all. People who come back to the middle between reps pause there for a breath or longer: the slow frames of the
#: rest last 0.57-1.5 s on the real cat-cows and thread-the-needle, 5.8 s on the real seated twist and 2-10 s
#: (fused rotation; 0.3-0.8 s in the rendered side bends, where it flickers) on the rendered clips. A continuous
#: side-to-side movement (a Russian twist) only passes through the middle, at its fastest: 0.0 s on the real
#: twist (0.13 s on the raw metric). A quarter of a second is a few frames at any frame rate and shorter than any
#: pause a person makes on purpose.
REST_MIN_DWELL_S = 0.25


def landmark_pass(source: FrameSource, estimator: PoseEstimator, *,
                  on_frame: Callable[[int], bool] | None = None,
                  measured: list[Measurement] | None = None) -> PoseSeries:
    """Pose landmarks of every frame of ``source``, in order.

    Decoding, scaling and colour conversion run on a thread beside the model (:class:`Prefetch`, a few
    frames ahead): a video file's pictures are decoded, scaled to :func:`~formcheck.pose.model_size_wh` and
    converted to RGB by FFmpeg in one step; the landmarks are in the full-resolution frame's pixels.

    Args:
        on_frame: called after each frame with the number of frames read; returning True stops the pass
            (Ctrl-C): the series then holds the frames read so far.
        measured: when given, each frame's raw measurement (:func:`~formcheck.measure.raw_measurement` of the
            pose as the series stores it) is appended to it on another thread while the model works on the
            next frame; :func:`measure_and_count` takes it instead of measuring every frame again.
    """
    series = PoseSeries(resolution_wh=source.info.resolution_wh)
    with switch_interval(GIL_SWITCH_INTERVAL_S) if measured is not None else contextlib.nullcontext():
        _landmarks_into(model_inputs(source), estimator, series, measured, on_frame)
    return series


def _landmarks_into(inputs: Iterable[ModelInput], estimator: PoseEstimator, series: PoseSeries,
                    measured: list[Measurement] | None, on_frame: Callable[[int], bool] | None) -> bool:
    """Runs the model over ``inputs`` into ``series`` (and ``measured``, on a thread of its own); a warm-up
    item is shown to the model and its pose dropped. Returns True when ``inputs`` ended (False: stopped).
    ``inputs`` are decoded on a thread of their own (:class:`Prefetch`), unless they already are."""
    with contextlib.ExitStack() as stack:
        ahead = inputs
        if not isinstance(ahead, Prefetch):
            ahead = stack.enter_context(Prefetch(inputs, name="formcheck-decode"))
        measure: Drain[tuple[Pose, int]] | None = None
        if measured is not None:
            # The model releases the GIL while it works; the measuring thread must hand it back promptly
            # when the model's Python side wants it (the caller sets Python's switch interval short).
            measure = stack.enter_context(Drain(lambda item: measured.append(raw_measurement(*item)),
                                                depth=64, name="formcheck-measure"))
        for item in ahead:
            pose = estimator.detect_input(item)
            if item.warmup:
                continue
            series.append(pose, item.timestamp_ms, item.index)
            if measure is not None:
                measure.put((as_stored(pose, series.resolution_wh), series.timestamps_ms[-1]))
            if on_frame is not None and on_frame(len(series)):
                return False
    return True


# ----------------------------------------------------------------------------- the landmark pass in chunks
#: The landmark pass of a video at least this many seconds per chunk long is split into chunks run beside each
#: other (each with its own decoder and landmarker): MediaPipe's landmarker waits on itself for about a third
#: of each frame's time, so two at once on two cores give about 1.7x one (``docs/performance.md``).
MIN_CHUNK_S = 4.0
#: Each chunk after the first starts this long before its first frame: the model tracks and smooths the person
#: over these frames (their landmarks are dropped), so at the boundary it is where one pass over the whole
#: video would be (measured in ``docs/performance.md``).
CHUNK_WARMUP_S = 1.0
#: At most this many chunks; and at most this many full-size pictures' worth of decoders
#: (:data:`MAX_CHUNK_MEGAPIXELS` x chunks), so a 4K video's memory stays under 600 MiB.
MAX_CHUNKS = 4
MAX_CHUNK_MEGAPIXELS = 9.0


def landmark_chunks(info: SourceInfo, cpus: int) -> int:
    """How many chunks the landmark pass of a video runs in: one per CPU, while each chunk holds at least
    :data:`MIN_CHUNK_S` seconds and the chunks' pictures (width x height each) stay within
    :data:`MAX_CHUNK_MEGAPIXELS`; at most :data:`MAX_CHUNKS`. Depends on the video and the CPUs only, never on
    timing, so the same video on the same machine gives the same landmarks."""
    w, h = info.resolution_wh
    by_length = int(info.duration_s // MIN_CHUNK_S) if info.duration_s > 0 else 1
    by_memory = int(MAX_CHUNK_MEGAPIXELS // max(w * h / 1e6, 1e-6))
    return max(1, min(MAX_CHUNKS, cpus, by_length, by_memory))


def chunk_spans(duration_s: float, chunks: int) -> list[Span]:
    """``chunks`` spans of equal length that split a ``duration_s`` video (the last one open-ended), each
    after the first with :data:`CHUNK_WARMUP_S` of warm-up."""
    cuts = [round(duration_s * k / chunks, 3) for k in range(1, chunks)]
    starts: list[float | None] = [None, *cuts]
    stops: list[float | None] = [*cuts, None]
    return [Span(start, stop, 0.0 if start is None else CHUNK_WARMUP_S) for start, stop in zip(starts, stops)]


@dataclass
class _Chunk:
    """One chunk's results, filled on its own thread."""

    span: Span
    series: PoseSeries
    measured: list[Measurement] | None
    ended: bool = False  # read to its span's end
    error: BaseException | None = None
    end_s: float = 0.0


def chunked_landmark_pass(source: VideoFileSource, estimator: PoseEstimator, chunks: int, *,
                          on_frame: Callable[[int], bool] | None = None,
                          measured: list[Measurement] | None = None) -> PoseSeries:
    """:func:`landmark_pass` over ``chunks`` stretches of a video file at once (:func:`chunk_spans`), joined.

    Each chunk has its own decoder (seeking to the key frame before its warm-up) and its own landmarker (the
    first chunk uses ``estimator``), on a thread of its own. A file that cannot be read by span exactly as it is
    read whole (:class:`~formcheck.sources.SpanError`: no timestamps, a damaged stretch, an imprecise seek) is
    read again whole, in one pass with a fresh landmarker. Stopped by ``on_frame``, the series holds the frames
    from the start up to the first chunk that did not finish. ``source`` is not read; its ``truncated`` is
    judged on the joined frames.
    """
    if chunks <= 1:
        return landmark_pass(source, estimator, on_frame=on_frame, measured=measured)
    spans = chunk_spans(source.info.duration_s, chunks)
    parts = [_Chunk(span, PoseSeries(resolution_wh=source.info.resolution_wh), None if measured is None else [])
             for span in spans]
    stop = threading.Event()
    threads = [threading.Thread(target=_run_chunk,
                                args=(source.path, estimator if k == 0 else None, estimator.model_path, part, stop),
                                name=f"formcheck-chunk-{k}", daemon=True) for k, part in enumerate(parts)]
    with switch_interval(GIL_SWITCH_INTERVAL_S):
        try:
            for thread in threads:
                thread.start()
            while any(thread.is_alive() for thread in threads):
                # Wait on a chunk still running: a finished thread's join returns at once, and polling it
                # spun this thread (and the GIL) for as long as the last chunk ran alone.
                next(thread for thread in threads if thread.is_alive()).join(0.1)
                if any(part.error is not None for part in parts):
                    stop.set()
                if on_frame is not None and not stop.is_set() and on_frame(sum(len(p.series) for p in parts)):
                    stop.set()
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    errors = [part.error for part in parts if part.error is not None]
    if any(isinstance(e, SpanError) for e in errors):
        log.debug("reading %s again in one pass: %s", source.path, next(e for e in errors if isinstance(e, SpanError)))
        with PoseEstimator(estimator.model_path) as fresh:
            return landmark_pass(source, fresh, on_frame=on_frame, measured=measured)
    if errors:
        raise errors[0]
    series = PoseSeries(resolution_wh=source.info.resolution_wh)
    for part in parts:
        first = len(series)
        series.extend(part.series, index_offset=first)
        if measured is not None and part.measured is not None:
            measured.extend(m if m.timestamp_ms == t else replace(m, timestamp_ms=t)
                            for m, t in zip(part.measured, series.timestamps_ms[first:], strict=True))
        if not part.ended:
            break
    if all(part.ended for part in parts):
        source.check_end(len(series), max(part.end_s for part in parts))
    return series


def _run_chunk(path: Path, estimator: PoseEstimator | None, model_path: Path, part: _Chunk,
               stop: threading.Event) -> None:
    """One chunk's landmarks, on its own thread: its own decoder, and its own landmarker unless given one."""
    try:
        with contextlib.ExitStack() as stack:
            reader = stack.enter_context(VideoFileSource(path))
            inputs = reader.model_inputs(model_size_wh(reader.info.resolution_wh), part.span)
            # Decoding starts before this chunk's landmarker is made: a chunk after the first decodes from the
            # key frame before its warm-up (seconds of pictures in a file with few key frames) while the model
            # loads, instead of after it.
            ahead = stack.enter_context(Prefetch(inputs, name="formcheck-decode"))
            if estimator is None:
                estimator = stack.enter_context(PoseEstimator(model_path))
            part.ended = _landmarks_into(ahead, estimator, part.series, part.measured,
                                         lambda _n: stop.is_set())
            part.end_s = reader.end_s
    except BaseException as exc:  # noqa: BLE001 (raised again, or acted on, in the caller's thread)
        part.error = exc


#: The landmark pass's own version: raised whenever what the model is shown, or how a video is split between
#: landmarkers, changes in a way no other part of :func:`landmark_pass_identity` records (decoding, colour
#: conversion, scaling filter, chunk boundaries, warm-up), so a landmark cache made by an older pass is known
#: to be stale. 1: OpenCV-converted full-size frames, one pass; 2: FFmpeg-scaled to
#: :func:`~formcheck.pose.model_size_wh`, in :func:`landmark_chunks` chunks (:func:`chunked_landmark_pass`).
LANDMARK_PASS_VERSION = 2

#: :func:`landmark_pass_identity`'s ``model_input_scaling``: how the model's picture is made from the decoded
#: one. ``ffmpeg``: FFmpeg scales and converts in one step (also what a cache stored before the key existed
#: was made with, :data:`IDENTITY_BEFORE`); ``yuv-planes``: a picture made smaller by a whole factor is
#: scaled plane by plane in YUV and converted after (:func:`formcheck.sources.planar_scaled`).
IDENTITY_BEFORE: dict[str, str] = {"model_input_scaling": "ffmpeg"}


def model_input_scaling(resolution_wh: tuple[int, int]) -> str:
    """How a picture of ``resolution_wh`` is made the model's picture (see :data:`IDENTITY_BEFORE`): by the
    planes when the model's size is a whole factor smaller (:func:`formcheck.sources.whole_factor` is 1 for the
    same size, so the source's size stays FFmpeg's, as :meth:`~formcheck.sources.VideoFileSource.model_inputs`
    does)."""
    return "yuv-planes" if whole_factor(resolution_wh, model_size_wh(resolution_wh)) > 1 else "ffmpeg"


def landmark_pass_identity(info: SourceInfo, model_path: Path, cpus: int) -> dict[str, str | int | float]:
    """What, besides the video itself, makes :func:`chunked_landmark_pass` give the landmarks it gives on a
    video with ``info`` on a machine with ``cpus`` CPUs: the pass's version, the model file's sha256, the size the
    model is shown each picture at, the number of chunks and their warm-up, and MediaPipe's version. Cheap (no
    model run): the benchmarks' landmark caches store it and their gates compare it with today's. A key added
    later is compared with :data:`IDENTITY_BEFORE`'s value when a cache does not store it."""
    w, h = model_size_wh(info.resolution_wh)
    return {
        "version": LANDMARK_PASS_VERSION,
        "model_sha256": _model_sha256(*_file_key(Path(model_path))),
        "model_input_wh": f"{w}x{h}",
        "model_input_scaling": model_input_scaling(info.resolution_wh),
        "chunks": landmark_chunks(info, cpus),
        "chunk_warmup_s": CHUNK_WARMUP_S,
        "mediapipe": _mediapipe_version(),
    }


def _file_key(path: Path) -> tuple[Path, int, int]:
    st = path.resolve().stat()
    return path.resolve(), st.st_size, st.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _model_sha256(path: Path, _size: int, _mtime_ns: int) -> str:
    """The model file's sha256, hashed once while the file keeps its size and modification time."""
    return file_sha256(path)


def _mediapipe_version() -> str:
    try:
        return version("mediapipe")
    except PackageNotFoundError:
        return "unknown"


def as_stored(pose: Pose, resolution_wh: tuple[int, int]) -> Pose:
    """``pose`` as :class:`PoseSeries` gives it back (float32 values, in float64): what the passes measure."""
    return Pose(**{k: np.asarray(getattr(pose, k), dtype=np.float32).astype(float)
                   for k in ("xy_px", "z_px", "world_xyz_m", "visibility", "presence")},
                resolution_wh=resolution_wh)


def model_inputs(source: FrameSource) -> Iterator[ModelInput]:
    """The frames of ``source`` converted for the model: by FFmpeg for a video file, else by OpenCV."""
    if isinstance(source, VideoFileSource):
        return source.model_inputs(model_size_wh(source.info.resolution_wh))
    return (ModelInput.from_frame(frame) for frame in source)


# ----------------------------------------------------------------------------- measuring and counting
@dataclass(frozen=True)
class Neutral:
    """The person's neutral (rest), found over the whole recording.

    Attributes:
        method: how it was found: ``centre`` (midway between the extremes of a two-way movement), ``rest``
            (where a one-way movement returns to), ``first_seconds`` (the first ``--calibrate`` seconds with a
            person) or ``start`` (no usable rest: the first frames in the start posture).
        metric: the metric it was found on.
        frames: indices of the frames learnt from.
        values: each neutral-relative metric's neutral (raw units).
        note: why a fallback was taken, if one was.
    """

    method: str
    metric: str
    frames: tuple[int, ...]
    values: dict[str, float]
    note: str = ""

    def as_dict(self, series: PoseSeries) -> dict[str, Any]:
        times = [series.timestamps_ms[i] / 1000.0 for i in self.frames]
        return {
            "method": self.method,
            "metric": self.metric,
            "frames": len(self.frames),
            "first_s": round(min(times), 3) if times else None,
            "last_s": round(max(times), 3) if times else None,
            "values": {k: round(v, 3) for k, v in self.values.items()},
            "note": self.note or None,
        }


@dataclass
class Counted:
    """What the measuring-and-counting pass found: per-frame measurements (one basis) and the session.

    Attributes:
        measurements: each frame's smoothed measurement; neutral-relative metrics relative to ``neutral``
            throughout (every frame in one basis).
        neutral: how the neutral was found (None: absolute angles).
        feedback: each frame's feedback (None without an exercise).
        records: the reps and holds, in order.
        session: the exercise session (None without an exercise).
    """

    measurements: list[Measurement]
    neutral: Neutral | None
    feedback: list[Feedback | None]
    records: list[RepRecord]
    session: ExerciseSession | None

    @property
    def session_summary(self) -> dict[str, Any]:
        return self.session.summary() if self.session is not None else {}

    @property
    def neutral_note(self) -> str:
        if self.neutral is None:
            return "absolute"
        return self.neutral.method + (f" ({self.neutral.note})" if self.neutral.note else "")


def _fps(series: PoseSeries) -> float:
    t = np.asarray(series.timestamps_ms, dtype=float)
    if len(t) < 2:
        return 30.0
    step = float(np.median(np.diff(t)))
    return 1000.0 / step if step > 0 else 30.0


def _in_start(raw: list[Measurement], exercise: Exercise | None) -> np.ndarray:
    """Frames with a person in the exercise's start posture and an allowed view."""
    out = np.zeros(len(raw), dtype=bool)
    for i, m in enumerate(raw):
        if not m.detected:
            continue
        if exercise is None:
            out[i] = True
            continue
        postures = exercise.setup.posture
        out[i] = (not postures or any(p in m.posture for p in postures)) and m.view in exercise.view.allowed
    return out


def _slow(values: np.ndarray, times_s: np.ndarray, spread: float) -> np.ndarray:
    """Frames where the metric moves less than :data:`SLOW_SHARE_PER_S` of its spread a second (the person
    dwells); ``values`` finite.

    The speed is the movement's: the gradient of the values smoothed as the measurements are (:func:`smooth`,
    :data:`SMOOTH_HALF_WINDOW_S`), not of each frame's reading. Frame noise of ``s`` gives a frame-to-frame
    speed of about ``s * sqrt(2) * fps / 2``: 64 deg/s for the fused rotation's 3 deg at 30 fps (1 cm landmark
    noise), above a 45 deg twist's slow limit of 40 deg/s, so a share of the frames passing through the middle
    at full speed read as slow and "dwelt" there for 0.3 s (the rest was found 20 deg into a turn and turns to
    that side were lost). Smoothed over 9 frames the noise's speed is about a tenth of it.
    """
    return _slow_movement(_movement(values, times_s), times_s, spread)


def _slow_movement(move: np.ndarray, times_s: np.ndarray, spread: float) -> np.ndarray:
    """:func:`_slow` of values already smoothed (:func:`_movement`)."""
    v = np.gradient(move, times_s) if move.size > 2 else np.zeros_like(move)
    return np.abs(v) <= max(1e-6, SLOW_SHARE_PER_S * spread)


def _movement(values: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """The movement under the frame noise: ``values`` (finite) smoothed as the measurements are (:func:`smooth`,
    :data:`SMOOTH_HALF_WINDOW_S`)."""
    if values.size <= 2:
        return values
    step_s = float(np.median(np.diff(times_s)))
    return zero_phase_smooth(values, _half_window(1.0 / step_s) if step_s > 0 else 1)


def _spread(values: np.ndarray) -> float:
    """How far a movement goes, robust to a few stray frames: the 90th percentile of ``values`` less the 10th."""
    p10, p90 = np.percentile(values, [10, 90])
    return float(p90 - p10)


def _rest_band(spread: float, min_band: float = REST_MIN_BAND) -> float:
    """How close to the rest a frame is at rest: :data:`REST_SHARE` of the movement's :func:`_spread`, at least
    ``min_band`` (so that a still recording still has rest frames)."""
    return max(min_band, REST_SHARE * spread)


def _dwell_s(values: np.ndarray, times_s: np.ndarray, frames: np.ndarray) -> float:
    """Seconds the person dwells (slow frames, :func:`_slow`) among ``frames`` (a mask over ``values``)."""
    ok = np.isfinite(values)
    if ok.sum() < 3 or not (frames & ok).any():
        return 0.0
    v, t = values[ok], times_s[ok]
    slow = _slow(v, t, _spread(v)) & frames[ok]
    dt = np.diff(t, append=t[-1] + (float(np.median(np.diff(t))) if t.size > 1 else 0.0))
    return float(np.sum(np.minimum(dt, 2.0 * float(np.median(dt)))[slow]))


def sides_midpoint(values: np.ndarray) -> float:
    """Midway between the two sides' typical extremes of a two-way movement: the median of the turning points on
    each side (each excursion's furthest value, an excursion running from one crossing of the provisional
    centre, midway between the 10th and 90th percentiles, to the next; excursions that stay within
    :data:`REST_SHARE` of the spread of it are wobble, not turns). The provisional centre when one side has no
    turn. ``values`` in the metric's unit, NaN where not measured."""
    v = values[np.isfinite(values)]
    if v.size < 3:
        return float(np.median(v)) if v.size else math.nan
    p10, p90 = np.percentile(v, [10, 90])
    centre, least = 0.5 * float(p10 + p90), REST_SHARE * float(p90 - p10)
    sign = np.sign(v - centre)
    sign[sign == 0] = 1
    cuts = np.flatnonzero(np.diff(sign) != 0) + 1
    highs, lows = [], []
    for part in np.split(v, cuts):
        if part[0] > centre and part.max() - centre >= least:
            highs.append(float(part.max()))
        elif part[0] < centre and centre - part.min() >= least:
            lows.append(float(part.min()))
    if not highs or not lows:
        return centre
    return 0.5 * (float(np.median(highs)) + float(np.median(lows)))


def _dwell_peaks(values: np.ndarray, times_s: np.ndarray, spread: float, min_band: float = REST_MIN_BAND
                 ) -> list[tuple[float, int]]:
    """Values where the movement dwells (slow frames), as ``(value, frames)`` histogram peaks, low to high."""
    slow = _slow(values, times_s, spread)
    if slow.sum() < 3:
        return []
    width = max(min_band, spread / 12.0)
    edges = np.arange(values.min() - width, values.max() + 2 * width, width)
    hist, _ = np.histogram(values[slow], bins=edges)
    hist = np.convolve(np.pad(hist, 1), [1, 2, 1], mode="valid")  # as many bins as before, however few
    centres = 0.5 * (edges[:-1] + edges[1:])
    padded = np.concatenate([[-1], hist, [-1]])
    peaks = [i for i in range(len(hist)) if hist[i] > 0 and hist[i] >= padded[i] and hist[i] >= padded[i + 2]]
    merged: list[tuple[float, int]] = []
    for i in peaks:  # plateaus give neighbouring peaks: keep one
        if merged and abs(centres[i] - merged[-1][0]) <= 1.5 * width:
            if hist[i] > merged[-1][1]:
                merged[-1] = (float(centres[i]), int(hist[i]))
            continue
        merged.append((float(centres[i]), int(hist[i])))
    return merged


def _turning_point(values: np.ndarray, times_s: np.ndarray, value: float, band: float, spread: float) -> bool:
    """Whether the dwell at ``value`` is a turning point of the movement, not a rest.

    A rest is where the movement goes out from and comes back to. Each visit to the dwell (the movement,
    :func:`_movement`, staying within ``band`` of ``value``, with slow frames, :func:`_slow`) is reached from one
    side and left to one side. A visit reached from and left to the same side is a turn there (a local extreme):
    a partial rep's peak held a second (reached from the rest and going back to it), or a rest between two turns
    to the same side. A rest sees turns both ways over a recording (between left turns the movement turns back up
    from it, between right turns back down) or is passed through from one side to the other; a partial rep's peak
    only ever turns back the one way. So the dwell is a turning point when more than half of its slow frames are
    in visits that turn, and all of those turn the same way. A visit at the recording's start or end (one side
    unseen) is no evidence either way. On the real thread the needle with a partial rep spliced in, the partial
    rep's peak (14 deg, 50 slow frames in one visit turning back down, 17 in a hesitation on the way to the full
    turn) was taken as the rest; the tabletop's visits (5 deg) are passed through twice and turned at once."""
    move = _movement(values, times_s)
    slow = _slow_movement(move, times_s, spread)
    near = np.abs(move - value) <= band
    idx = np.flatnonzero(near)
    if idx.size == 0:
        return False
    turns = {1: 0, -1: 0}
    dwelt = 0
    for visit in np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1):
        n = int(slow[visit].sum())
        if n == 0:
            continue
        dwelt += n
        a, b = int(visit[0]), int(visit[-1])
        came = int(np.sign(move[a - 1] - value)) if a > 0 else 0
        went = int(np.sign(move[b + 1] - value)) if b + 1 < move.size else 0
        if came != 0 and came == went:
            turns[came] += n  # 1: turns back up (a local minimum), -1: back down (a local maximum)
    one_way = min(turns.values()) == 0
    return one_way and max(turns.values()) > 0.5 * dwelt


def _rest_value(values: np.ndarray, times_s: np.ndarray, method: str, mode: str,
                min_band: float = REST_MIN_BAND) -> float:
    """The rest: for a two-way movement, where the person dwells between the two extremes (or, with no dwell
    of its own between them, midway between the 10th and 90th percentiles, where a rest that the histogram
    merges with one side still lies; :func:`find_neutral` checks the person dwells there; of only two dwells, the
    one the movement goes past, :func:`_rest_of_two`); for a one-way movement the low end of its progress."""
    p10, p90 = np.percentile(values, [10, 90])
    spread = float(p90 - p10)
    peaks = _dwell_peaks(values, times_s, spread, min_band)
    if method != "centre":  # the dwell at the low end of progress (up: lowest values; down: highest)
        total = sum(n for _, n in peaks)
        dwells = [p for p in peaks if p[1] >= MIN_DWELL_SHARE * total]
        if dwells:
            return dwells[0][0] if mode != "down" else dwells[-1][0]
        return float(p10 if mode != "down" else p90)
    if len(peaks) >= 3:
        lo, hi = peaks[0][0], peaks[-1][0]
        inner = [p for p in peaks[1:-1] if lo + 0.1 * (hi - lo) <= p[0] <= hi - 0.1 * (hi - lo)]
        total = sum(n for _, n in peaks)
        inner = [p for p in inner if p[1] >= MIN_DWELL_SHARE * total]
        band = _rest_band(spread, min_band)
        inner = [p for p in inner if not _turning_point(values, times_s, p[0], band, spread)]
        if inner:
            return max(inner, key=lambda p: p[1])[0]
    if len(peaks) == 2:
        total = sum(n for _, n in peaks)
        rest = _rest_of_two(values, times_s, peaks[0][0], peaks[1][0])
        if rest is not None and dict(peaks)[rest] >= MIN_DWELL_SHARE * total:
            return rest
    return float(0.5 * (p10 + p90))


#: Of two dwells, one is the rest when the movement goes past it, away from the other, at least this share of the
#: distance between them (a turn to the other side), and past the other hardly at all (:func:`_rest_of_two`).
OTHER_SIDE_SHARE = 0.5


def _rest_of_two(values: np.ndarray, times_s: np.ndarray, a: float, b: float) -> float | None:
    """Which of two dwells (values ``a`` and ``b``) of a two-way movement is the rest, if either: the one the
    movement (:func:`_movement`) goes past, away from the other, by at least :data:`OTHER_SIDE_SHARE` of
    ``|a - b|`` while it goes past the other by less. The other is then one side's held turn, and the other side's
    turn is made without a hold (or out of the start posture). A rest between two held turns makes three dwells;
    two held turns and no dwell at rest have the movement going past neither (None: the caller takes the middle).

    On the real thread the needle the tabletop (3-5 deg) and the thread (18-22 deg) are the two dwells of the start
    posture (the reach up, to -35 deg, is out of it); with a third small dwell the tabletop was the inner one of
    three, but under 1% landmark noise that small dwell went on 3 seeds of 16, the middle of the spread (10 deg)
    was taken as the rest and the one full thread was lost. Past the tabletop the movement goes to -15 deg, past
    the thread 4 deg at most."""
    move = _movement(values, times_s)
    reach = max(OTHER_SIDE_SHARE * abs(a - b), 1e-9)
    lo, hi = (a, b) if a < b else (b, a)
    past_lo, past_hi = lo - float(move.min()), float(move.max()) - hi
    if past_lo >= reach > past_hi:
        return lo
    if past_hi >= reach > past_lo:
        return hi
    return None


def _short_gaps(values: np.ndarray, ok: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Frames without a value (nobody found, a landmark missing) in a gap between two ``ok`` frames at most
    :data:`~formcheck.exercises.counting.DROPOUT_S` apart: the person moved on unseen for a moment.

    Where a person dwells is a matter of time, and a moment unseen is not time spent elsewhere: :func:`_rest_frames`
    reads such a gap on the straight line between the frames either side of it. Left out, three 0.3 s gaps in a
    real cat-cow that never pauses took 9 of the 47 frames of the histogram's middle peak, and the neutral moved
    14 deg (a full cat-cow became a partial one)."""
    gap = np.zeros_like(ok)
    idx = np.flatnonzero(ok)
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if b - a > 1 and times_s[b] - times_s[a] <= DROPOUT_S and not np.isfinite(values[a + 1:b]).any():
            gap[a + 1:b] = True
    return gap


def _rest_frames(values: np.ndarray, times_s: np.ndarray, candidates: np.ndarray, method: str, mode: str,
                 metric: str = "", exit_threshold: float | None = None) -> np.ndarray:
    """Frames at the person's rest (see :func:`_rest_value`), among ``candidates``.

    ``exit_threshold``: the exercise's ``rep.exit`` as a distance from neutral; the rest band is never wider
    than half of it (a small movement such as a squeeze must not count its own partial frames as rest).
    """
    ok = candidates & np.isfinite(values)
    if ok.sum() < 3:
        return np.zeros_like(ok)
    v = values[ok]
    min_band = REST_MIN_BAND_RATIO if metric.endswith("_ratio") else REST_MIN_BAND
    if exit_threshold is not None and exit_threshold > 0:
        min_band = min(min_band, 0.5 * exit_threshold)
    seen = ok | _short_gaps(values, ok, times_s)
    rest = _rest_value(np.interp(times_s[seen], times_s[ok], v), times_s[seen], method, mode, min_band)
    return ok & (np.abs(values - rest) <= _rest_band(_spread(v), min_band))


def _pauses(values: np.ndarray, times_s: np.ndarray, ok: np.ndarray, spread: float, band: float
            ) -> list[np.ndarray]:
    """The person's pauses: runs of slow frames (:func:`_slow`) among ``ok``, with no gap longer than
    :data:`~formcheck.exercises.counting.DROPOUT_S` and staying within ``band`` (the smoothed values' range, as
    :func:`_slow` smooths them), lasting at least :data:`REST_MIN_DWELL_S`; each as the indices of its frames, in
    time order. (Slow is up to half the spread a second: a small turn made slowly, such as a turn towards an
    oblique camera that MediaPipe under-reads, can be slow all the way, but it leaves the band: a pause is where
    the person stays.)

    A gap is a moment unseen (no value), not a moment seen elsewhere: a frame with a value but not ``ok`` (bent
    sideways, out of the start posture) ends the run. Bridged, the few upright frames of a real Russian twist made
    leaning back (54-65 of 427 under 1% landmark noise, scattered) joined into "pauses" of 6-8 frames over 0.3 s
    deep in its right turns, and that level, passed by deeper right turns and by the left turns, was taken as
    the rest: turns were lost on 2 noise seeds of 64 (seeds 1 and 59; 7 and 19 with the landmarks before the
    model's pictures were scaled in YUV planes)."""
    idx = np.flatnonzero(ok)
    if idx.size < 3:
        return []
    elsewhere = np.cumsum(np.isfinite(values) & ~ok)[idx]  # seen-but-not-ok frames up to each ok frame
    v, t = values[idx], times_s[idx]
    step_s = float(np.median(np.diff(t)))
    v = _movement(v, t)
    slow = _slow_movement(v, t, spread)
    runs: list[np.ndarray] = []
    start = 0
    lo = hi = math.nan
    for k in range(idx.size + 1):
        joins = (k < idx.size and slow[k] and slow[start] and k > start and t[k] - t[k - 1] <= DROPOUT_S
                 and elsewhere[k] == elsewhere[k - 1] and max(hi, v[k]) - min(lo, v[k]) <= band)
        if joins:
            lo, hi = min(lo, v[k]), max(hi, v[k])
            continue
        if k > start and slow[start] and t[k - 1] - t[start] + step_s >= REST_MIN_DWELL_S:
            runs.append(idx[start:k])
        start, lo, hi = k, (v[k] if k < idx.size else math.nan), (v[k] if k < idx.size else math.nan)
    return runs


def _rest_between_turns(values: np.ndarray, times_s: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Frames of the pause that a two-way movement goes out from and comes back to, on both sides.

    A person doing turns (or any two-way movement) pauses upright between them; both sides' turns go out from that
    pause and come back to it. A held turn is a pause too, but the movement only ever leaves it towards the rest.
    So: the pauses (:func:`_pauses`) are grouped by level (a pause joins the next one within the rest band,
    :func:`_rest_band`, of its value); between two consecutive pauses of a level the movement makes an
    excursion, up or down when it goes beyond the band (within it is wobble, as in :func:`sides_midpoint`). The rest is the level with excursions both ways (the most paused-in, if several);
    its pauses' frames within half the band of their median are returned (a pause spans up to the band: a turn
    that MediaPipe under-reads leaves it slowly, and its first frames, still slow, join the pause; on the wide
    set's standing_rot_05 such frames were up to 37 deg into a turn). None (all False) when no level has turns
    both ways: a continuous twist, turns to one side only, or a side read so small that its holds lie within the
    rest band.

    Unlike the histogram of :func:`_rest_value`, this does not need the rest to lie between the two extremes' values:
    when a turn towards an oblique camera is under-read, or the first neutral is taken mid-turn, the rest can read
    beyond one side's holds, or merge with them in one histogram peak (the wide set's seated_rot_12: rest -30,
    holds +38 and -50 in the first fused reading; the rest was taken as 3 frames passing through -7).
    """
    ok = candidates & np.isfinite(values)
    if ok.sum() < 3:
        return np.zeros_like(ok)
    spread = _spread(values[ok])
    band = _rest_band(spread)
    pauses = _pauses(values, times_s, ok, spread, band)
    levels = [float(np.median(values[p])) for p in pauses]
    finite = np.isfinite(values)
    group = list(range(len(pauses)))  # each pause's level group (the index of its group's first pause)
    ways: dict[int, set[int]] = {}
    for i, (p, level) in enumerate(zip(pauses, levels, strict=True)):
        ways.setdefault(group[i], set())
        j = next((j for j in range(i + 1, len(pauses)) if abs(levels[j] - level) <= band), None)
        if j is None:
            continue
        group[j] = group[i]
        between = values[p[-1] + 1:pauses[j][0]]
        between = between[finite[p[-1] + 1:pauses[j][0]]]
        if between.size and float(between.max()) - level > band:
            ways[group[i]].add(1)
        if between.size and level - float(between.min()) > band:
            ways[group[i]].add(-1)
    both = [g for g, w in ways.items() if w == {1, -1}]
    out = np.zeros_like(ok)
    if not both:
        return out
    dwell = {g: sum(times_s[p[-1]] - times_s[p[0]] for i, p in enumerate(pauses) if group[i] == g) for g in both}
    best = max(both, key=lambda g: dwell[g])
    rest = np.concatenate([p for i, p in enumerate(pauses) if group[i] == best])
    level = float(np.median(values[rest]))
    out[rest[np.abs(values[rest] - level) <= 0.5 * band]] = True
    return out


def find_neutral(raw: list[Measurement], exercise: Exercise | None, *, calibrate_s: float | None = None,
                 rotation_only: bool = False) -> Neutral | None:
    """Where the person rests, from the whole recording (see :class:`Neutral`).

    With ``calibrate_s`` the first ``calibrate_s`` seconds with a person are the neutral (``--calibrate``).
    Otherwise the exercise's ``setup.neutral_from`` rule on its rep metric (raw values), over the frames in the
    start posture whose value lies in ``setup.neutral_range``; without an exercise, the centre of the trunk
    rotation. None for exercises measured in absolute angles.
    """
    if exercise is not None and not exercise.setup.calibrate_neutral and calibrate_s is None:
        return None
    detected = np.array([m.detected for m in raw])
    if not detected.any():
        return None
    t = np.array([m.timestamp_ms for m in raw], dtype=float)
    metric = exercise.rep.metric if exercise is not None else "trunk_rotation_deg"
    values = np.array([m.angles.get(metric, math.nan) for m in raw], dtype=float)
    note, midpoint = "", math.nan
    if calibrate_s is not None:
        first = t[detected][0]
        frames = detected & (t <= first + calibrate_s * 1000.0)
        method = "first_seconds"
    else:
        start = _in_start(raw, exercise)
        rng = exercise.setup.neutral_range if exercise is not None else None
        method = exercise.setup.neutral_method(exercise.rep.mode) if exercise is not None else "centre"
        mode = exercise.rep.mode if exercise is not None else "sides"
        exit_p = abs(exercise.rep.threshold_progress(exercise.rep.exit)) if exercise is not None else None
        frames = _rest_frames(values, t / 1000.0, start, method, mode, metric, exit_p)
        if rng is not None:  # a rest that is already turned, curled or lifted is not a neutral
            frames &= (values >= rng[0]) & (values <= rng[1])
        if (method == "centre" and metric != "trunk_rotation_deg" and frames.sum() >= 3
                and _dwell_s(values, t / 1000.0, frames) < REST_MIN_DWELL_S):
            # The person only passes through the middle, never rests there: the neutral is midway between the two
            # sides' typical extremes. (Trunk rotation is judged on the fused rotation instead, in
            # _refine_rotation_neutral: the raw one reads a third of a turn, so its rest merges with a side.)
            midpoint = sides_midpoint(np.where(start, values, math.nan))
            if math.isfinite(midpoint):
                note = NO_MIDDLE_REST
        if frames.sum() < 3:
            idx = np.flatnonzero(start if start.any() else detected)[:15]
            frames = np.zeros(len(raw), dtype=bool)
            frames[idx] = True
            note = "no rest found in the start posture: the first frames in it"
            method = "start"
    idx = np.flatnonzero(frames)
    names = [n for n in geometry.METRIC_NAMES if geometry.METRICS_BY_NAME[n].relative_to_neutral]
    if rotation_only:
        names = ["trunk_rotation_deg"]
    neutral_values = {}
    for n in names:
        col = np.array([raw[i].angles.get(n, math.nan) for i in idx], dtype=float)
        col = col[np.isfinite(col)]
        neutral_values[n] = float(np.median(col)) if col.size else 0.0
    if note == NO_MIDDLE_REST and metric in neutral_values and math.isfinite(midpoint):
        neutral_values[metric] = midpoint
    return Neutral(method, metric, tuple(int(i) for i in idx), neutral_values, note)


def measure_series(series: PoseSeries, exercise: Exercise | None, *, calibrate_s: float | None = None,
                   raw: list[Measurement] | None = None) -> tuple[list[Measurement], Neutral | None]:
    """Every frame's measurement, relative to the neutral found over the whole recording, smoothed.

    Trunk rotation comes from the fused :class:`~formcheck.rotation.TrunkRotationEstimator` against the
    neutral's frames, with or without an exercise (MediaPipe's world landmarks alone read about a third of a
    real turn). Without an exercise only trunk rotation is made relative (the other metrics stay absolute
    unless ``calibrate_s`` asks for a neutral). Every frame is in the same basis. ``raw``: each frame's raw
    measurement, when the landmark pass made them already.
    """
    out, neutral = _measure_unsmoothed(series, exercise, calibrate_s=calibrate_s, raw=raw)
    return smooth(out, _fps(series)), neutral


def _measure_unsmoothed(series: PoseSeries, exercise: Exercise | None, *, calibrate_s: float | None = None,
                        raw: list[Measurement] | None = None) -> tuple[list[Measurement], Neutral | None]:
    """:func:`measure_series` before smoothing."""
    poses = [p for p, _ in series.poses()]
    if raw is None or len(raw) != len(poses):
        raw = [raw_measurement(p, t) for p, t in zip(poses, series.timestamps_ms, strict=True)]
    neutral = find_neutral(raw, exercise, calibrate_s=calibrate_s,
                           rotation_only=exercise is None and calibrate_s is None)
    rotation: list[float] | None = None
    if neutral is not None:
        estimator = TrunkRotationEstimator()
        if estimator.learn([poses[i] for i in neutral.frames]):
            rotation = estimator.measure_all(poses, _fps(series))
            if neutral.metric == "trunk_rotation_deg" and calibrate_s is None:
                neutral, rotation = _refine_rotation_neutral(raw, poses, exercise, neutral, estimator, rotation,
                                                             _fps(series))
    if neutral is not None and geometry.runs_shipped("shoulders_back_deg"):
        world = np.array([p.world_xyz_m for p in poses], dtype=float)
        body_up, neutral = _shoulders_back_from_body_up(raw, world, neutral)
        if neutral.metric == "shoulders_back_deg" and calibrate_s is None:
            # its rest found again on the reading against the body's up, then that up from the rest's frames
            again = find_neutral(body_up, exercise)
            if again is not None:
                body_up, neutral = _shoulders_back_from_body_up(raw, world, again)
        raw = body_up
    out = []
    for i, m in enumerate(raw):
        if neutral is not None:
            angles = {k: v - neutral.values.get(k, 0.0) for k, v in m.angles.items()}
            if rotation is not None:
                angles["trunk_rotation_deg"] = rotation[i]
            m = replace(m, angles=angles)
        out.append(m)
    return out, neutral


def _shoulders_back_from_body_up(raw: list[Measurement], world_xyz_m: np.ndarray, neutral: Neutral
                                 ) -> tuple[list[Measurement], Neutral]:
    """``shoulders_back_deg`` of every frame measured against the body's own up at the neutral (the median trunk
    axis of its frames, :func:`geometry.trunk_up_xyz`) instead of the camera's, and its neutral value again.

    A camera above or below the person, or rolled, tips the camera's up against the body's; MediaPipe's trunk is
    not in the plane of its left axis and that up, so the tip leaked into the squeeze's reading (up to 2.9 deg on
    a real squeeze, whose range is a few degrees). The body's up turns with the scene: the reading is the same."""
    name = "shoulders_back_deg"
    idx = list(neutral.frames)
    if name not in neutral.values or not idx:
        return raw, neutral
    up = geometry.trunk_up_xyz(world_xyz_m[idx])
    values = geometry.shoulders_back_deg(world_xyz_m, up)
    out = [replace(m, angles={**m.angles, name: float(v)}) if name in m.angles else m
           for m, v in zip(raw, values, strict=True)]
    col = values[idx]
    col = col[np.isfinite(col)]
    return out, replace(neutral, values={**neutral.values, name: float(np.median(col)) if col.size else 0.0})


def _near_middle(values: np.ndarray, start: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Frames among ``ok`` (with a value) within the rest band (:func:`_rest_band` of their :func:`_spread`) of
    midway between the two sides' typical extremes (:func:`sides_midpoint` over ``start``)."""
    ok = ok & np.isfinite(values)
    midpoint = sides_midpoint(np.where(start, values, math.nan))
    if ok.sum() < 3 or not math.isfinite(midpoint):
        return np.zeros_like(ok)
    return ok & (np.abs(values - midpoint) <= _rest_band(_spread(values[ok])))


def _refine_rotation_neutral(raw: list[Measurement], poses: list, exercise: Exercise | None, neutral: Neutral,
                             estimator: TrunkRotationEstimator, rotation: list[float], fps: float = 30.0
                             ) -> tuple[Neutral, list[float]]:
    """The rest found again on the fused rotation instead of the raw world-landmark one.

    The raw metric reads a third of a real turn, and turns towards an oblique camera even less, so its rest
    and one side's holds can lie within its rest band: on the wide render set the first neutral sat in a turn
    (11-28 deg) in 4 of 14 seated clips. The fused rotation spreads the same movement about three times wider,
    so its rest stands apart. The same rule (:func:`_rest_frames`) runs on it, keeping the frames where the
    person is not bent sideways (a side bend reads no rotation, so it would look like rest); the estimator and
    every neutral-relative metric then learn from those frames.

    A rest is a pause (:data:`REST_MIN_DWELL_S`). When the fused rotation's middle is only passed through:

    * a rest the first neutral found where the person does pause is kept (MediaPipe can miss most of one side's
      turn, so the fused rotation's extremes can be the other side's turn and the rest). Like every dwell it is
      judged on the movement's speed, not each frame's (:func:`_slow`): with the raw metric's frame noise
      (about 2 deg at 1 cm landmark noise) a continuous twist's passing frames "dwelt" 0.3-0.6 s. Only its
      upright frames are kept, the estimator and every neutral-relative metric learning from them again: a side
      bend reads no rotation on the raw metric either, so its rest can take in held bends (the wide set's side
      bends: frames bent 41-50 deg, the tilt's neutral several degrees off);
    * otherwise the pause that both sides' turns go out from and come back to (:func:`_rest_between_turns`) is
      the rest, wherever it reads: a first neutral taken mid-turn can put the rest beyond one side's holds, or
      in one histogram peak with them (the wide set's seated_rot_12: rest -30 deg, holds +38 and -50; the
      histogram kept 3 frames passing through -7, and the first neutral, 3 frames mid-turn, is no pause);
    * otherwise the person never rests in the middle (a continuous twist): the estimator learns from the frames
      that pass closest to midway between the two sides' typical turns (:func:`sides_midpoint`) on the fused
      rotation (:func:`_near_middle`), and the rotation is centred there, unless those frames together last less
      than the shortest pause (:data:`REST_MIN_DWELL_S`): a handful of frames passing the middle at full speed
      carry the frame noise and any lag between the cues, and the estimator's width at rest comes from them. A
      real Russian twist made leaning back has 50-65 upright frames of 427; under 1% landmark noise (seed 62 of
      64) 3 of them lay near the fused middle (0.05 s at 60 fps), two reading +6 deg fused and +17 deg on the raw
      metric (about +4 expected): learnt from, their narrowed shoulders squeezed every turn to +-32 deg (+-50
      unstressed) and the last left turn was lost. The rest is then kept as it was.

    Kept as it was when fewer than 3 frames are found (by the histogram, with no pause of the first two kinds).
    """
    values = np.array(rotation, dtype=float)
    t = np.array([m.timestamp_ms for m in raw], dtype=float) / 1000.0
    exit_p = abs(exercise.rep.threshold_progress(exercise.rep.exit)) if exercise is not None else None
    start = _in_start(raw, exercise)
    level = ~np.array(estimator.bent_all(poses), dtype=bool)
    frames = _rest_frames(values, t, start, "centre", "sides", "trunk_rotation_deg", exit_p) & level
    few = frames.sum() < 3
    no_rest = few or _dwell_s(values, t, frames) < REST_MIN_DWELL_S
    if no_rest:
        first = np.zeros(len(raw), dtype=bool)
        first[list(neutral.frames)] = True
        bent = first & ~level
        first &= level  # a side bend reads no rotation on the raw metric either: the person rests upright
        raw_values = np.array([m.angles.get(neutral.metric, math.nan) for m in raw], dtype=float)
        if first.sum() >= 3 and _dwell_s(raw_values, t, first) >= REST_MIN_DWELL_S:
            if not bent.any():
                return neutral, rotation
            frames, no_rest = first, False  # the first neutral's upright frames, learnt from again
    if no_rest:
        between = _rest_between_turns(values, t, start & level)
        if between.sum() >= 3:
            frames, no_rest = between, False
    no_rest &= not few  # nothing passed through either: kept as it was
    if no_rest:
        near = _near_middle(values, start, start & level)
        if near.sum() * float(np.median(np.diff(t))) < REST_MIN_DWELL_S:  # a handful of passing frames
            return neutral, rotation
        frames = near
    idx = np.flatnonzero(frames)
    if idx.size < 3 or not estimator.learn([poses[i] for i in idx]):
        return neutral, rotation
    neutral_values = {}
    for n in neutral.values:
        col = np.array([raw[i].angles.get(n, math.nan) for i in idx], dtype=float)
        col = col[np.isfinite(col)]
        neutral_values[n] = float(np.median(col)) if col.size else 0.0
    refined = replace(neutral, frames=tuple(int(i) for i in idx), values=neutral_values)
    rotation = estimator.measure_all(poses, fps)
    if no_rest:  # centred midway between the sides' typical turns, not where the passing frames happen to read
        shift = sides_midpoint(np.where(start, np.array(rotation, dtype=float), math.nan))
        if math.isfinite(shift):
            rotation = [r - shift for r in rotation]
            refined = replace(refined, note=NO_MIDDLE_REST)
    return refined, rotation


def _half_window(fps: float) -> int:
    """The smoothing half-window in frames at ``fps`` (:data:`SMOOTH_HALF_WINDOW_S`)."""
    return max(1, round(SMOOTH_HALF_WINDOW_S * fps))


def smooth(ms: list[Measurement], fps: float) -> list[Measurement]:
    """Zero-phase smoothing of every metric (:func:`formcheck.filtering.zero_phase_smooth`), never across
    frames without a person."""
    half = _half_window(fps)
    if not ms:
        return ms
    names = list(ms[0].angles)
    smoothed = {n: zero_phase_smooth(np.array([m.angles.get(n, math.nan) if m.detected else math.nan
                                               for m in ms], dtype=float), half) for n in names}
    return [replace(m, angles={n: float(smoothed[n][i]) if m.detected else m.angles[n] for n in names})
            for i, m in enumerate(ms)]


def frame_noise(ms: list[Measurement], metric: str) -> float:
    """The frame-to-frame noise of ``metric`` in a recording, as a standard deviation in the metric's unit.

    From the second differences of consecutive frames' values (``v[i+1] - 2 v[i] + v[i-1]``, over frames with a
    person and a value), whose spread is sqrt(6) times the noise of independent frames and in which a movement at
    a steady speed cancels: robustly, 1.4826 times their median absolute value over sqrt(6). On the real clips:
    0.16 deg for MediaPipe's shoulder depth (a wall W retraction from behind), 0.7 deg for the fused rotation of a
    Russian twist at 60 fps (the deviation from a moving average read 2.0 there: the twist's own curve). 0
    without three consecutive frames with a value.
    """
    v = np.array([m.angles.get(metric, math.nan) if m.detected else math.nan for m in ms], dtype=float)
    d2 = v[2:] - 2.0 * v[1:-1] + v[:-2]
    d2 = d2[np.isfinite(d2)]
    if d2.size < 1:
        return 0.0
    return float(1.4826 * np.median(np.abs(d2)) / math.sqrt(6.0))


def fitted_end(ms: list[Measurement], metric: str, half: int, noise_deg: float) -> tuple[float, float] | None:
    """``metric`` at the last frame as a straight line through the last ``2 * half + 1`` frames reads it (least
    squares), and that reading's noise for frames of ``noise_deg`` independent noise (sqrt((4n - 2) / (n (n + 1)))
    times it, n frames). At the end of a recording the zero-phase smoother (:func:`smooth`) leaves the last frame
    as it is; the line follows a steady return without lag, with about half the last frame's noise. None unless
    all those frames have a person and a value."""
    n = 2 * half + 1
    if len(ms) < n or n < 3:
        return None
    v = np.array([m.angles.get(metric, math.nan) if m.detected else math.nan for m in ms[-n:]], dtype=float)
    if not np.isfinite(v).all():
        return None
    slope, intercept = np.polyfit(np.arange(n, dtype=float), v, 1)
    return float(intercept + slope * (n - 1)), noise_deg * math.sqrt((4 * n - 2) / (n * (n + 1)))


def measure_and_count(series: PoseSeries, exercise: Exercise | None, *, calibrate_s: float | None = None,
                      raw: list[Measurement] | None = None) -> Counted:
    """The one measuring-and-counting path: a landmark series in, measurements, reps and holds out.

    ``formcheck analyze``, ``benchmarks/accuracy.py``, ``benchmarks/real_clips.py`` and their regression gates
    all call this, so what the benchmarks measure is what users get.
    """
    unsmoothed, neutral = _measure_unsmoothed(series, exercise, calibrate_s=calibrate_s, raw=raw)
    ms = smooth(unsmoothed, _fps(series))
    if exercise is None:
        return Counted(ms, neutral, [None] * len(ms), [], None)
    noise_deg = frame_noise(unsmoothed, exercise.rep.metric)
    session = ExerciseSession(exercise, noise_deg=noise_deg)
    poses = (p for p, _ in series.poses())
    feedback: list[Feedback | None] = [session.update(m, confidence=frame_confidence(m, pose, exercise))
                                       for m, pose in zip(ms, poses, strict=True)]
    session.close(end=fitted_end(unsmoothed, exercise.rep.metric, _half_window(_fps(series)), noise_deg))
    return Counted(ms, neutral, feedback, session.records, session)
