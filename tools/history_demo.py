"""A history of sessions made from the sample videos, end to end, and what formcheck makes of it.

Runs ``formcheck analyze VIDEO --exercise NAME`` (the real model) on the sample clips of six exercises, some twice
(another ``--calibrate``: another analysis), adds each to a fresh history dated one every other day (the
sample files all have the same modification time, so the analyses' own start times would fall on one day),
with pain ratings, and adds one headless ``formcheck live`` session on a sample clip. Then prints the
``formcheck history`` table, writes ``formcheck report`` and the FHIR export, validates the bundle with
``fhir.resources`` (the test extra) when installed, and screenshots the report in headless Chromium when
installed.

    .venv/bin/python tools/history_demo.py --out formcheck-out/history-demo

Takes a few minutes on 2 cores (the model runs over every frame of twelve clips).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_videos"
#: (clip, --calibrate seconds or None, pain before, pain after); the fourth session's pain rises by 3.
ANALYSES = [
    ("seated_rotation_front", None, 3, 2), ("seated_rotation_oblique30", None, 2, 2),
    ("seated_rotation_front", 2.0, 4, 3), ("seated_rotation_oblique30", 2.0, 2, 5),
    ("standing_rotation_front", None, None, None), ("standing_rotation_partly_out_of_frame", None, 2, 1),
    ("thoracic_extension_side", None, 1, 1), ("thoracic_extension_side_facing_left", None, 3, 2),
    ("cat_cow_side", None, 2, 2), ("glute_bridge_side", None, 1, 0), ("plank_side", None, 2, 2),
]
LIVE_CLIP = "seated_rotation_front"
FIRST_DAY = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def formcheck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "formcheck", *args], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"formcheck {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def exercise_of(clip: str) -> str:
    return json.loads((SAMPLES / f"{clip}.truth.json").read_text())["exercise"]


def build(out: Path, db: Path) -> None:
    from formcheck.history.store import HistoryStore
    from formcheck.record import Pain, SessionRecord

    with HistoryStore(db) as store:
        for k, (clip, calibrate_s, before, after) in enumerate(ANALYSES):
            folder = out / "runs" / (f"{k:02d}-{clip}" + ("" if calibrate_s is None else f"-c{calibrate_s:g}"))
            extra = [] if calibrate_s is None else ["--calibrate", str(calibrate_s)]
            formcheck("analyze", str(SAMPLES / f"{clip}.mp4"), "--exercise", exercise_of(clip), "--no-video", "-q",
                      "--no-history", "--force", "--out", str(folder), *extra)
            when = FIRST_DAY + timedelta(days=2 * k, minutes=7 * k)
            record = SessionRecord.from_result_dir(folder, started_at=when, pain=Pain(before, after))
            print(f"#{store.add(record).id} {record.exercise} {when:%Y-%m-%d} ({clip})", file=sys.stderr)
    live = out / "runs" / f"live-{LIVE_CLIP}"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    formcheck("live", "--exercise", exercise_of(LIVE_CLIP), "--source", str(SAMPLES / f"{LIVE_CLIP}.mp4"),
              "--headless", "--force", "--out", str(live), "--history", str(db), "--pain-before", "2",
              "--pain-after", "2", env=env)


def report(out: Path, db: Path) -> None:
    print(formcheck("history", "--history", str(db)).stdout)
    html, bundle = out / "report.html", out / "sessions.fhir.json"
    formcheck("report", "--history", str(db), "--out", str(html), "--force")
    formcheck("history", "export", "--format", "fhir", "--history", str(db), "--out", str(bundle), "--force")
    print(f"report: {html}\nFHIR bundle: {bundle}")
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        print("fhir.resources is not installed (pip install -e '.[test]'): the bundle is not validated")
    else:
        parsed = Bundle.model_validate(json.loads(bundle.read_text()))
        print(f"FHIR bundle validates (R4B models): {len(parsed.entry)} Observations")
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                    None)
    if chromium is not None:
        shot = out / "report.png"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--window-size=1100,2400", "--virtual-time-budget=5000", f"--screenshot={shot}",
                        html.as_uri()], capture_output=True, timeout=120)
        print(f"report screenshot: {shot}" if shot.is_file() else "chromium made no screenshot")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("formcheck-out/history-demo"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    db = args.out / "history.sqlite3"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)  # a fresh history each run (this script's own file)
    build(args.out, db)
    report(args.out, db)


if __name__ == "__main__":
    main()
