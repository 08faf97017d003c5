"""Validation protocols of the recruitment layer: strength–duration, clinical recruitment, kHz desynchronisation.

Each ``protocol_*`` function takes ``quick`` (fewer seeds) and returns ``{"metrics": {...},
"details": {...}, "figure": {...}}``; :data:`scs_sim.validation.protocols.PROTOCOLS` merges this module's :data:`TABLE`
into the one table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["TABLE", "COFIRING_WINDOW_S", "pairwise_cofiring", "protocol_clinical_recruitment", "protocol_desync",
           "protocol_perception_frequency", "protocol_strength_duration"]

INF = math.inf


def protocol_strength_duration(quick: bool) -> dict:
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.threshold import fit_strength_duration, fit_strength_duration_weiss, strength_duration
    from scs_sim.stim.programs import tonic

    # Same procedure as the calibration (docs/MODEL.md §2 (calibration)): tonic 50 Hz, noise seed 7.
    pws = np.array([60, 150, 300, 600, 1000.0]) if quick else np.array([60, 90, 150, 210, 300, 450, 600, 1000.0])
    seeds = [1] if quick else list(range(1, 11))  # calibration used anatomy seeds 1-10
    rows, fits, weiss = [], [], []
    for s in seeds:
        pop = build_fibers(Anatomy(), np.random.default_rng(s))
        thr = strength_duration(tonic(), pop, 7, pws)
        rows.append(thr)
        fits.append(fit_strength_duration(pws, thr))
        weiss.append(fit_strength_duration_weiss(pws, thr))
    fits_a, weiss_a = np.array(fits), np.array(weiss)
    return {"metrics": {"rheobase_ma": float(np.median(fits_a[:, 0])), "chronaxie_us": float(np.median(fits_a[:, 1])),
                        "weiss_rheobase_ma": float(np.median(weiss_a[:, 0])),
                        "weiss_chronaxie_us": float(np.median(weiss_a[:, 1]))},
            "details": {"anatomy_seeds": seeds, "pulse_widths_us": pws, "per_seed_rheobase_ma": fits_a[:, 0],
                        "per_seed_chronaxie_us": fits_a[:, 1], "fit": "Lapicque (exponential), the calibrated form; "
                        "the Weiss (hyperbolic) fit of the same thresholds is in the metrics"},
            "figure": {"pws": pws, "thresholds": np.array(rows), "fits": fits_a}}



def protocol_clinical_recruitment(quick: bool) -> dict:
    from scs_sim.config.loader import load_patient, load_program
    from scs_sim.fibers.anatomy import build_fibers
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import threshold
    from scs_sim.stim.programs import pulse_train, tonic

    seed = 1
    det: dict[str, Any] = {}
    m: dict[str, float] = {}
    fib = {}
    for name in ("thin_csf", "default", "thick_csf"):
        fib[name] = build_fibers(load_patient(name).anatomy, np.random.default_rng(seed))
    thr = {k: threshold(tonic(), fib[k], 7) for k in fib}
    det["perception_threshold_ma_by_csf"] = {"2 mm": thr["thin_csf"], "3 mm": thr["default"], "5 mm": thr["thick_csf"]}
    vals = [thr["thin_csf"], thr["default"], thr["thick_csf"]]
    steps = [b / a if math.isfinite(b) else (INF if math.isfinite(a) else float("nan"))
             for a, b in zip(vals[:-1], vals[1:], strict=True)]
    m["csf_min_step_ratio"] = float(min(steps))

    pop = fib["default"]
    hf, _ = load_program("hf_10khz")
    m["hf_first_dc_ma"] = threshold(hf, pop, 7, which="recruitment")
    t50 = threshold(tonic(amplitude_ma=1.0), pop, 7, which="recruitment")
    det["tonic_50hz_210us_first_dc_ma"] = t50

    def summ(prog, dur=1.0, rng_seed=11):
        return recruit(pulse_train(prog), pop, np.random.default_rng(rng_seed), dur).summary()

    shown = ("recruited_dc_fibers", "paresthesia", "perceived_intensity", "sync_drive_hz", "volley_fraction")
    s_hf = summ(hf, 0.5)
    m["hf_volley_fraction"] = s_hf["volley_fraction"]
    m["hf_perceived_intensity"] = s_hf["perceived_intensity"]
    det["hf_10khz_3ma"] = {k: s_hf[k] for k in shown}
    tp, _ = load_program("tonic_50hz")
    s_t = summ(tp)
    m["tonic_volley_fraction"] = s_t["volley_fraction"]
    m["tonic_perceived_intensity"] = s_t["perceived_intensity"]
    det["tonic_50hz_8ma"] = {k: s_t[k] for k in shown}
    sp_, _ = load_program("tonic_90hz_subperception")
    s_s = summ(sp_, 2.0)
    m["subperc_recruited_dc"] = float(s_s["recruited_dc_fibers"]) if not s_s["paresthesia"] else float("nan")
    det["subperception_90hz"] = {k: s_s[k] for k in ("recruited_dc_fibers", "paresthesia", "dc_spike_rate_hz")}

    # depth of DC fibres recruited at the perception threshold (tonic 50 Hz, 210 µs), pooled over anatomy seeds
    dl, dia = [], []
    for s_ in ([seed] if quick else [1, 2, 3, 4, 5]):
        pp = pop if s_ == seed else build_fibers(load_patient("default").anatomy, np.random.default_rng(s_))
        th_ = thr["default"] if s_ == seed else threshold(tonic(), pp, 7)
        r = recruit(pulse_train(tonic(amplitude_ma=th_)), pp, np.random.default_rng(7), 0.5)
        rec = r.recruited & ~r.is_dr
        dl.append(pp.depth_mm[rec])
        dia.append(pp.diameter_um[rec])
    depths, diam = np.concatenate(dl), np.concatenate(dia)
    m["depth_p90_mm"] = float(np.percentile(depths, 90)) if depths.size else float("nan")
    det["recruited_depths_mm"] = {"n": int(depths.size), "median": float(np.median(depths)) if depths.size else None,
                                  "max": float(depths.max()) if depths.size else None,
                                  "diameters_um_median": float(np.median(diam)) if depths.size else None,
                                  "anatomy_seeds": [seed] if quick else [1, 2, 3, 4, 5]}

    # Rogers 2024: same 60 µs pulse at 50 Hz vs 1 kHz, first-DC threshold
    t_lo = threshold(tonic(frequency_hz=50.0, pulse_width_us=60.0, amplitude_ma=1.0), pop, 7, which="recruitment")
    t_hi = threshold(tonic(frequency_hz=1000.0, pulse_width_us=60.0, amplitude_ma=1.0), pop, 7, which="recruitment")
    m["rate_threshold_ratio"] = t_hi / t_lo
    det["first_dc_60us_ma"] = {"50 Hz": t_lo, "1 kHz": t_hi}
    return {"metrics": m, "details": det, "figure": {"csf": [2.0, 3.0, 5.0], "thr": vals}}


def _desync_one(pop_seed: int, quick: bool) -> dict:
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import threshold
    from scs_sim.stim.programs import high_frequency, pulse_train, tonic

    pop = build_fibers(Anatomy(), np.random.default_rng(pop_seed))
    progs = {"50 Hz": tonic(amplitude_ma=1.0), "10 kHz": high_frequency(amplitude_ma=1.0)}
    if not quick:
        progs["1 kHz"] = tonic(frequency_hz=1000.0, pulse_width_us=60.0, amplitude_ma=1.0)
    dur = 2.0
    out = {}
    for k, prog in progs.items():
        th = threshold(prog, pop, 7, which="recruitment")
        r = recruit(pulse_train(prog.model_copy(update={"amplitude_ma": 1.3 * th})), pop,
                    np.random.default_rng(13), dur)
        s = r.summary()
        r2 = recruit(pulse_train(prog.model_copy(update={"amplitude_ma": 2.0 * th})), pop,
                     np.random.default_rng(13), dur)
        s2 = r2.summary()
        dc2 = np.flatnonzero(r2.recruited & ~r2.is_dr)
        out[k] = {"amplitude_ma": 1.3 * th, "synchrony": s["synchrony"], "recruited_dc": s["recruited_dc_fibers"],
                  "n_eff": s["active_dc_fibers_eff"],
                  "dc_rate_hz": s["dc_spike_rate_hz"], "pulse_rate_hz": prog.frequency_hz,
                  "rate_fraction": s["dc_spike_rate_hz"] / prog.frequency_hz,
                  "synchrony_2x": s2["synchrony"], "recruited_dc_2x": s2["recruited_dc_fibers"],
                  "n_eff_2x": s2["active_dc_fibers_eff"], "dc_rate_hz_2x": s2["dc_spike_rate_hz"],
                  "cofiring_2x": pairwise_cofiring([r2.spikes(int(f)) for f in dc2]),
                  "raster": [r2.spikes(int(f)) for f in dc2[:12]]}
    return out


#: Two DC spikes coincide when they are closer than this (s): one 210 µs phase at 50 Hz, ±5 pulses at 10 kHz.
COFIRING_WINDOW_S = 0.5e-3


def pairwise_cofiring(trains: list[np.ndarray], window_s: float = COFIRING_WINDOW_S) -> float:
    """Mean over ordered pairs (i, j) of the fraction of fibre i's spikes with a spike of fibre j within
    ``window_s``: 1 = every fibre fires with every other (synchronous volleys), ≈ rate·2·window when
    independent. NaN with fewer than two active fibres. Unlike the volley coherence it has no 1/N floor."""
    trains = [np.sort(np.asarray(t)) for t in trains if len(t)]
    if len(trains) < 2:
        return float("nan")
    vals = []
    for i, ti in enumerate(trains):
        for j, tj in enumerate(trains):
            if i == j:
                continue
            k = np.searchsorted(tj, ti)
            lo = np.abs(ti - tj[np.clip(k - 1, 0, tj.size - 1)])
            hi = np.abs(tj[np.clip(k, 0, tj.size - 1)] - ti)
            vals.append(float(np.mean(np.minimum(lo, hi) <= window_s)))
    return float(np.mean(vals))


def protocol_desync(quick: bool) -> dict:
    seeds = [1] if quick else [1, 2, 3]
    runs = [_desync_one(s, quick) for s in seeds]
    keys = list(runs[0])
    mean = {k: {f: float(np.nanmean([r[k][f] for r in runs])) for f in runs[0][k] if f != "raster"} for k in keys}

    def ratio(a, b, f):
        return a[f] / b[f] if b[f] > 0 else float("nan")

    m = {"sync_ratio_10k": ratio(mean["10 kHz"], mean["50 Hz"], "synchrony"),
         "rate_fraction_10k": mean["10 kHz"]["rate_fraction"],
         "sync_ratio_10k_2x": ratio(mean["10 kHz"], mean["50 Hz"], "synchrony_2x"),
         "cofiring_ratio_10k_2x": ratio(mean["10 kHz"], mean["50 Hz"], "cofiring_2x")}
    if "1 kHz" in mean:
        m["sync_ratio_1k_2x"] = ratio(mean["1 kHz"], mean["50 Hz"], "synchrony_2x")
        m["rate_1k_over_10k"] = ratio(mean["1 kHz"], mean["10 kHz"], "dc_rate_hz_2x")
    det = {k: {f: round(v, 4) for f, v in d.items()} for k, d in mean.items()} | {
        "anatomy_seeds": seeds, "note": "means over anatomy seeds; 1.3x and 2x = multiples of each program's "
        "first-DC-fibre threshold; synchrony = volley coherence (Recruitment.summary), floor ~1/n_eff"}
    return {"metrics": m, "details": det, "figure": {k: runs[0][k]["raster"] for k in keys}}


#: Perception against frequency: tonic 300 µs thresholds at these rates (Hz) ...
PT_FREQS_HZ = (40.0, 300.0, 650.0, 1200.0)
#: ... and the perceived intensity at a constant amplitude over 2-455 Hz (Gmel et al. 2021 Front Neurosci
#: 15:625835), tonic 210 µs at this amplitude (mA; about 1.2x the model patients' 50 Hz threshold).
INTENSITY_FREQS_HZ = (2.0, 5.0, 10.0, 20.0, 40.0, 60.0, 100.0, 130.0, 200.0, 300.0, 455.0)
INTENSITY_AMPLITUDE_MA = 8.0


def protocol_perception_frequency(quick: bool) -> dict:
    """Perception threshold and perceived intensity against frequency (docs/MODEL.md §2.3)."""
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.recruitment import recruit
    from scs_sim.fibers.threshold import threshold
    from scs_sim.stim.programs import pulse_train, tonic

    seeds = [1] if quick else [1, 2, 3]
    thr, inten = [], []
    for s in seeds:
        pop = build_fibers(Anatomy(), np.random.default_rng(s))
        thr.append([threshold(tonic(frequency_hz=f, pulse_width_us=300.0), pop, 7) for f in PT_FREQS_HZ])
        inten.append([recruit(pulse_train(tonic(frequency_hz=f, amplitude_ma=INTENSITY_AMPLITUDE_MA)), pop,
                              np.random.default_rng(7), 2.0, max_spikes=0).summary()["perceived_intensity"]
                      for f in INTENSITY_FREQS_HZ])
    thr_a, int_a = np.array(thr), np.array(inten)
    logf = np.log(INTENSITY_FREQS_HZ)
    corr = [float(np.corrcoef(logf, row)[0, 1]) if np.ptp(row) > 0 else float("nan") for row in int_a]
    m = {"pt_ratio_1200_40": float(np.max(thr_a[:, -1] / thr_a[:, 0])),
         "intensity_log_corr": float(np.min(corr)),
         "intensity_rise_455_2": float(np.min(int_a[:, -1] - int_a[:, 0]))}
    det = {"anatomy_seeds": seeds, "noise_seed": 7, "pt_freqs_hz": list(PT_FREQS_HZ),
           "perception_threshold_ma": thr_a.round(3).tolist(), "intensity_freqs_hz": list(INTENSITY_FREQS_HZ),
           "intensity_amplitude_ma": INTENSITY_AMPLITUDE_MA, "perceived_intensity": int_a.round(3).tolist(),
           "note": "worst case over anatomy seeds: largest 1.2 kHz / 40 Hz threshold ratio, smallest correlation "
           "of intensity with log(frequency), smallest rise from 2 to 455 Hz"}
    return {"metrics": m, "details": det, "figure": {"pt_freqs_hz": PT_FREQS_HZ, "thresholds": thr_a,
                                                     "intensity_freqs_hz": INTENSITY_FREQS_HZ, "intensity": int_a}}


#: This module's protocols (name -> function); :mod:`scs_sim.validation.protocols` merges the tables.
TABLE: dict[str, Callable[[bool], dict]] = {
    "strength_duration": protocol_strength_duration,
    "clinical_recruitment": protocol_clinical_recruitment,
    "desync": protocol_desync,
    "perception_frequency": protocol_perception_frequency,
}
