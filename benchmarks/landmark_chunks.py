"""The landmark pass in chunks against one pass over the whole video: how far the landmarks move, and the time.

For each video it runs :func:`formcheck.passes.landmark_pass` (one landmarker from the first frame to the
last) and :func:`formcheck.passes.chunked_landmark_pass` with ``--chunks`` chunks, interleaved ``--rounds``
times, and prints:

- the largest landmark difference between the two, in pixels and as a share of the person's torso (shoulder
  midpoint to hip midpoint), over the frames after each boundary and over all others (which must be 0: the
  first chunk is the single pass's first frames), and of the world landmarks in millimetres;
- the frames with a person in one and not the other;
- with ``--exercise``-style names (``NAME=EXERCISE``), the reps and holds each gives (measure_and_count);
- wall seconds and CPU seconds (this process, all threads) of each, best of the rounds.

    .venv/bin/python benchmarks/landmark_chunks.py [VIDEO[=EXERCISE] ...] [--chunks 2] [--rounds 2]
        [--warmup-s 1.0]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from formcheck import passes
from formcheck.exercises import load_catalogue
from formcheck.passes import chunk_spans, chunked_landmark_pass, landmark_pass, measure_and_count
from formcheck.pose import PoseEstimator
from formcheck.series import PoseSeries
from formcheck.sources import VideoFileSource

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_VIDEOS = (f"{ROOT / 'sample_videos' / 'seated_rotation_front.mp4'}=seated-thoracic-rotation",)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} cores"


def run(video: Path, chunks: int) -> tuple[PoseSeries, float, float]:
    """The series, wall seconds and CPU seconds (process) of the landmark pass in ``chunks`` chunks."""
    with VideoFileSource(video) as source, PoseEstimator() as estimator:
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if chunks == 1:
            series = landmark_pass(source, estimator, measured=[])
        else:
            series = chunked_landmark_pass(source, estimator, chunks, measured=[])
        return series, time.perf_counter() - wall0, time.process_time() - cpu0


def compare(one: PoseSeries, joined: PoseSeries, cut_frames: list[int], after: int) -> dict[str, float]:
    """Largest differences of ``joined`` from ``one``: near the boundaries (``after`` frames from each cut) and
    elsewhere."""
    a, b = one.arrays(), joined.arrays()
    assert len(one) == len(joined) and one.timestamps_ms == joined.timestamps_ms, "the frames must be the same"
    xy_err = np.linalg.norm(a["xy_px"] - b["xy_px"], axis=-1)  # (N, 33), NaN where either has no person
    world_err = np.linalg.norm(a["world_xyz_m"] - b["world_xyz_m"], axis=-1) * 1000
    shoulders, hips = a["xy_px"][:, 11:13].mean(axis=1), a["xy_px"][:, 23:25].mean(axis=1)
    torso = np.nanmedian(np.linalg.norm(shoulders - hips, axis=-1))
    near = np.zeros(len(one), dtype=bool)
    for cut in cut_frames:
        near[cut:cut + after] = True
    det_a, det_b = np.isfinite(a["xy_px"]).all(axis=(1, 2)), np.isfinite(b["xy_px"]).all(axis=(1, 2))

    def worst(values: np.ndarray, where: np.ndarray) -> float:
        v = values[where & det_a & det_b]
        return float(np.nanmax(v)) if v.size and np.isfinite(v).any() else 0.0

    body = slice(11, 33)
    return {"torso_px": float(torso),
            "near_px": worst(xy_err[:, body].max(axis=1), near),
            "near_torso": worst(xy_err[:, body].max(axis=1), near) / torso,
            "near_world_mm": worst(world_err[:, body].max(axis=1), near),
            "after_px": worst(xy_err[:, body].max(axis=1), ~near),
            "after_first_cut_px": worst(xy_err[:, body].max(axis=1), np.arange(len(one)) >= (cut_frames or [0])[0]),
            "elsewhere_before_px": worst(xy_err.max(axis=1), np.arange(len(one)) < (cut_frames or [len(one)])[0]),
            "detected_differ": int((det_a != det_b).sum()),
            "vis_near": worst(np.abs(a["visibility"] - b["visibility"])[:, body].max(axis=1), near)}


def counts(series: PoseSeries, exercise: str | None) -> str:
    if not exercise:
        return "-"
    counted = measure_and_count(series, load_catalogue()[exercise])
    full = [r for r in counted.records if r.complete]
    return f"{len(full)} full / {len(counted.records)} ({', '.join(sorted({r.side for r in full}))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="*", default=list(DEFAULT_VIDEOS), help="VIDEO or VIDEO=EXERCISE")
    parser.add_argument("--chunks", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup-s", type=float, default=passes.CHUNK_WARMUP_S)
    parser.add_argument("--after", type=int, default=30, help="frames after a boundary counted as near it")
    args = parser.parse_args()
    passes.CHUNK_WARMUP_S = args.warmup_s
    print(f"landmark pass in {args.chunks} chunks (warm-up {args.warmup_s:g} s) against one pass; {load()}")
    for spec in args.videos:
        video, _, exercise = spec.partition("=")
        path = Path(video)
        with VideoFileSource(path) as source:
            duration_s = source.info.duration_s
        best: dict[int, tuple[float, float]] = {}
        got: dict[int, PoseSeries] = {}
        for _ in range(args.rounds):
            for chunks in (1, args.chunks):
                series, wall_s, cpu_s = run(path, chunks)
                got[chunks] = series
                old = best.get(chunks, (np.inf, np.inf))
                best[chunks] = (min(old[0], wall_s), min(old[1], cpu_s))
        one, joined = got[1], got[args.chunks]
        t = np.asarray(one.timestamps_ms) / 1000
        cuts = [int(np.searchsorted(t, s.start_s - 1e-9)) for s in chunk_spans(duration_s, args.chunks)[1:]]
        d = compare(one, joined, cuts, args.after)
        n = len(one)
        print(f"{path.name}: {n} frames, {duration_s:.1f} s, cuts at frames {cuts}; torso {d['torso_px']:.0f} px")
        print(f"  within {args.after} frames after a cut: body landmarks max {d['near_px']:.2f} px "
              f"({100 * d['near_torso']:.2f}% of the torso), world {d['near_world_mm']:.1f} mm, "
              f"visibility {d['vis_near']:.3f}")
        print(f"  later than that: max {d['after_px']:.3f} px; before the first cut: {d['elsewhere_before_px']:.3f} px; "
              f"frames with a person in only one: {d['detected_differ']}")
        print(f"  counts: one pass {counts(one, exercise)}; chunks {counts(joined, exercise)}")
        (w1, c1), (wk, ck) = best[1], best[args.chunks]
        print(f"  one pass {w1:.2f} s wall {c1:.2f} s CPU ({n / w1:.1f} fps); {args.chunks} chunks {wk:.2f} s wall "
              f"{ck:.2f} s CPU ({n / wk:.1f} fps): {w1 / wk:.2f}x the rate, {ck / c1:.2f}x the CPU; {load()}")


if __name__ == "__main__":
    main()
