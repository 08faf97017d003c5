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

import numpy as np

from scs_sim._jit import njit
from scs_sim.dorsal_horn.afferents import AFFERENT_POPULATIONS, AfferentSpikes
from scs_sim.dorsal_horn.network import Network, population_sizes
from scs_sim.dorsal_horn.numerics import EXP_NEG_POLY_MAX, exp_adex_parts, exp_neg, exp_neg_poly, exp_table
from scs_sim.dorsal_horn.params import POPULATIONS, check_steps
from scs_sim.dorsal_horn.spiking_types import (
    Calcium,
    Cells,
    Clock,
    Drive,
    Mech,
    ReceptorArrays,
    Record,
    State,
    Wiring,
)
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

__all__ = ["CircuitOutput", "Stepper", "Window", "mech_bundle", "prepare_inputs", "run"]


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


def mech_bundle(net: Network, bias_pa: np.ndarray | None = None) -> Mech:
    """The kernel's :class:`Mech` bundle from the network's mechanism parameters (``presynaptic``,
    ``inhibitory_stp``) and an optional constant current per neuron ``bias_pa`` (pA, shape (n_neurons,))."""
    p = net.params
    pre_src = np.zeros(net.n_sources, dtype=bool)
    for pop in ("abeta", "adelta", "c"):
        a, b = net.ranges[pop]
        pre_src[a:b] = True
    in_on = np.zeros(net.n_neurons, dtype=bool)
    if p.inhibitory_stp is not None:
        for pop in ("local_in", "surround_in"):
            a, b = net.neuron_ranges[pop]
            in_on[a:b] = True
    stp = p.inhibitory_stp
    bias = np.zeros(net.n_neurons) if bias_pa is None else np.ascontiguousarray(bias_pa, dtype=np.float64)
    if bias.shape != (net.n_neurons,) or not np.all(np.isfinite(bias)):
        raise ConfigError(f"bias_pa must be {net.n_neurons} finite values (one per neuron)", key="bias_pa")
    pre = p.presynaptic
    return Mech(0.0 if pre is None else float(pre.max_fraction), 1.0 if pre is None else float(pre.k_half_ns),
                pre_src, in_on, 0.0 if stp is None else float(stp.u), 1.0 if stp is None else float(stp.tau_rec_ms),
                bias)


def run(net: Network, inputs: AfferentSpikes, duration_s: float, *, dt_s: float = 1e-4, bin_s: float = 0.005,
        max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
        glycine_scale: float = 1.0, e_cl_mv: float | None = None, record_v: bool = False,
        gaba_b_scale: float = 1.0, bias_pa: np.ndarray | None = None) -> CircuitOutput:
    """Simulate the network driven by afferent spikes (one :class:`Stepper` window over the whole run).

    Parameters: ``net`` (from :func:`build`); ``inputs``, the trains of ``abeta``, ``adelta``, ``c``,
    ``dc`` (s, fibre index per population); ``duration_s`` (> 0); ``dt_s``, the step (1 µs ≤ dt ≤
    fastest synaptic decay / 5, i.e. ≤ 1 ms with the 5 ms AMPA decay; default 0.1 ms); ``bin_s``, the
    rate bin (a whole number of steps); ``max_spikes``, the cap of the stored neuron (and, separately,
    WDR) spike lists (counts stay exact); ``nmda_scale``, ``gaba_scale``, ``glycine_scale`` (≥ 0),
    multipliers of every NMDA / GABA_A / glycine conductance; ``e_cl_mv``, a chloride reversal (mV)
    overriding ``params.receptors.e_cl_mv`` (disinhibition, KCC2 loss); ``record_v``, record every
    neuron's V each step (tests on tiny nets only). Raises :class:`ConfigError` on bad arguments,
    :class:`SimulationError` if a value becomes non-finite.

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
    st = Stepper(net, duration_s, dt_s=dt_s, bin_s=bin_s, max_spikes=max_spikes, nmda_scale=nmda_scale,
                 gaba_scale=gaba_scale, glycine_scale=glycine_scale, e_cl_mv=e_cl_mv, record_v=record_v,
                 gaba_b_scale=gaba_b_scale, bias_pa=bias_pa)
    w = st.advance(inputs, st.n_steps)
    cap = st.max_spikes
    return CircuitOutput(
        bin_s=float(bin_s), dt_s=float(dt_s), duration_s=st.n_steps * dt_s, rates_hz=w.rates_hz,
        spike_times_s=w.spike_step * dt_s, spike_neuron=w.spike_neuron, n_spikes_total=w.n_spikes,
        truncated=w.n_spikes > cap or w.n_wdr > cap, neuron_ranges=net.neuron_ranges,
        wdr_spike_times_s=w.wdr_step * dt_s, wdr_spike_neuron=w.wdr_neuron, n_wdr_spikes_total=w.n_wdr,
        v_mv=w.v_mv,
    )


@dataclass(frozen=True)
class Window:
    """What :meth:`Stepper.advance` simulated: steps ``s0 .. s1 − 1`` (global step numbers).

    ``rates_hz[pop]`` has one value per rate bin of the window; the spike lists hold global steps,
    at most the ``cap`` asked for (WDR: ``max_spikes``); ``n_spikes``/``n_wdr`` count every spike.
    """

    s0: int
    s1: int
    rates_hz: dict[str, np.ndarray]
    spike_step: np.ndarray
    spike_neuron: np.ndarray
    wdr_step: np.ndarray
    wdr_neuron: np.ndarray   # index within the WDR population
    n_spikes: int
    n_wdr: int
    v_mv: np.ndarray | None = None


class Stepper:
    """A spiking run advanced window by window, its whole state carried between windows.

    The state (membrane, adaptation, calcium, refractory counters, receptor conductances, the arrival
    ring buffer, the dc synapses' depression) lives in :attr:`state` and the kernel is deterministic,
    so any split of ``[0, n_steps)`` into windows gives bit-identical spikes and rates (windows start
    on rate-bin boundaries). Afferent spikes may be given early: those of later steps wait for their
    window. Arguments as :func:`run`.
    """

    def __init__(self, net: Network, duration_s: float, *, dt_s: float = 1e-4, bin_s: float = 0.005,
                 max_spikes: int = 200_000, nmda_scale: float = 1.0, gaba_scale: float = 1.0,
                 glycine_scale: float = 1.0, e_cl_mv: float | None = None, record_v: bool = False,
                 gaba_b_scale: float = 1.0, bias_pa: np.ndarray | None = None):
        p = net.params
        self.net, self.dt_s, self.bin_s, self.record_v = net, float(dt_s), float(bin_s), bool(record_v)
        self.n_steps, self.bin_steps = check_steps(p, duration_s, dt_s, bin_s)
        table = p.receptors.table()
        dt_ms = dt_s * 1e3
        if not (isinstance(max_spikes, int | np.integer) and max_spikes >= 0):
            raise ConfigError(f"max_spikes must be an integer >= 0 (got {max_spikes!r})", key="max_spikes")
        self.max_spikes = int(max_spikes)
        given = {"nmda_scale": nmda_scale, "gaba_scale": gaba_scale, "glycine_scale": glycine_scale,
                 "gaba_b_scale": gaba_b_scale}
        rec_scale = np.array([1.0 if k.scale is None else _check_scale(given[k.scale], k.scale) for k in table])
        e_cl = p.receptors.e_cl_mv if e_cl_mv is None else e_cl_mv
        if not (isinstance(e_cl, int | float) and math.isfinite(e_cl) and -100 <= e_cl <= 0):
            raise ConfigError(f"e_cl_mv must be within [-100, 0] mV (got {e_cl!r})", key="e_cl_mv")
        norm = np.array([dual_exp_norm(k.tau_rise_ms, k.tau_decay_ms) for k in table])
        dly = np.maximum(1, np.round(net.delay_ms / dt_ms)).astype(np.int64)
        # neuron span [lo, hi) targeted by each receptor: states outside it stay 0 and are not advanced
        rec_lo = np.zeros(len(table), dtype=np.int64)
        rec_hi = np.zeros(len(table), dtype=np.int64)
        for r in range(len(table)):
            tg = net.target[net.receptor == r]
            if tg.size:
                rec_lo[r], rec_hi[r] = tg.min(), tg.max() + 1
        exc_rows, nmda_rows, cl_rows, k_rows = class_rows(receptor_classes())
        nrn = net.neuron
        can = p.wdr_can
        ring_len = int(dly.max()) + 1 if dly.size else 2
        self._wiring = Wiring(net.n_sources, net.n_neurons, net.indptr, net.receptor, net.target, net.weight_ns,
                              dly, ring_len, net.pop_id)
        self._stp = (net.stp_source, p.dc_stp.u, p.dc_stp.tau_rec_ms)
        self._receptors = ReceptorArrays(
            np.array([math.exp(-dt_ms / k.tau_rise_ms) for k in table]),
            np.array([math.exp(-dt_ms / k.tau_decay_ms) for k in table]), norm * rec_scale,
            rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, k_rows, p.receptors.e_exc_mv, float(e_cl),
            p.receptors.e_k_mv,
            p.receptors.mg_mm, mg_block_table(p.receptors.mg_mm))
        self._cells = Cells(
            dt_ms / nrn["c_pf"], nrn["g_l_ns"], nrn["e_l_mv"], nrn["v_t_mv"], nrn["delta_t_mv"], nrn["v_peak_mv"],
            nrn["v_reset_mv"], np.round(nrn["t_ref_ms"] / dt_ms).astype(np.int64), nrn["a_ns"], nrn["b_pa"],
            np.array([math.exp(-dt_ms / t) for t in nrn["tau_w_ms"]]), net.g_can_ns, exp_table())
        self._calcium = Calcium(math.exp(-dt_ms / can.tau_ca_ms), can.per_spike, can.per_nmda_charge, can.k_half,
                                can.e_mv)
        self._dt_ms = dt_ms
        self._mech = mech_bundle(net, bias_pa)
        n, n_rec = net.n_neurons, len(table)
        self.state = State(v=np.array(nrn["e_l_mv"], dtype=np.float64), w=np.zeros(n), ca=np.zeros(n),
                           refc=np.zeros(n, dtype=np.int64), g_r=np.zeros((n_rec, n)), g_d=np.zeros((n_rec, n)),
                           g_now=np.zeros((n_rec, n)), buf=np.zeros((ring_len, n_rec, n)),
                           x_stp=np.ones(net.n_sources), last_stp=np.full(net.n_sources, -1, dtype=np.int64),
                           x_in=np.ones(n), last_in=np.full(n, -1, dtype=np.int64))
        self.s = 0  # next step to simulate
        self._pending = (np.zeros(0, np.int64), np.zeros(0, np.int64))
        self._sizes = population_sizes(p)

    def advance(self, inputs: AfferentSpikes | None, s1: int, *, cap: int | None = None) -> Window:
        """Simulate steps ``self.s .. s1 − 1`` with ``inputs`` (any afferent spikes not yet given, times in s).

        ``s1`` must end a rate bin or the run; ``cap`` bounds the stored neuron spikes (default
        ``max_spikes``). A spike of an already simulated step (never given by the window loop of
        :mod:`scs_sim.simulation`, whose windows of spikes start at the window's first step) is
        delivered at the window's first step.
        """
        s0, bs = self.s, self.bin_steps
        s1 = int(s1)
        if not (s0 < s1 <= self.n_steps) or (s1 % bs and s1 != self.n_steps):
            raise ConfigError(f"window end step {s1} must be in ({s0}, {self.n_steps}] and end a rate bin "
                              f"({bs} steps)", key="s1")
        steps, src = self._pending
        if inputs is not None:
            st, sr = prepare_inputs(self.net, inputs, self.dt_s, self.n_steps)
            if steps.size:
                st, sr = np.concatenate([steps, st]), np.concatenate([src, sr])
                order = np.lexsort((sr, st))
                st, sr = st[order], sr[order]
            steps, src = st, sr
        if steps.size and steps[0] < s0:
            steps = np.maximum(steps, s0)
            order = np.lexsort((src, steps))
            steps, src = steps[order], src[order]
        k = int(np.searchsorted(steps, s1))
        self._pending = (steps[k:], src[k:])
        n_bins = -(-(s1 - s0) // bs)
        cap = self.max_spikes if cap is None else max(0, int(cap))
        wdr0, wdr1 = self.net.neuron_ranges["wdr"]
        m = self.max_spikes
        rec = Record(counts=np.zeros((n_bins, len(POPULATIONS)), dtype=np.int64), spk_step=np.zeros(cap, np.int64),
                     spk_neu=np.zeros(cap, np.int64), wdr0=wdr0, wdr1=wdr1, wdr_step=np.zeros(m, np.int64),
                     wdr_neu=np.zeros(m, np.int64), record_v=self.record_v,
                     v_rec=np.zeros((s1 - s0 if self.record_v else 0, self.net.n_neurons)),
                     status=np.zeros(6, np.int64))
        _run_kernel(self._wiring, Drive(np.ascontiguousarray(steps[:k]), np.ascontiguousarray(src[:k]), *self._stp),
                    self._receptors, self._cells, self._calcium, Clock(s0, s1, self._dt_ms, bs), rec, self.state,
                    self._mech)
        status = rec.status
        if status[0] != 0:
            i, s = int(status[1]), int(status[2])
            rng = self.net.neuron_ranges
            pop = next(q for q, (a, b) in rng.items() if a <= i < b)
            raise SimulationError(
                f"non-finite membrane potential or conductance in population '{pop}', neuron {i - rng[pop][0]}"
                f" (index {i}) at t = {s * self.dt_s:.6g} s; check weights, neuron parameters and dt_s"
            )
        self.s = s1
        n_tot, n_wdr = int(status[3]), int(status[4])
        widths = np.full(n_bins, bs * self.dt_s)
        widths[-1] = (s1 - s0 - (n_bins - 1) * bs) * self.dt_s
        rates = {pop: rec.counts[:, j] / (max(self._sizes[pop], 1) * widths) for j, pop in enumerate(POPULATIONS)}
        k_all, k_wdr = min(n_tot, cap), min(n_wdr, m)
        return Window(s0=s0, s1=s1, rates_hz=rates, spike_step=rec.spk_step[:k_all], spike_neuron=rec.spk_neu[:k_all],
                      wdr_step=rec.wdr_step[:k_wdr], wdr_neuron=rec.wdr_neu[:k_wdr] - wdr0, n_spikes=n_tot,
                      n_wdr=n_wdr, v_mv=rec.v_rec if self.record_v else None)


@njit
def _run_kernel(wiring, drive, receptors, cells, calcium, clock, rec, state, mech):
    """Simulate one window step by step from ``state``; spikes, rates and status are written into ``rec``.

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
        Global steps ``s0`` .. ``s1`` − 1 to simulate (``s0`` a multiple of ``bin_steps``), ``dt_ms`` (ms),
        ``bin_steps`` (steps per rate bin).
    rec : Record
        Outputs of the window, written: ``counts`` (int64 (n_bins, n_populations)); the first ``len(spk_step)``
        neuron spikes in ``spk_step``/``spk_neu`` and WDR spikes (neurons ``wdr0``..``wdr1`` − 1) in
        ``wdr_step``/``wdr_neu`` (global steps); ``v_rec[s − s0, i]`` if ``record_v``; ``status`` (int64
        (6,)): [0] 1 if a value became non-finite, then [1] its neuron and [2] its step; [3], [4] the
        numbers of neuron and WDR spikes of the window (uncapped).
    state : State
        Carried between windows, updated in place (initially V = E_L, x_stp = 1, last_stp = −1, the
        rest 0): ``v`` (mV), ``w`` (pA), ``ca``, ``refc`` (steps); receptor states ``g_r``, ``g_d``,
        ``g_now`` (nS, [receptor, neuron]); the arrival ring ``buf`` (nS, [step % ring_len, receptor,
        neuron]); ``x_stp`` (resources) and ``last_stp`` (global step of the previous spike) per source;
        ``x_in``, ``last_in`` the same per neuron (depressing output synapses).
    mech : Mech
        Circuit mechanisms (docs/MODEL.md §3.7): presynaptic inhibition ``pre_max`` (fraction), ``pre_k_ns``
        (nS) of the sources ``pre_src``: their release onto neuron i scaled by 1 − pre_max·g_K,i/(g_K,i +
        pre_k_ns) (g_K: the GABA_B conductance of the previous step); depressing output synapses of the
        neurons ``in_stp_on`` (``in_stp_u``, ``in_stp_tau_ms`` in ms); ``i_bias`` (pA per neuron). All off
        leaves every operation of the model without them unchanged (bit for bit).
    """
    n_src, n_neu, indptr, syn_rec, syn_tgt, syn_w, syn_dly, ring_len, pop_id = wiring
    in_step, in_src, stp_on, stp_u, stp_tau_rec_ms = drive
    (rise_dec, decay_dec, q_rec, rec_lo, rec_hi, exc_rows, nmda_rows, cl_rows, k_rows, e_exc, e_cl, e_k, mg_mm,
     mg_tab) = receptors
    dt_over_c, g_l, e_l, v_t, delta_t, v_peak, v_reset, tref_steps, a_ns, b_pa, w_dec, g_can, exp_tab = cells
    ca_dec, ca_per_spike, ca_per_nmda, can_k, can_e = calcium
    s0, s1, dt_ms, bin_steps = clock
    counts, spk_step, spk_neu, wdr0, wdr1, wdr_step, wdr_neu, record_v, v_rec, status = rec
    # dual-exponential states [receptor, neuron] (rise, decay, difference) and the arrival ring buffer
    v, w, ca, refc, g_r, g_d, g_now, buf, x_stp, last_stp, x_in, last_in = state
    pre_max, pre_k_ns, pre_src, in_stp_on, in_stp_u, in_stp_tau_ms, i_bias = mech
    n_rec = rise_dec.shape[0]
    cap = spk_step.shape[0]
    cap_wdr = wdr_step.shape[0]
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
    for s in range(s0, s1):
        slot = s % ring_len
        b = (s - s0) // bin_steps
        # afferent spikes emitted in this step (dc collaterals pass the depressing synapse)
        while ip < n_in and in_step[ip] == s:
            j = in_src[ip]
            counts[b, pop_id[j]] += 1
            m = 1.0
            if stp_on[j]:
                m, x_stp[j] = tm_spike(x_stp[j], (s - last_stp[j]) * dt_ms, stp_tau_rec_ms, stp_u, last_stp[j] >= 0)
                last_stp[j] = s
            if pre_max > 0.0 and pre_src[j]:  # presynaptic GABA_B inhibition of this afferent's release
                for k in range(indptr[j], indptr[j + 1]):
                    t = slot + syn_dly[k]
                    if t >= ring_len:
                        t -= ring_len
                    gb = 0.0
                    for r in k_rows:
                        gb += g_now[r, syn_tgt[k]]
                    buf[t, syn_rec[k], syn_tgt[k]] += syn_w[k] * m * (1.0 - pre_max * gb / (gb + pre_k_ns))
            else:
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
            g_k = 0.0  # GABA_B (reversal e_k; exact zero without slow_inhibition)
            for r in k_rows:
                g_k += g_now[r, i]
            ci = ca[i]
            gc = 0.0
            if g_can[i] > 0.0:
                gc = g_can[i] * ci / (ci + can_k)
            gtot = g_l[i] + g_exc + g_nmda + g_inh + gc + g_k
            ie = gl_el[i] + (g_exc + g_nmda) * e_exc + g_inh * e_cl + gc * can_e + g_k * e_k + i_bias[i]
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
                    if n_wdr < cap_wdr:
                        wdr_step[n_wdr] = s
                        wdr_neu[n_wdr] = i
                    n_wdr += 1
                if in_stp_on[i]:  # depressing output synapses (interneuron_limits)
                    m, x_in[i] = tm_spike(x_in[i], (s - last_in[i]) * dt_ms, in_stp_tau_ms, in_stp_u, last_in[i] >= 0)
                    last_in[i] = s
                    for k in range(indptr[gi], indptr[gi + 1]):
                        t = slot + syn_dly[k]
                        if t >= ring_len:
                            t -= ring_len
                        buf[t, syn_rec[k], syn_tgt[k]] += syn_w[k] * m
                else:
                    for k in range(indptr[gi], indptr[gi + 1]):
                        t = slot + syn_dly[k]
                        if t >= ring_len:
                            t -= ring_len
                        buf[t, syn_rec[k], syn_tgt[k]] += syn_w[k]
            v[i] = vn
            if record_v:
                v_rec[s - s0, i] = vn
    status[3] = n_spk
    status[4] = n_wdr
