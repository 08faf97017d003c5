"""Guided lessons of the browser explorer: a preset state, the grid an exported lesson page carries,
and a short text shown beside the views.

The texts describe what *this model* does (docs/MODEL.md) and say where its predictions are known
to disagree with published results (the failing experiments of docs/VALIDATION.md). A lesson's
``grid`` is a list of blocks: a base state plus axes (control -> values); the exported page holds the
Cartesian product of every block (:func:`grid_states`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from scs_sim.app.explore_model import DEFAULT_STATE, normalize
from scs_sim.errors import ConfigError

__all__ = ["EXPLORE_GRID", "LESSONS", "Lesson", "grid_states", "lesson"]


@dataclass(frozen=True)
class Lesson:
    """One guided lesson: ``state`` is loaded by its button, ``grid`` is what its exported page holds."""

    name: str
    title: str
    state: dict
    grid: list[tuple[dict, dict]]
    paragraphs: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)


_AMPS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14]

LESSONS: dict[str, Lesson] = {
    lesson.name: lesson
    for lesson in (
        Lesson(
            "gate",
            "The gate closes (Aβ vs C)",
            {"kind": "tonic", "frequency_hz": 50, "amplitude_ma": 8, "pulse_width_us": 210},
            [({"kind": "tonic", "frequency_hz": 50, "pulse_width_us": 210},
              {"amplitude_ma": _AMPS, "patient": ["default", "disinhibited"]})],
            [
                "Ongoing Aβ, Aδ and C activity from the painful area drives the excitatory interneuron (EX) "
                "and the wide-dynamic-range projection neuron (WDR); inhibitory interneurons gate it "
                "(circuit after Zhang, Janik & Grill 2014, J Neurophysiol 112:552).",
                "Raise the amplitude: the first dorsal-column (DC) fibres to fire are the large ones near the "
                "lead. Their collaterals whose dermatome lies outside the painful area drive the surround "
                "inhibitory interneurons (GABA_A, glycine); those inside it act like local Aβ input "
                "(Gilbert et al. 2022 eNeuro). The WDR rate falls below its no-stimulation baseline: "
                "relief = 1 − WDR / baseline.",
                "Switch the patient to ‘disinhibited’ (GABA_A and glycine × 0.3, illustrative): the same "
                "fibres close the gate less.",
            ],
            [
                "Relief is the model's WDR signal, not a pain score. The model recruits DC fibres deeper than "
                "measured (VALIDATION: recruited_depth fails, 0.55 mm vs ≈ 0.25 mm, Feirabend et al. 2002).",
                "After a single pulse the model's WDR suppression is deeper and ends more abruptly than in "
                "primate recordings (psth_recovering, psth_shape fail).",
            ],
        ),
        Lesson(
            "windup",
            "Wind-up and NMDA",
            {"kind": "tonic", "frequency_hz": 50, "amplitude_ma": 8, "pulse_width_us": 210, "patient": "windup"},
            [({"kind": "tonic", "frequency_hz": 50, "pulse_width_us": 210, "patient": "windup"},
              {"amplitude_ma": [2, 6, 8, 10], "nmda": ["normal", "blocked"]})],
            [
                "The ‘windup’ patient receives 15 electrical volleys at 1 Hz (Zhang et al. 2014, Fig 3a) and "
                "16 s are simulated. The wind-up index is the WDR's C-component (spikes more than 100 ms "
                "after a volley) of the last 5 volleys divided by the first.",
                "In the model, calcium enters the WDR only through NMDA receptors and opens a CAN current: "
                "depolarisation unblocks more NMDA (Britton, Chaplain & Skevington 1996). Block NMDA and the "
                "C-component, and with it wind-up, disappears (the index is then undefined, shown as —).",
                "Compare the index with and without stimulation: it is a ratio, so a smaller first response "
                "can raise it even when every response shrinks; look at the WDR trace too.",
            ],
            [
                "Calcium entry only through NMDA is a modelling assumption chosen so that an NMDA block "
                "abolishes wind-up (docs/MODEL.md §3, ‘WDR calcium and CAN current’).",
                "A conditioning A-fibre volley inhibits the C-response less than published "
                "(afibre_conditioning fails): the model's fast inhibition is short next to the C-component.",
            ],
        ),
        Lesson(
            "frequency",
            "Frequency and synchrony (50 Hz vs 1 kHz vs 10 kHz)",
            {"kind": "tonic", "frequency_hz": 50, "amplitude_ma": 8, "pulse_width_us": 210},
            [({"kind": "tonic", "pulse_width_us": 210}, {"frequency_hz": [50, 1000], "amplitude_ma": _AMPS}),
             ({"kind": "high_frequency", "frequency_hz": 10000, "pulse_width_us": 30},
              {"amplitude_ma": [1, 2, 3, 4, 5, 6, 8, 10, 12]})],
            [
                "At 50 Hz every pulse makes the recruited fibres fire together: the raster shows columns and "
                "the synchrony index is near 1. At 1 kHz the fibres cannot follow every pulse (the model's refractory "
                "period and relative refractoriness): each fires on a fraction of the pulses, less together, "
                "and the synchrony index drops.",
                "Select high frequency: 10 kHz with 30 µs pulses. Each pulse is short, so at the clinical "
                "1–5 mA few or no DC fibres reach threshold, and the charge per second is large "
                "(see the battery line).",
            ],
            [
                "Recorded DC axons desynchronise at 1–10 kHz (Sagalajev et al. 2024 Neuron); the model's "
                "volley-coherence ratio stays above the 0.5 criterion (khz_desync, khz_desync_1k fail; pairwise "
                "co-firing does drop ≈ 10×).",
                "Clinically 10 kHz gives more responders than tonic (SENZA-RCT, Kapural et al. 2015); the model "
                "gives 10 kHz at 3 mA no relief because it recruits no fibre (hf10_vs_tonic fails, expected): "
                "the mechanism behind the clinical result is not in the model.",
            ],
        ),
        Lesson(
            "subperception",
            "Sub-perception and the surround",
            {"kind": "tonic", "frequency_hz": 90, "amplitude_ma": 4.5, "pulse_width_us": 210},
            [({"kind": "tonic", "frequency_hz": 90, "pulse_width_us": 210},
              {"amplitude_ma": [2, 3, 4, 4.5, 5, 5.5, 6, 6.5, 7, 8, 10, 12, 14]})],
            [
                "Paresthesia (tingling) is predicted when the recruited DC fibres reach the population "
                "percept's criteria (docs/MODEL.md §2.3); below that the program is ‘sub-perception’. The "
                "preset (90 Hz, 4.5 mA) sits at about two thirds of the default patient's model perception "
                "threshold (6.8 mA at 50 Hz).",
                "Step the amplitude up through the threshold and watch paresthesia switch on as more fibres "
                "light up in the cross-section. Low-amplitude SCS can "
                "inhibit dorsal-horn neurons through the few axons it recruits in the surround of their "
                "receptive field (Gilbert et al. 2022 eNeuro).",
            ],
            [
                "Gilbert et al. report an optimum amplitude (inhibition weakens once receptive-field-centre "
                "axons are recruited); the model's relief rises monotonically instead "
                "(surround_optimum_amplitude fails, expected).",
            ],
        ),
        Lesson(
            "burst",
            "Burst",
            {"kind": "burst", "frequency_hz": 40, "amplitude_ma": 1.4, "pulse_width_us": 1000},
            [({"kind": "burst", "frequency_hz": 40},
              {"amplitude_ma": [0.5, 1, 1.4, 2, 3, 5, 8, 12, 20], "pulse_width_us": [500, 1000],
               "pulses_per_burst": [1, 3, 5]})],
            [
                "BurstDR: 40 bursts per second of 5 pulses of 1 ms at 500 Hz, with passive recharge after each "
                "burst (De Ridder et al. 2010 Neurosurgery). The pulse panel shows one burst.",
                "Compare 1, 3 and 5 pulses per burst at 1.4–2 mA: about the same fibres are recruited, but each "
                "fires up to once per pulse, so more pulses mean more DC spikes per burst; in the model "
                "paresthesia and relief then appear at a lower amplitude.",
                "Try 20 mA × 1000 µs: 20 µC per phase. The relief number may look perfect, but the program is "
                "far beyond the Shannon line and the device's compliance: the safety panel turns red.",
            ],
            [
                "Clinically burst is non-inferior to tonic (SUNBURST, Deer et al. 2018); in the model burst "
                "acts only through the DC fibres it recruits, so at the preset amplitudes it gives less "
                "relief (burst_vs_tonic fails). No burst-specific (medial/affective) pathway is modelled.",
            ],
        ),
        Lesson(
            "safety",
            "Charge, safety and battery",
            {"kind": "tonic", "frequency_hz": 50, "amplitude_ma": 8, "pulse_width_us": 210},
            [({"kind": "tonic", "frequency_hz": 50},
              {"amplitude_ma": [2, 4, 6, 8, 10, 14, 20], "pulse_width_us": [60, 210, 500, 1000],
               "cycling": ["continuous", "on 0.25 s / off 0.25 s"]}),
             ({"kind": "burst", "frequency_hz": 40, "pulse_width_us": 1000}, {"amplitude_ma": [1.4, 5, 20]})],
            [
                "Charge per phase Q = I × pulse width (1 mA × 1 ms = 1 µC); charge density D = Q / contact area "
                "(0.1225 cm² ring contact). Shannon's k = log₁₀ D + log₁₀ Q flags tissue-damage risk at "
                "k ≥ 1.85 (Shannon 1992 IEEE Trans Biomed Eng); on this contact that is 2.95 µC per phase.",
                "The device must also deliver the current: I × 1 kΩ + 1 V headroom must stay within its 12 V "
                "compliance. Battery figures follow from the charge per second (rechargeable device: minutes "
                "of recharging per day). Cycling halves the duty and the battery cost.",
                "Widen the pulse or raise the amplitude: relief may still rise while the program becomes "
                "infeasible. The model's relief knows nothing about tissue damage.",
            ],
            [
                "Contact area, impedance, compliance and battery figures are illustrative device values; the "
                "30 µC/cm² density limit comes from DBS manuals and is assumed for SCS (docs/MODEL.md §1). "
                "The cycling shown is teaching-scale (0.25 s); clinical cycles last seconds to minutes.",
            ],
        ),
    )
}

#: The general exported explorer (no lesson): the preset programs' neighbourhoods on the default patient.
EXPLORE_GRID: list[tuple[dict, dict]] = [
    ({"kind": "tonic"}, {"frequency_hz": [20, 50, 90, 200, 500, 1000], "pulse_width_us": [60, 120, 210, 500, 1000],
                         "amplitude_ma": [1, 2, 3, 4, 6, 8, 10, 14, 20]}),
    ({"kind": "tonic", "frequency_hz": 50, "pulse_width_us": 210},
     {"patient": ["disinhibited", "thin_csf", "thick_csf"], "amplitude_ma": [1, 2, 3, 4, 6, 8, 10, 14, 20]}),
    ({"kind": "tonic", "frequency_hz": 50, "pulse_width_us": 210},
     {"cycling": ["on 0.25 s / off 0.25 s", "on 0.25 s / off 0.75 s"], "amplitude_ma": [4, 8, 14]}),
    ({"kind": "burst"}, {"frequency_hz": [20, 40], "pulse_width_us": [500, 1000], "pulses_per_burst": [1, 3, 5],
                         "amplitude_ma": [0.5, 1, 1.4, 2, 3, 5, 8, 20]}),
    ({"kind": "high_frequency"}, {"frequency_hz": [1000, 5000, 10000], "pulse_width_us": [30, 90],
                                  "amplitude_ma": [1, 2, 3, 5, 8, 12]}),
    ({"kind": "multiplexed"}, {"amplitude_ma": [0.5, 1, 2, 3, 4]}),
]


def lesson(name: str) -> Lesson:
    """The lesson called ``name`` (ConfigError listing the lessons otherwise)."""
    if name not in LESSONS:
        raise ConfigError(f"unknown lesson {name!r} (one of {', '.join(LESSONS)})", key="--lesson")
    return LESSONS[name]


def grid_states(blocks: list[tuple[dict, dict]]) -> list[dict]:
    """Every normalised state of the blocks (Cartesian product of each block's axes over its base),
    without duplicates, in order."""
    out: dict[str, dict] = {}
    from scs_sim.app.explore_model import KIND_DEFAULTS, state_key

    for base, axes in blocks:
        kind = base.get("kind", DEFAULT_STATE["kind"])
        start = {**DEFAULT_STATE, **KIND_DEFAULTS[kind], **base}
        names = list(axes)
        for values in itertools.product(*(axes[n] for n in names)):
            s = normalize({**start, **dict(zip(names, values, strict=True))})
            out.setdefault(state_key(s), s)
    return list(out.values())
