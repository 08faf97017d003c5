"""The async_dc and dtm_glial hooks in simulation.py: off (or nothing to act on) leaves a run bit-identical;
on, they reach the circuit where their sources say they should."""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.config import load_patient, load_program
from scs_sim.simulation import simulate_config
from scs_sim.validation.protocols_mechanisms_more import TABLE, run_config, top_dc_ratio

DUR = 2.0
OFF = ["gate"]  # the default set, gate_only (today's model)


def _run(prog, patient, mechanisms, seed=1):
    return simulate_config(run_config(prog, patient, mechanisms, DUR, seed))


def _same(a, b):
    assert a.metrics["wdr_rate_hz"] == b.metrics["wdr_rate_hz"]
    assert a.metrics["relief_pct"] == b.metrics["relief_pct"]
    np.testing.assert_array_equal(a.spike_times_s, b.spike_times_s)
    np.testing.assert_array_equal(a.rates_hz["wdr"], b.rates_hz["wdr"])


def test_async_dc_without_khz_pulses_is_bit_identical():
    prog, _ = load_program("tonic_50hz")
    pat = load_patient(None)
    _same(_run(prog, pat, OFF), _run(prog, pat, ["gate", "async_dc"]))


def test_dtm_glial_without_disinhibition_is_bit_identical():
    prog, _ = load_program("multiplexed_dtm")
    pat = load_patient(None)
    _same(_run(prog, pat, OFF), _run(prog, pat, ["gate", "dtm_glial"]))


def test_async_dc_reaches_the_circuit_unfelt():
    prog, _ = load_program("hf_10khz")
    pat = load_patient(None)
    rho = top_dc_ratio(prog, pat, 1)  # the most excitable DC fibre at the preset amplitude, over its threshold
    sub = prog.model_copy(update={"amplitude_ma": prog.amplitude_ma * 0.8 / rho})  # that fibre at 0.8 (seed 1)
    off, on = _run(sub, pat, OFF), _run(sub, pat, ["gate", "async_dc"])
    assert on.metrics["async_dc_spikes"] > 0
    assert on.metrics["recruited_dc_fibers"] == off.metrics["recruited_dc_fibers"] == 0
    assert on.metrics["perceived_intensity"] == 0.0
    assert on.metrics["baseline_wdr_rate_hz"] == off.metrics["baseline_wdr_rate_hz"]
    assert not np.array_equal(on.rates_hz["wdr"], off.rates_hz["wdr"])


def test_dtm_glial_treats_the_stimulated_run_not_the_baseline():
    prog, _ = load_program("multiplexed_dtm")
    pat = load_patient("disinhibited")
    off, on = _run(prog, pat, OFF), _run(prog, pat, ["gate", "dtm_glial"])
    assert on.metrics["baseline_wdr_rate_hz"] == off.metrics["baseline_wdr_rate_hz"]
    assert on.metrics["wdr_rate_hz"] < off.metrics["wdr_rate_hz"]  # restored inhibition
    tonic, _ = load_program("tonic_50hz")  # low rate restores nothing (Cedeño 2020)
    _same(_run(tonic, pat, OFF), _run(tonic, pat, ["gate", "dtm_glial"]))


@pytest.mark.parametrize("name", sorted(TABLE))
def test_protocols_run_quick(name):
    out = TABLE[name](True)
    assert out["metrics"] and all(isinstance(v, float) for v in out["metrics"].values())


def test_mechanism_params_reach_the_run_and_are_validated():
    from scs_sim.config import RunConfig, Simulation, validate_model
    from scs_sim.errors import ConfigError
    from scs_sim.stim.dosimetry import Device

    with pytest.raises(ConfigError, match="therapy_hours"):
        validate_model(Simulation, {"mechanisms": "gate+dtm_glial",
                                    "mechanism_params": {"dtm_glial": {"therapy_hours": -1.0}}},
                       file=None, prefix=("simulation",))
    prog, _ = load_program("multiplexed_dtm")
    pat = load_patient("disinhibited")
    sim = validate_model(Simulation, {"duration_s": DUR, "mechanisms": "gate+dtm_glial",
                                      "mechanism_params": {"dtm_glial": {"therapy_hours": 0.0}}},
                         file=None, prefix=("simulation",))
    cfg = RunConfig.model_construct(program=prog, patient=pat, device=Device(), simulation=sim, sweep=None,
                                    source=None, program_dir=None)
    _same(_run(prog, pat, OFF), simulate_config(cfg))  # no therapy yet: the untreated patient
