"""Evaluations from the committed landmark caches that more than one test checks, each made once a run.

They are pure functions of committed files (a cache, its truth, the code under test), so a second call in the
same run would only repeat the same computation: :func:`sample_clip` (``benchmarks/accuracy.py``'s
``evaluate``: tests/test_accuracy_gate.py and tests/test_sample_counts.py), :func:`real_clip`
(``benchmarks/real_clips.py``: each clip's gate and the summary's in tests/test_real_clips_gate.py) and
:func:`wide_clip` (``benchmarks/wide_eval.py``: tests/test_wide_set.py). The results are shared: read them,
never change them.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import accuracy  # noqa: E402
import real_clips  # noqa: E402
import wide_eval  # noqa: E402

from formcheck.series import PoseSeries  # noqa: E402


@functools.cache
def sample_clip(video: Path) -> dict[str, Any]:
    """``accuracy.evaluate(video)``: a rendered sample clip from ``benchmarks/landmarks``."""
    return accuracy.evaluate(video)


@functools.cache
def real_clip_truths() -> dict[str, dict[str, Any]]:
    """The hand counts of the real clips stored with their cache, by clip name."""
    return {Path(e["clip"]).stem: e for e in real_clips.truth_from_cache()}


@functools.cache
def real_clip(clip: str) -> dict[str, Any]:
    """``real_clips.evaluate``: a real clip from ``benchmarks/real_landmarks``."""
    series, _ = PoseSeries.load_npz(real_clips.CACHE / f"{clip}.npz")
    return real_clips.evaluate(real_clip_truths()[clip], series)


@functools.cache
def wide_clip(clip: str) -> dict[str, Any]:
    """``wide_eval.evaluate(clip)``: a clip of the wide rendered set from its cache."""
    return wide_eval.evaluate(clip)
