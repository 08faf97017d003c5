"""Prose of the validation report: known limitations, changes after the first run, failure notes.

Kept apart from :mod:`scs_sim.validation.report` (which renders and writes the report) so the text
can be read and edited as text. The failure notes were written after the run; the tolerances in
:mod:`scs_sim.validation.experiments` were not changed.
"""

from __future__ import annotations

__all__ = ["FAIL_NOTES", "HISTORY", "LIMITATIONS"]

HISTORY = """\
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
* The `khz_*` rows of mechanism `khz_dorsal_horn` (`khz_in_activation`, `khz_selectivity`,
  `khz_frequency_monotone`, `khz_excitatory_not_activated`, `hf10_vs_tonic_khz`) were added with the mechanism;
  their bounds were written after one quick run (seed 1, 4 s) made while building it, which is also why
  `hf10_vs_tonic_khz` is marked as an expected failure.
"""

LIMITATIONS = """\
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
  recruited DC collaterals of the surround act only through it (in-field ones, of the painful dermatomes,
  excite the WDR and drive the local IN's glycine too); so `gaba_block_psth` and the `*_needs_gaba`
  experiments are design checks (with GABA_A blocked, what relief remains comes from in-field fibres). They confirm the wiring matches Gilbert 2022 / Meuwissen 2020, not an emergent property.
* **Sub-perception relief needs a lead over the surround.** The tonic_90hz_subperception preset recruits no
  DC fibre in the default patient (`subperception_few_fibres` passes with 0), so the preset gives no relief;
  below the perception threshold a lead whose first fibres lie in the surround of the painful dermatomes
  does (`surround_subperception_relief`, Gilbert 2022), through the few DC axons it recruits.
* **The biophysical fibre is a check, not the calibration.** The fast fibre model is calibrated to the
  patient-level strength–duration curve (Hershey 2010); the SENN/Frankenhaeuser–Huxley reference fibre
  (`senn_*`, `fast_vs_bio_*`, `bio_*`) is checked against Reilly 1985 and compared with the fast model on
  the same fibres. Where they disagree (pulse width, refractoriness, 10 kHz firing) the table says so;
  the fast model was not re-fitted to the reference fibre.
* **Clinical orderings are qualitative only.** They compare presets at their documented amplitudes on one
  model patient. The model does not, and is not claimed to, predict trial outcomes (responder rates, VAS).
  In particular 10 kHz SCS at clinical amplitude recruits no DC fibre in this model, so it has no route to
  relief; the SENZA ordering (`hf10_vs_tonic`) is therefore not reproduced, by construction.
* **References not used.** Every recalled, unconfirmed number in the literature notes was left out as
  a pass/fail reference, e.g. the Zhang paper's page numbers, the SENZA 24-month numbers, Lempka 2015
  per-fibre thresholds, the "2–4 mA at ~300 µs" clinical threshold, the usage-range 1.4–1.8 and the burst
  pulse details. The Zhang Fig 3a and Fig 5b values and the Crodelle Fig 3 traces were not available as
  numbers, so those experiments judge direction and size against bounds fixed before running.
* **Reference data read for this report.** The Foreman 1976 curves are the four cells digitised in the
  public Zhang 2014 code (ModelDB 168414, `Foreman_Plotter.m`), read for this report ([V-code]); they
  are kept in `scs_sim/validation/references.py` with the other reference data.
* **Statistics.** Seeds are few (1–6 per protocol); values near a bound can flip with the seed. The quick
  subset uses fewer seeds than the full run, and its numbers differ slightly from this table.
"""



#: Explanations of failures, written after the run (the tolerances above were not changed).
FAIL_NOTES: dict[str, str] = {
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
    "(SENZA) needs a mechanism the model does not have, and the report says so rather than faking one.",
    "hf10_vs_tonic_khz": "the direct kHz current at the preset 3 mA is 0.67 of the IN rheobase (threshold field "
    "17 V/m, an assumption): local-IN firing rises by ≈ 24 Hz and relief is 26 % (seeds 1-3, 10 s), below the 41 % of "
    "tonic 50 Hz at 8 mA; the threshold field was not chosen for, and is not changed for, this ordering.",
    "burst_vs_tonic": "at the preset amplitudes burst_dr (1.4 mA, 70 % of its model perception threshold) gives "
    "5 % relief vs 32 % for tonic_50hz (8 mA, supra-perception) (seeds 1-3). Burst acts in the model only through the DC fibres it recruits "
    "(same routes as tonic: surround GABA_A, in-field Aβ-like); no burst-specific mechanism (e.g. a "
    "medial/affective pathway) is modelled.",
    "surround_optimum_amplitude": "relief rises monotonically with amplitude for a lead over the surround: the "
    "in-field route (local Aβ pathways, also onto the local IN) inhibits less than the surround but does not "
    "excite in the spiking circuit, and more surround than in-field fibres join as the amplitude rises.",
    "burst_relief_needs_gaba": "n/a when the burst_dr preset gives no relief to remove.",
    "senn_sd_1us": "the 1 µs threshold is 89 × rheobase against Reilly's 96.3 (−7.5 %) even with a converged "
    "0.1 µs step; pulses this short are far below SCS pulse widths (≥ 30 µs), where the checks pass.",
    "fast_vs_bio_pulse_width": "the fast model is calibrated to the mammalian double-cable MRG axon (Lapicque "
    "chronaxie 186 µs; row fast_vs_mrg_pulse_width passes); the amphibian SENN/FH fibre's single-fibre chronaxie "
    "is shorter, so normalised to 300 µs the fast model is up to 2.1× steeper at 30 µs. FH is kept as Reilly's "
    "textbook check of the cable, not as the calibration target (docs/MODEL.md §2.7).",
    "fast_vs_bio_recovery": "the FH reference fibre stays absolutely refractory at 0.7 ms and recovers almost "
    "fully by 1.5 ms; the fast model's refractoriness is fitted to the MRG axon (0.29 ms absolute, ×1.93 "
    "decaying with 0.47 ms; row fast_vs_mrg_recovery passes), which still fires pairs 0.3 ms apart, so at "
    "0.7 ms the two references disagree with each other.",
    "bio_khz_subharmonic": "the reference FH fibre at 37 °C fires at ~17 % of 10 kHz just above its threshold "
    "(and blocks after an onset spike at 4× threshold); the fast model fires at ~0.2 % (khz_subharmonic). FH "
    "kinetics are amphibian, Q10-scaled (assumption); the double-cable MRG axon's kHz firing is not measured yet "
    "(at several times threshold its recording node is polarised directly by the field).",
}

