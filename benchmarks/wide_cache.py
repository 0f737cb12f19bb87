"""Caches the wide evaluation set (issue 11) so that ``benchmarks/accuracy.py --set wide`` runs without its videos.

The wide set's videos are rendered outside the repository (``tools/render_samples.py --set wide --out DIR``,
about an hour on two cores) and are not committed. For each clip this stores, in ``benchmarks/wide_landmarks/``:

* ``<clip>.npz``: MediaPipe's landmarks over every frame (:mod:`landmark_cache`, with the video's sha256);
* ``<clip>.truth.npz``: the compact truth: the true landmarks (pixels and camera metres, float32), the applied
  angles per frame, and the clip's facts as JSON (exercise, view, camera, body, reps, holds, factor levels).
  The metrics are not stored: they are recomputed from the true landmarks with the current definitions.

    .venv/bin/python benchmarks/wide_cache.py DIR [--refresh] [CLIP ...]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

import landmark_cache  # noqa: E402

CACHE = ROOT / "benchmarks" / "wide_landmarks"
APPLIED = ("thoracic_axial_rotation_deg", "thoracic_extension_deg", "thoracic_lateral_flexion_deg",
           "lumbar_axial_rotation_deg", "lumbar_extension_deg", "lumbar_lateral_flexion_deg", "neck_extension_deg",
           "neck_axial_rotation_deg", "scapular_retraction_deg")
META_KEYS = ("clip", "exercise", "view", "facing", "fps", "frame_count", "duration_s", "resolution_wh", "camera",
             "body", "reps_per_side", "hold_intervals", "note")


def compact_truth(truth: dict[str, Any], factors: dict[str, str]) -> dict[str, np.ndarray]:
    """The arrays of ``<clip>.truth.npz`` from a full truth file."""
    frames = truth["frames"]
    px = np.array([f["landmarks_px"] for f in frames], dtype=np.float32)
    cam = np.array([f["landmarks_cam_m"] for f in frames], dtype=np.float32)
    applied = np.array([[f["applied_angles_deg"].get(k, 0.0) for k in APPLIED] for f in frames], dtype=np.float32)
    meta = {k: truth[k] for k in META_KEYS} | {"factors": factors,
                                                 "phase": [f["phase"] for f in frames],
                                                 "side": [f["side"] for f in frames],
                                                 "rep": [f["rep"] for f in frames]}
    return {"landmarks_px": px, "landmarks_cam_m": cam, "applied_deg": applied,
            "applied_names": np.array(APPLIED), "meta_json": np.array(json.dumps(meta))}


def load_truth(clip: str, cache_dir: Path = CACHE) -> dict[str, Any]:
    """A truth dict in the sample truth's shape (``frames`` with ``metrics``, ``landmarks_px``, applied angles)
    rebuilt from ``<clip>.truth.npz``, the metrics recomputed with the current :mod:`formcheck.geometry`."""
    from formcheck.geometry import compute_metrics

    with np.load(cache_dir / f"{clip}.truth.npz") as z:
        px = z["landmarks_px"].astype(float)
        cam = z["landmarks_cam_m"].astype(float)
        applied = z["applied_deg"].astype(float)
        names = [str(n) for n in z["applied_names"]]
        meta = json.loads(str(z["meta_json"]))
    metrics = compute_metrics(px, cam)
    frames = []
    for i in range(len(px)):
        frames.append({
            "index": i, "phase": meta["phase"][i], "side": meta["side"][i], "rep": meta["rep"][i],
            "applied_angles_deg": dict(zip(names, applied[i].tolist(), strict=True)),
            "landmarks_px": px[i], "landmarks_cam_m": cam[i],
            "metrics": {k: (float(v[i]) if np.isfinite(v[i]) else None) for k, v in metrics.items()},
        })
    truth = {k: meta[k] for k in META_KEYS} | {"factors": meta["factors"], "frames": frames}
    return truth


def cached_clips(cache_dir: Path = CACHE) -> list[str]:
    """Clips with both a landmark cache and a truth cache."""
    return sorted(p.name[: -len(".truth.npz")] for p in cache_dir.glob("*.truth.npz")
                  if (cache_dir / (p.name[: -len(".truth.npz")] + ".npz")).is_file())


def main(argv: list[str] | None = None) -> int:
    from tools.render.wide import wide_by_name

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("renders", type=Path, help="the folder tools/render_samples.py --set wide wrote")
    parser.add_argument("clips", nargs="*", help="clip names (default: every wide clip rendered there)")
    parser.add_argument("--refresh", action="store_true", help="run MediaPipe again even if the cache is fresh")
    args = parser.parse_args(argv)
    if not args.renders.is_dir():
        print(f"wide_cache: {args.renders} is not a folder: render the set first "
              "(tools/render_samples.py --set wide --out DIR)", file=sys.stderr)
        return 2
    wide = wide_by_name()
    names = args.clips or [n for n in wide if (args.renders / f"{n}.mp4").is_file()]
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in names:
        video = args.renders / f"{name}.mp4"
        truth_file = args.renders / f"{name}.truth.json"
        if not video.is_file() or not truth_file.is_file():
            print(f"wide_cache: {name}: no video or truth in {args.renders}; skipped", file=sys.stderr)
            continue
        landmark_cache.ensure(video, CACHE, refresh=args.refresh, log=lambda m: print(m, file=sys.stderr))
        truth = json.loads(truth_file.read_text())
        np.savez_compressed(CACHE / f"{name}.truth.npz", **compact_truth(truth, wide[name].factors))
    print(f"cached {len(names)} clips in {CACHE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
