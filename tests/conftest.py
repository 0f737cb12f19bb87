from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test helpers (builders.py) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _formcheck_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test, and every ``formcheck`` subprocess it starts, keeps its history in a fresh temporary folder,
    never in the real user's data folder (``analyze`` adds each session to the history)."""
    home = tmp_path_factory.mktemp("formcheck_home")
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    return home
