"""Validation protocols of the dorsal-horn circuit and the rate backend.

Single-pulse suppression (Foreman / Zhang Fig 7c), wind-up (Zhang Fig 3a), A-fibre conditioning
(Zhang Fig 5b), the segment gate, DC-collateral depression, the Crodelle 2019 rate model and
surround inhibition by receptive-field position (Gilbert 2022, on the whole pipeline). Each
``protocol_*`` function takes ``quick`` (fewer seeds) and returns ``{"metrics": {...}, "details": {...},
"figure": {...}}``; :data:`scs_sim.validation.protocols.PROTOCOLS` merges this module's :data:`TABLE`
into the one table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scs_sim.validation.references import FOREMAN_MEAN, PSTH_BIN_S, PSTH_N_BINS

__all__ = ["SURROUND_FACTORS", "TABLE", "all_surround_area", "protocol_conditioning", "protocol_foreman", "protocol_foreman_segment",
           "foreman_metrics", "protocol_gate", "protocol_rate", "protocol_stp", "protocol_surround", "protocol_windup", "surround_lead"]


def _psth(wdr_t: np.ndarray, pulses: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Summed WDR PSTH after pulses (10 ms bins, 0–200 ms) and the pre-pulse spikes per 10 ms bin."""
    hist = np.zeros(PSTH_N_BINS)
    pre = 0
    edges = np.arange(PSTH_N_BINS + 1) * PSTH_BIN_S
    for t0 in pulses:
        d = wdr_t - t0
        pre += np.count_nonzero((d >= -0.1) & (d < 0))
        hist += np.histogram(d, bins=edges)[0]
    return hist, pre / 10.0, float(len(pulses))


def _foreman_runs(preset: str, gaba_scales: tuple[float, ...], quick: bool,
                  mechanisms: tuple[str, ...] = ("gate",)) -> dict[float, np.ndarray]:
    """Normalised PSTHs for each gaba_scale (same networks and afferent spikes: common random numbers);
    ``mechanisms``: a mechanism set applied to the preset (scs_sim.dorsal_horn.mechanisms)."""
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
    from scs_sim.dorsal_horn.mechanisms import apply_circuit

    p = apply_circuit(C.preset(preset), mechanisms)
    seeds = [1] if quick else list(range(1, 9))
    warm, n = 5.0, 25  # Zhang: 25 pulses at 1 Hz; 5 s discards the slow NK1/Ca transient (docs/MODEL.md §3, slow transient)
    pulses = warm + 0.1 + np.arange(n)  # 100 ms of pre-pulse baseline in each 1 s interval, as in Zhang
    dur = warm + n + 0.2
    sums = {g: np.zeros(PSTH_N_BINS) for g in gaba_scales}
    pres = {g: 0.0 for g in gaba_scales}
    for s in seeds:
        net = C.build(p, np.random.default_rng(100 + s))
        sp = afferent_spikes(PainState(), C.afferent_sizes(p), dur, np.random.default_rng(200 + s))
        sp = merge_dc(sp, np.repeat(pulses, p.n_dc), np.tile(np.arange(p.n_dc), n))
        for g in gaba_scales:
            out = C.run(net, sp, dur, gaba_scale=g)
            h, pre, _ = _psth(out.wdr_spike_times_s, pulses)
            sums[g] += h
            pres[g] += pre
    return {g: sums[g] / pres[g] if pres[g] > 0 else np.full(PSTH_N_BINS, np.nan) for g in gaba_scales}


def _psth_metrics(r: np.ndarray) -> dict[str, float]:
    return {"supp_10_40": float(r[1:4].mean()), "rec_80_100": float(r[8:10].mean()),
            "rec_100_200": float(r[10:20].mean()),
            "rmse": float(np.sqrt(np.mean((r[:10] - FOREMAN_MEAN) ** 2)))}


def protocol_foreman(quick: bool) -> dict:
    res = _foreman_runs("zhang2014", (1.0, 0.0), quick)
    ctrl, blk = res[1.0], res[0.0]
    m = _psth_metrics(ctrl)
    inh_c, inh_b = 1.0 - m["supp_10_40"], 1.0 - float(blk[1:4].mean())
    m["gaba_removed_fraction"] = float(1.0 - inh_b / inh_c) if inh_c > 0 else float("nan")
    return {"metrics": m,
            "details": {"psth_control": np.round(ctrl, 3), "psth_gaba_block": np.round(blk, 3),
                        "gaba_block_10_40": float(blk[1:4].mean()), "pulses_per_seed": 25,
                        "seeds": 1 if quick else 8},
            "figure": {"control": ctrl, "gaba_block": blk}}


def protocol_foreman_segment(quick: bool) -> dict:
    r = _foreman_runs("segment", (1.0,), quick)[1.0]
    return {"metrics": _psth_metrics(r), "details": {"psth_control": np.round(r, 3)}, "figure": {"control": r}}


def _c_components(nmda_scale: float, seed: int, n: int = 15) -> np.ndarray:
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import ElectricalVolleys, PainState, afferent_spikes

    p = C.preset("zhang2014_windup")
    net = C.build(p, np.random.default_rng(300 + seed))
    pain = PainState(abeta_rate_hz=0.0, adelta_rate_hz=0.0, c_rate_hz=0.0,
                     volleys=ElectricalVolleys(start_s=1.0, count=n, interval_s=1.0))
    dur = 1.0 + n
    sp = afferent_spikes(pain, C.afferent_sizes(p), dur, np.random.default_rng(400 + seed))
    t = C.run(net, sp, dur, nmda_scale=nmda_scale).wdr_spike_times_s
    onsets = 1.0 + np.arange(n)
    # WindUp_Plotter.m: spikes later than 100 ms after each stimulus, until the next one.
    return np.array([np.count_nonzero((t - t0 > 0.1) & (t - t0 < 1.0)) for t0 in onsets], dtype=float)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.all(y == y[0]):
        return float("nan")
    return float(spearmanr(x, y).statistic)


def protocol_windup(quick: bool) -> dict:
    seeds = [1, 2] if quick else list(range(1, 9))
    with_n = np.mean([_c_components(1.0, s) for s in seeds], axis=0)
    without = np.mean([_c_components(0.0, s) for s in seeds], axis=0)
    first = with_n[0]
    ratio = with_n[-5:].mean() / first if first > 0 else float("nan")
    growth = (without[-5:].mean() - without[0]) / first if first > 0 else float("nan")
    return {"metrics": {"ratio": float(ratio), "spearman": _spearman(np.arange(15), with_n),
                        "growth_without_nmda": float(growth)},
            "details": {"c_component_with_nmda": np.round(with_n, 2), "c_component_without_nmda": np.round(without, 2),
                        "seeds": seeds},
            "figure": {"with": with_n, "without": without}}


def _woolf_wall_run(net, p, deltas_s: list[float | None], reps: int, seed: int, test: bool) -> np.ndarray:
    """C-responses (WDR spikes 100–1000 ms after each test time) of a sequence of 2 s trials.

    ``deltas_s[k]`` is the conditioning delay of trial k (None: no conditioning); ``test`` toggles the
    test volley (Aβ at 1–4 ms, C at 40–180 ms after the trial start, as in the
    Zhang et al. 2014 code, ModelDB 168414). The conditioning
    volley is one spike per Aβ and Aδ fibre at Δ + U(1, 4) ms (arrival jitter: assumption).
    """
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import AfferentSpikes, empty_spikes, make_train

    rng = np.random.default_rng(500 + seed)
    trial = 2.0
    starts = 0.5 + trial * np.arange(len(deltas_s) * reps)
    parts: dict[str, list] = {"abeta": [], "adelta": [], "c": []}
    for k, t0 in enumerate(starts):
        d = deltas_s[k // reps]
        if test:
            parts["abeta"].append((t0 + rng.uniform(1e-3, 4e-3, p.n_abeta), np.arange(p.n_abeta)))
            parts["c"].append((t0 + rng.uniform(0.04, 0.18, p.n_c), np.arange(p.n_c)))
        else:  # same draws, keeps the conditioning spikes identical between paired runs
            rng.uniform(size=p.n_abeta + p.n_c)
        if d is not None:
            parts["abeta"].append((t0 + d + rng.uniform(1e-3, 4e-3, p.n_abeta), np.arange(p.n_abeta)))
            parts["adelta"].append((t0 + d + rng.uniform(1e-3, 4e-3, p.n_adelta), np.arange(p.n_adelta)))
    dur = float(starts[-1] + trial)
    trains = {}
    for pop, lst in parts.items():
        if lst:
            trains[pop] = make_train(np.concatenate([a for a, _ in lst]), np.concatenate([b for _, b in lst]))
        else:
            trains[pop] = empty_spikes()[pop]
    sp = AfferentSpikes(trains["abeta"], trains["adelta"], trains["c"], empty_spikes().dc)
    t = C.run(net, sp, dur).wdr_spike_times_s
    return np.array([np.count_nonzero((t - t0 > 0.1) & (t - t0 < 1.0)) for t0 in starts], dtype=float)


def foreman_metrics(quick: bool, mechanisms: tuple[str, ...]) -> dict[str, float]:
    """The zhang2014 single-pulse PSTH metrics (:func:`protocol_foreman`) under a mechanism set."""
    return _psth_metrics(_foreman_runs("zhang2014", (1.0,), quick, mechanisms)[1.0])


def protocol_conditioning(quick: bool, mechanisms: tuple[str, ...] = ("gate",)) -> dict:
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.mechanisms import apply_circuit

    # Zhang 2014 A-Fiber-Inhibition: same weights as Foreman (surround present, silent), no ongoing drive.
    p = apply_circuit(C.preset("zhang2014"), mechanisms)
    deltas_ms = [20.0, 60.0, 150.0] if quick else [150.0, 140.0, 130.0, 120.0, 110.0, 100.0, 80.0, 60.0, 40.0, 20.0]
    reps = 5 if quick else 10
    seeds = [1] if quick else [1, 2, 3, 4]
    ratios = np.zeros(len(deltas_ms))
    test_alone_mean = 0.0
    for s in seeds:
        net = C.build(p, np.random.default_rng(600 + s))
        dl = [d * 1e-3 for d in deltas_ms]
        alone = _woolf_wall_run(net, p, [None] * len(dl), reps, s, True)
        both = _woolf_wall_run(net, p, dl, reps, s, True)
        cond = _woolf_wall_run(net, p, dl, reps, s, False)
        a = alone.reshape(len(dl), reps).mean(1)
        b = (both - cond).reshape(len(dl), reps).mean(1)
        ratios += b / np.where(a > 0, a, np.nan) / len(seeds)
        test_alone_mean += alone.mean() / len(seeds)
    return {"metrics": {"min_ratio": float(np.nanmin(ratios)) if np.isfinite(ratios).any() else float("nan")},
            "details": {"deltas_ms": deltas_ms, "ratio_per_delta": np.round(ratios, 3),
                        "test_alone_c_spikes": round(test_alone_mean, 2), "reps": reps, "seeds": seeds},
            "figure": {"deltas_ms": np.array(deltas_ms), "ratios": ratios}}


def protocol_rate(quick: bool) -> dict:
    from scs_sim.dorsal_horn.rate import RateInputs, RateParams, rates_from_spikes, run_rate

    dt = 1e-4
    # (a) Crodelle et al. 2019 (PLoS Comput Biol 15:e1007106 and its code) brief-stimulus protocol:
    # 380 Aβ / 820 Aδ+C, 1 Hz baseline, Aβ 40 Hz for 20 ms at 0.5 s, C 22 Hz for 210 ms at 0.59 s (Poisson).
    rng = np.random.default_rng(2019)
    dur = 1.3

    def poisson(n, segs):
        return np.sort(np.concatenate([rng.uniform(a, b, rng.poisson(r * n * (b - a))) for a, b, r in segs]))

    ta = poisson(380, [(0, 0.5, 1), (0.5, 0.52, 40), (0.52, dur, 1)])
    tc = poisson(820, [(0, 0.59, 1), (0.59, 0.8, 22), (0.8, dur, 1)])
    out = run_rate(None, RateInputs(f_abeta=rates_from_spikes(ta, 380, dur), f_c=rates_from_spikes(tc, 820, dur)),
                   dur, bin_s=0.01)
    p, t = out.rates_hz["wdr"], out.t_s
    before, during, after = (t >= 0.2) & (t < 0.5), (t >= 0.62) & (t < 0.8), t >= 1.0
    base = max(float(p[before].mean()), 1e-3)
    brief = float(p[during].mean()) / base

    def box(onsets, width, rate, n):
        f = np.full(n, 1.0)
        k = np.arange(n) * dt
        for t0 in onsets:
            f[(k >= t0) & (k < t0 + width)] = rate
        return f

    # (b) wind-up: 5 C volleys (22 Hz, 210 ms) at 1 Hz, Aβ 1 Hz.
    def windup(nmda):
        d = 5.5
        n = int(round(d / dt))
        on = 0.5 + np.arange(5)
        o = run_rate(RateParams(nmda_scale=nmda), RateInputs(f_abeta=1.0, f_c=box(on, 0.21, 22.0, n)), d, bin_s=1e-3)
        pp = o.rates_hz["wdr"]
        return np.array([pp[int(t0 * 1e3):int((t0 + 0.3) * 1e3)].mean() for t0 in on])

    w, w0 = windup(1.0), windup(0.0)

    # (c) Aβ inhibition: one C volley with Aβ 1 Hz vs 40 Hz.
    def c_resp(f_ab):
        n = int(round(1.0 / dt))
        o = run_rate(None, RateInputs(f_abeta=f_ab, f_c=box([0.5], 0.21, 22.0, n)), 1.0, bin_s=1e-3)
        return float(o.rates_hz["wdr"][500:750].mean())

    r_ref, r_ab = c_resp(1.0), c_resp(40.0)
    recovers = float(p[after].mean()) < 2 * base + 0.5
    flat0 = bool(np.all(np.abs(w0 / w0[0] - 1.0) < 0.01)) if w0[0] > 0 else False
    return {"metrics": {"brief_peak_over_base": brief if recovers else float("nan"),
                        "windup_growth": float(w[-1] / w[0]) if flat0 else float("nan"),
                        "abeta_ratio": r_ab / r_ref if r_ref > 0 else float("nan")},
            "details": {"baseline_hz": round(base, 3), "during_hz": round(float(p[during].mean()), 2),
                        "after_hz": round(float(p[after].mean()), 3), "windup_responses_hz": np.round(w, 2),
                        "windup_without_nmda_hz": np.round(w0, 2),
                        "recovers_after_stimulus": recovers, "flat_without_nmda": flat0, "c_response_hz": round(r_ref, 2),
                        "c_response_with_abeta40_hz": round(r_ab, 2)},
            "figure": {"t": t, "p": p, "windup": w, "windup0": w0, "abeta_window_s": (0.5, 0.52),
                       "c_window_s": (0.59, 0.8)}}



def protocol_stp(quick: bool) -> dict:
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.synapses import std_efficacy

    stp = C.preset("segment").dc_stp

    def steady(rate):
        t = np.arange(0.0, 1.0, 1.0 / rate)
        e = std_efficacy(t, np.zeros(t.size, dtype=np.int64), 1, stp.u, stp.tau_rec_ms * 1e-3)
        return float(e[-10:].mean())

    e50, e1k = steady(50.0), steady(1000.0)
    return {"metrics": {"stp_ratio_1k_50": e1k / e50}, "details": {"efficacy_50hz": e50, "efficacy_1khz": e1k,
                                                                     "u": stp.u, "tau_rec_ms": stp.tau_rec_ms},
            "figure": {}}



def protocol_gate(quick: bool) -> dict:
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes

    p = C.preset("segment")
    seeds = [1] if quick else [1, 2, 3]
    dur = 4.0
    acc = {"resp_lo": 0.0, "resp_hi": 0.0, "dis_lo": 0.0, "dis_hi": 0.0}
    for s in seeds:
        net = C.build(p, np.random.default_rng(700 + s))

        def rate(pain, seed, net=net):
            sp = afferent_spikes(pain, C.afferent_sizes(p), dur, np.random.default_rng(seed))
            return C.run(net, sp, dur, **pain.circuit_kwargs()).wdr_rate_hz()

        for ab, key in ((8.9, "lo"), (30.0, "hi")):
            acc["resp_" + key] += (rate(PainState(abeta_rate_hz=ab), 800 + s)
                                   - rate(PainState(abeta_rate_hz=ab, c_rate_hz=0.0), 800 + s)) / len(seeds)
            acc["dis_" + key] += rate(PainState(abeta_rate_hz=ab, gaba_scale=0.0, glycine_scale=0.0), 900 + s) / len(seeds)
    m = {"c_response_ratio": acc["resp_hi"] / acc["resp_lo"] if acc["resp_lo"] > 0 else float("nan"),
         "disinhibited_abeta_gain": acc["dis_hi"] / acc["dis_lo"] if acc["dis_lo"] > 0 else float("nan")}
    return {"metrics": m, "details": {k: round(v, 2) for k, v in acc.items()} | {"seeds": seeds, "duration_s": dur},
            "figure": {}}


#: This module's protocols (name -> function); :mod:`scs_sim.validation.protocols` merges the tables.
#: Amplitudes of the surround-inhibition sweep, as multiples of each seed's perception threshold.
SURROUND_FACTORS: tuple[float, ...] = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0, 2.5)
#: Dermatomes in the painful area of the surround lead, and the surround width used there.
SURROUND_AREA_SIZE, SURROUND_WIDTH = 3, 1


def surround_lead(fibers, first_fiber: int, *, n_area: int = SURROUND_AREA_SIZE) -> list[str]:
    """A painful area that puts the lead over its receptive-field surround.

    The ``n_area`` dermatomes next to the dermatome of ``first_fiber`` (the lowest-threshold DC fibre):
    caudal ones, or rostral ones when there is no room caudally. With ``surround_dermatomes >= 1`` that
    fibre drives the surround; fibres of the painful dermatomes join in-field as the amplitude rises.
    """
    from scs_sim.fibers.anatomy import DERMATOMES

    d1 = int(fibers.dermatomes()[first_fiber])
    step = 1 if d1 + n_area < len(DERMATOMES) else -1
    return [DERMATOMES[d1 + step * k] for k in range(1, n_area + 1)]


def all_surround_area(fibers, fiber_mask: np.ndarray) -> list[str]:
    """One dermatome outside the dermatomes of the fibres in ``fiber_mask`` and as close as possible to
    all of them: with ``surround_dermatomes = 10`` (the maximum) every such fibre drives the surround
    (none is in-field), when they span at most 10 dermatomes on either side of it."""
    from scs_sim.fibers.anatomy import DERMATOMES

    own = np.unique(fibers.dermatomes()[fiber_mask])
    cand = [d for d in range(len(DERMATOMES)) if d not in set(own.tolist())]
    best = min(cand, key=lambda d: (np.abs(own - d).max(), d))
    return [DERMATOMES[best]]


def protocol_surround(quick: bool) -> dict:
    """Gilbert et al. 2022 surround inhibition: relief vs amplitude for a lead over the surround.

    Default patient, ``tonic_90hz_subperception`` (90 Hz, 210 µs), 3 s runs; per seed the painful area is
    :func:`surround_lead` of the first fibre the program recruits (``surround_dermatomes`` =
    :data:`SURROUND_WIDTH`) and the amplitude steps through :data:`SURROUND_FACTORS` × the perception
    threshold. Metrics: the best relief below the perception threshold; the drop from the best relief
    to the relief at the highest amplitude (an optimum amplitude gives a drop > 0); and, at 1.2 × the
    threshold, relief with every recruited DC fibre in-field (their own dermatomes as the painful area)
    minus relief with every one of them in the surround (:func:`all_surround_area`, width 10): the same
    fibres, the same spikes, the same network apart from their role.
    """
    from scs_sim.config.loader import load_patient, load_program
    from scs_sim.fibers.anatomy import DERMATOMES
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import threshold
    from scs_sim.simulation import run_fibers, simulate
    from scs_sim.stim.programs import pulse_train

    seeds = [1] if quick else [1, 2, 3]
    dur = 3.0
    pat = load_patient("default")
    prog, _ = load_program("tonic_90hz_subperception")
    curves, below, drops, infield_minus, areas, pts = [], [], [], [], [], []
    for s in seeds:
        fib = run_fibers(pat, s)
        pt = threshold(prog, fib, s, which="perception")
        first = threshold(prog, fib, s, which="recruitment")
        rec = recruit(pulse_train(prog.model_copy(update={"amplitude_ma": first})), fib,
                      np.random.default_rng(s), 0.5)
        f1 = int(np.nonzero(rec.recruited & ~rec.is_dr)[0][0])
        area = surround_lead(fib, f1)

        def patient(painful, width=SURROUND_WIDTH, pat=pat):
            return pat.model_copy(update={"pain": pat.pain.model_copy(
                update={"painful_area": painful, "surround_dermatomes": width})})

        def relief(factor, painful, width=SURROUND_WIDTH, pt=pt, s=s):
            amp = prog.model_copy(update={"amplitude_ma": factor * pt})
            return simulate(amp, patient(painful, width), duration_s=dur, seed=s)

        row = [relief(f, area).metrics["relief_pct"] for f in SURROUND_FACTORS]
        curves.append(row)
        below.append(max([r for f, r in zip(SURROUND_FACTORS, row, strict=True) if f < 1.0]))
        drops.append(max(row) - row[-1])
        r12 = relief(1.2, area).recruitment
        dc = r12.recruited & ~r12.is_dr
        own = sorted({DERMATOMES[d] for d in fib.dermatomes()[dc]})
        infield_minus.append(relief(1.2, own).metrics["relief_pct"]
                             - relief(1.2, all_surround_area(fib, dc), 10).metrics["relief_pct"])
        areas.append(area)
        pts.append(pt)
    return {"metrics": {"subpt_surround_relief": float(np.mean(below)), "optimum_drop_pp": float(np.mean(drops)),
                        "infield_minus_surround_pp": float(np.nanmean(infield_minus))},
            "details": {"factors_of_pt": list(SURROUND_FACTORS), "relief_pct": np.round(np.array(curves), 1),
                        "perception_threshold_ma": np.round(pts, 2), "painful_areas": areas, "seeds": seeds,
                        "surround_dermatomes": SURROUND_WIDTH, "duration_s": dur,
                        "infield_minus_surround_pp": np.round(infield_minus, 1)},
            "figure": {"factors": np.array(SURROUND_FACTORS), "relief": np.array(curves)}}


TABLE: dict[str, Callable[[bool], dict]] = {
    "gate": protocol_gate,
    "stp": protocol_stp,
    "foreman": protocol_foreman,
    "foreman_segment": protocol_foreman_segment,
    "windup": protocol_windup,
    "conditioning": protocol_conditioning,
    "rate": protocol_rate,
    "surround": protocol_surround,
}
