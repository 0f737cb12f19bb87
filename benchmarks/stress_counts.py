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

A stressed clip holds when it counts what the unstressed one counts (reps per side, full and partial; for a
hold, the longest hold within 1 s); ``start_mid`` may lose the first rep (half of it is cut off) and the held
time cut off. A negative control holds when it still counts no full rep. Seeds are fixed: the same run prints the same table.

    .venv/bin/python benchmarks/stress_counts.py [--only STRESS] [CLIP ...]
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
from formcheck.passes import measure_and_count
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


# ----------------------------------------------------------------------------------------- counting
def counts(series: PoseSeries, exercise: Exercise) -> dict[str, Any]:
    counted = measure_and_count(series, exercise)
    s = counted.session_summary
    blocked = np.array([f is not None and f.view_hint.startswith("Step back") for f in counted.feedback], dtype=bool)
    reps = {k: (v["full"], v["partial"]) for k, v in s["reps"].items()}
    held = (s.get("holds") or {}).get("held_s") or []
    return {"reps": reps, "total": sum(f + p for f, p in reps.values()),
            "full": sum(f for f, _ in reps.values()), "hold_s": max(held) if held else 0.0,
            "blocked_share": float(blocked.mean()) if blocked.size else 0.0, "blocked": blocked,
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


#: How much each tempo stress stretches time.
STRETCH = {"slower": 1.5, "faster": 0.75}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*")
    parser.add_argument("--only", action="append", help="run only this stress (repeatable)")
    args = parser.parse_args(argv)
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
    }
    if args.only:
        stresses = {k: v for k, v in stresses.items() if k in args.only}
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
                got = counts(stressed, exercise)
                cut = 0.0
                if name == "start_mid" and c["kind"] == "hold":
                    cut = c["crop_s"] - series.timestamps_ms[0] / 1000.0  # upper bound of the hold cut off
                ok = holds_up(c["kind"], base, got, name, cut if name == "start_mid" else 0.0)
                if name == "start_mid" and c["kind"] == "hold":  # the part of the hold before the crop is gone
                    ok = got["hold_s"] <= base["hold_s"] + HOLD_TOL_S and got["hold_s"] >= base["hold_s"] - cut - HOLD_TOL_S
                if name == "portrait" and not ok and got["blocked_share"] >= 0.5:
                    refused.append(f"{source} {c['clip']}: {100 * got['blocked_share']:.0f}% of frames")
                    continue  # the crop cut off a part the metric needs: the coach says so and counts nothing
                expected = base
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
                                    + (f", in view {fmt(c['kind'], expected)})" if expected is not base else ")"))
    for name, (ok, n) in held.items():
        print(f"{name:18s} {ok}/{n} clips count as unstressed")
    print(f"total: {sum(v[0] for v in held.values())}/{sum(v[1] for v in held.values())}")
    for f in failures:
        print("  ✗", f)
    if refused:
        print("portrait crops that cut off a part the exercise's metric needs (refused with 'Step back', not scored):")
        for r in refused:
            print("   ", r)
    if unseen:
        print("portrait crops that hid reps all through (the coach said 'Step back' on each: not expected):")
        for r in unseen:
            print("   ", r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
