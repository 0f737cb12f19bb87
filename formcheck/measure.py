"""The measuring stage: a pose in, a :class:`~formcheck.types.Measurement` out.

It chains what turns landmarks into the numbers formcheck reports, in order:

1. :func:`formcheck.geometry.measure`: every metric from the landmarks (pure geometry);
2. :class:`formcheck.calibration.NeutralCalibration` (optional): angles relative to the person's neutral;
3. with calibration, :class:`formcheck.rotation.TrunkRotationEstimator` replaces ``trunk_rotation_deg``
   (MediaPipe's world landmarks read only 30-45% of a true rotation; the estimator fuses the 2D shoulder
   width with the world depth, relative to the same neutral window). Without calibration the raw
   world-landmark value is kept: the estimator needs the person's neutral.

``analyze``, ``live`` and the accuracy benchmark all use this one stage, so what the benchmark measures is
what users get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from formcheck import geometry, posture
from formcheck.calibration import NeutralCalibration
from formcheck.rotation import TrunkRotationEstimator
from formcheck.types import Measurement, Pose


def raw_measurement(pose: Pose, timestamp_ms: int) -> Measurement:
    """Geometry's measurement of one pose with the postures it fits (no neutral applied)."""
    m = geometry.measure(pose, timestamp_ms)
    return replace(m, posture=posture.postures_of(pose.xy_px)) if m.detected else m


class Measurer:
    """Pose -> measurement for one stream of frames; ``update`` once per frame, in time order.

    Args:
        calibrate_s: learn the person's neutral over the first ``calibrate_s`` seconds with a person in
            view and report angles relative to it; None reports raw angles.
    """

    def __init__(self, *, calibrate_s: float | None = None) -> None:
        self.calibration = NeutralCalibration(calibrate_s) if calibrate_s else None
        self.rotation = TrunkRotationEstimator(calibrate_s) if calibrate_s else None

    def update(self, pose: Pose, timestamp_ms: int) -> Measurement:
        m = raw_measurement(pose, timestamp_ms)
        if self.calibration is not None:
            m = self.calibration.update(m)
        if self.rotation is not None:
            angles = dict(m.angles)
            angles["trunk_rotation_deg"] = self.rotation.update(pose, timestamp_ms)
            m = replace(m, angles=angles)
        return m

    def learn(self, measurements: Sequence[Measurement], poses: Sequence[Pose]) -> bool:
        """Sets the neutral from chosen frames (their raw measurements and poses) instead of the first
        ``calibrate_s`` seconds, e.g. the frames the live coach saw the person keep still in the start posture
        (:mod:`formcheck.live.neutral`). Each calibrated metric's neutral is its median over them and the trunk
        rotation estimator learns from the same poses. Returns whether both could."""
        if self.calibration is None:
            self.calibration = NeutralCalibration()
        if self.rotation is None:
            self.rotation = TrunkRotationEstimator()
        if not self.calibration.learn(measurements):
            return False
        return self.rotation.learn(list(poses))

    def apply(self, m: Measurement, pose: Pose) -> Measurement:
        """A raw measurement (:func:`raw_measurement` of ``pose``) relative to the neutral already learnt (as is
        while there is none); unlike :meth:`update` it never learns."""
        if self.calibration is not None:
            m = self.calibration.apply(m)
        if self.rotation is not None and self.rotation.is_ready:
            angles = dict(m.angles)
            angles["trunk_rotation_deg"] = self.rotation.measure(pose)
            m = replace(m, angles=angles)
        return m

    @property
    def calibrating(self) -> bool:
        """The person's neutral is still being learnt: the angles are raw, not yet relative to it."""
        return (self.calibration is not None and not self.calibration.is_ready) or (
            self.rotation is not None and not self.rotation.is_ready)

    def recalibrate(self) -> None:
        """Forgets the neutral and learns it again from the next frames (the live coach's ``c`` key)."""
        if self.calibration is not None:
            self.calibration.reset()
        if self.rotation is not None:
            self.rotation.reset()
