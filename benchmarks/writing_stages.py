"""The writing pass's stages one at a time, at 1080x1920 drawn at 720x1280: wall and CPU (all threads) a frame.

Decoding the source with and without FFmpeg's scaling and conversion to the annotated video's size (several
interpolations with a new scaler every picture as PyAV's ``to_ndarray`` makes it, AREA with the scaler kept as
formcheck does, and a YUV path with OpenCV's conversion), the BGR -> YUV 4:2:0 conversion the encoder needs
(FFmpeg's inside PyAV, or OpenCV's), and H.264 encoding (x264 ultrafast, CRF 28) with each. One thread, one
after the other, so each line is that stage's own cost; the machine's load is printed beside them.

    .venv/bin/python benchmarks/writing_stages.py [PORTRAIT_1080x1920.mp4]

Without a file, the portrait clip of ``benchmarks/analyze_benchmark.py`` is made from a sample clip.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_benchmark import DEFAULT_VIDEO, portrait_1080x1920, write_clip  # noqa: E402

from formcheck.sources import Scalers  # noqa: E402

W, H = 720, 1280


def timed(label: str, run: Callable[[], int]) -> None:
    c0, t0 = time.process_time(), time.perf_counter()
    n = run()
    c1, t1 = time.process_time(), time.perf_counter()
    print(f"{label:<46} {n:4d} frames  wall {1000 * (t1 - t0) / n:6.2f} ms  CPU {1000 * (c1 - c0) / n:6.2f} ms",
          flush=True)


def decode(src: Path, convert: dict | None = None, post: Callable | None = None, *,
           kept: bool = False) -> Callable[[], int]:
    """Decodes ``src`` and converts each picture with ``convert``: PyAV's ``to_ndarray`` (a new scaler every
    picture, swscale's threads) or, ``kept``, one scaler kept with one thread (``formcheck.sources.Scalers``)."""
    def run() -> int:
        n = 0
        scalers = Scalers()
        with av.open(str(src)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                if convert is not None:
                    image = scalers.convert(frame, convert) if kept else frame.to_ndarray(**convert)
                    if post is not None:
                        post(image)
                n += 1
        return n
    return run


def to_i420(image: np.ndarray, how: str) -> av.VideoFrame:
    if how == "ffmpeg":
        return av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    return av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), format="yuv420p")


def encode(frames: list[np.ndarray], out: Path, how: str) -> Callable[[], int]:
    def run() -> int:
        with av.open(str(out), "w") as container:
            stream = container.add_stream("libx264", rate=30)
            stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
            stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
            stream.options = {"crf": "28", "preset": "ultrafast"}
            for k, image in enumerate(frames):
                frame = (av.VideoFrame.from_ndarray(image, format="bgr24") if how == "ffmpeg"
                         else to_i420(image, how))
                frame.pts, frame.time_base = k * 33, Fraction(1, 1000)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        return len(frames)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, help="a 1080x1920 clip (default: made from a sample)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="formcheck-stages-") as tmp:
        src = args.video or Path(tmp) / "portrait.mp4"
        if args.video is None:
            write_clip(DEFAULT_VIDEO, src, transform=portrait_1080x1920)
        one, five, _ = os.getloadavg()
        print(f"writing pass stages, {src.name}, drawn at {W}x{H}; load {one:.2f} (1 min) {five:.2f} (5 min)")
        timed("decode only", decode(src))
        for interp in ("AREA", "BILINEAR", "FAST_BILINEAR"):
            timed(f"decode + scale to BGR, {interp}", decode(src, dict(format="bgr24", width=W, height=H,
                                                                          interpolation=interp)))
        timed("decode + scale to BGR, AREA, scaler kept", decode(src, dict(format="bgr24", width=W, height=H,
                                                                          interpolation="AREA"), kept=True))
        timed("decode + scale to YUV (AREA) + OpenCV to BGR",
              decode(src, dict(format="yuv420p", width=W, height=H, interpolation="AREA"),
                     post=lambda y: cv2.cvtColor(y, cv2.COLOR_YUV2BGR_I420)))
        with av.open(str(src)) as container:
            frames = [f.to_ndarray(format="bgr24", width=W, height=H, interpolation="AREA")
                      for f in container.decode(video=0)]
        for how in ("ffmpeg", "opencv"):
            timed(f"BGR -> YUV 4:2:0 by {how}", lambda how=how: sum(1 for f in frames if to_i420(f, how)))
        for how in ("ffmpeg", "opencv"):
            timed(f"encode (conversion by {how})", encode(frames, Path(tmp) / f"{how}.mp4", how))
        one, five, _ = os.getloadavg()
        print(f"end: load {one:.2f} (1 min) {five:.2f} (5 min)")


if __name__ == "__main__":
    main()
