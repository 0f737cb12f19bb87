"""Frame sources: where pictures come from. Each yields :class:`~formcheck.types.Frame` objects.

A source is an iterable of frames with ``info`` (what is known up front) and ``close()``; the caller owns
the loop. :class:`VideoFileSource` streams a file with PyAV (real presentation timestamps, one frame in
memory at a time, so memory stays flat however long the video is). Camera sources live in
:mod:`formcheck.live`.
"""

from __future__ import annotations

import errno
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import SourceError
from formcheck.pose import ModelInput
from formcheck.types import Frame

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceInfo:
    """What is known about a source before reading it.

    Attributes:
        name: the file's path, or a camera's description.
        resolution_wh: frame size in pixels, as displayed (after ``rotation_deg``).
        fps: nominal frame rate (frames per second).
        frame_count: number of frames: the container's count, or an estimate from duration x nominal rate when
            it has none (MKV, WebM: see ``frame_count_estimated``); 0 when unknown, e.g. a camera.
        duration_s: length in seconds when known (0.0 otherwise).
        codec: the video codec's name.
        rotation_deg: clockwise rotation applied to every stored picture to show it as recorded (0, 90, 180
            or 270): phones store a portrait recording landscape with a display matrix that says so.
        frame_count_estimated: ``frame_count`` is an estimate (wrong for variable-frame-rate files).
    """

    name: str
    resolution_wh: tuple[int, int]
    fps: float
    frame_count: int
    duration_s: float
    codec: str
    rotation_deg: int = 0
    frame_count_estimated: bool = False

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["resolution_wh"] = list(self.resolution_wh)
        return d


class PendingFrame:
    """A decoded picture whose conversion to BGR waits until someone needs it.

    A video decoder gives YUV pictures; converting one to BGR (FFmpeg's ``sws_scale``) costs about as much as
    decoding it. A live source delivers frames faster than the model takes them, so converting only the
    frames that are used saves that work on every frame dropped. :meth:`frame` converts the picture the first
    time it is called and returns the same :class:`Frame` afterwards; a second thread that asks while the
    first is converting waits for it instead of converting again.

    Attributes:
        timestamp_ms: the frame's presentation time in milliseconds.
        index: the frame's position in its source.
    """

    __slots__ = ("timestamp_ms", "index", "_convert", "_frame", "_lock")

    def __init__(self, convert: Callable[[], NDArray[np.uint8]], timestamp_ms: int, index: int) -> None:
        self.timestamp_ms = timestamp_ms
        self.index = index
        self._convert: Callable[[], NDArray[np.uint8]] | None = convert
        self._frame: Frame | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, frame: Frame) -> PendingFrame:
        """A frame that is already converted (a camera's, or a source without pending frames)."""
        pending = cls(lambda: frame.image_bgr, frame.timestamp_ms, frame.index)
        pending._frame, pending._convert = frame, None
        return pending

    @property
    def converted(self) -> bool:
        return self._frame is not None

    def restamped(self, timestamp_ms: int) -> PendingFrame:
        """The same picture at another time (the live capture clock's); converted once, whichever is used."""
        return PendingFrame(lambda: self.frame().image_bgr, timestamp_ms, self.index)

    def frame(self) -> Frame:
        """The picture in BGR, converted now if nobody has converted it yet."""
        with self._lock:
            if self._frame is None:
                assert self._convert is not None
                self._frame = Frame(image_bgr=self._convert(), timestamp_ms=self.timestamp_ms, index=self.index)
                self._convert = None  # frees the decoded picture
            return self._frame


class FrameSource(Protocol):
    """Anything that yields frames: a video file, a camera, a file played as a camera."""

    info: SourceInfo

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


def _video_fix(path: Path) -> str:
    return f"check that {path} is a complete video file (e.g. .mp4, .mov, .avi, .mkv) and plays in a video player"


#: ``scheme://`` at the start of what was given as a video (``Path`` has already folded ``//`` into ``/``).
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+")

#: A file whose pictures stop this much (or 3 frames, if longer) before the duration its container announces
#: has lost its end. The slack covers an audio track that runs a little past the pictures when only the
#: container's duration is known; a variable frame rate does not move the end, only the number of frames.
END_SLACK_S = 0.5


def _shown(path: Path | str, limit: int = 80) -> str:
    """``path`` for a one-line message: a name too long to read is cut in the middle."""
    text = str(path)
    return text if len(text) <= limit else f"{text[:limit // 2]}...{text[-(limit // 4):]} ({len(text)} characters)"


def _check_path(given: Path | str) -> Path:
    """The video's path, expanded; raises :class:`SourceError` for what is not a readable file's path."""
    text = str(given)
    if text == "-":
        raise SourceError("'-' (standard input) is not supported as the video: save the video to a file and "
                          "give that file's path")
    p = Path(given).expanduser()
    try:
        exists = p.exists()
        if exists and p.is_dir():
            raise SourceError(f"{p} is a folder, not a video file: give the path of a video file inside it")
        if exists and p.stat().st_size == 0:
            raise SourceError(f"video file {p} is empty (0 bytes): {_video_fix(p)}")
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise SourceError(f"video not found: the name {_shown(p)} is longer than this system allows for a "
                              "file: check the path, or rename the video to a shorter name") from None
        raise SourceError(f"cannot look at {_shown(p)} ({exc.strerror or exc}): check the path and that its "
                          "folders can be read") from None
    if not exists:
        if _URL.match(text):
            url = _URL.sub(lambda m: f"{m.group(1)}://", text, count=1)
            raise SourceError(f"{_shown(url)} is a URL: formcheck reads video files, not URLs or streams: download "
                              "the video first (e.g. curl -L -o clip.mp4 'URL') and give the file's path")
        raise SourceError(f"video not found: {_shown(p)}: check the path (ls {p.parent or '.'})")
    return p


def _display_rotation_deg(path: Path) -> int:
    """The clockwise rotation (0, 90, 180, 270) a player gives the pictures of ``path`` to show them upright.

    Phones store a portrait recording as landscape pictures plus a display matrix; FFmpeg hands the matrix
    to every decoded frame, where PyAV reads its rotation (``VideoFrame.rotation``: degrees counter-clockwise,
    e.g. -90 for an upright phone). It is read from the first frame; rotations that are not a quarter turn
    are rounded to one (no phone writes those).
    """
    import av

    try:
        with av.open(str(path), mode="r") as probe:
            for vframe in probe.decode(probe.streams.video[0]):
                return (-round(vframe.rotation / 90) * 90) % 360
    except (av.error.FFmpegError, OSError, ValueError, IndexError):
        pass  # the real read reports what is wrong with the file
    return 0


def _stream_duration_s(container: InputContainer, stream: VideoStream) -> float:
    """The video stream's own duration, else a Matroska track's ``DURATION`` tag (``HH:MM:SS.nnnnnnnnn``),
    else the container's (which may include a longer audio track)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    tag = next((str(v) for k, v in stream.metadata.items() if k.upper() == "DURATION"), "")
    match = re.fullmatch(r"(\d+):(\d{2}):(\d{2}(?:\.\d+)?)", tag.strip())
    if match:
        h, m, sec = match.groups()
        return int(h) * 3600 + int(m) * 60 + float(sec)
    if container.duration:
        return container.duration / 1_000_000
    return 0.0


class SpanError(Exception):
    """A file cannot be read by span exactly as it is read whole (no timestamps, timestamps that do not
    increase, a seek that lands after the span's start, a decoding error): read it whole instead."""


@dataclass(frozen=True)
class Span:
    """A stretch of a video file's frames, by presentation time from the stream's start.

    The span holds the frames from ``start_s`` (None: the first frame) up to, not including, ``stop_s`` (None:
    the last). The ``warmup_s`` seconds of frames before ``start_s`` are read too and marked as warm-up (a
    tracker settles on them; their results are not kept). Spans that share their ends split a file's frames
    exactly, whatever its frame rate: a frame belongs to the span its timestamp falls in.
    """

    start_s: float | None = None
    stop_s: float | None = None
    warmup_s: float = 0.0

    def pts_bounds(self, start_pts: int, time_base: Fraction | None
                   ) -> tuple[int | None, int | None, int | None] | None:
        """``(warm-up start, start, stop)`` in the stream's timestamp units (None: open); None when the
        stream has no time base."""
        if time_base is None or not time_base:
            return None

        def pts(seconds: float | None) -> int | None:
            return None if seconds is None else start_pts + int(round(Fraction(seconds) / time_base))

        warmup_from = None if self.start_s is None else max(0.0, self.start_s - self.warmup_s)
        return (None if not warmup_from else pts(warmup_from)), pts(self.start_s), pts(self.stop_s)


class VideoFileSource:
    """Streams the frames of a video file with their presentation timestamps.

    Pictures come out as displayed: a phone's rotation flag (display matrix) is applied to every frame, and
    ``info.rotation_deg`` says so.

    Raises :class:`SourceError` on open for a missing path, a folder, an empty file, a file that is not a
    video or has no video stream, a URL or standard input (``-``). A file whose decoding fails, or that ends
    before what its container announces (the frames in its index, or its duration when the frame count is
    only an estimate, as in MKV and WebM files with a variable frame rate), ends the iteration at the last
    good frame and sets :attr:`truncated`.

    ``decoder_threads``: the H.264 (or other) decoder's threads; None leaves it to FFmpeg. A file played as
    a camera decodes with one (:class:`formcheck.live.sources.PacedFileSource`).
    """

    def __init__(self, path: Path | str, *, decoder_threads: int | None = None) -> None:
        import av

        self.path = _check_path(path)
        p = self.path
        try:
            self._container = av.open(str(p), mode="r")
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise SourceError(f"cannot read {p} as a video ({_first_line(exc)}): {_video_fix(p)}") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError(f"{p} has no video stream: {_video_fix(p)}")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        if decoder_threads is not None:  # else FFmpeg's choice (about one a CPU, frame and slice threads)
            self._stream.thread_count = decoder_threads
        ctx = self._stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width <= 0 or height <= 0:
            self._container.close()
            raise SourceError(f"{p} has a video stream with no picture size: {_video_fix(p)}")
        rotation_deg = _display_rotation_deg(p)
        if rotation_deg in (90, 270):
            width, height = height, width
        rate = self._stream.average_rate or self._stream.guessed_rate or Fraction(0)
        fps = float(rate) if rate else 0.0
        duration_s = _stream_duration_s(self._container, self._stream)
        frame_count = int(self._stream.frames or 0)
        estimated = False
        if frame_count == 0 and fps > 0 and duration_s > 0:
            frame_count = round(duration_s * fps)
            estimated = True
        self.info = SourceInfo(
            name=str(p),
            resolution_wh=(width, height),
            fps=fps,
            frame_count=frame_count,
            duration_s=duration_s,
            codec=str(ctx.name),
            rotation_deg=rotation_deg,
            frame_count_estimated=estimated,
        )
        if rotation_deg:
            log.debug("%s: turning every picture %d deg clockwise, as its display matrix says", p, rotation_deg)
        self._scalers = Scalers()
        self.truncated = False
        #: Why the file could not be read to its end (set with ``truncated``).
        self.problem = ""
        self.frames_read = 0
        #: Where the pictures read so far end, in seconds (the last one's time plus a nominal frame).
        self.end_s = 0.0

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def frames(self, size_wh: tuple[int, int] | None = None) -> Iterator[Frame]:
        """The frames in BGR, at ``size_wh`` (as displayed; default the source's own size): FFmpeg decodes,
        scales and converts each picture in one step (area average when it scales down)."""
        for image, timestamp_ms, index, _ in self._pictures("bgr24", size_wh):
            yield Frame(image_bgr=image, timestamp_ms=timestamp_ms, index=index)

    def pending_frames(self) -> Iterator[PendingFrame]:
        """The frames decoded but not converted: each converts to BGR (at the source's size, turned as
        displayed) when its :meth:`PendingFrame.frame` is first called, also after later frames were decoded
        (the decoder does not reuse a picture something still holds)."""
        for convert, timestamp_ms, index, _ in self._pictures("bgr24", None, later=True):
            yield PendingFrame(convert, timestamp_ms, index)

    def model_inputs(self, size_wh: tuple[int, int], span: Span | None = None) -> Iterator[ModelInput]:
        """The frames as the pose model takes them: RGB at ``size_wh`` (see
        :func:`formcheck.pose.model_size_wh`). A picture made smaller by a whole factor (1920x1080 or
        1080x1920 to 960 px: 2) is scaled plane by plane in YUV and converted at the smaller size
        (:func:`planar_scaled`, a fifth of FFmpeg's CPU); any other is decoded, scaled and converted by FFmpeg
        in one step.

        With a ``span``, only that stretch of the file (see :class:`Span`): the decoder seeks to the key frame
        before it; its warm-up frames come first, marked ``warmup``; ``index`` counts from 0 at the span's
        first frame. Raises :class:`SpanError` when the file cannot be read by span exactly as it is read
        whole (the caller then reads it whole)."""
        for image, timestamp_ms, index, warmup in self._pictures("rgb24", size_wh, span, planar=True):
            yield ModelInput(image, self.info.resolution_wh, timestamp_ms, index, warmup=warmup)

    def _pictures(self, pixel_format: str, size_wh: tuple[int, int] | None, span: Span | None = None, *,
                  later: bool = False, planar: bool = False) -> Iterator[tuple[Any, int, int, bool]]:
        """``(picture, timestamp_ms, index, warmup)`` per frame; with ``later`` the picture is a function
        that converts it when called (:meth:`pending_frames`), else the converted picture. ``planar``: made
        smaller by :func:`planar_scaled` where it can be."""
        import av

        fps = self.info.fps or 30.0
        time_base = self._stream.time_base
        start_pts = self._stream.start_time
        quarter_turns_cw = self.info.rotation_deg // 90
        convert: dict[str, object] = {"format": pixel_format}
        planar_wh: tuple[int, int] | None = None
        if size_wh is not None and tuple(size_wh) != self.info.resolution_wh:
            w, h = size_wh if quarter_turns_cw % 2 == 0 else (size_wh[1], size_wh[0])  # the stored picture's
            convert |= {"width": int(w), "height": int(h), "interpolation": "AREA"}
            if planar and whole_factor(self.info.resolution_wh, size_wh) > 1:
                planar_wh = (int(w), int(h))
        bounds = None if span is None else span.pts_bounds(start_pts or 0, time_base)
        if span is not None and bounds is None:
            raise SpanError(f"{self.path}: the video stream has no time base")
        if bounds is not None and bounds[0] is not None:
            self._container.seek(bounds[0], backward=True, any_frame=False, stream=self._stream)
        index = 0
        last_pts: int | None = None
        end_s = 0.0  # where the pictures read so far end (the last one's time plus a nominal frame)
        try:
            for vframe in self._decoded(None if bounds is None else bounds[0]):
                warmup = False
                if bounds is not None:  # read by span: only where every frame's place is certain
                    warmup_pts, first_pts, stop_pts = bounds
                    pts = vframe.pts
                    if pts is None or (last_pts is not None and pts <= last_pts):
                        raise SpanError(f"{self.path}: frames without increasing timestamps")
                    if last_pts is None and warmup_pts is not None and pts > warmup_pts:
                        raise SpanError(f"{self.path}: seeking landed after the span's start")
                    last_pts = pts
                    if stop_pts is not None and pts >= stop_pts:
                        return
                    if warmup_pts is not None and pts < warmup_pts:
                        continue  # between the key frame and the warm-up: decoded, not converted
                    warmup = first_pts is not None and pts < first_pts
                if vframe.pts is not None and time_base is not None:
                    offset = vframe.pts - (start_pts or 0)
                    timestamp_ms = int(round(float(offset * time_base) * 1000))
                else:  # no timestamps in the container: derive them from the frame rate
                    timestamp_ms = int(round(index * 1000 / fps))
                converter = _converter(vframe, convert, quarter_turns_cw, self._scalers, planar_wh)
                image = converter if later else converter()
                if warmup:
                    yield image, timestamp_ms, -1, True
                    continue
                self.frames_read = index + 1
                end_s = max(end_s, timestamp_ms / 1000 + 1 / fps)
                self.end_s = end_s
                yield image, timestamp_ms, index, False
                index += 1
        except av.error.FFmpegError as exc:
            if span is not None:
                raise SpanError(f"{self.path}: decoding failed in a span ({_first_line(exc)})") from None
            self.truncated = True
            self.problem = f"{self.path} is damaged or cut short: decoding stopped after {index} frames ({_first_line(exc)})"
            log.debug(self.problem)
        if span is not None:  # the caller judges the whole file's end (check_end)
            return
        if index == 0:
            raise SourceError(f"no frame could be decoded from {self.path}: {_video_fix(self.path)}")
        if self.truncated:
            return
        self.check_end(index, end_s)

    def _decoded(self, skip_nonref_before_pts: int | None) -> Iterator[Any]:
        """The stream's decoded frames (``av.VideoFrame``) from where the container stands. With
        ``skip_nonref_before_pts``, pictures no other picture refers to (FFmpeg's ``skip_frame`` NONREF: in
        H.264 with B-frames, about half of them) are not decoded until the first packet at or after that
        timestamp: a chunk's way from the key frame to its warm-up is decoded and thrown away, and skipping a
        picture nothing refers to changes no other picture (``tests/test_landmark_chunks.py``: the frames from that
        timestamp on are byte for byte those of a full decode). The skip is set and lifted between packets, in
        decoding order, so every packet at or after the timestamp is decoded in full."""
        stream = self._stream
        context = stream.codec_context
        skipping = skip_nonref_before_pts is not None
        if skipping:
            context.skip_frame = "NONREF"
        try:
            for packet in self._container.demux(stream):
                if skipping and (packet.pts is None or packet.pts >= skip_nonref_before_pts):
                    context.skip_frame = "DEFAULT"
                    skipping = False
                yield from packet.decode()
        finally:
            if skipping:
                context.skip_frame = "DEFAULT"

    def check_end(self, frames: int, end_s: float) -> None:
        """Sets :attr:`truncated` when ``frames`` pictures ending at ``end_s`` seconds stop before the end the
        container announces (done by the reading itself, unless it read by span)."""
        info = self.info
        fps = info.fps or 30.0
        if frames == 0:
            raise SourceError(f"no frame could be decoded from {self.path}: {_video_fix(self.path)}")
        if info.frame_count_estimated:
            # The count is duration x nominal rate, which a variable frame rate makes wrong: judge by time.
            if end_s < info.duration_s - max(END_SLACK_S, 3 / fps):
                self.truncated = True
                self.problem = (f"{self.path} is cut short: its pictures stop at {end_s:.1f} s of the "
                                f"{info.duration_s:.1f} s it announces")
        elif info.frame_count and frames < info.frame_count * 0.98:
            self.truncated = True
            self.problem = f"{self.path} is cut short: it ended after {frames} of the {info.frame_count} frames it announces"
        if self.truncated:
            log.debug(self.problem)

    def close(self) -> None:
        """Closes the file and frees the decoder with its pictures (at 4K about 80 MiB); again: nothing."""
        self._container.close()
        self._stream = None  # type: ignore[assignment]  # the decoder lives as long as a reference to its stream

    def __enter__(self) -> VideoFileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: Threads of FFmpeg's scaler for one picture's scaling and conversion. swscale's default (0) is one a CPU:
#: on 2 CPUs that costs more CPU than it saves wall time, since the stages beside it (the model, drawing,
#: encoding) already keep the cores busy (``docs/performance.md``, "The scaler kept").
SCALER_THREADS = 1


class Scalers:
    """FFmpeg's scaler (a PyAV ``VideoReformatter``, one ``SwsContext``) kept from one picture to the next,
    one for each thread and set of options.

    PyAV's ``VideoFrame.to_ndarray(format=..., width=...)`` makes a new scaler for every picture, which works
    out its filters again (and starts its threads again) every frame. A kept scaler gives the same pixels for
    less CPU. A scaler must not be used by two threads at once, so each thread has its own: a live source's
    pictures are converted on the capture thread or on the pose thread.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def convert(self, vframe: Any, options: dict[str, object]) -> NDArray[np.uint8]:  # noqa: ANN401 (av.VideoFrame)
        """``vframe`` converted with ``options`` (``VideoFrame.reformat``'s: format, width, height,
        interpolation) as an array, as ``vframe.to_ndarray(**options)`` gives it."""
        kept: dict[tuple[tuple[str, object], ...], Any] | None = getattr(self._local, "reformatters", None)
        if kept is None:
            kept = self._local.reformatters = {}
        key = tuple(sorted(options.items()))
        reformatter = kept.get(key)
        if reformatter is None:
            from av.video.reformatter import VideoReformatter

            reformatter = kept[key] = VideoReformatter()
        return reformatter.reformat(vframe, threads=SCALER_THREADS, **options).to_ndarray()


def whole_factor(source_wh: tuple[int, int], target_wh: tuple[int, int]) -> int:
    """``k`` when ``target_wh`` is ``source_wh`` divided by a whole number ``k`` on both sides and has even
    sides (what :func:`planar_scaled` takes); 0 otherwise."""
    (sw, sh), (tw, th) = source_wh, target_wh
    if tw <= 0 or th <= 0 or tw % 2 or th % 2 or sw % tw or sh % th or sw // tw != sh // th:
        return 0
    return sw // tw


#: OpenCV's conversion from YUV 4:2:0 (BT.601, limited range) to each pixel format :func:`planar_scaled` gives.
_PLANAR_CODES = {"rgb24": "COLOR_YUV2RGB_I420", "bgr24": "COLOR_YUV2BGR_I420"}


def planar_scaled(vframe: Any, pixel_format: str, width: int, height: int) -> NDArray[np.uint8] | None:  # noqa: ANN401 (av.VideoFrame)
    """A decoded YUV 4:2:0 picture made ``k`` times smaller (``k`` = :func:`whole_factor`) and converted to
    ``pixel_format`` (``rgb24`` or ``bgr24``): each plane's ``k`` x ``k`` blocks averaged by OpenCV
    (``INTER_AREA``, Y to ``width`` x ``height``, U and V to half that), then converted at the smaller size
    (BT.601, limited range, as FFmpeg's scaler converts these files). About a fifth of the CPU of FFmpeg's
    scaling and conversion in one step (1.0 against 5.8 ms, 1080x1920 to 540x960), because the colour
    conversion runs on a quarter of the pixels; the pixels differ from FFmpeg's by 1.4 on average (PSNR 44
    dB), the model's landmarks no more than with FFmpeg's BILINEAR instead of AREA
    (``docs/performance.md``, "Issue 12's last target, 0.9 of raw at 1080x1920").

    None (the caller uses FFmpeg's scaler) when the picture is not limited-range ``yuv420p`` or the size is
    not a whole factor smaller."""
    import cv2

    if (getattr(vframe.format, "name", "") != "yuv420p" or pixel_format not in _PLANAR_CODES
            or whole_factor((vframe.width, vframe.height), (width, height)) < 2 or int(vframe.color_range or 0) == 2):
        return None
    area = width * height
    out = np.empty(area * 3 // 2, np.uint8)  # I420: the Y plane, then U and V at half the width and height
    targets = (out[:area].reshape(height, width), out[area:area * 5 // 4].reshape(height // 2, width // 2),
               out[area * 5 // 4:].reshape(height // 2, width // 2))
    for plane, target in zip(vframe.planes, targets, strict=True):
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, :plane.width]
        cv2.resize(rows, (target.shape[1], target.shape[0]), dst=target, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(out.reshape(height * 3 // 2, width), getattr(cv2, _PLANAR_CODES[pixel_format]))


def _converter(vframe: Any, convert: dict[str, object], quarter_turns_cw: int, scalers: Scalers,  # noqa: ANN401
               planar_wh: tuple[int, int] | None = None) -> Callable[[], NDArray[np.uint8]]:
    """Converts ``vframe`` (a PyAV picture) with ``convert``'s options and turns it as displayed, when called;
    with ``planar_wh`` (the stored picture's target size) by :func:`planar_scaled` where it can."""
    def run() -> NDArray[np.uint8]:
        image = None if planar_wh is None else planar_scaled(vframe, str(convert["format"]), *planar_wh)
        if image is None:
            image = scalers.convert(vframe, convert)
        if quarter_turns_cw:
            image = np.ascontiguousarray(np.rot90(image, k=-quarter_turns_cw))
        return image
    return run


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
