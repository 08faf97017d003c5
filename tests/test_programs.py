"""Programs → pulse trains: timing, charge balance, chunking, modifiers, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scs_sim.errors import ConfigError
from scs_sim.stim import programs as P
from tests.settings import CHARGE_BALANCE_RTOL


def _balance_groups(train, chunk):
    """Net charge per balance unit: per pulse, or per burst for passive burst recharge."""
    prog = train.program
    group = chunk.pulse.copy()
    if isinstance(prog, P.Burst) and prog.recharge == P.Recharge.PASSIVE:
        group = group // prog.pulses_per_burst
    q = chunk.current_ma * chunk.width_s
    net = np.bincount(group - group.min(), weights=q)
    scale = np.bincount(group - group.min(), weights=np.abs(q))
    return net[scale > 0], scale[scale > 0]


@pytest.mark.parametrize(
    "program",
    [
        P.tonic(),
        P.tonic(recharge="passive"),
        P.burst(),
        P.burst(recharge="active", pulse_width_us=500.0),
        P.high_frequency(),
        P.custom(pulses=[{"onset_ms": 0, "amplitude_ma": 1.3, "pulse_width_us": 70}], repeat_period_ms=3.7),
    ],
    ids=lambda p: f"{p.kind}-{getattr(p, 'recharge', '')}",
)
def test_charge_balanced_over_long_train(program):
    train = P.pulse_train(program)
    total_abs = 0.0
    for chunk in train.chunks(0.0, 20.0 if program.kind != "high_frequency" else 5.0, max_pulses=20_000):
        net, scale = _balance_groups(train, chunk)
        assert np.all(np.abs(net) <= CHARGE_BALANCE_RTOL * scale)
        total_abs += scale.sum()
    assert total_abs > 0


def test_units_one_ma_for_one_ms_is_one_uc():
    prog = P.tonic(amplitude_ma=1.0, pulse_width_us=1000.0, frequency_hz=10.0)
    ch = P.pulse_train(prog).phases(0.0, 0.1)
    cath = ch.current_ma < 0
    charge_uc = -(ch.current_ma[cath] * ch.width_s[cath]).sum() * 1e3
    assert charge_uc == pytest.approx(1.0, rel=1e-12)


def test_burst_timing_five_pulses_at_500hz_every_25ms():
    train = P.pulse_train(P.burst())
    ch = train.phases(0.0, 1.0)
    assert ch.n_pulses == 40 * 5
    onsets = ch.onset_s.reshape(40, 5)
    np.testing.assert_allclose(np.diff(onsets, axis=1), 2e-3, rtol=1e-9)
    np.testing.assert_allclose(np.diff(onsets[:, 0]), 25e-3, rtol=1e-9)
    cath = ch.current_ma < 0
    np.testing.assert_allclose(ch.width_s[cath], 1e-3)
    # One passive recharge phase per burst, after the 5th pulse, inside the burst period.
    rech = ch.current_ma > 0
    assert rech.sum() == 40
    assert np.all(ch.start_s[rech] + ch.width_s[rech] <= onsets[:, 0] + 25e-3 + 1e-12)


@pytest.mark.parametrize("program", [P.high_frequency(), P.burst(), P.tonic(frequency_hz=130.0)])
@pytest.mark.parametrize("max_pulses", [1, 7, 1000])
def test_chunked_equals_one_shot(program, max_pulses):
    train = P.pulse_train(program)
    one = train.phases(0.0, 0.3)
    parts = list(train.chunks(0.0, 0.3, max_pulses=max_pulses))
    for name in ("start_s", "width_s", "current_ma", "channel", "pulse"):
        np.testing.assert_array_equal(np.concatenate([getattr(c, name) for c in parts]), getattr(one, name))
    np.testing.assert_array_equal(np.concatenate([c.onset_s for c in parts]), one.onset_s)


def test_chunks_bound_memory_for_an_hour_of_10khz():
    train = P.pulse_train(P.high_frequency())
    it = train.chunks(0.0, 3600.0, max_pulses=50_000)
    biggest = 0
    for i, chunk in enumerate(it):
        biggest = max(biggest, chunk.n_pulses)
        if i == 5:
            break
    assert biggest <= 50_000
    assert train.pulses_per_s == 10_000


def test_modifiers_cycling_dosing_ramp_start_stop():
    prog = P.tonic(
        frequency_hz=100.0,
        modifiers={"cycle_on_s": 0.2, "cycle_off_s": 0.3, "start_s": 0.1, "stop_s": 1.6, "ramp_up_s": 0.05},
    )
    train = P.pulse_train(prog)
    ch = train.phases(0.0, 2.0)
    t = ch.onset_s
    assert t.min() >= 0.1 - 1e-12 and t.max() < 1.6
    rel = np.mod(t - 0.1, 0.5)
    assert np.all(rel < 0.2 + 1e-9)
    # ramp: amplitudes grow over the first 50 ms of each ON period, then stay at full scale
    cath = ch.current_ma < 0
    amp = -ch.current_ma[cath]
    rel_c = np.mod(ch.start_s[cath] - 0.1, 0.5)
    assert np.all(amp[rel_c > 0.05 + 1e-9] == pytest.approx(4.0))
    assert np.all(amp[rel_c < 0.05 - 1e-9] < 4.0)
    assert train.pulses_per_s == pytest.approx(100.0 * 0.2 / 0.5)
    dosed = P.pulse_train(P.high_frequency(modifiers={"dose_duty_pct": 14.0, "dose_period_s": 0.1}))
    n = dosed.phases(0.0, 1.0).n_pulses
    assert n == pytest.approx(10_000 * 0.14, rel=0.01)


def test_multiplexed_interleaves_without_overlap_and_keeps_channels():
    prog = P.multiplexed(
        [
            {
                "frequency_hz": 50.0,
                "pulse_width_us": 210.0,
                "amplitude_ma": 3.0,
                "cathodes": [3],
                "anodes": [4],
            },
            {
                "frequency_hz": 1200.0,
                "pulse_width_us": 90.0,
                "amplitude_ma": 2.0,
                "offset_us": 500.0,
                "cathodes": [2],
                "anodes": [5],
            },
        ]
    )
    train = P.pulse_train(prog)
    ch = train.phases(0.0, 0.2)
    assert ch.n_pulses == 10 + 240
    assert np.all(ch.start_s[1:] >= (ch.start_s + ch.width_s)[:-1] - 1e-12)
    assert train.channels[0].cathodes == (3,) and train.channels[1].anodes == (5,)
    assert set(np.unique(ch.channel)) == {0, 1}
    assert np.all(np.diff(ch.onset_s) > 0)


def test_sample_integrates_to_zero_and_shows_phases():
    train = P.pulse_train(P.tonic(amplitude_ma=2.0, pulse_width_us=200.0, frequency_hz=100.0))
    t, y = train.sample(0.0, 0.1, 1e6)
    assert y.min() == pytest.approx(-2.0) and y.max() == pytest.approx(2.0)
    assert abs(y.sum()) < 1e-9 * np.abs(y).sum()
    assert np.count_nonzero(y < 0) == 10 * 200


def test_custom_csv(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("onset_ms,amplitude_ma,pulse_width_us\n0,2,100\n3,1.5,200\n")
    prog = P.custom(csv=str(f), repeat_period_ms=10.0)
    ch = P.pulse_train(prog).phases(0.0, 0.1)
    assert ch.n_pulses == 20
    bad = tmp_path / "bad.csv"
    bad.write_text("onset_ms,amplitude_ma,pulse_width_us\n0,2,100\n3,abc,200\n")
    with pytest.raises(ConfigError, match=r"line 3, column 'amplitude_ma'"):
        P.pulse_train(P.custom(csv=str(bad)))


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"amplitude_ma": 0.0}, "greater than 0"),
        ({"amplitude_ma": math.nan}, "finite"),
        ({"frequency_hz": -1.0}, "greater than 0"),
        ({"pulse_width_us": math.inf}, "finite"),
        ({"frequency_hz": 3000.0, "pulse_width_us": 200.0}, "period"),
    ],
)
def test_bad_tonic_rejected(kw, match):
    with pytest.raises(ValueError, match=match):
        P.tonic(**kw)


# ---- property tests: every valid program yields sorted onsets, non-overlapping phases, balance ----

_freq = st.floats(1.0, 2000.0)
_pw = st.floats(10.0, 1000.0)
_amp = st.floats(0.05, 20.0)


@st.composite
def _programs(draw):
    kind = draw(st.sampled_from(["tonic", "burst", "high_frequency", "custom"]))
    recharge = draw(st.sampled_from(["active", "passive"]))
    try:
        if kind == "tonic":
            return P.tonic(
                frequency_hz=draw(_freq), pulse_width_us=draw(_pw), amplitude_ma=draw(_amp), recharge=recharge
            )
        if kind == "high_frequency":
            return P.high_frequency(
                frequency_hz=draw(st.floats(1000.0, 15000.0)),
                pulse_width_us=draw(st.floats(5.0, 60.0)),
                amplitude_ma=draw(_amp),
            )
        if kind == "burst":
            return P.burst(
                burst_frequency_hz=draw(st.floats(5.0, 60.0)),
                intraburst_frequency_hz=draw(st.floats(200.0, 1000.0)),
                pulses_per_burst=draw(st.integers(1, 8)),
                pulse_width_us=draw(st.floats(50.0, 900.0)),
                amplitude_ma=draw(_amp),
                recharge=recharge,
            )
        n = draw(st.integers(1, 5))
        onsets = sorted(draw(st.lists(st.floats(0.0, 50.0), min_size=n, max_size=n)))
        pulses = [
            {"onset_ms": o, "amplitude_ma": draw(_amp), "pulse_width_us": draw(st.floats(10.0, 300.0))}
            for o in onsets
        ]
        return P.custom(pulses=pulses, repeat_period_ms=draw(st.floats(60.0, 200.0)))
    except ValueError:
        from hypothesis import reject

        reject()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(_programs())
def test_property_valid_programs_are_sorted_disjoint_and_balanced(program):
    train = P.pulse_train(program)
    ch = train.phases(0.0, 0.5)
    assert np.all(np.diff(ch.onset_s) >= 0)
    assert np.all(np.diff(ch.start_s) >= 0)
    assert np.all(ch.start_s[1:] >= (ch.start_s + ch.width_s)[:-1] - 1e-12)
    net, scale = _balance_groups(train, ch)
    assert np.all(np.abs(net) <= CHARGE_BALANCE_RTOL * scale)


def test_one_table_of_kinds_drives_models_union_and_dispatch():
    """KINDS is the only list of program kinds: the TOML union, PROGRAM_KINDS and pulse_train read it."""
    import typing

    from pydantic import TypeAdapter

    assert list(P.PROGRAM_KINDS) == list(P.KINDS)
    union = typing.get_args(typing.get_args(P.Program)[0])
    assert set(union) == {k.model for k in P.KINDS.values()}
    examples = {"tonic": {}, "burst": {}, "high_frequency": {},
                "multiplexed": {"components": [{"frequency_hz": 50.0, "pulse_width_us": 200.0, "amplitude_ma": 1.0}]},
                "custom": {"pulses": [{"onset_ms": 0.0, "amplitude_ma": 1.0, "pulse_width_us": 100.0}],
                           "repeat_period_ms": 10.0}}
    assert set(examples) == set(P.KINDS)
    for name, kind in P.KINDS.items():
        prog = TypeAdapter(P.Program).validate_python({"kind": name, "amplitude_ma": 1.0, **examples[name]})
        assert type(prog) is kind.model and prog.kind == name
        streams, channels = kind.streams(prog, None)
        train = P.pulse_train(prog)
        assert len(train.channels) == len(channels) == len(streams) and train.pulses_per_s > 0


def test_pulse_train_rejects_what_is_not_a_program():
    with pytest.raises(ConfigError, match="not a program: dict"):
        P.pulse_train({"kind": "tonic"})
    with pytest.raises(ConfigError, match="not a program: Modifiers"):
        P.pulse_train(P.Modifiers())


def test_stim_modules_are_small():
    from pathlib import Path

    import scs_sim.stim

    for f in Path(scs_sim.stim.__file__).parent.glob("*.py"):
        assert len(f.read_text().splitlines()) <= 600, f
