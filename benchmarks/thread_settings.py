"""Thread settings of the pose model, measured: OpenCV's thread pool against MediaPipe's, per picture size.

MediaPipe's graph runs on its own threads and does its image conversions with the OpenCV it carries;
OpenCV's ``parallel_for`` pool (``OPENCV_FOR_THREADS_NUM``, read when OpenCV starts) competes with them for
the cores. Each setting runs in a fresh subprocess (the variable must be set before the libraries load), the
settings interleaved over ``--rounds`` rounds, the best round kept; printed: the model's frames per second
(``PoseEstimator.detect_input`` on frames held in memory, as analyze's landmark pass gives them), the CPU
time it takes per frame (all threads), and the same through ``PoseEstimator.detect`` on BGR frames at the
source's size (the live coach's path, which also scales and converts).

Then the hand-over between two stages, threads against processes: the wall time per picture to pass 200
decoded pictures (at the model's size, 640x480 and 540x960 RGB) from a decoding stage to the next through
a ``queue.Queue`` (threads: the picture is not copied) and through a ``multiprocessing.Queue`` (processes: the
picture is pickled, copied through a pipe and unpickled).

    .venv/bin/python benchmarks/thread_settings.py [VIDEO] [--rounds 3] [--frames 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_benchmark import DEFAULT_VIDEO, portrait_1080x1920, write_clip  # noqa: E402

SETTINGS: dict[str, dict[str, str]] = {
    "default": {},
    "OPENCV_FOR_THREADS_NUM=1": {"OPENCV_FOR_THREADS_NUM": "1"},
    "OPENCV_FOR_THREADS_NUM=2": {"OPENCV_FOR_THREADS_NUM": "2"},
}

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from formcheck.pose import PoseEstimator, model_size_wh
from formcheck.sources import VideoFileSource

def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

video, frames = Path(sys.argv[1]), int(sys.argv[2])
out = {}
with VideoFileSource(video) as source:
    inputs = []
    for item in source.model_inputs(model_size_wh(source.info.resolution_wh)):
        inputs.append(item)
        if len(inputs) >= frames:
            break
with VideoFileSource(video) as source:
    bgr = []
    for frame in source:
        bgr.append(frame)
        if len(bgr) >= frames:
            break
for name, items, detect in (("model", inputs, "detect_input"), ("detect", bgr, "detect")):
    with PoseEstimator() as estimator:
        call = getattr(estimator, detect)
        call(items[0])
        wall, cpu = time.perf_counter(), cpu_s()
        for item in items[1:]:
            call(item)
        wall, cpu = time.perf_counter() - wall, cpu_s() - cpu
    out[name] = {"fps": (len(items) - 1) / wall, "cpu_ms": 1000 * cpu / (len(items) - 1)}
print(json.dumps(out))
"""


def measure(video: Path, frames: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    child = subprocess.run([sys.executable, "-c", _CHILD, str(video), str(frames)], capture_output=True,
                           text=True, check=False, env=os.environ | env)
    if child.returncode:
        raise SystemExit(child.stderr.strip().splitlines()[-1])
    return json.loads(child.stdout.strip().splitlines()[-1])


def _pass_on(q: object, items: list) -> None:  # noqa: ANN001 (a queue.Queue or a multiprocessing.Queue)
    for item in items:
        q.put(item)  # type: ignore[attr-defined]
    q.put(None)  # type: ignore[attr-defined]


def handoff_ms(size_wh: tuple[int, int], frames: int = 200) -> dict[str, float]:
    """Wall milliseconds per picture handed from one stage to the next: threads, then processes."""
    import multiprocessing as mp
    import queue
    import threading
    import time

    import numpy as np

    w, h = size_wh
    pictures = [np.random.default_rng(i).integers(0, 255, (h, w, 3), dtype=np.uint8) for i in range(8)]
    out = {}
    for kind in ("thread", "process"):
        items = [pictures[i % len(pictures)] for i in range(frames)]
        if kind == "thread":
            q: object = queue.Queue(maxsize=4)
            worker: object = threading.Thread(target=_pass_on, args=(q, items))
        else:
            q = mp.get_context("fork").Queue(maxsize=4)
            worker = mp.get_context("fork").Process(target=_pass_on, args=(q, items))
        start = time.perf_counter()
        worker.start()  # type: ignore[attr-defined]
        n = 0
        while q.get() is not None:  # type: ignore[attr-defined]
            n += 1
        worker.join()  # type: ignore[attr-defined]
        out[kind] = 1000 * (time.perf_counter() - start) / n
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    print(f"load {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores at the start")
    with tempfile.TemporaryDirectory(prefix="formcheck-threads-") as tmp:
        portrait = Path(tmp) / "portrait.mp4"
        write_clip(args.video, portrait, transform=portrait_1080x1920, max_frames=args.frames)
        clips = {"640x480": args.video, "1080x1920": portrait}
        best: dict[tuple[str, str, str], dict[str, float]] = {}
        for _ in range(args.rounds):
            for clip, video in clips.items():
                for setting, env in SETTINGS.items():
                    for path, m in measure(video, args.frames, env).items():
                        key = (clip, setting, path)
                        if key not in best or m["fps"] > best[key]["fps"]:
                            best[key] = m
    print(f"{'clip':<10} {'setting':<26} {'model fps':>10} {'cpu ms/frame':>13} {'detect fps':>11} {'cpu ms/frame':>13}")
    for clip in clips:
        for setting in SETTINGS:
            m, d = best[(clip, setting, "model")], best[(clip, setting, "detect")]
            print(f"{clip:<10} {setting:<26} {m['fps']:>10.1f} {m['cpu_ms']:>13.1f} {d['fps']:>11.1f} {d['cpu_ms']:>13.1f}")
    print("hand-over of a picture to the next stage (wall ms per picture)")
    for size_wh in ((640, 480), (540, 960)):
        ms = handoff_ms(size_wh)
        print(f"  {size_wh[0]}x{size_wh[1]} RGB: threads (queue.Queue) {ms['thread']:.3f} ms, "
              f"processes (multiprocessing.Queue) {ms['process']:.3f} ms")
    print(f"load {os.getloadavg()[0]:.2f} (1 min) at the end")


if __name__ == "__main__":
    main()
