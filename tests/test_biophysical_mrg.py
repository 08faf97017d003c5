"""The MRG node option of the biophysical fibre (node = "mrg"): kernel vs NumPy twin, constants, rest, spike, CV.

This is MRG node kinetics (McIntyre, Richardson & Grill 2002) on the SENN cable with a perfectly insulating
internode plus a lumped internodal load, not the double-cable MRG model (docs/MODEL.md §2.7).
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from scs_sim.fibers import biophysical as bio
from tests.naive_biophysical import NaiveFiber

MRG = bio.BiophysicalParams(node="mrg", celsius=37.0)
D_UM = 10.0


def _run_both(amps, t_stop, celsius=37.0):
    p = bio.BiophysicalParams(node="mrg", celsius=celsius, dt_us=5.0, dt_coarse_us=50.0, active_ms=0.5)
    ve = bio.reilly_potentials(15, diameter_um=D_UM)
    start = [0.0, 3.0, 3.3, 9.0][: len(amps)]
    width = [0.1, 0.1, 0.05, 0.2][: len(amps)]
    t_k, st = bio.simulate_fiber(ve, D_UM, start, width, amps, t_stop_ms=t_stop, params=p, rec=11)
    kin, cab, num = bio.cable_constants(D_UM, p, ve.size, rec=11)
    tw = NaiveFiber(ve, kin, cab, num, bio.rest_state(kin, 1).rest, celsius=celsius)
    t_n = tw.run(start, width, amps, [0] * len(amps), t_stop)
    return t_k, st, t_n, tw


@pytest.mark.parametrize("celsius", [37.0, 30.0])
def test_mrg_kernel_matches_numpy_twin(celsius):
    # Spike, pulse in the refractory period, a sub-threshold anodic phase, settling to rest and a jump.
    t_k, st, t_n, tw = _run_both([-0.5, -0.6, 0.15, -0.1], 40.0, celsius)
    assert t_k.size >= 1
    np.testing.assert_allclose(t_k, t_n, rtol=0, atol=1e-6)
    np.testing.assert_allclose(st.v, tw.v, rtol=0, atol=1e-5)
    for a, b in zip((st.m, st.h, st.n, st.p), tw.g, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-8)
    assert st.t_now[0] == pytest.approx(tw.t)


def test_mrg_kernel_matches_twin_mid_action_potential():
    t_k, st, t_n, tw = _run_both([-0.5], 0.35)
    assert np.abs(st.v).max() > 20.0
    np.testing.assert_allclose(st.v, tw.v, rtol=0, atol=1e-5)
    np.testing.assert_allclose(t_k, t_n, rtol=0, atol=1e-6)


def test_mrg_constants_are_the_papers():
    kin = bio.kinetics(37.0, node="mrg", g_in=45.0)
    assert kin.node == 1 and kin.v_rest == -80.0 and kin.cm == 2.0
    # McIntyre et al. 2002: gNaf 3, gNaP 0.01, gKs 0.08, gL 0.007 S/cm²; ENa 50, EK -90 mV.
    assert (kin.g_naf, kin.g_nap, kin.g_ks, kin.g_l) == (3000.0, 10.0, 80.0, 7.0)
    assert kin.e_na + kin.v_rest == 50.0 and kin.e_k + kin.v_rest == -90.0
    # Leak reversal for zero net current at -80 mV: within 0.5 mV of the published E_L = -90 mV.
    assert kin.e_l + kin.v_rest == pytest.approx(-90.0, abs=0.5)
    assert kin.q == pytest.approx(2.2 ** 1.7) and kin.q_h == pytest.approx(2.9 ** 1.7)
    assert kin.q_s == pytest.approx(3.0 ** 0.1)
    # FH stays the default and untouched by the MRG fields.
    fh = bio.kinetics(37.0)
    assert fh.node == 0 and fh.g_naf == 0.0 and fh.g_in == 0.0 and bio.BiophysicalParams().node == "fh"


def test_mrg_bad_node_is_refused():
    with pytest.raises(ConfigError, match="node"):
        bio.kinetics(37.0, node="hh")
    with pytest.raises(ValueError):
        bio.BiophysicalParams(node="hh")


def _run_free(params, kick_ma, t_stop=30.0):
    """A 41-node 10 µm fibre after a weak 50 µs kick: (spikes, final state)."""
    ve = bio.reilly_potentials(41, diameter_um=D_UM)
    return bio.simulate_fiber(ve, D_UM, [0.0], [0.05], [kick_ma], t_stop_ms=t_stop, params=params, rec=30)


def test_mrg_rest_holds_at_v_init():
    kin = bio.kinetics(37.0, node="mrg")
    r = bio.rest_state(kin, 1).rest
    assert abs(bio._ionic(0.0, r[0], r[1], r[2], r[3], kin)[0]) < 1e-12  # zero net current at -80 mV
    thr = bio.single_pulse_threshold(bio.reilly_potentials(41, diameter_um=D_UM), D_UM, 50.0, MRG)
    t, st = _run_free(MRG, -0.5 * thr)  # half-threshold kick: no spike, back to -80 mV
    assert t.size == 0 and np.abs(st.v).max() < 0.05
    # Without the lumped internodal load the MRG node alone is unstable at -80 mV: the same kick fires.
    bare = MRG.model_copy(update={"mrg_internode_ms_cm2": 0.0})
    assert _run_free(bare, -0.5 * thr)[0].size > 0


def test_mrg_spike_amplitude_and_conduction_velocity():
    ve = bio.reilly_potentials(41, diameter_um=D_UM)
    thr = bio.single_pulse_threshold(ve, D_UM, 100.0, MRG)
    amp = -1.5 * thr
    times = [bio.simulate_fiber(ve, D_UM, [0.0], [0.1], [amp], t_stop_ms=3.0, params=MRG, rec=r)[0][0]
             for r in (25, 35)]
    cv = 10 * 100 * D_UM * 1e-3 / (times[1] - times[0])  # 10 internodes of 100 D; mm/ms = m/s
    # Mammalian large myelinated fibres: ~3.5-6 m/s per µm (Aβ 35-75 m/s); measured 36.6 m/s (docs/MODEL.md §2.7).
    assert 30.0 <= cv <= 70.0
    peak, st = 0.0, None
    for k in range(150):
        first = k == 0
        _, st = bio.simulate_fiber(ve, D_UM, [0.0] if first else [], [0.1] if first else [], [amp] if first else [],
                                   t_stop_ms=0.1 + 0.01 * k, params=MRG, rec=30, state=st)
        peak = max(peak, st.v[30])
    assert 90.0 <= peak <= 140.0  # overshoot to +10..+60 mV from -80 mV (MRG nodal spikes overshoot to ~+30-40 mV)


def test_mrg_fiber_model_selection_and_bad_value():
    from scs_sim.config import parse
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.models import recruit_function
    from scs_sim.stim.programs import pulse_train, tonic

    base = {"program": {"kind": "tonic", "amplitude_ma": 16.0, "frequency_hz": 50.0, "pulse_width_us": 300.0},
            "simulation": {"duration_s": 0.1, "seed": 2}}
    cfg = parse(base | {"patient": {"fibers": {"fiber_model": "biophysical_mrg"}}})
    fn = recruit_function(cfg.patient.fibers.fiber_model)
    assert fn is bio.recruit_biophysical_mrg
    with pytest.raises(ConfigError, match="biophysical_mrg"):
        parse(base | {"patient": {"fibers": {"fiber_model": "mrg"}}})
    pop = build_fibers(Anatomy(dc_count=8, dr_count=2), np.random.default_rng(4))
    tr = pulse_train(tonic(amplitude_ma=25.0, pulse_width_us=300.0, frequency_hz=100.0))
    a = fn(tr, pop, np.random.default_rng(3), 0.03, params=cfg.patient.fibers.excitation())
    b = bio.recruit_biophysical(tr, pop, np.random.default_rng(3), 0.03, params=bio.BiophysicalParams(node="mrg"))
    c = bio.recruit_biophysical(tr, pop, np.random.default_rng(3), 0.03)
    np.testing.assert_array_equal(a.spike_times_s, b.spike_times_s)
    assert a.spike_count.sum() > 0 and not np.array_equal(a.spike_times_s, c.spike_times_s)  # MRG is not FH


def test_chronaxie_fits_recover_known_curves():
    from scs_sim.validation.protocols_biophysical import PWS_US, chronaxies

    pw = np.array(PWS_US)
    lap, _ = chronaxies(pw, 2.0 / -np.expm1(-pw / 300.0))  # Lapicque, tau 300 µs
    assert lap == pytest.approx(300.0 * np.log(2.0), rel=3e-3)
    _, weiss = chronaxies(pw, 1.5 * (1.0 + 120.0 / pw))  # Weiss, c 120 µs
    assert weiss == pytest.approx(120.0, rel=1e-9)
    assert np.isnan(chronaxies(pw, np.array([1.0, 2.0, np.inf, 1.0, 1.0]))[0])
