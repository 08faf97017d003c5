"""The HTML report in a real headless browser: every figure loads, no label overflows, the sections are there.

Two small reports are built from sweeps with the honest test evaluator below (dosimetry of the
program on the device, including its feasibility flags, plus a seeded relief), so no network is
simulated except the short re-run of the best feasible program that every report makes. They are
opened in Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) through Playwright,
screenshotted full-page and inspected in the page: ``naturalWidth > 0`` for every ``<img>``, the
label containers of the report (table cells, captions, the best-program line, the model limits)
do not overflow their boxes, the page does not scroll sideways.

Set ``SCS_SIM_SCREENSHOT_DIR`` to keep the screenshots.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = os.environ.get("SCS_SIM_CHROMIUM", "/usr/bin/chromium")
if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
    pytest.skip(
        f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")

EVALUATOR = "tests.test_report_browser:evaluate"


def evaluate(cfg, *, baseline=None) -> dict:
    """Dosimetry (with feasibility) plus a relief that grows with the charge rate, seeded noise."""
    from scs_sim.stim.dosimetry import dosimetry

    d = dosimetry(cfg.program, cfg.device).as_dict()
    rng = np.random.default_rng(cfg.simulation.seed)
    drive = d["charge_per_s_uc"] / (d["charge_per_s_uc"] + 80.0)
    relief = float(np.clip(100.0 * drive + rng.normal(0.0, 5.0), -20.0, 100.0))
    return {
        **d,
        "program": cfg.program.name or cfg.program.kind,
        "relief_pct": relief,
        "wdr_rate_hz": 20.0 * (1.0 - relief / 100.0),
        "baseline_wdr_rate_hz": 20.0,
        "paresthesia": bool(cfg.program.amplitude_ma > 4.0),
        "discomfort": bool(cfg.program.amplitude_ma > 12.0),
    }

GRID = {
    "program": "tonic_50hz",
    "simulation": {"duration_s": 0.3, "seed": 1},
    "sweep": {
        "method": "grid",
        "replicates": 2,
        "seed": 1,
        "cohort": {"patients": 3},  # the widest table: bootstrap CI, responder rate, paired difference
        "axes": {"program": ["tonic_50hz", "burst_dr", "hf_10khz", "hd_1khz", "tonic_90hz_subperception"],
                 "program.amplitude_ma": [3.0, 9.0, 30.0]},
    },
}
SOBOL = {
    "program": "tonic_50hz",
    "simulation": {"duration_s": 0.3, "seed": 1},
    "sweep": {
        "method": "sobol",
        "points": 16,
        "replicates": 2,
        "seed": 7,
        "axes": {
            "program.amplitude_ma": {"range": [2.0, 14.0]},
            "program.frequency_hz": {"log_range": [20.0, 1000.0]},
            "program.pulse_width_us": {"range": [60.0, 450.0]},
            "patient.anatomy.csf_mm": {"range": [2.0, 5.0]},
        },
    },
}

#: Label containers of the report whose text must fit their box (CSS selectors).
LABELS = ".tablewrap, table.cmp td, table.cmp th, figcaption, #best, #limits li, h1, h2, p.meta"

_CHECK_JS = """(sel) => {
  const imgs = [...document.images].map(i => ({ok: i.complete && i.naturalWidth > 0,
      w: i.naturalWidth, right: i.getBoundingClientRect().right}));
  const over = [...document.querySelectorAll(sel)]
      .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
      .map(e => e.tagName + ': ' + e.textContent.slice(0, 60));
  return {imgs, over, h2: [...document.querySelectorAll('h2')].map(h => h.textContent),
          pageWidth: document.documentElement.scrollWidth, viewWidth: window.innerWidth,
          rows: document.querySelectorAll('#comparison tbody tr.prog').length,
          infeasibleRows: document.querySelectorAll('#comparison tr.prog.infeasible').length,
          best: (document.getElementById('best') || {}).textContent || '',
          limits: !!document.getElementById('limits')};
}"""


def _report(tmp_path_factory, spec, name):
    from scs_sim.app.report import write_report
    from scs_sim.study import run_sweep

    d = tmp_path_factory.mktemp(name)
    run_sweep(spec, out=d / "store", backend="serial", progress=False, evaluate=EVALUATOR)
    return write_report(d / "store", d / f"{name}.html", best_run_s=0.3, model="rate")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _inspect(browser, html: Path, shot: Path) -> dict:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(html.resolve().as_uri())
        page.wait_for_load_state("load")
        page.screenshot(path=str(shot), full_page=True)
        info = page.evaluate(_CHECK_JS, LABELS)
    finally:
        page.close()
    keep = os.environ.get("SCS_SIM_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return info


def _check_common(info, shot: Path):
    assert shot.stat().st_size > 50_000  # a real page, not a blank one
    assert info["imgs"] and all(i["ok"] for i in info["imgs"]), info["imgs"]
    assert all(i["right"] <= info["viewWidth"] for i in info["imgs"])
    assert info["pageWidth"] <= info["viewWidth"], "the page scrolls sideways"
    assert info["over"] == [], f"text overflows its box: {info['over']}"
    assert info["limits"]
    for sec in ("Comparison", "Sweep", "Waveforms", "Best program", "Methods and assumptions"):
        assert sec in info["h2"], info["h2"]


def test_grid_report_renders_in_chromium_with_infeasible_programs_marked(browser, tmp_path_factory, tmp_path):
    html = _report(tmp_path_factory, GRID, "grid")
    shot = tmp_path / "report_grid.png"
    info = _inspect(browser, html, shot)
    _check_common(info, shot)
    assert info["rows"] == 15
    # 30 mA: out of compliance on the 12 V device (and more); > 12 mA: discomfort in every run
    assert info["infeasibleRows"] >= 5
    assert info["best"].startswith("Best feasible program:") and "infeasible" in info["best"]
    text = html.read_text(encoding="utf-8")
    assert "<th class=\"num\">95 % CI</th>" in text and "Δ vs ref." in text


def test_sobol_report_renders_in_chromium(browser, tmp_path_factory, tmp_path):
    html = _report(tmp_path_factory, SOBOL, "sobol")
    shot = tmp_path / "report_sobol.png"
    info = _inspect(browser, html, shot)
    _check_common(info, shot)
    assert info["rows"] == 16
    text = html.read_text(encoding="utf-8")
    assert "main effect" in text and "no line is drawn through the points" in text
