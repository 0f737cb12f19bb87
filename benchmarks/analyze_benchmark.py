"""Benchmark of `formcheck analyze`: speed against the model's raw rate, memory, and batches, in one run.

On the same frames, at 640x480 (a sample clip) and at 1080x1920 (a portrait clip made from it: the middle
9:16 of every picture, upscaled), it prints:

- **raw model**: ``PoseEstimator.detect_input`` alone on every frame, already decoded and converted to the
  size the model gets (the frames held in memory): the rate nothing else can beat;
- **naive loop**: decode, detect, draw, encode, one after the other on one thread, at the source's size
  (what a first script does);
- **formcheck analyze**: the command (a subprocess, with the annotated video), its frames per second over
  the analysis (``summary.json``'s ``processing``: the three passes, without start-up and model load);

and their ratios to the raw rate; and ``formcheck analyze`` with its landmark pass in one chunk (``chunks=1``)
against the default (two chunks on two CPUs for a clip this long: ``docs/performance.md``). Each is run ``--rounds`` times, interleaved, and the best round kept (the
machine is shared: a round that another process slowed down says nothing about formcheck).

Then peak resident memory of ``formcheck analyze`` for a short clip and the same clip 4x longer, at 640x480
and at 4K (the sample upscaled to 3840x2160), and batch throughput: ``formcheck analyze V1 V2 ... --jobs 1``
against ``--jobs 2`` on the same videos. The load of the machine (``os.getloadavg``) is printed beside it.

    .venv/bin/python benchmarks/analyze_benchmark.py [VIDEO] [--rounds 2] [--repeat 4] [--no-batch] [--no-4k] [--batch-only]
    .venv/bin/python benchmarks/analyze_benchmark.py --portrait-only [--rounds 2]   # the 1080x1920 speed line only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT / "sample_videos" / "seated_rotation_front.mp4"

_CHILD = """
import resource, subprocess, sys
r = subprocess.run([sys.executable, "-m", "formcheck", *sys.argv[1:]], capture_output=True, text=True)
if r.returncode:
    sys.exit(r.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

#: ``formcheck.analyze`` with the landmark pass in one chunk (``chunks=1``), the annotated video written.
_CHILD_ONE_CHUNK = """
import sys, formcheck
formcheck.analyze(sys.argv[1], out=sys.argv[2], force=True, chunks=1)
"""

Transform = Callable[[np.ndarray], np.ndarray]


def portrait_1080x1920(image: np.ndarray) -> np.ndarray:
    """The middle 9:16 of a landscape picture, upscaled to 1080x1920 (a phone held upright)."""
    h, w = image.shape[:2]
    crop_w = h * 9 // 16
    x0 = (w - crop_w) // 2
    return cv2.resize(image[:, x0:x0 + crop_w], (1080, 1920), interpolation=cv2.INTER_CUBIC)


def uhd_3840x2160(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, (3840, 2160), interpolation=cv2.INTER_CUBIC)


def write_clip(src: Path, dst: Path, *, times: int = 1, transform: Transform | None = None,
               max_frames: int | None = None) -> int:
    """Writes ``src`` (its first ``max_frames``, transformed) played ``times`` times over into ``dst`` (H.264,
    crf 18); returns the frames written."""
    with av.open(str(src)) as inp:
        stream_in = inp.streams.video[0]
        fps = stream_in.average_rate or 30
        frames = []
        for f in inp.decode(stream_in):
            frames.append(f.to_ndarray(format="bgr24"))
            if max_frames and len(frames) >= max_frames:
                break
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        first = transform(frames[0]) if transform else frames[0]
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for _ in range(times):
            for image in frames:
                image = transform(image) if transform else image
                for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return len(frames) * times


def run_analyze(video: Path, out: Path, *extra: str) -> tuple[float, int, dict]:
    """Wall seconds, peak RSS (KiB) and summary of ``formcheck analyze VIDEO`` in a subprocess."""
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD, "analyze", str(video), "--out", str(out), "-q",
                            "--no-history", "--force", *extra], capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"analyze failed: {child.stderr.strip()}")
    peak_kib = int(child.stdout.strip().splitlines()[-1])
    return wall_s, peak_kib, json.loads((out / "summary.json").read_text())


def analyze_one_chunk_fps(video: Path, out: Path) -> float:
    """``formcheck analyze``'s frames per second (``processing``, as :func:`run_analyze`) with its landmark pass
    in one chunk, for comparison with the default (``landmark_chunks`` in the summary)."""
    child = subprocess.run([sys.executable, "-c", _CHILD_ONE_CHUNK, str(video), str(out)], capture_output=True,
                           text=True, check=False, env=os.environ | {"FORMCHECK_HOME": str(out.parent / "home")})
    if child.returncode:
        raise SystemExit(f"analyze (one chunk) failed: {child.stderr.strip()}")
    return float(json.loads((out / "summary.json").read_text())["processing"]["fps"])


def raw_model_fps(video: Path) -> tuple[float, int]:
    """Frames per second of the model alone (``PoseEstimator.detect_input``, VIDEO mode) on every frame of
    ``video``, decoded and converted to the model's size beforehand; and the number of frames."""
    from formcheck.pose import PoseEstimator, model_size_wh
    from formcheck.sources import VideoFileSource

    with VideoFileSource(video) as source:
        inputs = list(source.model_inputs(model_size_wh(source.info.resolution_wh)))
    with PoseEstimator() as estimator:
        estimator.detect_input(inputs[0])  # warm-up
        start = time.perf_counter()
        for item in inputs[1:]:
            estimator.detect_input(item)
        return (len(inputs) - 1) / (time.perf_counter() - start), len(inputs)


def raw_inference_fps(video: Path) -> tuple[float, int]:
    """Frames per second of ``PoseEstimator.detect`` alone on every decoded frame of ``video`` (BGR at the
    source's size, as a camera gives them), and the number of frames. The live benchmark uses it."""
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


def naive_loop_fps(video: Path, out: Path) -> float:
    """Decode, detect, draw the skeleton, encode (H.264 at the source's size), one frame after the other on
    one Python thread: frames per second, model load excluded."""
    from formcheck.overlay import draw_skeleton
    from formcheck.pose import PoseEstimator
    from formcheck.sinks import VideoSink

    with av.open(str(video)) as container, PoseEstimator() as estimator:
        stream = container.streams.video[0]
        w, h = stream.codec_context.width, stream.codec_context.height
        with VideoSink(out, (w, h), float(stream.average_rate or 30)) as sink:
            start = time.perf_counter()
            n = 0
            for vframe in container.decode(stream):
                from formcheck.types import Frame

                frame = Frame(vframe.to_ndarray(format="bgr24"), int(vframe.time * 1000), n)
                pose = estimator.detect(frame)
                image = frame.image_bgr.copy()
                draw_skeleton(image, pose)
                sink.write(image, frame.timestamp_ms)
                n += 1
        return n / (time.perf_counter() - start)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def speed_section(clips: dict[str, Path], tmp: Path, rounds: int) -> None:
    print(f"speed: best of {rounds} interleaved rounds; {load()} at the start")
    best: dict[tuple[str, str], float] = {}
    chunks: dict[str, int] = {}

    def analyze_fps(label: str, video: Path) -> float:
        summary = run_analyze(video, tmp / f"a_{label}")[2]
        chunks[label] = summary["processing"].get("landmark_chunks", 1)
        return summary["processing"]["fps"]

    for r in range(rounds):
        for label, video in clips.items():
            for what, measure in (("raw", lambda v: raw_model_fps(v)[0]),
                                  ("naive", lambda v: naive_loop_fps(v, tmp / "naive.mp4")),
                                  ("analyze", lambda v: analyze_fps(label, v)),
                                  ("one chunk", lambda v: analyze_one_chunk_fps(v, tmp / f"c_{label}"))):
                fps = measure(video)
                best[(label, what)] = max(best.get((label, what), 0.0), fps)
        print(f"  round {r + 1} done, {load()}")
    print(f"{'clip':<22} {'raw model fps':>13} {'naive fps':>10} {'analyze fps':>12} {'naive/raw':>10} "
          f"{'analyze/raw':>12} {'analyze/naive':>14}")
    for label in clips:
        raw, naive, ana = best[(label, "raw")], best[(label, "naive")], best[(label, "analyze")]
        print(f"{label:<22} {raw:>13.1f} {naive:>10.1f} {ana:>12.1f} {naive / raw:>10.2f} {ana / raw:>12.2f} "
              f"{ana / naive:>14.2f}")
    print("landmark pass in chunks (docs/performance.md): analyze as above against its landmark pass in one chunk")
    for label in clips:
        raw, ana, one = best[(label, "raw")], best[(label, "analyze")], best[(label, "one chunk")]
        print(f"{label:<22} {chunks.get(label, 1)} chunks {ana:>6.1f} fps ({ana / raw:.2f} of raw); one chunk "
              f"{one:>6.1f} fps ({one / raw:.2f} of raw); chunks / one chunk {ana / one:.2f}x")


def memory_section(rows: list[tuple[str, Path]], tmp: Path) -> None:
    print(f"memory: peak resident memory of formcheck analyze (with the annotated video); {load()}")
    print(f"{'run':<26} {'frames':>7} {'chunks':>7} {'wall s':>8} {'fps':>7} {'peak RSS MiB':>13}")
    peaks = []
    for label, video in rows:
        wall_s, peak_kib, summary = run_analyze(video, tmp / f"m_{label.replace(' ', '_')}")
        peaks.append(peak_kib / 1024)
        print(f"{label:<26} {summary['frames']:>7} {summary['processing'].get('landmark_chunks', 1):>7} "
              f"{wall_s:>8.2f} {summary['processing']['fps']:>7.1f} "
              f"{peak_kib / 1024:>13.1f}")
    for k in range(0, len(rows), 2):
        print(f"peak memory {rows[k + 1][0]} / {rows[k][0]}: {peaks[k + 1] / peaks[k]:.2f} (flat = about 1.0)")


BATCH_VIDEOS = ("plank_side.mp4", "childs_pose_side.mp4", "scapular_squeeze_side.mp4", "cat_cow_side.mp4")


def children_cpu_s() -> float:
    """User plus system CPU seconds of every child process waited for so far (and their own children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch_throughput(out: Path, jobs: int, env: dict[str, str] | None = None) -> tuple[float, int, int, float]:
    """Wall seconds, frames, videos and CPU seconds (user + sys of the command and its workers) of one
    ``formcheck analyze`` batch over :data:`BATCH_VIDEOS`."""
    videos = [str(ROOT / "sample_videos" / name) for name in BATCH_VIDEOS]
    cpu_before_s = children_cpu_s()
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-m", "formcheck", "analyze", *videos, "--out", str(out), "-q",
                            "--no-history", "--force", "--jobs", str(jobs)], capture_output=True, text=True,
                           check=False, env=os.environ | (env or {}))
    wall_s = time.perf_counter() - start
    cpu_s = children_cpu_s() - cpu_before_s
    if child.returncode:
        raise SystemExit(f"batch failed: {child.stderr.strip()}")
    frames = sum(json.loads((d / "summary.json").read_text())["frames"] for d in out.iterdir() if d.is_dir())
    return wall_s, frames, len(videos), cpu_s


#: The batch runs: label, --jobs, extra environment (OpenCV's thread pool, to measure it against MediaPipe's).
BATCH_RUNS: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("--jobs 1", 1, {}), ("--jobs 2", 2, {}), ("--jobs 2, OPENCV_FOR_THREADS_NUM=1", 2, {"OPENCV_FOR_THREADS_NUM": "1"}))


def print_batch(tmp_path: Path, rounds: int = 1) -> None:
    """The batch runs, interleaved ``rounds`` times, the fastest round of each kept; with the CPU they used
    (user + sys of all processes) against their wall time: about 2 on 2 cores means both cores were busy."""
    print(f"batch: {len(BATCH_VIDEOS)} sample videos with the annotated video ({', '.join(BATCH_VIDEOS)}); "
          f"best of {rounds} interleaved rounds; {load()}")
    results: dict[str, tuple[float, int, int, float]] = {}
    for _ in range(rounds):
        for k, (label, jobs, env) in enumerate(BATCH_RUNS):
            run = batch_throughput(tmp_path / f"batch_{k}", jobs, env)
            if label not in results or run[0] < results[label][0]:
                results[label] = run
    print(f"{'run':<36} {'videos':>7} {'frames':>7} {'wall s':>8} {'fps':>7} {'videos/min':>11} {'CPU s':>7} "
          f"{'CPU/wall':>9}")
    for label, (wall_s, frames, n, cpu_s) in results.items():
        print(f"{label:<36} {n:>7} {frames:>7} {wall_s:>8.2f} {frames / wall_s:>7.1f} {n / wall_s * 60:>11.1f} "
              f"{cpu_s:>7.1f} {cpu_s / wall_s:>9.2f}")
    one = results["--jobs 1"][0]
    for label in list(results)[1:]:
        print(f"batch throughput {label} / --jobs 1: {one / results[label][0]:.2f}x")
    print(f"end of batch: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the speed section")
    parser.add_argument("--repeat", type=int, default=4, help="the long video is the clip this many times over")
    parser.add_argument("--no-batch", action="store_true", help="skip the --jobs 1 / --jobs 2 batch section")
    parser.add_argument("--no-4k", action="store_true", help="skip the 4K memory runs")
    parser.add_argument("--batch-only", action="store_true", help="only the batch section")
    parser.add_argument("--portrait-only", action="store_true",
                        help="only the speed section's 1080x1920 portrait clip (no 640x480 clip, memory or batch)")
    args = parser.parse_args()
    print(f"formcheck analyze benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; {load()}")
    with tempfile.TemporaryDirectory(prefix="formcheck-bench-") as tmp:
        tmp_path = Path(tmp)
        if args.batch_only:
            print_batch(tmp_path, args.rounds)
            return
        portrait = tmp_path / "portrait_1080x1920.mp4"
        write_clip(args.video, portrait, transform=portrait_1080x1920)
        clips = {f"{args.video.stem} 640x480": args.video, "portrait 1080x1920": portrait}
        if args.portrait_only:
            speed_section({"portrait 1080x1920": portrait}, tmp_path, args.rounds)
            print(f"end: {load()}")
            return
        speed_section(clips, tmp_path, args.rounds)
        long_video = tmp_path / "long.mp4"
        write_clip(args.video, long_video, times=args.repeat)
        rows = [("640x480 clip", args.video), (f"640x480 clip x{args.repeat}", long_video)]
        if not args.no_4k:
            uhd, uhd_long = tmp_path / "uhd.mp4", tmp_path / "uhd_long.mp4"
            write_clip(args.video, uhd, transform=uhd_3840x2160, max_frames=60)
            write_clip(args.video, uhd_long, transform=uhd_3840x2160, max_frames=60, times=args.repeat)
            rows += [("4K 60 frames", uhd), (f"4K 60 frames x{args.repeat}", uhd_long)]
        memory_section(rows, tmp_path)
        if not args.no_batch:
            print_batch(tmp_path, args.rounds)
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
