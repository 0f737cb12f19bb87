"""The history as a FHIR R4 ``Bundle`` (type ``collection``) of ``Observation`` resources (see ``docs/history.md``).

Per session:

- one Observation per measured range of motion (the exercise's rep metric): ``valueQuantity`` is the best
  range of the session in UCUM ``deg`` (the larger side's for sided exercises), with one ``component`` per
  side (left, right); ``referenceRange`` is the exercise's target band when it is on that metric;
  ``bodySite`` is SNOMED CT 1141986006 "Structure of thoracic vertebral column region"; ``method`` names
  formcheck, its version and the pose model's sha256; the measurement confidence (share of frames with a
  person, landmark visibility) is a component; category ``exam``, status ``final``;
- one Observation per pain rating (before, after): LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating
  [Score] - Reported", ``valueInteger``.

There is no LOINC (or SNOMED CT observable) code for thoracic rotation range of motion that we could find, so
the measurements are coded in a local code system, :data:`CODE_SYSTEM`, whose codes are formcheck's metric
names (``trunk_rotation_deg``, ``trunk_extension_deg``, ...), with the exercise as text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from formcheck import __version__
from formcheck.history.store import StoredSession
from formcheck.record import SessionRecord

#: formcheck's local code system for its measurements (codes: formcheck's metric names; see docs/history.md).
CODE_SYSTEM = "https://formcheck.invalid/fhir/CodeSystem/measurement"
#: formcheck's local code system for the methods (code ``formcheck-pose``).
METHOD_SYSTEM = "https://formcheck.invalid/fhir/CodeSystem/method"
#: Where formcheck's session ids live (Observation.identifier / Bundle entries).
SESSION_ID_SYSTEM = "https://formcheck.invalid/fhir/session-id"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
BODY_SITE = {"system": SNOMED, "code": "1141986006", "display": "Structure of thoracic vertebral column region"}
LATERALITY = {"left": {"system": SNOMED, "code": "7771000", "display": "Left"},
              "right": {"system": SNOMED, "code": "24028007", "display": "Right"}}
PAIN_CODE = {"system": LOINC, "code": "72514-3",
             "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
CATEGORY_EXAM = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                             "code": "exam", "display": "Exam"}]}
CATEGORY_SURVEY = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                               "code": "survey", "display": "Survey"}]}
METRIC_TEXT = {
    "trunk_rotation_deg": "Thoracic rotation range of motion",
    "trunk_extension_deg": "Thoracic extension range of motion",
    "spine_flexion_deg": "Spinal flexion-extension range of motion",
}


def _deg(value: float) -> dict[str, Any]:
    return {"value": round(float(value), 1), "unit": "deg", "system": UCUM, "code": "deg"}


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def rom_observation(record: SessionRecord) -> dict[str, Any] | None:
    """The session's range-of-motion Observation (None when no rep was measured)."""
    sides = {s: v for s, v in record.best_rom_deg.items() if v is not None}
    if not sides:
        return None
    text = METRIC_TEXT.get(record.metric, f"{record.metric} range of motion")
    components: list[dict[str, Any]] = []
    for side, value in sides.items():
        code = {"coding": [{"system": CODE_SYSTEM, "code": f"{record.metric}.{side}",
                            "display": f"{text}, {side}" if side in LATERALITY else text}],
                "text": f"{text} ({side})"}
        components.append({"code": code, "valueQuantity": _deg(value)})
    components.append({"code": {"coding": [{"system": CODE_SYSTEM, "code": "detection_rate",
                                            "display": "Share of frames with a person detected"}]},
                       "valueQuantity": {"value": round(record.confidence.detection_rate, 3), "unit": "1",
                                         "system": UCUM, "code": "1"}})
    if record.confidence.metric_visibility is not None:
        components.append({"code": {"coding": [{"system": CODE_SYSTEM, "code": "landmark_visibility",
                                                "display": "Mean landmark visibility of the measured metric"}]},
                           "valueQuantity": {"value": record.confidence.metric_visibility, "unit": "1",
                                             "system": UCUM, "code": "1"}})
    if record.confidence.reps_mean is not None:
        components.append({"code": {"coding": [{"system": CODE_SYSTEM, "code": "rep_confidence",
                                                "display": "Mean confidence of the reps (formcheck, 0-1)"}]},
                           "valueQuantity": {"value": record.confidence.reps_mean, "unit": "1",
                                             "system": UCUM, "code": "1"}})
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": [{"system": SESSION_ID_SYSTEM, "value": f"{record.session_id}/{record.metric}"}],
        "status": "final",
        "category": [CATEGORY_EXAM],
        "code": {"coding": [{"system": CODE_SYSTEM, "code": record.metric, "display": text}],
                 "text": f"{text} during {record.title or record.exercise}"},
        "effectiveDateTime": record.started_at,
        "valueQuantity": _deg(max(sides.values())),
        "bodySite": {"coding": [BODY_SITE]},
        "method": {"coding": [{"system": METHOD_SYSTEM, "code": "formcheck-pose",
                               "display": f"formcheck {record.formcheck_version} video pose estimation"}],
                   "text": f"formcheck {record.formcheck_version}, MediaPipe pose landmarker model sha256 "
                           f"{record.model_sha256}; best of {len(record.reps)} reps"},
        "note": [{"text": f"Exercise {record.exercise}; value = the best range of the session (the larger side's); "
                          "components per side. Measured by formcheck, not a medical device."}],
        "component": components,
    }
    if record.target.metric == record.metric:
        obs["referenceRange"] = [{"low": _deg(record.target.lo_deg), "high": _deg(record.target.hi_deg),
                                  "text": "formcheck exercise target band"}]
    return obs


def pain_observations(record: SessionRecord) -> list[dict[str, Any]]:
    """One Observation per pain rating given (before and after the session)."""
    out = []
    for when, value in (("before", record.pain.before), ("after", record.pain.after)):
        if value is None:
            continue
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "identifier": [{"system": SESSION_ID_SYSTEM, "value": f"{record.session_id}/pain-{when}"}],
            "status": "final",
            "category": [CATEGORY_SURVEY],
            "code": {"coding": [PAIN_CODE], "text": f"Pain {when} {record.title or record.exercise} (0-10)"},
            "effectiveDateTime": record.started_at,
            "valueInteger": value,
        }
        if when == "after" and record.pain.warning:
            obs["note"] = [{"text": record.pain.warning}]
        out.append(obs)
    return out


def bundle(sessions: Sequence[StoredSession]) -> dict[str, Any]:
    """A FHIR R4 ``Bundle`` (``collection``) of every session's Observations, as JSON-ready dicts."""
    entries = []
    for s in sessions:
        resources = [rom_observation(s.record), *pain_observations(s.record)]
        entries += [{"fullUrl": _urn(), "resource": r} for r in resources if r is not None]
    return {
        "resourceType": "Bundle",
        "identifier": {"system": SESSION_ID_SYSTEM, "value": str(uuid.uuid4())},
        "type": "collection",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "meta": {"tag": [{"system": METHOD_SYSTEM, "code": "formcheck", "display": f"formcheck {__version__}"}]},
        "entry": entries,
    }
