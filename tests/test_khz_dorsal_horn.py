"""The ``khz_dorsal_horn`` mechanism (docs/MODEL.md §3.7): a direct, frequency-dependent depolarising current
from the kHz field at the dorsal horn, inhibitory interneurons most.

Directions of the source experiments: Lee et al. 2020 (Neuroscience 428:132): low-intensity 10 kHz SCS, not 1 or
5 kHz, activates inhibitory interneurons (not the excitatory ones) without activating dorsal-column fibres;
Biomedicines 2024;12:1346: dorsal-horn activation grows monotonically over 1, 3, 5, 8 and 10 kHz. Off (or nothing
at a kHz rate) a run is bit-identical to today's model.
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.config import RunConfig, Simulation, load_patient, load_program, validate_model
from scs_sim.dorsal_horn.khz_field import (
    KhzDorsalHornParams,
    channel_drives,
    field_v_per_m_per_ma,
    frequency_gain,
    neuron_bias_pa,
    on_fraction,
    rheobase_pa,
    run_bias_pa,
)
from scs_sim.dorsal_horn.mechanisms import MECHANISMS, SETS, resolve
from scs_sim.errors import ConfigError
from scs_sim.simulation import simulate_config
from scs_sim.stim.dosimetry import Device
from scs_sim.stim.programs import pulse_train
from scs_sim.validation.protocols_mechanisms_more import run_config

P = KhzDorsalHornParams()
DUR = 2.0
ON = ["gate", "khz_dorsal_horn"]
OFF = ["gate"]


def _run(prog, mechanisms, patient=None, seed=1, params=None):
    if params is None:
        return simulate_config(run_config(prog, patient or load_patient(None), mechanisms, DUR, seed))
    sim = validate_model(Simulation, {"duration_s": DUR, "seed": seed, "mechanisms": mechanisms,
                                      "mechanism_params": {"khz_dorsal_horn": params}}, file=None,
                         prefix=("simulation",))
    return simulate_config(RunConfig.model_construct(program=prog, patient=patient or load_patient(None),
                                                     device=Device(), simulation=sim, sweep=None, source=None,
                                                     program_dir=None))


def _same(a, b):
    assert a.metrics["wdr_rate_hz"] == b.metrics["wdr_rate_hz"]
    assert a.metrics["relief_pct"] == b.metrics["relief_pct"]
    np.testing.assert_array_equal(a.spike_times_s, b.spike_times_s)
    for k in a.rates_hz:
        np.testing.assert_array_equal(a.rates_hz[k], b.rates_hz[k])


def _hf(f_hz: float, amplitude_ma: float | None = None):
    prog, _ = load_program("hf_10khz")
    upd = {"frequency_hz": float(f_hz)}
    if amplitude_ma is not None:
        upd["amplitude_ma"] = amplitude_ma
    return prog.model_copy(update=upd)


def _rate(r, pop):
    return float(np.mean(r.rates_hz[pop]))


# ---------------------------------------------------------------------------------------------
# registry and config
# ---------------------------------------------------------------------------------------------
def test_registered_off_by_default_in_all_and_its_own_set():
    m = MECHANISMS["khz_dorsal_horn"]
    assert not m.default and m.backends == ("spiking",) and any("Lee" in s for s in m.sources)
    assert "khz_dorsal_horn" in SETS["all"] and "khz_dorsal_horn" not in SETS["gate_only"]
    assert "khz_dorsal_horn" not in SETS["circuit"]  # the circuit set keeps its meaning
    assert resolve("gate+khz_dorsal_horn") == ("gate", "khz_dorsal_horn")


def test_params_are_validated_at_load_time(tmp_path):
    from scs_sim.config import load

    with pytest.raises(ConfigError, match="half_frequency_hz"):
        validate_model(Simulation, {"mechanisms": ON, "mechanism_params": {"khz_dorsal_horn": {
            "half_frequency_hz": -1.0}}}, file=None, prefix=("simulation",))
    f = tmp_path / "run.toml"
    f.write_text('program = "hf_10khz"\n[simulation]\nmechanisms = "gate+khz_dorsal_horn"\n'
                 '[simulation.mechanism_params.khz_dorsal_horn]\nin_threshold_v_per_mm = 3.0\n')
    with pytest.raises(ConfigError, match="in_threshold_v_per_mm") as e:
        load(f)
    assert e.value.file
    f.write_text('program = "hf_10khz"\n[simulation]\nmechanisms = "gate+khz_dorsal_horn"\nmodel = "rate"\n')
    with pytest.raises(ConfigError, match="not implemented by the 'rate' backend"):
        load(f)
    f.write_text('program = "hf_10khz"\n[simulation]\nmechanisms = "gate+khz_dorsal_horn"\n'
                 '[simulation.mechanism_params.khz_dorsal_horn]\nexcitatory_threshold_ratio = 8.0\n')
    assert load(f).simulation.mechanism_params["khz_dorsal_horn"] == {"excitatory_threshold_ratio": 8.0}


# ---------------------------------------------------------------------------------------------
# the coupling
# ---------------------------------------------------------------------------------------------
def test_frequency_gain_kilohertz_only_monotone_and_selective():
    f = np.array([1000.0, 3000.0, 5000.0, 8000.0, 10000.0])
    s = frequency_gain(f, P)
    assert np.all(np.diff(s) > 0)  # Biomedicines 2024: monotone over 1-10 kHz
    assert s[-1] == pytest.approx(1.0)
    assert s[2] < 0.3 and s[0] < 0.01  # Lee 2020: 5 kHz and 1 kHz much less than 10 kHz
    assert np.all(frequency_gain([50.0, 500.0, 999.0], P) == 0.0)  # not a kHz carrier: no direct effect


def test_field_is_linear_in_current_and_falls_with_distance():
    pat = load_patient(None)
    a = pat.anatomy
    e = field_v_per_m_per_ma(a, None, None, P)
    assert e > 0
    d3, d6 = (channel_drives(pulse_train(_hf(1e4, amp)), a, P)[0]["field_v_per_m"] for amp in (3.0, 6.0))
    assert d6 == pytest.approx(2 * d3) and d3 == pytest.approx(3.0 * e)
    thick = a.model_copy(update={"csf_mm": 5.0})
    deep = KhzDorsalHornParams(dh_depth_mm=2.5)
    assert field_v_per_m_per_ma(thick, None, None, P) < e  # more CSF, weaker field (point sources)
    assert field_v_per_m_per_ma(a, None, None, deep) < e


def test_rheobase_is_where_an_adex_neuron_starts_firing():
    """Drive 1 is the rheobase: a silent network (no inputs) stays silent just below it and its inhibitory INs
    (all inhibitory-IN bias, nothing else) fire just above it."""
    from scs_sim.dorsal_horn.afferents import empty_spikes
    from scs_sim.dorsal_horn.network import build
    from scs_sim.dorsal_horn.params import circuit_params
    from scs_sim.dorsal_horn.spiking import run

    net = build(circuit_params("zhang2014"), np.random.default_rng(0))
    rh = rheobase_pa(net.neuron)
    lo, hi = net.neuron_ranges["local_in"]
    inhibitory_only = KhzDorsalHornParams(excitatory_threshold_ratio=1e6)
    for k, fires in ((0.97, False), (1.03, True)):
        bias = neuron_bias_pa(net, k, inhibitory_only)
        np.testing.assert_allclose(bias[lo:hi], k * rh[lo:hi])
        out = run(net, empty_spikes(), 1.0, bias_pa=bias)
        n_in = np.count_nonzero((out.spike_neuron >= lo) & (out.spike_neuron < hi))
        assert (n_in > 0) == fires, (k, n_in)


def test_inhibitory_neurons_get_more_than_excitatory_ones():
    from scs_sim.dorsal_horn.network import build
    from scs_sim.dorsal_horn.params import circuit_params

    net = build(circuit_params("segment"), np.random.default_rng(0))
    b = neuron_bias_pa(net, 1.0, P)
    rh = rheobase_pa(net.neuron)
    frac = {pop: float(np.mean(b[slice(*net.neuron_ranges[pop])] / rh[slice(*net.neuron_ranges[pop])]))
            for pop in ("local_in", "surround_in", "ex", "wdr")}
    assert frac["local_in"] == frac["surround_in"] == pytest.approx(1.0)
    assert frac["ex"] == frac["wdr"] == pytest.approx(1.0 / P.excitatory_threshold_ratio)


def test_switched_programs_get_the_time_averaged_current():
    prog = _hf(1e4)
    mods = prog.modifiers
    assert on_fraction(mods, 4.0) == 1.0
    assert on_fraction(mods.model_copy(update={"cycle_on_s": 1.0, "cycle_off_s": 1.0}), 4.0) == pytest.approx(0.5)
    assert on_fraction(mods.model_copy(update={"start_s": 1.0}), 4.0) == pytest.approx(0.75)
    assert on_fraction(mods.model_copy(update={"start_s": 5.0}), 4.0) == 0.0
    assert on_fraction(mods.model_copy(update={"dose_duty_pct": 14.0}), 4.0) == pytest.approx(0.14)


def test_only_the_khz_component_of_a_multiplexed_program_counts():
    prog, _ = load_program("multiplexed_dtm")  # 50 Hz + 1200 Hz components on other contacts
    d = channel_drives(pulse_train(prog), load_patient(None).anatomy, P)
    assert [x["rate_hz"] for x in d] == pytest.approx([50.0, 1200.0])
    assert d[0]["drive"] == 0.0 and 0 < d[1]["drive"] < 0.01 * d[1]["field_v_per_m"] / P.in_threshold_v_per_m


# ---------------------------------------------------------------------------------------------
# in the run: off is today's model, directions of the source experiments
# ---------------------------------------------------------------------------------------------
def test_tonic_and_burst_programs_are_unchanged_bit_for_bit():
    for name in ("tonic_50hz", "burst_dr"):
        prog, _ = load_program(name)
        _same(_run(prog, OFF), _run(prog, ON))


def test_no_khz_channel_means_todays_numbers_and_the_baseline_never_changes():
    prog = _hf(1e4)
    off = _run(prog, OFF)
    _same(off, _run(prog, ON, params={"min_frequency_hz": 20_000.0}))  # 10 kHz below the kHz cut: no current
    on = _run(prog, ON)
    assert on.metrics["baseline_wdr_rate_hz"] == off.metrics["baseline_wdr_rate_hz"]
    np.testing.assert_array_equal(on.baseline_rates_hz["local_in"], off.baseline_rates_hz["local_in"])
    assert run_bias_pa(pulse_train(load_program("tonic_50hz")[0]), load_patient(None).anatomy, None, DUR, P) is None


def test_low_intensity_10khz_activates_inhibitory_interneurons_not_1_or_5_khz_lee_2020():
    """Lee et al. 2020: at a sub-sensory intensity (here: no DC fibre recruited at any of the three rates) 10 kHz
    raises inhibitory-IN firing, 1 and 5 kHz do not or much less; excitatory neurons are not activated."""
    gain, dex = {}, {}
    for f in (1000.0, 5000.0, 10000.0):
        prog = _hf(f)  # the preset's 3 mA, 30 µs
        off, on = _run(prog, OFF), _run(prog, ON)
        assert off.metrics["recruited_dc_fibers"] == on.metrics["recruited_dc_fibers"] == 0
        gain[f] = _rate(on, "local_in") - _rate(off, "local_in")
        dex[f] = _rate(on, "ex") - _rate(off, "ex")
    assert gain[10000.0] > 5.0  # Hz, a clear activation
    assert gain[5000.0] < 0.3 * gain[10000.0] and abs(gain[1000.0]) < 0.05 * gain[10000.0]
    assert dex[10000.0] <= 0.0  # excitatory INs not activated (their own current is outweighed by inhibition)


def test_inhibitory_in_activation_grows_with_frequency_biomedicines_2024():
    f = [1000.0, 3000.0, 5000.0, 8000.0, 10000.0]
    off = [_rate(_run(_hf(x), OFF), "local_in") for x in f]
    on = [_rate(_run(_hf(x), ON), "local_in") for x in f]
    gain = np.subtract(on, off)
    assert np.all(np.diff(gain) > 0), gain
