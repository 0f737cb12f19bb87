"""Can a scapular squeeze be counted from the front on MediaPipe's landmarks? (issue 11)

For the wide set's squeeze clips seen from the front or at 30 deg (two with squeezes, one of them with a chin
tuck on the same frames, one with chin tucks only), each candidate measure is read against the applied
retraction (``r``, and the hold's shift over the rest's spread, ``sep``), then swapped in for
``shoulders_back_deg`` on the frames seen from the front and counted with the scapular-squeeze exercise as
``formcheck analyze`` counts it (the side view keeps ``shoulders_back_deg``). A candidate's gain (its units per
degree of ``shoulders_back_deg``) is chosen on the two front squeeze clips themselves, so the counts are a best
case, not a held-out figure.

    .venv/bin/python benchmarks/scapular_front.py
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import wide_cache  # noqa: E402
import wide_eval  # noqa: E402

from formcheck import geometry  # noqa: E402
from formcheck.exercises import load_catalogue  # noqa: E402
from formcheck.exercises.model import Exercise  # noqa: E402
from formcheck.passes import measure_and_count  # noqa: E402

Candidate = Callable[[np.ndarray, np.ndarray], np.ndarray]

CLIPS = ("scapular_00_slim_female_front", "scapular_03_average_male_front", "scapular_01_heavy_male_l30",
         "scapular_05_short_female_front")
#: The clips the gain is chosen on (front, squeezes).
GAIN_CLIPS = CLIPS[:2]
#: What MediaPipe's shoulders_back_deg reads for a full rendered squeeze from the side (1.2-1.5 deg).
SQUEEZE_READING = 1.3


def _width(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(p[..., a, :] - p[..., b, :], axis=-1)


def _torso(p: np.ndarray) -> np.ndarray:
    return np.linalg.norm((p[..., 11, :] + p[..., 12, :]) / 2 - (p[..., 23, :] + p[..., 24, :]) / 2, axis=-1)


#: Candidates, each larger when the shoulders go back (narrowing as ``-log`` of a width ratio).
CANDIDATES: dict[str, Candidate] = {
    "world depth over torso (shoulders_back_deg)": lambda xy, xyz: geometry.shoulders_back_deg(xyz),
    "2D shoulder width over hip width": lambda xy, xyz: -np.log(_width(xy, 11, 12) / _width(xy, 23, 24)),
    "2D shoulder width over torso": lambda xy, xyz: -np.log(_width(xy, 11, 12) / _torso(xy)),
    "world shoulder width over hip width": lambda xy, xyz: -np.log(_width(xyz, 11, 12) / _width(xyz, 23, 24)),
    "world shoulder width over torso": lambda xy, xyz: -np.log(_width(xyz, 11, 12) / _torso(xyz)),
}


def _applied(truth: dict, name: str, n: int) -> np.ndarray:
    return np.array([f["applied_angles_deg"][name] for f in truth["frames"]])[:n]


def readings(fn: Candidate, clip: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate on every frame, the applied retraction and the applied chin tuck (deg)."""
    truth = wide_cache.load_truth(clip)
    a = wide_eval.load_series(clip).arrays()
    with np.errstate(invalid="ignore", divide="ignore"):
        v = fn(a["xy_px"].astype(float), a["world_xyz_m"].astype(float))
    n = len(v)
    return v, _applied(truth, "scapular_retraction_deg", n), -_applied(truth, "neck_extension_deg", n)


def shift(v: np.ndarray, move: np.ndarray) -> tuple[float, float]:
    """The hold's median minus the rest's (first frame left out) and that over the rest's spread."""
    rest = (move <= 0.05 * move.max()) & np.isfinite(v)
    rest[:2] = False
    hold = (move >= 0.9 * move.max()) & np.isfinite(v)
    d = float(np.median(v[hold]) - np.median(v[rest]))
    return d, d / float(np.std(v[rest]))


def swapped_in(fn: Candidate, gain: float) -> tuple[geometry.MetricSpec, ...]:
    """geometry's metrics with shoulders_back_deg read by ``gain * fn`` on frames seen from the front."""
    def compute(xy: np.ndarray, xyz: np.ndarray) -> np.ndarray:
        return np.where(geometry.classify_view(xyz) == "front", gain * fn(xy, xyz), geometry.shoulders_back_deg(xyz))
    return tuple(dataclasses.replace(s, compute=compute) if s.name == "shoulders_back_deg" else s
                 for s in geometry.METRICS)


def count(clip: str, exercise: Exercise, metrics: tuple[geometry.MetricSpec, ...]) -> int:
    shipped = geometry.METRICS
    geometry.METRICS = metrics
    try:
        return len(measure_and_count(wide_eval.load_series(clip), exercise).records)
    finally:
        geometry.METRICS = shipped


def table_lines() -> list[str]:
    """The markdown table: per candidate, its gain and per clip ``r / sep / counted``."""
    exercise = load_catalogue().get("scapular-squeeze")
    if "front" not in exercise.view.allowed:  # counted as if it were allowed, to see what it would count
        exercise = dataclasses.replace(exercise, view=dataclasses.replace(
            exercise.view, allowed=("front", *exercise.view.allowed)))
    truths = {c: wide_cache.load_truth(c) for c in CLIPS}
    head = " | ".join(f"{c.removeprefix('scapular_')}: r / sep / counted (truth {truths[c]['reps_per_side']['none']})"
                      for c in CLIPS)
    lines = [f"| front-view candidate | gain | {head} |", "|---|---|" + "---|" * len(CLIPS)]
    rows = [(name, fn, SQUEEZE_READING / float(np.mean([shift(*readings(fn, c)[:2])[0] for c in GAIN_CLIPS])))
            for name, fn in CANDIDATES.items()]
    rows.insert(0, ("shoulders_back_deg as shipped", CANDIDATES[next(iter(CANDIDATES))], 1.0))
    for name, fn, gain in rows:
        metrics = swapped_in(fn, gain)
        cells = []
        for clip in CLIPS:
            v, retraction, tuck = readings(fn, clip)
            move = retraction if retraction.max() > 0 else tuck
            ok = np.isfinite(v)
            r = float(np.corrcoef(v[ok], move[ok])[0, 1])
            cells.append(f"{'tuck ' if retraction.max() == 0 else ''}{r:+.2f} / {shift(v, move)[1]:+.1f} / "
                         f"{count(clip, exercise, metrics)}")
        lines.append(f"| {name} | {gain:.3g} | " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    print("\n".join(table_lines()))
    return 0

if __name__ == "__main__":
    raise SystemExit(main())
