"""The ground-truth file beside each clip (``<name>.truth.json``): writing, validating, recomputing metrics.

The metric values are a pure function of the stored true landmarks, via formcheck's own
:func:`formcheck.geometry.compute_metrics`; :func:`recompute_metrics` rewrites them in place whenever the
metric definitions change, without re-rendering anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from formcheck.landmarks import NUM_LANDMARKS, Landmark

TRUTH_VERSION = 1
FRAME_KEYS = ("index", "time_s", "phase", "rep", "side", "applied_angles_deg", "landmarks_cam_m", "landmarks_px",
              "metrics")
CLIP_KEYS = ("version", "clip", "exercise", "view", "facing", "fps", "frame_count", "duration_s", "resolution_wh",
             "camera", "body", "reps_per_side", "hold_intervals", "landmark_names", "frames")


def _round_or_none(a: np.ndarray, digits: int):
    if not np.isfinite(a).all():
        return None
    return np.round(a, digits).tolist()


def metrics_for(xy_px: np.ndarray, xyz_m: np.ndarray) -> dict[str, np.ndarray]:
    from formcheck.geometry import compute_metrics

    return compute_metrics(xy_px, xyz_m)


def frames_arrays(truth: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(xy_px (N, 33, 2), xyz_m (N, 33, 3))`` from a truth dict; NaN where a frame has no person."""
    n = len(truth["frames"])
    xy = np.full((n, NUM_LANDMARKS, 2), np.nan)
    xyz = np.full((n, NUM_LANDMARKS, 3), np.nan)
    for i, f in enumerate(truth["frames"]):
        if f["landmarks_px"] is not None:
            xy[i] = f["landmarks_px"]
            xyz[i] = f["landmarks_cam_m"]
    return xy, xyz


def set_metrics(truth: dict) -> None:
    """(Re)computes every frame's ``metrics`` from its stored landmarks (``None`` where there is no person)."""
    xy, xyz = frames_arrays(truth)
    metrics = metrics_for(xy, xyz)
    for i, f in enumerate(truth["frames"]):
        if f["landmarks_px"] is None:
            f["metrics"] = None
        else:
            f["metrics"] = {k: (None if not np.isfinite(v[i]) else round(float(v[i]), 4)) for k, v in metrics.items()}


def write(path: Path, truth: dict) -> None:
    path.write_text(json.dumps(truth, separators=(",", ":")) + "\n")


def recompute_metrics(paths: list[Path]) -> None:
    """Rewrites the metrics of existing truth files from their stored landmarks."""
    for path in paths:
        truth = json.loads(path.read_text())
        set_metrics(truth)
        write(path, truth)


def landmark_names() -> list[str]:
    return [lm.name.lower() for lm in Landmark]


def validate(truth: dict) -> list[str]:
    """Problems with a truth dict (empty when valid)."""
    problems = [f"missing key {k}" for k in CLIP_KEYS if k not in truth]
    if problems:
        return problems
    frames = truth["frames"]
    if len(frames) != truth["frame_count"]:
        problems.append(f"{len(frames)} frames for frame_count {truth['frame_count']}")
    for i, f in enumerate(frames):
        missing = [k for k in FRAME_KEYS if k not in f]
        if missing:
            problems.append(f"frame {i}: missing {missing}")
            break
        if f["index"] != i or abs(f["time_s"] - i / truth["fps"]) > 1e-6:
            problems.append(f"frame {i}: index/time_s out of step")
            break
        if f["landmarks_px"] is not None:
            if np.shape(f["landmarks_px"]) != (NUM_LANDMARKS, 2) or np.shape(f["landmarks_cam_m"]) != (NUM_LANDMARKS, 3):
                problems.append(f"frame {i}: landmark arrays of the wrong shape")
                break
    return problems
