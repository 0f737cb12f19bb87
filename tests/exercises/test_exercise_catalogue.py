"""The shipped catalogue loads and makes sense; user files add, override and extend; bad files fail clearly."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.errors import ConfigError
from formcheck.exercises import format_exercise, format_exercise_list, get_exercise, load_catalogue
from formcheck.exercises.loader import CATALOGUE_DIR, FORBIDDEN_PHRASES, load_exercise_file, shipped_files
from formcheck.geometry import METRIC_NAMES

SHIPPED = shipped_files()
REQUIRED = {
    "seated-thoracic-rotation", "standing-thoracic-rotation", "thoracic-extension", "cat-cow", "childs-pose",
    "scapular-squeeze", "bird-dog", "glute-bridge", "plank",
}


def test_every_required_exercise_ships():
    assert {p.stem for p in SHIPPED} >= REQUIRED
    assert set(load_catalogue()) >= REQUIRED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_file_loads_and_is_named_after_its_file(path):
    exercise, _ = load_exercise_file(path)
    assert exercise.name == path.stem
    assert exercise.source_file == path
    assert exercise.instructions and exercise.safety
    assert exercise.target.source.strip() and exercise.prescription.source.strip()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_file_names_pain_and_the_red_flags(path):
    exercise, _ = load_exercise_file(path)
    safety = " ".join(exercise.safety).lower()
    for words in ("stop", "hurt", "tingling", "numbness", "weakness", "bladder", "bowel"):
        assert words in safety, f"{path.name}: safety notes should mention {words!r}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_no_shipped_text_urges_through_pain(path):
    text = path.read_text().lower()
    for phrase in FORBIDDEN_PHRASES:
        assert phrase not in text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_thresholds_have_hysteresis_and_targets_beyond_enter(path):
    ex, _ = load_exercise_file(path)
    enter, exit_ = ex.rep.threshold_progress(ex.rep.enter), ex.rep.threshold_progress(ex.rep.exit)
    assert enter > exit_ >= 0
    if ex.target_is_rep_metric:
        near = min(ex.rep.threshold_progress(ex.target.lo), ex.rep.threshold_progress(ex.target.hi))
        assert near >= enter


def test_every_shipped_exercise_counts_with_a_metric_geometry_computes():
    pending = {name for name, ex in load_catalogue().items() if any(m not in METRIC_NAMES for m in ex.metrics)}
    assert pending == set()


def test_rotation_targets_and_prescription_match_the_issue():
    ex = load_catalogue()["seated-thoracic-rotation"]
    assert ex.view.allowed == ("front", "back", "side")
    assert ex.rep.mode == "sides" and (ex.rep.positive, ex.rep.negative) == ("left", "right")
    assert ex.target.lo <= 45.0 <= ex.target.hi  # typical seated rotation about 45 deg per side
    assert 10.0 <= ex.prescription.hold_s <= 15.0 and ex.prescription.per_side
    assert {r.metric for r in ex.rules} == {"pelvis_rotation_deg", "trunk_lateral_tilt_deg"}


def test_format_exercise_list_names_every_exercise_and_the_disclaimer():
    catalogue = load_catalogue()
    text = format_exercise_list(catalogue)
    for name, ex in catalogue.items():
        assert name in text and ex.title in text
    assert " ".join(NOT_MEDICAL_DEVICE.split()[:8]) in " ".join(text.split())


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_format_exercise_shows_targets_view_prescription_instructions_and_safety(name):
    ex = load_catalogue()[name]
    text = " ".join(format_exercise(ex).split())
    assert ex.title in text
    assert ex.target.metric in text and f"{ex.target.lo:g} to {ex.target.hi:g}" in text
    assert " ".join(ex.target.source.split()) in text
    assert ex.view.allowed[0] in text
    assert f"{ex.prescription.count} " in text
    for line in ex.instructions + ex.safety:
        assert " ".join(line.split()) in text
    assert " ".join(NOT_MEDICAL_DEVICE.split()) in text


def test_get_exercise_lists_known_names_for_an_unknown_one():
    with pytest.raises(ConfigError, match=r"unknown exercise 'sit-ups'.*cat-cow"):
        get_exercise(load_catalogue(), "sit-ups")


# --------------------------------------------------------------------------------------------- user files
def _write(tmp_path: Path, text: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _shipped_text(name: str) -> str:
    return (CATALOGUE_DIR / f"{name}.toml").read_text()


def test_a_user_file_adds_an_exercise(tmp_path):
    text = _shipped_text("plank").replace('name = "plank"', 'name = "side-plank-lite"')
    catalogue = load_catalogue(extra_files=[_write(tmp_path, text)])
    assert "side-plank-lite" in catalogue and "plank" in catalogue
    assert catalogue["side-plank-lite"].source_file == tmp_path / "mine.toml"


def test_a_user_file_overrides_an_exercise_of_the_same_name(tmp_path):
    text = _shipped_text("plank").replace("hold_s = 20.0", "hold_s = 45.0")
    catalogue = load_catalogue(extra_files=[_write(tmp_path, text)])
    assert catalogue["plank"].prescription.hold_s == 45.0
    assert len(catalogue) == len(load_catalogue())


def test_a_user_file_extends_a_known_exercise_changing_only_what_it_gives(tmp_path):
    path = _write(tmp_path, 'extends = "seated-thoracic-rotation"\n[target]\nlo = 25.0\nsource = "my physio"\n'
                            '[prescription]\nhold_s = 15.0\n')
    base = load_catalogue()["seated-thoracic-rotation"]
    ex = load_catalogue(extra_files=[path])["seated-thoracic-rotation"]
    assert (ex.target.lo, ex.target.hi, ex.target.source) == (25.0, base.target.hi, "my physio")
    assert ex.prescription.hold_s == 15.0 and ex.prescription.count == base.prescription.count
    assert ex.rules == base.rules


def test_extends_can_give_a_new_name(tmp_path):
    path = _write(tmp_path, 'extends = "cat-cow"\nname = "slow-cat-cow"\ntitle = "Slow cat-cow"\n')
    catalogue = load_catalogue(extra_files=[path])
    assert catalogue["slow-cat-cow"].rep == catalogue["cat-cow"].rep
    assert catalogue["slow-cat-cow"].title == "Slow cat-cow"


def _rotation_with(old: str, new: str) -> str:
    text = _shipped_text("seated-thoracic-rotation")
    assert old in text, old
    return text.replace(old, new, 1)


BAD_FILES = {
    "bad-toml": ("name = 'x'\n[view\nallowed = 1\n", "not valid TOML"),
    "unknown-top-key": (_rotation_with('title = "', 'colour = "red"\ntitle = "'), "unknown key 'colour'"),
    "unknown-nested-key": (_rotation_with("min_duration_s = 0.5", "min_duraton_s = 0.5"),
                           "unknown key 'rep.min_duraton_s'"),
    "wrong-type-number": (_rotation_with("enter = 12.0", 'enter = "twelve"'), "key 'rep.enter': must be a finite number"),
    "wrong-type-bool": (_rotation_with("per_side = true", 'per_side = "yes"'), "key 'prescription.per_side'"),
    "wrong-type-int": (_rotation_with("count = 3 ", "count = 2.5 "), "key 'prescription.count': must be a whole number"),
    "wrong-type-table": ('setup = 3\n' + _rotation_with("[setup]", "[unused]").replace(
        "[unused]\nstill_s = 1.0", "[cues.unused]\nstill_s = 1.0"), "key 'setup': must be a table"),
    "thresholds-inverted": (_rotation_with("enter = 12.0", "enter = 4.0"), "key 'rep.enter': must be further from"),
    "thresholds-inverted-up": (_shipped_text("glute-bridge").replace("enter = -25.0", "enter = -35.0"),
                               "key 'rep.enter': must be above rep.exit"),
    "thresholds-inverted-down": (_shipped_text("plank").replace("enter = -60.0", "enter = -40.0"),
                                 "key 'rep.enter': must be below rep.exit"),
    "unknown-metric": (_rotation_with('metric = "trunk_rotation_deg"', 'metric = "trunk_twist_deg"'),
                       "key 'rep.metric': unknown metric 'trunk_twist_deg'"),
    "unknown-rule-metric": (_rotation_with('metric = "pelvis_rotation_deg"', 'metric = "hip_turn_deg"'),
                            "key 'rules[0].metric': unknown metric 'hip_turn_deg'"),
    "metric-wrong-view": (_shipped_text("glute-bridge").replace('allowed = ["side"]', 'allowed = ["front"]'),
                          "key 'rep.metric': metric 'hip_line_deg' is measured in the side view"),
    "unknown-view": (_rotation_with('allowed = ["front", "back", "side"]', 'allowed = ["top"]'), "key 'view.allowed'"),
    "unknown-mode": (_rotation_with('mode = "sides"', 'mode = "twist"'), "key 'rep.mode': must be one of"),
    "side-not-left-right": (_rotation_with('positive = "left"', 'positive = "port"'), "key 'rep.positive'"),
    "band-inverted": (_rotation_with("lo = 35.0", "lo = 70.0"), "key 'target.lo': must be below target.hi"),
    "band-inside-enter": (_rotation_with("lo = 35.0", "lo = 8.0"), "key 'target.lo'"),
    "holds-without-seconds": (_rotation_with("hold_s = 10.0", "hold_s = 0.0"), "key 'prescription.hold_s'"),
    "missing-key": (_rotation_with('title = "Seated thoracic rotation"\n', ""), "missing key 'title'"),
    "urges-through-pain": (_rotation_with('in_target = "Good: hold it there and keep breathing"',
                                          'in_target = "Push through the pain!"'), "key 'cues.in_target'"),
    "rule-without-limit": (_rotation_with("above = 15.0", "# no limit"), "key 'rules[0].above'"),
    "bad-name": (_rotation_with('name = "seated-thoracic-rotation"', 'name = "Seated Rotation"'), "key 'name'"),
    "extends-unknown": ('extends = "yoga"\n', "key 'extends': unknown exercise 'yoga'"),
    # absurd numbers: each limit is named with the file and the key
    "absurd-count": (_rotation_with("count = 3 ", "count = 1000000000000000000000000 "),
                     "key 'prescription.count': must be at most 100; got 1000000000000000000000000"),
    "absurd-hold": (_rotation_with("hold_s = 10.0", "hold_s = 1e308"),
                    "key 'prescription.hold_s': must be at most 600; got 1e+308"),
    "absurd-sets": (_rotation_with("sets = 1", "sets = 99999"), "key 'prescription.sets': must be at most 20"),
    "absurd-angle": (_rotation_with("hi = 60.0", "hi = 1e300"), "key 'target.hi': must be at most 360"),
    "absurd-threshold": (_rotation_with("enter = 12.0", "enter = 5000.0"), "key 'rep.enter': must be at most 360"),
    "absurd-still": (_rotation_with("still_s = 1.0", "still_s = 86400.0"), "key 'setup.still_s': must be at most 60"),
    "absurd-neutral-range": (_rotation_with("neutral_range = [-20.0, 20.0]", "neutral_range = [-1e9, 20.0]"),
                             "key 'setup.neutral_range': must lie within -360..360"),
    "absurd-rule-limit": (_rotation_with("above = 15.0", "above = -1e20"),
                          "key 'rules[0].above': must be at least -360"),
    "absurd-priority": (_rotation_with("priority = 1", "priority = 10000000000"),
                        "key 'rules[0].priority': must be at most 1000"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_malformed_user_file_names_the_file_and_the_key(tmp_path, case):
    text, expected = BAD_FILES[case]
    path = _write(tmp_path, text, name=f"{case}.toml")
    with pytest.raises(ConfigError) as info:
        load_catalogue(extra_files=[path])
    message = str(info.value)
    assert message.startswith(f"{path}:"), message
    assert expected in message, message


def test_an_unknown_key_error_lists_the_allowed_keys(tmp_path):
    path = _write(tmp_path, _rotation_with("min_duration_s = 0.5", "min_duraton_s = 0.5"))
    with pytest.raises(ConfigError, match=r"allowed keys here: .*min_duration_s"):
        load_catalogue(extra_files=[path])


@pytest.mark.parametrize("name", ["missing.toml", ""])
def test_a_missing_or_folder_path_is_a_config_error(tmp_path, name):
    with pytest.raises(ConfigError, match=str(tmp_path)):
        load_catalogue(extra_files=[tmp_path / name])


def test_rules_are_ordered_by_priority_and_nan_means_no_limit():
    ex = load_catalogue()["seated-thoracic-rotation"]
    assert [r.priority for r in ex.rules] == sorted(r.priority for r in ex.rules)
    hips = ex.rules[0]
    assert math.isnan(hips.below) and hips.violated(-16.0) and not hips.violated(14.0)
    assert dataclasses.is_dataclass(hips)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hips.above = 99.0  # type: ignore[misc]
