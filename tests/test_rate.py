"""Tests of the firing-rate gate (scs_sim.dorsal_horn.rate): kernel vs naive twin, phenomena, input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scs_sim.dorsal_horn.rate import (
    STATE_NAMES,
    RateDrive,
    RateInputs,
    RateParams,
    _constants,
    _raise_if_failed,
    _rate_kernel,
    rates_from_spikes,
    run_rate,
)
from scs_sim.errors import ConfigError, SimulationError
from tests.naive_rate import naive_bin, naive_rate_trace, naive_rates_from_spikes

RTOL_KERNEL = 1e-12  # kernel vs naive: same arithmetic, only summation order may differ
ATOL_KERNEL = 1e-12  # Hz; E sits at ~1e-9 Hz at baseline
DT_CONVERGENCE = 0.01  # halving dt may change the mean P rate by less than 1 %
DT = 1e-4


def poisson_times(rng, n_fibres, segments):
    """Pooled Poisson spike times; ``segments`` = [(t0, t1, rate_hz), ...]."""
    parts = [rng.uniform(t0, t1, rng.poisson(rate * n_fibres * (t1 - t0))) for t0, t1, rate in segments]
    return np.sort(np.concatenate(parts))


def pulses(duration_s, dt_s, onsets_s, width_s, rate_hz, base_hz=1.0):
    """Per-step rate: ``base_hz`` with boxes of ``rate_hz`` of ``width_s`` at each onset."""
    n = int(round(duration_s / dt_s))
    k = np.arange(n)
    f = np.full(n, base_hz)
    for t0 in onsets_s:
        k0, k1 = round(t0 / dt_s), round((t0 + width_s) / dt_s)
        f[(k >= k0) & (k < k1)] = rate_hz
    return f


def mean_wdr(params, inputs, duration_s, t0_s, t1_s, dt_s=DT):
    out = run_rate(params, inputs, duration_s, dt_s=dt_s, bin_s=1e-3)
    i0, i1 = round(t0_s / out.bin_s), round(t1_s / out.bin_s)
    return float(out.rates_hz["wdr"][i0:i1].mean())


# ------------------------------------------------------------------------------------------------
# kernel vs naive reference
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        RateParams(),
        RateParams(max_g_squared=True),
        RateParams(nmda_scale=0.5, gaba_scale=0.3, w_dc_infield=0.7, g_dc_i=1.3),
        RateParams(tau_p_ms=2.0, beta_g_hz=10.0, max_g=3.0),
    ],
)
def test_kernel_matches_naive(params):
    rng = np.random.default_rng(7)
    duration, bin_s = 0.3, 0.0033  # 3000 steps, 33 steps per bin: last bin is partial
    n = int(round(duration / DT))
    f_ab = rates_from_spikes(
        poisson_times(rng, 50, [(0, 0.1, 1), (0.1, 0.15, 40), (0.15, 0.3, 5)]), 50, duration
    )
    f_c = rates_from_spikes(
        poisson_times(rng, 80, [(0, 0.12, 1), (0.12, 0.25, 30), (0.25, 0.3, 1)]), 80, duration
    )
    f_in = rng.uniform(0, 4, n)
    f_sur = rng.uniform(0, 10, n)
    out = run_rate(params, RateInputs(f_ab, f_c, f_in, f_sur), duration, dt_s=DT, bin_s=bin_s)
    ref = naive_bin(naive_rate_trace(params, f_ab, f_c, f_in, f_sur, DT), 33)
    assert out.rates_hz["wdr"].shape == (ref.shape[1],) == (math.ceil(n / 33),)
    for j, name in enumerate(STATE_NAMES):
        np.testing.assert_allclose(
            out.rates_hz[name], ref[j], rtol=RTOL_KERNEL, atol=ATOL_KERNEL, err_msg=name
        )
    assert out.rates_hz["wdr"].max() > 5.0  # the comparison covers an active network, not just baseline
    np.testing.assert_allclose(out.t_s, np.arange(ref.shape[1]) * 33 * DT)


@pytest.mark.parametrize("tau_ms", [0.0, 2.0, 5.0])
def test_rates_from_spikes_matches_naive(tau_ms):
    rng = np.random.default_rng(3)
    times = poisson_times(rng, 20, [(0, 0.02, 5), (0.02, 0.04, 200), (0.04, 0.06, 5)])
    times = np.append(times, [0.061, 0.5])  # after duration: ignored
    got = rates_from_spikes(times, 20, 0.06, 1e-4, tau_ms)
    ref = naive_rates_from_spikes(times, 20, 0.06, 1e-4, tau_ms)
    assert got.shape == (600,)
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)


def test_rates_from_spikes_units_and_mean():
    rng = np.random.default_rng(11)
    times = poisson_times(rng, 400, [(0, 2.0, 3.0)])
    raw = rates_from_spikes(times, 400, 2.0, 1e-4, 0.0)
    assert raw.sum() * 1e-4 * 400 == pytest.approx(len(times))  # raw rate integrates to the spike count
    smooth = rates_from_spikes(times, 400, 2.0, 1e-4, 5.0)
    assert smooth.mean() == pytest.approx(3.0, rel=0.05)  # unit-area kernel keeps the mean rate
    assert smooth.std() < raw.std() / 5
    # causal: a spike at t affects nothing before t
    # causal after the start-up window (the initial value is the mean of the first 5 tau)
    r = rates_from_spikes([0.0305], 1, 0.05, 1e-3, 5.0)
    assert np.all(r[:30] == 0) and r[30] > 0


# ------------------------------------------------------------------------------------------------
# phenomena
# ------------------------------------------------------------------------------------------------
def test_brief_stimulus_protocol_gives_p_response():
    """Crodelle et al. protocol: 380 Abeta / 820 Adelta+C fibres at 1 Hz; Abeta 40 Hz for 20 ms at
    0.5 s, C 22 Hz for 210 ms at 0.59 s (Poisson)."""
    rng = np.random.default_rng(2019)
    dur = 1.3
    ta = poisson_times(rng, 380, [(0, 0.5, 1), (0.5, 0.52, 40), (0.52, dur, 1)])
    tc = poisson_times(rng, 820, [(0, 0.59, 1), (0.59, 0.8, 22), (0.8, dur, 1)])
    inputs = RateInputs(f_abeta=rates_from_spikes(ta, 380, dur), f_c=rates_from_spikes(tc, 820, dur))
    out = run_rate(None, inputs, dur, bin_s=0.01)
    p, e, i, g = (out.rates_hz[k] for k in STATE_NAMES)
    t = out.t_s
    before, during, after = (t >= 0.2) & (t < 0.5), (t >= 0.62) & (t < 0.8), t >= 1.0
    assert p[before].max() < 2.0  # quiet baseline
    assert p[during].mean() > 10 * p[before].mean()  # nociceptive response
    assert p[during].max() > 20.0
    assert p[after].mean() < 2 * p[before].mean() + 0.5  # recovers
    assert e[during].mean() > 10.0 and e[before].max() < 1.0  # C drives E
    assert i[(t >= 0.5) & (t < 0.54)].max() > 5 * i[before].mean()  # the Abeta burst drives I
    assert g[after][0] > g[before].max()  # the response leaves an NMDA trace
    assert np.all(p >= 0) and np.all(p <= RateParams().max_p_hz)


def _windup_responses(params, n_volleys=5):
    """Mean P over each of ``n_volleys`` 1 Hz C volleys (22 Hz for 210 ms), first at 0.5 s."""
    dur = 0.5 + n_volleys
    onsets = 0.5 + np.arange(n_volleys)
    inputs = RateInputs(f_abeta=1.0, f_c=pulses(dur, DT, onsets, 0.21, 22.0))
    out = run_rate(params, inputs, dur, bin_s=1e-3)
    p, g = out.rates_hz["wdr"], out.rates_hz["g_nmda"]
    idx = [slice(round(t0 / 1e-3), round((t0 + 0.3) / 1e-3)) for t0 in onsets]
    return np.array([p[s].mean() for s in idx]), np.array([g[s].max() for s in idx])


def test_windup_grows_through_nmda():
    resp, g_peak = _windup_responses(RateParams())
    assert np.all(np.diff(resp) > 0), resp
    assert resp[-1] > 1.05 * resp[0], resp
    assert np.all(np.diff(g_peak) > 0)
    flat, g_flat = _windup_responses(RateParams(nmda_scale=0.0))
    np.testing.assert_allclose(flat, flat[0], rtol=1e-3)  # no wind-up without NMDA
    assert np.all(g_flat > 0)  # gNMDA still builds; it simply has no effect
    assert resp[-1] > flat[-1]


def _c_volley_response(params, **extra):
    dur = 1.0
    base = dict(f_abeta=1.0, f_c=pulses(dur, DT, [0.5], 0.21, 22.0))
    base.update(extra)
    return mean_wdr(params, RateInputs(**base), dur, 0.5, 0.75)


def test_abeta_and_infield_dc_close_the_gate():
    ref = _c_volley_response(None)
    with_ab = _c_volley_response(None, f_abeta=40.0)
    with_dc = _c_volley_response(None, f_abeta=0.0, f_dc_infield=40.0)
    assert with_ab < 0.5 * ref, (ref, with_ab)
    assert with_dc == pytest.approx(with_ab, rel=1e-12)  # w_dc_infield = 1: DC collateral acts as Abeta
    weak = _c_volley_response(RateParams(w_dc_infield=0.25), f_abeta=0.0, f_dc_infield=40.0)
    assert weak > with_dc  # the weight matters
    # (weak Abeta, < ~20 Hz per fibre, is net excitatory in this model: the gate needs strong Abeta)
    assert _c_volley_response(None, f_abeta=10.0) > ref
    # opening the gate: more C input raises P
    more_c = _c_volley_response(None, f_c=pulses(1.0, DT, [0.5], 0.21, 30.0))
    assert more_c > ref


def test_surround_dc_reduces_p_and_gaba_block_removes_it():
    ref = _c_volley_response(None)
    sur = _c_volley_response(None, f_dc_surround=40.0)
    assert sur < 0.5 * ref, (ref, sur)
    assert _c_volley_response(RateParams(g_dc_i=0.0), f_dc_surround=40.0) == ref
    blocked_ref = _c_volley_response(RateParams(gaba_scale=0.0))
    blocked_sur = _c_volley_response(RateParams(gaba_scale=0.0), f_dc_surround=40.0)
    assert blocked_sur == blocked_ref  # no inhibition left for the surround drive to act through
    assert blocked_ref > ref  # disinhibition raises the response itself
    # partial disinhibition leaves part of the reduction
    half_ref = _c_volley_response(RateParams(gaba_scale=0.5))
    half_sur = _c_volley_response(RateParams(gaba_scale=0.5), f_dc_surround=40.0)
    assert half_sur < half_ref


def test_abeta_excites_when_disinhibited():
    """Melzack-Wall / allodynia anchor: without GABA/glycine, Abeta drive becomes net excitation."""
    blocked = RateParams(gaba_scale=0.0)
    assert _c_volley_response(blocked, f_abeta=40.0) > _c_volley_response(blocked)


def test_halving_dt_changes_mean_p_by_less_than_one_percent():
    dur = 2.0
    onsets = [0.3, 1.3]

    def mean_p(dt):
        inputs = RateInputs(
            f_abeta=pulses(dur, dt, [0.25, 1.25], 0.02, 40.0),
            f_c=pulses(dur, dt, onsets, 0.21, 22.0),
            f_dc_surround=pulses(dur, dt, [1.0], 0.5, 20.0, base_hz=0.0),
        )
        return mean_wdr(None, inputs, dur, 0.0, dur, dt_s=dt)

    coarse, fine = mean_p(DT), mean_p(DT / 2)
    assert fine > 1.0
    assert abs(coarse - fine) / fine < DT_CONVERGENCE, (coarse, fine)


# ------------------------------------------------------------------------------------------------
# input checks and failure reporting
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "inputs, kwargs, match",
    [
        (RateInputs(f_c=-1.0), {}, "inputs.f_c"),
        (RateInputs(f_abeta=np.array([1.0, np.nan] + [1.0] * 98)), {}, "f_abeta.*step 1"),
        (RateInputs(f_dc_surround=np.inf), {}, "f_dc_surround"),
        (RateInputs(f_dc_infield=np.ones(99)), {}, "length.*100"),
        (RateInputs(f_c=np.ones((100, 1))), {}, "1-D"),
        (RateInputs(), {"duration_s": 0.0}, "duration_s"),
        (RateInputs(), {"duration_s": -1.0}, "duration_s"),
        (RateInputs(), {"duration_s": float("nan")}, "duration_s"),
        (RateInputs(), {"dt_s": 0.0}, "dt_s"),
        (RateInputs(), {"dt_s": -1e-4}, "dt_s"),
        (RateInputs(), {"dt_s": 6e-4}, "tau_p_ms/2"),
        (RateInputs(), {"bin_s": 0.0}, "bin_s"),
        (RateInputs(), {"duration_s": 1e-5}, "shorter than one step"),
    ],
)
def test_bad_inputs_rejected(inputs, kwargs, match):
    args = {"duration_s": 0.01, "dt_s": DT, **kwargs}
    with pytest.raises(ConfigError, match=match):
        run_rate(None, inputs, args.pop("duration_s"), **args)


def test_bad_params_rejected():
    with pytest.raises(ConfigError, match="RateParams"):
        run_rate({"tau_p_ms": 1.0}, RateInputs(), 0.01)
    with pytest.raises(ConfigError, match="RateInputs"):
        run_rate(None, {"f_c": 1.0}, 0.01)
    with pytest.raises(ValueError):  # pydantic: unknown key, bounds, NaN
        RateParams(tau_p=1.0)
    with pytest.raises(ValueError):
        RateParams(tau_p_ms=0.0)
    with pytest.raises(ValueError):
        RateParams(g_i_p=float("nan"))
    # dt limit follows tau_P
    run_rate(RateParams(tau_p_ms=2.0), RateInputs(), 0.01, dt_s=1e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"times_s": [-0.1]}, "times_s"),
        ({"times_s": [np.nan]}, "times_s"),
        ({"n_fibres": 0}, "n_fibres"),
        ({"n_fibres": 2.5}, "n_fibres"),
        ({"tau_smooth_ms": -1.0}, "tau_smooth_ms"),
        ({"duration_s": 0.0}, "duration_s"),
        ({"dt_s": 0.0}, "dt_s"),
    ],
)
def test_rates_from_spikes_rejects_bad_input(kwargs, match):
    args = {
        "times_s": [0.01],
        "n_fibres": 10,
        "duration_s": 0.1,
        "dt_s": 1e-3,
        "tau_smooth_ms": 5.0,
        **kwargs,
    }
    with pytest.raises(ConfigError, match=match):
        rates_from_spikes(**args)


def test_non_finite_state_is_detected_and_named():
    n = 50
    f = np.ones(n)
    f_c = f.copy()
    f_c[20] = np.nan  # bypasses run_rate's validation on purpose
    out = np.empty((4, 5))
    p = RateParams()
    status, step = _rate_kernel(RateDrive(f, f_c, f * 0, f * 0), _constants(p, DT), 10, out, np.zeros(4))
    assert (status, step) == (1, 20)  # P is checked first
    with pytest.raises(SimulationError, match=r"wdr became non-finite at t = 0.0021 s"):
        _raise_if_failed(int(status), int(step), DT)
    f_sur = f * 0
    f_sur[7] = np.nan  # I -> NaN at step 7; P and E (which see the old I) still finite then
    status, step = _rate_kernel(RateDrive(f, f, f * 0, f_sur), _constants(p, DT), 10, out, np.zeros(4))
    assert STATE_NAMES[status - 1] == "local_in" and step == 7
    _raise_if_failed(0, n, DT)  # success: no error


def test_defaults_are_the_published_values():
    p = RateParams()
    published = dict(
        tau_p_ms=1.0, tau_e_ms=10.0, tau_i_ms=20.0, tau_nmda_ms=1000.0, max_p_hz=50.0, max_e_hz=60.0,
        max_i_hz=80.0, g_ab_p=0.8, g_c_p=0.8, g_e_p=0.35, g_i_p=1.8, g_c_e=1.6, g_i_e=0.6, g_ab_i=0.8,
        alpha_p=11.5, beta_p=28.2, alpha_e=5.2, beta_e=29.2, alpha_i=9.5, beta_i=28.0, alpha_g_hz=10.0,
        beta_g_hz=38.0, max_g=2.0, i_offset_hz=1.0,
    )  # fmt: skip
    assert {k: getattr(p, k) for k in published} == published
    for name, f in RateParams.model_fields.items():
        assert f.description, name
        assert ("Crodelle" in f.description) or ("ASSUMPTION" in f.description) or name == "max_g_squared"
