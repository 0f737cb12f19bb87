"""Real-clip benchmark: formcheck's counts on real recordings of real people against hand counts.

Runs formcheck's own measuring-and-counting path (:func:`formcheck.passes.measure_and_count`, exactly what
``formcheck analyze --exercise`` runs after its landmark pass) on every clip of a folder of real clips with a
``truth.json`` (default ``../shared/real_clips``, see its MANIFEST.md), and prints per clip the reps counted
against the hand count (full / partial, per side), the longest hold in the target band against the hand-timed
hold, and a summary: clips exact, within the tolerance, mean |counted - truth| / truth, holds within their
tolerance, negative controls with no full rep.

The clips are third-party footage: they are never committed. MediaPipe's landmarks are cached per clip in
``benchmarks/real_landmarks/<clip>.npz`` (numbers only, no pictures), made by ``formcheck analyze``'s own
landmark pass and stored with the video's sha256 and that pass's identity (:mod:`landmark_cache`; a stale cache
is made again), so a re-run takes seconds and the regression gate (``tests/test_real_clips_gate.py``) can recompute every figure without
the videos.

    .venv/bin/python benchmarks/real_clips.py [--clips DIR] [--refresh] [--write] [CLIP ...]

``--write`` stores the table in ``docs/real_clips.md`` and the figures in ``docs/real_clips.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import landmark_cache  # noqa: E402

from formcheck.exercises import load_catalogue  # noqa: E402
from formcheck.passes import measure_and_count  # noqa: E402
from formcheck.series import PoseSeries  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CLIPS = ROOT.parent / "shared" / "real_clips"
CACHE = ROOT / "benchmarks" / "real_landmarks"
DOCS = ROOT / "docs"
SCORED = ("reps", "hold", "negative")


def load_truth(clips_dir: Path) -> list[dict[str, Any]]:
    return json.loads((clips_dir / "truth.json").read_text())["clips"]


def truth_from_cache() -> list[dict[str, Any]]:
    """The hand counts stored beside the cache (so the gate runs without the clips folder)."""
    return json.loads((CACHE / "truth.json").read_text())["clips"]


def evaluate(entry: dict[str, Any], series: PoseSeries) -> dict[str, Any]:
    """Counts one clip with formcheck's path and compares them with the hand count."""
    name = entry.get("exercise")
    exercise = load_catalogue().get(name or "")
    out: dict[str, Any] = {"clip": Path(entry["clip"]).stem, "exercise": name, "kind": entry["kind"],
                           "frames": len(series)}
    detected = [bool(math.isfinite(float(series.arrays()["xy_px"][i, 0, 0]))) for i in range(len(series))]
    out["detection_rate"] = round(sum(detected) / len(detected), 3) if detected else 0.0
    if exercise is None:
        out["note"] = "no catalogue exercise: not scored"
        return out
    result = measure_and_count(series, exercise)
    summary = result.session_summary
    reps = summary["reps"]
    out["full"] = {k: v["full"] for k, v in reps.items()}
    out["partial"] = {k: v["partial"] for k, v in reps.items()}
    out["counted"] = sum(v["full"] + v["partial"] for v in reps.values())
    out["counted_full"] = sum(v["full"] for v in reps.values())
    holds = summary.get("holds") or {}
    held = holds.get("held_s") or []
    out["longest_hold_s"] = round(max(held), 2) if held else 0.0
    out["neutral"] = result.neutral_note
    kind = entry["kind"]
    if kind == "reps":
        truth = int(entry["reps"])
        out["truth"] = truth
        out["error"] = out["counted"] - truth
        out["exact"] = out["error"] == 0
        out["within_tol"] = abs(out["error"]) <= int(entry.get("tol", 1))
    elif kind == "hold":
        out["truth_hold_s"] = float(entry["hold_s"])
        out["hold_error_s"] = round(out["longest_hold_s"] - float(entry["hold_s"]), 2)
        out["within_tol"] = abs(out["hold_error_s"]) <= float(entry.get("hold_tol_s", 1.0))
    elif kind == "negative":
        out["within_tol"] = out["counted_full"] == 0
    else:
        out["truth_reps"] = entry.get("reps")
    return out


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    reps = [r for r in results if r["kind"] == "reps" and "truth" in r]
    holds = [r for r in results if r["kind"] == "hold" and "truth_hold_s" in r]
    negs = [r for r in results if r["kind"] == "negative" and "within_tol" in r]
    rel = [abs(r["error"]) / r["truth"] for r in reps if r["truth"]]
    return {
        "rep_clips": len(reps),
        "rep_exact": sum(r["exact"] for r in reps),
        "rep_within_tol": sum(r["within_tol"] for r in reps),
        "rep_zero": sum(r["counted"] == 0 for r in reps),
        "mean_rel_error": round(sum(rel) / len(rel), 3) if rel else None,
        "hold_clips": len(holds),
        "holds_within_tol": sum(r["within_tol"] for r in holds),
        "negative_clips": len(negs),
        "negatives_clean": sum(r["within_tol"] for r in negs),
    }


def _side_counts(d: dict[str, int]) -> str:
    return " ".join(f"{'' if k == 'all' else k[0].upper()}{v}" for k, v in d.items())


def table(results: list[dict[str, Any]]) -> str:
    lines = ["| clip | exercise | kind | detected | full | partial | counted | truth | result | neutral |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "full" not in r:
            lines.append(f"| {r['clip']} | {r['exercise'] or '–'} | {r['kind']} | {100 * r['detection_rate']:.0f}% "
                         f"| | | | | {r.get('note', '')} | |")
            continue
        if r["kind"] == "reps":
            truth, res = str(r["truth"]), ("exact" if r["exact"] else f"{r['error']:+d}")
            counted = str(r["counted"])
        elif r["kind"] == "hold":
            truth, counted = f"hold {r['truth_hold_s']:.1f} s", f"hold {r['longest_hold_s']:.1f} s"
            res = f"{r['hold_error_s']:+.1f} s"
        elif r["kind"] == "negative":
            truth, counted = "no full rep", f"{r['counted_full']} full"
            res = "clean" if r["within_tol"] else "FULL REP COUNTED"
        else:
            truth = str(r.get("truth_reps") or "–")
            counted = f"{r['counted']} ({r['counted_full']} full), hold {r['longest_hold_s']:.1f} s"
            res = "not scored"
        ok = "" if r.get("within_tol", True) else " ✗"
        lines.append(f"| {r['clip']} | {r['exercise']} | {r['kind']} | {100 * r['detection_rate']:.0f}% | "
                     f"{_side_counts(r['full'])} | {_side_counts(r['partial'])} | {counted} | {truth} | {res}{ok} | "
                     f"{r.get('neutral') or ''} |")
    return "\n".join(lines)


def summary_lines(s: dict[str, Any]) -> str:
    return (f"rep clips: {s['rep_exact']}/{s['rep_clips']} exact, {s['rep_within_tol']}/{s['rep_clips']} within tolerance, "
            f"{s['rep_zero']} counted zero, mean |counted - truth| / truth {s['mean_rel_error']}\n"
            f"holds: {s['holds_within_tol']}/{s['hold_clips']} within tolerance; "
            f"negative controls: {s['negatives_clean']}/{s['negative_clips']} with no full rep")


def write_docs(results: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    DOCS.mkdir(exist_ok=True)
    (DOCS / "real_clips.json").write_text(json.dumps({"summary": summary, "clips": results}, indent=1) + "\n")
    doc = [
        "# Counting real people",
        "",
        "Made by `.venv/bin/python benchmarks/real_clips.py --write`: formcheck's own measuring-and-counting path",
        "(`formcheck.passes.measure_and_count`, what `formcheck analyze --exercise` runs) on real recordings of",
        "real people from public repositories (phone and studio footage, 202x360 to 1920x1080, portrait and",
        "pillarboxed, 24-60 fps), against hand counts. The clips are third-party footage and are not part of",
        "formcheck; their MediaPipe landmarks are cached in `benchmarks/real_landmarks/` (numbers only), made by",
        "`formcheck analyze`'s own landmark pass (chunked as on a 2-CPU machine) and stored with that pass's identity.",
        "`tests/test_real_clips_gate.py` fails when a clip that matches here stops matching, or when the cache was",
        "made by another landmark pass than today's (then run `benchmarks/real_clips.py --refresh --write`).",
        "",
        "A rep is counted (full or partial) when the exercise's metric leaves the person's rest by the exercise's",
        "`rep.enter` threshold and comes back; it is full when it reached the target band and held it for the",
        "prescribed time. The hand count counts every complete cycle, so `counted` is full + partial. A hold is",
        "the longest time in the target band. Negative controls are clips analysed with an exercise the person",
        "is not doing: no full rep may be counted. `other` clips have no catalogue exercise (reported only).",
        "",
        "```",
        summary_lines(summary),
        "```",
        "",
        table(results),
        "",
    ]
    (DOCS / "real_clips.md").write_text("\n".join(doc))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clips", nargs="*", help="clip names (default: every clip in truth.json)")
    parser.add_argument("--clips", dest="clips_dir", type=Path, default=DEFAULT_CLIPS,
                        help=f"folder of real clips with truth.json (default {DEFAULT_CLIPS})")
    parser.add_argument("--refresh", action="store_true", help="run MediaPipe again for every clip")
    parser.add_argument("--write", action="store_true", help="write docs/real_clips.md and docs/real_clips.json")
    args = parser.parse_args(argv)
    have_clips = (args.clips_dir / "truth.json").is_file()
    entries = load_truth(args.clips_dir) if have_clips else truth_from_cache()
    if not have_clips:
        print(f"{args.clips_dir} has no truth.json: using the cached landmarks and hand counts", file=sys.stderr)
    results = []
    for entry in entries:
        stem = Path(entry["clip"]).stem
        if args.clips and stem not in args.clips:
            continue
        video = args.clips_dir / entry["clip"]
        if have_clips and video.is_file():
            series = landmark_cache.ensure(video, CACHE, refresh=args.refresh,
                                           log=lambda s: print(s, file=sys.stderr))
        else:
            reason = landmark_cache.stale_reason(CACHE / f"{stem}.npz")
            if reason is not None:
                print(f"warning: {reason}: run benchmarks/real_clips.py --refresh where the clips are", file=sys.stderr)
            series, _ = PoseSeries.load_npz(CACHE / f"{stem}.npz")
        results.append(evaluate(entry, series))
    if have_clips:
        CACHE.mkdir(parents=True, exist_ok=True)
        keep = ("clip", "exercise", "kind", "reps", "tol", "hold_s", "hold_tol_s", "view", "rep_times_s", "holds_s")
        (CACHE / "truth.json").write_text(json.dumps(
            {"about": "Hand counts of the real clips (see ../../docs/real_clips.md); the videos are not here.",
             "clips": [{k: e[k] for k in keep if k in e} for e in load_truth(args.clips_dir)]}, indent=1) + "\n")
    summary = summarise(results)
    print(table(results))
    print()
    print(summary_lines(summary))
    if args.write:
        write_docs(results, summary)
        print(f"\nwrote {DOCS / 'real_clips.md'} and {DOCS / 'real_clips.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
