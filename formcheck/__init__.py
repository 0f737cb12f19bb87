"""formcheck: measures trunk rotation and thoracic extension during back-mobility exercises.

formcheck is not a medical device. It measures movement; it does not diagnose or treat anything.
"""

from __future__ import annotations

__version__ = "0.1.0"

NOT_MEDICAL_DEVICE = (
    "formcheck is not a medical device: it measures movement, it does not diagnose or treat. "
    "Stop if an exercise hurts, and seek care for tingling, numbness, arm or leg weakness, "
    "or loss of bladder or bowel control."
)

__all__ = ["NOT_MEDICAL_DEVICE", "AnalysisOptions", "__version__", "analyze", "analyze_many"]


def __getattr__(name: str):
    if name in ("analyze", "analyze_many", "analyze_with", "AnalysisOptions", "AnalysisResult"):
        from formcheck import api

        return getattr(api, name)
    raise AttributeError(f"module 'formcheck' has no attribute {name!r}")
