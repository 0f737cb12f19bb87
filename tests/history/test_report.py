"""formcheck report: one self-contained HTML file, checked as a browser shows it (headless Chromium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from formcheck import NOT_MEDICAL_DEVICE
from formcheck.history.report import render_report
from formcheck.history.store import HistoryStore

MEASURE = """
<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const out = {
    viewport_w: window.innerWidth,
    page_w: document.documentElement.scrollWidth,
    page_h: document.documentElement.scrollHeight,
    images: imgs.length,
    loaded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    widest_right: Math.max(...imgs.map(i => i.getBoundingClientRect().right)),
  };
  const pre = document.createElement("pre");
  pre.id = "measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


@pytest.fixture(scope="module")
def report_html(history_db: Path) -> str:
    with HistoryStore(history_db) as store:
        return render_report(store.sessions())


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    pytest.skip("Chromium is not installed (Debian package 'chromium'; .ci/run installs it): the report test needs it")


def _run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--no-first-run", "--disable-extensions", "--virtual-time-budget=5000", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_report_is_one_self_contained_file(report_html: str) -> None:
    assert NOT_MEDICAL_DEVICE in report_html.replace("&#x27;", "'")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", report_html), "nothing may be fetched"
    assert "<link" not in report_html and "<script" not in report_html
    images = re.findall(r'<img class="plot" alt="([^"]+)" src="data:image/png;base64,', report_html)
    # six exercises: ROM, reps and pain each; asymmetry for the two sided rotations
    assert len(images) == 6 * 3 + 2
    for title in ("Seated thoracic rotation", "Standing thoracic rotation", "Thoracic extension", "Cat-cow",
                  "Glute bridge", "Plank", "Days exercised", "Pain rose by 2 points or more"):
        assert title in report_html
    assert report_html.count('class="done"') == 12  # twelve days with a session in the calendar


def test_report_command_filters_and_never_overwrites(history_db: Path, tmp_path: Path) -> None:
    from cli_helpers import run_formcheck

    out = tmp_path / "r.html"
    r = run_formcheck("report", "--history", str(history_db), "--exercise", "seated-thoracic-rotation",
                      "--since", "2026-03-04", "--out", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "3 sessions of 1 exercise" in text and "Plank" not in text
    again = run_formcheck("report", "--history", str(history_db), "--out", str(out))
    assert again.returncode == 5 and "--force" in again.stderr and out.read_text() == text
    none = run_formcheck("report", "--history", str(history_db), "--exercise", "plank", "--since", "2027-01-01",
                         "--out", str(tmp_path / "n.html"))
    assert none.returncode == 7 and "no sessions" in none.stderr


@pytest.mark.parametrize("width", [1280, 500])
def test_the_report_in_headless_chromium_shows_every_plot_and_nothing_overflows(report_html: str, width: int,
                                                                              tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(report_html)
    probe = tmp_path / "probe.html"
    probe.write_text(report_html.replace("</body>", MEASURE + "</body>"))
    dom = _run_chromium(f"--window-size={width},900", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="measure">(.*?)</pre>', dom.stdout)
    assert found, dom.stderr[-2000:]
    m = json.loads(found.group(1))
    assert m["images"] == m["loaded"] == 20, m  # every plot decoded
    assert m["page_w"] == m["viewport_w"] == width, m  # no horizontal overflow
    assert m["widest_right"] <= width, m
    shot = tmp_path / f"report-{width}.png"
    r = _run_chromium(f"--window-size={width},{min(m['page_h'], 16000)}", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), r.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as im:
        rgb = im.convert("RGB")
        colours = {c for _, c in rgb.getcolors(maxcolors=1 << 24)}
    # (Chromium's headless window is at least 500 px wide) the plots' left (blue) and right (red) lines and the target band's green are on the page
    for colour in ((31, 119, 180), (214, 39, 40), (44, 160, 44)):
        assert colour in colours, colour
    print(f"screenshot: {shot}")
