"""``formcheck report``: one self-contained HTML file of the history, for the person and their physiotherapist.

Everything is inside the file: plots are PNG images drawn with matplotlib (Agg backend, no window) and embedded
as base64 ``data:`` URIs; the styles are inline; nothing is fetched from the network. Per exercise: best range
of motion per session and side against the target band, the left/right asymmetry trend, reps and holds against
the prescription, pain before and after, and the measurements' confidence; for all sessions: a calendar of the
days exercised. The not-a-medical-device notice opens and closes the report.
"""

from __future__ import annotations

import base64
import html
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from formcheck import NOT_MEDICAL_DEVICE, __version__
from formcheck.history.store import StoredSession
from formcheck.record import SessionRecord

SIDE_COLOURS = {"left": "#1f77b4", "right": "#d62728", "all": "#2ca02c"}
FIG_W_IN, FIG_H_IN, DPI = 7.5, 2.8, 110

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; padding: 0 16px;
       color: #222; line-height: 1.4; }
main { max-width: 900px; margin: 0 auto; }
h1 { font-size: 1.6em; margin: 0.8em 0 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.6em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
img { display: block; max-width: 100%; height: auto; }
.notice { background: #fff4e5; border-left: 4px solid #f0a030; padding: 8px 12px; margin: 12px 0; }
.warn { color: #a00000; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; text-align: left; vertical-align: top; }
td { white-space: nowrap; }
table.cal td { width: 1.6em; height: 1.6em; padding: 0; text-align: center; font-size: 0.75em;
               border: 2px solid #fff; }
table.cal td.done { background: #2ca02c; color: #fff; }
table.cal td.rest { background: #eee; color: #999; }
.muted { color: #666; font-size: 0.9em; }
"""


def render_report(sessions: Sequence[StoredSession], *, now: datetime | None = None) -> str:
    """The report of ``sessions`` (oldest first) as one HTML document."""
    import matplotlib

    matplotlib.use("Agg")  # no window, whatever the environment says
    now = now or datetime.now().astimezone()
    by_exercise: dict[str, list[SessionRecord]] = defaultdict(list)
    for s in sessions:
        by_exercise[s.record.exercise].append(s.record)
    records = [s.record for s in sessions]
    first, last = min(r.started for r in records), max(r.started for r in records)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>formcheck progress report</title>", f"<style>{CSS}</style></head><body><main>",
        "<h1>formcheck progress report</h1>",
        f'<p class="muted">{len(records)} sessions of {len(by_exercise)} exercise'
        f"{'s' if len(by_exercise) != 1 else ''}, {first:%d %b %Y} to {last:%d %b %Y}; made {now:%d %b %Y %H:%M} "
        f"by formcheck {html.escape(__version__)}.</p>",
        f'<p class="notice">{html.escape(NOT_MEDICAL_DEVICE)}</p>',
        _pain_warnings(records),
        "<h2>Days exercised</h2>", _calendar(records),
    ]
    for name, recs in sorted(by_exercise.items()):
        parts.append(_exercise_section(name, recs))
    parts += [f'<p class="notice">{html.escape(NOT_MEDICAL_DEVICE)}</p>', "</main></body></html>"]
    return "\n".join(p for p in parts if p) + "\n"


# ------------------------------------------------------------------------------------------------ parts
def _pain_warnings(records: Sequence[SessionRecord]) -> str:
    warned = [r for r in records if r.pain.warning]
    if not warned:
        return ""
    items = "".join(f"<li>{r.started:%d %b %Y}: {html.escape(r.title or r.exercise)}, pain {r.pain.before} "
                    f"&rarr; {r.pain.after}</li>" for r in warned)
    return (f'<div class="notice warn"><strong>Pain rose by 2 points or more</strong><ul>{items}</ul>'
            f"{html.escape(warned[-1].pain.warning or '')}</div>")


def _calendar(records: Sequence[SessionRecord]) -> str:
    """Weeks (Monday first) from the first session's to the last's; a green day had at least one session."""
    per_day: dict[date, int] = defaultdict(int)
    for r in records:
        per_day[r.started.astimezone().date()] += 1
    start = min(per_day) - timedelta(days=min(per_day).weekday())
    end = max(per_day)
    rows = ["<tr><th></th>" + "".join(f"<th>{d}</th>" for d in "MTWTFSS") + "</tr>"]
    day = start
    while day <= end:
        cells = []
        for k in range(7):
            d = day + timedelta(days=k)
            n = per_day.get(d, 0)
            title = f"{d:%a %d %b %Y}: {n} session{'s' if n != 1 else ''}"
            cells.append(f'<td class="{"done" if n else "rest"}" title="{title}">{n if n > 1 else d.day}</td>')
        rows.append(f"<tr><th>{day:%d %b}</th>{''.join(cells)}</tr>")
        day += timedelta(days=7)
    days = len(per_day)
    weeks = max(1, ((end - start).days // 7) + 1)
    return (f'<div class="scroll"><table class="cal">{"".join(rows)}</table></div>'
            f'<p class="muted">{days} day{"s" if days != 1 else ""} with a session in {weeks} week'
            f'{"s" if weeks != 1 else ""} ({days / weeks:.1f} a week).</p>')


def _exercise_section(name: str, recs: Sequence[SessionRecord]) -> str:
    last = recs[-1]
    p = last.prescription
    presc = f"{p.count} {p.kind}" + (f" of {p.hold_s:g} s" if p.hold_s else "") + (" per side" if p.per_side else "")
    out = [f"<h2>{html.escape(last.title or name)}</h2>",
           f'<p class="muted">{len(recs)} session{"s" if len(recs) != 1 else ""}; target {html.escape(last.target.metric)} '
           f"{last.target.lo_deg:g} to {last.target.hi_deg:g} deg; prescribed {html.escape(presc)} x {p.sets} "
           "set(s).</p>",
           "<h3>Range of motion per session against the target</h3>",
           "" if _band_on_rom(last) else f'<p class="muted">The target is on {html.escape(last.target.metric)}, '
           f"not on the range of motion shown ({html.escape(last.metric)}), so it is not drawn.</p>",
           _img(_rom_plot(recs), f"{name}: best range of motion")]
    if any(r.asymmetry_deg is not None for r in recs):
        out += ["<h3>Left vs right: asymmetry</h3>", _img(_asymmetry_plot(recs), f"{name}: asymmetry")]
    out += ["<h3>Reps and holds against the prescription</h3>", _img(_reps_plot(recs), f"{name}: reps")]
    if any(r.pain.before is not None or r.pain.after is not None for r in recs):
        out += ["<h3>Pain before and after</h3>", _img(_pain_plot(recs), f"{name}: pain")]
    out += ["<h3>Sessions and the confidence of the measurements</h3>", _table(recs)]
    return "\n".join(out)


def _rep_confidence(r: SessionRecord) -> str:
    """The reps' mean confidence (docs/confidence.md), and how many were not measured well enough to trust."""
    c = r.confidence
    if c.reps_mean is None:
        return "-"
    return f"{c.reps_mean:.2f}" + (f" ({c.reps_untrusted} untrusted)" if c.reps_untrusted else "")


def _table(recs: Sequence[SessionRecord]) -> str:
    head = ["date", "reps (full/prescribed)", "best ROM deg", "asym deg", "longest hold s", "pain",
            "person seen", "landmark visibility", "rep confidence"]
    rows = []
    for r in recs:
        reps = ", ".join(f"{c.side} {c.full}/{c.prescribed}" + (f" +{c.partial} partial" if c.partial else "")
                         for c in r.counts)
        rom = ", ".join(f"{s} {v:.0f}" for s, v in r.best_rom_deg.items() if v is not None) or "-"
        pain = "-" if r.pain.before is None and r.pain.after is None else (
            f"{_dash(r.pain.before)} &rarr; {_dash(r.pain.after)}" + (' <span class="warn">(rose)</span>'
                                                                      if r.pain.warning else ""))
        vis = r.confidence.metric_visibility
        cells = [f"{r.started:%Y-%m-%d %H:%M}", reps, rom,
                 "-" if r.asymmetry_deg is None else f"{r.asymmetry_deg:+.1f}",
                 f"{r.holds.best_s:.1f} of {r.holds.prescribed_s:g}" if r.holds else "-", pain,
                 f"{r.confidence.detection_rate:.0%}", "-" if vis is None else f"{vis:.2f}", _rep_confidence(r)]
        rows.append("<tr>" + "".join(f"<td>{c if '&' in c or '<span' in c else html.escape(c)}</td>" for c in cells)
                    + "</tr>")
    header = "<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
    return f'<div class="scroll"><table>{header}{"".join(rows)}</table></div>'


def _dash(v: int | None) -> str:
    return "-" if v is None else str(v)


# ------------------------------------------------------------------------------------------------ plots
def _figure():  # noqa: ANN202
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(FIG_W_IN, FIG_H_IN), dpi=DPI)
    ax.grid(True, alpha=0.3)
    return fig, ax


def _x(recs: Sequence[SessionRecord]) -> list[datetime]:
    return [r.started.astimezone().replace(tzinfo=None) for r in recs]


def _date_axis(fig, ax, recs: Sequence[SessionRecord]) -> None:  # noqa: ANN001
    """Dates on x, a day of margin either side (one session still gets an axis)."""
    import matplotlib.dates as mdates

    x = _x(recs)
    ax.set_xlim(min(x) - timedelta(days=1), max(x) + timedelta(days=1))
    days = sorted({t.replace(hour=0, minute=0, second=0, microsecond=0) for t in x})
    if len(days) <= 10:  # a tick on each day with a session
        ax.set_xticks(days)
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))


def _rom_plot(recs: Sequence[SessionRecord]):  # noqa: ANN202
    fig, ax = _figure()
    lo, hi = recs[-1].target.lo_deg, recs[-1].target.hi_deg
    if _band_on_rom(recs[-1]):
        ax.axhspan(lo, hi, color="#2ca02c", alpha=0.15, label=f"target {lo:g}-{hi:g} deg")
    else:
        hi = 0.0
    x = _x(recs)
    for side in _sides(recs):
        ys = [r.best_rom_deg.get(side) for r in recs]
        pts = [(t, y) for t, y in zip(x, ys) if y is not None]
        if pts:
            ax.plot(*zip(*pts), marker="o", color=SIDE_COLOURS.get(side, "#555"), label=f"{side} best")
    ax.set_ylabel("range of motion (deg)")
    top = max([hi] + [v for r in recs for v in r.best_rom_deg.values() if v is not None])
    ax.set_ylim(0, top * 1.15)
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    _date_axis(fig, ax, recs)
    return fig


def _asymmetry_plot(recs: Sequence[SessionRecord]):  # noqa: ANN202
    fig, ax = _figure()
    pts = [(t, r.asymmetry_deg) for t, r in zip(_x(recs), recs) if r.asymmetry_deg is not None]
    ax.axhline(0, color="#444", lw=1)
    ax.plot(*zip(*pts), marker="o", color="#9467bd", label="best left - best right")
    lim = max(10.0, max(abs(v) for _, v in pts) * 1.3)
    ax.set_ylim(-lim, lim)
    ax.set_ylabel("asymmetry (deg)")
    ax.text(0.01, 0.97, "left further", transform=ax.transAxes, va="top", fontsize=8, color="#555")
    ax.text(0.01, 0.03, "right further", transform=ax.transAxes, va="bottom", fontsize=8, color="#555")
    ax.legend(loc="upper right", fontsize=8)
    _date_axis(fig, ax, recs)
    return fig


def _reps_plot(recs: Sequence[SessionRecord]):  # noqa: ANN202
    import numpy as np

    fig, ax = _figure()
    sides = _sides(recs)
    width = 0.8 / max(1, len(sides))
    idx = np.arange(len(recs))
    for k, side in enumerate(sides):
        counts = [r.count(side) for r in recs]
        full = [c.full if c else 0 for c in counts]
        partial = [c.partial if c else 0 for c in counts]
        pos = idx - 0.4 + width * (k + 0.5)
        colour = SIDE_COLOURS.get(side, "#555")
        ax.bar(pos, full, width, color=colour, label=f"{side} full")
        ax.bar(pos, partial, width, bottom=full, color=colour, alpha=0.35, label=f"{side} partial")
    prescribed = [max((c.prescribed for c in r.counts), default=0) for r in recs]
    ax.step(np.r_[idx - 0.5, idx[-1] + 0.5], [*prescribed, prescribed[-1]], where="post", color="#000",
            lw=1.2, ls="--", label="prescribed")
    ax.set_xticks(idx, [f"{r.started:%d %b}" for r in recs], fontsize=8)
    ax.set_ylabel(recs[-1].prescription.kind or "reps")
    ax.set_ylim(0, max(prescribed + [c.full + c.partial for r in recs for c in r.counts]) + 1.5)
    ax.legend(loc="upper left", fontsize=7, ncol=len(sides) * 2 + 1)
    return fig


def _pain_plot(recs: Sequence[SessionRecord]):  # noqa: ANN202
    fig, ax = _figure()
    x = _x(recs)
    for attr, colour, label in (("before", "#7f7f7f", "before"), ("after", "#ff7f0e", "after")):
        pts = [(t, getattr(r.pain, attr)) for t, r in zip(x, recs) if getattr(r.pain, attr) is not None]
        if pts:
            ax.plot(*zip(*pts), marker="o", ls="-" if attr == "after" else ":", color=colour, label=label,
                    markersize=9 if attr == "before" else 5, fillstyle="none" if attr == "before" else "full")
    warned = [(t, r.pain.after) for t, r in zip(x, recs) if r.pain.warning]
    if warned:
        ax.scatter(*zip(*warned), s=160, facecolors="none", edgecolors="#a00000", lw=2, label="rose by 2+", zorder=3)
    ax.set_ylim(-0.5, 10.5)
    ax.set_ylabel("pain (0-10)")
    ax.legend(loc="upper right", fontsize=8, ncol=3)
    _date_axis(fig, ax, recs)
    return fig


def _band_on_rom(r: SessionRecord) -> bool:
    """The target band is on the metric the range of motion is measured on (else it is not drawn on it)."""
    return r.target.metric == r.metric


def _sides(recs: Sequence[SessionRecord]) -> list[str]:
    seen: list[str] = []
    for r in recs:
        seen += [s for s in r.sides if s not in seen]
    return seen


def _img(fig, alt: str) -> str:  # noqa: ANN001
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
