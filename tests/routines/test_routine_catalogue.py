"""The shipped routines load and hold the sources' doses; bad routine files and options are one line and the
config error's exit code (4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_formcheck

from formcheck.errors import ConfigError, SourceError
from formcheck.exercises import load_catalogue
from formcheck.routines import format_routine, format_routine_list, get_routine, load_routine_file, load_routines
from formcheck.routines.loader import shipped_files

SHIPPED = shipped_files()
CATALOGUE = load_catalogue()
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_routine_loads_and_is_named_after_its_file(path: Path) -> None:
    routine = load_routine_file(path, CATALOGUE)
    assert routine.name == path.stem
    assert routine.steps and routine.title and routine.source
    assert all(step.name in CATALOGUE for step in routine.steps)


def test_thoracic_mobility_is_the_five_exercises_with_the_seed_doses() -> None:
    """Momentum Medical's mid-back routine: cat-cow 10-15 reps, thoracic extension 20-30 s x 3-5, child's pose
    30-60 s, scapular squeezes 3-5 s x 10-15, seated rotations 10-15 s each side."""
    routine = load_routines(CATALOGUE)["thoracic-mobility"]
    doses = {s.name: s.exercise.prescription for s in routine.steps}
    assert list(doses) == ["cat-cow", "thoracic-extension", "childs-pose", "scapular-squeeze",
                           "seated-thoracic-rotation"]
    assert doses["cat-cow"].kind == "reps" and 10 <= doses["cat-cow"].count <= 15
    ext = doses["thoracic-extension"]
    assert ext.kind == "holds" and 20 <= ext.hold_s <= 30 and 3 <= ext.count * ext.sets <= 5
    assert doses["childs-pose"].kind == "holds" and 30 <= doses["childs-pose"].hold_s <= 60
    sq = doses["scapular-squeeze"]
    assert 3 <= sq.hold_s <= 5 and 10 <= sq.count * sq.sets <= 15
    rot = doses["seated-thoracic-rotation"]
    assert rot.kind == "holds" and rot.per_side and 10 <= rot.hold_s <= 15
    # the routine changed the rotation's prescription for itself only
    assert (rot.count, rot.sets) == (1, 2) and CATALOGUE["seated-thoracic-rotation"].prescription.count == 3


def test_core_stability_is_bird_dog_bridge_and_plank() -> None:
    routine = load_routines(CATALOGUE)["core-stability"]
    assert routine.exercise_names == ("bird-dog", "glute-bridge", "plank")
    assert [s.exercise.prescription for s in routine.steps] == [CATALOGUE[n].prescription
                                                                for n in routine.exercise_names]


def test_descriptions_name_every_exercise_and_the_disclaimer() -> None:
    routines = load_routines(CATALOGUE)
    listing = format_routine_list(routines)
    assert "thoracic-mobility" in listing and "core-stability" in listing and "not a medical device" in listing
    shown = format_routine(routines["thoracic-mobility"])
    assert "3 holds of 20 s" in shown and "1 hold of 10 s per side, 2 sets" in shown and "rest 30 s" in shown


GOOD = """
name = "mine"
title = "Mine"
rest_s = 10.0

[[steps]]
exercise = "plank"
count = 1
hold_s = 5.0
"""

BAD_FILES = {
    "unknown exercise": (GOOD.replace('"plank"', '"plonk"'), "steps[0].exercise", "unknown exercise 'plonk'"),
    "no steps": ('name = "mine"\ntitle = "Mine"\n', "steps", "at least one exercise"),
    "count too big": (GOOD.replace("count = 1", "count = 1000"), "steps[0].count", "at most 100"),
    "hold of 0 on a held exercise": (GOOD.replace("hold_s = 5.0", "hold_s = 0"), "steps[0].hold_s", "above 0"),
    "negative rest": (GOOD.replace("rest_s = 10.0", "rest_s = -1"), "rest_s", "at least 0"),
    "typo in a key": (GOOD.replace("count = 1", "cuont = 1"), "steps[0].cuont", "allowed keys here"),
    "bad name": (GOOD.replace('"mine"', '"My Routine"'), "name", "lower-case words"),
    "urging through pain": (GOOD.replace('title = "Mine"', 'title = "Push through the pain"'), "title",
                            "must not urge"),
    "not TOML": ("name = [", "", "not valid TOML"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_routine_file_names_the_file_the_key_and_the_fix(tmp_path: Path, case: str) -> None:
    text, key, needle = BAD_FILES[case]
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_routine_file(path, CATALOGUE)
    message = str(err.value)
    assert str(path) in message and key in message and needle in message


def test_a_user_file_adds_a_routine_and_unknown_names_list_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    routines = load_routines(CATALOGUE, [path])
    assert list(routines)[-1] == "mine" and routines["mine"].steps[0].exercise.prescription.hold_s == 5.0
    with pytest.raises(ConfigError, match="choose one of: core-stability, thoracic-mobility"):
        get_routine(load_routines(CATALOGUE), "nope")


def test_routines_command_lists_and_shows(tmp_path: Path) -> None:
    listed = run_formcheck("routines")
    assert listed.returncode == 0 and "thoracic-mobility" in listed.stdout and "core-stability" in listed.stdout
    shown = run_formcheck("routines", "show", "core-stability")
    assert shown.returncode == 0 and "Bird dog" in shown.stdout and "Plank" in shown.stdout


@pytest.mark.parametrize("args, needles", [
    (["routine", "nope", "--headless"], ["unknown routine 'nope'", "formcheck routines"]),
    (["routine", "--headless"], ["say which routine", "--routine-file"]),
    (["routine", "core-stability", "--headless", "--source", "sample_videos/plank_side.mp4"],
     ["core-stability has 3 exercises", "give --source once per exercise"]),
    (["routine", "--routine-file", "BAD", "--headless"], ["steps[0].count", "at most 100"]),
    (["routine", "--routine-file", "missing.toml", "--headless"], ["routine file not found"]),
    (["routine", "core-stability", "--rest", "-5"], ["--rest", "from 0 to 600"]),
    (["routine", "core-stability", "--pain-before", "11"], ["--pain-before", "0 (no pain) to 10"]),
])
def test_bad_routine_input_is_one_line_and_the_config_exit_code(tmp_path: Path, args: list[str],
                                                                 needles: list[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("count = 1", "count = 1000"))
    args = [str(bad) if a == "BAD" else str(tmp_path / a) if a == "missing.toml" else a for a in args]
    result = run_formcheck(*args, "--out", str(tmp_path / "out"), cwd=ROOT)
    assert_one_line_error(result, ConfigError.exit_code, *needles)
    assert not (tmp_path / "out").exists()  # nothing started


def test_no_camera_is_one_line_and_nothing_is_written(tmp_path: Path) -> None:
    """A camera that is not there is reported before the output folder or the history is made."""
    result = run_formcheck("routine", "core-stability", "--headless", "--camera", "/dev/no-such-camera",
                           "--out", str(tmp_path / "out"), "--history", str(tmp_path / "h.sqlite3"))
    assert_one_line_error(result, SourceError.exit_code, "no camera found", "--source FILE")
    assert not (tmp_path / "out").exists() and not (tmp_path / "h.sqlite3").exists()
