"""Fits the trunk rotation estimator's constants with cross-validation on the rendered clips (issue 11).

The pool: every trunk-rotation clip of the wide set (``benchmarks/wide_landmarks/``, seated and standing, and the
side bends, whose rotation is 0) plus the sample clips' rotation clips (``benchmarks/landmarks/``). Each clip is
measured as ``formcheck analyze`` measures it: the neutral found over the whole recording
(:func:`formcheck.passes.find_neutral`), :class:`formcheck.rotation.TrunkRotationEstimator` against it, and the
offline zero-phase smoothing; the error is against the truth's change from its own value over the same frames.

A grid of constants is scored by the mean of the clips' MAE. Two cross-validations, each clip held out once:

* **leave-one-body-out**: for each body shape, the constants are chosen on the clips of the other bodies and
  scored on that body's clips;
* **leave-one-camera-out**: the same with the camera's angle around the person (0, +-15, +-30, +-45 deg).

The published errors are the held-out ones (each clip measured with constants chosen without it).

    .venv/bin/python benchmarks/wide_fit.py [--grid small|full]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy  # noqa: E402
import wide_cache  # noqa: E402
import wide_eval  # noqa: E402

from formcheck.exercises import load_catalogue  # noqa: E402
from formcheck.filtering import zero_phase_smooth  # noqa: E402
from formcheck.measure import raw_measurement  # noqa: E402
from formcheck.passes import SMOOTH_HALF_WINDOW_S, _fps, _refine_rotation_neutral, find_neutral  # noqa: E402
from formcheck.rotation import TrunkRotationEstimator  # noqa: E402
from formcheck.types import Pose  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ROTATION = {  # the sample clips' factor levels (sample_videos/README.md)
    "seated_rotation_front": {"body": "average_male", "camera_deg": "0", "arms": "crossed", "lens": "sample"},
    "seated_rotation_oblique30": {"body": "slim_female", "camera_deg": "+30", "arms": "crossed", "lens": "sample"},
    "standing_rotation_front": {"body": "heavy_male", "camera_deg": "0", "arms": "crossed", "lens": "sample"},
    "standing_rotation_partly_out_of_frame": {"body": "average_male", "camera_deg": "0", "arms": "crossed",
                                              "lens": "sample"},
}


@dataclass
class Clip:
    name: str
    group: str  # seated_rot / standing_rot / side_bend / sample
    factors: dict[str, str]
    poses: list[Pose]
    raw: list  # raw measurements
    exercise: Any
    neutral: Any  # the first neutral (formcheck.passes.Neutral), found on the raw metric
    truth_deg: np.ndarray  # truth's trunk_rotation_deg (absolute: made relative per measurement)
    half_window: int


def _clip(name: str, group: str, factors: dict[str, str], series, truth_frames: list, exercise_name: str) -> Clip:
    exercise = load_catalogue()[exercise_name]
    poses = [p for p, _ in series.poses()]
    raw = [raw_measurement(p, t) for p, t in zip(poses, series.timestamps_ms, strict=True)]
    neutral = find_neutral(raw, exercise)
    true = np.array([np.nan if (f.get("metrics") or {}).get("trunk_rotation_deg") is None
                     else f["metrics"]["trunk_rotation_deg"] for f in truth_frames], dtype=float)[: len(poses)]
    half = max(1, round(SMOOTH_HALF_WINDOW_S * _fps(series)))
    return Clip(name, group, factors, poses, raw, exercise, neutral, true, half)


def load_pool() -> list[Clip]:
    pool = []
    for name in wide_cache.cached_clips():
        group = wide_eval.group_of(name)
        if group not in ("seated_rot", "standing_rot", "side_bend"):
            continue
        truth = wide_cache.load_truth(name)
        pool.append(_clip(name, group, truth["factors"], wide_eval.load_series(name), truth["frames"],
                          truth["exercise"]))
    for name, factors in SAMPLE_ROTATION.items():
        video = accuracy.SAMPLES / f"{name}.mp4"
        truth = json.loads(accuracy.truth_path(video).read_text())
        pool.append(_clip(name, "sample", factors, accuracy.load_cache(video).series, truth["frames"],
                          truth["exercise"]))
    return pool


def measure(clip: Clip, params: dict[str, float]) -> tuple[np.ndarray, tuple[int, ...]]:
    """What :func:`formcheck.passes.measure_series` gives for trunk rotation with these constants, and the
    neutral frames it ends up with."""
    est = TrunkRotationEstimator(**params)
    est.learn([clip.poses[i] for i in clip.neutral.frames])
    rotation = [est.measure(p) for p in clip.poses]
    neutral, rotation = _refine_rotation_neutral(clip.raw, clip.poses, clip.exercise, clip.neutral, est, rotation)
    return zero_phase_smooth(np.array(rotation, dtype=float), clip.half_window), neutral.frames


def clip_errors(clip: Clip, params: dict[str, float]) -> dict[str, float]:
    """MAE / max / bias in degrees; for a side bend also the largest rotation read (its truth is about 0)."""
    v, frames = measure(clip, params)
    true = clip.truth_deg - np.nanmedian(clip.truth_deg[list(frames)])
    ok = np.isfinite(v) & np.isfinite(true)
    e = v[ok] - true[ok]
    return {"mae": float(np.mean(np.abs(e))), "max": float(np.max(np.abs(e))), "bias": float(np.mean(e)),
            "peak": float(np.max(np.abs(v[ok])))}


GRIDS = {
    "small": {"depth_gain": (1.0, 1.5, 2.0), "width_gain": (1.0, 1.6, 2.2), "blend_c": (0.05, 0.2),
              "depth_mix": (0.0, 0.5)},
    "full": {"depth_gain": (1.0, 1.5, 2.0), "image_depth_gain": (0.8, 1.0, 1.25), "depth_mix": (0.0, 0.5, 1.0),
             "width_gain": (1.0, 1.3, 1.6, 2.0, 2.5), "blend_c": (0.05, 0.2, 0.5)},
}


def score_grid(pool: list[Clip], grid: dict[str, tuple[float, ...]]) -> tuple[list[dict[str, float]], np.ndarray]:
    """Every parameter set of the grid and each clip's MAE under it: ``(params, mae[param, clip])``."""
    keys = list(grid)
    params = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(grid[k] for k in keys))]
    mae = np.array([[clip_errors(c, p)["mae"] for c in pool] for p in params])
    return params, mae


def cross_validate(pool: list[Clip], params: list[dict[str, float]], mae: np.ndarray, factor: str
                   ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:
    """Leave-one-level-out over ``factor``: per fold the chosen constants and the held-out MAE; per clip the
    held-out errors (each clip measured with the constants chosen without its fold)."""
    folds: dict[str, dict[str, Any]] = {}
    held: dict[str, dict[str, float]] = {}
    levels = sorted({c.factors[factor] for c in pool})
    for level in levels:
        test = [i for i, c in enumerate(pool) if c.factors[factor] == level]
        train = [i for i, c in enumerate(pool) if c.factors[factor] != level]
        best = int(np.argmin(mae[:, train].mean(axis=1)))
        for i in test:
            held[pool[i].name] = clip_errors(pool[i], params[best])
        scored = [i for i in test if pool[i].group != "side_bend"]
        folds[level] = {"params": params[best], "clips": len(test),
                        "mae": float(np.mean([held[pool[i].name]["mae"] for i in scored])) if scored else math.nan}
    return folds, held


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=sorted(GRIDS), default="full")
    parser.add_argument("--json", type=Path, help="write the folds and held-out errors here")
    args = parser.parse_args(argv)
    pool = load_pool()
    params, mae = score_grid(pool, GRIDS[args.grid])
    scored = [i for i, c in enumerate(pool) if c.group != "side_bend"]
    best = int(np.argmin(mae[:, scored].mean(axis=1)))
    print(f"pool: {len(pool)} clips; fit on all (training error, not published): {params[best]} "
          f"mean clip MAE {mae[best, scored].mean():.2f}")
    out: dict[str, Any] = {"all": params[best]}
    for factor in ("body", "camera_deg"):
        folds, held = cross_validate(pool, params, mae, factor)
        out[factor] = {"folds": folds, "held_out": held}
        print(f"\nleave-one-{factor}-out:")
        for level, f in folds.items():
            print(f"  {level:>18}: {f['clips']:2d} clips, held-out MAE {f['mae']:.2f}  constants {f['params']}")
        by_group: dict[str, list[float]] = defaultdict(list)
        for c in pool:
            by_group[c.group].append(held[c.name]["mae"] if c.group != "side_bend" else held[c.name]["peak"])
        for g, v in by_group.items():
            label = "largest rotation read in a side bend" if g == "side_bend" else "mean clip MAE"
            print(f"  {g}: {label} {np.mean(v) if g != 'side_bend' else np.max(v):.2f} over {len(v)} clips")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
