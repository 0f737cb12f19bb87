"""history export --format fhir: a FHIR R4 Bundle, validated with fhir.resources' R4B models (issue 13).

fhir.resources 8 defaults to R5 and ships R4B and STU3 packages, no separate R4 one; R4B (4.3) keeps R4's
Observation and Bundle unchanged, so its models are what validates R4 here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run_formcheck

pytest.importorskip("fhir.resources", reason="the test extra installs fhir.resources")
from fhir.resources.R4B.bundle import Bundle  # noqa: E402

from formcheck.history.fhir import BODY_SITE, CODE_SYSTEM  # noqa: E402


@pytest.fixture(scope="module")
def exported(history_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("fhir") / "bundle.json"
    r = run_formcheck("history", "export", "--format", "fhir", "--out", str(out), "--history", str(history_db))
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_the_bundle_validates_as_fhir_r4(exported: dict) -> None:
    bundle = Bundle.model_validate(exported)
    assert bundle.type == "collection"
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert set(kinds) == {"Observation"}


def test_one_rom_observation_per_session_with_sides_target_and_method(exported: dict, history_db: Path) -> None:
    from formcheck.history.store import HistoryStore

    with HistoryStore(history_db) as store:
        first = store.sessions()[0].record  # the seated rotation of 1 March, as analysed
    left, right = first.best_rom_deg["left"], first.best_rom_deg["right"]
    rom = [e["resource"] for e in exported["entry"] if e["resource"]["code"]["coding"][0]["system"] == CODE_SYSTEM]
    assert len(rom) == 12
    seated = rom[0]
    assert seated["valueQuantity"] == {"value": max(left, right), "unit": "deg", "system": "http://unitsofmeasure.org",
                                       "code": "deg"}
    assert seated["bodySite"]["coding"] == [BODY_SITE] and BODY_SITE["code"] == "1141986006"
    sides = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in seated["component"]}
    assert sides["trunk_rotation_deg.left"] == left and sides["trunk_rotation_deg.right"] == right
    assert 30 < left < 60 and 30 < right < 60  # the clip turns about 45 deg each way
    assert 0 < sides["landmark_visibility"] <= 1 and sides["detection_rate"] == 1.0
    assert 0.5 <= sides["rep_confidence"] <= 1
    assert seated["referenceRange"][0]["low"]["value"] == 35.0 and seated["referenceRange"][0]["high"]["value"] == 60.0
    assert "formcheck 0.1.0" in seated["method"]["text"] and "0b8afc919fc8" in seated["method"]["text"]
    assert seated["effectiveDateTime"].startswith("2026-03-01")


def test_pain_scores_are_their_own_observations(exported: dict) -> None:
    pain = [e["resource"] for e in exported["entry"] if e["resource"]["code"]["coding"][0].get("code") == "72514-3"]
    assert len(pain) == 2 * 11  # the sixth session had no rating
    rose = [p for p in pain if "note" in p]
    assert len(rose) == 1 and rose[0]["valueInteger"] == 5 and "bladder" in rose[0]["note"][0]["text"]
