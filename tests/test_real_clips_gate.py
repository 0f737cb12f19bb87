"""Regression gate: counting on real recordings of real people must not get worse than docs/real_clips.json.

``benchmarks/real_clips.py --write`` made the committed figures by running formcheck's own
measuring-and-counting path on real clips (third-party footage, never committed) from their cached MediaPipe
landmarks (``benchmarks/real_landmarks/``, numbers only, with the hand counts). This test recomputes every
clip from that cache in seconds: a rep clip that was exact must stay exact, one within tolerance must stay
within it, a hold within its tolerance must stay so, and a negative control must never count a full rep.
The cache must hold what ``formcheck analyze`` sees today: each file stores the identity of the landmark pass
that made it (:func:`formcheck.passes.landmark_pass_identity`), which must be today's (compared without running
the model). Where the clips themselves are at hand (``../shared/real_clips``), it also checks the cache is still
what those videos are (their sha256).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import cached_evaluations  # noqa: E402
import landmark_cache  # noqa: E402
import real_clips  # noqa: E402


COMMITTED = json.loads((ROOT / "docs" / "real_clips.json").read_text())
BY_CLIP = {r["clip"]: r for r in COMMITTED["clips"]}
TRUTH = cached_evaluations.real_clip_truths()


def _recompute(clip: str) -> dict:
    """The clip recomputed from its cache (once a run: each clip's gate and the summary read the same result)."""
    return cached_evaluations.real_clip(clip)


def test_every_cached_clip_is_in_the_table():
    assert set(TRUTH) == set(BY_CLIP)
    assert all((real_clips.CACHE / f"{clip}.npz").is_file() for clip in TRUTH)


#: MediaPipe's version is stored but not gated: pyproject allows any 1.x from 1.2, and a release that changes
#: nothing in the landmarks must not fail CI on a clean clone. A release that does change them fails
#: tests/test_accuracy_gate.py::test_landmark_cache_is_what_the_model_sees (it runs the model again).
NOT_GATED = ("mediapipe",)


@pytest.mark.parametrize("clip", sorted(TRUTH))
def test_the_cache_is_made_by_todays_landmark_pass(clip):
    reason = landmark_cache.stale_reason(real_clips.CACHE / f"{clip}.npz", ignore=NOT_GATED)
    assert reason is None, f"{reason}: run benchmarks/real_clips.py --refresh --write"


@pytest.mark.parametrize("clip", sorted(c for c, r in BY_CLIP.items() if r["kind"] in real_clips.SCORED))
def test_real_clip_counts_do_not_regress(clip):
    before, now = BY_CLIP[clip], _recompute(clip)
    kind = before["kind"]
    if kind == "negative":
        assert now["counted_full"] == 0, f"{clip}: a full rep counted on a clip of another exercise"
        return
    if before.get("within_tol"):
        assert now["within_tol"], f"{clip}: was within tolerance ({before}), now {now}"
    if kind == "reps" and before.get("exact"):
        assert now["counted"] == now["truth"], f"{clip}: was exact, now counts {now['counted']} of {now['truth']}"


def test_the_summary_is_what_the_clips_give():
    results = [_recompute(clip) for clip in sorted(BY_CLIP)]
    now = real_clips.summarise(results)
    before = COMMITTED["summary"]
    assert now["rep_exact"] >= before["rep_exact"]
    assert now["rep_within_tol"] >= before["rep_within_tol"]
    assert now["holds_within_tol"] >= before["holds_within_tol"]
    assert now["negatives_clean"] == now["negative_clips"]


def test_the_cache_is_what_the_real_clips_are():
    clips_dir = real_clips.DEFAULT_CLIPS
    if not (clips_dir / "truth.json").is_file():
        pytest.skip(f"the real clips are not here ({clips_dir}): the gate above ran from the committed cache")
    for entry in real_clips.load_truth(clips_dir):
        video = clips_dir / entry["clip"]
        reason = landmark_cache.stale_reason(landmark_cache.cache_file(real_clips.CACHE, video), video)
        assert reason is None, f"{reason}: run benchmarks/real_clips.py --refresh --write"
