"""Benchmark of `formcheck analyze`: speed and memory, short against long video, in one run.

Prints, for a clip and the same clip repeated to 4x its length: frames, wall time (with start-up and model
load), the frames per second of the analysis loop
(decode, inference, geometry, overlay, H.264 encode), the raw inference rate of the model on
the same frames, and the peak resident memory of the analysing process. Memory should stay flat (ratio near
1.0) however long the video is.

Then the batch section: `formcheck analyze V1 V2 ... --out DIR --jobs N` on the same set of sample videos with
`--jobs 1` and `--jobs 2` (wall time of the whole command, start-up included), its frames per second and the
speed-up (`--no-batch` skips it).

    .venv/bin/python benchmarks/analyze_benchmark.py [VIDEO] [--repeat 4] [--no-batch]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT / "sample_videos" / "astronaut_clip.mp4"

_CHILD = """
import resource, subprocess, sys
r = subprocess.run([sys.executable, "-m", "formcheck", *sys.argv[1:]], capture_output=True, text=True)
if r.returncode:
    sys.exit(r.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def repeat_video(src: Path, dst: Path, times: int) -> int:
    """Writes ``src`` played ``times`` times over into ``dst`` (H.264), frame by frame; returns frames."""
    with av.open(str(src)) as inp:
        stream_in = inp.streams.video[0]
        fps = stream_in.average_rate or 30
        frames = [f.to_ndarray(format="bgr24") for f in inp.decode(stream_in)]
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for _ in range(times):
            for image in frames:
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return len(frames) * times


def run_analyze(video: Path, out: Path) -> tuple[float, int, dict]:
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD, "analyze", str(video), "--out", str(out), "-q"],
                           capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"analyze failed: {child.stderr.strip()}")
    peak_kib = int(child.stdout.strip().splitlines()[-1])
    return wall_s, peak_kib, json.loads((out / "summary.json").read_text())


def raw_inference_fps(video: Path) -> tuple[float, int]:
    """Frames per second of PoseEstimator.detect alone (VIDEO mode) on every decoded frame of ``video``,
    and the number of frames. The live benchmark uses it too."""
    from formcheck.pose import PoseEstimator
    from formcheck.sources import VideoFileSource

    with VideoFileSource(video) as source:
        frames = list(source)
    with PoseEstimator() as estimator:
        estimator.detect(frames[0])  # warm-up
        start = time.perf_counter()
        for frame in frames[1:]:
            estimator.detect(frame)
        return (len(frames) - 1) / (time.perf_counter() - start), len(frames)


BATCH_VIDEOS = ("plank_side.mp4", "childs_pose_side.mp4", "scapular_squeeze_side.mp4", "cat_cow_side.mp4")


def batch_throughput(out: Path, jobs: int) -> tuple[float, int, int]:
    """Wall seconds, frames and videos of one ``formcheck analyze`` batch over :data:`BATCH_VIDEOS`."""
    videos = [str(ROOT / "sample_videos" / name) for name in BATCH_VIDEOS]
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "formcheck", "analyze", *videos, "--out", str(out), "-q",
                            "--jobs", str(jobs)], capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"batch failed: {child.stderr.strip()}")
    frames = sum(json.loads((d / "summary.json").read_text())["frames"] for d in out.iterdir() if d.is_dir())
    return wall_s, frames, len(videos)


def print_batch(tmp_path: Path) -> None:
    import os

    results = {jobs: batch_throughput(tmp_path / f"batch_j{jobs}", jobs) for jobs in (1, 2)}
    print(f"batch: {len(BATCH_VIDEOS)} sample videos with the annotated video ({', '.join(BATCH_VIDEOS)}), "
          f"{os.cpu_count()} cores")
    print(f"{'jobs':<5} {'videos':>7} {'frames':>7} {'wall s':>8} {'fps':>7} {'videos/min':>11}")
    for jobs, (wall_s, frames, n) in results.items():
        print(f"{jobs:<5} {n:>7} {frames:>7} {wall_s:>8.2f} {frames / wall_s:>7.1f} {n / wall_s * 60:>11.1f}")
    print(f"batch throughput --jobs 2 / --jobs 1: {results[1][0] / results[2][0]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--no-batch", action="store_true", help="skip the --jobs 1 / --jobs 2 batch section")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        long_video = tmp_path / "long.mp4"
        n_long = repeat_video(args.video, long_video, args.repeat)
        rows = []
        for label, video in (("clip", args.video), (f"clip x{args.repeat}", long_video)):
            wall_s, peak_kib, summary = run_analyze(video, tmp_path / label.replace(" ", "_"))
            rows.append((label, summary["frames"], wall_s, summary["processing"]["fps"], peak_kib / 1024))
        raw, _ = raw_inference_fps(args.video)
    w, h = summary["source"]["resolution_wh"]
    print(f"video: {args.video.name} ({w}x{h}), long version: {n_long} frames")
    print(f"{'run':<10} {'frames':>7} {'wall s':>8} {'loop fps':>9} {'peak RSS MiB':>13}")
    for label, frames, wall_s, fps, rss in rows:
        print(f"{label:<10} {frames:>7} {wall_s:>8.2f} {fps:>9.1f} {rss:>13.1f}")
    print(f"raw inference (PoseEstimator.detect only): {raw:.1f} fps")
    print(f"analysis / raw inference rate (long run): {rows[1][3] / raw:.2f}")
    print(f"peak memory long / short: {rows[1][4] / rows[0][4]:.2f} (flat = about 1.0)")
    if not args.no_batch:
        with tempfile.TemporaryDirectory() as tmp:
            print_batch(Path(tmp))


if __name__ == "__main__":
    main()
