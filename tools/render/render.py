"""Renders one clip: poses the body over the timeline, renders each frame, writes the video and the truth."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from tools.render import truth as truth_io
from tools.render.body import OUTFITS, SHAPES, SKIN_TONES, Body
from tools.render.clips import ClipSpec
from tools.render.exercises import BUILDERS
from tools.render.posing import solve
from tools.render.scene import ROOMS, Camera, Renderer

log = logging.getLogger(__name__)

CRF = 26  # H.264 quality: keeps all clips together well under 25 MB


def camera_for(spec: ClipSpec) -> Camera:
    tx, ty = spec.target_xy_m
    return Camera(eye_m=spec.camera_eye(), target_m=(tx, ty, spec.target_z_m), hfov_deg=spec.hfov_deg,
                  resolution_wh=spec.resolution_wh)


def build_truth(spec: ClipSpec, render_video: bool, out_dir: Path) -> dict:
    """Poses every frame, writes ``<name>.truth.json`` and (if ``render_video``) ``<name>.mp4``."""
    t0 = time.time()
    body = Body(SHAPES[spec.shape])
    motion = BUILDERS[spec.exercise](body, spec.fps, **spec.options)
    camera = camera_for(spec)
    n = len(motion.samples)
    if motion.postures:
        vertices, landmarks, _ = solve(body, motion.postures)
        cam_m = camera.to_camera(landmarks)
        px = camera.project(cam_m)
    else:
        vertices = None
        cam_m = px = None
    frames = []
    for i, s in enumerate(motion.samples):
        has_person = cam_m is not None
        frames.append({
            "index": i,
            "time_s": round(s.time_s, 6),
            "phase": s.phase,
            "rep": s.rep,
            "side": s.side,
            "applied_angles_deg": ({k: round(v, 6) for k, v in motion.postures[i].applied_angles().items()}
                                   if has_person else None),
            "landmarks_cam_m": truth_io._round_or_none(cam_m[i], 5) if has_person else None,
            "landmarks_px": truth_io._round_or_none(px[i], 2) if has_person else None,
            "metrics": None,
        })
    truth = {
        "version": truth_io.TRUTH_VERSION,
        "clip": spec.name,
        "exercise": spec.exercise,
        "view": spec.view,
        "facing": spec.facing if spec.exercise != "none" else "none",
        "fps": spec.fps,
        "frame_count": n,
        "duration_s": round(n / spec.fps, 6),
        "resolution_wh": list(camera.resolution_wh),
        "camera": {**camera.as_dict(), "azimuth_deg": spec.azimuth_deg},
        "body": ({"shape": spec.shape, "phenotype": SHAPES[spec.shape].phenotype_kwargs(), "skin_tone": spec.tone,
                  "skin_rgb": list(SKIN_TONES[spec.tone].skin_rgb), "outfit": spec.outfit, "room": spec.room}
                 if spec.exercise != "none" else None),
        "reps_per_side": motion.reps_per_side,
        "hold_intervals": motion.hold_intervals,
        "note": spec.note,
        "landmark_names": truth_io.landmark_names(),
        "frames": frames,
    }
    truth_io.set_metrics(truth)
    problems = truth_io.validate(truth)
    if problems:
        raise RuntimeError(f"{spec.name}: invalid truth: {problems}")
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_io.write(out_dir / f"{spec.name}.truth.json", truth)
    t_pose = time.time() - t0
    if render_video:
        t1 = time.time()
        colors = body.vertex_colors(SKIN_TONES[spec.tone], OUTFITS[spec.outfit])
        renderer = Renderer(camera, ROOMS[spec.room], body.faces, colors, props=motion.props)
        try:
            write_video(out_dir / f"{spec.name}.mp4", spec.fps,
                        (renderer.render(None if vertices is None else vertices[i]) for i in range(n)), n)
        finally:
            renderer.close()
        log.info("%s: %d frames posed in %.1f s, rendered in %.1f s (%.3f s/frame)", spec.name, n, t_pose,
                 time.time() - t1, (time.time() - t1) / n)
        truth["_render_s"] = time.time() - t1
    return truth


def write_video(path: Path, fps: float, frames, n: int) -> None:
    """H.264 (yuv420p) MP4 with PyAV; frame ``i`` at ``pts = i`` in a ``1/fps`` time base."""
    from fractions import Fraction

    import av

    tmp = path.with_name(path.name + ".part")
    with av.open(str(tmp), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(CRF), "preset": "slow"}
        for i, rgb in enumerate(frames):
            if i == 0:
                stream.height, stream.width = rgb.shape[:2]
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    tmp.replace(path)
