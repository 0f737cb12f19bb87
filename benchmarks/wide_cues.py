"""Per-frame cues of the trunk rotation estimator on wide-set clips, to see where a clip's error comes from.

For each named clip (``benchmarks/wide_landmarks/`` or a sample clip of :func:`wide_fit.load_pool`), measured as
:func:`wide_fit.measure` measures it with the shipped constants, one row every ``--step`` frames: the truth and
the reading (deg, relative to the neutral formcheck found), the depth's reading ``r_d``, the width's unsigned
camera-frame angle ``psi_w``, the side held through a turn (:func:`formcheck.rotation.turn_sides`; ``None``: the
depth's own side), the side-bend fade, the 2D shoulder and elbow spans (px), MediaPipe's world and image-depth
shoulder yaw (deg), and whether the frame is in the first (``F``) and the refined (``R``) neutral. Then the
camera's angle to the pelvis at neutral (``psi_0``) against the render's camera angle. No fitting, no figures
published: a reading aid.

``--camera`` prints instead, for every clip of the pool, MediaPipe's world hip line (median over the neutral
formcheck found) and three other readings of the camera's angle (the world shoulder line, the mean of the two, and
the feet standing: :func:`formcheck.rotation.standing_feet_yaw_deg`, blank where the person does not stand with
the feet seen) against the truth's pelvis angle to the camera (the true hip line's yaw in camera coordinates over
the same frames), with each reading's error, and their mean absolute and largest error over the clips (the feet's
also over the standing clips and the hips' over the same clips). The estimator's ``psi_0`` is the hips' (the feet's
only with ``use_feet``, off by default).

    .venv/bin/python benchmarks/wide_cues.py CLIP [CLIP ...] [--step N]
    .venv/bin/python benchmarks/wide_cues.py --worst 3
    .venv/bin/python benchmarks/wide_cues.py --camera
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy  # noqa: E402
import wide_cache  # noqa: E402
import wide_fit  # noqa: E402

from formcheck.geometry import yaw_deg  # noqa: E402
from formcheck.landmarks import Landmark as L  # noqa: E402
from formcheck.rotation import (  # noqa: E402
    TrunkRotationEstimator,
    _circular_median_deg,
    _cues,
    fold_deg,
    standing_feet_yaw_deg,
    turn_sides,
)


def clip_rows(clip: wide_fit.Clip, step: int) -> list[str]:
    """The clip's header and one row every ``step`` frames (see the module docstring)."""
    v, frames = wide_fit.measure(clip, {})
    est = TrunkRotationEstimator()
    est.learn([clip.poses[i] for i in frames])
    first, refined = set(clip.neutral.frames), set(frames)
    true = clip.truth_deg - np.nanmedian(clip.truth_deg[list(frames)])
    cues = [_cues(p) if p.detected else None for p in clip.poses]
    readings = est.readings(cues)  # as measure_all reads them
    sides = turn_sides(readings, clip.fps)
    ok = np.isfinite(v) & np.isfinite(true)
    mae = float(np.mean(np.abs(v[ok] - true[ok]))) if ok.any() else math.nan
    camera = clip.factors.get("camera_deg", "?")
    lines = [f"== {clip.name}: MAE {mae:.1f}, hands {est.hands}, psi_0 {est.camera_yaw_deg:.1f} (render's camera_deg "
             f"{camera}: its sign is the opposite of psi_0's), {clip.fps:.0f} fps, neutral frames "
             f"{len(first)} first, {len(refined)} refined",
             "frame   true   read    err |    r_d  psi_w  side fade | shoulders elbows | yaw_w  yaw_z  F R"]
    for i in range(0, len(clip.poses), step):
        r, c = readings[i], cues[i]
        if r is None or c is None:
            lines.append(f"{i:5d}  (no person)")
            continue
        side = "-" if sides[i] is None else f"{sides[i]:+.0f}"
        lines.append(f"{i:5d} {true[i]:6.1f} {v[i]:6.1f} {v[i] - true[i]:6.1f} | {r.r_d:6.1f} {r.psi_w:6.1f} "
                     f"{side:>5s} {r.bend_trust:4.2f} | {c[2]:9.1f} {c[7]:6.1f} | {c[0]:5.1f} {c[3]:6.1f}  "
                     f"{'F' if i in first else '.'} {'R' if i in refined else '.'}")
    return lines


def true_camera_landmarks_m(clip: wide_fit.Clip) -> np.ndarray:
    """The truth's landmarks in camera coordinates (metres), one row of landmarks per frame."""
    if clip.group == "sample":
        truth = json.loads(accuracy.truth_path(accuracy.SAMPLES / f"{clip.name}.mp4").read_text())
        return np.array([f["landmarks_cam_m"] for f in truth["frames"]], dtype=float)
    with np.load(wide_cache.CACHE / f"{clip.name}.truth.npz") as z:
        return z["landmarks_cam_m"].astype(float)


def _line_yaw_deg(points: np.ndarray, frames: list[int], left: int, right: int) -> float:
    """The folded circular median over ``frames`` of the yaw of the line from ``right`` to ``left``."""
    return fold_deg(_circular_median_deg([float(yaw_deg(points[i, left] - points[i, right])) for i in frames]))


def camera_rows(pool: list[wide_fit.Clip]) -> list[str]:
    """psi_0's readings against the truth's pelvis angle, one row per clip (see the module docstring)."""
    lines = ["clip                                       camera  true |  hips (err)  shoulders (err)  mean (err)  feet (err)"
             " | MAE"]
    errors: dict[str, list[float]] = {"hips": [], "shoulders": [], "mean": [], "feet": [], "hips where feet": []}
    for clip in pool:
        _, frames = wide_fit.measure(clip, {})
        cam = true_camera_landmarks_m(clip)
        fr = [i for i in frames if i < len(cam) and clip.poses[i].detected]
        world = np.array([clip.poses[i].world_xyz_m if i in fr else np.zeros((33, 3)) for i in range(len(clip.poses))])
        true = _line_yaw_deg(cam, fr, int(L.LEFT_HIP), int(L.RIGHT_HIP))
        hips = _line_yaw_deg(world, fr, int(L.LEFT_HIP), int(L.RIGHT_HIP))
        shoulders = _line_yaw_deg(world, fr, int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER))
        mean = 0.5 * (hips + shoulders)
        feet_yaw = [v for v in (standing_feet_yaw_deg(clip.poses[i]) for i in fr) if math.isfinite(v)]
        feet = fold_deg(_circular_median_deg(feet_yaw)) if 2 * len(feet_yaw) > len(fr) else math.nan
        for key, value in (("hips", hips), ("shoulders", shoulders), ("mean", mean)):
            errors[key].append(value - true)
        if math.isfinite(feet):
            errors["feet"].append(feet - true)
            errors["hips where feet"].append(hips - true)
        feet_text = f"{feet:5.1f} ({feet - true:5.1f})" if math.isfinite(feet) else " " * 13
        mae = wide_fit.clip_errors(clip, {})["mae"] if clip.group != "side_bend" else math.nan
        lines.append(f"{clip.name[:42]:42s} {clip.factors.get('camera_deg', '?'):>6s} {true:5.1f} | {hips:5.1f} "
                     f"({hips - true:5.1f})  {shoulders:5.1f} ({shoulders - true:5.1f})      {mean:5.1f} "
                     f"({mean - true:5.1f})  {feet_text} | {mae:4.1f}")
    for key, e in errors.items():
        if not e:
            continue
        a = np.abs(np.array(e))
        lines.append(f"{key}: mean absolute error {a.mean():.2f} deg, largest {a.max():.1f} deg over {a.size} clips")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", help="clip names")
    parser.add_argument("--step", type=int, default=3, help="print every N-th frame (default 3)")
    parser.add_argument("--worst", type=int, default=0, help="also the N rotation clips with the largest MAE")
    parser.add_argument("--camera", action="store_true", help="psi_0 against the truth's camera angle, every clip")
    args = parser.parse_args(argv)
    if not args.clips and not args.worst and not args.camera:
        parser.error("name a clip or give --worst N or --camera")
    pool = wide_fit.load_pool()
    if args.camera:
        print("\n".join(camera_rows(pool)))
        return 0
    chosen = [c for c in pool if c.name in args.clips]
    missing = set(args.clips) - {c.name for c in chosen}
    if missing:
        print(f"wide_cues: no such clip: {', '.join(sorted(missing))}", file=sys.stderr)
        return 2
    if args.worst:
        turns = [c for c in pool if c.group != "side_bend" and c not in chosen]
        turns.sort(key=lambda c: wide_fit.clip_errors(c, {})["mae"], reverse=True)
        chosen += turns[: args.worst]
    for clip in chosen:
        print("\n".join(clip_rows(clip, max(1, args.step))), end="\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
