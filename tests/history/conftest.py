from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import sessions  # noqa: E402


@pytest.fixture(scope="session")
def result_dirs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Result folders of twelve analyses of the sample clips (see :mod:`sessions`)."""
    return sessions.build_result_dirs(tmp_path_factory.mktemp("results"))
