"""ECAP model, cord motion and the closed loop (issue 17): growth, refractoriness, conduction velocity,
posture, the controller against open loop, and bit-identity of runs without the new tables."""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import Anatomy, build_fibers
from scs_sim.fibers.closed_loop import LoopStream
from scs_sim.fibers.ecap import EcapModel, EcapParams, growth_fit, growth_threshold, mean_ecap, n1p2
from scs_sim.fibers.motion import DriveTable, Motion, PostureStep
from scs_sim.fibers.params import ExcitationParams
from scs_sim.fibers.recruitment import RecruitStream, recruit
from scs_sim.fibers.threshold import threshold
from scs_sim.stim.closed_loop import ClosedLoop
from scs_sim.stim.programs import pulse_train, tonic

CONTACTS = [0, 1, 5, 6, 7]  # the default lead's non-stimulating contacts (cathode 3, anode 4)


@pytest.fixture(scope="module")
def pop():
    return build_fibers(Anatomy(dc_count=1000, dr_count=40), np.random.default_rng(11))


@pytest.fixture(scope="module")
def model(pop):
    return EcapModel(pop, pop.contact_weights(), CONTACTS)


def _mean_ecap(pop, model, amp_ma, freq_hz, duration_s=0.4, seed=5):
    """Mean noise-free N1-P2 (µV, contact 6) over the pulses of a tonic run, pulse by pulse."""
    tr = pulse_train(tonic(amplitude_ma=amp_ma, frequency_hz=freq_hz, pulse_width_us=210.0))
    return mean_ecap(tr, pop, model, np.random.default_rng(seed), duration_s, 6)


def test_single_fibre_waveform_is_triphasic_and_falls_with_distance(pop):
    """P1 (+), N1 (-), P2 (+) in order on a far contact; a thicker CSF layer gives a smaller SFAP."""
    f = int(np.argmax(pop.diameter_um[: pop.n_dc]))
    m = EcapModel(pop, pop.contact_weights(), [7], active=np.arange(pop.n_dc) == f)
    tr = m.templates[f, 0]
    i_n1 = int(np.argmin(tr))
    assert tr[i_n1] < 0 and tr[:i_n1].max() > 0 and tr[i_n1:].max() > 0
    far = EcapModel(pop.with_csf(5.0), pop.contact_weights(), [7], active=np.arange(pop.n_dc) == f)
    assert np.ptp(far.templates[f, 0]) < 0.7 * np.ptp(tr)


@pytest.fixture(scope="module")
def growth(pop, model):
    amps = np.arange(2.0, 14.1, 1.0)
    return amps, np.array([_mean_ecap(pop, model, a, 50.0) for a in amps])


def test_ecap_grows_about_linearly_above_threshold(growth):
    """Mean ECAP against current: none at 2 mA, then rising, and a line (R^2 > 0.95, positive slope)
    through the points above a quarter of the largest (Gmel et al. 2021 Front Neurosci 15:625835:
    linear growth above threshold)."""
    amps, ecap = growth
    assert ecap[0] == 0.0
    assert np.all(np.diff(ecap) > -0.05 * ecap.max())
    slope, _, r2 = growth_fit(amps, ecap)
    assert slope > 0 and r2 > 0.95, (amps, ecap, r2)
    assert np.count_nonzero(ecap >= 0.25 * ecap.max()) >= 6


#: Clinical frequency sweeps read the ECAP after a dwell at each setting while the patient rates it; the
#: dwell is not in Gmel et al. 2021's abstract, 30 s is this project's assumption (docs/MODEL.md §7).
DWELL_S = 30.0


def _dwell_ecap(pop, model, freq_hz, params=None):
    """Mean ECAP (µV, contact 6) over the last second of a 30 s tonic run at 10 mA, 210 µs."""
    tr = pulse_train(tonic(amplitude_ma=10.0, frequency_hz=freq_hz, pulse_width_us=210.0))
    return mean_ecap(tr, pop, model, np.random.default_rng(5), DWELL_S, 6, params=params, from_s=DWELL_S - 1.0)


def test_ecap_is_smaller_at_higher_frequency(pop, model):
    """Same current (10 mA), 20 Hz vs 200 Hz vs 500 Hz after the dwell: the smaller ECAP at higher
    frequency (Gmel et al. 2021 Front Neurosci 15:625835), and the activity-dependent hyperpolarisation
    is what makes it: without it (pump_inc = 0) the 500 Hz / 20 Hz ratio is closer to 1."""
    low, mid, high = (_dwell_ecap(pop, model, f) for f in (20.0, 200.0, 500.0))
    assert low > 0 and high < mid < low and high < 0.9 * low, (low, mid, high)
    off = ExcitationParams(pump_inc=0.0)
    ratio_off = _dwell_ecap(pop, model, 500.0, off) / _dwell_ecap(pop, model, 20.0, off)
    assert high / low < ratio_off - 0.1, (high / low, ratio_off)


def test_pump_reproduces_its_source_protocol(pop):
    """Kiernan et al. 2004 J Physiol 558:341: 10 min of supramaximal 8 Hz raised cutaneous-afferent
    thresholds by 5.4 % (0.1 ms) to 8.3 % (1 ms). The fibres that fired on every pulse end the train
    with their threshold raised by 5.4-9 %."""
    tr = pulse_train(tonic(amplitude_ma=40.0, frequency_hz=8.0, pulse_width_us=300.0))
    st = RecruitStream(tr, pop, np.random.default_rng(3), 600.0)
    st.advance(600.0, deliver=False)
    every = st.out.count == st.n_pulses
    assert every.sum() >= 0.5 * pop.n
    h = st.state.h[every]
    assert np.all((h > 0.054) & (h < 0.09)), (h.min(), h.max())


def test_ecap_threshold_relates_to_perception(pop, growth):
    """The ECAP detection threshold (mean ECAP >= 2x the noise rms) lies within a factor 1.5 of the
    perception threshold (Pilitsis et al. 2021 Front Neurosci: ECAP threshold near perception)."""
    amps, ecap = growth
    ecap_thr = growth_threshold(amps, ecap, 2.0 * EcapParams().noise_uv)
    perc = threshold(tonic(pulse_width_us=210.0), pop, 7)
    assert 1 / 1.5 < perc / ecap_thr < 1.5, (perc, ecap_thr)


def test_conduction_velocity_from_n1_latency_across_contacts(pop, model):
    """The slope of N1 latency against contact position recovers the recruited fibres' velocity
    (k D, Hursh 1939) within 25 %."""
    tr = pulse_train(tonic(amplitude_ma=10.0, frequency_hz=50.0))
    rec = recruit(tr, pop, np.random.default_rng(5), 0.02)
    fired = np.flatnonzero(rec.spike_count[: pop.n_dc] > 0)
    assert fired.size >= 5
    trace = model.trace(fired)
    z = pop.anatomy.contact_z_mm()
    rostral = [CONTACTS.index(c) for c in (5, 6, 7)]
    _, lat = n1p2(trace[rostral], model.t_ms, 0.0)
    cv = 1.0 / np.polyfit(z[[5, 6, 7]], lat, 1)[0]  # mm/ms = m/s
    expected = EcapParams().cv_per_um * pop.diameter_um[fired].mean()
    assert 0.75 * expected < cv < 1.25 * expected, (cv, expected)


def test_motion_trace_and_drive_table():
    pop = build_fibers(Anatomy(), np.random.default_rng(11))
    m = Motion(steps=[PostureStep(at_s=2.0, posture="standing")], transition_s=1.0,
               heart_amplitude_mm=0.0, breath_amplitude_mm=0.0)
    c = m.csf_mm(3.0, np.array([0.0, 1.9, 2.5, 3.0, 10.0]))
    assert np.allclose(c, [3.0, 3.0, 3.4, 3.8, 3.8])
    tr = pulse_train(tonic())
    tab = DriveTable(pop, tr.channels, 2.0, 2.8, 4.0, 0.1)
    assert np.array_equal(tab.at(3.0), tab.drive[int(np.argmin(np.abs(tab.grid_mm - 3.0)))])
    exact = pop.with_csf(3.45).channel_coupling() / 2.0
    assert np.allclose(tab.at(3.45)[0], exact, rtol=2e-3, atol=1e-9)
    assert tab.at(3.9)[0][: pop.n_dc].max() < tab.at(3.0)[0][: pop.n_dc].max()
    with pytest.raises(ValueError):
        Motion(steps=[PostureStep(at_s=2.0, posture="sitting"), PostureStep(at_s=1.0, posture="standing")])


def test_still_open_loop_stream_equals_recruit_stream(pop):
    """Without motion or feedback the pulse-by-pulse stream gives the plain stream's spikes exactly."""
    tr = pulse_train(tonic(amplitude_ma=9.0))
    a = LoopStream(tr, pop, np.random.default_rng(2), 1.0, loop=None, motion=None, ecap_rng=np.random.default_rng(3))
    b = RecruitStream(tr, pop, np.random.default_rng(2), 1.0)
    for t in (0.3, 0.65, 1.0):
        ta, fa = a.advance(t, roots=True)
        tb, fb = b.advance(t, roots=True)
        assert np.array_equal(ta, tb) and np.array_equal(fa, fb)
    assert np.array_equal(a.result().spike_count, b.result().spike_count)


def test_scaled_drive_equals_scaled_current(pop):
    """Scaling the couplings by g is the same pulse at g times the current (what the loop relies on)."""
    g = 1.3
    tr = pulse_train(tonic(amplitude_ma=7.0))
    a = RecruitStream(tr, pop, np.random.default_rng(4), 0.3)
    a.fib.coupling[...] *= g
    b = RecruitStream(pulse_train(tonic(amplitude_ma=7.0 * g)), pop, np.random.default_rng(4), 0.3)
    ta, fa = a.advance(0.3)
    tb, fb = b.advance(0.3)
    assert np.array_equal(fa, fb) and np.allclose(ta, tb, rtol=0, atol=1e-12)


def _posture_run(pop, loop):
    tr = pulse_train(tonic(amplitude_ma=9.0, frequency_hz=50.0))
    mot = Motion(steps=[PostureStep(at_s=3.0, posture="standing")], transition_s=1.0)
    st = LoopStream(tr, pop, np.random.default_rng(2), 10.0, loop=loop, motion=mot, ecap_rng=np.random.default_rng(3))
    for t in np.arange(0.5, 10.01, 0.5):
        st.advance(t, roots=True)
    return st


def test_controller_holds_ecap_in_band_through_posture_change_where_open_loop_leaves_it(pop):
    """Band: ± 30 % of the pre-change level (mean noise-free ECAP over 1-3 s), on 1-s means. From 3 s
    after standing up (CSF +0.8 mm) the closed loop is back in the band for every second, having raised
    the current; open loop stays below the band."""
    res = {}
    for name, loop in (("open", ClosedLoop(enabled=False)), ("closed", ClosedLoop(max_ma=18.0))):
        a = _posture_run(pop, loop).log.arrays()
        sec = np.floor(a["t_s"]).astype(int)
        ecap = np.array([a["ecap_true_uv"][sec == s].mean() for s in range(10)])
        res[name] = (ecap, ecap[1:3].mean(), a)
    ecap, ref, a = res["closed"]
    assert np.all(np.abs(ecap[7:] - ref) <= 0.3 * ref), (ecap, ref)
    assert a["current_ma"][-1] > 1.2 * 9.0
    ecap, ref, a = res["open"]
    assert np.all(ecap[7:] < 0.7 * ref), (ecap, ref)
    assert np.all(a["current_ma"] == 9.0)


def test_loop_config_errors(pop):
    tr = pulse_train(tonic())
    with pytest.raises(ConfigError, match="record_contact"):
        LoopStream(tr, pop, np.random.default_rng(1), 1.0, loop=ClosedLoop(record_contact=3), motion=None,
                   ecap_rng=np.random.default_rng(1))
    from scs_sim.config import parse

    with pytest.raises(ConfigError, match="program.closed_loop.max_ma"):
        parse({"program": {"kind": "tonic", "amplitude_ma": 5.0, "frequency_hz": 50.0, "pulse_width_us": 200.0,
                           "closed_loop": {"max_ma": 1e6}}})
    with pytest.raises(ConfigError, match="patient.motion.heart_rate_hz"):
        parse({"patient": {"motion": {"heart_rate_hz": -1.0}}})
    tonic_cl = {"kind": "tonic", "amplitude_ma": 5.0, "frequency_hz": 50.0, "pulse_width_us": 200.0,
                "closed_loop": {"record_contact": 4}}
    with pytest.raises(ConfigError, match="program.closed_loop.record_contact"):  # the default anode: at load time
        parse({"program": tonic_cl})
    with pytest.raises(ConfigError, match="single-channel"):
        parse({"program": "multiplexed_dtm", "patient": "posture"})
    with pytest.raises(ConfigError, match="fiber_model"):
        parse({"program": "tonic_50hz_closed_loop", "patient": {"fibers": {"fiber_model": "biophysical"}}})
    with pytest.raises(ConfigError, match="async_dc"):  # its firing is computed for the fixed, programmed current
        parse({"program": "tonic_50hz_closed_loop", "simulation": {"mechanisms": "gate+async_dc"}})


def test_cli_run_closed_loop_and_dumps_without_tables():
    """scs-sim run takes the tables (exit 0, cl_* keys); a config without them dumps no new keys."""
    from scs_sim.app.cli import main
    from scs_sim.config import parse

    cfg = parse({"program": "tonic_50hz", "patient": "default"})
    dump = cfg.model_dump(mode="json")
    assert "closed_loop" not in dump["program"] and "motion" not in dump["patient"]
    assert main(["run", "configs/runs/tonic_default.toml", "-s", "simulation.duration_s=1.0", "-s",
                 "program=tonic_50hz_closed_loop", "-s", "patient=posture", "--json"]) == 0


def test_saved_run_holds_the_loop_record(tmp_path):
    from scs_sim.config import parse
    from scs_sim.simulation import simulate_config

    r = simulate_config(parse({"program": "tonic_50hz_closed_loop", "patient": "posture",
                               "simulation": {"duration_s": 1.0, "model": "rate"}}))
    r.save(tmp_path)
    z = np.load(tmp_path / "arrays.npz")
    assert z["loop_current_ma"].size == r.metrics["cl_pulses"] == 50
    assert np.isnan(z["loop_ecap_uv"][0]) and np.isfinite(z["loop_ecap_uv"][-1])  # calibrating, then measured


def test_ecap_validation_rows_pass_and_are_registered():
    """The ECAP protocol's experiments pass (tolerances in validation/protocols_ecap.py); the closed-loop
    rows are registered (their protocol runs in the full validation)."""
    from scs_sim.validation.experiments import EXPERIMENTS_BY_ID
    from scs_sim.validation.protocols import PROTOCOLS
    from scs_sim.validation.protocols_ecap import EXPERIMENT_SPECS

    out = PROTOCOLS["ecap"](True)["metrics"]
    for spec in EXPERIMENT_SPECS:
        e = EXPERIMENTS_BY_ID[spec["id"]]
        assert e.protocol in PROTOCOLS
        if e.protocol == "ecap":  # an expected failure must still fail (it is reported, not hidden)
            assert (e.lo <= out[e.metric] <= e.hi) != e.expect_fail, (e.id, out[e.metric])
