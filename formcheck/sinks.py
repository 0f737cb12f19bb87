"""Sinks: where results go. Each is a context manager that leaves a complete, valid file behind when the
work ends normally, on an error, or on Ctrl-C.

* :class:`CsvSink` writes one row at a time (complete lines only);
* :class:`VideoSink` encodes H.264 (yuv420p, ``+faststart``) with PyAV, which browsers and phones play;
* :func:`write_json` writes a file atomically (a temporary file, then a rename).

Nothing here overwrites a user's file unless asked: :func:`prepare_output_dir` checks first
(:mod:`formcheck.output_folder` adds a lock and temporary names for a whole run). A full disk or another
write failure becomes an :class:`~formcheck.errors.OutputError` that names the file (:func:`write_error`).
"""

from __future__ import annotations

import csv
import errno
import json
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from formcheck.errors import OutputError

#: errno values that mean the disk (or the user's quota) is full.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def write_error(exc: OSError, path: Path) -> OutputError:
    """The one-line error for a failed write of ``path``: a full disk says so and how to fix it."""
    if exc.errno in DISK_FULL_ERRNOS:
        return OutputError(f"the disk is full while writing {path}; free space or choose another --out")
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot write {path} ({reason}): choose another folder with --out DIR")


def prepare_output_dir(out_dir: Path, filenames: Sequence[str], *, force: bool) -> Path:
    """Creates ``out_dir`` if needed and checks that the outputs may be written there.

    Raises:
        OutputError: the folder cannot be created or written, is a file, or already holds one of
            ``filenames`` and ``force`` is False.
    """
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise OutputError(f"output folder {out} is a file: choose another folder with --out DIR")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out} ({exc.strerror}): choose another with --out DIR") from None
    existing = [name for name in filenames if (out / name).exists()]
    if existing and not force:
        raise OutputError(
            f"{out} already holds {', '.join(existing)}: choose another folder with --out DIR, "
            "or add --force to overwrite them"
        )
    try:
        with tempfile.NamedTemporaryFile(dir=out, prefix=".formcheck-write-test-"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write to output folder {out} ({exc.strerror}): choose another with --out DIR") from None
    return out


#: The annotated video's long side, by default (``--video-size source`` keeps the source's size): a 1080x1920 or
#: 4K source is drawn and encoded at 720x1280 or 1280x720, which plays well anywhere and costs a fraction of the
#: source's size to encode (see ``docs/performance.md``).
VIDEO_LONG_SIDE_PX = 1280


def video_size_wh(resolution_wh: tuple[int, int], long_side_px: int | None = VIDEO_LONG_SIDE_PX) -> tuple[int, int]:
    """The annotated video's size for a ``resolution_wh`` source: the same aspect, at most ``long_side_px`` on
    the long side (None: the source's size), both sides even (H.264 in yuv420p needs them even)."""
    w, h = resolution_wh
    if long_side_px is not None and max(w, h) > long_side_px:
        k = long_side_px / max(w, h)
        w, h = round(w * k), round(h * k)
    return max(2, w + w % 2), max(2, h + h % 2)


def _format_cell(value: object) -> object:
    if isinstance(value, bool | np.bool_):
        return int(value)
    if isinstance(value, float | np.floating):
        return "" if not math.isfinite(value) else f"{float(value):.3f}"
    return value


class CsvSink:
    """Writes rows to a CSV file; blank cells stand for values that could not be measured (NaN).

    Floats are written with 3 decimals. Use as a context manager.

    Args:
        path: the file to write.
        header: the column names.
        shown_as: the path error messages name (default ``path``), e.g. the final name of a file written under
            a temporary one.

    Raises:
        OutputError: the file cannot be written, or the disk is full (:func:`write_error`).
    """

    def __init__(self, path: Path, header: Sequence[str], *, shown_as: Path | None = None) -> None:
        self.path = Path(path)
        self.shown_as = Path(shown_as) if shown_as is not None else self.path
        self.header = list(header)
        self._file = None
        self._writer = None
        self.rows_written = 0

    def __enter__(self) -> CsvSink:
        try:
            self._file = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in __exit__)
        except OSError as exc:
            raise write_error(exc, self.shown_as) from None
        self._writer = csv.writer(self._file)
        self._write([self.header])
        return self

    def _write(self, rows: list[Sequence[object]]) -> None:
        assert self._writer is not None and self._file is not None
        try:
            self._writer.writerows(rows)
            self._file.flush()  # complete rows reach the file as they are made (crash- and Ctrl-C-safe)
        except OSError as exc:
            raise write_error(exc, self.shown_as) from None

    def write(self, row: dict[str, object] | Sequence[object]) -> None:
        """Writes one row, given as a mapping by column name or a sequence in header order."""
        assert self._writer is not None, "use CsvSink as a context manager"
        if isinstance(row, dict):
            values: Iterable[object] = (row.get(name, "") for name in self.header)
        else:
            values = row
        self._write([[_format_cell(v) for v in values]])
        self.rows_written += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._file is None:
            return
        file, self._file = self._file, None
        try:
            file.close()
        except OSError as close_exc:
            if exc_type is None:  # on an error already raised, that one is the news: the file is closed anyway
                raise write_error(close_exc, self.shown_as) from None


#: x264's preset and quality (CRF) for the annotated video, measured with ``benchmarks/encoder_settings.py``
#: (``docs/performance.md``): ``ultrafast`` at CRF 28 takes half the CPU of ``veryfast`` at 23 (5.1 against
#: 11.4 ms a 720x1280 frame) for the same PSNR (38.2 against 38.1 dB), in files about 2.5x larger.
PRESET = "ultrafast"
CRF = 28


def bgr_to_i420(image_bgr: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A BGR picture (even sides) as the encoder takes it: planar YUV 4:2:0 (BT.601, limited range), the Y
    plane above the U and V planes (``(h * 3 / 2, w)``).

    OpenCV's conversion rather than FFmpeg's (which PyAV runs when handed BGR): the same coefficients (every
    value within 1 on flat colours), chroma subsampled by another filter (round trip of a real 720x1280 frame
    PSNR 44.4 against 41.0 dB; of a synthetic picture with strong colour detail, encoded, 33.0 against 34.7),
    less CPU (1.4 against 3.3 ms a 720x1280 frame, ``docs/performance.md``) and the GIL released while it
    works.
    """
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(image_bgr), cv2.COLOR_BGR2YUV_I420)


class VideoSink:
    """Encodes BGR frames to an H.264 ``.mp4`` (yuv420p, moov atom first) with PyAV.

    Frames are stamped with their own presentation times (milliseconds), so a file with a variable frame
    rate plays at its true speed. Closing (also on an error or Ctrl-C) flushes the encoder and finalises the
    file, so what was written so far plays.

    Args:
        container_format: the container (default: from the file's suffix), e.g. ``"mp4"`` for a file written
            under a temporary name such as ``annotated.mp4.partial``.
        shown_as: the path error messages name (default ``path``).

    Raises:
        OutputError: the file cannot be written, or the disk is full (:func:`write_error`).
    """

    def __init__(self, path: Path, resolution_wh: tuple[int, int], fps: float, *, crf: int = CRF,
                 preset: str = PRESET, container_format: str | None = None, shown_as: Path | None = None) -> None:
        self.path = Path(path)
        self.shown_as = Path(shown_as) if shown_as is not None else self.path
        self.container_format = container_format
        w, h = resolution_wh
        # yuv420p needs even dimensions; odd ones are padded by one pixel.
        self.resolution_wh = (w + w % 2, h + h % 2)
        self.fps = fps if fps and fps > 0 else 30.0
        self.crf = crf
        self.preset = preset
        self._container = None
        self._stream = None
        self._last_pts = -1
        self.frames_written = 0

    def __enter__(self) -> VideoSink:
        import av

        try:
            self._container = av.open(str(self.path), mode="w", format=self.container_format,
                                      options={"movflags": "+faststart"})
        except OSError as exc:  # PyAV's errno errors are OSErrors too
            raise write_error(exc, self.shown_as) from None
        except av.error.FFmpegError as exc:
            raise OutputError(f"cannot write video {self.shown_as} ({exc}): choose another folder with --out DIR") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.resolution_wh
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": str(self.crf), "preset": self.preset}
        self._stream = stream
        return self

    def write(self, image_bgr: NDArray[np.uint8], timestamp_ms: int) -> None:
        import av

        assert self._container is not None and self._stream is not None, "use VideoSink as a context manager"
        w, h = self.resolution_wh
        if image_bgr.shape[1] != w or image_bgr.shape[0] != h:
            padded = np.zeros((h, w, 3), dtype=np.uint8)
            padded[: image_bgr.shape[0], : image_bgr.shape[1]] = image_bgr[:h, :w]
            image_bgr = padded
        frame = av.VideoFrame.from_ndarray(bgr_to_i420(image_bgr), format="yuv420p")
        pts = max(int(timestamp_ms), self._last_pts + 1)
        frame.pts = pts
        frame.time_base = Fraction(1, 1000)
        self._last_pts = pts
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except OSError as exc:
            raise write_error(exc, self.shown_as) from None
        self.frames_written += 1

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._container is None:
            return
        import av

        container, self._container = self._container, None
        try:
            try:
                if self._stream is not None:
                    for packet in self._stream.encode(None):
                        container.mux(packet)
            finally:
                container.close()
        except (OSError, av.error.FFmpegError) as close_exc:
            if exc_type is not None:  # on an error already raised, that one is the news
                return
            if isinstance(close_exc, OSError):
                raise write_error(close_exc, self.shown_as) from None
            raise OutputError(f"cannot write video {self.shown_as} ({close_exc}): choose another folder with --out DIR") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _finite(value: Any) -> Any:
    """NaN and infinities become null (JSON has no NaN)."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_json(path: Path, data: dict[str, Any], *, shown_as: Path | None = None) -> None:
    """Writes ``data`` as indented JSON atomically: readers see the old file or the whole new one.

    Raises:
        OutputError: it cannot be written, or the disk is full (naming ``shown_as``, default ``path``).
    """
    path = Path(path)
    try:
        _write_json(path, data)
    except OSError as exc:
        raise write_error(exc, Path(shown_as) if shown_as is not None else path) from None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; give it a normal file's permissions
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(_finite(data), f, indent=2, default=_json_default, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
