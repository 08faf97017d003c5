"""Validation protocols of the circuit mechanisms (docs/MODEL.md §3.7): each mechanism's own source
experiment, and the failing circuit experiments rerun under each mechanism set.

Every protocol returns metrics per mechanism set; the experiments in
:data:`scs_sim.validation.experiments.EXPERIMENTS` judge one metric each. Nothing here is tuned.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["TABLE", "protocol_mech_circuit", "protocol_mech_foreman"]

#: The sets the failing circuit experiments are rerun under.
FOREMAN_SETS = ("gate+slow", "gate+limits", "circuit")


def _segment(names, rate_hz: float, seed: int, *, n_dc: int = 6, dur: float = 2.0, **kw) -> tuple[float, float]:
    """(WDR rate, surround-IN rate) of the segment circuit under regular dc volleys into ``n_dc`` sources."""
    from scs_sim.dorsal_horn import circuit as C
    from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
    from scs_sim.dorsal_horn.mechanisms import apply_circuit
    from scs_sim.dorsal_horn.spiking import run

    p = apply_circuit(C.preset("segment"), names)
    net = C.build(p, np.random.default_rng(900 + seed))
    sp = afferent_spikes(PainState(), C.afferent_sizes(p), dur, np.random.default_rng(950 + seed))
    if rate_hz:
        t = np.arange(0.0, dur, 1.0 / rate_hz)
        sp = merge_dc(sp, np.repeat(t, n_dc), np.tile(np.arange(n_dc), t.size))
    out = run(net, sp, dur, **kw)
    return out.wdr_rate_hz(), float(out.rates_hz["surround_in"].mean())


def protocol_mech_circuit(quick: bool) -> dict:
    """Meuwissen et al. 2020 (GABA_B block ablates tonic SCS relief) under slow_inhibition, and the
    surround IN's following of 200 Hz volleys with and without interneuron_limits."""
    from scs_sim.dorsal_horn.mechanisms import SETS

    seeds = [1] if quick else [1, 2, 3]
    kept, in_ratio = [], []
    for s in seeds:
        names = SETS["gate+slow"]
        base, _ = _segment(names, 0, s)
        on, _ = _segment(names, 50.0, s)
        bb, _ = _segment(names, 0, s, gaba_b_scale=0.0)
        blk, _ = _segment(names, 50.0, s, gaba_b_scale=0.0)
        r_on, r_blk = 1 - on / base, 1 - blk / bb
        kept.append(r_blk / r_on if r_on > 0 else float("nan"))
        _, plain = _segment(SETS["gate_only"], 200.0, s, n_dc=30)
        _, lim = _segment(SETS["gate+limits"], 200.0, s, n_dc=30)
        in_ratio.append(lim / plain)
    return {"metrics": {"gaba_b_block_kept": float(np.mean(kept)), "in_follow_200hz": float(np.mean(in_ratio))},
            "details": {"seeds": seeds, "relief_kept_per_seed": np.round(kept, 3),
                        "in_rate_ratio_per_seed": np.round(in_ratio, 3)}}


def protocol_mech_foreman(quick: bool) -> dict:
    """The zhang2014 single-pulse PSTH (Foreman) and A-fibre conditioning under each set of FOREMAN_SETS."""
    from scs_sim.dorsal_horn.mechanisms import SETS
    from scs_sim.validation.protocols_circuit import foreman_metrics, protocol_conditioning

    metrics, details = {}, {}
    for name in FOREMAN_SETS:
        m = foreman_metrics(quick, SETS[name])
        c = protocol_conditioning(quick, SETS[name])["metrics"]["min_ratio"]
        metrics[f"rec_80_100[{name}]"] = m["rec_80_100"]
        metrics[f"supp_10_40[{name}]"] = m["supp_10_40"]
        metrics[f"conditioning[{name}]"] = c
        details[name] = {k: round(v, 3) for k, v in m.items()} | {"conditioning_min_ratio": round(c, 3)}
    return {"metrics": metrics, "details": details}


TABLE: dict[str, Callable[[bool], dict]] = {
    "mech_circuit": protocol_mech_circuit,
    "mech_foreman": protocol_mech_foreman,
}
