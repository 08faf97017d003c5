"""Pre-flight memory check: a run whose estimated peak memory exceeds what the machine has is refused
at load time (exit 2, the numbers in the message), never started (issue 15). Runs are simulated in
windows (``simulation.window_s``) and record ``[0, simulation.record_s)``, so the estimate does not grow
with the duration past them."""

from __future__ import annotations

import pytest

from scs_sim.app.cli import main
from scs_sim.config import checks, parse
from scs_sim.errors import ConfigError


def _cfg(duration_s: float, model: str = "spiking", **sim) -> dict:
    return {"program": "tonic_50hz", "simulation": {"duration_s": duration_s, "model": model, **sim}}


def _estimate(cfg) -> float:
    params = checks.circuit_of(cfg.patient, cfg.simulation)
    sim = cfg.simulation
    spikes = checks._afferent_spikes(cfg.patient.pain, params, sim.duration_s, sim.window_s)
    from scs_sim.stim.programs import pulse_train

    return checks.estimate_peak_mb(spikes, sim, checks.dc_spike_rate_hz(pulse_train(cfg.program), cfg.patient.anatomy))


def test_estimate_is_bounded_by_the_window_and_the_recorded_span():
    short, day = parse(_cfg(10.0)), parse(_cfg(86_400.0))
    assert checks.BASE_MB < _estimate(short) < _estimate(day)
    # past one window and the recorded span, the duration does not count
    assert _estimate(day) == pytest.approx(_estimate(parse(_cfg(120.0))))
    assert _estimate(day) < 1.5 * _estimate(short) + 200
    # a longer window or recorded span costs more
    assert _estimate(parse(_cfg(86_400.0, window_s=600.0))) > _estimate(day)
    assert _estimate(parse(_cfg(86_400.0, record_s=3600.0))) > _estimate(day)


def test_rate_model_adds_the_steps_of_one_window():
    spikes = 1362.0 * 10.0  # the default patient's natural drive for 10 s (docs/PERFORMANCE.md "Memory")
    sim = parse(_cfg(10.0)).simulation
    rate = parse(_cfg(10.0, "rate")).simulation
    assert checks.estimate_peak_mb(spikes, rate) == pytest.approx(
        checks.estimate_peak_mb(spikes, sim) + 1e5 * checks.RATE_BYTES_PER_STEP / 1e6)
    day = parse(_cfg(86_400.0, "rate")).simulation  # 60 s windows: 6e5 steps, not 8.64e8
    assert checks.estimate_peak_mb(spikes, day) - checks.estimate_peak_mb(spikes, parse(_cfg(86_400.0)).simulation) \
        == pytest.approx(6e5 * checks.RATE_BYTES_PER_STEP / 1e6)


def test_stimulated_fibre_spikes_count_per_window():
    sim = parse(_cfg(86_400.0)).simulation
    base = checks.estimate_peak_mb(0.0, sim)
    with_dc = checks.estimate_peak_mb(0.0, sim, dc_rate_hz=1e4)
    # 1e4 spikes/s x 60 s window x 110 B, plus the stored spikes of the 60 s recorded span x 32 B
    assert with_dc - base == pytest.approx((6e5 * checks.BYTES_PER_AFFERENT_SPIKE + 6e5 * checks.BYTES_PER_STORED_SPIKE)
                                           / 1e6)


def test_a_run_that_does_not_fit_is_refused_with_the_numbers(monkeypatch):
    monkeypatch.setattr(checks, "available_mb", lambda: 1000.0)
    parse(_cfg(86_400.0, "rate"))  # about 300 MB: fits in 800 MB whatever the duration
    with pytest.raises(ConfigError) as err:
        parse(_cfg(86_400.0, "rate", window_s=3600.0))
    msg = str(err.value)
    assert err.value.key == "simulation.window_s"
    assert "needs about" in msg and "1,000 MB available" in msg and "simulation.dt_ms" in msg
    assert "rate steps" in msg and "window spikes" in msg


def test_cli_validate_exits_2_without_traceback(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(checks, "available_mb", lambda: 500.0)
    f = tmp_path / "long.toml"
    f.write_text('program = "tonic_50hz"\n[simulation]\nduration_s = 7200.0\nrecord_s = 7200.0\n')
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr()
    assert "simulation.window_s" in err.out + err.err and "Traceback" not in err.out + err.err


def test_unknown_available_memory_never_refuses(monkeypatch):
    monkeypatch.setattr(checks, "available_mb", lambda: None)
    parse(_cfg(86_400.0, "rate", window_s=86_400.0))


def test_available_memory_is_read_on_linux():
    mb = checks.available_mb()
    assert mb is None or mb > 0
