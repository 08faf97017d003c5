"""End to end: program + patient → recruitment → circuit → Result (docs/MODEL.md §5).

The circuit phenomena of docs/MODEL.md §3.5, checked at run level.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import scs_sim
from scs_sim.app.cli import main
from scs_sim.config import loader as config
from scs_sim.config.loader import RunConfig, Simulation
from scs_sim.dorsal_horn.synapses import std_efficacy
from scs_sim.errors import ConfigError
from scs_sim.simulation import baseline, baseline_key, simulate, simulate_config, windup_index

RUN_KEYS = {"wdr_rate_hz", "baseline_wdr_rate_hz", "relief_pct", "recruited_dc_fibers", "paresthesia", "wall_s"}
DURATION_S = 3.0


def _cfg(program, *, seed=1, duration_s=DURATION_S, model="spiking", patient="default", circuit="segment"):
    prog, _ = config.load_program(program) if isinstance(program, str) else (program, None)
    return RunConfig.model_construct(program=prog, patient=config.load_patient(patient), device=config.Device(),
                                     simulation=Simulation(duration_s=duration_s, seed=seed, model=model,
                                                           circuit=circuit), sweep=None, source=None)


@pytest.fixture(scope="module")
def tonic_result():
    return simulate("tonic_50hz", duration_s=DURATION_S, seed=1)


def test_result_has_the_run_keys(tonic_result):
    assert RUN_KEYS <= set(tonic_result.metrics)
    assert tonic_result.rates_hz["wdr"].size == round(DURATION_S / 0.005)
    assert tonic_result.dosimetry["charge_per_phase_uc"] == pytest.approx(8.0 * 0.210)


def test_supra_perception_tonic_lowers_the_wdr_pain_signal(tonic_result):
    m = tonic_result.metrics
    assert m["paresthesia"] is True and m["recruited_dc_fibers"] >= 3
    assert m["wdr_rate_hz"] < 0.8 * m["baseline_wdr_rate_hz"]


def test_subthreshold_10khz_gives_no_relief_through_dc_recruitment():
    r = simulate("hf_10khz", duration_s=DURATION_S, seed=1)
    m = r.metrics
    # Sub-perception 10 kHz recruits no dorsal-column fibre in this model, so the circuit sees exactly
    # the baseline input: the model reports no relief rather than inventing one.
    assert m["recruited_dc_fibers"] == 0 and not m["paresthesia"]
    assert m["relief_pct"] == 0.0
    np.testing.assert_array_equal(r.rates_hz["wdr"], r.baseline_rates_hz["wdr"])


def test_relief_grows_with_amplitude():
    reliefs = []
    for amp in (4.0, 8.0, 10.0):
        prog = scs_sim.programs.tonic(amplitude_ma=amp, name=f"t{amp}")
        reliefs.append(simulate_config(_cfg(prog)).metrics["relief_pct"])
    assert reliefs[0] <= reliefs[1] <= reliefs[2]
    assert reliefs[2] > reliefs[0] + 10


def test_baseline_is_shared_and_program_independent():
    a, b = _cfg("tonic_50hz"), _cfg("burst_dr")
    assert baseline_key(a) == baseline_key(b)
    assert baseline_key(a) != baseline_key(_cfg("tonic_50hz", seed=2))
    base = baseline(a)
    r = simulate_config(b, baseline_result=base)
    assert r.metrics["baseline_wdr_rate_hz"] == base.wdr_rate_hz
    assert simulate_config(b).metrics["baseline_wdr_rate_hz"] == base.wdr_rate_hz


def test_rate_backend_same_interface_and_direction():
    r = simulate_config(_cfg("tonic_50hz", model="rate"))
    assert RUN_KEYS <= set(r.metrics)
    assert r.metrics["wdr_rate_hz"] < r.metrics["baseline_wdr_rate_hz"]
    r0 = simulate_config(_cfg("hf_10khz", model="rate"))
    assert r0.metrics["relief_pct"] == 0.0


def test_zhang2014_circuit_runs_from_a_program():
    r = simulate_config(_cfg("tonic_50hz", circuit="zhang2014", duration_s=1.0))
    assert r.neuron_ranges["wdr"][1] - r.neuron_ranges["wdr"][0] == 1


def test_deterministic_and_identical_in_a_subprocess(tonic_result):
    again = simulate("tonic_50hz", duration_s=DURATION_S, seed=1)
    np.testing.assert_array_equal(again.rates_hz["wdr"], tonic_result.rates_hz["wdr"])
    code = (f"import json, scs_sim; r = scs_sim.simulate('tonic_50hz', duration_s={DURATION_S!r}, seed=1); "
            "print(json.dumps([r.metrics['wdr_rate_hz'], r.metrics['baseline_wdr_rate_hz'], "
            "r.wdr_spike_times_s.tolist()[:200]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    wdr, base, spikes = json.loads(out)
    assert wdr == tonic_result.metrics["wdr_rate_hz"] and base == tonic_result.metrics["baseline_wdr_rate_hz"]
    assert spikes == tonic_result.wdr_spike_times_s.tolist()[:200]


def test_other_seed_differs(tonic_result):
    other = simulate("tonic_50hz", duration_s=DURATION_S, seed=2)
    assert not np.array_equal(other.rates_hz["wdr"], tonic_result.rates_hz["wdr"])


def test_save_writes_arrays_and_tables(tonic_result, tmp_path):
    files = tonic_result.save(tmp_path / "out")
    npz = np.load(files[0])
    np.testing.assert_array_equal(npz["rate_wdr_hz"], tonic_result.rates_hz["wdr"])
    assert (tmp_path / "out" / "rates.csv").read_text().startswith("t_s,")
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["relief_pct"] == pytest.approx(
        tonic_result.metrics["relief_pct"])


def test_cli_run_json_and_out(tmp_path, capsys):
    assert main(["run", "configs/runs/tonic_default.toml", "-s", "simulation.duration_s=1.0", "--json",
                 "--out", str(tmp_path)]) == 0
    m = json.loads(capsys.readouterr().out)
    assert RUN_KEYS <= set(m)
    assert (tmp_path / "run.png").stat().st_size > 10_000


@pytest.mark.parametrize("kw, key", [({"duration_s": 0.0}, "simulation.duration_s"),
                                     ({"model": "ratee"}, "simulation.model"),
                                     ({"circuit": "segmnt"}, "simulation.circuit")])
def test_simulate_rejects_bad_settings(kw, key):
    with pytest.raises(ConfigError) as exc:
        simulate("tonic_50hz", **{"duration_s": 1.0, **kw})
    assert exc.value.key == key


def test_bad_circuit_override_names_the_patient_key(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('program = "tonic_50hz"\n[patient]\nname = "x"\n[patient.circuit]\nn_wdr = 0\n'
                 '[simulation]\nduration_s = 0.5\n')
    proc = subprocess.run([sys.executable, "-m", "scs_sim", "run", str(f)], capture_output=True, text=True)
    assert proc.returncode == 2 and "patient.circuit.n_wdr" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_override_value_is_blamed_on_the_command_line(capsys):
    assert main(["run", "tonic_50hz", "-s", "simulation.duration_s=0"]) == 2
    err = capsys.readouterr().err
    assert "-s simulation.duration_s" in err and "tonic_50hz.toml" not in err


def test_run_rejects_a_list_override(capsys):
    assert main(["run", "tonic_50hz", "-s", "program.frequency_hz=50,60"]) == 2
    err = capsys.readouterr().err
    assert "one value per key" in err and "program.frequency_hz" in err


def test_windup_index_counts_c_component():
    volleys = np.arange(5.0)
    # 1, 1, 2, 3, 4 late spikes (> 100 ms after each volley) plus early ones that must not count
    late = np.concatenate([v + 0.2 + 0.01 * np.arange(n) for v, n in zip(volleys, [1, 1, 2, 3, 4], strict=True)])
    early = volleys + 0.02
    idx = windup_index(np.sort(np.concatenate([late, early])), volleys, n_wdr=1)
    assert idx == pytest.approx(np.mean([1, 2, 3, 4]) / 1.0)
    assert windup_index(late, volleys[:1], n_wdr=1) is None


def _std_reference(times, fiber, n, u, tau):
    out, x, last = [], [1.0] * n, [None] * n
    for t, j in zip(times, fiber, strict=True):
        if last[j] is not None:
            x[j] = 1.0 - (1.0 - x[j]) * np.exp(-(t - last[j]) / tau)
        out.append(x[j])
        x[j] = x[j] * (1.0 - u)
        last[j] = t
    return np.array(out)


def test_std_efficacy_kernel_matches_reference():
    rng = np.random.default_rng(3)
    t = np.sort(rng.random(3000) * 2.0)
    f = rng.integers(0, 7, t.size)
    np.testing.assert_allclose(std_efficacy(t, f, 7, 0.3, 0.04), _std_reference(t, f, 7, 0.3, 0.04), rtol=1e-13)
    fast = std_efficacy(np.arange(1000) * 1e-3, np.zeros(1000, int), 1, 0.3, 0.04)
    slow = std_efficacy(np.arange(50) * 2e-2, np.zeros(50, int), 1, 0.3, 0.04)
    assert fast[-1] < 0.25 * slow[-1]


def test_simulate_a_csv_preset_from_another_folder(tmp_path, monkeypatch):
    """A preset's relative CSV resolves against the preset's folder, not the working directory."""
    monkeypatch.chdir(tmp_path)
    r = simulate("custom_csv_example", duration_s=0.2, seed=1)
    assert r.metrics["wdr_rate_hz"] >= 0
