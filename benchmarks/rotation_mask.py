"""Can MediaPipe's segmentation mask supply each side's gain of the trunk rotation? (issue 11)

``docs/rotation_ceiling.md`` found that the pose landmarks lack each side's gain: with each clip's left and right
gain known, today's reading meets every target. This measures whether the person's silhouette gives it.

**Mask features** (``extract``): the rendered clips are run through the pose model with the segmentation mask
(the landmark cache's own pass: :func:`formcheck.passes.chunk_spans` chunks, a fresh landmarker per chunk, the
warm-up frames dropped), and for every frame the silhouette's width (the run of mask > 0.5 pixels that holds
the trunk's midline, median over 5 rows) at :data:`ROW_FRACTIONS` of the way from the shoulder line (0) to the
hip line (1). Only these widths and the landmarks (to check that they are the cached ones) are kept, in
``/work/notes/mask-features/<clip>.npz``, outside the repository.

**The model of a width**: the trunk's section as an ellipse of half-breadth ``a`` and half-depth ``b`` (``k = b/a``)
seen from a camera at ``psi_0`` (the estimator's neutral camera angle) projects to a width proportional to
``sqrt(cos^2 phi + k^2 sin^2 phi)`` with ``phi = psi_0 + theta``. So ``r = w / w_0`` (``w_0``: median over the
neutral's frames) gives ``|phi| = asin(sqrt((1 - r^2 D) / (1 - k^2)))``, ``D = cos^2 psi_0 + k^2 sin^2 psi_0``, and
the turn ``theta = +-|phi| - psi_0``: of the two, the one on the side today's reading gives and nearest to it
(the width itself has no side in a front view).

**Per-side gains** (``score``): the shipped smoothed reading ``v`` is split by its sign; each side's peak is the
mean ``|v|`` over its frames above 60 % of that side's largest; the mask's turn on that side is the mean of
``|theta|`` over the same frames. The reading is rescaled per side (gains kept within ``GAIN_LIMITS``):

* ``equal`` (control, no mask): both sides scaled to the mean of the two peaks (the renders always turn 45 deg
  each way, so this uses only that prior);
* ``mask_ratio`` (idea a): the two peaks' mean kept, shared between the sides as the mask's turns are;
* ``mask_pair`` (idea a, no shape constant): the peaks' mean kept, split so that one shape
  ``1 - a sin^2 phi`` fits both sides' narrowing (:func:`pair_split_deg`; only the row is chosen);
* ``mask_pair_front``: the same in front views only (``|psi_0| <`` :data:`FRONT_PSI_DEG`), today's reading
  elsewhere;
* ``mask_abs`` (idea b): each side's peak made the mask's turn on that side;
* ``mask_abs_mean``: both sides made the mean of the mask's two turns;
* ``mask_frame``: the mask's turn itself, frame by frame (smoothed as the reading is; today's reading where the
  mask gives none): whether the width follows the turn's size at all, not only at the peaks.

The row (and for the shape models ``k`` and the power: :data:`K_GRID` x :data:`P_GRID`) are chosen on the training
clips of each fold, by the mean clip MAE over the scored training clips, as ``benchmarks/wide_fit.py`` chooses its constants; scoring is
``benchmarks/rotation_ceiling.py``'s (pool, neutral, truth, smoothing, groups, leave-one-body-out and
leave-one-camera-out, largest fold). Nothing fitted on a clip is scored on it.

    /work/venvs/render/bin/python tools/render_samples.py --set wide --out /work/wide_renders --only CLIP ...
    PYTHONPATH=$PWD .venv/bin/python benchmarks/rotation_mask.py extract /work/wide_renders sample_videos
    PYTHONPATH=$PWD .venv/bin/python benchmarks/rotation_mask.py score
    PYTHONPATH=$PWD .venv/bin/python benchmarks/rotation_mask.py real VIDEO ...    # a real clip's sides
    PYTHONPATH=$PWD .venv/bin/python benchmarks/rotation_mask.py cost VIDEO ...    # the mask's cost per frame

Results and what they say: ``docs/rotation_ceiling.md``, "Does the segmentation mask give each side's gain?".
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import landmark_cache  # noqa: E402
import rotation_ceiling  # noqa: E402
import wide_fit  # noqa: E402

from formcheck.filtering import zero_phase_smooth  # noqa: E402
from formcheck.landmarks import Landmark as L  # noqa: E402
from formcheck.passes import chunk_spans  # noqa: E402
from formcheck.pose import PoseEstimator, model_size_wh  # noqa: E402
from formcheck.sources import VideoFileSource  # noqa: E402
from formcheck.types import Pose  # noqa: E402

FEATURES = Path("/work/notes/mask-features")
#: Rows where the silhouette's width is read: fractions of the way from the shoulder line to the hip line.
ROW_FRACTIONS = (0.0, 0.15, 0.3, 0.5, 0.7)
ROW_HALF_BAND_PX = 2
MASK_THRESHOLD = 0.5
#: Depth-to-breadth ratios of the trunk's section tried in each fold.
K_GRID = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9)
#: Exponents ``p`` of the width model tried in each fold (``p = 1``: the ellipse; the silhouette at the shoulders
#: holds the arms and the shoulders' caps, which narrow faster than a trunk's section).
P_GRID = (1.0, 1.5, 2.0, 2.5, 3.0)
#: A side's peak: the frames whose reading is above this share of the side's largest.
PEAK_SHARE = 0.6
GAIN_LIMITS = (0.3, 3.5)
METHODS = ("shipped", "equal", "mask_ratio", "mask_pair", "mask_pair_front", "mask_abs", "mask_abs_mean",
           "mask_frame")
#: ``mask_pair_front`` splits the sides only where the neutral faces the camera within this (deg; the width is
#: symmetric in the turn there whatever the shape) and keeps today's reading elsewhere.
FRONT_PSI_DEG = 10.0


# ------------------------------------------------------------------------------------------------ extract
def silhouette_widths_px(mask: np.ndarray, pose: Pose) -> np.ndarray:
    """Width (px) of the mask's run through the trunk's midline at each of :data:`ROW_FRACTIONS`, plus the
    run's left and right ends' distance from the midline (``3 x len(ROW_FRACTIONS)``, NaN without a pose)."""
    out = np.full((3, len(ROW_FRACTIONS)), np.nan)
    if not pose.detected:
        return out
    xy = pose.xy_px
    sh = 0.5 * (xy[int(L.LEFT_SHOULDER)] + xy[int(L.RIGHT_SHOULDER)])
    hip = 0.5 * (xy[int(L.LEFT_HIP)] + xy[int(L.RIGHT_HIP)])
    h, w = mask.shape
    solid = mask > MASK_THRESHOLD
    for j, f in enumerate(ROW_FRACTIONS):
        x0, y0 = sh + f * (hip - sh)
        widths, lefts, rights = [], [], []
        for y in range(int(round(y0)) - ROW_HALF_BAND_PX, int(round(y0)) + ROW_HALF_BAND_PX + 1):
            if not 0 <= y < h:
                continue
            row = solid[y]
            cols = np.flatnonzero(row)
            if not cols.size:
                continue
            x = int(np.clip(round(x0), 0, w - 1))
            if not row[x]:
                x = int(cols[np.argmin(np.abs(cols - x))])
            left = x - int(np.argmin(row[x::-1])) + 1 if not row[: x + 1].all() else 0
            right = x + int(np.argmin(row[x:])) - 1 if not row[x:].all() else w - 1
            widths.append(right - left + 1)
            lefts.append(x0 - left)
            rights.append(right - x0)
        if widths:
            out[:, j] = np.median(widths), np.median(lefts), np.median(rights)
    return out


def cached_chunks(cache: Path) -> int:
    """How many chunks the committed cache's landmark pass ran in (a cache without a pass identity, as the
    wide set's are, was made in one pass)."""
    return int(landmark_cache.stored_facts(cache).get(landmark_cache.PASS_PREFIX + "chunks", 1))


def extract(video: Path, out_dir: Path, chunks: int) -> dict[str, Any]:
    """Runs the model with segmentation over ``video`` as the landmark cache's pass did (``chunks`` chunks with
    their warm-up, a fresh landmarker per chunk, one at a time) and stores the per-frame widths and landmarks."""
    xy, widths, detect_s = [], [], []
    with VideoFileSource(video) as source:
        info = source.info
    size = model_size_wh(info.resolution_wh)
    spans = chunk_spans(info.duration_s, chunks) if chunks > 1 else [None]
    for span in spans:
        with VideoFileSource(video) as reader, PoseEstimator(segmentation=True) as est:
            for item in reader.model_inputs(size, span):
                t0 = time.perf_counter()
                pose = est.detect_input(item)
                detect_s.append(time.perf_counter() - t0)
                if item.warmup:
                    continue
                xy.append(pose.xy_px)
                mask = pose.segmentation_mask
                widths.append(silhouette_widths_px(mask, pose) if mask is not None
                              else np.full((3, len(ROW_FRACTIONS)), np.nan))
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / f"{video.stem}.npz", xy_px=np.array(xy), widths=np.array(widths),
                        row_fractions=np.array(ROW_FRACTIONS), detect_s=np.array(detect_s),
                        video_sha256=landmark_cache.sha256(video))
    return {"frames": len(xy), "detect_ms": 1000 * float(np.median(detect_s))}


def compare_with_cache(video: Path, cache_dir: Path) -> str:
    """How the extracted landmarks compare with the committed cache of the same video."""
    z = np.load(FEATURES / f"{video.stem}.npz")
    cached, sha = landmark_cache.load(video, cache_dir)
    same_video = str(z["video_sha256"]) == sha
    ref = np.array([p.xy_px for p, _ in cached.poses()])
    if ref.shape != z["xy_px"].shape:
        return f"{video.stem}: frames {len(z['xy_px'])} vs cached {len(ref)}; same video {same_video}"
    d = np.abs(ref - z["xy_px"])
    return (f"{video.stem}: same video {same_video}, {len(ref)} frames, landmark |diff| max "
            f"{np.nanmax(d):.3g} px, frames identical {int((np.nan_to_num(d) == 0).all(axis=(1, 2)).sum())}")


def cost(video: Path) -> str:
    """Per-frame time of the model without and with the mask (one whole pass each, one landmarker, as
    ``formcheck analyze`` runs a chunk) and of reading the widths from the mask."""
    times: dict[str, list[float]] = {"without": [], "with": [], "widths": []}
    for seg in (False, True):
        with VideoFileSource(video) as reader, PoseEstimator(segmentation=seg) as est:
            for item in reader.model_inputs(model_size_wh(reader.info.resolution_wh)):
                t0 = time.perf_counter()
                pose = est.detect_input(item)
                t1 = time.perf_counter()
                times["with" if seg else "without"].append(t1 - t0)
                if seg and pose.segmentation_mask is not None:
                    silhouette_widths_px(pose.segmentation_mask, pose)
                    times["widths"].append(time.perf_counter() - t1)
    med = {k: 1000 * float(np.median(v)) for k, v in times.items()}
    return (f"{video.name}: model {med['without']:.1f} ms/frame without the mask, {med['with']:.1f} with it "
            f"(+{100 * (med['with'] / med['without'] - 1):.0f} %); widths from the mask {med['widths']:.2f} ms")


# ------------------------------------------------------------------------------------------------ score
def _clip_reading(clip: wide_fit.Clip) -> dict[str, Any]:
    """The shipped smoothed reading, the truth against the neutral, the neutral frames and psi_0 (deg)."""
    est, idx, rotation = rotation_ceiling.shipped_reading(clip)
    v = zero_phase_smooth(np.array(rotation, dtype=float), clip.half_window)
    return {"name": clip.name, "group": clip.group, "factors": clip.factors, "hands": est.hands,
            "v": v, "true": clip.truth_deg - np.nanmedian(clip.truth_deg[idx]), "neutral": idx,
            "psi_0": float(est._neutral[1]), "half_window": clip.half_window}


def load_clips(exclude: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """The pool's readings with each clip's mask widths relative to the neutral (``r``: frames x rows)."""
    clips = []
    for clip in wide_fit.load_pool():
        path = FEATURES / f"{clip.name}.npz"
        if not path.is_file() or clip.name in exclude:
            continue
        c = _clip_reading(clip)
        widths = np.load(path)["widths"][:, 0, :]
        w0 = np.nanmedian(widths[c["neutral"]], axis=0)
        c["r"] = widths / w0
        clips.append(c)
    return clips


def mask_turn_deg(r: np.ndarray, psi_0_deg: float, k: float, reading: np.ndarray, power: float = 1.0
                  ) -> np.ndarray:
    """The turn ``theta`` (deg) a shape of width ``(cos^2 phi + k^2 sin^2 phi)^(power / 2)`` (``power`` 1: an
    ellipse ``k = b/a``) seen from ``psi_0`` needs to narrow to ``r`` (module docstring); of ``+-|phi| - psi_0``
    the one nearest ``reading`` (today's signed reading)."""
    p = math.radians(psi_0_deg)
    d = math.cos(p) ** 2 + k * k * math.sin(p) ** 2
    r = np.power(np.maximum(r, 0.0), 1.0 / power)
    s2 = np.clip((1.0 - r * r * d) / (1.0 - k * k), 0.0, 1.0)
    phi = np.degrees(np.arcsin(np.sqrt(s2)))
    a, b = phi - psi_0_deg, -phi - psi_0_deg
    return np.where(np.abs(a - reading) <= np.abs(b - reading), a, b)


def _sides(v: np.ndarray) -> list[np.ndarray]:
    """Each side's peak frames (positive, negative reading): above :data:`PEAK_SHARE` of its largest."""
    out = []
    for sign in (1.0, -1.0):
        s = sign * v
        top = np.nanmax(np.where(s > 0, s, np.nan)) if np.any(s > 0) else np.nan
        out.append(np.isfinite(s) & (s > 0) & (s >= PEAK_SHARE * top) if np.isfinite(top) else np.zeros_like(s, bool))
    return out


def side_peaks(c: dict[str, Any], row: int, k: float, power: float) -> list[tuple[float, float, float]]:
    """Per side (positive, negative): today's peak, the mask's turn at it (deg, unsigned) and the truth's."""
    v = c["v"]
    theta = mask_turn_deg(c["r"][:, row], c["psi_0"], k, v, power)
    out = []
    for m in _sides(v):
        ok = m & np.isfinite(theta)
        out.append((float(np.mean(np.abs(v[m]))) if m.any() else math.nan,
                    float(np.mean(np.abs(theta[ok]))) if ok.any() else math.nan,
                    float(np.nanmean(np.abs(c["true"][m]))) if m.any() else math.nan))
    return out


def mean_r_at_peaks(c: dict[str, Any], row: int) -> tuple[float, float]:
    """The width ratio ``r`` averaged over each side's peak frames (positive, negative reading)."""
    r = c["r"][:, row]
    return tuple(float(np.nanmean(r[m])) if (m & np.isfinite(r)).any() else math.nan  # type: ignore[return-value]
                 for m in _sides(c["v"]))


def pair_split_deg(mean_turn_deg: float, psi_0_deg: float, r_peaks: tuple[float, float]) -> np.ndarray:
    """Idea (a) without fitted constants: the two sides' turns ``T + d`` and ``T - d`` (``T``: today's mean of
    the two peaks, kept) with ``d`` such that one shape ``w(phi) / w(0) = 1 - a sin^2 phi`` (any ``a``, solved
    from each side) gives both sides' width ratios: ``a = (1 - r) / (sin^2(psi_0 + theta) - r sin^2 psi_0)``
    must be the same for the left and the right peak. In a front view: ``sin^2 theta_L / sin^2 theta_R =
    (1 - r_L) / (1 - r_R)``."""
    if not all(math.isfinite(x) for x in (mean_turn_deg, *r_peaks)):
        return np.full(2, math.nan)
    s0 = math.sin(math.radians(psi_0_deg)) ** 2
    d = np.linspace(-0.8 * mean_turn_deg, 0.8 * mean_turn_deg, 161)
    th_l, th_r = np.radians(mean_turn_deg + d), -np.radians(mean_turn_deg - d)
    p0 = math.radians(psi_0_deg)
    den_l = np.sin(p0 + th_l) ** 2 - r_peaks[0] * s0
    den_r = np.sin(p0 + th_r) ** 2 - r_peaks[1] * s0
    with np.errstate(divide="ignore", invalid="ignore"):
        a_l, a_r = (1.0 - r_peaks[0]) / den_l, (1.0 - r_peaks[1]) / den_r
    gap = np.where(np.isfinite(a_l) & np.isfinite(a_r), np.abs(a_l - a_r), np.inf)
    if not np.isfinite(gap).any():
        return np.full(2, math.nan)
    best = float(d[int(np.argmin(gap))])
    return np.array([mean_turn_deg + best, mean_turn_deg - best])


def corrected(c: dict[str, Any], method: str, row: int, k: float, power: float) -> np.ndarray:
    """The reading rescaled per side by ``method`` (module docstring)."""
    v = c["v"]
    if method == "shipped":
        return v
    if method == "mask_frame":  # the mask's own turn, frame by frame (its side from today's reading)
        theta = mask_turn_deg(c["r"][:, row], c["psi_0"], k, v, power)
        return zero_phase_smooth(np.where(np.isfinite(theta), theta, v), c["half_window"])
    peaks = side_peaks(c, row, k, power)
    today = np.array([p[0] for p in peaks])
    mask = np.array([p[1] for p in peaks])
    if method == "equal":
        target = np.full(2, np.nanmean(today))
    elif method == "mask_pair_front":
        if abs(c["psi_0"]) >= FRONT_PSI_DEG:
            return v
        target = pair_split_deg(float(np.nanmean(today)), c["psi_0"], mean_r_at_peaks(c, row))
    elif method == "mask_pair":
        target = pair_split_deg(float(np.nanmean(today)), c["psi_0"], mean_r_at_peaks(c, row))
    elif method == "mask_ratio":
        target = np.nanmean(today) * mask / np.nanmean(mask)
    elif method == "mask_abs":
        target = mask
    else:
        target = np.full(2, np.nanmean(mask))
    gains = np.clip(np.where(np.isfinite(target) & (today > 0), target / np.where(today > 0, today, 1.0), 1.0),
                    *GAIN_LIMITS)
    return np.where(v >= 0, v * gains[0], v * gains[1])


def oracle_mae(c: dict[str, Any]) -> float:
    """The clip's MAE with one least-squares gain per side of the true turn (``rotation_ceiling.oracle_gains``)."""
    v, t = c["v"], c["true"]
    ok = np.isfinite(v) & np.isfinite(t)
    fitted = v.copy()
    for side in (t >= 0, t < 0):
        m = ok & side
        if m.sum() and float(v[m] @ v[m]) > 0:
            fitted[m] = v[m] * float(v[m] @ t[m]) / float(v[m] @ v[m])
    return float(np.mean(np.abs(fitted[ok] - t[ok])))


def clip_mae(c: dict[str, Any], method: str, row: int, k: float, power: float) -> float:
    v = corrected(c, method, row, k, power)
    ok = np.isfinite(v) & np.isfinite(c["true"])
    return float(np.mean(np.abs(v[ok] - c["true"][ok])))


def grid_errors(clips: list[dict[str, Any]], method: str) -> tuple[list[tuple[int, float, float]], np.ndarray]:
    """Every (row, k, power) of the grid and each clip's MAE under it (a clip's error depends on its own
    widths only, so the folds choose among these)."""
    grid = ([(0, K_GRID[0], 1.0)] if method in ("shipped", "equal")
            else [(j, K_GRID[0], 1.0) for j in range(len(ROW_FRACTIONS))] if method.startswith("mask_pair")
            else [(j, k, p) for j in range(len(ROW_FRACTIONS)) for k in K_GRID for p in P_GRID])
    return grid, np.array([[clip_mae(c, method, *g) for c in clips] for g in grid])


def choose(clips: list[dict[str, Any]], errors: np.ndarray, train: list[int]) -> int:
    """The grid point with the lowest mean clip MAE over the scored clips of ``train``."""
    scored = [i for i in train if clips[i]["group"] != "side_bend"]
    return int(np.argmin(errors[:, scored].mean(axis=1)))


def evaluate(clips: list[dict[str, Any]], method: str) -> dict[str, Any]:
    """Held-out (leave-one-body-out, leave-one-camera-out) and training errors of ``method``."""
    grid, errors = grid_errors(clips, method)
    res: dict[str, Any] = {}
    for factor in ("body", "camera_deg"):
        held, folds, chosen = {}, {}, {}
        for level in sorted({c["factors"][factor] for c in clips}):
            train = [i for i, c in enumerate(clips) if c["factors"][factor] != level]
            test = [i for i, c in enumerate(clips) if c["factors"][factor] == level]
            g = choose(clips, errors, train)
            chosen[level] = (ROW_FRACTIONS[grid[g][0]], *grid[g][1:])
            for i in test:
                held[clips[i]["name"]] = float(errors[g, i])
            scored = [held[clips[i]["name"]] for i in test if clips[i]["group"] != "side_bend"]
            if scored:
                folds[level] = float(np.mean(scored))
        res[factor] = {"groups": rotation_ceiling.group_table(held, clips), "clips": held, "chosen": chosen,
                       "largest_fold": max(folds.items(), key=lambda kv: kv[1])}
    g = choose(clips, errors, list(range(len(clips))))
    train = {c["name"]: float(errors[g, i]) for i, c in enumerate(clips)}
    res["train"] = {"groups": rotation_ceiling.group_table(train, clips), "clips": train,
                    "chosen": (ROW_FRACTIONS[grid[g][0]], *grid[g][1:]),
                    "largest_fold": rotation_ceiling._largest_fold(train, clips)}
    return res


def implied_k(c: dict[str, Any], row: int) -> list[float]:
    """Per side, the ``k`` at which the mask's turn at the peak equals the truth's (NaN: none in (0, 1))."""
    out = []
    for sign, m in zip((1.0, -1.0), _sides(c["v"]), strict=True):
        if not m.any():
            out.append(math.nan)
            continue
        r = float(np.nanmean(c["r"][m, row]))
        theta = sign * float(np.nanmean(np.abs(c["true"][m])))
        p, f = math.radians(c["psi_0"]), math.radians(c["psi_0"] + theta)
        num = r * r * math.cos(p) ** 2 - math.cos(f) ** 2
        den = math.sin(f) ** 2 - r * r * math.sin(p) ** 2
        k2 = num / den if abs(den) > 1e-6 else math.nan
        out.append(math.sqrt(k2) if 0 < k2 < 1.5 else math.nan)
    return out


def mirror_errors_deg(c: dict[str, Any], row: int) -> tuple[float, float]:
    """Front views: each side's peak turn read off the other side's width curve, minus the truth (deg; right
    from left, left from right). The curve: ``r = 1 - a theta^2`` fitted (least squares) to the other side's
    frames against the true turn. What equalising by the mask could resolve: a mirror-symmetric silhouette
    narrows alike for equal turns, so a turn unequal by more than this would be seen as unequal."""
    t, r = c["true"], c["r"][:, row]
    out = []
    for sign in (1.0, -1.0):
        ref = np.isfinite(r) & np.isfinite(t) & (sign * t > 0)
        other = np.isfinite(r) & np.isfinite(t) & (-sign * t > 0)
        if not ref.any() or not other.any():
            out.append(math.nan)
            continue
        th = np.radians(t[ref])
        a = float(np.sum((1.0 - r[ref]) * th ** 2) / np.sum(th ** 4))
        peak = other & (np.abs(t) >= 0.9 * np.nanmax(np.abs(t[other])))
        r_peak, t_peak = float(np.median(r[peak])), float(np.median(np.abs(t[peak])))
        x = (1.0 - r_peak) / a if a != 0 else math.nan
        out.append(math.degrees(math.sqrt(x)) - t_peak if x >= 0 else -t_peak)
    return out[0], out[1]


def score(args: argparse.Namespace) -> int:
    """Prints the per-side table, the front views' mirror test and the held-out scores of :data:`METHODS`."""
    warnings.filterwarnings("ignore", category=RuntimeWarning)  # empty sides (side bends) give NaN means
    clips = load_clips(set(args.exclude or ()))
    print(f"pool with mask features: {len(clips)} clips ({len(rotation_ceiling._scored(clips))} scored)\n")
    print("Per clip and side (+ = left, - = right as formcheck signs them): today's peak / mask width ratio r at "
          "the peak (rows " + ", ".join(f"{f:g}" for f in ROW_FRACTIONS) + ") / truth at the peak; k implied "
          "(row 0.3)")
    for c in clips:
        for s, (sign, m) in enumerate(zip("+-", _sides(c["v"]), strict=True)):
            if not m.any():
                continue
            rs = " ".join(f"{np.nanmean(c['r'][m, j]):.3f}" for j in range(len(ROW_FRACTIONS)))
            print(f"  {c['name'][:34]:34s} {c['factors']['arms'][:11]:11s} psi0 {c['psi_0']:+5.1f} {sign} "
                  f"today {np.mean(np.abs(c['v'][m])):5.1f}  r {rs}  truth {np.nanmean(np.abs(c['true'][m])):5.1f}"
                  f"  k {implied_k(c, 2)[s]:.2f}")
    front = [c for c in rotation_ceiling._scored(clips) if c["factors"]["camera_deg"] == "0"]
    print("\nFront views, mirror test: each side's peak read off the other side's width curve minus the truth "
          "(deg; right from left, left from right) per row")
    mirror = {j: [] for j in range(len(ROW_FRACTIONS))}
    for c in front:
        cells = []
        for j in range(len(ROW_FRACTIONS)):
            e = mirror_errors_deg(c, j)
            mirror[j] += [abs(x) for x in e]
            cells.append(" ".join(f"{x:+5.1f}" if math.isfinite(x) else "  nan" for x in e))
        print(f"  {c['name'][:34]:34s} {c['factors']['arms'][:11]:11s} " + " | ".join(cells))
    print("  mean |error| per row: "
          + ", ".join(f"{ROW_FRACTIONS[j]:g}: {np.mean(v):.1f}" for j, v in mirror.items()))
    results = {m: evaluate(clips, m) for m in METHODS}
    lines = ["| method | scored | front | oblique 15 | oblique 30-45 | standing | all | largest fold | row, k, power |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m, res in results.items():
        for key, tag in (("body", "LOBO"), ("camera_deg", "LOCO"), ("train", "training")):
            g, (fold, worst) = res[key]["groups"], res[key]["largest_fold"]
            ch = res[key]["chosen"]
            chosen = ("{:g}, {:g}, {:g}".format(*ch) if isinstance(ch, tuple)
                      else "; ".join(sorted({"{:g}, {:g}, {:g}".format(*x) for x in ch.values()})))
            lines.append(f"| {m} | {tag} | " + " | ".join(f"{g[x]:.2f}" for x in rotation_ceiling.GROUPS)
                         + f" | {worst:.1f} ({fold}) | {chosen if m.startswith('mask') else ''} |")
    oracle = {c["name"]: oracle_mae(c) for c in clips}
    g, (fold, worst) = rotation_ceiling.group_table(oracle, clips), rotation_ceiling._largest_fold(oracle, clips)
    lines.append("| shipped x per-clip per-side gain fitted on the truth | oracle | "
                 + " | ".join(f"{g[x]:.2f}" for x in rotation_ceiling.GROUPS) + f" | {worst:.1f} ({fold}) | |")
    lines.append("| target | held out | <= 3 | | <= 5 | <= 4 | | <= 6 | |")
    print("\n" + "\n".join(lines))
    print("\nper clip held out (LOBO / LOCO), shipped -> " + ", ".join(METHODS[1:]))
    for c in rotation_ceiling._scored(clips):
        cells = " | ".join(f"{results[m]['body']['clips'][c['name']]:.1f}/"
                           f"{results[m]['camera_deg']['clips'][c['name']]:.1f}" for m in METHODS)
        print(f"  {c['name'][:34]:34s} {c['factors']['arms'][:11]:11s} {cells}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


def real(video: Path) -> None:
    """A real clip (no truth angles): today's reading at each turn's extreme and the silhouette's width ratio
    there (row 0 and 0.15), and the sides' split the mask would give (:func:`pair_split_deg`)."""
    from formcheck.exercises import load_catalogue
    from formcheck.measure import raw_measurement
    from formcheck.passes import SMOOTH_HALF_WINDOW_S, _fps, find_neutral
    from formcheck.series import PoseSeries

    cache_dir = wide_fit.ROOT / "benchmarks" / "real_landmarks"
    entry = next(e for e in json.loads((cache_dir / "truth.json").read_text())["clips"] if e["clip"] == video.name)
    if not (FEATURES / f"{video.stem}.npz").is_file():
        extract(video, FEATURES, cached_chunks(landmark_cache.cache_file(cache_dir, video)))
    print(compare_with_cache(video, cache_dir))
    series, _ = PoseSeries.load_npz(landmark_cache.cache_file(cache_dir, video))
    poses = [p for p, _ in series.poses()]
    raw = [raw_measurement(p, t) for p, t in zip(poses, series.timestamps_ms, strict=True)]
    exercise = load_catalogue()[entry["exercise"]]
    fps = _fps(series)
    clip = wide_fit.Clip(video.stem, "real", {}, poses, raw, exercise, find_neutral(raw, exercise),
                         np.full(len(poses), np.nan), max(1, round(SMOOTH_HALF_WINDOW_S * fps)), fps=fps)
    c = _clip_reading(clip)
    widths = np.load(FEATURES / f"{video.stem}.npz")["widths"][:, 0, :]
    c["r"] = widths / np.nanmedian(widths[c["neutral"]], axis=0)
    v = c["v"]
    print(f"  {entry['exercise']}, psi_0 {c['psi_0']:+.1f}, hands {c['hands']}, neutral frames "
          f"{c['neutral'][0]}-{c['neutral'][-1]} ({len(c['neutral'])}); extremes of today's reading (t s: reading, "
          "r at rows 0 / 0.15):")
    ext = [i for i in range(1, len(v) - 1) if np.isfinite(v[i]) and abs(v[i]) >= 10
           and abs(v[i]) >= np.nanmax(np.abs(v[max(0, i - int(fps * 0.5)): i + int(fps * 0.5) + 1]))]
    for i in ext:
        print(f"    {series.timestamps_ms[i] / 1000:5.2f}: {v[i]:+6.1f}  r {c['r'][i, 0]:.3f} / {c['r'][i, 1]:.3f}")
    for j in (0, 1):
        today = [p[0] for p in side_peaks(c, j, 0.5, 1.0)]
        rp = mean_r_at_peaks(c, j)
        split = pair_split_deg(float(np.nanmean(today)), c["psi_0"], rp)
        print(f"  row {ROW_FRACTIONS[j]:g}: today's peaks +{today[0]:.1f} / -{today[1]:.1f}; r at them "
              f"{rp[0]:.3f} / {rp[1]:.3f}; the mask's split (peaks' mean kept) +{split[0]:.1f} / -{split[1]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("extract", help="run the model with segmentation over rendered clips")
    ex.add_argument("folders", type=Path, nargs="+")
    ex.add_argument("--only", nargs="*", help="clip names")
    sc = sub.add_parser("score", help="score the per-side gains held out")
    sc.add_argument("--json", type=Path)
    sc.add_argument("--exclude", nargs="*", help="clips left out (e.g. those whose re-render is not the cached video)")
    co = sub.add_parser("cost", help="time the model without and with the mask")
    co.add_argument("videos", type=Path, nargs="+")
    re_ = sub.add_parser("real", help="a real clip's sides (benchmarks/real_landmarks' cache and truth.json)")
    re_.add_argument("videos", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "real":
        for video in args.videos:
            real(video)
        return 0
    if args.cmd == "score":
        return score(args)
    if args.cmd == "cost":
        for video in args.videos:
            print(cost(video), flush=True)
        return 0
    pool = {c for c in wide_fit.SAMPLE_ROTATION} | {n for n in wide_fit.wide_cache.cached_clips()
                                                    if n.startswith(("seated_rot", "standing_rot", "side_bend"))}
    for folder in args.folders:
        for video in sorted(folder.glob("*.mp4")):
            if video.stem not in pool or (args.only and video.stem not in args.only):
                continue
            if (FEATURES / f"{video.stem}.npz").is_file():
                continue
            cache = (wide_fit.wide_cache.CACHE if video.stem not in wide_fit.SAMPLE_ROTATION
                     else wide_fit.ROOT / "benchmarks" / "landmarks")
            facts = extract(video, FEATURES, cached_chunks(landmark_cache.cache_file(cache, video)))
            print(f"{compare_with_cache(video, cache)}; detect with mask {facts['detect_ms']:.1f} ms/frame",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
