"""Validation protocols of the whole pipeline (program → recruitment → circuit → relief).

Preset programs on the default patient (tonic, burst, 10 kHz, with and without GABA_A) and 50 Hz SCS
during a pinch-like drive. Each ``protocol_*`` function takes ``quick`` and returns ``{"metrics": {...},
"details": {...}, "figure": {...}}``; :data:`scs_sim.validation.protocols.PROTOCOLS` merges this module's :data:`TABLE`
into the one table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from scs_sim.validation.references import MEDLOCK_2023_PINCH

__all__ = ["TABLE", "protocol_pinch", "protocol_pipeline"]


def _relief(program, patient, seeds, duration_s=10.0) -> float:
    from scs_sim.simulation import simulate

    return float(np.mean([simulate(program, patient, duration_s=duration_s, seed=s).metrics["relief_pct"]
                          for s in seeds]))


def protocol_pipeline(quick: bool) -> dict:
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


def protocol_pinch(quick: bool) -> dict:
    from scs_sim.config.loader import load_patient, load_program
    from scs_sim.dorsal_horn.afferents import NoxiousEpoch

    # Medlock et al. 2023 pinch rates at 1..5 s (references.MEDLOCK_2023_PINCH: C 26→8, Aδ 26→11 Hz,
    # Aβ ~57 → ~10 Hz). Approximated by 1 s epochs of constant extra rate over the ongoing drive
    # (our assumption), pinch from 2 to 7 s of a 10 s run.
    c, ad, ab = MEDLOCK_2023_PINCH.c_hz, MEDLOCK_2023_PINCH.adelta_hz, MEDLOCK_2023_PINCH.abeta_hz
    pat = load_patient("default")
    base = pat.pain
    eps = [NoxiousEpoch(start_s=2.0 + k, stop_s=3.0 + k, abeta_rate_hz=max(ab[k] - base.abeta_rate_hz, 0.0),
                        adelta_rate_hz=max(ad[k] - base.adelta_rate_hz, 0.0), c_rate_hz=max(c[k] - base.c_rate_hz, 0.0))
           for k in range(5)]
    pinch = pat.model_copy(update={"pain": base.model_copy(update={"noxious": eps})})
    prog, _ = load_program("tonic_50hz")
    rel = _relief(prog, pinch, [1, 2])
    return {"metrics": {"pinch_relief": rel}, "details": {"relief_pct": round(rel, 2), "seeds": [1, 2]}, "figure": {}}


#: This module's protocols (name -> function); :mod:`scs_sim.validation.protocols` merges the tables.
TABLE: dict[str, Callable[[bool], dict]] = {
    "pipeline": protocol_pipeline,
    "pinch": protocol_pinch,
}
