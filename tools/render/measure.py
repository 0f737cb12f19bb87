"""Runs MediaPipe's PoseLandmarker on the sample clips and compares it with their truth.

Run it with formcheck's own environment (it needs mediapipe, which the renderer's venv does not have):

    .venv/bin/python tools/render/measure.py sample_videos/*.mp4

Per clip: the share of frames with a detected person, and the median pixel distance between MediaPipe's
2D landmarks and the true pixel positions for shoulders, hips (and all truth landmarks), plus the median
signed offsets of shoulders and hips (MediaPipe minus truth), which is how :data:`tools.render.body.OFFSET_POINTS` was
checked. Uses the committed model ``models/pose_landmarker_full.task`` in VIDEO mode with increasing
integer millisecond timestamps.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import av
import numpy as np

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "models" / "pose_landmarker_full.task"


#: The metric each exercise counts with (formcheck's catalogue), compared between MediaPipe and the truth.
PRIMARY_METRIC = {
    "seated-thoracic-rotation": "trunk_rotation_deg",
    "standing-thoracic-rotation": "trunk_rotation_deg",
    "thoracic-extension": "trunk_extension_deg",
    "cat-cow": "spine_flexion_deg",
    "childs-pose": "hip_flexion_deg",
    "bird-dog": "arm_raise_deg",
    "glute-bridge": "hip_line_deg",
    "plank": "hip_line_deg",
    "scapular-squeeze": "trunk_extension_deg",
}


def _landmarker():
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python import vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    return mp, vision.PoseLandmarker.create_from_options(options)


def run_clip(video: Path) -> dict:
    mp, landmarker = _landmarker()
    xy, xyz = [], []
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        for i, frame in enumerate(container.decode(stream)):
            rgb = frame.to_ndarray(format="rgb24")
            h, w = rgb.shape[:2]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
            result = landmarker.detect_for_video(image, int(round(i * 1000.0 / fps)))
            if result.pose_landmarks:
                xy.append([[p.x * w, p.y * h] for p in result.pose_landmarks[0]])
                xyz.append([[p.x, p.y, p.z] for p in result.pose_world_landmarks[0]])
            else:
                xy.append(np.full((33, 2), np.nan))
                xyz.append(np.full((33, 3), np.nan))
    landmarker.close()
    return {"xy_px": np.asarray(xy, dtype=float), "xyz_m": np.asarray(xyz, dtype=float)}


def compare(video: Path) -> dict:
    truth_path = video.with_suffix("").with_suffix(".truth.json")
    truth = json.loads(truth_path.read_text())
    result = run_clip(video)
    mp_xy = result["xy_px"]
    n = len(mp_xy)
    detected = np.isfinite(mp_xy[:, 0, 0])
    row = {"clip": video.stem, "frames": n, "detected_pct": 100.0 * detected.mean()}
    if truth["frames"] and truth["frames"][0].get("landmarks_px") is not None:
        true_xy = np.array([f["landmarks_px"] for f in truth["frames"]], dtype=float)[:n]
        d = np.linalg.norm(mp_xy - true_xy, axis=-1)  # (n, 33)
        row["shoulder_err_px"] = float(np.nanmedian(d[:, 11:13]))
        row["hip_err_px"] = float(np.nanmedian(d[:, 23:25]))
        row["all_err_px"] = float(np.nanmedian(d))
        row["hip_offset_px"] = np.nanmedian(mp_xy[:, 23:25] - true_xy[:, 23:25], axis=(0, 1)).round(1).tolist()
        row["shoulder_offset_px"] = np.nanmedian(mp_xy[:, 11:13] - true_xy[:, 11:13], axis=(0, 1)).round(1).tolist()
        row["per_landmark_err_px"] = np.nanmedian(d, axis=0).round(1).tolist()
        metric = PRIMARY_METRIC.get(truth["exercise"])
        if metric:
            from formcheck.geometry import compute_metrics

            true_m = np.array([f["metrics"][metric] for f in truth["frames"]], dtype=float)[:n]
            mp_m = compute_metrics(mp_xy, result["xyz_m"])[metric]
            row["metric"] = metric
            row["metric_true_range"] = [float(np.nanmin(true_m)), float(np.nanmax(true_m))]
            row["metric_mp_range"] = [float(np.nanpercentile(mp_m, 1)), float(np.nanpercentile(mp_m, 99))]
            row["metric_median_abs_err"] = float(np.nanmedian(np.abs(mp_m - true_m)))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("videos", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args(argv)
    rows = []
    for video in args.videos:
        truth = video.with_suffix("").with_suffix(".truth.json")
        if not truth.exists():
            continue
        row = compare(video)
        rows.append(row)
        print(f"{row['clip']:<34} frames {row['frames']:4d}  detected {row['detected_pct']:6.1f}%  "
              f"shoulders {row.get('shoulder_err_px', float('nan')):5.1f}px  hips {row.get('hip_err_px', float('nan')):5.1f}px  "
              f"all {row.get('all_err_px', float('nan')):5.1f}px  shoulder offset {row.get('shoulder_offset_px')}  "
              f"hip offset {row.get('hip_offset_px')}  {row.get('metric', '')} true "
              f"{np.round(row.get('metric_true_range', []), 1).tolist()} mediapipe "
              f"{np.round(row.get('metric_mp_range', []), 1).tolist()} median |err| "
              f"{row.get('metric_median_abs_err', float('nan')):.1f}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
