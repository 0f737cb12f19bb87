"""An installed (non-editable) formcheck carries its pose model, exercise catalogue and routines and finds them from
any working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_carries_model_and_catalogue_and_finds_them(tmp_path):
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (wheel,) = wheel_dir.glob("formcheck-*.whl")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    code = (
        "import formcheck, formcheck.pose as p, formcheck.exercises as e;"
        "import formcheck.routines as r;"
        "print(formcheck.__file__); print(p.default_model_path()); print(len(e.load_catalogue()));"
        "print(len(r.load_routines(e.load_catalogue())))"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, env=env, check=True, capture_output=True,
                         text=True).stdout.split()
    package_file, model_path, n_exercises, n_routines = Path(out[0]), Path(out[1]), int(out[2]), int(out[3])
    assert package_file.is_relative_to(target)  # the installed copy, not the source tree
    assert model_path.is_relative_to(target) and model_path.is_file()
    assert model_path.read_bytes() == (ROOT / "models" / "pose_landmarker_full.task").read_bytes()
    assert n_exercises >= 8 and n_routines >= 2
