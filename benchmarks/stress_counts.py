"""Stress test of counting: the cached real and rendered landmark series, changed as real footage changes.

Each clip with a known count (the real clips of ``benchmarks/real_landmarks/`` scored as reps or holds, and the
rendered samples of ``benchmarks/landmarks/`` with an exercise) is counted by formcheck's own path
(:func:`formcheck.passes.measure_and_count`) as cached, and again after each stress:

* ``start_mid``: the recording starts in the middle of the first rep (at its peak) or a quarter into the
  first hold: the person was already moving when the camera started;
* ``fps_half``: every other frame dropped (a phone or webcam that drops frames; clips of 25 fps or more);
* ``jitter``: every landmark moved by Gaussian noise of 1% of the person's trunk length (pixels and world);
* ``hands_feet_hidden``: wrists, hands, ankles and feet seen badly (visibility 0.05) on every frame;
* ``portrait``: the picture cropped to a 9:16 portrait window around the hips (a phone held upright): what
  falls outside is out of the frame, seen badly (visibility :data:`OUTSIDE_VISIBILITY`). A crop that cuts off a
  part the exercise's metric needs on most frames (a plank lying across a narrow picture) must be refused with
  "Step back": listed, not scored. A rep the crop hides all through (the coach says "Step back" on every frame
  of it: a part the metric needs is out of the picture, so it is not measured) is not expected: the reps left
  in view must count as unstressed. Such reps are listed;
* ``dropouts``: three gaps of 0.3 s with no person found (at 30%, 55% and 80% of the recording);
* ``mirror``: the picture mirrored left to right (a person facing the other way, or a selfie camera that
  mirrors): x flipped in the picture and in the world, the body's left and right landmarks swapped, so a turn to
  the person's left becomes one to their right. It holds when the counts are the unstressed ones with the sides
  swapped;
* ``slower`` / ``faster``: the same movement 1.5x slower and 1.33x faster (timestamps stretched by 1.5 and
  0.75; the frames are the same): people move at their own pace. A rep clip holds when it counts as many reps
  per side (a rep's hold at its peak stretches too, so a full rep may become partial when faster and the
  other way round); a hold holds when its longest hold is the unstressed one stretched alike, within 1 s;
* ``hand_out``: one hand out of the picture for the middle 40% of the recording (past the nearer side edge,
  seen badly): counting pauses only when the exercise's metrics need that hand;
* ``pause``: the person stops for 2 s halfway through, wherever they are (at rest, mid-turn or at a peak),
  with MediaPipe's resting noise on the still frames, then carries on. A rep clip holds when it counts as many
  reps per side (a pause at a peak lengthens that rep's hold); a hold when its longest hold is the unstressed
  one, or up to 2 s longer (the pause may fall in it), within 1 s.

How people really film (each built from the same cached series, image and world landmarks alike):

* ``camera_move``: the phone slides and the person steps closer: the picture zooms smoothly to 1.3x about the
  body and slides by 5% / 3% of its width / height (the world landmarks, metres about the hips, unchanged);
* ``camera_tilt``: the propped phone tips by 6 deg over the recording (picture and world turned alike about the
  camera's axis);
* ``lower_body_out``: a laptop on a desk: the picture ends just past the hips, knees and feet hidden, the hips at
  the edge seen less well;
* ``fidget``: 3 s of adjusting the phone and shifting about before the first rep and after the last (where the
  person is at rest there), staying short of ``enter``: must count nothing more;
* ``partial_rep``: right after the first full rep, the same rep again scaled down to peak midway between
  ``enter`` and the target's near edge: it holds when it counts one more partial rep on that side and the same
  full reps (rep clips whose first full rep starts and ends at rest);
* ``low_light``: visibility lower, noise 1.5x ``jitter``'s, the person lost on 3% of single frames;
* ``camera_view`` (four stresses, each scored on its own): the phone not where the exercise asks, the whole
  scene seen from a camera moved round the person: ``camera_az+30`` / ``camera_az-30`` 30 deg round the vertical
  axis either way (a phone on a chair off to one side), ``camera_el+20`` / ``camera_el-20`` 20 deg above (on a
  table, looking down) or below (on the floor, looking up) the hips. A rigid turn of the world landmarks and a
  weak-perspective turn of the picture at the same scale (:func:`camera_view` says exactly how). It must count as
  unstressed: a phone 30 deg off is still where people put it. ``--only camera_view`` runs the four.

After ``camera_move``, ``camera_tilt``, ``lower_body_out`` and ``low_light`` the coach may rightly refuse to count
(a part the metric needs out of the picture or hard to see, said on at least half of the frames): listed, not
scored.

A stressed clip holds when it counts what the unstressed one counts (reps per side, full and partial; for a
hold, the longest hold within 1 s); ``start_mid`` may lose the first rep (half of it is cut off) and the held
time cut off. A negative control holds when it still counts no full rep. Seeds are fixed: the same run prints the same table.

``--seeds N``: ``jitter`` alone, with noise seeds 0 to N-1 instead of seed 1 (real people are noisy in many ways,
not one): per clip, the share of seeds whose count holds (as above), and the seeds that lose it; then the total.
A clip that holds on seed 1 may still hang on a few seeds.

    .venv/bin/python benchmarks/stress_counts.py [--only STRESS] [--seeds N] [CLIP ...]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.exercises import Exercise, load_catalogue
from formcheck.landmarks import Landmark as L
from formcheck.passes import Counted, measure_and_count
from formcheck.series import PoseSeries

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "benchmarks" / "real_landmarks"
RENDERED = ROOT / "benchmarks" / "landmarks"
SAMPLES = ROOT / "sample_videos"
HOLD_TOL_S = 1.0
#: The visibility MediaPipe gives a landmark it guesses outside the picture (``portrait``, ``hand_out``).
OUTSIDE_VISIBILITY = 0.1

LIMB_ENDS = [int(L.LEFT_WRIST), int(L.RIGHT_WRIST), *range(int(L.LEFT_PINKY), int(L.RIGHT_THUMB) + 1),
             int(L.LEFT_ANKLE), int(L.RIGHT_ANKLE), *range(int(L.LEFT_HEEL), int(L.RIGHT_FOOT_INDEX) + 1)]


# ------------------------------------------------------------------------------------------- series
def rebuild(series: PoseSeries, arrays: dict[str, np.ndarray], keep: np.ndarray,
            resolution_wh: tuple[int, int] | None = None) -> PoseSeries:
    """A new series of the frames ``keep`` of ``arrays`` (same timestamps)."""
    out = PoseSeries(resolution_wh=resolution_wh or series.resolution_wh)
    out._arrays = {k: np.ascontiguousarray(v[keep]).astype(np.float32) for k, v in arrays.items()}
    out._chunks = {k: list(out._arrays[k]) for k in out._arrays}
    out.timestamps_ms = [series.timestamps_ms[i] for i in np.flatnonzero(keep)]
    out.frame_indices = [series.frame_indices[i] for i in np.flatnonzero(keep)]
    return out


def copy_arrays(series: PoseSeries) -> dict[str, np.ndarray]:
    return {k: v.astype(np.float64).copy() for k, v in series.arrays().items()}


def trunk_px(a: dict[str, np.ndarray]) -> float:
    xy = a["xy_px"]
    sh = 0.5 * (xy[:, int(L.LEFT_SHOULDER)] + xy[:, int(L.RIGHT_SHOULDER)])
    hp = 0.5 * (xy[:, int(L.LEFT_HIP)] + xy[:, int(L.RIGHT_HIP)])
    d = np.linalg.norm(sh - hp, axis=-1)
    return float(np.nanmedian(d)) if np.isfinite(d).any() else 100.0


def start_mid(series: PoseSeries, crop_s: float) -> PoseSeries:
    t = np.asarray(series.timestamps_ms) / 1000.0
    return rebuild(series, copy_arrays(series), t >= crop_s)


def fps_half(series: PoseSeries) -> PoseSeries | None:
    t = np.asarray(series.timestamps_ms, dtype=float)
    if len(t) < 3 or 1000.0 / np.median(np.diff(t)) < 25.0:
        return None
    keep = np.zeros(len(t), dtype=bool)
    keep[::2] = True
    return rebuild(series, copy_arrays(series), keep)


def jitter(series: PoseSeries, seed: int = 1) -> PoseSeries:
    rng = np.random.default_rng(seed)
    a = copy_arrays(series)
    sigma = 0.01 * trunk_px(a)
    a["xy_px"] += rng.normal(0.0, sigma, a["xy_px"].shape)
    a["world_xyz_m"] += rng.normal(0.0, 0.01 * 0.5, a["world_xyz_m"].shape)  # 1% of a 0.5 m trunk
    return rebuild(series, a, np.ones(len(series), dtype=bool))


def hands_feet_hidden(series: PoseSeries) -> PoseSeries:
    a = copy_arrays(series)
    a["visibility"][:, LIMB_ENDS] = 0.05
    return rebuild(series, a, np.ones(len(series), dtype=bool))


def portrait(series: PoseSeries) -> PoseSeries | None:
    w, h = series.resolution_wh
    new_w = int(round(h * 9 / 16))
    if new_w >= w:
        return None
    a = copy_arrays(series)
    hips_x = 0.5 * (a["xy_px"][:, int(L.LEFT_HIP), 0] + a["xy_px"][:, int(L.RIGHT_HIP), 0])
    centre = float(np.nanmedian(hips_x)) if np.isfinite(hips_x).any() else w / 2
    x0 = int(round(min(max(centre - new_w / 2, 0), w - new_w)))
    a["xy_px"][..., 0] -= x0
    outside = (a["xy_px"][..., 0] < 0) | (a["xy_px"][..., 0] > new_w)
    a["visibility"][outside] = np.minimum(a["visibility"][outside], OUTSIDE_VISIBILITY)
    return rebuild(series, a, np.ones(len(series), dtype=bool), (new_w, h))


def dropouts(series: PoseSeries) -> PoseSeries:
    a = copy_arrays(series)
    t = np.asarray(series.timestamps_ms) / 1000.0
    for start in t[0] + (t[-1] - t[0]) * np.array([0.3, 0.55, 0.8]):
        gap = (t >= start) & (t < start + 0.3)
        for k in a:
            a[k][gap] = np.nan
    return rebuild(series, a, np.ones(len(series), dtype=bool))


#: Each landmark's mirror image: the body's left and right swapped (the nose stays the nose).
MIRRORED = [int(L[m.name.replace("LEFT", "@").replace("RIGHT", "LEFT").replace("@", "RIGHT")]) for m in L]


def mirror(series: PoseSeries) -> PoseSeries:
    a = copy_arrays(series)
    w, _ = series.resolution_wh
    a["xy_px"][..., 0] = w - a["xy_px"][..., 0]
    a["world_xyz_m"][..., 0] = -a["world_xyz_m"][..., 0]
    for k in a:
        a[k] = a[k][:, MIRRORED]
    return rebuild(series, a, np.ones(len(series), dtype=bool))


def tempo(series: PoseSeries, stretch: float) -> PoseSeries:
    """The same frames with the time between them stretched by ``stretch`` (> 1: slower)."""
    out = rebuild(series, copy_arrays(series), np.ones(len(series), dtype=bool))
    t0 = series.timestamps_ms[0] if len(series) else 0
    out.timestamps_ms = [int(round(t0 + (t - t0) * stretch)) for t in series.timestamps_ms]
    return out


#: One hand's landmarks (the person's right: wrist, pinky, index, thumb).
RIGHT_HAND = [int(L.RIGHT_WRIST), int(L.RIGHT_PINKY), int(L.RIGHT_INDEX), int(L.RIGHT_THUMB)]


def hand_out(series: PoseSeries) -> PoseSeries:
    """One hand out of the picture for the middle 40% of the recording (reaching past the edge of a phone's
    picture, or a hand that leaves it to steady the phone): its landmarks past the picture's nearer side edge,
    seen badly (:data:`OUTSIDE_VISIBILITY`)."""
    a = copy_arrays(series)
    t = np.asarray(series.timestamps_ms, dtype=float)
    w, _ = series.resolution_wh
    span = (t >= t[0] + 0.3 * (t[-1] - t[0])) & (t <= t[0] + 0.7 * (t[-1] - t[0]))
    x = a["xy_px"][:, RIGHT_HAND, 0]
    right = np.nanmedian(x) >= w / 2 if np.isfinite(x).any() else True
    a["xy_px"][np.ix_(span, RIGHT_HAND, [0])] = (w + 0.05 * w) if right else -0.05 * w
    a["visibility"][np.ix_(span, RIGHT_HAND)] = OUTSIDE_VISIBILITY
    return rebuild(series, a, np.ones(len(series), dtype=bool))


#: How long the person stops in the middle of the recording (``pause``).
PAUSE_S = 2.0


def pause(series: PoseSeries, at_share: float = 0.5) -> PoseSeries:
    """The person stops for :data:`PAUSE_S` where they are halfway through the recording (to listen to a cue,
    catch their breath, or think of the next rep), then carries on: the frame there repeated, with MediaPipe's
    resting noise (0.3% of the trunk length in the picture, 1.5 mm in the world), and every later frame that
    much later."""
    t = np.asarray(series.timestamps_ms, dtype=float)
    if len(t) < 3:
        return series
    a = copy_arrays(series)
    at = int(np.searchsorted(t, t[0] + at_share * (t[-1] - t[0])))
    step = float(np.median(np.diff(t)))
    n = int(round(PAUSE_S * 1000.0 / step))
    rng = np.random.default_rng(2)
    still = {k: np.repeat(v[at:at + 1], n, axis=0) for k, v in a.items()}
    still["xy_px"] = still["xy_px"] + rng.normal(0.0, 0.003 * trunk_px(a), still["xy_px"].shape)
    still["world_xyz_m"] = still["world_xyz_m"] + rng.normal(0.0, 0.0015, still["world_xyz_m"].shape)
    out = PoseSeries(resolution_wh=series.resolution_wh)
    out._arrays = {k: np.ascontiguousarray(np.concatenate([v[:at + 1], still[k], v[at + 1:]])).astype(np.float32)
                   for k, v in a.items()}
    out._chunks = {k: list(out._arrays[k]) for k in out._arrays}
    shift = n * step
    out.timestamps_ms = ([int(x) for x in t[:at + 1]] + [int(round(t[at] + (i + 1) * step)) for i in range(n)]
                         + [int(round(x + shift)) for x in t[at + 1:]])
    last = series.frame_indices[at]
    out.frame_indices = (list(series.frame_indices[:at + 1]) + [last + i + 1 for i in range(n)]
                         + [f + n for f in series.frame_indices[at + 1:]])
    return out


# ------------------------------------------------------------------------ how people film (real recordings)
def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _body_centre_px(a: dict[str, np.ndarray]) -> np.ndarray:
    """The median over the recording of the shoulders' and hips' centre in the picture (x, y)."""
    xy = a["xy_px"][:, [int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER), int(L.LEFT_HIP), int(L.RIGHT_HIP)]]
    c = np.nanmedian(xy.mean(axis=1), axis=0)
    return c if np.isfinite(c).all() else np.zeros(2)


def _outside_seen_badly(a: dict[str, np.ndarray], resolution_wh: tuple[int, int], vis: float = 0.1) -> None:
    """Landmarks outside the picture are seen badly (MediaPipe guesses them): visibility at most ``vis``."""
    w, h = resolution_wh
    x, y = a["xy_px"][..., 0], a["xy_px"][..., 1]
    out = (x < 0) | (x >= w) | (y < 0) | (y >= h)
    a["visibility"][out] = np.minimum(a["visibility"][out], vis)


#: ``camera_drift``: by the end of the recording the person is this much larger in the picture (steps closer, or
#: the phone zooms), the picture has slid by these shares of its width and height, and turned (rolled) this much.
DRIFT_SCALE = 1.3
DRIFT_SHIFT = (0.05, 0.03)
DRIFT_ROLL_DEG = 6.0


def camera_drift(series: PoseSeries, scale_to: float = DRIFT_SCALE, shift: tuple[float, float] = DRIFT_SHIFT,
                 roll_deg: float = 0.0) -> PoseSeries:
    """The camera moves during the set: a phone propped against something slides and tips, the person steps
    closer. A similarity transform of the picture that grows smoothly (smoothstep over the recording) from none
    to ``scale_to`` x larger about the body's centre, shifted by ``shift`` (shares of the picture's width and
    height) and rolled by ``roll_deg``. The world landmarks (metres about the hips, camera-aligned) do not see
    the zoom or the shift, only the roll: they turn by the same angle about the camera's axis. Landmarks pushed
    out of the picture are seen badly. ``camera_move``: the zoom and the slide (:data:`DRIFT_SCALE`,
    :data:`DRIFT_SHIFT`); ``camera_tilt``: the roll alone (:data:`DRIFT_ROLL_DEG`)."""
    a = copy_arrays(series)
    t = np.asarray(series.timestamps_ms, dtype=float)
    w, h = series.resolution_wh
    ramp = _smoothstep((t - t[0]) / max(t[-1] - t[0], 1.0))[:, None]
    scale = 1.0 + (scale_to - 1.0) * ramp
    roll = np.radians(roll_deg) * ramp
    cos, sin = np.cos(roll), np.sin(roll)
    c = _body_centre_px(a)
    dx, dy = a["xy_px"][..., 0] - c[0], a["xy_px"][..., 1] - c[1]
    a["xy_px"][..., 0] = c[0] + scale * (cos * dx - sin * dy) + shift[0] * w * ramp
    a["xy_px"][..., 1] = c[1] + scale * (sin * dx + cos * dy) + shift[1] * h * ramp
    a["z_px"] = a["z_px"] * scale
    wx, wy = a["world_xyz_m"][..., 0].copy(), a["world_xyz_m"][..., 1].copy()
    a["world_xyz_m"][..., 0] = cos * wx - sin * wy
    a["world_xyz_m"][..., 1] = sin * wx + cos * wy
    _outside_seen_badly(a, series.resolution_wh)
    return rebuild(series, a, np.ones(len(series), dtype=bool))


#: ``camera_azimuth``: the camera this far round the person, either way (deg). 30 is the far end of where people put a
#: phone "beside" them (a chair or shelf 20-35 deg off side-on, or off square for a front view): what must still
#: count. ``camera_elevation``: the camera this far above (looking down: a phone on a table) or below (looking up:
#: a phone on the floor) the hips' height (deg).
VIEW_AZIMUTH_DEG = 30.0
VIEW_ELEVATION_DEG = 20.0


def _world_scale_px_per_m(a: dict[str, np.ndarray]) -> float:
    """The picture's scale against the world landmarks: the least-squares ``s`` of ``xy_px - hips ~ s * world_xy``
    over every landmark and frame placed (a weak-perspective camera)."""
    hips = 0.5 * (a["xy_px"][:, HIPS[0]] + a["xy_px"][:, HIPS[1]])
    p, w = (a["xy_px"] - hips[:, None]).reshape(-1, 2), a["world_xyz_m"][..., :2].reshape(-1, 2)
    ok = np.isfinite(p).all(axis=1) & np.isfinite(w).all(axis=1)
    return float((p[ok] * w[ok]).sum() / max((w[ok] ** 2).sum(), 1e-12)) if ok.any() else 1.0


def camera_view(series: PoseSeries, azimuth_deg: float = 0.0, elevation_deg: float = 0.0) -> PoseSeries:
    """The camera moved round the person: the whole recording seen from ``azimuth_deg`` round the vertical axis
    (> 0: the camera moved to its right and turned back to the hips) and then ``elevation_deg`` up (> 0: the
    camera above the hips, looking down), at the same distance and level (no roll).

    The scene turns rigidly: with camera axes x right, y down, z away from the camera,
    ``R = R_x(elevation) R_y(azimuth)`` where ``R_y(a)``: ``x' = x cos a + z sin a``, ``z' = -x sin a + z cos a``
    and ``R_x(e)``: ``y' = y cos e - z sin e``, ``z' = y sin e + z cos e`` (a head above the hips comes nearer a
    camera that looks down on it). The world landmarks (metres about the hips) are turned by ``R``.

    The picture is a weak-perspective camera at the same scale (the body keeps its size): each landmark's picture
    x, y about the hips' centre (its median over the recording; the hips at a constant depth) and its depth taken
    from the world landmarks at the picture's scale (``s * world_z``, ``s`` from :func:`_world_scale_px_per_m`) are
    turned by ``R``. The depth comes from the world, not from ``z_px``: on the cached series MediaPipe's image
    depth reads 3-4 times the world's against the trunk (a seated person's knees 2.5 trunk lengths in front of the
    hips), so turning with it would fold an exaggerated depth into the picture. ``z_px`` is then the turned depth
    about the hips at ``z_px``'s own gain against ``s * world_z`` (least squares). The picture's size is kept;
    landmarks turned out of it are seen badly; visibility is otherwise unchanged."""
    a = copy_arrays(series)
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    r_y = np.array([[math.cos(az), 0.0, math.sin(az)], [0.0, 1.0, 0.0], [-math.sin(az), 0.0, math.cos(az)]])
    r_x = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(el), -math.sin(el)], [0.0, math.sin(el), math.cos(el)]])
    turn = r_x @ r_y
    depth_px = _world_scale_px_per_m(a) * a["world_xyz_m"][..., 2]
    ok = np.isfinite(depth_px) & np.isfinite(a["z_px"])
    gain = float((a["z_px"][ok] * depth_px[ok]).sum() / max((depth_px[ok] ** 2).sum(), 1e-12)) if ok.any() else 1.0
    hips_xy = 0.5 * (a["xy_px"][:, HIPS[0]] + a["xy_px"][:, HIPS[1]])
    c = np.nanmedian(hips_xy, axis=0) if np.isfinite(hips_xy).any() else np.zeros(2)
    xyz = np.concatenate([a["xy_px"] - c, depth_px[..., None]], axis=-1) @ turn.T
    a["xy_px"] = xyz[..., :2] + c
    a["z_px"] = gain * (xyz[..., 2] - 0.5 * (xyz[:, HIPS[0], 2] + xyz[:, HIPS[1], 2])[:, None])
    a["world_xyz_m"] = a["world_xyz_m"] @ turn.T
    _outside_seen_badly(a, series.resolution_wh)
    return rebuild(series, a, np.ones(len(series), dtype=bool))



def camera_roll(series: PoseSeries, roll_deg: float) -> PoseSeries:
    """The whole recording seen by a camera rolled ``roll_deg`` about its axis all through (a phone propped askew):
    the picture turned about the body's centre and the world landmarks about the camera's z axis, alike (as
    :func:`camera_drift`'s roll, without its ramp). Not a stress of its own: the tests read the squeeze under it."""
    a = copy_arrays(series)
    r = math.radians(roll_deg)
    cos, sin = math.cos(r), math.sin(r)
    c = _body_centre_px(a)
    dx, dy = a["xy_px"][..., 0] - c[0], a["xy_px"][..., 1] - c[1]
    a["xy_px"][..., 0], a["xy_px"][..., 1] = c[0] + cos * dx - sin * dy, c[1] + sin * dx + cos * dy
    wx, wy = a["world_xyz_m"][..., 0].copy(), a["world_xyz_m"][..., 1].copy()
    a["world_xyz_m"][..., 0], a["world_xyz_m"][..., 1] = cos * wx - sin * wy, sin * wx + cos * wy
    return rebuild(series, a, np.ones(len(series), dtype=bool))

#: The lower body: hips' landmarks and what is below them.
HIPS = [int(L.LEFT_HIP), int(L.RIGHT_HIP)]
BELOW_HIPS = list(range(int(L.LEFT_KNEE), int(L.RIGHT_FOOT_INDEX) + 1))
#: ``lower_body_out``: the picture ends this share of the trunk past the hips; the hips at its edge are seen with
#: this share of their visibility.
EDGE_PAST_HIPS = 0.1
HIPS_AT_EDGE_VISIBILITY = 0.7


def lower_body_out(series: PoseSeries) -> PoseSeries | None:
    """The lower body out of the picture (a laptop on a desk, a phone propped close): the picture ends just past
    the hips on the legs' side (:data:`EDGE_PAST_HIPS` of the trunk past where they reach on 95% of the frames;
    below them for a person upright, beside them for one lying or on all fours), knees, ankles and feet hidden
    (visibility 0.05: under the desk or out of the picture), the hips at the edge seen less well
    (:data:`HIPS_AT_EDGE_VISIBILITY` of their visibility). None when the picture already ends there."""
    a = copy_arrays(series)
    w, h = series.resolution_wh
    xy = a["xy_px"]
    sh = np.nanmedian(0.5 * (xy[:, int(L.LEFT_SHOULDER)] + xy[:, int(L.RIGHT_SHOULDER)]), axis=0)
    hp = np.nanmedian(0.5 * (xy[:, HIPS[0]] + xy[:, HIPS[1]]), axis=0)
    if not (np.isfinite(sh).all() and np.isfinite(hp).all()):
        return None
    d = hp - sh
    margin = EDGE_PAST_HIPS * float(np.hypot(*d))
    hips = xy[:, HIPS].reshape(-1, 2)
    far = np.nanpercentile(hips, 95, axis=0)  # the hips' furthest reach on the legs' side (they move)
    near = np.nanpercentile(hips, 5, axis=0)
    if abs(d[1]) >= abs(d[0]):
        if d[1] <= 0:
            return None  # upside down: no lower edge past the hips
        edge = int(math.ceil(far[1] + margin))
        if edge >= h:
            return None
        size = (w, edge)
    elif d[0] > 0:
        edge = int(math.ceil(far[0] + margin))
        if edge >= w:
            return None
        size = (edge, h)
    else:
        x0 = int(math.floor(near[0] - margin))
        if x0 <= 0:
            return None
        xy[..., 0] -= x0
        size = (w - x0, h)
    a["visibility"][:, BELOW_HIPS] = 0.05
    a["visibility"][:, HIPS] *= HIPS_AT_EDGE_VISIBILITY
    _outside_seen_badly(a, size)
    return rebuild(series, a, np.ones(len(series), dtype=bool), size)


def _progress(counted_ms: list, exercise: Exercise) -> np.ndarray:
    """The rep metric's progress from neutral (what the counter compares with ``enter``) on each frame."""
    v = np.array([m.angles.get(exercise.rep.metric, math.nan) if m.detected else math.nan for m in counted_ms])
    return np.array([exercise.rep.progress(x)[0] for x in v], dtype=float)


def _values(counted_ms: list, exercise: Exercise) -> np.ndarray:
    return np.array([m.angles.get(exercise.rep.metric, math.nan) if m.detected else math.nan for m in counted_ms])


def _splice(series: PoseSeries, a: dict[str, np.ndarray], at: int, extra: dict[str, np.ndarray]) -> PoseSeries:
    """``extra``'s frames inserted after frame ``at`` (-1: before the first), one frame step apart; every later
    frame that much later."""
    t = np.asarray(series.timestamps_ms, dtype=float)
    step = float(np.median(np.diff(t))) if len(t) > 1 else 33.0
    n = len(next(iter(extra.values())))
    out = PoseSeries(resolution_wh=series.resolution_wh)
    out._arrays = {k: np.ascontiguousarray(np.concatenate([v[:at + 1], extra[k], v[at + 1:]])).astype(np.float32)
                   for k, v in a.items()}
    out._chunks = {k: list(out._arrays[k]) for k in out._arrays}
    t_at = t[at] if at >= 0 else t[0] - (n + 1) * step
    f_at = series.frame_indices[at] if at >= 0 else series.frame_indices[0] - n - 1
    shift = n * step if at >= 0 else 0.0
    out.timestamps_ms = ([int(x) for x in t[:at + 1]] + [int(round(t_at + (i + 1) * step)) for i in range(n)]
                         + [int(round(x + shift)) for x in t[at + 1:]])
    fshift = n if at >= 0 else 0
    out.frame_indices = (list(series.frame_indices[:at + 1]) + [f_at + i + 1 for i in range(n)]
                         + [f + fshift for f in series.frame_indices[at + 1:]])
    if at < 0 and out.timestamps_ms[0] < 0:  # keep timestamps non-negative
        lift = -out.timestamps_ms[0]
        out.timestamps_ms = [x + lift for x in out.timestamps_ms]
    if at < 0 and out.frame_indices[0] < 0:
        lift = -out.frame_indices[0]
        out.frame_indices = [f + lift for f in out.frame_indices]
    return out


#: ``fidget``: this long before the first rep and after the last, the person adjusts the phone and shifts about.
FIDGET_S = 3.0
#: ... the fidget moves the rep metric at most this share of the way from where it is to ``enter``.
FIDGET_SHARE_OF_ENTER = 0.4
#: ... the hand reaching for the phone moves this share of the trunk length in the picture, and this far
#: towards the camera (m).
REACH_SHARE = 0.6
REACH_M = 0.35
RIGHT_ARM_END = [int(L.RIGHT_WRIST), int(L.RIGHT_PINKY), int(L.RIGHT_INDEX), int(L.RIGHT_THUMB)]


def _bump(n: int, centre: float, width: float) -> np.ndarray:
    """A smooth 0-1-0 bump over ``n`` frames (raised cosine), centred at ``centre`` frames, ``width`` frames."""
    i = np.arange(n, dtype=float)
    u = np.clip((i - centre) / max(width, 1.0) + 0.5, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * u)


def _fidget_frames(a: dict[str, np.ndarray], anchor: int, n: int, values: np.ndarray, progress_at: float,
                   exercise: Exercise, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` frames of fidgeting about frame ``anchor``'s pose (which they start and end at)."""
    extra = {k: np.repeat(v[anchor:anchor + 1], n, axis=0) for k, v in a.items()}
    trunk = trunk_px(a)
    window = np.sin(np.linspace(0.0, np.pi, n + 2)[1:-1]) ** 2
    # the body shifts in the picture (leaning towards the phone): smooth, up to 4% of the trunk
    for axis in (0, 1):
        walk = np.cumsum(rng.normal(0.0, 1.0, n))
        walk -= np.linspace(walk[0], walk[-1], n)
        walk *= 0.04 * trunk / max(np.max(np.abs(walk)), 1e-9)
        extra["xy_px"][:, :, axis] += (walk * window)[:, None]
    # two short moves towards postures of the recording itself, small enough to stay well short of 'enter'
    enter_p = exercise.rep.threshold_progress(exercise.rep.enter)
    room = FIDGET_SHARE_OF_ENTER * max(enter_p - progress_at, 0.0)
    ok = np.flatnonzero(np.isfinite(values) & np.isfinite(a["xy_px"]).all(axis=(1, 2)))
    for centre in (0.3 * n, 0.7 * n):
        if ok.size == 0:
            break
        k = int(rng.choice(ok))
        delta = abs(values[k] - values[anchor]) if np.isfinite(values[anchor]) else math.inf
        share = min(0.3, room / delta) if delta > 0 else 0.3
        bump = share * _bump(n, centre + rng.uniform(-0.1, 0.1) * n, rng.uniform(0.15, 0.25) * n)
        for key in ("xy_px", "z_px", "world_xyz_m"):
            extra[key] += bump.reshape(-1, *[1] * (extra[key].ndim - 1)) * (a[key][k] - a[key][anchor])
    # a hand reaches for the phone and back
    reach = _bump(n, 0.5 * n, 0.4 * n)
    angle = rng.uniform(-np.pi * 0.85, -np.pi * 0.15)  # upwards in the picture, to one side or the other
    for lm, share in ((int(L.RIGHT_ELBOW), 0.5), *((i, 1.0) for i in RIGHT_ARM_END)):
        extra["xy_px"][:, lm, 0] += share * REACH_SHARE * trunk * np.cos(angle) * reach
        extra["xy_px"][:, lm, 1] += share * REACH_SHARE * trunk * np.sin(angle) * reach
        extra["world_xyz_m"][:, lm, 2] -= share * REACH_M * reach  # MediaPipe's z: negative towards the camera
    return extra


#: ... an end of the recording is at rest when no rep or hold of the unstressed count lies within this of it.
REST_AT_END_S = 0.5


def fidget_ends(series: PoseSeries, exercise: Exercise, counted: Counted | None = None) -> tuple[bool, bool]:
    """Whether the person is at rest at the start and at the end of the recording: found there, the rep metric
    short of ``exit``, and no rep or hold of the unstressed count within :data:`REST_AT_END_S` (a rep or hold
    that close to the start began before counting did, while the posture settled)."""
    t_s = np.asarray(series.timestamps_ms, dtype=float) / 1000.0
    counted = counted or measure_and_count(series, exercise)
    progress = _progress(counted.measurements, exercise)
    exit_p = exercise.rep.threshold_progress(exercise.rep.exit)
    present = np.isfinite(series.arrays()["xy_px"]).all(axis=(1, 2))
    starts = [r.start_s for r in counted.records]
    ends = [r.end_s for r in counted.records]
    at_start = bool(present[0] and progress[0] < exit_p and (not starts or min(starts) >= t_s[0] + REST_AT_END_S))
    at_end = bool(present[-1] and progress[-1] < exit_p and (not ends or max(ends) <= t_s[-1] - REST_AT_END_S))
    return at_start, at_end


def fidget(series: PoseSeries, exercise: Exercise, seed: int = 4) -> PoseSeries | None:
    """The person fidgets for :data:`FIDGET_S` before the first rep and after the last: adjusts the phone (one
    hand reaches towards the camera and back), shifts in the picture, and makes two short moves towards postures
    of the recording, never further than :data:`FIDGET_SHARE_OF_ENTER` of the way to ``enter``. Only at an end
    of the recording where the person is at rest (:func:`fidget_ends`): a fidget in the middle of a hold is a
    different thing. None when neither end is at rest."""
    t = np.asarray(series.timestamps_ms, dtype=float)
    if len(t) < 3:
        return None
    counted = measure_and_count(series, exercise)
    at_start, at_end = fidget_ends(series, exercise, counted)
    progress = _progress(counted.measurements, exercise)
    values = _values(counted.measurements, exercise)
    rng = np.random.default_rng(seed)
    a = copy_arrays(series)
    n = int(round(FIDGET_S * 1000.0 / float(np.median(np.diff(t)))))
    out: PoseSeries | None = None
    if at_end:
        last = len(t) - 1
        out = _splice(series, a, last, _fidget_frames(a, last, n, values, float(progress[last]), exercise, rng))
    if at_start:
        before = _fidget_frames(a, 0, n, values, float(progress[0]), exercise, rng)
        out = _splice(out or series, copy_arrays(out or series), -1, before)
    if out is None:
        return None
    a = copy_arrays(out)
    _outside_seen_badly(a, out.resolution_wh)
    return rebuild(out, a, np.ones(len(out), dtype=bool))


def partial_rep(series: PoseSeries, exercise: Exercise) -> tuple[PoseSeries, str] | None:
    """A partial rep mixed in: right after the first full rep the person does it again, but only part of the way:
    the same frames, from the rest before the rep to the rest after it, with every landmark's way from the
    straight line between those two rests scaled down (image and world alike), so that the rep metric peaks
    midway between the exercise's ``enter`` and the near edge of its target (its own thresholds for a partial
    rep). The scale is found from the measured peak: the furthest progress towards the full rep's side measured
    over the spliced frames, whether or not a rep is counted there (at most 4 tries). Returns the series and the side the
    partial rep is on (the summary's key); None without a full rep or when the target is another metric."""
    if exercise.target.metric != exercise.rep.metric:
        return None
    counted = measure_and_count(series, exercise)
    full = [r for r in counted.records if r.complete]
    if not full:
        return None
    rec = full[0]
    t_s = np.asarray(series.timestamps_ms, dtype=float) / 1000.0
    progress = _progress(counted.measurements, exercise)
    before = [r.end_s for r in counted.records if r.end_s <= rec.start_s]
    after = [r.start_s for r in counted.records if r.start_s >= rec.end_s]
    lo_t, hi_t = (max(before) if before else t_s[0]), (min(after) if after else t_s[-1])
    pre = np.flatnonzero((t_s >= lo_t) & (t_s <= rec.start_s) & np.isfinite(progress))
    post = np.flatnonzero((t_s >= rec.end_s) & (t_s <= hi_t) & np.isfinite(progress))
    if pre.size == 0 or post.size == 0:
        return None
    i0 = int(pre[np.argmin(progress[pre])])
    i1 = int(post[np.argmin(progress[post])])
    exit_p = exercise.rep.threshold_progress(exercise.rep.exit)
    if i1 - i0 < 3 or max(progress[i0], progress[i1]) >= exit_p:
        return None  # the rep does not start and end at rest (a recording that starts or ends mid-movement)
    a = copy_arrays(series)
    u = np.linspace(0.0, 1.0, i1 - i0 + 1)
    way = {}
    for key in ("xy_px", "z_px", "world_xyz_m"):
        seg = a[key][i0:i1 + 1]
        shape = (-1, *[1] * (seg.ndim - 1))
        way[key] = seg - (a[key][i0] + u.reshape(shape) * (a[key][i1] - a[key][i0]))
    enter_p = exercise.rep.threshold_progress(exercise.rep.enter)
    lo_p = exercise.rep.threshold_progress(exercise.target.lo)
    aim_p = 0.5 * (enter_p + lo_p)
    rest_p = float(progress[i1])
    peak_p, rep_side = exercise.rep.progress(rec.peak_deg)
    scale = float(np.clip((aim_p - rest_p) / max(peak_p - rest_p, 1e-9), 0.02, 1.0))
    side = rec.side or "all"
    step = float(np.median(np.diff(t_s)))
    stressed = series
    for _ in range(4):
        extra = {k: v[i0:i1 + 1].copy() for k, v in a.items()}
        for key in way:
            extra[key] = a[key][i1] + scale * way[key]
        stressed = _splice(series, a, i1, extra)
        t_in = (t_s[i1], t_s[i1] + (i1 - i0 + 2) * step)
        got_t = np.asarray(stressed.timestamps_ms, dtype=float) / 1000.0
        inside = (got_t >= t_in[0]) & (got_t <= t_in[1])
        values = _values(measure_and_count(stressed, exercise).measurements, exercise)[inside]
        got = np.array([p if s == rep_side else math.nan for p, s in map(exercise.rep.progress, values)])
        if not np.isfinite(got).any():
            break
        got_p = float(np.nanmax(got))
        if abs(got_p - aim_p) <= 0.25 * abs(lo_p - enter_p) or got_p <= rest_p:
            break
        scale = float(np.clip(scale * (aim_p - rest_p) / (got_p - rest_p), 0.02, 1.0))
    return stressed, side


#: ``low_light``: MediaPipe less sure of every landmark (its visibility's logit lowered by this much), more noise
#: (this share of the trunk length in the picture; in the world, of a 0.5 m trunk), and this share of frames
#: where the person is not found at all, one frame at a time.
LOW_LIGHT_LOGIT = 1.5
LOW_LIGHT_NOISE = 0.015
LOW_LIGHT_LOST = 0.03


def low_light(series: PoseSeries, seed: int = 3) -> PoseSeries:
    """A dim room: visibility scores lower (every landmark's logit by :data:`LOW_LIGHT_LOGIT`: 0.99 -> 0.96,
    0.9 -> 0.67, 0.7 -> 0.34), landmark noise one and a half times ``jitter``'s (:data:`LOW_LIGHT_NOISE`), and
    the person lost on :data:`LOW_LIGHT_LOST` of the frames, one at a time."""
    rng = np.random.default_rng(seed)
    a = copy_arrays(series)
    sigma = LOW_LIGHT_NOISE * trunk_px(a)
    a["xy_px"] += rng.normal(0.0, sigma, a["xy_px"].shape)
    a["world_xyz_m"] += rng.normal(0.0, LOW_LIGHT_NOISE * 0.5, a["world_xyz_m"].shape)
    v = np.clip(a["visibility"], 1e-6, 1.0 - 1e-6)
    a["visibility"] = 1.0 / (1.0 + np.exp(-(np.log(v / (1.0 - v)) - LOW_LIGHT_LOGIT)))
    lost = rng.random(len(series)) < LOW_LIGHT_LOST
    lost[:2] = lost[-2:] = False
    for k in a:
        a[k][lost] = np.nan
    return rebuild(series, a, np.ones(len(series), dtype=bool))


def swap_sides(c: dict[str, Any]) -> dict[str, Any]:
    other = {"left": "right", "right": "left"}
    return {**c, "reps": {other.get(k, k): v for k, v in c["reps"].items()}}


# ------------------------------------------------------------------------------------------- clips
def real_clips() -> list[dict[str, Any]]:
    truth = json.loads((REAL / "truth.json").read_text())["clips"]
    out = []
    for e in truth:
        if e["kind"] not in ("reps", "hold", "negative") or not e.get("exercise"):
            continue
        if e["kind"] == "reps":
            first = e["rep_times_s"][0]
        elif e["kind"] == "hold":
            first = max(e["holds_s"], key=lambda h: h[1] - h[0])
        else:
            first = None
        crop = None
        if first is not None:
            crop = 0.5 * (first[0] + first[1]) if e["kind"] == "reps" else first[0] + 0.25 * (first[1] - first[0])
        out.append({"clip": Path(e["clip"]).stem, "path": REAL / f"{Path(e['clip']).stem}.npz",
                    "exercise": e["exercise"], "kind": e["kind"], "crop_s": crop})
    return out


def rendered_clips() -> list[dict[str, Any]]:
    out = []
    for truth_file in sorted(SAMPLES.glob("*.truth.json")):
        truth = json.loads(truth_file.read_text())
        name = truth_file.name.removesuffix(".truth.json")
        if truth.get("exercise") not in load_catalogue() or not (RENDERED / f"{name}.npz").is_file():
            continue
        holds = truth.get("hold_intervals") or []
        ex = load_catalogue()[truth["exercise"]]
        kind = "hold" if ex.prescription.kind == "holds" else "reps"
        crop = None
        if holds:
            h = holds[0]
            crop = 0.5 * (h["start_s"] + h["end_s"]) if kind == "reps" else h["start_s"] + 0.25 * (h["end_s"] - h["start_s"])
        out.append({"clip": name, "path": RENDERED / f"{name}.npz", "exercise": truth["exercise"], "kind": kind,
                    "crop_s": crop})
    return out


def rendered_clips_by_name() -> dict[str, dict[str, Any]]:
    return {c["clip"]: c for c in rendered_clips()}


# ----------------------------------------------------------------------------------------- counting
def counts(series: PoseSeries, exercise: Exercise) -> dict[str, Any]:
    counted = measure_and_count(series, exercise)
    s = counted.session_summary
    blocked = np.array([f is not None and f.view_hint.startswith("Step back") for f in counted.feedback], dtype=bool)
    refused = sum(bool(f is not None and f.view_hint) for f in counted.feedback)
    reps = {k: (v["full"], v["partial"]) for k, v in s["reps"].items()}
    held = (s.get("holds") or {}).get("held_s") or []
    return {"reps": reps, "total": sum(f + p for f, p in reps.values()),
            "full": sum(f for f, _ in reps.values()), "hold_s": max(held) if held else 0.0,
            "blocked_share": float(blocked.mean()) if blocked.size else 0.0, "blocked": blocked,
            "refused_share": refused / max(1, len(counted.feedback)),
            "times_s": np.asarray(series.timestamps_ms, dtype=float) / 1000.0,
            "records": [(r.side or "all", r.start_s, r.end_s, r.complete) for r in counted.records]}


def hidden_reps(base: dict[str, Any], got: dict[str, Any]) -> list[tuple[str, float, float, bool]]:
    """The unstressed reps a crop hid all through: the stressed coach said "Step back" (a part the rep metric
    needs out of the picture: not measured, counting paused) on every frame of the rep's span. Nobody can count
    a turn whose shoulder is not in view."""
    t, blocked = got["times_s"], got["blocked"]
    out = []
    for rec in base["records"]:
        span = (t >= rec[1]) & (t <= rec[2])
        if span.any() and blocked[span].all():
            out.append(rec)
    return out


def in_view(base: dict[str, Any], hidden: list[tuple[str, float, float, bool]]) -> dict[str, Any]:
    """``base`` without the ``hidden`` reps (:func:`hidden_reps`)."""
    reps = {k: list(v) for k, v in base["reps"].items()}
    for side, _, _, complete in hidden:
        reps[side][0 if complete else 1] -= 1
    reps_t = {k: (f, p) for k, (f, p) in reps.items()}
    return {**base, "reps": reps_t, "total": sum(f + p for f, p in reps_t.values()),
            "full": sum(f for f, _ in reps_t.values())}


#: ``camera_view``: the camera round the person (azimuth, elevation in deg; :func:`camera_view`), each direction
#: scored as a stress of its own.
CAMERA_VIEWS = {"camera_az+30": (VIEW_AZIMUTH_DEG, 0.0), "camera_az-30": (-VIEW_AZIMUTH_DEG, 0.0),
                "camera_el+20": (0.0, VIEW_ELEVATION_DEG), "camera_el-20": (0.0, -VIEW_ELEVATION_DEG)}


#: How much each tempo stress stretches time.
STRETCH = {"slower": 1.5, "faster": 0.75}


#: Stresses after which the coach may rightly refuse to count (a part the metric needs out of the picture or hard
#: to see, said on at least half of the frames): listed, not scored.
REFUSABLE = ("camera_move", "camera_tilt", "lower_body_out", "low_light")


def holds_up(kind: str, base: dict[str, Any], got: dict[str, Any], stress: str, cut_s: float = 0.0) -> bool:
    """Whether a stressed count is what the unstressed one was (see the module doc)."""
    if kind == "negative":
        return got["full"] == 0
    if stress == "mirror":
        base = swap_sides(base)
    if kind == "hold":
        expected_s = max(0.0, base["hold_s"] - cut_s) * STRETCH.get(stress, 1.0)
        if stress == "pause":  # a pause may fall in the longest hold and lengthen it
            return expected_s - HOLD_TOL_S <= got["hold_s"] <= expected_s + PAUSE_S + HOLD_TOL_S
        return abs(got["hold_s"] - expected_s) <= HOLD_TOL_S
    if stress == "start_mid":
        return base["total"] - 1 <= got["total"] <= base["total"]
    if stress in STRETCH or stress == "pause":  # a rep's hold at its peak stretches too (a pause may fall in it),
        # so full and partial may trade places
        return {k: sum(v) for k, v in got["reps"].items()} == {k: sum(v) for k, v in base["reps"].items()}
    return got["reps"] == base["reps"]


def fmt(kind: str, c: dict[str, Any]) -> str:
    if kind == "hold":
        return f"hold {c['hold_s']:.1f} s"
    return " ".join(f"{k[:1].upper() if k != 'all' else ''}{f}+{p}" for k, (f, p) in c["reps"].items())


def seed_rates(clips: list[str], seeds: int) -> tuple[int, int]:
    """``jitter`` under noise seeds ``0 .. seeds - 1``: prints, per clip (all, or those named in ``clips``), the
    share of seeds whose count holds (:func:`holds_up`) and the seeds that lose it. Returns (held, tried)."""
    catalogue = load_catalogue()
    total = [0, 0]
    for source, found in (("real", real_clips()), ("rendered", rendered_clips())):
        for c in found:
            if clips and c["clip"] not in clips:
                continue
            exercise = catalogue[c["exercise"]]
            series, _ = PoseSeries.load_npz(c["path"])
            base = counts(series, exercise)
            lost = [seed for seed in range(seeds)
                    if not holds_up(c["kind"], base, counts(jitter(series, seed), exercise), "jitter")]
            held = seeds - len(lost)
            total[0] += held
            total[1] += seeds
            print(f"{source:8s} {c['clip']:42s} {held:3d}/{seeds} seeds ({100 * held / seeds:5.1f}%)"
                  + (f"  lost on {lost}" if lost else ""), flush=True)
    print(f"jitter over {seeds} seeds: {total[0]}/{total[1]} ({100 * total[0] / max(1, total[1]):.1f}%)")
    return total[0], total[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--only", action="append", help="run only this stress (repeatable)")
    parser.add_argument("--seeds", type=int, help="jitter alone, over this many noise seeds (0 .. N-1)")
    args = parser.parse_args(argv)
    if args.seeds:
        seed_rates(args.clips, args.seeds)
        return 0
    catalogue = load_catalogue()
    stresses: dict[str, Callable[[PoseSeries, dict[str, Any]], PoseSeries | None]] = {
        "start_mid": lambda s, c: start_mid(s, c["crop_s"]) if c["crop_s"] else None,
        "fps_half": lambda s, c: fps_half(s),
        "jitter": lambda s, c: jitter(s),
        "hands_feet_hidden": lambda s, c: hands_feet_hidden(s),
        "portrait": lambda s, c: portrait(s),
        "dropouts": lambda s, c: dropouts(s),
        "mirror": lambda s, c: mirror(s),
        "slower": lambda s, c: tempo(s, STRETCH["slower"]),
        "faster": lambda s, c: tempo(s, STRETCH["faster"]),
        "pause": lambda s, c: pause(s),
        "hand_out": lambda s, c: hand_out(s),
        "camera_move": lambda s, c: camera_drift(s),
        "camera_tilt": lambda s, c: camera_drift(s, 1.0, (0.0, 0.0), DRIFT_ROLL_DEG),
        "lower_body_out": lambda s, c: lower_body_out(s),
        "fidget": lambda s, c: fidget(s, catalogue[c["exercise"]]),
        "partial_rep": lambda s, c: partial_rep(s, catalogue[c["exercise"]]) if c["kind"] == "reps" else None,
        "low_light": lambda s, c: low_light(s),
        **{name: (lambda s, c, az=az, el=el: camera_view(s, az, el)) for name, (az, el) in CAMERA_VIEWS.items()},
    }
    if args.only:
        only = {n for o in args.only for n in (CAMERA_VIEWS if o == "camera_view" else [o])}
        stresses = {k: v for k, v in stresses.items() if k in only}
    held: dict[str, list[int]] = {k: [0, 0] for k in stresses}
    failures: list[str] = []
    refused: list[str] = []
    unseen: list[str] = []
    for source, clips in (("real", real_clips()), ("rendered", rendered_clips())):
        for c in clips:
            if args.clips and c["clip"] not in args.clips:
                continue
            exercise = catalogue[c["exercise"]]
            series, _ = PoseSeries.load_npz(c["path"])
            base = counts(series, exercise)
            for name, make in stresses.items():
                stressed = make(series, c)
                if stressed is None:
                    continue
                expected = base
                if isinstance(stressed, tuple):  # partial_rep: one more partial rep on that side
                    stressed, side = stressed
                    f0, p0 = base["reps"].get(side, (0, 0))
                    expected = {**base, "reps": {**base["reps"], side: (f0, p0 + 1)}}
                got = counts(stressed, exercise)
                cut = 0.0
                if name == "start_mid" and c["kind"] == "hold":
                    cut = c["crop_s"] - series.timestamps_ms[0] / 1000.0  # upper bound of the hold cut off
                ok = holds_up(c["kind"], expected, got, name, cut if name == "start_mid" else 0.0)
                if name == "start_mid" and c["kind"] == "hold":  # the part of the hold before the crop is gone
                    ok = got["hold_s"] <= base["hold_s"] + HOLD_TOL_S and got["hold_s"] >= base["hold_s"] - cut - HOLD_TOL_S
                if name == "portrait" and not ok and got["blocked_share"] >= 0.5:
                    refused.append(f"{source} {c['clip']} portrait: {100 * got['blocked_share']:.0f}% of frames")
                    continue  # the crop cut off a part the metric needs: the coach says so and counts nothing
                if name in REFUSABLE and not ok and got["refused_share"] >= 0.5:
                    refused.append(f"{source} {c['clip']} {name}: {100 * got['refused_share']:.0f}% of frames "
                                   f"({fmt(c['kind'], got)}; unstressed {fmt(c['kind'], base)})")
                    continue  # the coach says what it cannot see and pauses
                hidden = hidden_reps(base, got) if name == "portrait" and c["kind"] == "reps" else []
                if hidden:  # reps the crop hid all through are not expected, those left in view are
                    expected = in_view(base, hidden)
                    ok = holds_up(c["kind"], expected, got, name)
                    unseen.append(f"{source} {c['clip']}: " + ", ".join(
                        f"{side} {start:.1f}-{end:.1f} s" for side, start, end, _ in hidden))
                held[name][0] += ok
                held[name][1] += 1
                if not ok:
                    failures.append(f"{source} {c['clip']} ({c['exercise']}, {c['kind']}) {name}: "
                                    f"{fmt(c['kind'], got)} (unstressed {fmt(c['kind'], base)}"
                                    + (f", expected {fmt(c['kind'], expected)})" if expected is not base else ")"))
    for name, (ok, n) in held.items():
        print(f"{name:18s} {ok}/{n} clips count as unstressed")
    print(f"total: {sum(v[0] for v in held.values())}/{sum(v[1] for v in held.values())}")
    if any(k in held for k in CAMERA_VIEWS) and len(held) > len(CAMERA_VIEWS):
        rest = [v for k, v in held.items() if k not in CAMERA_VIEWS]
        print(f"total without camera_view: {sum(v[0] for v in rest)}/{sum(v[1] for v in rest)}")
    for f in failures:
        print("  ✗", f)
    if refused:
        print("refused (a part the exercise's metric needs cut off or not seen: the coach says so; not scored):")
        for r in refused:
            print("   ", r)
    if unseen:
        print("portrait crops that hid reps all through (the coach said 'Step back' on each: not expected):")
        for r in unseen:
            print("   ", r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
