"""The stress benchmark's own rules (``benchmarks/stress_counts.py``) on the cached real landmarks."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import stress_counts  # noqa: E402
from formcheck.exercises import load_catalogue  # noqa: E402
from formcheck.landmarks import Landmark as L  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402


def test_a_portrait_crop_expects_the_turns_it_leaves_in_view_and_none_it_hides():
    # The real Russian twist cropped to a portrait picture: the far (left) shoulder leaves the picture on the
    # left turns, up to 28 px past the edge. A shoulder out of the picture is not a reading: the coach says
    # "Step back" and counting pauses. Two left turns happen wholly out of view (turned less than `enter` when
    # the shoulder left, back past the middle when it came in): they cannot be counted, and are not expected;
    # every turn left in view (one partly: seen starting, bridged) counts as unstressed.
    series, _ = PoseSeries.load_npz(stress_counts.REAL / "trunk_rotation__sebitzu__1.npz")
    exercise = load_catalogue()["seated-thoracic-rotation"]
    cropped = stress_counts.portrait(series)
    assert cropped is not None
    a = cropped.arrays()
    x = a["xy_px"][:, int(L.LEFT_SHOULDER), 0]
    outside = (x < 0) | (x > cropped.resolution_wh[0])
    assert outside.any()
    assert np.all(a["visibility"][outside, int(L.LEFT_SHOULDER)] <= stress_counts.OUTSIDE_VISIBILITY)

    base, got = stress_counts.counts(series, exercise), stress_counts.counts(cropped, exercise)
    assert not stress_counts.holds_up("reps", base, got, "portrait")  # the unstressed count: 2 left turns unseen
    hidden = stress_counts.hidden_reps(base, got)
    assert [side for side, *_ in hidden] == ["left", "left"]
    for _, start_s, end_s, _ in hidden:  # the coach said "Step back" all through each
        span = (got["times_s"] >= start_s) & (got["times_s"] <= end_s)
        assert span.sum() >= 10 and got["blocked"][span].all()
    assert stress_counts.holds_up("reps", stress_counts.in_view(base, hidden), got, "portrait")
    seen = [r for r in base["records"] if r not in hidden]
    assert [r[0] for r in got["records"]] == [r[0] for r in seen]
