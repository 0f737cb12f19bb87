"""The body's posture in one frame: upright, on hands and knees, lying on the back, lying face down.

Counting starts when the person is in the exercise's start posture (``setup.posture`` in the catalogue),
not after a stillness timer: real people start mid-movement and never pause. These are coarse rules about
how bodies are arranged, from the image landmarks (pixels), that hold for any body size, distance or
camera resolution because every length is divided by the person's own trunk length:

* ``tilt``: the hip-midpoint -> shoulder-midpoint line's angle from the image's upward vertical, 0..180 deg
  (0 upright, 90 horizontal, above 90 shoulders lower than hips, as at the top of a bridge);
* ``knee_rise``: how far the knees are above the hips, over the trunk length (image y up; positive when the
  knees are higher, as when lying on the back with bent knees; about -1 on hands and knees);
* ``hand_drop``: how far the hands (wrists, or the elbows when the wrists are not placed) are below the
  shoulders, over the trunk length (about +1 on hands and knees with straight arms).

Postures (a frame may fit more than one; ``floor`` is any of the lying or kneeling ones):

* ``upright``: sitting or standing, tilt below :data:`UPRIGHT_MAX_TILT_DEG`;
* ``quadruped``: on hands and knees: trunk near horizontal, knees well below the hips, hands below the
  shoulders;
* ``supine``: lying on the back with bent knees: trunk near horizontal or shoulders lower, knees above hips;
* ``prone``: lying face down or in a plank: trunk near horizontal, legs roughly in line (knees neither
  planted under the hips nor raised);
* ``floor``: trunk tilted past :data:`FLOOR_MIN_TILT_DEG` (any of the three above, child's pose, kneeling
  forward).

The camera is assumed upright (a laptop's, or a phone on a stand, portrait or landscape).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import Landmark as L

FloatArray = NDArray[np.float64]

POSTURES = ("upright", "quadruped", "supine", "prone", "floor")

#: Trunk tilt from vertical (deg) up to which a person sits or stands upright (a forward lean at a desk or a
#: hinge at the hips reads 20-30 deg).
UPRIGHT_MAX_TILT_DEG = 40.0
#: Trunk tilt (deg) from which the person is on the floor (lying, on hands and knees, kneeling forward).
FLOOR_MIN_TILT_DEG = 50.0
#: Knees below the hips by at least this share of the trunk length: the thighs are under the body.
QUADRUPED_KNEE_DROP = 0.45
#: Hands below the shoulders by at least this share of the trunk length: the arms hold the body up.
QUADRUPED_HAND_DROP = 0.35
#: Knees above the hips by at least this share of the trunk length: bent knees while lying on the back.
SUPINE_KNEE_RISE = 0.15
#: Knees within this share of the trunk length of the hips' height: legs along the floor.
PRONE_KNEE_BAND = 0.35


def _mid(xy: FloatArray, a: L, b: L) -> FloatArray:
    """Midpoint of a left/right pair, or the one that is placed when the other is NaN."""
    pa, pb = xy[..., int(a), :], xy[..., int(b), :]
    return np.where(np.isnan(pa), pb, np.where(np.isnan(pb), pa, 0.5 * (pa + pb)))


def features(xy_px: FloatArray) -> dict[str, FloatArray]:
    """``tilt_deg``, ``knee_rise`` and ``hand_drop`` for landmarks of shape ``(..., 33, 2)`` (see module doc)."""
    xy = np.asarray(xy_px, dtype=float)
    shoulders = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hips = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
    knees = _mid(xy, L.LEFT_KNEE, L.RIGHT_KNEE)
    wrists = _mid(xy, L.LEFT_WRIST, L.RIGHT_WRIST)
    elbows = _mid(xy, L.LEFT_ELBOW, L.RIGHT_ELBOW)
    hands = np.where(np.isnan(wrists), elbows, wrists)
    trunk = shoulders - hips
    length = np.linalg.norm(trunk, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tilt = np.degrees(np.arctan2(np.abs(trunk[..., 0]), -trunk[..., 1]))
        knee_rise = (hips[..., 1] - knees[..., 1]) / length
        hand_drop = (hands[..., 1] - shoulders[..., 1]) / length
    return {"tilt_deg": tilt, "knee_rise": knee_rise, "hand_drop": hand_drop}


def classify(xy_px: FloatArray) -> dict[str, NDArray[np.bool_]]:
    """For each posture in :data:`POSTURES`, whether each frame fits it (False where landmarks are NaN)."""
    f = features(xy_px)
    tilt, knee, hand = f["tilt_deg"], f["knee_rise"], f["hand_drop"]
    with np.errstate(invalid="ignore"):
        floor = tilt >= FLOOR_MIN_TILT_DEG
        return {
            "upright": tilt <= UPRIGHT_MAX_TILT_DEG,
            "quadruped": floor & (tilt <= 130.0) & (knee <= -QUADRUPED_KNEE_DROP) & (hand >= QUADRUPED_HAND_DROP),
            "supine": floor & (knee >= SUPINE_KNEE_RISE),
            "prone": floor & (tilt <= 130.0) & (np.abs(knee) <= PRONE_KNEE_BAND),
            "floor": floor,
        }


def postures_of(xy_px: FloatArray) -> tuple[str, ...]:
    """The postures one pose (33, 2) fits, in :data:`POSTURES` order (empty when none or no person)."""
    fits = classify(xy_px)
    return tuple(name for name in POSTURES if bool(fits[name]))


#: What to tell a person who is not in a start posture yet.
POSTURE_INSTRUCTIONS = {
    "upright": "sit or stand up tall",
    "quadruped": "get onto your hands and knees",
    "supine": "lie on your back with your knees bent",
    "prone": "lie face down",
    "floor": "get down onto the floor",
}
