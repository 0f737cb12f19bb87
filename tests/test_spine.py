"""The spine-shape measure (``spine_flexion_deg``) against the person's neutral, on synthetic side views."""

from __future__ import annotations

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck import geometry
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.measure import Measurer
from formcheck.types import Pose


def side_pose(head_deg: float, facing_deg: float) -> Pose:
    xy, xyz = synthetic_pose_arrays(head_forward_deg=head_deg, facing_deg=facing_deg)
    ones = np.ones(NUM_LANDMARKS)
    return Pose(xy, np.zeros(NUM_LANDMARKS), xyz, ones, ones, (640, 480))


def test_spine_flexion_is_measured_from_the_neutral():
    assert geometry.METRICS_BY_NAME["spine_flexion_deg"].relative_to_neutral


@pytest.mark.parametrize("facing_deg", [90.0, -90.0])
def test_cat_and_cow_are_read_from_a_non_zero_neutral_whichever_way_the_person_faces(facing_deg):
    """A neutral that reads 12 deg (as MediaPipe's tabletop does) still gives cat > 0 and cow < 0."""
    measurer = Measurer(calibrate_s=1.0)
    t = 0
    for _ in range(16):
        measurer.update(side_pose(12.0, facing_deg), t)
        t += 67
    cat = measurer.update(side_pose(40.0, facing_deg), t).angles["spine_flexion_deg"]
    cow = measurer.update(side_pose(-8.0, facing_deg), t + 67).angles["spine_flexion_deg"]
    assert cat == pytest.approx(28.0, abs=1e-6)
    assert cow == pytest.approx(-20.0, abs=1e-6)
