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
