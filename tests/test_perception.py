"""Perception as a population percept over time (scs_sim.fibers.percept, Recruitment.summary), thresholds by
criterion, both strength-duration forms, the [patient.fibers] / [patient.perception] tables and the threshold CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scs_sim.app.cli import main
from scs_sim.config.loader import load_program, parse
from scs_sim.errors import ConfigError
from scs_sim.fibers import models, recruitment
from scs_sim.fibers.anatomy import Anatomy, build_fibers
from scs_sim.fibers.params import FiberParams, PerceptionParams
from scs_sim.fibers.percept import SummationWindows, on_time_s, perceived_intensity, sync_counts
from scs_sim.fibers.recruitment import recruit
from scs_sim.fibers.threshold import (
    fit_strength_duration,
    fit_strength_duration_weiss,
    strength_duration_fits,
    threshold,
)
from scs_sim.stim.programs import high_frequency, multiplexed, pulse_train, tonic
from scs_sim.stim.train import Modifiers
from tests.naive_recruitment import naive_recruit

ANATOMY_SEEDS = (1, 2, 3)
NOISE_SEED = 7
#: Gmel et al. 2021 (2-455 Hz at constant amplitude): the frequencies checked, and the amplitude (mA, tonic
#: 210 µs; about 1.2x the model patients' 50 Hz perception threshold).
GMEL_FREQS_HZ = (2.0, 5.0, 10.0, 20.0, 40.0, 60.0, 100.0, 130.0, 200.0, 300.0, 455.0)
GMEL_STEPS_HZ = (2.0, 10.0, 40.0, 130.0, 455.0)  # intensity rises strictly along these
GMEL_AMPLITUDE_MA = 8.0
LOG_CORR_MIN = 0.95  # "about logarithmic": correlation of intensity with log(frequency) over 2-455 Hz
FIT_RTOL = 1e-6  # a fit of noise-free synthetic data returns its parameters


@pytest.fixture(scope="module")
def pops():
    return {s: build_fibers(Anatomy(), np.random.default_rng(s)) for s in ANATOMY_SEEDS}


# --------------------------------------------------------------------------------------------------
# the summation windows and the intensity
# --------------------------------------------------------------------------------------------------
def _naive_windows(onsets, pulse_fibres, window_s):
    """(spikes, set of distinct fibres) of every non-empty window [k W, (k+1) W), by a dictionary;
    ``pulse_fibres[i]`` is the set of DC fibres firing on pulse i."""
    acc: dict[int, tuple[int, set]] = {}
    for t, fs in zip(onsets, pulse_fibres, strict=True):
        if fs:
            k = math.floor(t / window_s)
            n, seen = acc.get(k, (0, set()))
            acc[k] = (n + len(fs), seen | set(fs))
    return acc


def _feed(acc, onsets, pulse_fibres, window_s):
    """What a kernel passes to SummationWindows.add: volley size and first-in-window fibres per pulse."""
    counts = np.array([len(fs) for fs in pulse_fibres], dtype=np.int64)
    new = np.zeros(counts.size, dtype=np.int64)
    last: dict[int, int] = {}
    for i in np.argsort(onsets, kind="stable"):
        k = math.floor(onsets[i] / window_s)
        for f in pulse_fibres[i]:
            if last.get(f) != k:
                new[i] += 1
                last[f] = k
    return counts, new


def _hists(ref, min_fibres=3):
    size = max((len(v[1]) for v in ref.values()), default=0) + 1
    hist, spk = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    for n, fs in ref.values():
        hist[len(fs)] += 1
        spk[len(fs)] += n
    return hist, spk


def test_summation_windows_match_a_naive_count_across_chunks():
    rng = np.random.default_rng(3)
    onsets = np.sort(rng.uniform(0.0, 1.0, 3000))
    pulse_fibres = [set(rng.choice(6, size=rng.poisson(0.7) % 7, replace=False).tolist()) for _ in onsets]
    ref = _naive_windows(onsets, pulse_fibres, 0.01)
    ref_hist, ref_spk = _hists(ref)
    counts, new = _feed(None, onsets, pulse_fibres, 0.01)
    for cuts in ([], [1000, 1001, 2500], list(range(7, 3000, 97))):
        acc = SummationWindows(0.01, 3)
        for part_t, part_c, part_n in zip(np.split(onsets, cuts), np.split(counts, cuts), np.split(new, cuts),
                                          strict=True):
            order = rng.permutation(part_t.size)  # order within a chunk does not matter
            acc.add(part_t[order], part_c[order], part_n[order])
        res = acc.result()
        np.testing.assert_array_equal(res.count_hist[: ref_hist.size], ref_hist)
        np.testing.assert_array_equal(res.spike_hist[: ref_spk.size], ref_spk)
        assert not res.count_hist[ref_hist.size:].any()
        assert res.sync_spikes == sum(n for n, fs in ref.values() if len(fs) >= 3)
        assert res.sync_windows == sum(1 for _, fs in ref.values() if len(fs) >= 3)
    assert sync_counts(np.array([0, 5, 2, 1]), 2) == (2 * 2 + 3, 3)
    assert sync_counts(np.array([0, 5, 2, 1]), 2, np.array([0, 9, 7, 4])) == (11, 3)


def test_one_fibre_firing_often_is_not_a_synchronous_window():
    """A window is synchronous by distinct fibres: one fibre firing on 5 pulses of a window is one fibre
    (the old rule counted its 5 spikes and called the window synchronous)."""
    acc = SummationWindows(0.01, 3)
    onsets = np.arange(5) * 2e-3  # 5 pulses at 500 Hz, all in window 0
    acc.add(onsets, np.ones(5, dtype=np.int64), np.array([1, 0, 0, 0, 0]))
    res = acc.result()
    assert res.sync_windows == 0 and res.sync_spikes == 0
    assert res.count_hist[1] == 1 and res.spike_hist[1] == 5
    # three fibres, each once: synchronous, 3 spikes
    acc = SummationWindows(0.01, 3)
    acc.add(onsets[:3], np.ones(3, dtype=np.int64), np.ones(3, dtype=np.int64))
    assert (acc.result().sync_windows, acc.result().sync_spikes) == (1, 3)


def test_single_fibre_at_500_hz_is_not_felt():
    """End to end: the only DC fibre that fires, firing at ~300 Hz under a 500 Hz train, gives no synchronous
    drive (old behaviour: 5 spikes per 10 ms window, drive 500 Hz, paresthesia)."""
    pop = build_fibers(Anatomy(dc_count=30, dr_count=2), np.random.default_rng(1))
    keep = np.zeros(pop.n, dtype=bool)
    c = pop.channel_coupling()
    dc = np.flatnonzero(~pop.is_dr)
    best = dc[np.argmax(c[dc] / pop.threshold_factor[dc])]
    keep[best] = True
    keep[pop.is_dr] = True
    import dataclasses

    sub = dataclasses.replace(pop, **{f.name: getattr(pop, f.name)[keep] for f in dataclasses.fields(pop)
                                      if f.name != "anatomy"})
    amp = 3.0 * float(pop.threshold_factor[best]) * 3.08 / float(c[best])  # 3x its rheobase: fires every pulse
    rec = recruit(pulse_train(tonic(frequency_hz=500.0, pulse_width_us=300.0, amplitude_ma=amp)), sub,
                  np.random.default_rng(2), 0.2)
    s = rec.summary()
    per_window = np.bincount(np.floor(rec.spikes(0) / 0.01).astype(int))
    assert (per_window >= 3).sum() >= 10  # >= 3 spikes in many windows: synchronous under the old rule
    assert s["sync_drive_hz"] == 0.0 and not s["paresthesia"]


def test_recruit_windows_match_naive_pulse_counts(pops):
    """The windows recruit() pools are those of the naive twin's spikes, by distinct fibres per window."""
    pop = build_fibers(Anatomy(dc_count=30, dr_count=6), np.random.default_rng(1))
    train = pulse_train(tonic(frequency_hz=1200.0, pulse_width_us=300.0, amplitude_ma=12.0))
    rec = recruit(train, pop, np.random.default_rng(5), 0.05)
    t, fib, pul, counts = naive_recruit(train, pop, np.random.default_rng(5), 0.05)
    onsets = np.arange(counts.size) / 1200.0
    sync = PerceptionParams().sync_window_ms * 1e-3
    members = [set() for _ in onsets]
    for ts, f, p in zip(t, fib, pul, strict=True):
        if not pop.is_dr[f] and ts - onsets[p] < sync:
            members[p].add(int(f))
    ref_hist, ref_spk = _hists(_naive_windows(onsets, members, PerceptionParams().summation_window_ms * 1e-3))
    assert ref_hist[3:].sum() > 0 and ref_spk.sum() > ref_hist.sum()  # some fibres fire twice in a window
    n = ref_hist.size
    np.testing.assert_array_equal(rec.window_count_hist[:n], ref_hist)
    np.testing.assert_array_equal(rec.window_spike_hist[:n], ref_spk)
    assert not rec.window_count_hist[n:].any()


def test_chunking_does_not_change_the_percept(pops, monkeypatch):
    train = pulse_train(tonic(frequency_hz=650.0, pulse_width_us=300.0, amplitude_ma=6.0))
    a = recruit(train, pops[1], np.random.default_rng(2), 0.3).summary()
    monkeypatch.setattr(recruitment, "CHUNK_FIBER_PULSES", pops[1].n * 7)
    b = recruit(train, pops[1], np.random.default_rng(2), 0.3).summary()
    assert a["sync_drive_hz"] > 0 and a == b


def test_intensity_scale():
    assert perceived_intensity(0.0, 75.0) == 0.0
    assert perceived_intensity(75.0, 75.0) == pytest.approx(1.0)
    assert perceived_intensity(3 * 75.0, 75.0) == pytest.approx(2.0)


def test_on_time_counts_cycling_and_start():
    assert on_time_s(None, 2.0) == 2.0
    assert on_time_s(Modifiers(start_s=0.5), 2.0) == pytest.approx(1.5)
    cyc = Modifiers(cycle_on_s=0.2, cycle_off_s=0.3)
    assert on_time_s(cyc, 2.0) == pytest.approx(0.8, abs=1e-4)
    # the drive is per second of stimulation: cycling does not dilute it
    pop = build_fibers(Anatomy(), np.random.default_rng(1))
    cont = recruit(pulse_train(tonic(amplitude_ma=9.0)), pop, np.random.default_rng(1), 1.0).summary()
    cycled = recruit(pulse_train(tonic(amplitude_ma=9.0, modifiers=cyc)), pop, np.random.default_rng(1),
                     1.0).summary()
    assert cycled["n_pulses"] < cont["n_pulses"]
    assert cycled["sync_drive_hz"] == pytest.approx(cont["sync_drive_hz"], rel=0.1)


# --------------------------------------------------------------------------------------------------
# the phenomena (issue 12 acceptance)
# --------------------------------------------------------------------------------------------------
def test_perception_threshold_falls_from_40hz_to_1200hz(pops):
    """Temporal summation: tonic 300 µs is felt at a lower amplitude at 1.2 kHz than at 40 Hz
    (Rogers, Capogrosso & Lempka 2024 J Neurosci 44:e2199232024)."""
    for s, pop in pops.items():
        t40 = threshold(tonic(frequency_hz=40.0, pulse_width_us=300.0), pop, NOISE_SEED)
        t1200 = threshold(tonic(frequency_hz=1200.0, pulse_width_us=300.0), pop, NOISE_SEED)
        assert t1200 < t40, (s, t40, t1200)


def test_intensity_rises_about_log_frequency(pops):
    """At a constant amplitude the perceived intensity rises with frequency over 2-455 Hz, about as
    log(frequency) (Gmel et al. 2021 Front Neurosci 15:625835)."""
    for s, pop in pops.items():
        intensity = {}
        for f in GMEL_FREQS_HZ:
            rec = recruit(pulse_train(tonic(frequency_hz=f, amplitude_ma=GMEL_AMPLITUDE_MA)), pop,
                          np.random.default_rng(NOISE_SEED), 2.0, max_spikes=0)
            intensity[f] = rec.summary()["perceived_intensity"]
        steps = [intensity[f] for f in GMEL_STEPS_HZ]
        assert np.all(np.diff(steps) > 0), (s, steps)
        vals = [intensity[f] for f in GMEL_FREQS_HZ]
        assert np.corrcoef(np.log(GMEL_FREQS_HZ), vals)[0, 1] >= LOG_CORR_MIN, (s, vals)


def test_hf_10khz_preset_is_paresthesia_free(pops):
    """10 kHz at its preset amplitude (3 mA) is not felt (Kapural et al. 2015 Anesthesiology 123:851); it
    has synchronous drive only if the fibre model recruits DC fibres at all."""
    hf, _ = load_program("hf_10khz")
    for pop in pops.values():
        s = recruit(pulse_train(hf), pop, np.random.default_rng(NOISE_SEED), 1.0, max_spikes=0).summary()
        assert not s["paresthesia"] and s["perceived_intensity"] < 1.0
        if s["recruited_dc_fibers"] == 0:
            assert s["sync_drive_hz"] == 0.0


def test_few_asynchronous_fibres_are_not_felt_but_the_same_in_volleys_are(pops):
    """A few DC fibres firing irregularly under 10 kHz are not felt; about as many (the population is
    discrete: the same number or one more) firing in 50 Hz volleys are (Sagalajev et al. 2024 Neuron 112:404)."""
    pop = pops[1]
    for amp in np.arange(20.0, 40.0, 1.0):  # the lowest 10 kHz amplitude recruiting 3 or more DC fibres
        s = recruit(pulse_train(high_frequency(amplitude_ma=float(amp))), pop, np.random.default_rng(4), 2.0,
                    max_spikes=0).summary()
        if s["recruited_dc_fibers"] >= 3:
            break
    assert 3 <= s["recruited_dc_fibers"] <= 5 and not s["paresthesia"], s
    n = s["recruited_dc_fibers"]
    t50 = threshold(tonic(), pop, 4, duration_s=2.0)
    t = recruit(pulse_train(tonic(amplitude_ma=t50)), pop, np.random.default_rng(4), 2.0, max_spikes=0).summary()
    assert t["paresthesia"] and t["recruited_dc_fibers"] <= n + 1, (n, t)


def test_multiplexed_50hz_component_is_not_diluted(pops):
    """A 50 Hz component felt on its own stays felt, with at least its own intensity, when a 1.2 kHz
    component is interleaved on other contacts."""
    pop = pops[1]
    t50 = threshold(tonic(), pop, NOISE_SEED)
    alone = recruit(pulse_train(tonic(amplitude_ma=1.05 * t50)), pop, np.random.default_rng(1), 1.0).summary()
    prog = multiplexed([
        dict(frequency_hz=50, pulse_width_us=210, amplitude_ma=1.05 * t50, cathodes=[3], anodes=[4]),
        dict(frequency_hz=1200, pulse_width_us=90, amplitude_ma=1.0, offset_us=500, cathodes=[0], anodes=[1]),
    ])
    rec = recruit(pulse_train(prog), pop, np.random.default_rng(1), 1.0)
    mux = rec.summary()
    assert rec.channel_pulses.tolist() == [50, 1200]
    assert alone["paresthesia"] and mux["paresthesia"]
    # (the noise differs: the extra pulses draw their own) - a per-pulse average would be diluted 25-fold
    assert mux["perceived_intensity"] >= 0.9 * alone["perceived_intensity"]
    assert mux["mean_dc_volley"] < 0.1 * alone["mean_dc_volley"]


def test_discomfort_ceiling_and_usage_range(pops):
    pop = pops[1]
    low_ceiling = PerceptionParams(discomfort_intensity=1.5)
    rec = recruit(pulse_train(tonic(amplitude_ma=9.0)), pop, np.random.default_rng(1), 0.5, perception=low_ceiling)
    s = rec.summary()
    assert s["perceived_intensity"] >= 1.5 and s["discomfort"] and s["discomfort_by_intensity"]
    perc = threshold(tonic(), pop, NOISE_SEED)
    disc = threshold(tonic(), pop, NOISE_SEED, which="discomfort")
    assert 1.3 <= disc / perc <= 2.1  # usage range, 210 µs (1.4-1.8 clinically, docs/MODEL.md §2.5)


def test_threshold_criteria_and_alias(pops):
    pop = pops[1]
    first = threshold(tonic(), pop, NOISE_SEED, which="first-fibre")
    assert first == threshold(tonic(), pop, NOISE_SEED, which="recruitment")
    assert first < threshold(tonic(), pop, NOISE_SEED, which="perception")
    with pytest.raises(ConfigError, match="first-fibre"):
        threshold(tonic(), pop, NOISE_SEED, which="pain")


# --------------------------------------------------------------------------------------------------
# strength-duration forms
# --------------------------------------------------------------------------------------------------
def test_weiss_and_lapicque_fits_recover_synthetic_parameters():
    pw = np.array([50.0, 90.0, 150.0, 300.0, 600.0, 1000.0])
    weiss = 1.8 * (1.0 + 240.0 / pw)
    assert fit_strength_duration_weiss(pw, weiss) == pytest.approx((1.8, 240.0), rel=FIT_RTOL)
    lap = 2.5 / (1.0 - 2.0 ** (-pw / 295.0))
    assert fit_strength_duration(pw, lap) == pytest.approx((2.5, 295.0), rel=FIT_RTOL)
    both = strength_duration_fits(pw, lap)
    assert both["lapicque"]["chronaxie_us"] == pytest.approx(295.0, rel=FIT_RTOL)
    # the same data in the other form: Weiss gives a lower rheobase and a longer chronaxie
    assert both["weiss"]["rheobase_ma"] < 2.5 and both["weiss"]["chronaxie_us"] > 295.0
    with pytest.raises(ConfigError):
        fit_strength_duration_weiss([100.0, 200.0], [1.0, math.inf])


# --------------------------------------------------------------------------------------------------
# config tables
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table,key", [
    ({"perception": {"drive_reference_hz": -1.0}}, "patient.perception.drive_reference_hz"),
    ({"perception": {"sync_min_spikes": 2.5}}, "patient.perception.sync_min_spikes"),
    ({"perception": {"summation_window_ms": 1e9}}, "patient.perception.summation_window_ms"),
    ({"perception": {"drive_referense_hz": 10.0}}, "patient.perception.drive_referense_hz"),
    ({"fibers": {"tau_ms": 0.0}}, "patient.fibers.tau_ms"),
    ({"fibers": {"fiber_model": "hodgkin"}}, "patient.fibers.fiber_model"),
])
def test_bad_patient_tables_name_file_key_and_value(table, key):
    with pytest.raises(ConfigError) as exc:
        parse({"patient": table}, file="p.toml")
    assert exc.value.key == key and exc.value.file == "p.toml"
    assert key in str(exc.value)


def test_patient_tables_load_and_reach_recruit(monkeypatch):
    cfg = parse({"patient": {"fibers": {"tau_ms": 0.5}, "perception": {"drive_reference_hz": 1e5}}}, file="p.toml")
    assert cfg.patient.fibers.excitation().tau_ms == 0.5 and cfg.patient.fibers.fiber_model == "fast"
    assert cfg.patient.perception.drive_reference_hz == 1e5
    assert "did you mean 'drive_reference_hz'" in _error({"patient": {"perception": {"drive_referense_hz": 1}}})


def _error(data) -> str:
    try:
        parse(data, file="p.toml")
    except ConfigError as exc:
        return str(exc)
    return ""


def test_missing_biophysical_module_is_a_clear_config_error(monkeypatch):
    monkeypatch.setitem(models.FIBER_MODELS, "biophysical", ("scs_sim.fibers.no_such_module", "recruit_x"))
    msg = _error({"patient": {"fibers": {"fiber_model": "biophysical"}}})
    assert "patient.fibers.fiber_model" in msg and "not available" in msg and "'fast'" in msg
    with pytest.raises(ConfigError, match="not available") as exc:
        models.recruit_function("biophysical")
    assert exc.value.key == "patient.fibers.fiber_model"
    with pytest.raises(ConfigError, match="unknown fibre model"):
        models.recruit_function("hodgkin")
    assert models.recruit_function("fast") is recruit
    assert FiberParams().excitation() == recruitment.ExcitationParams()


# --------------------------------------------------------------------------------------------------
# the threshold command
# --------------------------------------------------------------------------------------------------
def test_cli_threshold_not_reached_is_readable(capsys):
    args = ["threshold", "hf_10khz", "--criterion", "first-fibre", "--ceiling-ma", "2", "--duration", "0.1"]
    assert main([*args, "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["first_fibre_threshold_ma"] is None
    assert row["first_fibre_not_reached"] == "not reached below 2 mA" and row["search_ceiling_ma"] == 2.0
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "not reached below 2 mA" in out and "inf" not in out


def test_cli_threshold_criteria(capsys, tmp_path):
    patient = tmp_path / "p.toml"
    patient.write_text('[patient]\nname = "strict"\n[patient.perception]\ndrive_reference_hz = 1000.0\n')
    base = ["threshold", "tonic_50hz", "--duration", "0.2", "--json"]
    assert main([*base, "--criterion", "recruitment", "--criterion", "perception"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert 0 < row["first_fibre_threshold_ma"] < row["perception_threshold_ma"] < 25
    assert main([*base, "--criterion", "perception", "--patient", str(patient)]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert strict["patient"] == "strict" and strict["perception_threshold_ma"] > row["perception_threshold_ma"]


@pytest.mark.parametrize("value", ["0", "-1", "101", "nan", "abc"])
def test_cli_threshold_ceiling_bounds(value, capsys):
    assert main(["threshold", "tonic_50hz", "--ceiling-ma", value]) == 2
    err = capsys.readouterr().err
    assert "--ceiling-ma" in err and "Traceback" not in err


def test_validate_checks_the_patient_tables(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[patient]\n[patient.perception]\nsync_min_spikes = 0\n')
    good = tmp_path / "good.toml"
    good.write_text('[patient]\n[patient.fibers]\nfiber_model = "fast"\nnoise_sd = 0.05\n'
                    '[patient.perception]\nsummation_window_ms = 5.0\n')
    assert main(["validate", str(good)]) == 0
    capsys.readouterr()
    assert main(["validate", str(bad), "--json"]) == 2
    (res,) = json.loads(capsys.readouterr().out)
    assert "patient.perception.sync_min_spikes" in res["error"] and "bad.toml" in res["error"]
