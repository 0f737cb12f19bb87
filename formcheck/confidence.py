"""How much to trust a rep's or hold's numbers: a confidence from 0 to 1 (``docs/confidence.md``).

Per frame, five factors, each a ramp from 0 to 1 set in ``confidence.toml`` (behaviour as data):

- ``visibility``: the lowest MediaPipe visibility of the landmarks the rep metric uses;
- ``view``: 1 in a camera view the exercise is counted in, ``view.other`` in any other;
- ``body``: how big the person is in the picture, in pixels (the landmarks' extent along the axis they fill
  most: height standing or seated, width on the floor): the distance to the camera;
- ``picture``: the picture's shorter side in pixels;
- ``azimuth``: how far the camera is from where the estimator was validated: the camera's azimuth to the
  pelvis (MediaPipe's world hip line, :func:`formcheck.geometry.yaw_deg`, folded to 0-90 deg) against the
  nearest azimuth the rep metric was validated from (``validated_azimuth_deg``; else those of the views the
  exercise is counted in: 0 front or back, 90 side), 1 up to ``azimuth_off_deg.lo``.

``confidence = visibility * view * body * picture * azimuth`` (0 without a person). A rep's or hold's
confidence is the mean over its frames (:class:`ConfidenceTrack`); below ``trust.min`` the coach says so.
"""

from __future__ import annotations

import math
import tomllib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from formcheck.geometry import yaw_deg
from formcheck.landmarks import Landmark as L
from formcheck.rotation import fold_deg
from formcheck.types import Measurement, Pose

RULES_PATH = Path(__file__).with_name("confidence.toml")
#: What to change when a factor is the weakest, said with an untrusted rep.
ADVICE = {
    "visibility": "keep the whole body in view and well lit",
    "view": "stand where the camera sees you from the exercise's view",
    "body": "come closer to the camera",
    "picture": "use a larger camera picture",
    "azimuth": "face the camera more squarely",
}


@dataclass(frozen=True)
class Ramp:
    """0 at or below ``lo``, 1 at or above ``hi``, linear between (``lo > hi``: reversed)."""

    lo: float
    hi: float

    def __call__(self, x: float) -> float:
        if not math.isfinite(x):
            return 0.0
        return float(min(1.0, max(0.0, (x - self.lo) / (self.hi - self.lo))))


@dataclass(frozen=True)
class ConfidenceRules:
    """``confidence.toml``, checked on load."""

    visibility: Ramp
    body_px: Ramp
    picture_px: Ramp
    azimuth_off_deg: Ramp  # reversed: 1 up to lo, 0 from hi
    other_view: float
    trust_min: float
    validated_azimuth_deg: dict[str, tuple[float, ...]]

    @classmethod
    def load(cls, path: Path = RULES_PATH) -> ConfidenceRules:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        ramps = {}
        for name in ("visibility", "body_px", "picture_px", "azimuth_off_deg"):
            lo, hi = float(data[name]["lo"]), float(data[name]["hi"])
            if not lo < hi:
                raise ValueError(f"{path}: [{name}] needs lo < hi, got lo = {lo}, hi = {hi}")
            ramps[name] = Ramp(hi, lo) if name == "azimuth_off_deg" else Ramp(lo, hi)
        other, trust = float(data["view"]["other"]), float(data["trust"]["min"])
        if not (0.0 <= other <= 1.0 and 0.0 <= trust <= 1.0):
            raise ValueError(f"{path}: view.other and trust.min are between 0 and 1")
        validated = {str(k): tuple(float(a) for a in v) for k, v in data.get("validated_azimuth_deg", {}).items()}
        if any(not v or not all(0.0 <= a <= 90.0 for a in v) for v in validated.values()):
            raise ValueError(f"{path}: [validated_azimuth_deg] lists azimuths from 0 to 90 deg")
        return cls(**ramps, other_view=other, trust_min=trust, validated_azimuth_deg=validated)


@lru_cache(maxsize=1)
def rules() -> ConfidenceRules:
    return ConfidenceRules.load()


@dataclass(frozen=True)
class FrameConfidence:
    """One frame's factors (each 0-1); :attr:`value` is their product."""

    visibility: float = 0.0
    view: float = 0.0
    body: float = 0.0
    picture: float = 0.0
    azimuth: float = 0.0

    @property
    def value(self) -> float:
        return self.visibility * self.view * self.body * self.picture * self.azimuth

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def camera_azimuth_deg(pose: Pose) -> float:
    """The camera's azimuth to the pelvis, 0-90 deg (0: seen from the front or back, 90: from the side), from
    MediaPipe's world hip line (which under-reads an oblique camera); NaN without a person."""
    if not pose.detected:
        return math.nan
    w = pose.world_xyz_m
    return abs(fold_deg(float(yaw_deg(w[int(L.LEFT_HIP)] - w[int(L.RIGHT_HIP)]))))


def frame_confidence(m: Measurement, pose: Pose, exercise: Any, r: ConfidenceRules | None = None,  # noqa: ANN401
                     ) -> FrameConfidence:
    """The factors of one frame for ``exercise`` (its rep metric, its allowed views); all 0 without a person."""
    if not m.detected or not pose.detected:
        return FrameConfidence()
    r = r or rules()
    allowed = tuple(exercise.view.allowed)
    w, h = pose.resolution_wh
    body_px = max(_span_px(pose.xy_px[:, 0], w), _span_px(pose.xy_px[:, 1], h))
    validated = r.validated_azimuth_deg.get(exercise.rep.metric) or [90.0 if v == "side" else 0.0 for v in allowed]
    az = camera_azimuth_deg(pose)
    off = min(abs(az - v) for v in validated)
    return FrameConfidence(
        visibility=r.visibility(m.visibility.get(exercise.rep.metric, math.nan)),
        view=1.0 if m.view in allowed else r.other_view,
        body=r.body_px(body_px),
        picture=r.picture_px(float(min(w, h))),
        azimuth=r.azimuth_off_deg(off),
    )


def _span_px(coords_px: np.ndarray, size_px: int) -> float:
    """The landmarks' extent along one axis of the picture, clipped to it, in pixels."""
    return min(float(np.max(coords_px)), size_px) - max(float(np.min(coords_px)), 0.0)


@dataclass(frozen=True)
class SpanConfidence:
    """A rep's or hold's confidence: the mean of its frames' and the factor that pulled it down most."""

    value: float
    weakest: str
    frames: int

    def trusted(self, r: ConfidenceRules | None = None) -> bool:
        return self.value >= (r or rules()).trust_min

    @property
    def advice(self) -> str:
        return ADVICE.get(self.weakest, "")


class ConfidenceTrack:
    """Every frame's confidence, in time order (``update`` per frame); :meth:`over` a rep's span."""

    def __init__(self) -> None:
        self._t_s: list[float] = []
        self._frames: list[FrameConfidence] = []

    def update(self, timestamp_ms: int, c: FrameConfidence) -> None:
        t = timestamp_ms / 1000.0
        if self._t_s and t <= self._t_s[-1]:
            return  # a frame that is not after the last one (the session does not count it either)
        self._t_s.append(t)
        self._frames.append(c)

    def over(self, start_s: float, end_s: float) -> SpanConfidence | None:
        """The mean confidence of the frames from ``start_s`` to ``end_s`` (None: none tracked there)."""
        i, j = bisect_left(self._t_s, start_s - 1e-6), bisect_right(self._t_s, end_s + 1e-6)
        span = self._frames[i:j]
        if not span:
            return None
        value = float(np.mean([c.value for c in span]))
        means = {name: float(np.mean([getattr(c, name) for c in span])) for name in ADVICE}
        return SpanConfidence(round(value, 3), min(means, key=lambda k: means[k]), len(span))
