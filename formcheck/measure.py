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

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

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
        #: The body's own up learnt with the neutral (:meth:`learn`), unit, camera axes: ``shoulders_back_deg`` is
        #: read against it (:meth:`in_basis`); None before.
        self.body_up_xyz: np.ndarray | None = None

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
        (:mod:`formcheck.live.neutral`). The body's up is the median trunk axis of their poses
        (:func:`geometry.trunk_up_xyz`, as analyze takes it from its neutral's frames), each calibrated metric's
        neutral is its median over them in that basis (:meth:`in_basis`) and the trunk rotation estimator learns
        from the same poses. Returns whether both could."""
        if self.calibration is None:
            self.calibration = NeutralCalibration()
        if self.rotation is None:
            self.rotation = TrunkRotationEstimator()
        self.body_up_xyz = geometry.trunk_up_xyz(np.array([p.world_xyz_m for p in poses], dtype=float))
        if not self.calibration.learn([self.in_basis(m, p) for m, p in zip(measurements, poses, strict=True)]):
            self.body_up_xyz = None
            return False
        return self.rotation.learn(list(poses))

    def apply(self, m: Measurement, pose: Pose) -> Measurement:
        """A raw measurement (:func:`raw_measurement` of ``pose``) relative to the neutral already learnt; unlike
        :meth:`update` it never learns. Before the neutral it is :meth:`in_basis` of ``m`` (raw, the squeeze
        blank)."""
        m = self.in_basis(m, pose)
        if self.calibration is not None:
            m = self.calibration.apply(m)
        if self.rotation is not None and self.rotation.is_ready:
            angles = dict(m.angles)
            angles["trunk_rotation_deg"] = self.rotation.measure(pose)
            m = replace(m, angles=angles)
        return m

    def in_basis(self, m: Measurement, pose: Pose) -> Measurement:
        """A raw measurement in the neutral's raw basis, as :mod:`formcheck.passes` reads a recording before taking
        its neutral away: ``shoulders_back_deg`` against :attr:`body_up_xyz`, the body's up learnt with the
        neutral (:func:`geometry.shoulders_back_deg`), so a camera tipped or rolled reads the same; NaN while no
        up is learnt (against the camera's up it would be in another basis: a tipped camera shifts it by the tip).
        The other metrics as measured."""
        if "shoulders_back_deg" not in m.angles:
            return m
        value = math.nan
        if self.body_up_xyz is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                value = float(geometry.shoulders_back_deg(np.asarray(pose.world_xyz_m, dtype=float), self.body_up_xyz))
        return replace(m, angles={**m.angles, "shoulders_back_deg": value})

    @property
    def calibrating(self) -> bool:
        """The person's neutral is still being learnt: the angles are raw, not yet relative to it."""
        return (self.calibration is not None and not self.calibration.is_ready) or (
            self.rotation is not None and not self.rotation.is_ready)

    def recalibrate(self) -> None:
        """Forgets the neutral and learns it again from the next frames (the live coach's ``c`` key)."""
        self.body_up_xyz = None
        if self.calibration is not None:
            self.calibration.reset()
        if self.rotation is not None:
            self.rotation.reset()
