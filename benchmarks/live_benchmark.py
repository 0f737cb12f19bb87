"""Benchmark of `formcheck live`: displayed frame rate and capture-to-display latency against the raw
inference rate of the model on the same frames, in one run.

The clip is retimed to a frame rate above what inference can keep up with (``--fps``, default 60) and
looped to ``--seconds``, then played as a camera (``formcheck live --source``, headless unless ``--window``):
the live loop is then limited by processing, as with a real 30-60 fps camera, and drops the frames it
cannot take. Then ``PoseEstimator.detect`` alone runs over every frame of the same file.

The displayed rate should be at least 95% of the raw inference rate (the capture thread, geometry, the
coach's drawing and the files written must cost little beside the model), and the capture-to-display
latency within one inference plus one frame of the source (a frame waits at most one frame for the model
when the model takes the newest; then the model; drawing and showing must add little).

The raw rate is measured just before and just after the live session and their mean is the reference, so a
change in the machine's load during the run shows as a difference between the two (both are printed).

    .venv/bin/python benchmarks/live_benchmark.py [VIDEO] [--fps 60] [--seconds 12] [--window]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_benchmark import raw_inference_fps  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEO = ROOT / "sample_videos" / "astronaut_clip.mp4"
EXERCISE = "seated-thoracic-rotation"


def retimed_loop(src: Path, dst: Path, fps: int, seconds: float) -> int:
    """Writes the frames of ``src`` forwards then backwards, stamped at ``fps``, for ``seconds``; returns frames."""
    with av.open(str(src)) as inp:
        frames = [f.to_ndarray(format="bgr24") for f in inp.decode(video=0)]
    total = int(fps * seconds)
    cycle = frames + frames[-2:0:-1]
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast"}
        for i in range(total):
            image = cycle[i % len(cycle)]
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return total


def run_live(video: Path, out: Path, window: bool) -> tuple[float, dict]:
    args = [sys.executable, "-m", "formcheck", "live", "--exercise", EXERCISE, "--source", str(video),
            "--out", str(out), "--force"]
    if not window:
        args.append("--headless")
    start = time.perf_counter()
    child = subprocess.run(args, capture_output=True, text=True, check=False)
    wall_s = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"live failed: {child.stderr.strip()}")
    return wall_s, json.loads((out / "summary.json").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--fps", type=int, default=60, help="frame rate the clip is played at (default 60)")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of the played clip (default 12)")
    parser.add_argument("--window", action="store_true", help="show a window on $DISPLAY instead of headless")
    args = parser.parse_args()
    print(f"load             {os.getloadavg()[0]:.2f} (1 min) at the start, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="formcheck-live-bench-") as tmp:
        clip = Path(tmp) / "clip.mp4"
        frames = retimed_loop(args.video, clip, args.fps, args.seconds)
        raw_before_fps, raw_frames = raw_inference_fps(clip)
        wall_s, summary = run_live(clip, Path(tmp) / "out", args.window)
        raw_after_fps, _ = raw_inference_fps(clip)
    raw_fps = (raw_before_fps + raw_after_fps) / 2
    live = summary["live"]
    shown_fps = live["fps"] or 0.0
    lat = live["latency_ms"]
    ratio = shown_fps / raw_fps if raw_fps else float("nan")
    print(f"source           {args.video.name} retimed to {args.fps} fps, {frames} frames, {args.seconds:.0f} s "
          f"({'window' if args.window else 'headless'})")
    print(f"live session     {wall_s:.1f} s wall (with start-up and model load)")
    print(f"  captured       {live['frames_captured']} frames, processed {live['frames_processed']}, "
          f"dropped {live['frames_dropped']} (newest frame wins)")
    print(f"  displayed      {shown_fps:.1f} fps")
    print(f"  model in loop  {live['inference_fps']:.1f} fps (time inside PoseEstimator.detect on the pose thread)")
    print(f"  latency        capture->display p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms")
    print(f"raw inference    {raw_fps:.1f} fps (PoseEstimator.detect alone, {raw_frames} frames of the same file; "
          f"{raw_before_fps:.1f} before the session, {raw_after_fps:.1f} after)")
    if live["inference_fps"] and raw_fps:
        print(f"model in loop / raw  {live['inference_fps'] / raw_fps:.1%}  (the model slowed by the rest of the process)")
    verdict = "OK" if ratio >= 0.95 else "BELOW the 95% goal"
    print(f"displayed / raw  {ratio:.1%}  {verdict}")
    bound_ms = 1000 / live["inference_fps"] + 1000 / args.fps if live["inference_fps"] else float("nan")
    for name in ("p50", "p95"):
        ok = "within" if lat[name] <= bound_ms else "ABOVE"
        print(f"latency {name}      {lat[name]} ms: {ok} one inference plus one frame ({bound_ms:.0f} ms)")
    print(f"load             {os.getloadavg()[0]:.2f} (1 min) at the end, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
