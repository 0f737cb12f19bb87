"""The live loop's display statistics: frame rate, latency and where a frame's latency goes."""

from __future__ import annotations

import math

from formcheck.live.stats import LATENCY_PARTS, DisplayStats


def test_latency_is_split_into_waiting_the_model_the_handoff_and_the_main_thread() -> None:
    stats = DisplayStats()
    for k in range(5):  # arrives, waits 10 ms, 30 ms in the model, 2 ms for the main thread, 5 ms drawing
        t = k * 0.04
        stats.update(t + 0.047, t, taken_s=t + 0.010, posed_s=t + 0.040, started_s=t + 0.042)
    d = stats.as_dict()
    assert d["frames_shown"] == 5 and d["fps"] == 25.0
    assert d["latency_ms"]["p50"] == 47.0
    assert d["latency_parts_ms_p50"] == {"wait": 10.0, "model": 30.0, "handoff": 2.0, "main": 5.0}
    assert sum(d["latency_parts_ms_p50"].values()) == d["latency_ms"]["p50"]


def test_parts_not_known_are_left_out() -> None:
    stats = DisplayStats()
    stats.update(1.05, 1.0)  # a caller that only knows arrival and showing
    assert stats.as_dict()["latency_parts_ms_p50"] == dict.fromkeys(LATENCY_PARTS)
    stats.update(2.05, 2.0, taken_s=2.01, posed_s=math.nan, started_s=2.04)
    parts = stats.as_dict()["latency_parts_ms_p50"]
    assert parts["wait"] == 10.0 and parts["main"] == 10.0 and parts["model"] is None and parts["handoff"] is None


def test_sums_of_a_frames_own_parts_have_percentiles_of_their_own() -> None:
    """A frame that waited long for the model had a quick model and the other way round (their sum is 40 ms
    in every frame): the p95 of wait + model is 40 ms, below the sum of the two parts' p95s; and a frame's
    latency less its own model time is its wait, handoff and main thread."""
    stats = DisplayStats()
    for k in range(20):
        t, wait = k * 0.05, 0.001 * k  # 0..19 ms waiting, 40..21 ms in the model
        stats.update(t + 0.045, t, taken_s=t + wait, posed_s=t + 0.040, started_s=t + 0.041)
    d = stats.as_dict()
    assert d["latency_sums_ms"]["wait_model"] == {"p50": 40.0, "p95": 40.0}
    assert d["latency_parts_ms_p95"]["wait"] + d["latency_parts_ms_p95"]["model"] > 55.0
    assert d["latency_sums_ms"]["beyond_model"]["p50"] == 14.5  # wait 9.5 ms (median), handoff 1, main 4
    assert d["model_ms_mean"] == 30.5 and d["latency_ms"]["p95"] == 45.0


def test_sums_leave_out_frames_whose_parts_are_not_known() -> None:
    stats = DisplayStats()
    stats.update(1.05, 1.0)
    assert stats.as_dict()["latency_sums_ms"]["beyond_model"] == {"p50": None, "p95": None}
    assert stats.as_dict()["model_ms_mean"] is None
