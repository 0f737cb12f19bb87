"""The wide evaluation set (issue 11): bodies, arm positions, cameras, lenses, outfits and rooms formcheck was
not tuned on, as data. Kept apart from the sample videos that ship: the videos are rendered outside the
repository (``tools/render_samples.py --set wide --out DIR``) and only MediaPipe's landmarks and the truth
are cached in ``benchmarks/wide_landmarks/`` (``benchmarks/wide_cache.py``).

Factors (each clip's levels are in its name and in :data:`FACTORS`):

* **body**: eight anny shapes, both sexes, short to tall, slim to heavy (:data:`tools.render.body.SHAPES`);
* **camera angle** (azimuth around the person): 0 (front), 15, 30 and 45 deg to either side, 90 (side);
* **arm position**: crossed on the chest, hands on the shoulders, hands behind the head, hands on the knees;
* **lens**: a laptop (640x480, 62 deg), a wide laptop (640x360, 78 deg), a phone in landscape (640x360,
  64 deg) and a phone upright (360x640, 50 deg);
* **camera height** (low: on a table; eye level; high: on a shelf) and **distance** (the person fills
  80, 62 or 45 % of the picture's height);
* skin tone, outfit, room.

Levels are spread over the clips by seeded shuffles of balanced lists (each level appears about equally
often, combinations vary), so the set stays small enough to render in about an hour on two cores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tools.render.clips import ClipSpec

FPS = 10.0
SEED = 11

BODIES = ("average_male", "slim_female", "heavy_male", "tall_male", "short_female", "heavy_female",
          "tall_slim_female", "short_stocky_male")
TONES = ("light", "medium", "dark")
OUTFITS = ("blue_grey", "red_black", "green_navy", "white_khaki", "black_jeans")
ROOMS = ("beige_wood", "grey_studio", "green_warm", "white_office", "dim_blue")


@dataclass(frozen=True)
class Lens:
    name: str
    resolution_wh: tuple[int, int]
    hfov_deg: float

    @property
    def vfov_deg(self) -> float:
        w, h = self.resolution_wh
        f = 0.5 * w / math.tan(math.radians(self.hfov_deg) / 2)
        return math.degrees(2 * math.atan(0.5 * h / f))


LENSES = {
    "laptop": Lens("laptop", (640, 480), 62.0),
    "laptop_wide": Lens("laptop_wide", (640, 360), 78.0),
    "phone_landscape": Lens("phone_landscape", (640, 360), 64.0),
    "phone_portrait": Lens("phone_portrait", (360, 640), 50.0),
}
#: How much of the picture's height the person fills.
DISTANCES = {"near": 0.80, "mid": 0.62, "far": 0.45}
#: Camera heights in metres (seated, standing).
HEIGHTS = {"low": (0.70, 0.80), "eye": (1.10, 1.55), "high": (1.50, 1.95)}


def _balanced(levels, n: int, rng: np.random.Generator) -> list:
    out = [levels[i % len(levels)] for i in range(n)]
    rng.shuffle(out)
    return out


def _view(azimuth_deg: float) -> str:
    if azimuth_deg == 0:
        return "front"
    return "side" if abs(azimuth_deg) >= 80 else "oblique"


def _spec(name: str, exercise: str, seated: bool, body: str, tone: str, outfit: str, room: str, azimuth_deg: float,
          lens: str, distance: str, height: str, options: dict, note: str = "") -> ClipSpec:
    person_h = 1.38 if seated else 1.80
    target_z = 0.66 if seated else 0.92
    ln = LENSES[lens]
    visible_h = person_h / DISTANCES[distance]
    dist = 0.5 * visible_h / math.tan(math.radians(ln.vfov_deg) / 2)
    cam_h = HEIGHTS[height][0 if seated else 1]
    return ClipSpec(name, exercise, _view(azimuth_deg), body, tone, outfit, room, azimuth_deg, round(dist, 3), cam_h,
                    target_z, hfov_deg=ln.hfov_deg, fps=FPS, resolution_wh=ln.resolution_wh, options=options,
                    note=note)


@dataclass(frozen=True)
class WideClip:
    spec: ClipSpec
    factors: dict[str, str]


def _group(prefix: str, exercise: str, n: int, seated: bool, azimuths, arms, rng: np.random.Generator,
           options: dict, extra=None) -> list[WideClip]:
    bodies = _balanced(BODIES, n, rng)
    az = _balanced(azimuths, n, rng)
    arm = _balanced(arms, n, rng)
    lens = _balanced(tuple(LENSES), n, rng)
    dist = _balanced(tuple(DISTANCES), n, rng)
    height = _balanced(tuple(HEIGHTS), n, rng)
    tone = _balanced(TONES, n, rng)
    outfit = _balanced(OUTFITS, n, rng)
    room = _balanced(ROOMS, n, rng)
    out = []
    for i in range(n):
        opts = dict(options)
        if arm[i] is not None:
            opts["arms"] = arm[i]
        if extra is not None:
            opts.update(extra(i))
        a = float(az[i])
        side = "front" if a == 0 else f"{'l' if a > 0 else 'r'}{abs(a):g}"
        name = f"{prefix}_{i:02d}_{bodies[i]}_{side}"
        factors = {"body": bodies[i], "sex": "female" if "female" in bodies[i] else "male",
                   "camera_deg": f"{a:+g}" if a else "0", "camera_abs_deg": f"{abs(a):g}",
                   "arms": str(arm[i]), "lens": lens[i], "distance": dist[i], "height": height[i],
                   "tone": tone[i], "outfit": outfit[i], "room": room[i]}
        out.append(WideClip(_spec(name, exercise, seated, bodies[i], tone[i], outfit[i], room[i], a, lens[i],
                                  dist[i], height[i], opts), factors))
    return out


def wide_clips() -> tuple[WideClip, ...]:
    """The whole wide set (deterministic)."""
    rng = np.random.default_rng(SEED)
    oblique = (0.0, 0.0, 15.0, -15.0, 30.0, -30.0, 45.0, -45.0)  # front twice as often: the main use
    turn = {"reps_each": 1, "move_s": 1.2, "hold_s": 2.0, "rest_s": 0.8}
    clips: list[WideClip] = []
    clips += _group("seated_rot", "seated-thoracic-rotation", 24, True, oblique, ARMS_SEATED, rng, turn)
    clips += _group("standing_rot", "standing-thoracic-rotation", 8, False, oblique, ARMS_STANDING, rng, turn)
    # side bends with no rotation, up to 50 deg: must read as a tilt, not as a turn
    bends = (50.0, 50.0, 50.0, 35.0, 50.0, 35.0)
    clips += _group("side_bend", "seated-thoracic-rotation", 6, True, (0.0, 0.0, 30.0, -30.0, 15.0, -45.0),
                    ("crossed", "behind_head", "crossed"), rng,
                    {"reps_each": 1, "move_s": 1.5, "hold_s": 2.0, "rest_s": 0.8},
                    extra=lambda i: {"bend_deg": bends[i]})
    # scapular squeezes (some with a chin tuck, one chin tucks only) from the front, the side and obliquely
    peaks = (14.0, 18.0, 14.0, 18.0, 14.0, 0.0, 18.0)
    tucks = (0.0, 10.0, 0.0, 12.0, 10.0, 15.0, 0.0)
    clips += _group("scapular", "scapular-squeeze", 7, False, (0.0, 0.0, 0.0, -90.0, 90.0, -90.0, 30.0), (None,),
                    rng, {"reps_n": 2, "hold_s": 3.0},
                    extra=lambda i: {"peak_deg": peaks[i], "chin_tuck_deg": tucks[i]})
    clips += _group("extension", "thoracic-extension", 4, True, (-90.0, 90.0), (None,), rng,
                    {"reps_n": 2, "hold_s": 3.0})
    return tuple(clips)


ARMS_SEATED = ("crossed", "shoulders", "behind_head", "knees")
ARMS_STANDING = ("crossed", "shoulders", "behind_head")


def wide_by_name() -> dict[str, WideClip]:
    return {c.spec.name: c for c in wide_clips()}


#: The factors reported per clip (benchmarks/accuracy.py --set wide groups errors by these).
FACTORS = ("body", "sex", "camera_deg", "camera_abs_deg", "arms", "lens", "distance", "height", "tone", "outfit",
           "room")
