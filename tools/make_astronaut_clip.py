"""Make ``sample_videos/astronaut_clip.mp4`` from the public-domain portrait in ``tests/data/astronaut.png``.

The clip is 640x480, 10 fps, 3 seconds (30 frames), H.264 in yuv420p, written with PyAV. The 512x512
portrait is scaled to between 400 and 440 pixels and placed on a plain grey background; over the clip it
pans slowly from left to right and grows a little, so every frame differs (as a real camera's would) while
the person stays whole in the picture. Only ``av`` and ``numpy`` are used, the same as formcheck.

Run it with ``python tools/make_astronaut_clip.py``; ``--out`` and ``--image`` change the paths.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IMAGE = ROOT / "tests" / "data" / "astronaut.png"
DEFAULT_OUT = ROOT / "sample_videos" / "astronaut_clip.mp4"

WIDTH, HEIGHT = 640, 480
FPS = 10
SECONDS = 3
BACKGROUND_RGB = (200, 200, 200)
START_SIZE, END_SIZE = 400, 440  # side of the (square) portrait in pixels
START_LEFT, END_LEFT = 40, 180  # x of the portrait's left edge
TOP_MARGIN = 20  # y of the portrait's top edge
ENCODER_OPTIONS = {"crf": "23", "preset": "slow", "threads": "1"}  # one thread: same bytes every run

Rgb = NDArray[np.uint8]


def load_rgb(path: Path) -> Rgb:
    """Decode the image at ``path`` (any format FFmpeg reads) into an HxWx3 uint8 RGB array."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.to_ndarray(format="rgb24")


def resize(image: Rgb, size: int) -> Rgb:
    """Scale the square ``image`` to ``size`` x ``size`` pixels (bicubic, FFmpeg's swscale)."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    return frame.reformat(width=size, height=size, interpolation="BICUBIC").to_ndarray(format="rgb24")


def compose(portrait: Rgb, t: float) -> Rgb:
    """Return the canvas at clip position ``t`` in [0, 1]: the portrait, panned and scaled, on the background."""
    size = round(START_SIZE + (END_SIZE - START_SIZE) * t)
    left = round(START_LEFT + (END_LEFT - START_LEFT) * t)
    canvas = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)
    canvas[:] = BACKGROUND_RGB
    canvas[TOP_MARGIN:TOP_MARGIN + size, left:left + size] = resize(portrait, size)
    return canvas


def frames(portrait: Rgb) -> list[Rgb]:
    """Return all ``FPS * SECONDS`` canvases of the clip in order."""
    count = FPS * SECONDS
    return [compose(portrait, i / (count - 1)) for i in range(count)]


def write_clip(canvases: list[Rgb], out: Path) -> None:
    """Encode ``canvases`` as H.264 yuv420p at ``FPS`` into the MP4 file ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=FPS, options=dict(ENCODER_OPTIONS))
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        for index, canvas in enumerate(canvases):
            frame = av.VideoFrame.from_ndarray(canvas, format="rgb24").reformat(format="yuv420p")
            frame.pts = index
            frame.time_base = Fraction(1, FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help=f"portrait (default: {DEFAULT_IMAGE})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"clip to write (default: {DEFAULT_OUT})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Make the clip; return a process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        portrait = load_rgb(args.image)
    except (OSError, av.FFmpegError, StopIteration) as exc:
        print(f"make_astronaut_clip: error: cannot read {args.image}: {exc}", file=sys.stderr)
        return 1
    if portrait.shape[0] != portrait.shape[1]:
        print(f"make_astronaut_clip: error: {args.image} is not square ({portrait.shape[1]}x{portrait.shape[0]})",
              file=sys.stderr)
        return 1
    write_clip(frames(portrait), args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {FPS * SECONDS} frames, {WIDTH}x{HEIGHT}, {FPS} fps)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
