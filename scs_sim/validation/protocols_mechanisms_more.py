"""Validation protocols of the input-level and slow mechanisms (``async_dc``, ``dtm_glial``) and of burst
charge integration.

* ``async_dc``: Sagalajev et al. 2024 (Neuron 112:404): kHz SCS gives asynchronous DC spiking that is not
  felt and is sufficient for analgesia. 10 kHz on the default patient at the amplitude that puts the most
  excitable DC fibre at 0.8 of its train threshold (each seed), with and without the mechanism.
* ``dtm_glial``: Cedeño et al. 2020 (Mol Pain 16): DTM restores more of the cell-type transcriptomes than
  high-rate, which restores more than low-rate programming. Disinhibited patient, 48 h of therapy.
* burst charge: Crosby et al. 2015 (Neuromodulation 18:1): burst efficacy on dorsal-horn neurons grows with
  the charge per burst. Today's model (no optional mechanism): relief of 40 Hz bursts of 1..5 pulses.
* clinical orderings (10 kHz vs tonic, DTM vs tonic) under ``gate`` + each mechanism (qualitative).
* ``khz_dorsal_horn``: Lee et al. 2020 (Neuroscience 428:132): low-intensity 10 kHz, not 1 or 5 kHz, activates
  inhibitory interneurons; Biomedicines 2024;12:1346: dorsal-horn activation grows with kHz frequency.

Each ``protocol_*`` takes ``quick`` (1 seed, 4 s runs) and returns ``{"metrics", "details", "figure"}``;
:data:`scs_sim.validation.protocols.PROTOCOLS` merges :data:`TABLE`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["TABLE", "protocol_async_dc", "protocol_burst_charge", "protocol_dtm_glial", "protocol_khz_dorsal_horn",
           "protocol_mechanism_orderings", "run_config", "simulate_rates", "top_dc_ratio"]


def _seeds(quick: bool) -> tuple[list[int], float]:
    return ([1], 4.0) if quick else ([1, 2, 3], 10.0)


def run_config(program, patient, mechanisms, duration_s: float, seed: int):
    """A validated :class:`~scs_sim.config.RunConfig` for a program model and a patient with ``mechanisms``."""
    from scs_sim.config import RunConfig, Simulation, validate_model
    from scs_sim.stim.dosimetry import Device

    sim = validate_model(Simulation, {"duration_s": duration_s, "seed": seed, "mechanisms": list(mechanisms)},
                         file=None, prefix=("simulation",))
    return RunConfig.model_construct(program=program, patient=patient, device=Device(), simulation=sim,
                                     sweep=None, source=None, program_dir=None)


def _metrics(program, patient, mechanisms, duration_s, seed) -> dict:
    from scs_sim.simulation import simulate_config

    return simulate_config(run_config(program, patient, mechanisms, duration_s, seed)).metrics


def top_dc_ratio(program, patient, seed: int) -> float:
    """The largest train-threshold ratio of a DC fibre for ``program`` (fast model, no noise), on the
    fibres a run with ``seed`` draws."""
    from scs_sim.fibers.async_dc import AsyncDCParams, train_threshold_ratio
    from scs_sim.simulation import run_fibers
    from scs_sim.stim.programs import pulse_train

    fib = run_fibers(patient, seed)
    rho = train_threshold_ratio(pulse_train(program), fib, patient.fibers.excitation(), patient.perception,
                                AsyncDCParams().probe_s)
    return float(rho[~fib.is_dr].max())


def protocol_async_dc(quick: bool) -> dict:
    from scs_sim.config import load_patient, load_program

    seeds, dur = _seeds(quick)
    pat = load_patient("default")
    prog, _ = load_program("hf_10khz")
    rows = []
    for s in seeds:
        amp = prog.amplitude_ma * 0.8 / top_dc_ratio(prog, pat, s)
        p = prog.model_copy(update={"amplitude_ma": round(amp, 3)})
        off = _metrics(p, pat, ("gate",), dur, s)
        on = _metrics(p, pat, ("gate", "async_dc"), dur, s)
        preset = _metrics(prog, pat, ("gate", "async_dc"), dur, s)
        rows.append({"seed": s, "amplitude_ma": round(amp, 3), "relief_off": off["relief_pct"],
                     "relief_on": on["relief_pct"], "async_spikes": on["async_dc_spikes"],
                     "async_fibers": on["async_dc_fibers"], "async_rate_hz": on["async_dc_rate_hz"],
                     "intensity_on": on["perceived_intensity"], "recruited_dc_on": on["recruited_dc_fibers"],
                     "preset_3ma_async_spikes": preset["async_dc_spikes"]})
    m = {"async_relief_gain_pp": float(np.mean([r["relief_on"] - r["relief_off"] for r in rows])),
         "async_intensity": float(max(r["intensity_on"] for r in rows)),
         "async_rate_over_pulse_rate": float(max(r["async_rate_hz"] for r in rows) / prog.frequency_hz),
         "async_spikes_at_preset": float(np.mean([r["preset_3ma_async_spikes"] for r in rows]))}
    return {"metrics": m, "details": {"runs": rows, "duration_s": dur, "top_fibre_ratio": 0.8},
            "figure": {"relief": {f"seed {r['seed']} off": r["relief_off"] for r in rows}
                       | {f"seed {r['seed']} async_dc": r["relief_on"] for r in rows}}}


def protocol_dtm_glial(quick: bool) -> dict:
    from scs_sim.config import load_patient, load_program

    seeds, dur = _seeds(quick)
    pat = load_patient("disinhibited")
    gain = {}
    for name in ("multiplexed_dtm", "hf_10khz", "tonic_50hz"):
        prog, _ = load_program(name)
        gain[name] = float(np.mean([_metrics(prog, pat, ("gate", "dtm_glial"), dur, s)["relief_pct"]
                                    - _metrics(prog, pat, ("gate",), dur, s)["relief_pct"] for s in seeds]))
    m = {"glial_gain_dtm_minus_hf_pp": gain["multiplexed_dtm"] - gain["hf_10khz"],
         "glial_gain_hf_minus_tonic_pp": gain["hf_10khz"] - gain["tonic_50hz"],
         "glial_gain_tonic_pp": gain["tonic_50hz"]}
    return {"metrics": m, "details": {"relief_gain_pp": gain, "seeds": seeds, "duration_s": dur,
                                      "patient": "disinhibited", "therapy_hours": 48.0},
            "figure": {"relief": gain}}


def protocol_burst_charge(quick: bool) -> dict:
    from scipy.stats import spearmanr

    from scs_sim.config import load_patient, load_program

    seeds, dur = _seeds(quick)
    pat = load_patient("default")
    prog, _ = load_program("burst_dr")
    counts = [1, 2, 3, 4, 5]
    rel = []
    for n in counts:
        p = prog.model_copy(update={"pulses_per_burst": n})
        rel.append(float(np.mean([_metrics(p, pat, ("gate",), dur, s)["relief_pct"] for s in seeds])))
    charge_uc = [n * prog.amplitude_ma * prog.pulse_width_us * 1e-3 for n in counts]
    rho = float(spearmanr(charge_uc, rel).statistic) if np.ptp(rel) > 0 else float("nan")  # ties: mean ranks
    return {"metrics": {"burst_charge_spearman": rho, "burst_relief_5_minus_1_pp": rel[-1] - rel[0]},
            "details": {"pulses_per_burst": counts, "charge_per_burst_uc": charge_uc, "relief_pct": rel,
                        "seeds": seeds, "duration_s": dur},
            "figure": {"relief": dict(zip([f"{n} pulses" for n in counts], rel, strict=True))}}


def protocol_mechanism_orderings(quick: bool) -> dict:
    from scs_sim.config import load_patient, load_program

    seeds, dur = _seeds(quick)
    pat = load_patient("default")
    rel: dict[str, dict[str, float]] = {}
    for mech in ("async_dc", "dtm_glial"):
        rel[mech] = {}
        for name in ("tonic_50hz", "hf_10khz", "multiplexed_dtm"):
            prog, _ = load_program(name)
            rel[mech][name] = float(np.mean([_metrics(prog, pat, ("gate", mech), dur, s)["relief_pct"]
                                             for s in seeds]))
    m = {"hf_minus_tonic_async_dc": rel["async_dc"]["hf_10khz"] - rel["async_dc"]["tonic_50hz"],
         "dtm_minus_tonic_dtm_glial": rel["dtm_glial"]["multiplexed_dtm"] - rel["dtm_glial"]["tonic_50hz"]}
    return {"metrics": m, "details": {"relief_pct": rel, "seeds": seeds, "duration_s": dur},
            "figure": {"relief": {f"{k} / {p}": v for k, d in rel.items() for p, v in d.items()}}}


def protocol_khz_dorsal_horn(quick: bool) -> dict:
    """``khz_dorsal_horn``: inhibitory-IN firing gain (mechanism on − off, same seed) of the preset 10 kHz program
    (3 mA, 30 µs) moved to 1, 3, 5, 8 and 10 kHz (Lee et al. 2020 Neuroscience 428:132; Biomedicines 2024;12:1346),
    the excitatory-IN gain at 10 kHz, the most DC fibres recruited (sub-sensory check), and the clinical
    ordering 10 kHz vs tonic under ``gate`` + the mechanism."""
    from scipy.stats import spearmanr

    from scs_sim.config import load_patient, load_program

    seeds, dur = _seeds(quick)
    pat = load_patient("default")
    prog, _ = load_program("hf_10khz")
    freqs = [1000.0, 3000.0, 5000.0, 8000.0, 10000.0]
    on_set = ("gate", "khz_dorsal_horn")
    gain, ex_gain, dc = {f: [] for f in freqs}, [], 0
    for s in seeds:
        for f in freqs:
            p = prog.model_copy(update={"frequency_hz": f})
            off = simulate_rates(p, pat, ("gate",), dur, s)
            on = simulate_rates(p, pat, on_set, dur, s)
            gain[f].append(on["local_in"] - off["local_in"])
            dc = max(dc, int(on["recruited_dc_fibers"]))
            if f == 10000.0:
                ex_gain.append(on["ex"] - off["ex"])
    g = [float(np.mean(gain[f])) for f in freqs]
    tonic, _ = load_program("tonic_50hz")
    rel = {name: float(np.mean([_metrics(pr, pat, on_set, dur, s)["relief_pct"] for s in seeds]))
           for name, pr in (("hf_10khz", prog), ("tonic_50hz", tonic))}
    low = max(g[0], g[2]) / g[-1] if g[-1] > 0 else float("nan")
    m = {"khz_in_gain_10k_hz": g[-1], "khz_in_gain_low_over_10k": low,
         "khz_in_gain_spearman": float(spearmanr(freqs, g).statistic) if np.ptp(g) > 0 else float("nan"),
         "khz_ex_gain_10k_hz": float(np.mean(ex_gain)), "khz_recruited_dc_max": float(dc),
         "hf_minus_tonic_khz": rel["hf_10khz"] - rel["tonic_50hz"]}
    return {"metrics": m, "details": {"frequencies_hz": freqs, "local_in_gain_hz": g, "relief_pct": rel,
                                      "seeds": seeds, "duration_s": dur, "amplitude_ma": prog.amplitude_ma},
            "figure": {"local_in_gain_hz": dict(zip([f"{f / 1000:g} kHz" for f in freqs], g, strict=True))}}


def simulate_rates(program, patient, mechanisms, duration_s, seed) -> dict:
    """Mean rate of every neuron population (Hz) and the recruited DC fibres of one run."""
    from scs_sim.simulation import simulate_config

    r = simulate_config(run_config(program, patient, mechanisms, duration_s, seed))
    return {**{k: float(np.mean(v)) for k, v in r.rates_hz.items()},
            "recruited_dc_fibers": r.metrics["recruited_dc_fibers"]}


#: This module's protocols (name -> function); :mod:`scs_sim.validation.protocols` merges the tables.
TABLE: dict[str, Callable[[bool], dict]] = {
    "async_dc": protocol_async_dc,
    "dtm_glial": protocol_dtm_glial,
    "burst_charge": protocol_burst_charge,
    "mechanism_orderings_more": protocol_mechanism_orderings,
    "khz_dorsal_horn": protocol_khz_dorsal_horn,
}
