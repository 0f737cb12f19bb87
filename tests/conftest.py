from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Test helpers (builders.py) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session", autouse=True)
def _formcheck_home_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The history of module- and session-scoped fixtures (they are set up before each test's own home below):
    never the real user's data folder either."""
    home = tmp_path_factory.mktemp("formcheck_home_run")
    patch = pytest.MonkeyPatch()
    patch.setenv("FORMCHECK_HOME", str(home))
    yield home
    patch.undo()


@pytest.fixture(autouse=True)
def _formcheck_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test, and every ``formcheck`` subprocess it starts, keeps its history in a fresh temporary folder,
    never in the real user's data folder (``analyze`` adds each session to the history)."""
    home = tmp_path_factory.mktemp("formcheck_home")
    monkeypatch.setenv("FORMCHECK_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def short_routine_run(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 (routine_clips.RoutineRun)
    """One ``formcheck routine`` run (real MediaPipe, real time), read by tests/routines/test_routine_run.py and
    tests/sound/test_sound_live.py: see ``routine_clips.run_short_routine``."""
    sys.path.insert(0, str(Path(__file__).parent / "routines"))
    from routine_clips import run_short_routine

    return run_short_routine(tmp_path_factory.mktemp("routine"))
