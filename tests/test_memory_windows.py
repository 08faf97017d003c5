"""Windowed runs (issue 15: memory that does not grow with simulated duration).

The circuit kernels (spiking and rate), the recruitment and the natural drive run window by window
with their state carried. Checked here: splitting a kernel's run into windows (same inputs) is bit for
bit the single call; a run no longer than one window is bit for bit the single-call pipeline composed
from the public pieces (afferent_spikes → recruit → merge_dc → backend run); a run whose inputs do not
depend on the windows (no natural drive) gives identical results with 1 s and 60 s windows; recordings
are bounded by ``simulation.record_s`` while the metrics cover the whole run.
"""

from __future__ import annotations

import numpy as np
import pytest

from scs_sim.config import parse
from scs_sim.dorsal_horn.afferents import (
    PainState,
    afferent_spikes,
    afferent_window,
    merge_dc,
    merge_dr,
    receptive_field_roles,
)
from scs_sim.dorsal_horn.backends import backend
from scs_sim.dorsal_horn.network import afferent_sizes, build
from scs_sim.dorsal_horn.params import circuit_params, preset
from scs_sim.dorsal_horn.rate import rates_from_spikes
from scs_sim.dorsal_horn.rate_backend import RateStepper
from scs_sim.dorsal_horn.rate_backend import run as rate_run
from scs_sim.dorsal_horn.spiking import Stepper, run
from scs_sim.dorsal_horn.synapses import std_efficacy
from scs_sim.errors import ConfigError
from scs_sim.fibers.anatomy import Anatomy, build_fibers
from scs_sim.fibers.recruitment import RecruitStream, recruit
from scs_sim.simulation import _rngs, simulate_config, windup_index
from scs_sim.stim.programs import pulse_train, tonic

DT = 1e-4


def _inputs(p, duration_s: float, seed: int = 1):
    sizes = afferent_sizes(p)
    sp = afferent_spikes(PainState(), sizes, duration_s, np.random.default_rng(seed))
    rng = np.random.default_rng(seed + 1)
    pulses = np.arange(duration_s / 2, duration_s, 0.05)  # SCS in the second half only
    t = np.repeat(pulses, p.n_dc) + rng.uniform(0.0, 1e-3, pulses.size * p.n_dc)
    return merge_dc(sp, t, np.tile(np.arange(p.n_dc), pulses.size))


@pytest.fixture(scope="module")
def zhang():
    p = preset("segment")
    return build(p, np.random.default_rng(0)), _inputs(p, 2.0)


@pytest.mark.parametrize("ends", [(20_000,), (50, 10_000, 20_000), (7_000, 7_050, 13_300, 20_000)])
def test_spiking_kernel_split_into_windows_is_the_single_call(zhang, ends):
    net, inputs = zhang
    whole = run(net, inputs, 2.0)
    st = Stepper(net, 2.0)
    wins = [st.advance(inputs if k == 0 else None, s1) for k, s1 in enumerate(ends)]
    np.testing.assert_array_equal(np.concatenate([w.spike_step for w in wins]) * DT, whole.spike_times_s)
    np.testing.assert_array_equal(np.concatenate([w.spike_neuron for w in wins]), whole.spike_neuron)
    np.testing.assert_array_equal(np.concatenate([w.wdr_step for w in wins]) * DT, whole.wdr_spike_times_s)
    for pop, r in whole.rates_hz.items():
        np.testing.assert_array_equal(np.concatenate([w.rates_hz[pop] for w in wins]), r)
    assert sum(w.n_wdr for w in wins) == whole.n_wdr_spikes_total > 0


def test_spiking_inputs_may_come_window_by_window(zhang):
    """Each window's spikes given with it (the simulation loop), dc spikes of later windows early."""
    net, inputs = zhang
    whole = run(net, inputs, 2.0)
    st = Stepper(net, 2.0)
    steps = []
    for k, (t0, t1) in enumerate([(0.0, 0.5), (0.5, 1.5), (1.5, 2.0)]):
        part = {}
        for pop in ("abeta", "adelta", "c", "dc"):
            tr = inputs[pop]
            m = (tr.times_s >= t0) & (tr.times_s < t1) if pop != "dc" or k else tr.times_s < 1.0
            if pop == "dc" and k == 1:
                m = (tr.times_s >= 1.0) & (tr.times_s < 1.5)
            part[pop] = (tr.times_s[m], tr.index[m])
        sp = merge_dc(afferent_spikes(PainState(abeta_rate_hz=0, adelta_rate_hz=0, c_rate_hz=0),
                                      afferent_sizes(net.params), 2.0, np.random.default_rng(0)), *part["dc"])
        from scs_sim.dorsal_horn.afferents import AfferentSpikes, make_train
        sp = AfferentSpikes(make_train(*part["abeta"]), make_train(*part["adelta"]), make_train(*part["c"]), sp.dc)
        steps.append(st.advance(sp, round(t1 / DT)))
    np.testing.assert_array_equal(np.concatenate([w.spike_step for w in steps]) * DT, whole.spike_times_s)
    np.testing.assert_array_equal(np.concatenate([w.rates_hz["wdr"] for w in steps]), whole.rates_hz["wdr"])


def test_window_ends_must_end_a_bin(zhang):
    net, _ = zhang
    st = Stepper(net, 2.0)
    with pytest.raises(ConfigError, match="end a rate bin"):
        st.advance(None, 1234)
    with pytest.raises(ConfigError):
        st.advance(None, 30_000)


@pytest.mark.parametrize("ends", [(5_000, 20_000), (250, 9_950, 10_000, 20_000)])
def test_rate_backend_split_into_windows_is_the_single_call(zhang, ends):
    net, inputs = zhang
    whole = rate_run(net, inputs, 2.0, dt_s=DT, bin_s=0.005)
    st = RateStepper(net, 2.0, dt_s=DT, bin_s=0.005)
    wins = [st.advance(inputs if k == 0 else None, s1) for k, s1 in enumerate(ends)]
    for pop, r in whole.rates_hz.items():
        np.testing.assert_array_equal(np.concatenate([w.rates_hz[pop] for w in wins]), r)
    assert whole.rates_hz["wdr"].max() > 0
    with pytest.raises(ConfigError, match="first window"):
        RateStepper(net, 2.0, dt_s=DT, bin_s=0.005).advance(inputs, 200)


def test_depression_and_smoothing_carry_their_state():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 1.0, 500))
    f = rng.integers(0, 7, 500)
    whole = std_efficacy(t, f, 7, 0.3, 0.04)
    state = (np.full(7, -np.inf), np.ones(7))
    k = 211
    parts = np.concatenate([std_efficacy(t[:k], f[:k], 7, 0.3, 0.04, state=state),
                            std_efficacy(t[k:], f[k:], 7, 0.3, 0.04, state=state)])
    np.testing.assert_array_equal(parts, whole)
    r_whole = rates_from_spikes(t, 7, 1.0, dt_s=1e-3)
    st = np.zeros(2)
    a = rates_from_spikes(t[t < 0.4], 7, 0.4, dt_s=1e-3, state=st)
    b = rates_from_spikes(t[t >= 0.4], 7, 0.6, dt_s=1e-3, first_step=400, state=st)
    np.testing.assert_array_equal(np.concatenate([a, b]), r_whole)


def test_recruitment_stream_is_recruit_whatever_the_windows():
    pop = build_fibers(Anatomy(), np.random.default_rng(1))
    train = pulse_train(tonic(amplitude_ma=6.0, frequency_hz=130.0))
    whole = recruit(train, pop, np.random.default_rng(2), 1.0)
    s = RecruitStream(train, pop, np.random.default_rng(2), 1.0)
    got = [s.advance(t1) for t1 in (0.013, 0.3, 0.30001, 0.77, 1.0)]
    res = s.result()
    assert whole.spike_count.sum() > 100
    for name in ("spike_times_s", "fiber_ptr", "spike_count", "dc_count_hist", "channel_pulses",
                 "channel_volleys", "pulse_dc_count"):
        np.testing.assert_array_equal(getattr(res, name), getattr(whole, name), err_msg=name)
    assert res.summary() == whole.summary()
    dc_t, dc_i = whole.dc_spikes()
    np.testing.assert_array_equal(np.concatenate([g[0] for g in got]), dc_t)
    np.testing.assert_array_equal(np.concatenate([g[1] for g in got]), dc_i)


def test_recruitment_stream_records_only_the_recorded_span():
    pop = build_fibers(Anatomy(), np.random.default_rng(1))
    train = pulse_train(tonic(amplitude_ma=6.0, frequency_hz=130.0))
    whole = recruit(train, pop, np.random.default_rng(2), 1.0)
    s = RecruitStream(train, pop, np.random.default_rng(2), 1.0, record_s=0.25)
    for t1 in (0.5, 1.0):
        s.advance(t1)
    res = s.result()
    np.testing.assert_array_equal(res.spike_count, whole.spike_count)
    assert res.spike_times_s.max() < 0.25 and res.truncated
    assert res.spike_times_s.size == np.count_nonzero(whole.spike_times_s < 0.25)


def test_natural_drive_window_by_window():
    pain = PainState(volleys={"start_s": 0.3, "count": 4, "interval_s": 0.5}, conditioning_abeta_s=[0.9, 1.95],
                     noxious=[{"start_s": 0.8, "stop_s": 1.6, "c_rate_hz": 20.0}])
    sizes = {"abeta": 5, "adelta": 4, "c": 6}
    whole = afferent_spikes(pain, sizes, 2.0, np.random.default_rng(4))
    one = afferent_window(pain, sizes, 0.0, 2.0, 2.0, np.random.default_rng(4))
    for pop in ("abeta", "adelta", "c"):
        np.testing.assert_array_equal(one[pop].times_s, whole[pop].times_s)
    rng = np.random.default_rng(4)
    wins = [afferent_window(pain, sizes, a, b, 2.0, rng) for a, b in ((0.0, 0.7), (0.7, 1.4), (1.4, 2.0))]
    for pop in ("abeta", "adelta", "c"):
        t = np.concatenate([w[pop].times_s for w in wins])
        assert t.min() >= 0 and t.max() < 2.0
    # every volley gives each fibre one spike, whichever window its onset fell in: 4 volleys (+2 Aβ conditioning)
    v_lo = 0.3 + 0.5 * np.arange(4)
    c = np.concatenate([w.c.times_s for w in wins])
    for v in v_lo:
        n = np.count_nonzero((c >= v + 0.069) & (c <= v + 0.315))
        assert n >= 6
    with pytest.raises(ConfigError):
        afferent_window(pain, sizes, 1.0, 2.5, 2.0, rng)


def _cfg(model="spiking", duration_s=3.0, window_s=60.0, record_s=60.0, pain=None, program="tonic_50hz", seed=2):
    d = {"program": program, "simulation": {"duration_s": duration_s, "model": model, "window_s": window_s,
                                            "record_s": record_s, "seed": seed}}
    if pain is not None:
        d["patient"] = {"pain": pain}
    return parse(d)


def _single_call(cfg):
    """The pipeline as one call of every stage (what simulate_config did before windows)."""
    sim, patient = cfg.simulation, cfg.patient
    rngs = _rngs(sim.seed, patient.anatomy_seed)
    fibers = build_fibers(patient.anatomy, rngs["fibers"])
    params = circuit_params(sim.circuit, {**patient.circuit, "n_dc": fibers.n})  # DR fibres are sources too
    net = build(params, rngs["circuit"], dc_role=receptive_field_roles(fibers, patient.pain))
    natural = afferent_spikes(patient.pain, afferent_sizes(params), sim.duration_s, rngs["afferents"])
    rec = recruit(pulse_train(cfg.program), fibers, rngs["recruit"], sim.duration_s,
                  params=patient.fibers.excitation(), perception=patient.perception)
    run_ = backend(sim.model)
    kw = dict(dt_s=sim.dt_ms * 1e-3, bin_s=sim.bin_ms * 1e-3, **patient.pain.circuit_kwargs())
    stim_inputs = merge_dr(merge_dc(natural, *rec.dc_spikes()), rec)
    return run_(net, stim_inputs, sim.duration_s, **kw), run_(net, natural, sim.duration_s, **kw), rec


@pytest.mark.parametrize("model,program,pain", [
    ("spiking", "tonic_50hz", None),
    ("rate", "tonic_50hz", None),
    ("spiking", "burst_dr", {"volleys": {"start_s": 0.2, "count": 3, "interval_s": 0.8}}),
])
def test_one_window_is_the_single_call_pipeline(model, program, pain):
    cfg = _cfg(model, duration_s=2.5, program=program, pain=pain)
    r = simulate_config(cfg)
    stim, base, rec = _single_call(cfg)
    assert r.metrics["wdr_rate_hz"] == stim.wdr_rate_hz() and r.metrics["baseline_wdr_rate_hz"] == base.wdr_rate_hz()
    for pop in stim.rates_hz:
        np.testing.assert_array_equal(r.rates_hz[pop], stim.rates_hz[pop])
        np.testing.assert_array_equal(r.baseline_rates_hz[pop], base.rates_hz[pop])
    np.testing.assert_array_equal(r.wdr_spike_times_s, stim.wdr_spike_times_s)
    np.testing.assert_array_equal(r.spike_times_s, stim.spike_times_s)
    np.testing.assert_array_equal(r.recruitment.spike_times_s, rec.spike_times_s)
    assert {k: r.metrics[k] for k in rec.summary()} == rec.summary()
    if pain is not None:
        n = r.neuron_ranges["wdr"][1] - r.neuron_ranges["wdr"][0]
        v = 0.2 + 0.8 * np.arange(3)
        assert r.metrics["windup_index"] == windup_index(stim.wdr_spike_times_s, v, n)
        assert r.metrics["baseline_windup_index"] == windup_index(base.wdr_spike_times_s, v, n)


#: No ongoing drive; conditioning Aβ volleys (their latencies are drawn volley by volley, in order, so
#: the same draws whatever the windows), one of them 2 ms before a window end.
QUIET = {"abeta_rate_hz": 0.0, "adelta_rate_hz": 0.0, "c_rate_hz": 0.0,
         "conditioning_abeta_s": [0.3, 0.998, 1.2, 1.7, 2.4, 2.9]}


@pytest.mark.parametrize("model", ["spiking", "rate"])
def test_window_length_does_not_change_a_run_without_natural_drive(model):
    """Recruitment and circuit are exact across windows; only the natural drive is drawn per window
    (here it does not depend on the windows either)."""
    a = simulate_config(_cfg(model, pain=QUIET))
    b = simulate_config(_cfg(model, window_s=1.0, pain=QUIET))
    assert a.window_t_s.size == 1 and b.window_t_s.size == 3
    for pop in a.rates_hz:
        np.testing.assert_array_equal(a.rates_hz[pop], b.rates_hz[pop])
    np.testing.assert_array_equal(a.spike_times_s, b.spike_times_s)
    np.testing.assert_array_equal(a.recruitment.spike_times_s, b.recruitment.spike_times_s)
    for k, v in a.metrics.items():
        if k in ("wall_s", "relief_pct") or v is None:
            continue
        if model == "rate" and k in ("wdr_rate_hz", "baseline_wdr_rate_hz"):
            # the mean over bins is summed window by window: the same bins, another summation order
            assert b.metrics[k] == pytest.approx(v, rel=1e-12)
        else:
            assert b.metrics[k] == v, k
    assert a.metrics["recruited_dc_fibers"] > 0 and a.metrics["wdr_rate_hz"] > 0


def test_recordings_are_bounded_by_record_s_and_metrics_are_not():
    full = simulate_config(_cfg(duration_s=3.0, window_s=1.0, record_s=3.0))
    part = simulate_config(_cfg(duration_s=3.0, window_s=1.0, record_s=1.2))
    assert {k: v for k, v in part.metrics.items() if k not in ("wall_s", "truncated")} == \
        {k: v for k, v in full.metrics.items() if k not in ("wall_s", "truncated")}
    n = round(1.2 / 0.005)
    assert part.t_s.size == part.rates_hz["wdr"].size == part.baseline_rates_hz["wdr"].size == n
    np.testing.assert_array_equal(part.rates_hz["wdr"], full.rates_hz["wdr"][:n])
    assert part.spike_times_s.max() < 1.2 and part.wdr_spike_times_s.max() < 1.2
    np.testing.assert_array_equal(part.spike_times_s, full.spike_times_s[full.spike_times_s < 1.2])
    assert part.recruitment.spike_times_s.max() < 1.2
    np.testing.assert_array_equal(part.recruitment.spike_count, full.recruitment.spike_count)
    # the per-window rates cover the whole run and average to the run's rate
    assert part.window_t_s.tolist() == [0.0, 1.0, 2.0]
    np.testing.assert_array_equal(part.window_rates_hz["wdr"], full.window_rates_hz["wdr"])
    assert np.mean(part.window_rates_hz["wdr"]) == pytest.approx(part.metrics["wdr_rate_hz"], rel=1e-9)
    assert np.mean(part.baseline_window_rates_hz["wdr"]) == pytest.approx(part.metrics["baseline_wdr_rate_hz"],
                                                                          rel=1e-9)


def test_saved_result_has_the_window_rates(tmp_path):
    r = simulate_config(_cfg(duration_s=2.0, window_s=1.0, record_s=0.5))
    r.save(tmp_path)
    z = np.load(tmp_path / "arrays.npz")
    np.testing.assert_array_equal(z["window_t_s"], [0.0, 1.0])
    np.testing.assert_array_equal(z["window_rate_wdr_hz"], r.window_rates_hz["wdr"])
    assert z["rate_wdr_hz"].size == 100


@pytest.mark.parametrize("sim,match", [
    ({"window_s": 0.5}, "window_s"),
    ({"window_s": 10.0025}, "whole number of rate bins"),
    ({"record_s": -1.0}, "record_s"),
    ({"window_s": True}, "window_s"),
])
def test_window_and_record_settings_are_validated(sim, match):
    with pytest.raises(ConfigError, match=match):
        parse({"program": "tonic_50hz", "simulation": sim})
