"""The browser explorer in a real headless browser: the served page reacts to a slider (figures and numbers
change), the lessons load, burst at 20 mA x 1000 µs shows the safety warning, and every exported lesson
opens from disk (file://) with no console errors and reacts to a control.

Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) through Playwright, as in
tests/test_report_browser.py. The exported pages here use a small grid (first and last value of each
axis of the lesson's grid) to keep the file's runtime modest. The served page's latency (control change
to updated numbers, measured in the page) is written to ``results/explore-browser-latency.json`` for
the benchmark report (``python -m benchmarks --only explore``); it is not asserted here (not a timed test).

Run as a script (``python tests/test_explore_browser.py docs/gallery``) to export every full lesson and
screenshot it into ``docs/gallery/lesson_<name>.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SCS_SIM_CHROMIUM", "/usr/bin/chromium")
if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
    pytest.skip(
        f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

from scs_sim.app.explore_lessons import LESSONS  # noqa: E402
from scs_sim.app.explore_model import ViewEngine  # noqa: E402
from scs_sim.app.explore_web import ExploreServer, export  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LATENCY_FILE = ROOT / "results" / "explore-browser-latency.json"

#: What the panels and numbers look like (compared before and after a control change).
_SNAPSHOT_JS = """() => ({
  pulse: document.getElementById('v-pulse').innerHTML,
  cross: document.getElementById('v-cross').innerHTML,
  raster: document.getElementById('v-raster').innerHTML,
  gate: document.getElementById('v-gate').innerHTML,
  wdr: document.getElementById('v-wdr').innerHTML,
  lit: document.querySelectorAll('#v-cross circle[fill="#ffb000"], #v-cross rect[fill="#ff8c00"]').length,
  relief: (document.getElementById('n-relief') || {}).textContent,
  charge: (document.getElementById('n-charge') || {}).textContent,
  safety: (document.getElementById('safety') || {}).className,
  safetyText: (document.getElementById('safety') || {}).textContent,
  title: document.getElementById('lesson-title').textContent,
  updates: window.scsUpdates,
  latencies: window.scsLatencies,
  overflowX: document.documentElement.scrollWidth > window.innerWidth,
})"""


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def engine():
    return ViewEngine()


@pytest.fixture(scope="module")
def server(engine):
    srv = ExploreServer(engine=engine)
    srv.warm()
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.goto(url)
    page.wait_for_function("window.scsUpdates >= 1", timeout=60_000)
    return page, errors


def _set_slider(page, name: str, index: int) -> dict:
    n0 = page.evaluate("window.scsUpdates")
    page.locator(f"#s-{name} input").fill(str(index))
    page.wait_for_function(f"window.scsUpdates > {n0}", timeout=60_000)
    return page.evaluate(_SNAPSHOT_JS)


def _values(page, name: str) -> list[float]:
    return page.evaluate(f"document.getElementById('s-{name}')._vals")


def test_served_slider_changes_figures_and_numbers(browser, server):
    page, errors = _open(browser, server.url)
    try:
        before = page.evaluate(_SNAPSHOT_JS)
        assert before["relief"].startswith("≈") and before["safety"] == "safety ok"
        amps = _values(page, "amplitude_ma")
        after = _set_slider(page, "amplitude_ma", amps.index(14))
        for panel in ("pulse", "cross", "raster", "gate", "wdr"):
            assert after[panel] != before[panel], panel
        assert after["lit"] > before["lit"]
        assert after["charge"] != before["charge"] and after["charge"].endswith("µC")
        assert "14 mA" in page.locator("#s-amplitude_ma output").text_content()
        # human units: 10 kHz, not 1e+04 Hz
        page.locator("#c-kind").select_option("high_frequency")
        page.wait_for_function(f"window.scsUpdates > {after['updates']}")
        assert page.locator("#s-frequency_hz output").text_content() == "10 kHz"
        # a number in exponent notation (1e+04, 2.5e-05); mechanism-set names such as "gate+slow" are text
        assert not re.search(r"\d[eE][+-]\d", page.locator("body").inner_text())
        # a series of slider moves for the latency record
        lat = []
        page.locator("#c-kind").select_option("tonic")
        page.wait_for_function(f"window.scsUpdates > {after['updates'] + 1}")
        for a in (3, 5, 7, 9, 12, 16):
            snap = _set_slider(page, "amplitude_ma", amps.index(a))
            lat.append(snap["latencies"][-1])
        assert not errors, errors
        assert not after["overflowX"]
        LATENCY_FILE.parent.mkdir(parents=True, exist_ok=True)
        LATENCY_FILE.write_text(json.dumps({
            "what": "served explorer, default patient: control change (slider input event) to updated numbers "
                    "and figures, measured in headless Chromium with performance.now(); first view of each state "
                    "(not cached)",
            "latencies_ms": [round(x, 1) for x in lat], "median_ms": round(sorted(lat)[len(lat) // 2], 1),
            "max_ms": round(max(lat), 1), "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "source": "tests/test_explore_browser.py"}, indent=2) + "\n")
    finally:
        page.close()


def test_burst_at_20ma_1000us_shows_the_safety_warning(browser, server):
    page, errors = _open(browser, server.url)
    try:
        n = page.evaluate("window.scsUpdates")
        page.locator("#c-kind").select_option("burst")
        page.wait_for_function(f"window.scsUpdates > {n}")
        _set_slider(page, "pulse_width_us", _values(page, "pulse_width_us").index(1000))
        snap = _set_slider(page, "amplitude_ma", _values(page, "amplitude_ma").index(20))
        assert snap["safety"] == "safety bad", snap["safetyText"]
        assert "Shannon k" in snap["safetyText"] and "compliance" in snap["safetyText"]
        assert snap["charge"] == "20 µC"
        assert not errors, errors
    finally:
        page.close()


def test_lesson_buttons_load_presets(browser, server):
    page, errors = _open(browser, server.url)
    try:
        for name in ("gate", "burst", "frequency"):
            n = page.evaluate("window.scsUpdates")
            page.locator(f"#lesson-buttons button[data-lesson='{name}']").click()
            page.wait_for_function(f"window.scsUpdates > {n}")
            snap = page.evaluate(_SNAPSHOT_JS)
            assert snap["title"] == LESSONS[name].title
            assert page.locator("#lesson-body .caveat").count() >= 1
            assert page.locator("#c-kind").input_value() == LESSONS[name].state["kind"]
        assert not errors, errors
    finally:
        page.close()


def _small(blocks):
    return [(base, {k: [v[0], v[-1]] if len(v) > 1 else v for k, v in axes.items()}) for base, axes in blocks]


@pytest.mark.parametrize("name", list(LESSONS))
def test_exported_lesson_opens_offline_and_reacts(browser, engine, tmp_path, name):
    path = tmp_path / f"lesson_{name}.html"
    export(path, lesson_name=name, blocks=_small(LESSONS[name].grid), engine=engine)
    page, errors = _open(browser, path.resolve().as_uri())
    try:
        before = page.evaluate(_SNAPSHOT_JS)
        assert before["title"] == LESSONS[name].title
        amps = _values(page, "amplitude_ma")
        assert len(amps) == 2
        cur = page.locator("#s-amplitude_ma input").input_value()
        after = _set_slider(page, "amplitude_ma", 0 if cur == "1" else 1)
        assert after["charge"] != before["charge"]
        assert after["pulse"] != before["pulse"]
        assert not errors, errors
    finally:
        page.close()


#: Slider moves made before a lesson's gallery screenshot (the safety lesson shows its warning).
GALLERY_MOVES = {"safety": {"pulse_width_us": 1000, "amplitude_ma": 20}}


def write_lesson_gallery(out: Path) -> list[Path]:
    """Export every full lesson and screenshot it to ``out/lesson_<name>.png``; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    eng = ViewEngine()
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name in LESSONS:
            html = out / f".lesson_{name}.html"
            info = export(html, lesson_name=name, engine=eng)
            page = b.new_page(viewport={"width": 1400, "height": 950})
            page.goto(html.resolve().as_uri())
            page.wait_for_function("window.scsUpdates >= 1")
            for control, value in GALLERY_MOVES.get(name, {}).items():
                _set_slider(page, control, _values(page, control).index(value))
            png = out / f"lesson_{name}.png"
            page.screenshot(path=str(png), full_page=True)
            page.close()
            html.unlink()
            files.append(png)
            print(f"{png}: lesson page {info['bytes'] / 1e3:.0f} kB, {info['states']} states", file=sys.stderr)
        b.close()
    return files


if __name__ == "__main__":
    write_lesson_gallery(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/gallery"))
