"""H.264 settings of the annotated video, measured: encoding time against file size and quality.

Draws the annotated pictures of a sample clip (skeleton and read-outs, as ``formcheck analyze`` draws them
without an exercise) at 640x480 and at 720x1280 (the portrait clip's video size), then encodes them with each
x264 preset and CRF through :class:`formcheck.sinks.VideoSink`, and prints the CPU time per frame (all
threads), the wall time per frame, the size in bytes per frame and the PSNR of the decoded file against the
drawn pictures (dB: above 40 the difference is hard to see, 35-40 is fine for a feedback video).

    .venv/bin/python benchmarks/encoder_settings.py [VIDEO]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_benchmark import DEFAULT_VIDEO, portrait_1080x1920  # noqa: E402

from formcheck.overlay import annotate  # noqa: E402
from formcheck.pose import PoseEstimator  # noqa: E402
from formcheck.sinks import VideoSink, video_size_wh  # noqa: E402
from formcheck.sources import VideoFileSource  # noqa: E402

SETTINGS = [("veryfast", 23), ("superfast", 23), ("ultrafast", 23), ("veryfast", 26), ("superfast", 26),
            ("ultrafast", 28)]


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def drawn(video: Path, frames: int, portrait: bool) -> list[np.ndarray]:
    out = []
    with VideoFileSource(video) as source, PoseEstimator() as estimator:
        for frame in source:
            if len(out) >= frames:
                break
            pose = estimator.detect(frame)
            image = frame.image_bgr
            if portrait:
                from formcheck.overlay import scaled_pose
                from formcheck.types import Frame

                big = Frame(portrait_1080x1920(image), frame.timestamp_ms, frame.index)
                pose = scaled_pose(estimator.detect(big), video_size_wh(big.resolution_wh))
                image = av.VideoFrame.from_ndarray(big.image_bgr, format="bgr24").reformat(
                    width=720, height=1280, format="bgr24", interpolation="AREA").to_ndarray()
            out.append(annotate(image, pose, {}, "front"))
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2))
    return 10 * np.log10(255.0 ** 2 / mse) if mse > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores at the start")
    print(f"{'size':<9} {'preset':<10} {'crf':>4} {'cpu ms/frame':>13} {'wall ms/frame':>14} {'KB/frame':>9} {'PSNR dB':>8}")
    with tempfile.TemporaryDirectory(prefix="formcheck-enc-") as tmp:
        for portrait in (False, True):
            images = drawn(args.video, args.frames, portrait)
            h, w = images[0].shape[:2]
            for preset, crf in SETTINGS:
                path = Path(tmp) / f"{preset}_{crf}.mp4"
                cpu, wall = cpu_s(), time.perf_counter()
                with VideoSink(path, (w, h), 15.0, crf=crf, preset=preset) as sink:
                    for i, image in enumerate(images):
                        sink.write(image, i * 66)
                cpu, wall = cpu_s() - cpu, time.perf_counter() - wall
                with av.open(str(path)) as c:
                    decoded = [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]
                q = float(np.mean([psnr(a, b) for a, b in zip(images, decoded, strict=True)]))
                print(f"{w}x{h:<5} {preset:<10} {crf:>4} {1000 * cpu / len(images):>13.1f} "
                      f"{1000 * wall / len(images):>14.1f} {path.stat().st_size / 1024 / len(images):>9.1f} {q:>8.1f}")
    print(f"load {os.getloadavg()[0]:.2f} (1 min) at the end")


if __name__ == "__main__":
    main()
