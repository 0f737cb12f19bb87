"""Per-frame cues of the trunk rotation estimator on wide-set clips, to see where a clip's error comes from.

For each named clip (``benchmarks/wide_landmarks/`` or a sample clip of :func:`wide_fit.load_pool`), measured as
:func:`wide_fit.measure` measures it with the shipped constants, one row every ``--step`` frames: the truth and
the reading (deg, relative to the neutral formcheck found), the depth's reading ``r_d``, the width's unsigned
camera-frame angle ``psi_w``, the side held through a turn (:func:`formcheck.rotation.turn_sides`; ``None``: the
depth's own side), the side-bend fade, the 2D shoulder and elbow spans (px), MediaPipe's world and image-depth
shoulder yaw (deg), and whether the frame is in the first (``F``) and the refined (``R``) neutral. Then the
camera's angle to the pelvis at neutral (``psi_0``) against the render's camera angle. No fitting, no figures
published: a reading aid.

    .venv/bin/python benchmarks/wide_cues.py CLIP [CLIP ...] [--step N]
    .venv/bin/python benchmarks/wide_cues.py --worst 3
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import wide_fit  # noqa: E402

from formcheck.rotation import TrunkRotationEstimator, _cues, turn_sides  # noqa: E402


def clip_rows(clip: wide_fit.Clip, step: int) -> list[str]:
    """The clip's header and one row every ``step`` frames (see the module docstring)."""
    v, frames = wide_fit.measure(clip, {})
    est = TrunkRotationEstimator()
    est.learn([clip.poses[i] for i in frames])
    first, refined = set(clip.neutral.frames), set(frames)
    true = clip.truth_deg - np.nanmedian(clip.truth_deg[list(frames)])
    cues = [_cues(p) if p.detected else None for p in clip.poses]
    peaks = est._lean_peaks(cues)
    readings = []
    for c, peak in zip(cues, peaks, strict=True):
        if c is None or not all(math.isfinite(x) for x in c[:3]):
            readings.append(None)
            continue
        lean = est._lean0 + peak if math.isfinite(peak) else c[6]
        readings.append(est._reading(*c[:6], trunk_lean=lean, elbow_span_px=c[7], elbow_drop_px=c[8]))
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", help="clip names")
    parser.add_argument("--step", type=int, default=3, help="print every N-th frame (default 3)")
    parser.add_argument("--worst", type=int, default=0, help="also the N rotation clips with the largest MAE")
    args = parser.parse_args(argv)
    if not args.clips and not args.worst:
        parser.error("name a clip or give --worst N")
    pool = wide_fit.load_pool()
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
