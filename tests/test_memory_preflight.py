"""Pre-flight memory check: a run whose estimated peak memory exceeds what the machine has is refused
at load time (exit 2, the numbers in the message), never started (issue 15)."""

from __future__ import annotations

import pytest

from scs_sim.app.cli import main
from scs_sim.config import checks, parse
from scs_sim.errors import ConfigError


def _cfg(duration_s: float, model: str = "spiking") -> dict:
    return {"program": "tonic_50hz", "simulation": {"duration_s": duration_s, "model": model}}


def test_estimate_grows_with_duration_and_rate_steps():
    small = parse(_cfg(10.0))
    spikes_10 = 1362.0 * 10.0  # the default patient's natural drive (docs/PERFORMANCE.md "Memory")
    est_10 = checks.estimate_peak_mb(spikes_10, small.simulation)
    assert checks.BASE_MB < est_10 < checks.BASE_MB + 2.0
    rate = parse(_cfg(10.0, "rate")).simulation
    # 1e5 integration steps of 0.1 ms add their bytes on top of the spikes
    assert checks.estimate_peak_mb(spikes_10, rate) == pytest.approx(est_10 + 1e5 * checks.RATE_BYTES_PER_STEP / 1e6)


def test_a_run_that_does_not_fit_is_refused_with_the_numbers(monkeypatch):
    monkeypatch.setattr(checks, "available_mb", lambda: 1000.0)
    parse(_cfg(10.0))  # 200 MB + 1.4 MB fits in 800 MB
    with pytest.raises(ConfigError) as err:
        parse(_cfg(3600.0, "rate"))
    msg = str(err.value)
    assert err.value.key == "simulation.duration_s"
    assert "needs about" in msg and "1,000 MB available" in msg and "simulation.dt_ms" in msg


def test_cli_validate_exits_2_without_traceback(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(checks, "available_mb", lambda: 500.0)
    f = tmp_path / "long.toml"
    f.write_text('program = "tonic_50hz"\n[simulation]\nduration_s = 7200.0\n')
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr()
    assert "simulation.duration_s" in err.out + err.err and "Traceback" not in err.out + err.err


def test_unknown_available_memory_never_refuses(monkeypatch):
    monkeypatch.setattr(checks, "available_mb", lambda: None)
    parse(_cfg(86_400.0, "rate"))


def test_available_memory_is_read_on_linux():
    mb = checks.available_mb()
    assert mb is None or mb > 0
