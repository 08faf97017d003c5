"""Model validation: named experiments, each a published protocol, compared with the published result.

This module owns the experiment table (:data:`EXPERIMENTS`: reference, citation, tolerance and its
rationale, all written *before* the model was run), the protocols that produce the model values
(private ``_p_*`` functions, one simulation protocol feeding one or more experiments), the runner
:func:`run_validation` and the Markdown report (:func:`render_markdown`, :func:`write_report`).
The ``scs-sim validate-model`` command (``scs_sim._cli_validate``) drives it.

Rules kept here:

* tolerances are fixed in :data:`EXPERIMENTS`; a failing experiment is reported, never tuned away,
  and no model parameter is changed for validation;
* every reference is tagged as in ``science.md``: [V-code] read in public model code, [V-abs] read in
  an abstract/caption; [R] (recalled) numbers are never used as references;
* ``kind`` says what a pass means: ``calibration check`` (the model was fitted to this number, so a
  pass only shows the calibration holds), ``independent`` (a protocol the model was not fitted to;
  some circuit gains were chosen with the same phenomena in view, see each rationale), ``qualitative``
  (an ordering or a direction, no number), ``design check`` (a property built in by an explicit
  assumption, checked for regressions).

No matplotlib here: figures are drawn by :mod:`scs_sim.plots.validation`, imported lazily.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["EXPERIMENTS", "Experiment", "ExperimentResult", "Report", "render_markdown", "run_validation",
           "write_report"]

INF = math.inf

# ------------------------------------------------------------------------------------------------
# Reference data read in public code
# ------------------------------------------------------------------------------------------------
#: Foreman et al. 1976 primate STT-cell responses to one dorsal-column pulse, as digitised in the
#: Zhang 2014 code (ModelDBRepository/168414 ``Foreman_Plotter.m``, variables Foreman1..4 _XAxis/_YAxis)
#: [V-code]. Each entry: (x values, x scale, y values, y scale); time = x/scale·100 ms after the pulse,
#: response = y/scale (1 = pre-pulse rate). Read for this module; not yet listed in science.md.
FOREMAN_DIGITISED: tuple[tuple[tuple[float, ...], float, tuple[float, ...], float], ...] = (
    ((0, 0.14, 0.16, 0.33, 0.69, 1.45), 1.17, (2.63, 0.25, 0.4, 1.55, 1.66, 2.3), 2.63),
    ((0, 0.22, 0.44, 0.69, 0.86, 2.19, 3.53, 4.83), 4.39, (4.42, 0.93, 0.80, 2.33, 2.37, 3.34, 3.63, 3.60), 4.42),
    ((0, 0.14, 0.98, 1.64, 2.61, 3.32), 3.2, (3.25, 0, 0, 1.62, 3.12, 4.28), 3.25),
    ((0, 0.14, 2.56, 3.2), 3.25, (3.25, 0, 0, 3.25 * 0.4), 3.25),
)
#: PSTH bin width (s) and bins compared with Foreman (0–100 ms after the pulse), Zhang 2014 convention.
PSTH_BIN_S = 0.01
PSTH_N_BINS = 20


def foreman_curves(t_ms: np.ndarray) -> np.ndarray:
    """The four digitised Foreman cells, linearly interpolated at ``t_ms`` (rows = cells)."""
    rows = []
    for x, xs, y, ys in FOREMAN_DIGITISED:
        rows.append(np.interp(t_ms, np.array(x) / xs * 100.0, np.array(y) / ys))
    return np.array(rows)


def foreman_reference() -> tuple[np.ndarray, np.ndarray]:
    """Bin centres (ms) of the 10 bins 0–100 ms and the mean digitised Foreman response there."""
    c = np.arange(5.0, 100.0, 10.0)
    return c, foreman_curves(c).mean(axis=0)


def _foreman_loo_rmse() -> float:
    """Median leave-one-out RMS difference of a digitised cell from the mean of the other three."""
    cur = foreman_curves(np.arange(5.0, 100.0, 10.0))
    return float(np.median([np.sqrt(np.mean((cur[k] - np.delete(cur, k, 0).mean(0)) ** 2))
                            for k in range(cur.shape[0])]))


_FOREMAN_C, _FOREMAN_MEAN = foreman_reference()
FOREMAN_SUPPRESSED = float(_FOREMAN_MEAN[1:4].mean())     # 10–40 ms: 0.26
FOREMAN_RECOVERING = float(_FOREMAN_MEAN[8:10].mean())    # 80–100 ms: 0.72
FOREMAN_SPREAD_RMSE = _foreman_loo_rmse()                 # 0.32


# ------------------------------------------------------------------------------------------------
# The experiment table (tolerances fixed before running)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Experiment:
    """One named experiment: which protocol produces its model value, and how it is judged.

    The model value passes when ``lo <= value <= hi`` (NaN fails). ``reference_value`` (optional)
    is the published number the difference is taken against.
    """

    id: str
    title: str
    protocol: str
    metric: str
    kind: str
    reference: str
    citation: str
    lo: float
    hi: float
    tolerance: str
    rationale: str
    reference_value: float | None = None
    unit: str = ""
    quick: bool = True
    expect_fail: bool = False  # known or suspected failure stated before the run (reported, not hidden)


E = Experiment
EXPERIMENTS: tuple[Experiment, ...] = (
    # -- recruitment layer -------------------------------------------------------------------------
    E("sd_chronaxie", "Strength–duration: chronaxie of the perception threshold", "strength_duration",
      "chronaxie_us", "calibration check",
      "295 µs (range 242–326)", "Hershey et al. 2010 Pain Physician 13:321 [V-abs], science.md §5.2",
      242.0, 326.0, "within the published range 242–326 µs",
      "tau_ms was fitted to this chronaxie (docs/MODEL.md §2 (calibration)): a pass shows the calibration "
      "holds for these anatomy/noise seeds, not an independent prediction.", 295.0, "µs"),
    E("sd_rheobase", "Strength–duration: rheobase of the perception threshold", "strength_duration",
      "rheobase_ma", "calibration check",
      "2.5 mA (range 1.3–3.3)", "Hershey et al. 2010 [V-abs], science.md §5.2",
      1.3, 3.3, "within the published range 1.3–3.3 mA",
      "af_rheobase_mv was scaled to this rheobase; calibration check only.", 2.5, "mA"),
    E("csf_threshold_order", "Perception threshold rises with dorsal CSF thickness", "clinical_recruitment",
      "csf_min_step_ratio", "qualitative",
      "threshold increases with dorsal CSF thickness", "He et al. 1994 Pain 59:55 [V-abs], science.md §5.1",
      1.05, INF, "thresholds at 2 < 3 < 5 mm CSF, each step ≥ 5 % higher",
      "Direction only; the 1/d³ point-source conductor builds this in, so it checks the geometry, not a "
      "fitted magnitude.", None, "×"),
    E("khz_direct_activation", "10 kHz/30 µs needs high amplitude to recruit any DC fibre",
      "clinical_recruitment", "hf_first_dc_ma", "independent",
      "direct DC activation by kHz SCS needs amplitudes at the upper end of or outside 0.5–5 mA",
      "Lempka et al. 2015 Anesthesiology 122:1362 [V-abs], science.md §3.5",
      4.0, INF, "first-DC-fibre threshold ≥ 4 mA (upper end of the clinical range)",
      "The v1 integrator was calibrated at 50 Hz/60–1000 µs only; the kHz threshold follows from the "
      "integrator and the phenomenological facilitation.", 5.0, "mA"),
    E("hf_paresthesia_free", "10 kHz (3 mA, preset) is paresthesia-free", "clinical_recruitment",
      "hf_volley_fraction", "qualitative",
      "HF10 patients had no paresthesia", "Kapural et al. 2015 Anesthesiology 123:851 [V-abs], science.md §6.1",
      0.0, 0.4999, "fraction of pulses with a perception-sized DC volley < 0.5 (the model's criterion)",
      "Ordering only; says nothing about trial outcomes.", None, ""),
    E("tonic_paresthesia", "Tonic 50 Hz (8 mA preset, supra-perception) evokes paresthesia",
      "clinical_recruitment", "tonic_volley_fraction", "qualitative",
      "conventional tonic SCS is felt as paresthesia", "Kapural 2015 [V-abs] (control arm); science.md §6.1",
      0.5, 1.0, "volley fraction ≥ 0.5 (the model's paresthesia criterion)",
      "The preset amplitude was set at ≈1.2× the model threshold, so this checks consistency.", None, ""),
    E("subperception_few_fibres", "Sub-perception 90 Hz program recruits few DC fibres", "clinical_recruitment",
      "subperc_recruited_dc", "qualitative",
      "low-amplitude sub-perception SCS activates a small number of DC axons",
      "Gilbert et al. 2022 eNeuro 9:ENEURO.0058-22 [V-abs], science.md §2",
      0.0, 10.0, "≤ 10 of the 200 modelled DC fibres fire at all (and no paresthesia)",
      "'Few' fixed at ≤ 5 % of the DC sample before running.", None, "fibres"),
    E("recruited_depth", "Depth of DC fibres recruited at the perception threshold", "clinical_recruitment",
      "depth_p90_mm", "independent",
      "largest DC fibres activated to a maximum depth of ~0.25 mm",
      "Feirabend et al. 2002 Brain 125:1137 [V-abs], science.md §5.1",
      0.0, 0.30, "90th percentile depth of recruited DC fibres ≤ 0.30 mm",
      "The recruitment engineer documented weaker depth selectivity (docs/MODEL.md §2 (known limitations)); "
      "tolerance allows 20 % above the reference.", 0.25, "mm", expect_fail=True),
    E("hf_threshold_reduction", "High rate lowers the DC activation threshold", "clinical_recruitment",
      "rate_threshold_ratio", "qualitative",
      "high-frequency stimulation reduces DC fibre activation thresholds",
      "Rogers, Capogrosso & Lempka 2024 J Neurosci 44:e2199232024 [V-abs], science.md §3.4",
      0.0, 0.95, "first-DC threshold at 1 kHz / at 50 Hz (same 60 µs pulse) ≤ 0.95",
      "Temporal summation is a phenomenological facilitation term whose size is an assumption.", None, "×"),
    E("khz_desync", "kHz SCS desynchronises DC firing", "desync", "sync_ratio_10k", "independent",
      "1–10 kHz SCS makes DC axons fire less synchronously than 40–60 Hz",
      "Sagalajev et al. 2024 Neuron 112:404 [V-abs], science.md §3.3",
      0.0, 0.5, "volley coherence at 10 kHz / at 50 Hz ≤ 0.5 (each at 1.3× its first-DC threshold)",
      "kHz accommodation + per-pulse noise were added to produce this (phenomenological): partly by design.",
      None, "×"),
    E("khz_subharmonic", "DC fibres fire far below the kHz pulse rate", "desync", "rate_fraction_10k",
      "independent",
      "axons entrain irregularly (overdrive desynchronisation), fibre rate well below the stimulus rate",
      "Sagalajev 2024 [V-abs]; Crosby et al. 2017 [V-abs], science.md §3.3/§3.6",
      0.0, 0.1, "mean rate of recruited DC fibres at 10 kHz ≤ 10 % of the pulse rate",
      "Same mechanism as khz_desync; partly by design.", None, "×"),
    E("khz_desync_strong", "kHz SCS desynchronises DC firing (more fibres recruited)", "desync",
      "sync_ratio_10k_2x", "independent",
      "1–10 kHz SCS makes DC axons fire less synchronously than 40–60 Hz",
      "Sagalajev et al. 2024 Neuron 112:404 [V-abs], science.md §3.3",
      0.0, 0.5, "volley coherence at 10 kHz / at 50 Hz ≤ 0.5 (each at 2× its first-DC threshold)",
      "Added after the first run: at 1.3× threshold only ~2 fibres are effectively active, and the "
      "coherence measure cannot fall below 1/N_eff ≈ 0.5 then. Same bound; khz_desync is kept as run.",
      None, "×"),
    E("khz_desync_pairwise", "kHz SCS desynchronises DC firing (pairwise co-firing)", "desync",
      "cofiring_ratio_10k_2x", "independent",
      "1–10 kHz SCS makes DC axons fire less synchronously than 40–60 Hz",
      "Sagalajev et al. 2024 [V-abs], science.md §3.3",
      0.0, 0.5, "pairwise co-firing (spikes of two fibres within 0.5 ms) at 10 kHz / at 50 Hz ≤ 0.5, "
      "each at 2× its first-DC threshold",
      "Added after khz_desync/khz_desync_strong failed because the volley coherence has a 1/N_eff floor "
      "(N_eff ≈ 1.3–4 fibres here); this measure has no such floor. Bound unchanged; the coherence "
      "experiments are kept and reported as run.", None, "×"),
    E("khz_desync_1k", "1 kHz SCS desynchronises DC firing", "desync", "sync_ratio_1k_2x", "independent",
      "1–10 kHz SCS makes DC axons fire less synchronously than 40–60 Hz",
      "Sagalajev et al. 2024 [V-abs], science.md §3.3",
      0.0, 0.5, "volley coherence at 1 kHz (60 µs) / at 50 Hz ≤ 0.5 (each at 2× its first-DC threshold)",
      "Lower end of Sagalajev's 1–10 kHz range; same bound as khz_desync_strong.", None, "×", quick=False),
    E("crosby_1k_more_firing", "1 kHz evokes more DC firing than 10 kHz", "desync", "rate_1k_over_10k",
      "qualitative", "1 kHz evoked more firing, more phase-locked, than 5–20 kHz",
      "Crosby, Janik & Grill, single DC axons under kHz SCS (rat), abstract [V-abs], science.md §3.6",
      1.0, INF, "mean rate of recruited DC fibres at 1 kHz / at 10 kHz ≥ 1 (each at 2× its first-DC threshold)",
      "Direction only; Crosby's effects were above motor threshold, ours at 2× the first-fibre threshold.",
      None, "×", quick=False),
    E("collateral_depression", "DC collaterals cannot follow kHz rates", "stp", "stp_ratio_1k_50", "design check",
      "model DC collaterals cannot reliably follow high-frequency stimulation",
      "Rogers et al. 2024 [V-abs], science.md §3.4",
      0.0, 0.25, "steady-state transmitted fraction per spike at 1 kHz / at 50 Hz ≤ 0.25",
      "U = 0.3, τ_rec = 40 ms are assumptions chosen for this (docs/MODEL.md §3 (short-term depression)).", None, "×"),
    E("gate_closes", "Gate closes: more Aβ drive lowers the C-evoked WDR response (segment)", "gate",
      "c_response_ratio", "qualitative",
      "large-fibre activity closes the gate on small-fibre input to T cells",
      "Melzack & Wall 1965 as summarised by Mendell 2014 [V-abs], science.md §4.1", 0.0, 0.67,
      "C-evoked WDR rate (with C − without) at Aβ 30 Hz ≤ 0.67 × at Aβ 8.9 Hz",
      "Same bound as tests/test_circuit.py (a third less). The circuit weights were scaled with this "
      "phenomenon in view.", None, "×"),
    E("disinhibition_excites", "Without GABA_A/glycine, Aβ drive excites the WDR (segment)", "gate",
      "disinhibited_abeta_gain", "qualitative",
      "removing inhibition turns Aβ drive into net excitation (allodynia-like)",
      "Melzack & Wall 1965 / Mendell 2014 [V-abs], science.md §4.1 'How to use'", 1.3, INF,
      "WDR rate at Aβ 30 Hz / at 8.9 Hz with GABA_A = glycine = 0 ≥ 1.3", "As tests/test_circuit.py.",
      None, "×"),
    # -- circuit: single-pulse suppression (Foreman / Zhang Fig 7c) --------------------------------------
    E("psth_suppressed", "Single SCS pulse: WDR PSTH 10–40 ms (zhang2014)", "foreman", "supp_10_40",
      "independent",
      f"{FOREMAN_SUPPRESSED:.2f} (mean of 4 digitised primate STT cells); 'suppressed for tens of ms'",
      "Foreman et al. 1976 as digitised in Zhang 2014 code (ModelDB 168414 Foreman_Plotter.m) [V-code]; "
      "science.md §1.5",
      0.0, 0.5, "normalised PSTH 10–40 ms ≤ 0.5",
      "Same bound as tests/test_circuit.py ('strongly suppressed'); the digitised cells span 0–0.4 here.",
      FOREMAN_SUPPRESSED, "× pre"),
    E("psth_recovering", "Single SCS pulse: WDR PSTH 80–100 ms (zhang2014)", "foreman", "rec_80_100",
      "independent",
      f"{FOREMAN_RECOVERING:.2f} (mean of 4 digitised cells); 'recovered by ~100 ms'",
      "Foreman 1976 digitised in ModelDB 168414 [V-code]; science.md §1.5",
      FOREMAN_RECOVERING - 0.3, FOREMAN_RECOVERING + 0.3, "abs(model − reference) ≤ 0.3",
      "0.3 ≈ the cell-to-cell spread of the digitised cells at 80–100 ms (0.3–1.2).",
      FOREMAN_RECOVERING, "× pre"),
    E("psth_recovered", "Single SCS pulse: WDR PSTH 100–200 ms (zhang2014)", "foreman", "rec_100_200",
      "independent", "back to baseline after ~100 ms", "Foreman 1976; science.md §1.5 [V-code description]",
      0.7, 1.3, "0.7–1.3 (recovered, no large rebound)",
      "Lower bound as in tests/test_circuit.py; the upper bound excludes a strong rebound.", 1.0, "× pre"),
    E("psth_shape", "Single SCS pulse: PSTH shape 0–100 ms vs digitised Foreman mean", "foreman", "rmse",
      "independent", "mean digitised Foreman curve, 10 bins of 10 ms",
      "Foreman 1976 digitised in ModelDB 168414 [V-code]",
      0.0, round(FOREMAN_SPREAD_RMSE, 3),
      f"RMS difference ≤ {FOREMAN_SPREAD_RMSE:.2f} (median leave-one-out RMS of one digitised cell vs "
      "the mean of the others)",
      "Tolerance = the cell-to-cell variability of the reference itself, computed from the data alone.",
      0.0, ""),
    E("psth_suppressed_segment", "Single SCS pulse: WDR PSTH 10–40 ms (segment preset)", "foreman_segment",
      "supp_10_40", "independent", f"{FOREMAN_SUPPRESSED:.2f}; 'suppressed for tens of ms'",
      "Foreman 1976 digitised in ModelDB 168414 [V-code]; science.md §1.5",
      0.0, 0.5, "normalised PSTH 10–40 ms ≤ 0.5", "As psth_suppressed, on the default population network.",
      FOREMAN_SUPPRESSED, "× pre", quick=False),
    E("psth_recovering_segment", "Single SCS pulse: WDR PSTH 80–100 ms (segment preset)", "foreman_segment",
      "rec_80_100", "independent", f"{FOREMAN_RECOVERING:.2f}", "Foreman 1976 digitised [V-code]",
      FOREMAN_RECOVERING - 0.3, FOREMAN_RECOVERING + 0.3, "abs(model − reference) ≤ 0.3",
      "As psth_recovering.", FOREMAN_RECOVERING, "× pre", quick=False),
    E("gaba_block_psth", "GABA_A block removes most single-pulse inhibition (zhang2014)", "foreman",
      "gaba_removed_fraction", "design check",
      "intrathecal bicuculline shifts responses to low-amplitude SCS; SCS effects need spinal GABA",
      "Gilbert et al. 2022 [V-abs] science.md §2; Meuwissen et al. 2020 [V-abs] science.md §6.2",
      0.7, INF, "≥ 70 % of the 10–40 ms suppression removed with GABA_A × 0",
      "'Most' fixed at 70 % before running; glycine left intact (bicuculline is GABA_A-specific). Relabelled "
      "design check after the first run: in the Zhang wiring the surround IN acts only through GABA_A, so "
      "the result follows from the connectivity.", None, ""),
    # -- circuit: wind-up (Zhang Fig 3a) ----------------------------------------------------------------
    E("windup_ratio", "Wind-up of the WDR C-component over 15 volleys at 1 Hz", "windup", "ratio",
      "independent", "progressive increase of the C-component (wind-up), normalised to stimulus 1",
      "Zhang et al. 2014 Fig 3a protocol (ModelDB 168414 WindUp_Plotter.m) [V-code], science.md §1.3",
      1.5, INF, "mean of stimuli 11–15 ≥ 1.5 × stimulus 1",
      "The Fig 3a values are not in science.md; 1.5 = a clear increase. The EX→WDR gain (8) was chosen "
      "so wind-up appears (docs/MODEL.md §3 (connectivity and weight scaling)): not fully independent.", None, "×"),
    E("windup_progressive", "Wind-up is progressive (rank correlation with stimulus number)", "windup",
      "spearman", "independent", "C-component grows with stimulus number",
      "Zhang 2014 Fig 3a [V-code]; science.md §1.3", 0.6, 1.0, "Spearman ρ ≥ 0.6",
      "Distinguishes a gradual wind-up from a one-off step.", None, ""),
    E("windup_needs_nmda", "No wind-up without NMDA", "windup", "growth_without_nmda", "independent",
      "NMDA positive feedback is essential for wind-up",
      "Britton, Chaplain & Skevington 1996 [V-abs], science.md §4.2",
      -INF, 0.2, "growth (stimuli 11–15 − stimulus 1) with NMDA × 0, as a fraction of the control "
      "stimulus-1 C-component, ≤ 0.2",
      "Partly trivial if the C-component vanishes without NMDA (reported in the details).", 0.0, ""),
    # -- circuit: A-fibre conditioning (Zhang Fig 5b, Woolf & Wall) ---------------------------------------
    E("afibre_conditioning", "A-fibre conditioning inhibits the C-evoked WDR response", "conditioning",
      "min_ratio", "independent",
      "a conditioning Aβ+Aδ volley inhibits the test C-response (Zhang 2014 Fig 5b reproduces it)",
      "Zhang 2014 Fig 5b protocol, Woolf & Wall (ModelDB 168414) [V-code/V-abs], science.md §1.1, §1.3",
      0.0, 0.7, "best Δ: C-response (>100 ms, minus conditioning alone) ≤ 0.7 × test alone",
      "The circuit engineer reported local inhibition lasts only tens of ms; a failure is expected and "
      "reported.", None, "×", expect_fail=True),
    # -- circuit: whole pipeline (recruitment → circuit), default patient, segment preset ----------------
    E("tonic_relief", "Tonic 50 Hz (preset) lowers the WDR pain signal", "pipeline", "relief_tonic",
      "qualitative", "conventional supra-perception SCS inhibits WDR/STT firing",
      "Foreman 1976 / Zhang 2014 (science.md §1.5); DESIGN §4", 10.0, INF, "relief ≥ 10 %",
      "Direction only.", None, "%", quick=False),
    E("tonic_relief_needs_gaba", "Tonic relief needs spinal GABA", "pipeline", "tonic_gaba_ratio",
      "design check", "bicuculline i.t. ablated tonic (and burst) SCS effects",
      "Meuwissen et al. 2020 Pain Pract [V-abs], science.md §6.2", -INF, 0.3,
      "relief with GABA_A × 0 ≤ 0.3 × relief with GABA", "'Ablated' read as ≥ 70 % lost. Design check: with "
      "the default coverage 0 every DC collateral acts through the surround IN's GABA_A synapses only.",
      None, "×",
      quick=False),
    E("burst_relief_needs_gaba", "Burst relief needs spinal GABA", "pipeline", "burst_gaba_ratio",
      "design check", "bicuculline i.t. ablated burst SCS effects",
      "Meuwissen et al. 2020 [V-abs], science.md §6.2", -INF, 0.3,
      "relief with GABA_A × 0 ≤ 0.3 × relief with GABA (NaN = burst gives no relief to remove)",
      "Needs burst relief in the first place (burst_dr preset is sub-perception).", None, "×", quick=False),
    E("burst_vs_tonic", "Burst not inferior to tonic (ordering)", "pipeline", "burst_minus_tonic",
      "qualitative", "burst non-inferior (and superior) to tonic on VAS",
      "SUNBURST, Deer et al. 2018 Neuromodulation 21:56 [V-abs], science.md §6.2", -10.0, INF,
      "relief(burst) − relief(tonic) ≥ −10 percentage points",
      "Ordering only, presets at their documented amplitudes; never a trial prediction.", None, "pp",
      quick=False),
    E("hf10_vs_tonic", "10 kHz relief at least that of tonic (clinical ordering)", "pipeline", "hf_minus_tonic",
      "qualitative", "10 kHz responders 84.5 % vs tonic 43.8 % (back pain, 3 months)",
      "SENZA-RCT, Kapural et al. 2015 [V-abs], science.md §6.1", -5.0, INF,
      "relief(hf_10khz) − relief(tonic) ≥ −5 percentage points",
      "The model has no paresthesia-free kHz mechanism other than direct DC recruitment (DESIGN §4: it "
      "must say so rather than fake a benefit); expected to fail.", None, "pp", quick=False, expect_fail=True),
    E("pinch_not_abolished", "50 Hz SCS reduces but does not abolish output during strong pinch",
      "pinch", "pinch_relief", "qualitative",
      "SCS-generated inhibition did not completely suppress projection activity during simulated pinch",
      "Medlock et al. 2023 J Neurophysiol (SDH network) [V-abs], science.md §3.2", 10.0, 90.0,
      "relief during pinch-like drive between 10 % and 90 %",
      "Pinch afferent rates from science.md §3.2 (C 26→8 Hz, Aδ 26→11 Hz, Aβ 57→10 Hz).", None, "%",
      quick=False),
    # -- rate backend (Crodelle 2019) ------------------------------------------------------------------
    E("rate_brief_stimulus", "Rate model: brief noxious stimulus drives the P (WDR) population", "rate",
      "brief_peak_over_base", "independent",
      "a brief nociceptive stimulus (t = 0.5 s) evokes a projection-neuron response",
      "Crodelle et al. 2019 PLoS Comput Biol Fig 3 [V-abs] and code [V-code], science.md §3.1",
      10.0, INF, "P during the C stimulus ≥ 10 × baseline (and recovers, see details)",
      "Published parameters as coded; only the response's existence is checked (no digitised trace).",
      None, "×"),
    E("rate_windup", "Rate model: wind-up over 1 Hz C volleys", "rate", "windup_growth", "independent",
      "wind-up reproduced through the NMDA variable", "Crodelle 2019 [V-abs], science.md §3.1",
      1.05, INF, "P response to volley 5 ≥ 1.05 × volley 1 (and flat with NMDA × 0)",
      "The docs record ≈13 % over 6 volleys; 5 % is the bound fixed before this run.", None, "×"),
    E("rate_abeta_inhibition", "Rate model: strong Aβ drive inhibits the C response", "rate",
      "abeta_ratio", "independent", "Aβ ('non-painful') input inhibits the pain response",
      "Crodelle 2019 [V-abs], science.md §3.1; Melzack & Wall 1965 science.md §4.1",
      0.0, 0.5, "P response with Aβ 40 Hz ≤ 0.5 × without", "Direction with a clear size.", None, "×"),
)
del E

_BY_ID = {e.id: e for e in EXPERIMENTS}


# ------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------
@dataclass
class ExperimentResult:
    """The outcome of one experiment (model value, reference, difference, tolerance, pass/fail)."""

    id: str
    title: str
    kind: str
    model: float
    reference: str
    reference_value: float | None
    difference: float | None
    tolerance: str
    passed: bool
    citation: str
    unit: str = ""
    expect_fail: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["details"] = _jsonable(self.details)
        return _jsonable(d)


def _jsonable(o):
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return _jsonable(o.tolist())
    if isinstance(o, np.generic):
        return _jsonable(o.item())
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o


@dataclass
class Report:
    """All experiment results of one validation run, with protocol data for the figures."""

    results: list[ExperimentResult]
    quick: bool
    wall_s: float
    protocol_wall_s: dict[str, float]
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def n_passed(self) -> int:
        return sum(r.passed for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"quick": self.quick, "wall_s": self.wall_s, "n_experiments": len(self.results),
                "n_passed": self.n_passed, "protocol_wall_s": self.protocol_wall_s,
                "experiments": [r.as_dict() for r in self.results]}


def judge(exp: Experiment, value: float, details: dict | None = None, error: str | None = None) -> ExperimentResult:
    """Compare a model value with an experiment's tolerance."""
    v = float(value) if value is not None else float("nan")
    ok = bool(math.isfinite(v) and exp.lo <= v <= exp.hi) and error is None
    diff = v - exp.reference_value if exp.reference_value is not None and math.isfinite(v) else None
    return ExperimentResult(id=exp.id, title=exp.title, kind=exp.kind, model=v, reference=exp.reference,
                            reference_value=exp.reference_value, difference=diff, tolerance=exp.tolerance,
                            passed=ok, citation=exp.citation, unit=exp.unit, expect_fail=exp.expect_fail,
                            details=details or {}, error=error)


# ------------------------------------------------------------------------------------------------
# Protocols (each returns {"metrics": {...}, "details": {...}, "figure": {...}})
# ------------------------------------------------------------------------------------------------
def _p_strength_duration(quick: bool) -> dict:
    from scs_sim.fibers.anatomy import Anatomy, build_fibers
    from scs_sim.fibers.recruitment import fit_strength_duration, strength_duration
    from scs_sim.stim.programs import tonic

    # Same procedure as the calibration (docs/MODEL.md §2 (calibration)): tonic 50 Hz, noise seed 7.
    pws = np.array([60, 150, 300, 600, 1000.0]) if quick else np.array([60, 90, 150, 210, 300, 450, 600, 1000.0])
    seeds = [1] if quick else list(range(1, 11))  # calibration used anatomy seeds 1-10
    rows, fits = [], []
    for s in seeds:
        pop = build_fibers(Anatomy(), np.random.default_rng(s))
        thr = strength_duration(tonic(), pop, 7, pws)
        rows.append(thr)
        fits.append(fit_strength_duration(pws, thr))
    fits_a = np.array(fits)
    return {"metrics": {"rheobase_ma": float(np.median(fits_a[:, 0])), "chronaxie_us": float(np.median(fits_a[:, 1]))},
            "details": {"anatomy_seeds": seeds, "pulse_widths_us": pws, "per_seed_rheobase_ma": fits_a[:, 0],
                        "per_seed_chronaxie_us": fits_a[:, 1]},
            "figure": {"pws": pws, "thresholds": np.array(rows), "fits": fits_a}}


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


def _foreman_runs(preset: str, gaba_scales: tuple[float, ...], quick: bool) -> dict[float, np.ndarray]:
    """Normalised PSTHs for each gaba_scale (same networks and afferent spikes: common random numbers)."""
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc

    p = C.preset(preset)
    seeds = [1] if quick else list(range(1, 9))
    warm, n = 5.0, 25  # Zhang: 25 pulses at 1 Hz; 5 s discards the slow NK1/Ca transient (circuit docs §3.3)
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
            "rmse": float(np.sqrt(np.mean((r[:10] - _FOREMAN_MEAN) ** 2)))}


def _p_foreman(quick: bool) -> dict:
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


def _p_foreman_segment(quick: bool) -> dict:
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


def _p_windup(quick: bool) -> dict:
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
    test volley (Aβ at 1–4 ms, C at 40–180 ms after the trial start, science.md §1.3). The conditioning
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


def _p_conditioning(quick: bool) -> dict:
    from scs_sim.dorsal_horn import circuit as C

    # Zhang 2014 A-Fiber-Inhibition: same weights as Foreman (surround present, silent), no ongoing drive.
    p = C.preset("zhang2014")
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


def _p_rate(quick: bool) -> dict:
    from scs_sim.dorsal_horn.rate import RateInputs, RateParams, rates_from_spikes, run_rate

    dt = 1e-4
    # (a) Crodelle brief-stimulus protocol (science.md §3.1): 380 Aβ / 820 Aδ+C, 1 Hz baseline,
    # Aβ 40 Hz for 20 ms at 0.5 s, C 22 Hz for 210 ms at 0.59 s (Poisson).
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
            "figure": {"t": t, "p": p, "windup": w, "windup0": w0}}


def _p_clinical_recruitment(quick: bool) -> dict:
    from scs_sim.config.loader import load_patient, load_program
    from scs_sim.fibers.anatomy import build_fibers
    from scs_sim.fibers.recruitment import recruit, threshold
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

    s_hf = summ(hf, 0.5)
    m["hf_volley_fraction"] = s_hf["volley_fraction"]
    det["hf_10khz_3ma"] = {k: s_hf[k] for k in ("recruited_dc_fibers", "paresthesia", "volley_fraction")}
    tp, _ = load_program("tonic_50hz")
    s_t = summ(tp)
    m["tonic_volley_fraction"] = s_t["volley_fraction"]
    det["tonic_50hz_8ma"] = {k: s_t[k] for k in ("recruited_dc_fibers", "paresthesia", "volley_fraction")}
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
    from scs_sim.fibers.recruitment import recruit, threshold
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


def _p_desync(quick: bool) -> dict:
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


def _p_stp(quick: bool) -> dict:
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


def _relief(program, patient, seeds, duration_s=10.0) -> float:
    from scs_sim.simulation import simulate

    return float(np.mean([simulate(program, patient, duration_s=duration_s, seed=s).metrics["relief_pct"]
                          for s in seeds]))


def _p_pipeline(quick: bool) -> dict:
    from scs_sim.config.loader import load_patient, load_program

    seeds = [1, 2, 3]
    pat = load_patient("default")
    blk = pat.model_copy(update={"pain": pat.pain.model_copy(update={"gaba_scale": 0.0})})
    rel = {}
    for name in ("tonic_50hz", "burst_dr", "hf_10khz"):
        prog, _ = load_program(name)
        rel[name] = _relief(prog, pat, seeds)
        if name != "hf_10khz":
            rel[name + " (GABA_A blocked)"] = _relief(prog, blk, seeds)

    def ratio(a, b):
        return rel[b] / rel[a] if rel[a] > 1.0 else float("nan")

    m = {"relief_tonic": rel["tonic_50hz"],
         "tonic_gaba_ratio": ratio("tonic_50hz", "tonic_50hz (GABA_A blocked)"),
         "burst_gaba_ratio": ratio("burst_dr", "burst_dr (GABA_A blocked)"),
         "burst_minus_tonic": rel["burst_dr"] - rel["tonic_50hz"],
         "hf_minus_tonic": rel["hf_10khz"] - rel["tonic_50hz"]}
    return {"metrics": m, "details": {"relief_pct": {k: round(v, 2) for k, v in rel.items()}, "seeds": seeds,
                                      "duration_s": 10.0, "circuit": "segment"},
            "figure": {"relief": rel}}


def _p_pinch(quick: bool) -> dict:
    from scs_sim.config.loader import load_patient, load_program
    from scs_sim.dorsal_horn.afferents import NoxiousEpoch

    # science.md §3.2 (Medlock SDH code, primary_afferent_FR.py): pinch rates at 1..5 s (C 26→8, Aδ 26→11 Hz),
    # Aβ adapting from ~57 Hz to ~10 Hz. Approximated by 1 s epochs of constant extra rate over the
    # ongoing drive (our assumption), pinch from 2 to 7 s of a 10 s run.
    c = [25.96, 15.76, 11.93, 9.57, 8.43]
    ad = [25.54, 22.62, 17.39, 13.85, 10.77]
    ab = [57.0, 30.0, 15.0, 10.0, 10.0]
    pat = load_patient("default")
    base = pat.pain
    eps = [NoxiousEpoch(start_s=2.0 + k, stop_s=3.0 + k, abeta_rate_hz=max(ab[k] - base.abeta_rate_hz, 0.0),
                        adelta_rate_hz=max(ad[k] - base.adelta_rate_hz, 0.0), c_rate_hz=max(c[k] - base.c_rate_hz, 0.0))
           for k in range(5)]
    pinch = pat.model_copy(update={"pain": base.model_copy(update={"noxious": eps})})
    prog, _ = load_program("tonic_50hz")
    rel = _relief(prog, pinch, [1, 2])
    return {"metrics": {"pinch_relief": rel}, "details": {"relief_pct": round(rel, 2), "seeds": [1, 2]}, "figure": {}}


def _p_gate(quick: bool) -> dict:
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


PROTOCOLS: dict[str, Callable[[bool], dict]] = {
    "gate": _p_gate,
    "strength_duration": _p_strength_duration,
    "clinical_recruitment": _p_clinical_recruitment,
    "desync": _p_desync,
    "stp": _p_stp,
    "foreman": _p_foreman,
    "foreman_segment": _p_foreman_segment,
    "windup": _p_windup,
    "conditioning": _p_conditioning,
    "rate": _p_rate,
    "pipeline": _p_pipeline,
    "pinch": _p_pinch,
}


# ------------------------------------------------------------------------------------------------
# Runner
# ------------------------------------------------------------------------------------------------
def run_validation(quick: bool = False, only: list[str] | None = None,
                   progress: Callable[[str], None] | None = None) -> Report:
    """Run the experiments (``quick``: the fast subset with fewer seeds) and judge them.

    Parameters
    ----------
    quick : bool
        Run only experiments with ``quick=True`` and the cheaper protocol variants.
    only : list of str, optional
        Experiment ids to run (default: all of the selected mode).
    progress : callable, optional
        Called with a short message before each protocol.
    """
    from scs_sim.errors import ConfigError

    exps = [e for e in EXPERIMENTS if (e.quick or not quick)]
    if only:
        unknown = [i for i in only if i not in _BY_ID]
        if unknown:
            raise ConfigError(f"unknown experiment(s) {', '.join(unknown)}; known: {', '.join(_BY_ID)}")
        exps = [_BY_ID[i] for i in only]
    t0 = time.perf_counter()
    results: list[ExperimentResult] = []
    figures: dict[str, dict] = {}
    walls: dict[str, float] = {}
    done: dict[str, dict] = {}
    for proto in dict.fromkeys(e.protocol for e in exps):
        if progress:
            progress(proto)
        t1 = time.perf_counter()
        try:
            done[proto] = PROTOCOLS[proto](quick)
        except Exception as exc:  # a broken protocol is reported per experiment, not fatal
            done[proto] = {"error": f"{type(exc).__name__}: {exc}"}
        walls[proto] = round(time.perf_counter() - t1, 2)
        figures[proto] = done[proto].get("figure", {})
    for e in exps:
        d = done[e.protocol]
        if "error" in d:
            results.append(judge(e, float("nan"), error=d["error"]))
        else:
            results.append(judge(e, d["metrics"].get(e.metric, float("nan")), details=d["details"]))
    return Report(results=results, quick=quick, wall_s=round(time.perf_counter() - t0, 2),
                  protocol_wall_s=walls, figures=figures)


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------
def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and not math.isfinite(v):
        return "n/a" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    a = abs(v)
    s = f"{v:.3g}" if a < 1000 else f"{v:.0f}"
    return f"{s} {unit}".strip()


def _cell(x: str) -> str:
    return str(x).replace("|", "\\|").replace("\n", " ")


def render_table(report: Report) -> str:
    """The experiment table as Markdown."""
    lines = ["| experiment | kind | model | reference (citation) | difference | tolerance | result |",
             "|---|---|---|---|---|---|---|"]
    for r in report.results:
        verdict = "PASS" if r.passed else ("FAIL (expected)" if r.expect_fail else "FAIL")
        if r.error:
            verdict = f"ERROR: {r.error}"
        lines.append(f"| `{r.id}`: {_cell(r.title)} | {r.kind} | {_fmt(r.model, r.unit)} | "
                     f"{_cell(r.reference)} ({_cell(r.citation)}) | {_fmt(r.difference, r.unit)} | "
                     f"{_cell(r.tolerance)} | **{_cell(verdict)}** |")
    return "\n".join(lines)


def render_text(report: Report) -> str:
    """A plain-text summary for the terminal."""
    out = []
    for r in report.results:
        verdict = "PASS" if r.passed else ("FAIL*" if r.expect_fail else "FAIL")
        diff = "" if r.difference is None else f"  diff {_fmt(r.difference, r.unit)}"
        out.append(f"{verdict:5}  {r.id:26} model {_fmt(r.model, r.unit):>12}  ref: {r.reference[:60]}{diff}")
        out.append(f"{'':7}{'':26} tolerance: {r.tolerance}" + (f"  [{r.error}]" if r.error else ""))
    out.append(f"{report.n_passed}/{len(report.results)} passed ({'quick' if report.quick else 'full'} run, "
               f"{report.wall_s:.1f} s); FAIL* = failure stated before the run")
    return "\n".join(out)


_HISTORY = """\
## Changes made after the first run (disclosed; no tolerance was loosened)

* `khz_desync_strong` and `khz_desync_pairwise` were added after `khz_desync` failed: with ~2 effectively
  active fibres the volley coherence cannot fall below ≈ 1/N_eff. `khz_desync` is kept and reported as run.
  `khz_desync_1k`, `crosby_1k_more_firing`, `gate_closes` and `disinhibition_excites` were added later too,
  with their bounds written before they were first run.
* Full-run seeds were raised after the first full run (strength–duration 6 → 10 anatomy seeds, Foreman PSTH
  4 → 8, wind-up 6 → 8, conditioning 2 → 4 network seeds; desync 1 → 3 and depth 1 → 5 anatomy seeds).
  This made `khz_desync` worse (0.53 → 0.85) and `recruited_depth` better (0.75 → 0.55 mm, still failing);
  the other verdicts did not change.
* `gaba_block_psth` and the `*_needs_gaba` experiments were relabelled from *independent* to *design check*
  (the result follows from the wiring; a weaker claim). `rate_brief_stimulus` and `rate_windup` were made
  stricter (they now also require recovery after the stimulus and no growth without NMDA).
"""

_LIMITATIONS = """\
## Known limitations

* **Point-neuron gate.** The circuit reduces the Zhang 2014 multicompartment NEURON cells to AdEx point
  neurons with per-target weight scales and a fitted EX → WDR gain of 8 (docs/MODEL.md §3). It cannot
  show dendritic NMDA/CAN amplification, plateau potentials or the spatial arrangement of synapses, and the
  WDR C-component exists only because of that gain: wind-up and the C-response are therefore *not*
  independent of choices made with the same phenomena in view. Without NMDA the zhang2014 WDR has no
  C-component at all, so "no wind-up without NMDA" is partly trivially true.
* **Inhibition is short.** GABA_A (20 ms decay) and glycine (10 ms) from interneurons firing brief
  bursts give inhibition lasting tens of ms. Protocols that need longer-lasting A-fibre inhibition
  (Woolf & Wall conditioning, Zhang Fig 5b) are not reproduced (see `afibre_conditioning`).
* **Calibrated vs independent.** `sd_chronaxie` and `sd_rheobase` are calibration checks: the recruitment
  layer was fitted to Hershey 2010. The kHz behaviour (desynchronisation, sub-harmonic firing, threshold
  reduction) and the collateral depression come from phenomenological terms added for those phenomena
  (kind "independent" there means "not fitted to a number", not "emergent"); `collateral_depression` is a
  design check of an assumption. The CSF ordering follows from the point-source geometry.
* **GABA_A dependence is built in.** In the Zhang wiring the surround IN acts only through GABA_A, and
  with the default coverage 0 every recruited DC collateral acts through it; so `gaba_block_psth` and the
  `*_needs_gaba` experiments are design checks (relief with GABA_A blocked is exactly 0 with common random
  numbers). They confirm the wiring matches Gilbert 2022 / Meuwissen 2020, not an emergent property.
* **Sub-perception programs do nothing here.** The tonic_90hz_subperception preset recruits no DC fibre in
  the default patient (`subperception_few_fibres` passes with 0), so the model cannot show the rapid
  sub-perception relief of Gilbert 2022, which needs "a small number" of irregularly firing DC axons.
* **Clinical orderings are qualitative only.** They compare presets at their documented amplitudes on one
  model patient. The model does not, and is not claimed to, predict trial outcomes (responder rates, VAS).
  In particular 10 kHz SCS at clinical amplitude recruits no DC fibre in this model, so it has no route to
  relief; the SENZA ordering (`hf10_vs_tonic`) is therefore not reproduced, by construction.
* **References not used.** Every [R] (recalled, unconfirmed) item in science.md/clinical.md was left out as
  a pass/fail reference, e.g. the Zhang paper's page numbers, the SENZA 24-month numbers, Lempka 2015
  per-fibre thresholds, the "2–4 mA at ~300 µs" clinical threshold, the usage-range 1.4–1.8 and the burst
  pulse details. The Zhang Fig 3a and Fig 5b values and the Crodelle Fig 3 traces were not available as
  numbers, so those experiments judge direction and size against bounds fixed before running.
* **Reference data read for this report.** The Foreman 1976 curves are the four cells digitised in the
  public Zhang 2014 code (ModelDB 168414, `Foreman_Plotter.m`), read for this module ([V-code]); they
  are not yet listed in science.md.
* **Statistics.** Seeds are few (1–6 per protocol); values near a bound can flip with the seed. The quick
  subset uses fewer seeds than the full run, and its numbers differ slightly from this table.
"""


def render_markdown(report: Report, fig_dir: str | None = "validation", figures: list[str] | None = None) -> str:
    """The validation report as Markdown (``docs/VALIDATION.md``)."""
    n, k = len(report.results), report.n_passed
    fails = [r for r in report.results if not r.passed]
    parts = [
        "# Model validation",
        "",
        "Generated by `scs-sim validate-model" + (" --quick" if report.quick else "") + " --out docs` "
        f"({'quick subset' if report.quick else 'full run'}, {report.wall_s:.0f} s wall time). Do not edit by hand.",
        "",
        "Each experiment reruns a published protocol and compares the model with the published result. "
        "Tolerances and their rationales were written in `scs_sim/validation.py` (`EXPERIMENTS`) before the "
        "model was run (later additions are listed under 'Changes made after the first run'); failures are "
        "reported, not tuned away, and no model parameter was changed for this report. "
        "Kinds: *calibration check* (the model was fitted to this number), *independent* (not fitted to "
        "this number; see each rationale for how independent), *qualitative* (direction or ordering only), "
        "*design check* (a property built in by an explicit assumption). Tags as in science.md: [V-code] read "
        "in public model code, [V-abs] read in an abstract/caption.",
        "",
        f"**{k} of {n} experiments pass.**" + (" Failing: " + ", ".join(f"`{r.id}`" for r in fails) + "." if fails else ""),
        "",
        render_table(report),
        "",
        "## Failing experiments",
        "",
    ]
    if not fails:
        parts.append("None.")
    for r in fails:
        parts.append(f"* `{r.id}` — {_FAIL_NOTES.get(r.id, 'see details below.')}")
    if figures and fig_dir:
        parts += ["", "## Figures", ""]
        for f in figures:
            parts.append(f"![{Path(f).stem}]({fig_dir}/{Path(f).name})")
            parts.append("")
    parts += ["", _LIMITATIONS, _HISTORY, "## Details", "",
              "Per-experiment model details (seeds, per-condition values) and protocol wall times.", ""]
    seen = set()
    for r in report.results:
        key = tuple(sorted(map(str, r.details.items())))
        if not r.details or key in seen:
            continue
        seen.add(key)
        parts.append(f"* `{r.id}` (and experiments sharing its protocol): `{_short(r.details)}`")
    parts += ["", "Protocol wall times (s): " + ", ".join(f"{k} {v}" for k, v in report.protocol_wall_s.items()), ""]
    return "\n".join(parts)


def _short(d: dict) -> str:
    import json

    return json.dumps(_jsonable(d), separators=(",", ": "))[:1200]


#: Explanations of failures, written after the run (the tolerances above were not changed).
_FAIL_NOTES: dict[str, str] = {
    "afibre_conditioning": "partial only. The conditioning Aβ+Aδ volley lowers the C-response by at most "
    "≈ 20–25 % (Δ = 80–150 ms, when it arrives while the C volley is still arriving) and not at all at "
    "Δ = 20–40 ms: the local IN fires a brief burst whose GABA_A/glycine inhibition decays within 10–20 ms, "
    "while the C-component lasts hundreds of ms, and the conditioning volley also excites the WDR directly. "
    "Reproducing Fig 5b would need longer-lasting inhibition (e.g. GABA_B or presynaptic inhibition) or the "
    "NEURON cell's dendritic integration: a model limitation, not tuned here.",
    "recruited_depth": "the recruitment layer's depth selectivity is weaker than Feirabend's ~0.25 mm: the "
    "D² size factor dominates the anisotropy-scaled depth, so large fibres 0.5–0.9 mm deep are recruited at "
    "the perception threshold (documented in docs/MODEL.md §2 (known limitations)).",
    "khz_desync": "a measurement floor, not (only) the model: at 1.3× the first-fibre threshold just 1.3–1.5 "
    "fibres are effectively active, and the volley coherence cannot fall below ≈ 1/N_eff. The 10 kHz "
    "fibres do fire far below the pulse rate and rarely together (see khz_desync_pairwise, khz_subharmonic).",
    "khz_desync_strong": "same floor as khz_desync (N_eff ≈ 3 at 10 kHz, so coherence ≥ ≈ 0.35); the ratio "
    "0.55 is just above the bound. The pairwise co-firing measure (khz_desync_pairwise) shows 10× less "
    "co-firing at 10 kHz than at 50 Hz.",
    "khz_desync_1k": "same coherence floor (N_eff ≈ 3); pairwise co-firing at 1 kHz is 0.12 vs 0.79 at 50 Hz "
    "(details).",
    "psth_recovering": "the model's suppression is deeper and ends more abruptly than in the primate cells: "
    "complete suppression 10–50 ms, 0.25 at 50–60 ms, 0.7 at 60–70 ms and ≈ 1.0–1.2 from 70 ms on, while "
    "the digitised Foreman cells recover gradually (mean 0.17 → 0.77 over 0–100 ms). The surround IN fires a "
    "short burst and GABA_A decays with 20 ms: there is no slow component.",
    "psth_shape": "same cause as psth_recovering (RMS 0.33 vs the 0.32 cell-to-cell spread: borderline).",
    "psth_recovering_segment": "same as psth_recovering, on the segment network.",
    "hf10_vs_tonic": "10 kHz at 3 mA recruits no DC fibre, so the model gives no relief; the clinical ordering "
    "(SENZA) needs a mechanism the model does not have (DESIGN §4 requires saying so).",
    "burst_vs_tonic": "at the preset amplitudes burst_dr (2.2 mA, sub-perception) gives 13 % relief vs 42 % "
    "for tonic_50hz (8 mA, supra-perception). Burst acts in the model only through the DC fibres it recruits "
    "(same surround GABA_A route as tonic); no burst-specific mechanism (e.g. a medial/affective pathway) "
    "is modelled.",
    "burst_relief_needs_gaba": "n/a when the burst_dr preset gives no relief to remove.",
}


def write_report(report: Report, out_dir: str | Path, *, figures: bool = True) -> dict[str, Any]:
    """Write ``VALIDATION.md`` (and ``validation/*.png`` with ``figures``) into ``out_dir``.

    Returns {"markdown": path, "figures": [paths]}.
    """
    from scs_sim.errors import ConfigError

    out = Path(out_dir)
    fig_dir = out / "validation"
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        if figures:
            from scs_sim.plots.validation import draw_all

            fig_dir.mkdir(parents=True, exist_ok=True)
            paths = draw_all(report, fig_dir)
        md = out / "VALIDATION.md"
        md.write_text(render_markdown(report, "validation", [str(p) for p in paths]), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--out: cannot write to {out}: {exc.strerror or exc}") from None
    return {"markdown": str(md), "figures": [str(p) for p in paths]}
