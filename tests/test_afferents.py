"""Tests of the natural afferent drive (scs_sim.dorsal_horn.afferents)."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from scs_sim.dorsal_horn.afferents import (
    AfferentSpikes,
    ElectricalVolleys,
    NoxiousEpoch,
    PainState,
    afferent_spikes,
    empty_spikes,
    merge_dc,
    poisson_train,
)
from scs_sim.errors import ConfigError

SIZES = {"abeta": 15, "adelta": 15, "c": 30, "dc": 15}
RATE_Z = 5.0  # allowed deviation of a Poisson count, in standard deviations


def _rate_ok(count: int, expected: float) -> bool:
    return abs(count - expected) < RATE_Z * np.sqrt(expected)


def test_defaults_are_zhang_foreman_drive():
    p = PainState()
    assert (p.abeta_rate_hz, p.adelta_rate_hz, p.c_rate_hz) == (8.9, 8.4, 2.7)


def test_poisson_rates_and_intervals():
    rng = np.random.default_rng(0)
    dur = 50.0
    sp = afferent_spikes(PainState(), SIZES, dur, rng)
    for pop, rate in (("abeta", 8.9), ("adelta", 8.4), ("c", 2.7)):
        tr = sp[pop]
        assert np.all(np.diff(tr.times_s) >= 0)
        assert tr.times_s.min() >= 0 and tr.times_s.max() < dur
        assert _rate_ok(len(tr), rate * SIZES[pop] * dur)
        # exponential intervals: per-fibre ISI coefficient of variation ≈ 1
        isi = np.concatenate([np.diff(tr.times_s[tr.index == k]) for k in range(SIZES[pop])])
        assert abs(isi.std() / isi.mean() - 1.0) < 0.1
        assert set(np.unique(tr.index)) == set(range(SIZES[pop]))
    assert len(sp.dc) == 0  # dc has no natural drive


def test_poisson_train_long_rows_are_extended():
    t, i = poisson_train(3, 100.0, 0.0, 20.0, np.random.default_rng(1))
    for k in range(3):
        tk = np.sort(t[i == k])
        assert tk.max() > 19.9  # covers the whole interval
        assert _rate_ok(tk.size, 2000.0)


def test_same_generator_state_same_trains():
    a = afferent_spikes(PainState(), SIZES, 2.0, np.random.default_rng(5))
    b = afferent_spikes(PainState(), SIZES, 2.0, np.random.default_rng(5))
    c = afferent_spikes(PainState(), SIZES, 2.0, np.random.default_rng(6))
    for pop in ("abeta", "adelta", "c"):
        np.testing.assert_array_equal(a[pop].times_s, b[pop].times_s)
        np.testing.assert_array_equal(a[pop].index, b[pop].index)
    assert not np.array_equal(a.c.times_s, c.c.times_s)


def test_noxious_epoch_adds_rate_only_inside():
    pain = PainState(abeta_rate_hz=0, adelta_rate_hz=0, c_rate_hz=1.0,
                     noxious=[NoxiousEpoch(start_s=2.0, stop_s=4.0, c_rate_hz=20.0)])
    sp = afferent_spikes(pain, SIZES, 6.0, np.random.default_rng(2))
    t = sp.c.times_s
    inside = np.sum((t >= 2.0) & (t < 4.0))
    outside = t.size - inside
    assert _rate_ok(inside, 21.0 * 30 * 2.0)
    assert _rate_ok(outside, 1.0 * 30 * 4.0)
    assert len(sp.abeta) == 0


def test_volleys_one_spike_per_fibre_with_published_latencies():
    v = ElectricalVolleys(start_s=0.5, count=4, interval_s=1.0)
    pain = PainState(abeta_rate_hz=0, adelta_rate_hz=0, c_rate_hz=0, volleys=v)
    sp = afferent_spikes(pain, SIZES, 5.0, np.random.default_rng(3))
    for pop, (lo, hi) in (("abeta", (1.8, 7.2)), ("adelta", (16.8, 42.5)), ("c", (69.0, 315.0))):
        tr = sp[pop]
        assert len(tr) == 4 * SIZES[pop]
        lat_ms = ((tr.times_s - 0.5) % 1.0) * 1e3
        assert lat_ms.min() >= lo and lat_ms.max() <= hi
        assert np.all(np.bincount(tr.index) == 4)


def test_conditioning_abeta_volleys():
    pain = PainState(abeta_rate_hz=0, adelta_rate_hz=0, c_rate_hz=0, conditioning_abeta_s=[1.0, 2.0])
    sp = afferent_spikes(pain, SIZES, 3.0, np.random.default_rng(4))
    assert len(sp.abeta) == 30 and len(sp.c) == 0
    assert np.all(((sp.abeta.times_s % 1.0) >= 1.8e-3) & ((sp.abeta.times_s % 1.0) <= 7.2e-3))


def test_merge_dc_sorts():
    sp = afferent_spikes(PainState(), SIZES, 1.0, np.random.default_rng(0))
    m = merge_dc(sp, np.array([0.5, 0.1]), np.array([3, 4]))
    m = merge_dc(m, np.array([0.3]), np.array([0]))
    np.testing.assert_array_equal(m.dc.times_s, [0.1, 0.3, 0.5])
    np.testing.assert_array_equal(m.dc.index, [4, 0, 3])
    assert m.abeta is sp.abeta
    assert isinstance(empty_spikes(), AfferentSpikes)


def test_bad_input():
    with pytest.raises(pydantic.ValidationError):
        PainState(c_rate_hz=-1.0)
    with pytest.raises(pydantic.ValidationError):
        PainState(abeta_rate_hz=float("nan"))
    with pytest.raises(pydantic.ValidationError):
        NoxiousEpoch(start_s=3.0, stop_s=2.0)
    bypass = PainState().model_copy(update={"c_rate_hz": -2.0})  # model_copy skips validation
    with pytest.raises(ConfigError, match=r"pain.c_rate_hz: rate must be finite and >= 0"):
        afferent_spikes(bypass, SIZES, 1.0, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="duration_s"):
        afferent_spikes(PainState(), SIZES, 0.0, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="'c' fibres"):
        afferent_spikes(PainState(), {"abeta": 1, "adelta": 1}, 1.0, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="unknown afferent population 'cc'"):
        afferent_spikes(PainState(), {**SIZES, "cc": 3}, 1.0, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="integer >= 0"):
        afferent_spikes(PainState(), {**SIZES, "c": -1}, 1.0, np.random.default_rng(0))
