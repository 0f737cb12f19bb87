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

The latency's parts (wait for the model, the model, the handoff, the main thread) are printed at p50 and p95,
with the p95 of each frame's wait plus its own model time against the bound, and a line ADDED beside the two
verdicts: each frame's latency against its own model time plus one frame. Against the mean inference the p95
cannot be met (the wait alone is spread over 0..one frame, and the model's time varies): see
``docs/performance.md``, "The live coach: the latency's p95".

The machine is shared and its speed drifts by more than the 5% the goal leaves (one session's displayed / raw
ran 85-96% in six runs of the same code, 4 December), so the benchmark runs ``--rounds`` live sessions
(default 5) with the raw rate measured before, between and after them (raw, live, raw, ..., live, raw). Each
round's ratio is against the raw rates just before and after it (what one run of this benchmark measured
before), and the verdict is on the median of the rounds' ratios. Beside it: the best of each (the highest
displayed rate over the highest raw rate, as ``analyze_benchmark.py`` keeps the best round of each), which one
raw measurement in a quick moment of the machine can set (4 December: 102.9 % and 93.1 % where the medians were
95.7 % and 101.0 %). The detail printed is that of the round with the median ratio.

Rates move with the machine's load; the CPU time each thread of the live process spends per displayed frame
does much less, so it is printed too: read from ``/proc/PID/task`` (every ``SAMPLE_S``, from the capture thread's
start to the pose thread's end, so the start-up and the model's loading are left out), by role: the main
thread (measuring, counting, the coach, the files), the capture thread with FFmpeg's decoder threads, the
pose thread with MediaPipe's (``drishti``) threads, and anything else. Beside it, each role's run-queue wait
(``schedstat``'s second field): the time its threads were ready to run but waited for a CPU. A model that waits
for a CPU while the rest of the process runs is slowed by the process's own threads (or by other processes).

    .venv/bin/python benchmarks/live_benchmark.py [VIDEO] [--fps 60] [--seconds 12] [--rounds 5] [--window]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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


#: Roles of the live process's threads, by the name the kernel has for them (formcheck names its own threads:
#: formcheck.live.threadname); the main thread is the one whose id is the process's.
ROLES = (("capture", ("fc-capture", "av:")), ("model", ("fc-pose", "drishti")))
CLOCK_TICKS_S = 1.0 / os.sysconf("SC_CLK_TCK")
#: Seconds between two readings of the live process's threads while the session runs. Reading them costs this
#: process CPU beside the live session (and none beside the raw measurement): every 50 ms it took 5.7% of a
#: core for a process of 21 threads (4 December); every 0.5 s, a tenth of that.
SAMPLE_S = 0.5
#: ... and before the session starts and from ``EDGE_S`` before its expected end (the played clip's length):
#: the session's CPU is counted from the first reading that sees the capture thread to the last that sees the
#: pose thread, so both ends are read closely.
EDGE_SAMPLE_S = 0.05
EDGE_S = 1.0


def _thread_cpu_s(pid: int) -> dict[int, tuple[str, float, float]]:
    """CPU seconds and run-queue wait seconds of every thread of ``pid`` so far, with its name: ``schedstat``'s
    nanoseconds where the kernel has them, else ``stat``'s user + system clock ticks (and no wait)."""
    found: dict[int, tuple[str, float, float]] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            name = (task / "comm").read_text().strip()
            try:
                run_ns, wait_ns = (int(v) for v in (task / "schedstat").read_text().split()[:2])
                cpu_s, wait_s = run_ns / 1e9, wait_ns / 1e9
            except (OSError, ValueError, IndexError):
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
                cpu_s, wait_s = (int(fields[11]) + int(fields[12])) * CLOCK_TICKS_S, 0.0
        except (OSError, ValueError, IndexError):
            continue  # the thread ended between listing and reading
        found[int(task.name)] = (name, cpu_s, wait_s)
    return found


def _role(pid: int, tid: int, name: str) -> str:
    if tid == pid:
        return "main"
    return next((role for role, prefixes in ROLES if name.startswith(prefixes)), "other")


@dataclass
class ThreadCpu:
    """CPU seconds per role of the live process's threads while the session runs (capture thread started to
    pose thread ended), sampled from the outside."""

    pid: int
    started_s: float | None = None
    ended_s: float | None = None
    _base: dict[int, tuple[float, float]] = field(default_factory=dict)
    _last: dict[int, tuple[str, float, float]] = field(default_factory=dict)
    _seen_s: float | None = None

    def sample(self) -> None:
        now = _thread_cpu_s(self.pid)
        names = {name for name, _, _ in now.values()}
        if self.started_s is None:
            if "fc-capture" not in names:
                return
            self.started_s = time.perf_counter()
            self._base = {tid: (cpu, wait) for tid, (_, cpu, wait) in now.items()}
        elif self.ended_s is not None:
            return
        if self._last and "fc-pose" not in names and any(n == "fc-pose" for n, _, _ in self._last.values()):
            self.ended_s = self._seen_s  # the pose thread has ended: the session's CPU is up to the last reading
            return
        self._last.update(now)
        self._seen_s = time.perf_counter()

    def finish(self) -> None:
        """The process has exited: a session whose end fell between two samples ends at the last one."""
        if self.started_s is not None and self.ended_s is None:
            self.ended_s = self._seen_s

    def per_role_s(self, *, waiting: bool = False) -> dict[str, float]:
        """CPU seconds per role over the session, or with ``waiting`` the seconds its threads waited for a CPU."""
        roles: dict[str, float] = {"main": 0.0, "capture": 0.0, "model": 0.0, "other": 0.0}
        for tid, (name, cpu_s, wait_s) in self._last.items():
            base_cpu_s, base_wait_s = self._base.get(tid, (0.0, 0.0))
            roles[_role(self.pid, tid, name)] += (wait_s - base_wait_s) if waiting else (cpu_s - base_cpu_s)
        return roles

    @property
    def seconds(self) -> float:
        if self.started_s is None or self.ended_s is None:
            return 0.0
        return self.ended_s - self.started_s


def run_live(video: Path, out: Path, window: bool, seconds: float) -> tuple[float, dict, ThreadCpu]:
    """Runs ``formcheck live`` on ``video`` (``seconds`` long) as a camera; its wall time, summary and threads' CPU."""
    args = [sys.executable, "-m", "formcheck", "live", "--exercise", EXERCISE, "--source", str(video),
            "--out", str(out), "--force", "--no-history"]
    if not window:
        args.append("--headless")
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, text=True)
        cpu = ThreadCpu(child.pid)
        while child.poll() is None:
            cpu.sample()
            running_s = None if cpu.started_s is None else time.perf_counter() - cpu.started_s
            edge = running_s is None or running_s > seconds - EDGE_S
            time.sleep(EDGE_SAMPLE_S if edge else SAMPLE_S)
        cpu.finish()
        wall_s = time.perf_counter() - start
        if child.returncode:
            err.seek(0)
            raise SystemExit(f"live failed: {err.read().strip()}")
    return wall_s, json.loads((out / "summary.json").read_text()), cpu


def _print_tail(live: dict, sums: dict, inference_ms: float, frame_ms: float) -> None:
    """Where the p95 goes against the bound (mean inference + one frame), and the per-frame form of the bound.

    The pose thread takes the newest frame when it finishes one, at a moment unrelated to the source's clock,
    so a frame waits for the model between 0 and one frame (p95 0.95 frame). With the model always at its
    mean, p95(wait + model) would be the bound less 0.05 frame, leaving that for the handoff and the main
    thread; the model's spread adds to it. The per-frame line compares each frame's latency with its own
    model time plus one frame (wait + handoff + main within one frame), which the mean bound cannot be
    reached without: it is ADDED beside the two verdicts above, which are unchanged.
    """
    model_p50, model_p95 = live["latency_parts_ms_p50"]["model"], live["latency_parts_ms_p95"]["model"]
    print(f"  model          mean {live['model_ms_mean']} ms, p50 {model_p50}, p95 {model_p95} ms (taking to pose); "
          f"mean inference {inference_ms:.1f} ms (the bound's)")
    wait_model = sums["wait_model"]["p95"]
    if wait_model is not None:
        print(f"  wait + model   p95 {wait_model} ms against the bound {inference_ms + frame_ms:.1f} ms "
              f"({wait_model - inference_ms - frame_ms:+.1f} ms before any handoff or main thread; "
              f"with no spread in the model it would be {inference_ms + 0.95 * frame_ms:.1f})")
    beyond = sums["beyond_model"]
    if beyond["p95"] is not None:
        excess = {q: round(v - frame_ms, 1) for q, v in beyond.items()}
        print(f"  per frame      latency - (its own model time + one frame): p50 {excess['p50']:+} ms, "
              f"p95 {excess['p95']:+} ms")
        ok = "within" if excess["p95"] <= 0 else "ABOVE"
        print(f"latency p95 per frame  {ok} the frame's own inference plus one frame "
              f"(wait + handoff + main p95 {beyond['p95']} ms, one frame {frame_ms:.1f} ms; added line)")


@dataclass
class Round:
    """One live session with the raw rate measured on the same file just before and just after it."""

    raw_before_fps: float
    raw_after_fps: float
    wall_s: float
    summary: dict
    cpu: ThreadCpu

    @property
    def raw_fps(self) -> float:
        return (self.raw_before_fps + self.raw_after_fps) / 2

    @property
    def shown_fps(self) -> float:
        return self.summary["live"]["fps"] or 0.0

    @property
    def ratio(self) -> float:
        return self.shown_fps / self.raw_fps if self.raw_fps else float("nan")


def interleaved_rounds(clip: Path, out: Path, rounds: int, window: bool,
                       seconds: float) -> tuple[list[Round], list[float]]:
    """``rounds`` live sessions with a raw measurement before the first, between each two and after the last
    (raw, live, raw, live, ..., raw): every session has the raw rate of the moments around it. Returns the
    rounds and every raw rate measured."""
    raws = [raw_inference_fps(clip)[0]]
    done: list[Round] = []
    for i in range(rounds):
        wall_s, summary, cpu = run_live(clip, out / f"round{i + 1}", window, seconds)
        raws.append(raw_inference_fps(clip)[0])
        done.append(Round(raws[-2], raws[-1], wall_s, summary, cpu))
        print(f"  round {i + 1}: raw {raws[-2]:.1f} fps, displayed {done[-1].shown_fps:.1f} fps, raw {raws[-1]:.1f} "
              f"fps; displayed / raw (the raws around it) {done[-1].ratio:.1%}; load {os.getloadavg()[0]:.2f}",
              flush=True)
    return done, raws


def print_round(r: Round, args: argparse.Namespace, frames: int) -> None:
    """The session's detail: rates, latency and its parts, CPU per thread role."""
    wall_s, summary, cpu = r.wall_s, r.summary, r.cpu
    live = summary["live"]
    shown_fps = r.shown_fps
    lat = live["latency_ms"]
    raw_fps = r.raw_fps
    print(f"source           {args.video.name} retimed to {args.fps} fps, {frames} frames, {args.seconds:.0f} s "
          f"({'window' if args.window else 'headless'})")
    print(f"live session     {wall_s:.1f} s wall (with start-up and model load)")
    converted = live.get("frames_converted")
    print(f"  captured       {live['frames_captured']} frames, processed {live['frames_processed']}, "
          f"dropped {live['frames_dropped']} (newest frame wins)"
          + ("" if converted is None else f"; converted to BGR {converted}"))
    print(f"  displayed      {shown_fps:.1f} fps")
    print(f"  model in loop  {live['inference_fps']:.1f} fps (time inside PoseEstimator.detect on the pose thread)")
    print(f"  latency        capture->display p50 {lat['p50']} ms, p95 {lat['p95']} ms, max {lat['max']} ms")
    for q in ("p50", "p95"):
        parts = live.get(f"latency_parts_ms_{q}")
        if parts:
            print(f"  latency parts  {q} " + ", ".join(f"{k} {v} ms" for k, v in parts.items())
                  + " (waiting for the model, the model, waiting for the main thread, the main thread)")
    print(f"raw inference    {raw_fps:.1f} fps (PoseEstimator.detect alone, {frames} frames of the same file; "
          f"{r.raw_before_fps:.1f} before the session, {r.raw_after_fps:.1f} after)")
    if live["inference_fps"] and raw_fps:
        print(f"model in loop / raw  {live['inference_fps'] / raw_fps:.1%}  (the model slowed by the rest of the process)")
    print(f"displayed / raw  {r.ratio:.1%}  (this round)")
    bound_ms = 1000 / live["inference_fps"] + 1000 / args.fps if live["inference_fps"] else float("nan")
    for name in ("p50", "p95"):
        ok = "within" if lat[name] <= bound_ms else "ABOVE"
        print(f"latency {name}      {lat[name]} ms: {ok} one inference plus one frame ({bound_ms:.0f} ms)")
    sums = live.get("latency_sums_ms")
    if sums and live["inference_fps"]:
        _print_tail(live, sums, 1000 / live["inference_fps"], 1000 / args.fps)
    shown = live.get("frames_shown") or 0
    if shown and cpu.seconds:
        roles, waits = cpu.per_role_s(), cpu.per_role_s(waiting=True)
        print(f"CPU per displayed frame (ms), over the session's {cpu.seconds:.1f} s, {shown} frames shown "
              f"(and the time the role's threads waited for a CPU):")
        for role, what in (("main", "measuring, counting, the coach, the files"),
                           ("capture", "capture thread and FFmpeg's decoder threads"),
                           ("other", "other threads"),
                           ("model", "pose thread and MediaPipe's threads")):
            print(f"  {role:<8} {1000 * roles[role] / shown:6.2f}  waited {1000 * waits[role] / shown:6.2f}  ({what})")
        rest = roles["main"] + roles["capture"] + roles["other"]
        print(f"  non-model {1000 * rest / shown:5.2f}  (all but the model), "
              f"model per processed frame {1000 * roles['model'] / max(1, live['frames_processed']):.2f}")
        print(f"  capture per captured frame {1000 * roles['capture'] / max(1, live['frames_captured']):.2f} ms "
              f"(decoding every frame, converting those used)")
        print(f"  process  {sum(roles.values()) / cpu.seconds:6.2f} cores busy on average")
    else:
        print("CPU per thread: not measured (no /proc, or the session's threads were not seen)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--fps", type=int, default=60, help="frame rate the clip is played at (default 60)")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of the played clip (default 12)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="live sessions, interleaved with raw measurements (default 5)")
    parser.add_argument("--window", action="store_true", help="show a window on $DISPLAY instead of headless")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"load             {os.getloadavg()[0]:.2f} (1 min) at the start, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="formcheck-live-bench-") as tmp:
        clip = Path(tmp) / "clip.mp4"
        frames = retimed_loop(args.video, clip, args.fps, args.seconds)
        print(f"rounds           {args.rounds} live sessions, the raw rate measured before, between and after them:")
        rounds, raws = interleaved_rounds(clip, Path(tmp), args.rounds, args.window, args.seconds)
    by_ratio = sorted(rounds, key=lambda r: r.ratio)
    median_round = by_ratio[(len(by_ratio) - 1) // 2]  # the lower middle of an even number
    median_ratio = statistics.median(r.ratio for r in rounds)
    print(f"detail of the round with the median ratio (round {rounds.index(median_round) + 1}):")
    print_round(median_round, args, frames)
    best_shown, best_raw = max(r.shown_fps for r in rounds), max(raws)
    verdict = "OK" if median_ratio >= 0.95 else "BELOW the 95% goal"
    print(f"displayed / raw  {median_ratio:.1%}  {verdict}  (median of {args.rounds} rounds, each against the raw "
          f"rates around it: " + ", ".join(f"{r.ratio:.1%}" for r in rounds) + ")")
    print(f"displayed / raw  best of each {best_shown / best_raw:.1%} (the highest displayed rate {best_shown:.1f} fps "
          f"over the highest raw rate {best_raw:.1f} fps; raw rates measured: "
          + ", ".join(f"{v:.1f}" for v in raws) + ")")
    print(f"load             {os.getloadavg()[0]:.2f} (1 min) at the end, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
