"""The spiking backend: :func:`run` (a built network + afferent spikes → :class:`CircuitOutput`) and
its numba kernel ``_run_kernel`` beside it, with the kernel's named argument bundles.

Point AdEx neurons with dual-exponential conductance synapses, exponential-Euler membrane update;
equations, defaults and their sources in ``docs/MODEL.md`` §3. The receptor table
(:data:`~scs_sim.dorsal_horn.params.RECEPTOR_TYPES`) decides every per-receptor row; the kernel sees
receptors only through their reversal class (:mod:`scs_sim.dorsal_horn.synapses`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from scs_sim._jit import njit
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes
from scs_sim.dorsal_horn.network import Network, population_sizes
from scs_sim.dorsal_horn.numerics import EXP_NEG_POLY_MAX, exp_adex_parts, exp_neg, exp_neg_poly, exp_table
from scs_sim.dorsal_horn.params import POPULATIONS, check_steps
from scs_sim.dorsal_horn.synapses import (
    JS_MG_MM,
    JS_SLOPE,
    MG_H_MV,
    MG_V0_MV,
    advance_synapses,
    class_rows,
    dual_exp_norm,
    mg_block_table,
    receptor_classes,
    tm_spike,
)
from scs_sim.errors import ConfigError, SimulationError

__all__ = ["CircuitOutput", "prepare_inputs", "run"]


@dataclass(frozen=True)
class CircuitOutput:
    """Result of :func:`run`: binned population rates and capped spike lists.

    ``rates_hz[pop]`` is the population-mean firing rate per bin (Hz per cell), for afferent
    populations too. ``spike_times_s``/``spike_neuron`` hold neuron spikes (neuron index space,
    see ``neuron_ranges``), at most ``max_spikes``; ``n_spikes_total`` counts all of them and
    ``truncated`` says whether the cap was hit. ``wdr_spike_times_s`` (capped alike) holds the WDR
    spikes and ``wdr_spike_neuron`` their index within the WDR population.
    """

    bin_s: float
    dt_s: float
    duration_s: float
    rates_hz: dict[str, np.ndarray]
    spike_times_s: np.ndarray
    spike_neuron: np.ndarray
    n_spikes_total: int
    truncated: bool
    neuron_ranges: dict[str, tuple[int, int]]
    wdr_spike_times_s: np.ndarray
    wdr_spike_neuron: np.ndarray
    n_wdr_spikes_total: int
    v_mv: np.ndarray | None = None  # (n_steps, n_neurons) only with record_v

    def wdr_rate_hz(self) -> float:
        """Mean WDR firing rate over the run (Hz per cell), from the uncapped total."""
        n = self.neuron_ranges["wdr"][1] - self.neuron_ranges["wdr"][0]
        return self.n_wdr_spikes_total / (n * self.duration_s)


def _check_scale(v: float, name: str) -> float:
    if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
        raise ConfigError(f"{name} must be finite and >= 0 (got {v!r})", key=name)
    return float(v)


def prepare_inputs(net: Network, inputs: AfferentSpikes, dt_s: float, n_steps: int):
    """Merge the afferent trains into (step, global source index), time-ordered; validate them."""
    steps_l, src_l = [], []
    for pop in AFFERENT_POPULATIONS:
        tr = inputs[pop]
        t = np.asarray(tr.times_s, dtype=np.float64)
        i = np.asarray(tr.index, dtype=np.int64)
        if t.shape != i.shape or t.ndim != 1:
            raise ConfigError(f"inputs.{pop}: times_s and index must be aligned 1-D arrays")
        if t.size and not np.all(np.isfinite(t)):
            raise ConfigError(f"inputs.{pop}: spike times must be finite")
        if t.size and t.min() < 0:
            raise ConfigError(f"inputs.{pop}: spike times must be >= 0 (got {t.min()!r})")
        n = net.ranges[pop][1] - net.ranges[pop][0]
        if i.size and (i.min() < 0 or i.max() >= n):
            raise ConfigError(f"inputs.{pop}: fibre index out of range 0..{n - 1} "
                              f"(got {int(i.min())}..{int(i.max())})")
        s = np.floor(t / dt_s).astype(np.int64)
        keep = s < n_steps
        steps_l.append(s[keep])
        src_l.append(i[keep] + net.ranges[pop][0])
    steps = np.concatenate(steps_l)
    src = np.concatenate(src_l)
    order = np.lexsort((src, steps))
    return np.ascontiguousarray(steps[order]), np.ascontiguousarray(src[order])


def run(net: Network, inputs: AfferentSpikes, duration_s: float, *, dt_s: float = 1e-4, bin_s: float = 0.005,
        max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
        glycine_scale: float = 1.0, e_cl_mv: float | None = None, record_v: bool = False) -> CircuitOutput:
    """Simulate the network driven by afferent spikes.

    Parameters
    ----------
    net : Network
        From :func:`build`.
    inputs : AfferentSpikes
        Spike trains of ``abeta``, ``adelta``, ``c``, ``dc`` (times in s, fibre index per population).
    duration_s : float
        Simulated time (s), > 0.
    dt_s : float
        Time step (s). Rule: 1 µs ≤ dt ≤ (fastest synaptic decay time)/5, i.e. ≤ 1 ms with the 5 ms
        AMPA decay. Default 0.1 ms.
    bin_s : float
        Rate bin width (s); must be a whole number of steps.
    max_spikes : int
        Cap of the stored neuron (and, separately, WDR) spike lists; counts stay exact.
    nmda_scale, gaba_scale, glycine_scale : float
        Multipliers of every NMDA / GABA_A / glycine conductance (≥ 0).
    e_cl_mv : float, optional
        Chloride reversal (mV) overriding ``params.receptors.e_cl_mv`` (disinhibition, KCC2 loss).
    record_v : bool
        Record every neuron's membrane potential each step (tests on tiny nets only).

    Returns
    -------
    CircuitOutput

    Raises
    ------
    ConfigError
        On bad arguments. :class:`SimulationError` if a value becomes non-finite.

    Examples
    --------
    >>> from scs_sim.dorsal_horn.afferents import PainState, afferent_spikes, merge_dc
    >>> from scs_sim.dorsal_horn.network import build
    >>> from scs_sim.dorsal_horn.params import preset
    >>> p = preset("zhang2014")
    >>> net = build(p, np.random.default_rng(0))
    >>> spikes = afferent_spikes(PainState(), {"abeta": 15, "adelta": 15, "c": 30}, 2.0,
    ...                          np.random.default_rng(1))
    >>> spikes = merge_dc(spikes, np.full(15, 1.0), np.arange(15))   # one SCS pulse at t = 1 s
    >>> out = run(net, spikes, 2.0)
    >>> out.rates_hz["wdr"].shape
    (400,)
    >>> out.wdr_rate_hz() > 0
    True
    """
    p = net.params
    n_steps, bin_steps = check_steps(p, duration_s, dt_s, bin_s)
    table = p.receptors.table()
    dt_ms = dt_s * 1e3
    if not (isinstance(max_spikes, int | np.integer) and max_spikes >= 0):
        raise ConfigError(f"max_spikes must be an integer >= 0 (got {max_spikes!r})", key="max_spikes")
    given = {"nmda_scale": nmda_scale, "gaba_scale": gaba_scale, "glycine_scale": glycine_scale}
    rec_scale = np.array([1.0 if k.scale is None else _check_scale(given[k.scale], k.scale) for k in table])
    e_cl = p.receptors.e_cl_mv if e_cl_mv is None else e_cl_mv
    if not (isinstance(e_cl, int | float) and math.isfinite(e_cl) and -100 <= e_cl <= 0):
        raise ConfigError(f"e_cl_mv must be within [-100, 0] mV (got {e_cl!r})", key="e_cl_mv")
    norm = np.array([dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in table])

    in_step, in_src = prepare_inputs(net, inputs, dt_s, n_steps)
    dly = np.maximum(1, np.round(net.delay_ms / dt_ms)).astype(np.int64)
    # neuron span [lo, hi) targeted by each receptor: states outside it stay 0 and are not advanced
    rec_lo = np.zeros(len(table), dtype=np.int64)
    rec_hi = np.zeros(len(table), dtype=np.int64)
    for r in range(len(table)):
        tg = net.target[net.receptor == r]
        if tg.size:
            rec_lo[r], rec_hi[r] = tg.min(), tg.max() + 1
    exc_rows, nmda_rows, cl_rows = class_rows(receptor_classes())
    nrn = net.neuron
    can = p.wdr_can
    n_bins = -(-n_steps // bin_steps)
    cap = int(max_spikes)
    wdr0, wdr1 = net.neuron_ranges["wdr"]
    rec = Record(counts=np.zeros((n_bins, len(POPULATIONS)), dtype=np.int64), spk_step=np.zeros(cap, np.int64),
                 spk_neu=np.zeros(cap, np.int64), wdr0=wdr0, wdr1=wdr1, wdr_step=np.zeros(cap, np.int64),
                 wdr_neu=np.zeros(cap, np.int64), record_v=record_v,
                 v_rec=np.zeros((n_steps if record_v else 0, net.n_neurons)), status=np.zeros(6, np.int64))
    _run_kernel(
        Wiring(net.n_sources, net.n_neurons, net.indptr, net.receptor, net.target, net.weight_ns, dly,
               int(dly.max()) + 1 if dly.size else 2, net.pop_id),
        Drive(in_step, in_src, net.stp_source, p.dc_stp.u, p.dc_stp.tau_rec_ms),
        ReceptorArrays(np.array([math.exp(-dt_ms / k.tau_rise_ms) for k in table]),
                       np.array([math.exp(-dt_ms / k.tau_decay_ms) for k in table]), norm * rec_scale,
                       rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, p.receptors.e_exc_mv, float(e_cl),
                       p.receptors.mg_mm, mg_block_table(p.receptors.mg_mm)),
        Cells(dt_ms / nrn["c_pf"], nrn["g_l_ns"], nrn["e_l_mv"], nrn["v_t_mv"], nrn["delta_t_mv"], nrn["v_peak_mv"],
              nrn["v_reset_mv"], np.round(nrn["t_ref_ms"] / dt_ms).astype(np.int64), nrn["a_ns"], nrn["b_pa"],
              np.array([math.exp(-dt_ms / t) for t in nrn["tau_w_ms"]]), net.g_can_ns, exp_table()),
        Calcium(math.exp(-dt_ms / can.tau_ca_ms), can.per_spike, can.per_nmda_charge, can.k_half, can.e_mv),
        Clock(n_steps, dt_ms, bin_steps),
        rec,
    )
    status = rec.status
    if status[0] != 0:
        i, s = int(status[1]), int(status[2])
        pop = next(q for q, (a, b) in net.neuron_ranges.items() if a <= i < b)
        raise SimulationError(
            f"non-finite membrane potential or conductance in population '{pop}', neuron {i - net.neuron_ranges[pop][0]}"
            f" (index {i}) at t = {s * dt_s:.6g} s; check weights, neuron parameters and dt_s"
        )
    n_tot, n_wdr = int(status[3]), int(status[4])
    sizes = population_sizes(p)
    widths = np.full(n_bins, bin_steps * dt_s)
    widths[-1] = (n_steps - (n_bins - 1) * bin_steps) * dt_s
    rates = {pop: rec.counts[:, k] / (max(sizes[pop], 1) * widths) for k, pop in enumerate(POPULATIONS)}
    k_all, k_wdr = min(n_tot, cap), min(n_wdr, cap)
    return CircuitOutput(
        bin_s=float(bin_s), dt_s=float(dt_s), duration_s=n_steps * dt_s, rates_hz=rates,
        spike_times_s=rec.spk_step[:k_all] * dt_s, spike_neuron=rec.spk_neu[:k_all], n_spikes_total=n_tot,
        truncated=n_tot > cap or n_wdr > cap, neuron_ranges=net.neuron_ranges,
        wdr_spike_times_s=rec.wdr_step[:k_wdr] * dt_s, wdr_spike_neuron=rec.wdr_neu[:k_wdr] - wdr0,
        n_wdr_spikes_total=n_wdr, v_mv=rec.v_rec if record_v else None,
    )



# ----------------------------------------------------------------------------------------------
# the kernel's argument bundles (module-level namedtuples: numba passes them as typed tuples)
# ----------------------------------------------------------------------------------------------
class Wiring(NamedTuple):
    """Connectivity in the global index space (sources then neurons), CSR by source."""

    n_src: int               # afferent sources
    n_neu: int               # neurons
    indptr: np.ndarray       # int64 (n_src + n_neu + 1,): synapses of source j are indptr[j]:indptr[j+1]
    syn_rec: np.ndarray      # int64 (n_syn,): receptor row (RECEPTOR_TYPES order)
    syn_tgt: np.ndarray      # int64 (n_syn,): target neuron (0 .. n_neu − 1)
    syn_w: np.ndarray        # float64 (n_syn,): peak conductance (nS)
    syn_dly: np.ndarray      # int64 (n_syn,): delay (steps), 1 .. ring_len − 1
    ring_len: int            # length of the arrival ring buffer (steps)
    pop_id: np.ndarray       # int64 (n_src + n_neu,): population (POPULATIONS order)


class Drive(NamedTuple):
    """Afferent spikes and the depressing synapses of the dc sources."""

    in_step: np.ndarray      # int64 (n_in,): step of each afferent spike, ascending
    in_src: np.ndarray       # int64 (n_in,): its source (global index)
    stp_on: np.ndarray       # bool (n_src,): source has Tsodyks–Markram depression (dc)
    stp_u: float             # utilisation U (dimensionless)
    stp_tau_rec_ms: float    # recovery time constant (ms)


class ReceptorArrays(NamedTuple):
    """Per receptor row (RECEPTOR_TYPES order) kinetics and span; reversals and the Mg block."""

    rise_dec: np.ndarray     # float64 (n_rec,): exp(−dt/τ_rise)
    decay_dec: np.ndarray    # float64 (n_rec,): exp(−dt/τ_decay)
    q_rec: np.ndarray        # float64 (n_rec,): peak normalisation × receptor scale
    rec_lo: np.ndarray       # int64 (n_rec,): first neuron the row targets (span [lo, hi); empty: 0, 0)
    rec_hi: np.ndarray       # int64 (n_rec,)
    exc_rows: tuple          # rows of each reversal class (synapses.class_rows), in table order: unblocked
    nmda_rows: tuple         # at e_exc (AMPA, NK1), Mg-blocked at e_exc (NMDA), at e_cl (GABA_A, glycine);
    cl_rows: tuple           # int tuples, so their lengths are part of the kernel's type
    e_exc: float             # reversal of exc_rows and nmda_rows (mV)
    e_cl: float              # reversal of cl_rows (mV)
    mg_mm: float             # extracellular Mg²⁺ (mM)
    mg_tab: np.ndarray       # float64 (MG_N,): Mg block B(V) on the MG_V0_MV + j·MG_H_MV grid


class Cells(NamedTuple):
    """AdEx parameters per neuron (float64 (n_neu,) unless noted)."""

    dt_over_c: np.ndarray    # dt/C (ms/pF)
    g_l: np.ndarray          # leak conductance (nS)
    e_l: np.ndarray          # leak reversal (mV)
    v_t: np.ndarray          # exponential threshold V_T (mV)
    delta_t: np.ndarray      # slope factor Δ_T (mV)
    v_peak: np.ndarray       # spike cut-off (mV)
    v_reset: np.ndarray      # reset (mV)
    tref_steps: np.ndarray   # int64: refractory period (steps)
    a_ns: np.ndarray         # subthreshold adaptation (nS)
    b_pa: np.ndarray         # spike-triggered adaptation (pA)
    w_dec: np.ndarray        # exp(−dt/τ_w)
    g_can: np.ndarray        # maximal CAN conductance (nS), 0 except WDR
    exp_tab: np.ndarray      # float64 (EXP_TAB_N,): the table of numerics.exp_adex_parts


class Calcium(NamedTuple):
    """WDR calcium and CAN current (docs/MODEL.md §3 "WDR calcium and CAN current")."""

    ca_dec: float            # exp(−dt/τ_Ca)
    per_spike: float         # Ca increment per spike
    per_nmda: float          # Ca increment per pC of inward NMDA charge (1/pC)
    k_half: float            # CAN half-activation (Ca units)
    e_mv: float              # CAN reversal (mV)


class Clock(NamedTuple):
    """Time grid."""

    n_steps: int             # steps to simulate
    dt_ms: float             # step (ms)
    bin_steps: int           # steps per rate bin


class Record(NamedTuple):
    """Outputs, written by the kernel."""

    counts: np.ndarray       # int64 (n_bins, n_populations): spikes per bin and population
    spk_step: np.ndarray     # int64 (cap,): step of each stored neuron spike
    spk_neu: np.ndarray      # int64 (cap,): its neuron
    wdr0: int                # WDR neurons are wdr0 .. wdr1 − 1
    wdr1: int
    wdr_step: np.ndarray     # int64 (cap,): step of each stored WDR spike
    wdr_neu: np.ndarray      # int64 (cap,): its neuron
    record_v: bool           # store V every step
    v_rec: np.ndarray        # float64 (n_steps, n_neu) if record_v, else (0, n_neu)
    status: np.ndarray       # int64 (6,): [failed, neuron, step, n spikes, n WDR spikes, unused]


@njit
def _run_kernel(wiring, drive, receptors, cells, calcium, clock, rec):
    """Simulate the network step by step; spikes, rates and status are written into ``rec``.

    Each step: the afferent spikes of the step (dc through the depressing synapse), the exact
    decay of every receptor's dual-exponential states plus this step's arrivals; the AdEx exponential of every neuron, the NMDA Mg²⁺ block, the
    exponential-Euler membrane (conductances summed per reversal class), adaptation and calcium update
    (arithmetic only, so it vectorises),
    then refractoriness, the finiteness check and spikes (docs/MODEL.md §3). Units: mV, ms, nS, pF, pA.

    Parameters
    ----------
    wiring : Wiring
        Connectivity (CSR by source in the global index space, sources then neurons): ``n_src``,
        ``n_neu``; ``indptr`` (int64); per synapse ``syn_rec`` (receptor row), ``syn_tgt`` (neuron),
        ``syn_w`` (peak conductance, nS), ``syn_dly`` (steps, < ``ring_len``); ``ring_len`` (steps);
        ``pop_id`` (population of every global index).
    drive : Drive
        Afferent spikes ``in_step`` (step, ascending) and ``in_src`` (global source index); ``stp_on``
        (bool per source: Tsodyks–Markram depression), ``stp_u`` (U), ``stp_tau_rec_ms`` (ms).
    receptors : ReceptorArrays
        Per receptor row: ``rise_dec``, ``decay_dec`` (one-step decay factors), ``q_rec`` (peak
        normalisation × scale), the targeted neuron span ``rec_lo``..``rec_hi``; the rows of each
        reversal class (int tuples ``exc_rows``, ``nmda_rows``, ``cl_rows``); ``e_exc``, ``e_cl``
        (reversals, mV), ``mg_mm`` (mM) and ``mg_tab`` (Mg block on the MG_V0_MV + j·MG_H_MV grid).
    cells : Cells
        AdEx parameters per neuron: ``dt_over_c`` (ms/pF), ``g_l`` (nS), ``e_l``, ``v_t``, ``delta_t``,
        ``v_peak``, ``v_reset`` (mV), ``tref_steps`` (steps), ``a_ns`` (nS), ``b_pa`` (pA), ``w_dec``
        (exp(−dt/τ_w)), ``g_can`` (nS); ``exp_tab`` (the table of ``numerics.exp_adex_parts``).
    calcium : Calcium
        WDR calcium and CAN: ``ca_dec`` (exp(−dt/τ_Ca)), ``per_spike``, ``per_nmda`` (1/pC), ``k_half``,
        ``e_mv`` (mV).
    clock : Clock
        ``n_steps``, ``dt_ms`` (ms), ``bin_steps`` (steps per rate bin).
    rec : Record
        Outputs, written: ``counts`` (int64 (n_bins, n_populations)); the first ``len(spk_step)``
        neuron spikes in ``spk_step``/``spk_neu`` and WDR spikes (neurons ``wdr0``..``wdr1`` − 1) in
        ``wdr_step``/``wdr_neu``; ``v_rec[s, i]`` if ``record_v``; ``status`` (int64 (6,)): [0] 1 if a
        value became non-finite, then [1] its neuron and [2] its step; [3], [4] the numbers of neuron
        and WDR spikes (uncapped).
    """
    n_src, n_neu, indptr, syn_rec, syn_tgt, syn_w, syn_dly, ring_len, pop_id = wiring
    in_step, in_src, stp_on, stp_u, stp_tau_rec_ms = drive
    rise_dec, decay_dec, q_rec, rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, e_exc, e_cl, mg_mm, mg_tab = receptors
    dt_over_c, g_l, e_l, v_t, delta_t, v_peak, v_reset, tref_steps, a_ns, b_pa, w_dec, g_can, exp_tab = cells
    ca_dec, ca_per_spike, ca_per_nmda, can_k, can_e = calcium
    n_steps, dt_ms, bin_steps = clock
    counts, spk_step, spk_neu, wdr0, wdr1, wdr_step, wdr_neu, record_v, v_rec, status = rec
    n_rec = rise_dec.shape[0]
    cap = spk_step.shape[0]
    v = np.empty(n_neu)
    w = np.zeros(n_neu)
    ca = np.zeros(n_neu)
    refc = np.zeros(n_neu, dtype=np.int64)
    for i in range(n_neu):
        v[i] = e_l[i]
    # dual-exponential states [receptor, neuron]: rise and decay components, their difference
    g_r = np.zeros((n_rec, n_neu))
    g_d = np.zeros((n_rec, n_neu))
    g_now = np.zeros((n_rec, n_neu))
    buf = np.zeros((ring_len, n_rec, n_neu))  # future arrivals (ring buffer over steps)
    x_stp = np.ones(n_src)
    last_stp = np.full(n_src, -1, dtype=np.int64)
    mg_fac = mg_mm / JS_MG_MM
    e_exp = np.empty(n_neu)  # exp((V − V_T)/Δ_T) of this step, and its table index
    e_idx = np.zeros(n_neu, dtype=np.int64)
    vnew = np.empty(n_neu)  # this step's V (polynomial exp(−x), not refractory), V∞ and g_tot
    vinf_a = np.empty(n_neu)
    gtot_a = np.empty(n_neu)
    gl_el = np.empty(n_neu)  # g_L·E_L and g_L·Δ_T, the same products the update would form
    gl_dt = np.empty(n_neu)
    for i in range(n_neu):
        gl_el[i] = g_l[i] * e_l[i]
        gl_dt[i] = g_l[i] * delta_t[i]
    n_tab = mg_tab.shape[0]
    inv_h = 1.0 / MG_H_MV
    n_in = in_step.shape[0]
    ip = 0
    n_spk = 0
    n_wdr = 0
    for s in range(n_steps):
        slot = s % ring_len
        b = s // bin_steps
        # afferent spikes emitted in this step (dc collaterals pass the depressing synapse)
        while ip < n_in and in_step[ip] == s:
            j = in_src[ip]
            counts[b, pop_id[j]] += 1
            m = 1.0
            if stp_on[j]:
                m, x_stp[j] = tm_spike(x_stp[j], (s - last_stp[j]) * dt_ms, stp_tau_rec_ms, stp_u, last_stp[j] >= 0)
                last_stp[j] = s
            for k in range(indptr[j], indptr[j + 1]):
                t = slot + syn_dly[k]  # syn_dly < ring_len: no modulo needed
                if t >= ring_len:
                    t -= ring_len
                buf[t, syn_rec[k], syn_tgt[k]] += syn_w[k] * m
            ip += 1
        # exact decay from the previous step, plus the arrivals of this step (peak-normalised)
        for r in range(n_rec):
            lo = rec_lo[r]
            hi = rec_hi[r]
            if hi > lo:
                advance_synapses(buf[slot, r, lo:hi], q_rec[r], rise_dec[r], decay_dec[r], g_r[r, lo:hi],
                                 g_d[r, lo:hi], g_now[r, lo:hi])
        # the AdEx exponential e^a of every neuron first, a = (V − V_T)/Δ_T of the previous step, as
        # E[n]·P(r), in two loops: the branch-free polynomial vectorises, then the lookup
        for i in range(n_neu):
            e_idx[i], e_exp[i] = exp_adex_parts((v[i] - v_t[i]) / delta_t[i])
        for i in range(n_neu):
            e_exp[i] = exp_tab[e_idx[i]] * e_exp[i]
        # NMDA Mg²⁺ block, in place (the Mg-blocked rows of g_now are rebuilt every step): its own
        # loop, since the exact formula outside the table calls libm
        for r in nmda_rows:
            for i in range(rec_lo[r], rec_hi[r]):
                g_nmda = g_now[r, i]
                if g_nmda != 0.0:
                    vi = v[i]
                    x = (vi - MG_V0_MV) * inv_h
                    if x >= 0.0 and x < n_tab - 1:
                        j = int(x)
                        blk = mg_tab[j] + (x - j) * (mg_tab[j + 1] - mg_tab[j])
                    else:
                        blk = 1.0 / (1.0 + mg_fac * math.exp(-JS_SLOPE * vi))
                    g_now[r, i] = g_nmda * blk
        # neurons, arithmetic only: no calls, no early exits, so it vectorises (exp(−x) by its
        # polynomial; the rare x ≥ EXP_NEG_POLY_MAX and the refractory clamp are applied in the next loop)
        for i in range(n_neu):
            vi = v[i]
            # conductance per reversal class, summed in table order (rows a neuron lacks add exact zeros)
            g_exc = 0.0  # AMPA, NK1 (reversal e_exc)
            for r in exc_rows:
                g_exc += g_now[r, i]
            g_nmda = 0.0  # NMDA, blocked (reversal e_exc)
            for r in nmda_rows:
                g_nmda += g_now[r, i]
            g_inh = 0.0  # GABA_A, glycine (reversal e_cl)
            for r in cl_rows:
                g_inh += g_now[r, i]
            ci = ca[i]
            gc = 0.0
            if g_can[i] > 0.0:
                gc = g_can[i] * ci / (ci + can_k)
            gtot = g_l[i] + g_exc + g_nmda + g_inh + gc
            ie = gl_el[i] + (g_exc + g_nmda) * e_exc + g_inh * e_cl + gc * can_e
            wi = w[i]
            i_exp = gl_dt[i] * e_exp[i]
            vinf = (ie + i_exp - wi) / gtot
            vnew[i] = vinf + (vi - vinf) * exp_neg_poly(gtot * dt_over_c[i])
            vinf_a[i] = vinf
            gtot_a[i] = gtot
            winf = a_ns[i] * (vi - e_l[i])
            w[i] = winf + (wi - winf) * w_dec[i]
            i_nmda = g_nmda * (vi - e_exc)
            if i_nmda < 0.0:
                ca[i] = ci * ca_dec - ca_per_nmda * i_nmda * dt_ms * 1e-3
            else:
                ca[i] = ci * ca_dec
        # neurons: refractoriness, the finiteness check, spikes
        for i in range(n_neu):
            gtot = gtot_a[i]
            if refc[i] > 0:
                refc[i] -= 1
                vn = v_reset[i]
            else:
                vn = vnew[i]
                x = gtot * dt_over_c[i]
                if not (x < EXP_NEG_POLY_MAX):  # exp_neg's libm branch
                    vinf = vinf_a[i]
                    vn = vinf + (v[i] - vinf) * exp_neg(x)
            chk = vn + w[i] + gtot
            if not (chk - chk == 0.0):  # NaN or ±inf in V, w or the conductances
                status[0] = 1
                status[1] = i
                status[2] = s
                status[3] = n_spk
                status[4] = n_wdr
                return
            if vn >= v_peak[i]:
                vn = v_reset[i]
                w[i] += b_pa[i]
                refc[i] = tref_steps[i]
                ca[i] += ca_per_spike
                gi = n_src + i
                counts[b, pop_id[gi]] += 1
                if n_spk < cap:
                    spk_step[n_spk] = s
                    spk_neu[n_spk] = i
                n_spk += 1
                if wdr0 <= i < wdr1:
                    if n_wdr < cap:
                        wdr_step[n_wdr] = s
                        wdr_neu[n_wdr] = i
                    n_wdr += 1
                for k in range(indptr[gi], indptr[gi + 1]):
                    t = slot + syn_dly[k]
                    if t >= ring_len:
                        t -= ring_len
                    buf[t, syn_rec[k], syn_tgt[k]] += syn_w[k]
            v[i] = vn
            if record_v:
                v_rec[s, i] = vn
    status[3] = n_spk
    status[4] = n_wdr
