"""The browser explorer's Python side: states, views (the model's own numbers), lessons, grid, export, server."""

from __future__ import annotations

import json
import re
import sys
import types
import urllib.error
import urllib.parse
import urllib.request

import pytest

from scs_sim.app.cli import main as cli_main
from scs_sim.app.explore_lessons import EXPLORE_GRID, LESSONS, grid_states, lesson
from scs_sim.app.explore_model import (
    DEFAULT_STATE,
    ViewEngine,
    build_program,
    mechanism_sets,
    meta,
    normalize,
    state_key,
)
from scs_sim.app.explore_web import ExploreServer, export
from scs_sim.errors import ConfigError


@pytest.fixture(scope="module")
def engine():
    return ViewEngine()


def test_normalize_fills_defaults_and_refuses_bad_controls():
    s = normalize({})
    assert s["kind"] == "tonic" and s["amplitude_ma"] == 8.0 and s["patient"] == "default"
    assert state_key(s) == state_key(normalize(dict(DEFAULT_STATE)))
    for bad in ({"kind": "sine"}, {"amplitude_ma": "x"}, {"amplitude_ma": -1}, {"patient": "nobody"},
                {"bogus": 1}, {"nmda": "half"}, {"amplitude_ma": float("nan")}):
        with pytest.raises(ConfigError):
            normalize(bad)


def test_view_numbers_are_the_models(engine):
    """The view's relief and charge are those of simulate() for the same program, seed and duration."""
    from scs_sim.simulation import simulate

    s = normalize({"amplitude_ma": 9.0})
    v = engine.view(s)
    r = simulate(build_program(s), "default", duration_s=1.0, seed=1)
    assert v["metrics"]["relief_pct"] == pytest.approx(r.metrics["relief_pct"], abs=0.06)
    assert v["metrics"]["recruited_dc"] == r.metrics["recruited_dc_fibers"]
    assert v["dose"]["charge_per_phase_uc"] == pytest.approx(9.0 * 0.21)
    assert len(v["lit"]) == r.metrics["recruited_dc_fibers"] + r.metrics["recruited_dr_fibers"]
    # pulse shape: the cathodic phase first, 210 µs at -9 mA, then the active recharge
    first = v["pulse"]["phases"][0]
    assert first[1] == pytest.approx(210.0) and first[2] == pytest.approx(-9.0)
    assert v["train"]["n"] == 10  # 50 Hz over 200 ms
    assert v["wdr"]["t"] and len(v["wdr"]["y"]) == len(v["wdr"]["base"])


def test_more_amplitude_recruits_more_and_costs_more(engine):
    lo, hi = engine.view({"amplitude_ma": 4.0}), engine.view({"amplitude_ma": 14.0})
    assert hi["metrics"]["recruited_dc"] > lo["metrics"]["recruited_dc"]
    assert hi["dose"]["charge_per_phase_uc"] > lo["dose"]["charge_per_phase_uc"]
    assert hi["raster"]["n"] > lo["raster"]["n"]


def test_burst_20ma_1000us_is_flagged(engine):
    v = engine.view({"kind": "burst", "frequency_hz": 40, "amplitude_ma": 20, "pulse_width_us": 1000})
    assert v["dose"]["feasible"] is False
    assert any("Shannon" in r for r in v["dose"]["reasons"])
    assert v["dose"]["charge_per_phase_uc"] == pytest.approx(20.0)


def test_invalid_program_is_an_error_view(engine):
    v = engine.view({"frequency_hz": 2000, "pulse_width_us": 700})
    assert "period" in v["error"]


def test_kinds_build():
    assert build_program(normalize({"kind": "burst", "frequency_hz": 40, "pulse_width_us": 1000,
                                    "pulses_per_burst": 3})).pulses_per_burst == 3
    hf = build_program(normalize({"kind": "high_frequency", "frequency_hz": 10000, "pulse_width_us": 30}))
    assert hf.frequency_hz == 10000
    mx = build_program(normalize({"kind": "multiplexed", "amplitude_ma": 2.0}))
    assert mx.kind == "multiplexed" and mx.amplitude_ma == 2.0
    cyc = build_program(normalize({"cycling": "on 0.25 s / off 0.75 s"}))
    assert cyc.modifiers.cycle_on_s == 0.25 and cyc.modifiers.cycle_off_s == 0.75


def test_nmda_block_removes_the_c_component(engine):
    normal = engine.view({"patient": "windup", "amplitude_ma": 2.0})
    blocked = engine.view({"patient": "windup", "amplitude_ma": 2.0, "nmda": "blocked"})
    assert normal["metrics"]["baseline_windup_index"] is not None
    assert blocked["metrics"]["baseline_windup_index"] is None  # no C-component in the first volley
    assert blocked["metrics"]["baseline_wdr_rate_hz"] < normal["metrics"]["baseline_wdr_rate_hz"]


def test_mechanism_sets_follow_the_registry(monkeypatch):
    assert mechanism_sets()[0] == normalize({})["mechanisms"]
    fake = types.ModuleType("scs_sim.dorsal_horn.mechanisms")
    fake.SETS = {"default": (), "glia": ("glial",)}
    monkeypatch.setitem(sys.modules, "scs_sim.dorsal_horn.mechanisms", fake)
    from scs_sim.config import Simulation

    if "mechanisms" not in Simulation.model_fields:  # before issue 13: no field to pass a set through
        assert mechanism_sets() == ["default"]
    else:
        names = mechanism_sets()
        assert "glia" in names and len(names) == 2


def test_meta_positions_and_pathways():
    m = meta()
    f = m["fibers"]["default"]
    assert len(f["x"]) == len(f["d"]) == f["n_dc"] + f["n_dr"]
    assert ["c", "ex", False] in m["pathways"] and ["local_in", "wdr", True] in m["pathways"]


def test_grid_states_and_lessons():
    states = grid_states([({"kind": "tonic"}, {"amplitude_ma": [2, 4], "pulse_width_us": [60, 210]}),
                          ({"kind": "tonic", "pulse_width_us": 60}, {"amplitude_ma": [2, 6]})])
    assert len(states) == 5  # (2, 60) appears in both blocks once
    assert len(grid_states(EXPLORE_GRID)) > 300
    for name in ("gate", "windup", "frequency", "subperception", "burst", "safety"):
        les = lesson(name)
        assert les.paragraphs and les.caveats
        assert normalize(les.state)
    with pytest.raises(ConfigError, match="one of"):
        lesson("nope")


def _small(blocks):
    """First and last value of every axis: a small grid for tests."""
    return [(base, {k: [v[0], v[-1]] if len(v) > 1 else v for k, v in axes.items()}) for base, axes in blocks]


def test_export_is_self_contained(tmp_path, engine):
    info = export(tmp_path / "g.html", lesson_name="gate", blocks=_small(LESSONS["gate"].grid), engine=engine)
    html = (tmp_path / "g.html").read_text(encoding="utf-8")
    assert info["states"] == 4 and info["bytes"] == (tmp_path / "g.html").stat().st_size
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "fetch(" in html  # the live branch exists but the grid mode never calls it
    cfg = json.loads(re.search(r'<script id="scs-config" type="application/json">(.*?)</script>', html, re.S).group(1))
    assert cfg["mode"] == "grid" and cfg["lesson"] == "gate"
    assert len(cfg["grid"]["states"]) == len(cfg["grid"]["views"]) == 4
    with pytest.raises(ConfigError, match=".html"):
        export(tmp_path / "g.png")


def test_server_api(engine):
    srv = ExploreServer(engine=engine)
    srv.start()
    try:
        page = urllib.request.urlopen(srv.url, timeout=30).read().decode()
        assert "scs-config" in page and '"mode":"live"' in page
        q = urllib.parse.quote(json.dumps({"amplitude_ma": 6}))
        v = json.loads(urllib.request.urlopen(f"{srv.url}api/view?state={q}", timeout=60).read())
        assert v["metrics"]["recruited_dc"] >= 0 and "server_ms" in v
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"{srv.url}api/view?state=" + urllib.parse.quote('{"kind": "sine"}'), timeout=30)
        assert e.value.code == 400
    finally:
        srv.shutdown()
        srv.server_close()


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "sub.html"
    assert cli_main(["explore", "--export", str(out), "--lesson", "subperception", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["states"] == 13 and out.stat().st_size == info["bytes"] < 2_000_000
    assert cli_main(["explore", "--export", str(tmp_path / "x.png")]) == 2
    assert cli_main(["explore", "--lesson", "nope", "--export", str(out)]) == 2
