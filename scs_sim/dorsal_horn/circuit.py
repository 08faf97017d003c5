"""The dorsal-horn gate network (after Zhang, Janik & Grill 2014), reduced to point neurons.

This module owns the circuit's parameter models (:class:`CircuitParams` and its parts), the
presets (``zhang2014``, ``zhang2014_windup``, ``segment``), :func:`build` (parameters + a
Generator → :class:`Network`, plain arrays), :func:`run` (a network + afferent spikes →
:class:`CircuitOutput`: binned population rates, capped spike lists) and the private numba kernel
``_run_kernel`` beside it. The equations, defaults and their sources are in ``docs/MODEL.md``
(``docs/MODEL.md`` §3).

Index space: afferent sources (``abeta``, ``adelta``, ``c``, ``dc``) come first, then neurons
(``local_in``, ``surround_in``, ``ex``, ``wdr``); connectivity is CSR by source in that space;
synaptic targets are neuron indices (0 .. n_neurons-1).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from scs_sim._jit import njit
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes
from scs_sim.dorsal_horn.params import (  # noqa: F401  (re-exported: the circuit's public names)
    _GABA,
    _GLY,
    _NMDA,
    DEFAULT_PRESET,
    EX_WDR_GAIN,
    NEURON_POPULATIONS,
    POPULATIONS,
    PRESETS,
    RECEPTORS,
    SEGMENT_P_AFFERENT,
    SEGMENT_P_NEURON,
    ZHANG_SIZES,
    AdEx,
    Can,
    CircuitParams,
    Kinetics,
    Pathway,
    Receptors,
    Stp,
    TargetScale,
    check_network,
    check_steps,
    circuit_params,
    preset,
    zhang_pathways,
)
from scs_sim.errors import ConfigError, SimulationError, suggest

#: Upper clamp of the AdEx exponent (V − V_T)/Δ_T; e^20 already carries V far past V_peak in one step.
EXP_ARG_MAX = 20.0
#: Lower clamp of the AdEx exponent: below it the term is taken as e^−700 (< 1e−304, nothing).
EXP_ARG_MIN = -700.0
#: The kernel's AdEx exponential is e^a = E[n]·P(r) with E[n] = exp((n − EXP_TAB_N0)/8) tabulated by
#: math.exp on [EXP_ARG_MIN, EXP_ARG_MAX], n = int(8a + EXP_TAB_N0 + 0.5), r = a − (n − EXP_TAB_N0)/8
#: (|r| ≤ 1/16) and P the degree-8 Taylor polynomial of e^r (relative error < 1e−15; docs/MODEL.md §3
#: "Membrane integration"). Polynomial and lookup vectorise; libm's exp does not.
EXP_TAB_N0 = 5600
EXP_TAB_N = 5761
#: Jahr & Stevens (1990) Mg²⁺ block: B(V) = 1 / (1 + [Mg]/3.57 mM · exp(−0.062 V/mV)).
_JS_MG_MM = 3.57
_JS_SLOPE = 0.062
#: The block is tabulated on [MG_V0_MV, MG_V0_MV + (MG_N − 1)·MG_H_MV] and linearly interpolated
#: (error < 2e-7 of the block); outside the table it is computed exactly.
MG_V0_MV = -120.0
MG_H_MV = 0.05
MG_N = 3201


def mg_block(v_mv: float, mg_mm: float) -> float:
    """Jahr–Stevens Mg²⁺ block B(V) (fraction of NMDA conductance unblocked), exact."""
    return 1.0 / (1.0 + mg_mm / _JS_MG_MM * math.exp(-_JS_SLOPE * v_mv))


@functools.lru_cache(maxsize=8)
def mg_block_table(mg_mm: float) -> np.ndarray:
    """B(V) at V = MG_V0_MV + j·MG_H_MV, j = 0 .. MG_N − 1 (cached, read-only)."""
    tab = np.array([mg_block(MG_V0_MV + j * MG_H_MV, mg_mm) for j in range(MG_N)])
    tab.setflags(write=False)
    return tab


@functools.lru_cache(maxsize=1)
def exp_table() -> np.ndarray:
    """E[n] = exp((n − EXP_TAB_N0)/8), n = 0 .. EXP_TAB_N − 1: the table of the kernel's AdEx
    exponential (see EXP_TAB_N0; cached, read-only)."""
    tab = np.array([math.exp((n - EXP_TAB_N0) / 8) for n in range(EXP_TAB_N)])
    tab.setflags(write=False)
    return tab


# ----------------------------------------------------------------------------------------------
# build
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """A built circuit: plain arrays only (CSR connectivity by source, neuron parameter vectors).

    Global index space: sources ``[0, n_sources)`` then neurons; ``ranges`` maps each population
    to its global ``(start, stop)``. Synapse targets are neuron indices (global − n_sources).
    """

    params: CircuitParams
    n_sources: int
    n_neurons: int
    ranges: dict[str, tuple[int, int]]
    pop_id: np.ndarray          # int64 (n_sources + n_neurons,): index into POPULATIONS
    indptr: np.ndarray          # int64 (n_sources + n_neurons + 1,)
    target: np.ndarray          # int64 (n_syn,) neuron index
    receptor: np.ndarray        # int64 (n_syn,) index into RECEPTORS
    weight_ns: np.ndarray       # float64 (n_syn,) peak conductance (nS)
    delay_ms: np.ndarray        # float64 (n_syn,)
    stp_source: np.ndarray      # bool (n_sources,): depressing (dc) sources
    neuron: dict[str, np.ndarray]  # AdEx field name → float64 (n_neurons,)
    g_can_ns: np.ndarray        # float64 (n_neurons,): 0 except WDR

    @property
    def neuron_ranges(self) -> dict[str, tuple[int, int]]:
        """Neuron populations → (start, stop) in neuron index space."""
        return {p: (a - self.n_sources, b - self.n_sources) for p, (a, b) in self.ranges.items()
                if p in NEURON_POPULATIONS}


def _sizes(params: CircuitParams) -> dict[str, int]:
    return {p: int(getattr(params, f"n_{p}")) for p in POPULATIONS}


def afferent_sizes(params: CircuitParams) -> dict[str, int]:
    """Fibre counts of the afferent populations (the ``sizes`` argument of ``afferent_spikes``)."""
    return {p: int(getattr(params, f"n_{p}")) for p in AFFERENT_POPULATIONS}


def build(params: CircuitParams, rng: np.random.Generator) -> Network:
    """Build the network arrays from parameters; random connectivity drawn from ``rng``.

    Each pathway connects every (pre, post) pair with its probability (all-to-all at 1). Its
    weights are ``weight_ns × contacts × target_scale[post] × n_ref / (probability × n_pre)``
    with ``n_ref`` the pre population size of the published network, so every cell receives the
    same expected total drive as in ``zhang2014`` whatever the population sizes. ``dc`` sources:
    the first ``round(coverage × n_dc)`` are in-field and get copies of every ``abeta`` pathway
    (with the per-connection weights of the Aβ fibres); the others are surround sources and get
    the ``dc`` pathways, normalised by ``dc_full_volley`` instead of ``n_dc``: that many dc sources
    firing together give each surround IN the published SCS volley (all 15 ASCS fibres of Zhang 2014).

    Examples
    --------
    >>> net = build(preset("zhang2014"), np.random.default_rng(0))
    >>> net.n_neurons
    4
    """
    check_network(params)
    sizes = _sizes(params)
    ranges: dict[str, tuple[int, int]] = {}
    start = 0
    for pop in POPULATIONS:
        ranges[pop] = (start, start + sizes[pop])
        start += sizes[pop]
    n_src = sum(sizes[p] for p in AFFERENT_POPULATIONS)
    n_tot = start
    n_neu = n_tot - n_src
    pop_id = np.zeros(n_tot, dtype=np.int64)
    for k, pop in enumerate(POPULATIONS):
        pop_id[ranges[pop][0]:ranges[pop][1]] = k
    n_infield = int(round(params.coverage * sizes["dc"]))
    dc0 = ranges["dc"][0]
    scale = params.target_scale

    pre_l: list[np.ndarray] = []
    post_l: list[np.ndarray] = []
    rec_l: list[np.ndarray] = []
    w_l: list[np.ndarray] = []

    def connect(pre_idx: np.ndarray, post_pop: str, pw: Pathway, w_per_rec: dict[str, float]) -> None:
        n_post = sizes[post_pop]
        if pre_idx.size == 0:
            return
        if pw.probability >= 1.0:
            mask = np.ones((pre_idx.size, n_post), dtype=bool)
        else:
            mask = rng.random((pre_idx.size, n_post)) < pw.probability
        ii, jj = np.nonzero(mask)
        post_neu = ranges[post_pop][0] - n_src + jj
        for rname, w in w_per_rec.items():
            if w == 0.0:
                continue
            pre_l.append(pre_idx[ii])
            post_l.append(post_neu)
            rec_l.append(np.full(ii.size, RECEPTORS.index(rname), dtype=np.int64))
            w_l.append(np.full(ii.size, w, dtype=np.float64))

    for name, pw in params.pathways.items():
        if pw.pre not in POPULATIONS:
            raise ConfigError(f"unknown population '{pw.pre}'{suggest(pw.pre, POPULATIONS)}",
                              key=f"circuit.pathways.{name}.pre")
        if pw.post not in NEURON_POPULATIONS:
            raise ConfigError(f"post must be a neuron population ({', '.join(NEURON_POPULATIONS)}), got "
                              f"'{pw.post}'{suggest(pw.post, NEURON_POPULATIONS)}",
                              key=f"circuit.pathways.{name}.post")
        for rname, w in pw.weights_ns.items():
            if rname not in RECEPTORS:
                raise ConfigError(f"unknown receptor '{rname}'; allowed: {', '.join(RECEPTORS)}"
                                  f"{suggest(rname, RECEPTORS)}", key=f"circuit.pathways.{name}.weights_ns")
            if not (math.isfinite(w) and w >= 0):
                raise ConfigError(f"weight must be finite and >= 0 (got {w!r})",
                                  key=f"circuit.pathways.{name}.weights_ns.{rname}")
        n_pre = sizes[pw.pre]
        if n_pre == 0:
            continue
        n_norm = params.dc_full_volley if pw.pre == "dc" and params.dc_full_volley is not None else n_pre
        factor = pw.gain * pw.contacts * getattr(scale, pw.post) * ZHANG_SIZES[pw.pre] / (pw.probability * n_norm)
        wr = {r: w * factor for r, w in pw.weights_ns.items()}
        a, b = ranges[pw.pre]
        if pw.pre == "dc":
            connect(np.arange(dc0 + n_infield, b, dtype=np.int64), pw.post, pw, wr)
        else:
            connect(np.arange(a, b, dtype=np.int64), pw.post, pw, wr)
            if pw.pre == "abeta" and n_infield > 0:
                connect(np.arange(dc0, dc0 + n_infield, dtype=np.int64), pw.post, pw, wr)

    if pre_l:
        pre = np.concatenate(pre_l)
        post = np.concatenate(post_l)
        rec = np.concatenate(rec_l)
        w = np.concatenate(w_l)
    else:
        pre = post = rec = np.zeros(0, dtype=np.int64)
        w = np.zeros(0)
    order = np.lexsort((rec, post, pre))
    pre, post, rec, w = pre[order], post[order], rec[order], w[order]
    indptr = np.zeros(n_tot + 1, dtype=np.int64)
    np.cumsum(np.bincount(pre, minlength=n_tot), out=indptr[1:])

    neuron: dict[str, np.ndarray] = {}
    for field in AdEx.model_fields:
        arr = np.empty(n_neu)
        for pop in NEURON_POPULATIONS:
            a, b = ranges[pop]
            arr[a - n_src:b - n_src] = getattr(getattr(params, pop), field)
        neuron[field] = arr
    g_can = np.zeros(n_neu)
    a, b = ranges["wdr"]
    g_can[a - n_src:b - n_src] = params.wdr_can.g_max_ns
    stp = np.zeros(n_src, dtype=bool)
    stp[ranges["dc"][0]:ranges["dc"][1]] = True
    return Network(params=params, n_sources=n_src, n_neurons=n_neu, ranges=ranges, pop_id=pop_id,
                   indptr=indptr, target=post, receptor=rec, weight_ns=w,
                   delay_ms=np.full(w.size, params.delay_ms), stp_source=stp, neuron=neuron, g_can_ns=g_can)


# ----------------------------------------------------------------------------------------------
# run
# ----------------------------------------------------------------------------------------------
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


def dual_exp_norm(tau_rise_ms: float, tau_decay_ms: float) -> float:
    """Factor making the peak of exp(−t/τd) − exp(−t/τr) equal to 1."""
    tp = tau_rise_ms * tau_decay_ms / (tau_decay_ms - tau_rise_ms) * math.log(tau_decay_ms / tau_rise_ms)
    return 1.0 / (math.exp(-tp / tau_decay_ms) - math.exp(-tp / tau_rise_ms))


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
    kin = [getattr(p.receptors, r) for r in RECEPTORS]
    dt_ms = dt_s * 1e3
    if not (isinstance(max_spikes, int | np.integer) and max_spikes >= 0):
        raise ConfigError(f"max_spikes must be an integer >= 0 (got {max_spikes!r})", key="max_spikes")
    rec_scale = np.ones(len(RECEPTORS))
    rec_scale[_NMDA] = _check_scale(nmda_scale, "nmda_scale")
    rec_scale[_GABA] = _check_scale(gaba_scale, "gaba_scale")
    rec_scale[_GLY] = _check_scale(glycine_scale, "glycine_scale")
    e_cl = p.receptors.e_cl_mv if e_cl_mv is None else e_cl_mv
    if not (isinstance(e_cl, int | float) and math.isfinite(e_cl) and -100 <= e_cl <= 0):
        raise ConfigError(f"e_cl_mv must be within [-100, 0] mV (got {e_cl!r})", key="e_cl_mv")
    e_exc = p.receptors.e_exc_mv
    rise_dec = np.array([math.exp(-dt_ms / k.tau_rise_ms) for k in kin])
    decay_dec = np.array([math.exp(-dt_ms / k.tau_decay_ms) for k in kin])
    norm = np.array([dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in kin])

    in_step, in_src = prepare_inputs(net, inputs, dt_s, n_steps)
    dly = np.maximum(1, np.round(net.delay_ms / dt_ms)).astype(np.int64)
    ring_len = int(dly.max()) + 1 if dly.size else 2
    # neuron span [lo, hi) targeted by each receptor: states outside it stay 0 and are not advanced
    rec_lo = np.zeros(len(RECEPTORS), dtype=np.int64)
    rec_hi = np.zeros(len(RECEPTORS), dtype=np.int64)
    for r in range(len(RECEPTORS)):
        tg = net.target[net.receptor == r]
        if tg.size:
            rec_lo[r], rec_hi[r] = tg.min(), tg.max() + 1
    nrn = net.neuron
    tref_steps = np.round(nrn["t_ref_ms"] / dt_ms).astype(np.int64)
    w_dec = np.array([math.exp(-dt_ms / t) for t in nrn["tau_w_ms"]])
    can = p.wdr_can
    n_bins = -(-n_steps // bin_steps)
    counts = np.zeros((n_bins, len(POPULATIONS)), dtype=np.int64)
    cap = int(max_spikes)
    spk_step = np.zeros(cap, dtype=np.int64)
    spk_neu = np.zeros(cap, dtype=np.int64)
    wdr_step = np.zeros(cap, dtype=np.int64)
    wdr_neu = np.zeros(cap, dtype=np.int64)
    wdr0, wdr1 = net.neuron_ranges["wdr"]
    v_rec = np.zeros((n_steps if record_v else 0, net.n_neurons))
    status = np.zeros(6, dtype=np.int64)
    _run_kernel(
        net.n_sources, net.n_neurons, net.indptr, net.receptor, net.target, net.weight_ns, dly, ring_len,
        rec_lo, rec_hi,
        in_step, in_src, net.pop_id, net.stp_source, p.dc_stp.u, p.dc_stp.tau_rec_ms,
        dt_ms / nrn["c_pf"], nrn["g_l_ns"], nrn["e_l_mv"], nrn["v_t_mv"], nrn["delta_t_mv"], nrn["v_peak_mv"],
        nrn["v_reset_mv"], tref_steps, nrn["a_ns"], nrn["b_pa"], w_dec, net.g_can_ns,
        rise_dec, decay_dec, norm * rec_scale, e_exc, float(e_cl), p.receptors.mg_mm,
        mg_block_table(p.receptors.mg_mm), exp_table(),
        math.exp(-dt_ms / can.tau_ca_ms), can.per_spike, can.per_nmda_charge, can.k_half, can.e_mv,
        n_steps, dt_ms, bin_steps, counts, spk_step, spk_neu, wdr0, wdr1, wdr_step, wdr_neu,
        record_v, v_rec, status,
    )
    if status[0] != 0:
        i, s = int(status[1]), int(status[2])
        pop = next(q for q, (a, b) in net.neuron_ranges.items() if a <= i < b)
        raise SimulationError(
            f"non-finite membrane potential or conductance in population '{pop}', neuron {i - net.neuron_ranges[pop][0]}"
            f" (index {i}) at t = {s * dt_s:.6g} s; check weights, neuron parameters and dt_s"
        )
    n_tot, n_wdr = int(status[3]), int(status[4])
    sizes = _sizes(p)
    widths = np.full(n_bins, bin_steps * dt_s)
    widths[-1] = (n_steps - (n_bins - 1) * bin_steps) * dt_s
    rates = {pop: counts[:, k] / (max(sizes[pop], 1) * widths) for k, pop in enumerate(POPULATIONS)}
    k_all, k_wdr = min(n_tot, cap), min(n_wdr, cap)
    return CircuitOutput(
        bin_s=float(bin_s), dt_s=float(dt_s), duration_s=n_steps * dt_s, rates_hz=rates,
        spike_times_s=spk_step[:k_all] * dt_s, spike_neuron=spk_neu[:k_all], n_spikes_total=n_tot,
        truncated=n_tot > cap or n_wdr > cap, neuron_ranges=net.neuron_ranges,
        wdr_spike_times_s=wdr_step[:k_wdr] * dt_s, wdr_spike_neuron=wdr_neu[:k_wdr] - wdr0,
        n_wdr_spikes_total=n_wdr, v_mv=v_rec if record_v else None,
    )


@njit
def _run_kernel(n_src, n_neu, indptr, syn_rec, syn_tgt, syn_w, syn_dly, ring_len, rec_lo, rec_hi,
                in_step, in_src, pop_id, stp_on, stp_u, stp_tau_rec_ms,
                dt_over_c, g_l, e_l, v_t, delta_t, v_peak, v_reset, tref_steps, a_ns, b_pa, w_dec, g_can,
                rise_dec, decay_dec, q_rec, e_exc, e_cl, mg_mm, mg_tab, exp_tab,
                ca_dec, ca_per_spike, ca_per_nmda, can_k, can_e,
                n_steps, dt_ms, bin_steps, counts, spk_step, spk_neu, wdr0, wdr1, wdr_step, wdr_neu,
                record_v, v_rec, status):
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
    mg_fac = mg_mm / _JS_MG_MM
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
                if last_stp[j] >= 0:
                    x_stp[j] = 1.0 - (1.0 - x_stp[j]) * math.exp(-(s - last_stp[j]) * dt_ms / stp_tau_rec_ms)
                m = x_stp[j]
                x_stp[j] = x_stp[j] - stp_u * x_stp[j]
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
                _advance_synapses(buf[slot, r, lo:hi], q_rec[r], rise_dec[r], decay_dec[r], g_r[r, lo:hi],
                                  g_d[r, lo:hi], g_now[r, lo:hi])
        # the AdEx exponential e^a of every neuron first, a = (V − V_T)/Δ_T of the previous step, as
        # E[n]·P(r) (see EXP_TAB_N0), in two loops: the branch-free polynomial vectorises, then the lookup
        for i in range(n_neu):
            a = (v[i] - v_t[i]) / delta_t[i]
            if a > EXP_ARG_MAX:
                a = EXP_ARG_MAX
            if not (a >= EXP_ARG_MIN):
                a = EXP_ARG_MIN
            n = int(a * 8.0 + (EXP_TAB_N0 + 0.5))
            r = a - (n - EXP_TAB_N0) * 0.125
            r2 = r * r
            r4 = r2 * r2
            e_exp[i] = ((((1.0 + r) + r2 * (0.5 + r * (1.0 / 6.0))) + r4 * ((1.0 / 24.0 + r * (1.0 / 120.0))
                                                                           + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0))))
                        + (r4 * r4) * (1.0 / 40320.0))
            e_idx[i] = n
        for i in range(n_neu):
            e_exp[i] = exp_tab[e_idx[i]] * e_exp[i]
        # NMDA Mg²⁺ block, in place (row 1 of g_now is rebuilt every step): its own loop, since the
        # exact formula outside the table calls libm
        for i in range(rec_lo[_NMDA], rec_hi[_NMDA]):
            g_nmda = g_now[_NMDA, i]
            if g_nmda != 0.0:
                vi = v[i]
                x = (vi - MG_V0_MV) * inv_h
                if x >= 0.0 and x < n_tab - 1:
                    j = int(x)
                    blk = mg_tab[j] + (x - j) * (mg_tab[j + 1] - mg_tab[j])
                else:
                    blk = 1.0 / (1.0 + mg_fac * math.exp(-_JS_SLOPE * vi))
                g_now[_NMDA, i] = g_nmda * blk
        # neurons, arithmetic only: no calls, no early exits, so it vectorises (exp(−x) by its
        # polynomial; the rare x ≥ 0.1 and the refractory clamp are applied in the next loop)
        for i in range(n_neu):
            vi = v[i]
            # receptor rows follow RECEPTORS: 0 AMPA, 1 NMDA, 2 NK1 (EX), 3 NK1 (WDR), 4 GABA_A, 5 glycine
            g_exc = g_now[0, i] + g_now[2, i] + g_now[3, i]  # AMPA, NK1 (reversal e_exc)
            g_nmda = g_now[1, i]  # blocked
            g_inh = g_now[4, i] + g_now[5, i]  # GABA_A, glycine (reversal e_cl)
            ci = ca[i]
            gc = 0.0
            if g_can[i] > 0.0:
                gc = g_can[i] * ci / (ci + can_k)
            gtot = g_l[i] + g_exc + g_nmda + g_inh + gc
            ie = gl_el[i] + (g_exc + g_nmda) * e_exc + g_inh * e_cl + gc * can_e
            wi = w[i]
            i_exp = gl_dt[i] * e_exp[i]
            vinf = (ie + i_exp - wi) / gtot
            x = gtot * dt_over_c[i]
            x2 = x * x
            en = ((1.0 - x) + x2 * (0.5 - x * (1.0 / 6.0))) + (x2 * x2) * ((1.0 / 24.0 - x * (1.0 / 120.0))
                                                                        + x2 * (1.0 / 720.0))  # _exp_neg
            vnew[i] = vinf + (vi - vinf) * en
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
                if not (x < 0.1):  # _exp_neg's libm branch
                    vinf = vinf_a[i]
                    vn = vinf + (v[i] - vinf) * _exp_neg(x)
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


@njit
def _exp_neg(x):
    """exp(−x) for x ≥ 0: degree-6 Taylor polynomial below 0.1 (relative error < 2e-11), else libm.

    The polynomial is evaluated by Estrin's scheme (short dependency chains); ``tests/naive_circuit.py``
    evaluates it in the same order.
    """
    if x < 0.1:
        x2 = x * x
        return ((1.0 - x) + x2 * (0.5 - x * (1.0 / 6.0))) + (x2 * x2) * ((1.0 / 24.0 - x * (1.0 / 120.0))
                                                                      + x2 * (1.0 / 720.0))
    return math.exp(-x)


@njit
def _advance_synapses(row, q, dr, dd, g_r, g_d, g_now):
    """Decay one receptor's dual-exponential states by one step exactly and add this step's arrivals."""
    for k in range(row.shape[0]):
        x = row[k] * q
        g_r[k] = g_r[k] * dr + x
        g_d[k] = g_d[k] * dd + x
        g_now[k] = g_d[k] - g_r[k]
        row[k] = 0.0
