"""The explorer runs headless, updates on a widget change (the displayed data changes), renders a PNG."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scs_sim.app.cli import main as cli_main  # noqa: E402
from scs_sim.app.explore import KIND_DEFAULTS, Explorer, make_program  # noqa: E402

#: An update (program, 0.5 s spiking simulation, redraw) must answer within this, s (about 0.2 s warm).
UPDATE_BUDGET_S = 3.0


@pytest.fixture(scope="module")
def ex():
    return Explorer(headless=True, duration_s=0.5)


def _wave(ex):
    return ex.ax_wave.lines[0].get_ydata().copy()


def test_initial_state_draws_three_panels(ex):
    assert ex.result is not None and ex.error is None
    assert ex.ax_wave.lines and ex.ax_rec.lines and len(ex.ax_wdr.lines) == 2
    np.testing.assert_allclose(ex.ax_wdr.lines[0].get_xdata(), ex.result.t_s)


def test_amplitude_slider_updates_data(ex):
    n0, wave0 = ex.updates, _wave(ex)
    rec0 = ex.result.metrics["recruited_dc_fibers"]
    ex.sliders["amplitude"].set_val(16.0)
    assert ex.updates == n0 + 1
    assert ex.state["amplitude_ma"] == 16.0
    assert np.abs(_wave(ex)).max() == pytest.approx(16.0)
    assert not np.array_equal(_wave(ex), wave0)
    assert ex.result.metrics["recruited_dc_fibers"] > rec0
    spikes = ex.ax_rec.lines[0].get_xdata().size
    assert spikes > 0
    assert ex.last_update_s < UPDATE_BUDGET_S


def test_frequency_slider_is_log10(ex):
    ex.sliders["frequency"].set_val(2.0)
    assert ex.state["frequency_hz"] == 100.0
    assert "100 Hz" in ex.fig._suptitle.get_text()


def test_kind_change_loads_defaults_and_updates_once(ex):
    n0 = ex.updates
    ex.set(kind="high_frequency")
    assert ex.updates == n0 + 1
    assert ex.state == {"kind": "high_frequency", **KIND_DEFAULTS["high_frequency"]}
    assert ex.radio.value_selected == "high_frequency"
    assert "10000 pulses/s" in ex.ax_wave.get_title()
    ex.radio.set_active(1)  # clicking "burst"
    assert ex.state["kind"] == "burst" and ex.updates == n0 + 2
    assert ex.result.metrics["program"].startswith("burst")


def test_invalid_program_shows_error_not_crash(ex):
    ex.set(kind="tonic", frequency_hz=2000.0, pulse_width_us=900.0)
    assert ex.result is None and "period" in ex.error
    assert "invalid program" in ex.ax_wave.texts[0].get_text()
    ex.set(frequency_hz=50.0, pulse_width_us=210.0)
    assert ex.result is not None


def test_make_program_kinds():
    assert make_program("burst", 40.0, 1.0, 1000.0).burst_frequency_hz == 40.0
    assert make_program("high_frequency", 10_000.0, 3.0, 30.0).frequency_hz == 10_000.0


def test_rate_model_and_save(tmp_path):
    e = Explorer(headless=True, model="rate", duration_s=0.5, kind="burst")
    p = e.save(tmp_path / "e.png")
    assert p.read_bytes()[:4] == b"\x89PNG" and p.stat().st_size > 5000


def test_cli_explore_headless(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert (
        cli_main(
            [
                "explore",
                "--headless",
                "--out",
                str(out),
                "--kind",
                "high_frequency",
                "--duration",
                "0.3",
                "--json",
            ]
        )
        == 0
    )
    assert out.stat().st_size > 5000
    assert '"update_s"' in capsys.readouterr().out
    assert cli_main(["explore", "--headless"]) == 2


def test_safety_flags_are_shown(ex):
    """Burst at 20 mA x 1000 µs (20 µC/phase) is flagged, not shown as plain 'relief 100 %'."""
    ex.set(kind="tonic", frequency_hz=50.0, amplitude_ma=3.0, pulse_width_us=210.0)
    assert ex.ax_wave.get_title().endswith(": feasible"), ex.ax_wave.get_title()
    ex.set(kind="burst", amplitude_ma=20.0, pulse_width_us=1000.0)
    title = ex.ax_wave.get_title()
    assert "INFEASIBLE" in title and "Shannon k" in title, title
